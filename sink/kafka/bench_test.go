package kafka

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

const benchBatch = 1000 // records per Put+Flush, as the runtime's batch.size

func benchRecords(n int) []*connect.Record {
	val := make([]byte, 300)
	for i := range val {
		val[i] = byte('a' + i%26)
	}
	recs := make([]*connect.Record, n)
	for i := range recs {
		recs[i] = &connect.Record{Topic: "bench", Partition: -1, Key: []byte(fmt.Sprintf("key-%06d", i)), Value: val}
	}
	return recs
}

// BenchmarkProduce compares, in one run and against one kfake broker that
// discards what it acknowledges, the kafka sink (Put+Flush per batch of
// 1000) with a bare franz-go producer given the same settings
// (acks=all, idempotent, the same compression) flushing after each batch
// too. ns/op and MB/s are per ~300-byte record.
func BenchmarkProduce(b *testing.B) {
	for _, comp := range []string{"none", "snappy"} {
		c := kafkatest.Start(b, kfake.SeedTopics(6, "bench"), kfake.BlackholeProduce())
		recs := benchRecords(benchBatch)
		b.Run("sink/compression="+comp, func(b *testing.B) {
			s := newSink(b, c.Worker(), "acks", "all", "enable.idempotence", "true", "compression.type", comp)
			ctx := context.Background()
			b.SetBytes(310)
			b.ReportAllocs()
			b.ResetTimer()
			for done := 0; done < b.N; done += benchBatch {
				n := min(benchBatch, b.N-done)
				if err := s.Put(ctx, recs[:n]); err != nil {
					b.Fatal(err)
				}
				if err := s.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
		b.Run("franz-go/compression="+comp, func(b *testing.B) {
			codec := kgo.NoCompression()
			if comp == "snappy" {
				codec = kgo.SnappyCompression()
			}
			cl := c.Client(b, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerBatchCompression(codec), kgo.MaxBufferedBytes(32<<20))
			krecs := make([]*kgo.Record, benchBatch)
			ctx := context.Background()
			fail := func(_ *kgo.Record, err error) {
				if err != nil {
					panic(err)
				}
			}
			b.SetBytes(310)
			b.ReportAllocs()
			b.ResetTimer()
			for done := 0; done < b.N; done += benchBatch {
				n := min(benchBatch, b.N-done)
				for i, r := range recs[:n] {
					// A fresh record per send, as any real producer makes.
					krecs[i] = &kgo.Record{Topic: "bench", Key: r.Key.([]byte), Value: r.Value.([]byte)}
					cl.Produce(ctx, krecs[i], fail)
				}
				if err := cl.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkProduceInterleaved alternates one batch through the sink and
// one through the bare producer, so both see the same machine load (the
// side-by-side figure to quote on a busy 2-core box). Each op is one batch
// of 1000 records through each; it reports both rates and sink/bare.
func BenchmarkProduceInterleaved(b *testing.B) {
	for _, comp := range []string{"none", "snappy"} {
		b.Run("compression="+comp, func(b *testing.B) {
			c := kafkatest.Start(b, kfake.SeedTopics(6, "bench"), kfake.BlackholeProduce())
			recs := benchRecords(benchBatch)
			s := newSink(b, c.Worker(), "acks", "all", "enable.idempotence", "true", "compression.type", comp)
			codec := kgo.NoCompression()
			if comp == "snappy" {
				codec = kgo.SnappyCompression()
			}
			cl := c.Client(b, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerBatchCompression(codec), kgo.MaxBufferedBytes(32<<20))
			ctx := context.Background()
			fail := func(_ *kgo.Record, err error) {
				if err != nil {
					panic(err)
				}
			}
			var sinkT, bareT time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			viaSink := func() time.Duration {
				t0 := time.Now()
				if err := s.Put(ctx, recs); err != nil {
					b.Fatal(err)
				}
				if err := s.Flush(ctx); err != nil {
					b.Fatal(err)
				}
				return time.Since(t0)
			}
			viaBare := func() time.Duration {
				t0 := time.Now()
				for _, r := range recs {
					cl.Produce(ctx, &kgo.Record{Topic: "bench", Key: r.Key.([]byte), Value: r.Value.([]byte)}, fail)
				}
				if err := cl.Flush(ctx); err != nil {
					b.Fatal(err)
				}
				return time.Since(t0)
			}
			for i := 0; i < b.N; i++ {
				// Alternate who goes first, so neither pays the other's GC.
				if i%2 == 0 {
					sinkT += viaSink()
					bareT += viaBare()
				} else {
					bareT += viaBare()
					sinkT += viaSink()
				}
			}
			n := float64(b.N * benchBatch)
			b.ReportMetric(n/sinkT.Seconds(), "sink-records/s")
			b.ReportMetric(n/bareT.Seconds(), "bare-records/s")
			b.ReportMetric(bareT.Seconds()/sinkT.Seconds(), "sink/bare")
		})
	}
}
