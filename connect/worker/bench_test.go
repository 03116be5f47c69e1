package worker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/converters"
)

// benchSource returns slices of pre-built records (no allocation per
// record), total records in all, after start is closed.
type benchSource struct {
	recs  []*connect.Record
	left  int
	poll  int
	start chan struct{}
}

func (s *benchSource) Poll(ctx context.Context) ([]*connect.Record, error) {
	select {
	case <-s.start:
	case <-ctx.Done():
		return nil, nil
	}
	if s.left == 0 {
		<-ctx.Done()
		return nil, nil
	}
	n := min(s.poll, s.left, len(s.recs))
	s.left -= n
	return s.recs[:n], nil
}

type discardSink struct {
	n    atomic.Int64
	want int64
	done chan struct{}
}

func (d *discardSink) Put(ctx context.Context, recs []*connect.Record) error {
	if d.n.Add(int64(len(recs))) == d.want {
		close(d.done)
	}
	return nil
}

func (d *discardSink) Flush(ctx context.Context) error { return nil }

type passThrough struct{}

func (passThrough) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) {
	return r, nil
}

// BenchmarkRuntimePassThrough moves records from an in-memory source
// through a one-transform pass-through chain to a discarding sink, with
// offsets tracked; ns/op is per record.
func BenchmarkRuntimePassThrough(b *testing.B) {
	for _, bs := range []int{100, 1000} {
		b.Run(fmt.Sprintf("batch.size=%d", bs), func(b *testing.B) {
			benchRuntime(b, bs)
		})
	}
}

// BenchmarkRuntimeLanes is BenchmarkRuntimePassThrough (batch.size=100)
// with two lanes (batch.transform.concurrency=2): the cost of handing each
// batch to a lane and collecting it again, where nothing waits.
func BenchmarkRuntimeLanes(b *testing.B) {
	benchRuntimeWith(b, 100, map[string]string{"transforms": "pass", "transforms.pass.type": "Pass", "batch.transform.concurrency": "2"})
}

// BenchmarkRuntimeBatchTransformPredicate runs a pass-through
// BatchTransformation whose predicate selects every other record: the
// worst case for keeping order (one ApplyBatch call per selected record),
// against the same stage without a predicate (one call per batch).
func BenchmarkRuntimeBatchTransformPredicate(b *testing.B) {
	stage := map[string]string{"transforms": "bp", "transforms.bp.type": "BatchPass"}
	b.Run("no predicate", func(b *testing.B) { benchRuntimeWith(b, 100, stage) })
	withPred := map[string]string{"transforms.bp.predicate": "even", "predicates": "even", "predicates.even.type": "Even"}
	for k, v := range stage {
		withPred[k] = v
	}
	b.Run("every other record", func(b *testing.B) { benchRuntimeWith(b, 100, withPred) })
}

type batchPass struct{}

func (batchPass) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) { return r, nil }
func (batchPass) ApplyBatch(_ context.Context, recs []*connect.Record) ([]*connect.Record, error) {
	return append([]*connect.Record(nil), recs...), nil
}

type evenOffset struct{}

func (evenOffset) Test(r *connect.Record) bool { return r.SourceOffset["pos"].(int64)%2 == 0 }

func benchRuntime(b *testing.B, batchSize int) {
	benchRuntimeWith(b, batchSize, map[string]string{"transforms": "pass", "transforms.pass.type": "Pass"})
}

