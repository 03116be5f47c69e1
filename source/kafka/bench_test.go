package kafka

import (
	"context"
	"fmt"
	"testing"

	"github.com/inletdev/inlet/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkConsume compares, in one run, the kafka source's Poll with a
// bare franz-go group consumer's PollRecords (same max of 500 records),
// both reading ~300-byte records that kfake serves from a canned batch.
// ns/op and MB/s are per record.
func BenchmarkConsume(b *testing.B) {
	runs := 0
	c := kafkatest.Start(b, kfake.SeedTopics(3, "bench"), kfake.SyntheticFetch(kfake.SyntheticBatch{Records: 1000, RecordBytes: 300}))
	b.Run("source", func(b *testing.B) {
		runs++ // b.Run calls this with growing b.N: a fresh group each time
		s := newSource(b, c, "topics", "bench", "group.id", fmt.Sprintf("bench-source-%d", runs))
		defer s.Close()
		ctx := context.Background()
		b.SetBytes(300)
		b.ReportAllocs()
		b.ResetTimer()
		for n := 0; n < b.N; {
			rs, err := s.Poll(ctx)
			if err != nil {
				b.Fatal(err)
			}
			n += len(rs)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("franz-go", func(b *testing.B) {
		runs++
		cl := c.Client(b, kgo.ConsumerGroup(fmt.Sprintf("bench-bare-%d", runs)), kgo.ConsumeTopics("bench"), kgo.DisableAutoCommit(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		ctx := context.Background()
		b.SetBytes(300)
		b.ReportAllocs()
		b.ResetTimer()
		defer cl.Close()
		for n := 0; n < b.N; {
			fs := cl.PollRecords(ctx, 500)
			if errs := fs.Errors(); len(errs) > 0 {
				b.Fatal(errs[0].Err)
			}
			n += fs.NumRecords()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}
