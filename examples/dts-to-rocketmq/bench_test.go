package dtstorocketmq_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/inletdev/inlet/source/dts"
	"github.com/inletdev/inlet/source/dts/dtstest"
)

// benchRow is a typical shop.orders UPDATE: 8 columns of common types.
func benchRow(g *dtstest.Gen, id int64) dtstest.Record {
	g.ID++
	no := dtstest.Text(fmt.Sprintf("NO-%06d", id))
	return dtstest.Record{
		ID: g.ID, SourceTimestamp: g.TS, Operation: dts.OpUpdate, ObjectName: dtstest.OrdersTable, PKUK: `{"PRIMARY":["id"]}`,
		Fields: []dts.Field{{Name: "id", DataTypeNumber: 8}, {Name: "order_no", DataTypeNumber: 253},
			{Name: "customer", DataTypeNumber: 253}, {Name: "amount", DataTypeNumber: 246}, {Name: "status", DataTypeNumber: 247},
			{Name: "created_at", DataTypeNumber: 12}, {Name: "updated_at", DataTypeNumber: 7}, {Name: "note", DataTypeNumber: 15}},
		Before: []dtstest.Value{dtstest.Int(id), no, dtstest.Text("Alice"), dtstest.Decimal("99.50", 10, 2),
			dtstest.TextObject("ENUM", "NEW"), dtstest.DateTime(2023, 11, 14, 22, 13, 20, 0), dtstest.Timestamp(g.TS, 0), dtstest.Null()},
		After: []dtstest.Value{dtstest.Int(id), no, dtstest.Text("Alice"), dtstest.Decimal("99.50", 10, 2),
			dtstest.TextObject("ENUM", "PAID"), dtstest.DateTime(2023, 11, 14, 22, 13, 20, 0), dtstest.Timestamp(g.TS, 0), dtstest.Text("ok")},
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchPipeline runs the example pipeline over b.N matching rows that are
// already in the DTS topic (plus one filtered row per ten), from worker
// start until the last message is accepted by the RocketMQ endpoint. Run
// it with a fixed count, e.g. -benchtime=100000x, so setup is amortized.
// Besides rows/s (wall clock) it reports rows per CPU-second of the whole
// process (source, runtime, function server, sink and the in-process
// Kafka and RocketMQ endpoints), which other load on the machine does not
// distort.
func benchPipeline(b *testing.B, extra map[string]string) {
	e := setup(b)
	if extra["function"] == "text" {
		delete(extra, "function")
		b.Setenv("ENRICH_FUNCTION_URL", textFunction(b))
	}
	for k, v := range extra {
		e.extra[k] = v
	}
	ctx := context.Background()
	g := dtstest.Gen{TS: e.ckpt}
	const chunk = 2000
	recs := make([]dtstest.Record, 0, chunk)
	for i := 0; i < b.N; i++ {
		recs = append(recs, benchRow(&g, int64(i)))
		if i%10 == 0 {
			recs = append(recs, g.UpdateOther(int64(i))) // filtered
		}
		if len(recs) >= chunk || i == b.N-1 {
			if _, err := e.dts.Produce(ctx, recs...); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	if f := os.Getenv("INLET_BENCH_CPUPROFILE"); f != "" {
		out, err := os.Create(f)
		if err == nil {
			_ = pprof.StartCPUProfile(out)
			defer pprof.StopCPUProfile()
		}
	}
	cpu0 := cpuTime()
	_, stop := e.start(b)
	// Steady state: from the first message accepted to the last, leaving
	// out the worker's start (the RocketMQ client alone takes about a
	// second to start).
	var first time.Time
	var firstCPU time.Duration
	firstN := 0
	for deadline := time.Now().Add(10 * time.Minute); ; time.Sleep(5 * time.Millisecond) {
		n := e.mq.Len()
		if n > 0 && first.IsZero() {
			first, firstN, firstCPU = time.Now(), n, cpuTime()
		}
		if n >= b.N {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d messages after 10 minutes", n, b.N)
		}
	}
	steady := time.Since(first)
	// The run ends when the endpoint has every message; what follows is the
	// test checking them, which is not the pipeline's work.
	b.StopTimer()
	cpu := cpuTime() - cpu0
	msgs := waitMessages(b, e.mq, "orders-paid", b.N, time.Minute)
	if steady > 0 {
		b.ReportMetric(float64(b.N-firstN)/steady.Seconds(), "rows/s-steady")
		// How many of the machine's cores the process kept busy meanwhile:
		// near the core count, the pipeline is bound by CPU, not by waits.
		b.ReportMetric((cpu+cpu0-firstCPU).Seconds()/steady.Seconds(), "cores-steady")
	}
	if enriched := bytes.Contains(msgs[len(msgs)-1].Body, []byte(`"enrichedBy":"fc"`)); enriched != (e.extra["transforms"] != "onlyOrderUpdates") {
		b.Fatalf("message body %s: enriched by the function = %v, want %v", msgs[len(msgs)-1].Body, enriched, !enriched)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "rows/cpu-s")
	stop()
}

// BenchmarkPipeline is the example as written: DTS → batch → event pattern
// → HTTP function → RocketMQ, with a stand-in function that enriches the
// events by editing their JSON text (as a lean function would), so the
// figure is inlet's and the endpoints', not encoding/json's in the test.
func BenchmarkPipeline(b *testing.B) { benchPipeline(b, map[string]string{"function": "text"}) }

// BenchmarkPipelineOneLane is BenchmarkPipeline with
// batch.transform.concurrency=1: one batch at a time goes through the
// filter and the function, so the function's round trip is on the
// pipeline's critical path.
func BenchmarkPipelineOneLane(b *testing.B) {
	benchPipeline(b, map[string]string{"function": "text", "batch.transform.concurrency": "1"})
}

// BenchmarkPipelineJSONFunction is BenchmarkPipeline with the tests'
// stand-in function, which decodes and re-encodes every event with
// encoding/json: about half of the process's CPU goes to that function.
func BenchmarkPipelineJSONFunction(b *testing.B) { benchPipeline(b, nil) }

// textFunction serves the function step for benchmarks: it checks the
// token and adds "enrichedBy":"fc" to every afterImage by editing the
// request text, answering with the same events (same ids). It works in
// pooled buffers and answers with one write, as a lean function would, so
// its own cost does not count against the pipeline.
func textFunction(b *testing.B) string {
	type bufs struct{ in, out bytes.Buffer }
	var pool sync.Pool
	from, to := []byte(`"afterImage":{`), []byte(`"afterImage":{"enrichedBy":"fc",`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer fc-token" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		bs, _ := pool.Get().(*bufs)
		if bs == nil {
			bs = new(bufs)
		}
		defer pool.Put(bs)
		bs.in.Reset()
		bs.out.Reset()
		if r.ContentLength > 0 {
			bs.in.Grow(int(r.ContentLength))
		}
		if _, err := bs.in.ReadFrom(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body := bs.in.Bytes()
		bs.out.Grow(len(body) + len(body)/8)
		for {
			i := bytes.Index(body, from)
			if i < 0 {
				bs.out.Write(body)
				break
			}
			bs.out.Write(body[:i])
			bs.out.Write(to)
			body = body[i+len(from):]
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(bs.out.Len()))
		_, _ = w.Write(bs.out.Bytes())
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

// BenchmarkPipelineNoFunction drops the HTTP function step: DTS → batch →
// event pattern → RocketMQ.
func BenchmarkPipelineNoFunction(b *testing.B) {
	benchPipeline(b, map[string]string{"transforms": "onlyOrderUpdates"})
}
