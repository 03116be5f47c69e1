package rocketmq

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	rmq "github.com/apache/rocketmq-clients/golang/v5"
	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/forms"
	"github.com/inletdev/inlet/sink/rocketmq/rocketmqtest"
)

var alibabaMapping = []string{
	"message.body.form", "JSONPATH", "message.body.value", "$.data.body",
	"message.key.form", "JSONPATH", "message.key.value", "$.data.systemProperties.KEYS",
	"message.tag.form", "JSONPATH", "message.tag.value", "$.data.systemProperties.TAGS",
	"message.properties.form", "TEMPLATE",
	"message.properties.value", `{"userProperties":"$.data.userProperties","msgId":"$.data.msgId"}`,
	"message.properties.template", `{"EB_SYS_EMBED_OBJECT":"${userProperties}","UNIQ_KEY":"${msgId}"}`,
}

// BenchmarkMapping is inlet's CPU cost per record before the client: the
// CloudEvents view and Alibaba's example mapping into a client message.
func BenchmarkMapping(b *testing.B) {
	cfg, err := ConfigDef().Parse(func() map[string]string {
		p := map[string]string{keyEndpoint: "127.0.0.1:1", keyTopic: "orders"}
		for i := 0; i+1 < len(alibabaMapping); i += 2 {
			p[alibabaMapping[i]] = alibabaMapping[i+1]
		}
		return p
	}())
	if err != nil {
		b.Fatal(err)
	}
	m, errs := newMapping(cfg, nil)
	if errs != nil {
		b.Fatal(errs)
	}
	r := event(1, `{"orderId":1001,"amount":"99.50","status":"PAID"}`)
	ec := connect.EventContext{Pipeline: "inflow", Connector: "dts"}
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		ev, err := forms.NewEvent(r, ec)
		if err != nil {
			b.Fatal(err)
		}
		d := draft{msg: new(rmq.Message)} // as prepare maps for the official client
		if err := m.message(r, ev, &slabs{}, &d); err != nil {
			b.Fatal(err)
		}
		m.clientMessage(&d)
	}
	cpu.report(b)
}

// BenchmarkPrepare is the sink's per-record CPU in the example pipeline
// (examples/dts-to-rocketmq) before the RPC: Put's prepare of 100 binary-mode
// DTS change events, as they come back from the HTTP function, with the
// example's mapping (body = the after image as JSON, key and tag by
// JSONPath, five properties by template) into their wire form. ns/op is
// per record.
func BenchmarkPrepare(b *testing.B) {
	task, recs, ec := examplePut(b)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	for done := 0; done < b.N; done += len(recs) {
		n := min(len(recs), b.N-done)
		jobs := make([]job, n) // as Put does
		task.prepare(ec, recs[:n], jobs)
		if jobs[0].err != nil {
			b.Fatal(jobs[0].err)
		}
	}
	b.StopTimer()
	cpu.report(b)
}