// benchRuntimeWith runs the benchmark pipeline with the given transform and
// predicate keys.
func benchRuntimeWith(b *testing.B, batchSize int, chain map[string]string) {
	part := map[string]any{"bench": "0"}
	recs := make([]*connect.Record, 4096)
	for i := range recs {
		r := connect.NewRecord("bench", nil, "value")
		r.SourcePartition = part
		r.SourceOffset = map[string]any{"pos": int64(i)}
		recs[i] = r
	}
	src := &benchSource{recs: recs, left: b.N, poll: 1024, start: make(chan struct{})}
	sink := &discardSink{want: int64(b.N), done: make(chan struct{})}
	reg := connect.NewRegistry()
	reg.Register(connect.Plugin{Kind: connect.KindSource, Name: "benchsrc",
		NewSource: func(context.Context, connect.Config, connect.TaskContext) (connect.SourceTask, error) {
			return src, nil
		}})
	reg.Register(connect.Plugin{Kind: connect.KindSink, Name: "discard",
		NewSink: func(context.Context, connect.Config, connect.TaskContext) (connect.SinkTask, error) { return sink, nil }})
	reg.Register(connect.Plugin{Kind: connect.KindTransform, Name: "Pass",
		NewTransform: func(connect.Config) (connect.Transformation, error) { return passThrough{}, nil }})
	reg.Register(connect.Plugin{Kind: connect.KindTransform, Name: "BatchPass",
		NewTransform: func(connect.Config) (connect.Transformation, error) { return batchPass{}, nil }})
	reg.Register(connect.Plugin{Kind: connect.KindPredicate, Name: "Even",
		NewPredicate: func(connect.Config) (connect.Predicate, error) { return evenOffset{}, nil }})
	path := filepath.Join(b.TempDir(), "offsets.json")
	w, err := New(WorkerConfig{OffsetFile: path, OffsetFlushInterval: time.Hour}, reg,
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	for !w.isRunning() {
		time.Sleep(time.Millisecond)
	}
	cfg := map[string]string{
		"connector.class": "benchsrc", "sink.connector.class": "discard",
		"batch.size": fmt.Sprint(batchSize),
	}
	for k, v := range chain {
		cfg[k] = v
	}
	if err := w.Create(ctx, "bench", cfg, TargetRunning); err != nil {
		b.Fatal(err)
	}
	for taskState(w, "bench") != StateRunning {
		time.Sleep(time.Millisecond)
	}
	b.ReportAllocs()
	b.ResetTimer()
	close(src.start)
	<-sink.done
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	if p := storedPos(nil, w, "bench"); p < 0 {
		b.Fatal("no offset stored")
	}
}

type discardBytes struct{ discardSink }

func (*discardBytes) WantsBytes() bool { return true }

// BenchmarkRuntimeJSON is the same loop with a sink that wants bytes: every
// record's value (a small schemaless map) goes through JsonConverter.
func BenchmarkRuntimeJSON(b *testing.B) {
	part := map[string]any{"bench": "0"}
	recs := make([]*connect.Record, 4096)
	for i := range recs {
		r := connect.NewRecord("bench", nil, map[string]any{"id": int64(i), "name": "order", "amount": 12.5, "tags": []any{"a", "b"}})
		r.SourcePartition = part
		r.SourceOffset = map[string]any{"pos": int64(i)}
		recs[i] = r
	}
	src := &benchSource{recs: recs, left: b.N, poll: 1024, start: make(chan struct{})}
	sink := &discardBytes{discardSink{want: int64(b.N), done: make(chan struct{})}}
	reg := connect.NewRegistry()
	converters.Register(reg)
	reg.Register(connect.Plugin{Kind: connect.KindSource, Name: "benchsrc",
		NewSource: func(context.Context, connect.Config, connect.TaskContext) (connect.SourceTask, error) {
			return src, nil
		}})
	reg.Register(connect.Plugin{Kind: connect.KindSink, Name: "discard",
		NewSink: func(context.Context, connect.Config, connect.TaskContext) (connect.SinkTask, error) { return sink, nil }})
	w, err := New(WorkerConfig{OffsetFile: filepath.Join(b.TempDir(), "o.json"), OffsetFlushInterval: time.Hour}, reg,
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	for !w.isRunning() {
		time.Sleep(time.Millisecond)
	}
	if err := w.Create(ctx, "bench", map[string]string{
		"connector.class": "benchsrc", "sink.connector.class": "discard",
		"value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
	}, TargetRunning); err != nil {
		b.Fatal(err)
	}
	for taskState(w, "bench") != StateRunning {
		time.Sleep(time.Millisecond)
	}
	b.ReportAllocs()
	b.ResetTimer()
	close(src.start)
	<-sink.done
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
