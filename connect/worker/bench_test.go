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

func benchRuntime(b *testing.B, batchSize int) {
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
	if err := w.Create(ctx, "bench", map[string]string{
		"connector.class": "benchsrc", "sink.connector.class": "discard",
		"transforms": "pass", "transforms.pass.type": "Pass",
		"batch.size": fmt.Sprint(batchSize),
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