// BenchmarkPrepareMarshal is BenchmarkPrepare plus what gRPC's proto codec
// does with the request on the sender's side (proto.Size, then
// MarshalAppend into a buffer of that size, which the codec pools): the
// example's five properties per message are where protobuf-go's map
// reflection showed in the pipeline's profile. ns/op is per record.
func BenchmarkPrepareMarshal(b *testing.B) {
	task, recs, ec := examplePut(b)
	var buf []byte // the codec's pooled buffer
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	for done := 0; done < b.N; done += len(recs) {
		n := min(len(recs), b.N-done)
		jobs := make([]job, n)
		task.prepare(ec, recs[:n], jobs)
		msgs := make([]*v2.Message, n) // as run does per request
		for i := range jobs {
			if jobs[i].err != nil {
				b.Fatal(jobs[i].err)
			}
			msgs[i] = jobs[i].pb
		}
		req := &v2.SendMessageRequest{Messages: msgs}
		if size := proto.Size(req); cap(buf) < size {
			buf = make([]byte, 0, size)
		}
		var err error
		if buf, err = (proto.MarshalOptions{}).MarshalAppend(buf[:0], req); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu.report(b)
}

// examplePut is the example pipeline's sink (its mapping, no broker) and a
// Put's worth of its records: 100 DTS change events as they come back from
// the HTTP function.
func examplePut(b *testing.B) (*Task, []*connect.Record, connect.EventContext) {
	task := goldenTask(b, time.Now(), goldenMappings[0].kv...)
	recs := make([]*connect.Record, 100)
	for i := range recs {
		recs[i] = dtsRecord(i, true)
	}
	return task, recs, connect.EventContext{Pipeline: "inflow", Connector: "dts"}
}

// BenchmarkSend is the sink end to end to the local test endpoint: Put of
// 100-record batches (parallelism 16, as in rocketmqtest's
// BenchmarkEndpoint), Alibaba's mapping, sent one message per request
// through the official client (batch=1) or batched (batch=100). ns/op is
// per record.
func BenchmarkSend(b *testing.B) {
	for _, batch := range []string{"1", "100"} {
		b.Run("batch="+batch, func(b *testing.B) { benchSend(b, batch) })
	}
}

func benchSend(b *testing.B, batchSize string) {
	s, err := rocketmqtest.NewServer(rocketmqtest.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	p := map[string]string{keyEndpoint: s.Addr(), keyTopic: "orders", keyTLS: "false", keyParallelism: "16", keyBatchSize: batchSize}
	for i := 0; i+1 < len(alibabaMapping); i += 2 {
		p[alibabaMapping[i]] = alibabaMapping[i+1]
	}
	cfg, err := ConfigDef().Parse(p)
	if err != nil {
		b.Fatal(err)
	}
	task, err := open(context.Background(), cfg, connect.TaskContext{})
	if err != nil {
		b.Fatal(err)
	}
	defer task.Close()
	batch := make([]*connect.Record, 100)
	for i := range batch {
		batch[i] = event(i, fmt.Sprintf(`{"orderId":%d,"amount":"99.50","status":"PAID"}`, i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	for sent := 0; sent < b.N; sent += len(batch) {
		n := min(len(batch), b.N-sent)
		if err := task.Put(ectx, batch[:n]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu.report(b) // client and endpoint together: they share the process
	if s.Len() < b.N {
		b.Fatalf("%d of %d stored", s.Len(), b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// cpuTimer measures the process's CPU time over a benchmark loop (see
// internal/forms): on a shared machine wall time swings with other load.
type cpuTimer struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuTimer { return cpuTimer{cpuNow()} }

func (c cpuTimer) report(b *testing.B) {
	d := cpuNow() - c.start
	if d <= 0 || b.N == 0 {
		return
	}
	perOp := float64(d.Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp, "cpu-ns/op")
	b.ReportMetric(1e9/perOp, "records/cpu-s")
}

// BenchmarkClient is the client side alone against the local endpoint, no
// inlet mapping: batch=1 is the official Producer.Send from 16 goroutines,
// batch=100 the sink's batched path (batch.go) sending 100-message
// requests from 2 goroutines. Together with rocketmqtest's
// BenchmarkEndpoint (raw gRPC) and BenchmarkSend (the sink) it shows where
// the time per message goes. ns/op is per message.
func BenchmarkClient(b *testing.B) {
	b.Run("batch=1", benchClientOfficial)
	b.Run("batch=100", benchClientBatched)
}

func benchTask(b *testing.B) (*rocketmqtest.Server, *Task) {
	s, err := rocketmqtest.NewServer(rocketmqtest.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	cfg, err := ConfigDef().Parse(map[string]string{keyEndpoint: s.Addr(), keyTopic: "orders", keyTLS: "false"})
	if err != nil {
		b.Fatal(err)
	}
	task, err := open(context.Background(), cfg, connect.TaskContext{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = task.Close() })
	return s, task
}

var benchBody = []byte(`{"orderId":1001,"amount":"99.50","status":"PAID"}`)

func benchMessage() *rmq.Message {
	m := &rmq.Message{Topic: "orders", Body: benchBody}
	m.SetKeys("order-1001")
	m.SetTag("TagA")
	return m
}

func benchClientOfficial(b *testing.B) {
	_, task := benchTask(b)
	p := task.producer.p
	b.SetParallelism(8) // 16 in flight on 2 cores
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Send(context.Background(), benchMessage()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.StopTimer()
	cpu.report(b)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func benchClientBatched(b *testing.B) {
	s, task := benchTask(b)
	bt := task.producer.batch
	const size = 100
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := min(int64(size), int64(b.N)-next.Add(size)+size)
				if n <= 0 {
					return
				}
				born, topic := timestamppb.Now(), bt.resource("orders")
				msgs := make([]*v2.Message, n)
				for i := range msgs {
					w := new(wire)
					if err := bt.protoMessage(&draft{body: benchBody, keys: []string{"order-1001"}, tag: "TagA"}, topic, born, w, &slabs{}); err != nil {
						b.Error(err)
						return
					}
					msgs[i] = &w.msg
				}
				for _, err := range bt.send(context.Background(), "orders", msgs, false) {
					if err != nil {
						b.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	cpu.report(b)
	if s.Len() != b.N {
		b.Fatalf("%d of %d stored", s.Len(), b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
