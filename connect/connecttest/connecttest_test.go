package connecttest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

// fakeT records failures so the contract tests themselves can be tested.
type fakeT struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}
func (f *fakeT) Error(args ...any) { f.Errorf("%s", fmt.Sprint(args...)) }
func (f *fakeT) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}
func (f *fakeT) Logf(string, ...any) {}

func (f *fakeT) failedWith(sub string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.errs {
		if strings.Contains(e, sub) {
			return true
		}
	}
	return false
}

// run runs a contract check against a fake T on its own goroutine (Fatalf
// ends it with Goexit).
func run(t *testing.T, f func(tb testing.TB)) *fakeT {
	ft := &fakeT{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); f(ft) }()
	<-done
	return ft
}

func TestSourcePollsInChunksAndBlocksWhenExhausted(t *testing.T) {
	recs := make([]*connect.Record, 5)
	for i := range recs {
		recs[i] = connect.NewRecord("t", nil, i)
	}
	s := NewSource(recs...)
	s.PollSize = 2
	ctx := context.Background()
	var got []any
	for i := 0; i < 3; i++ {
		out, err := s.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out {
			got = append(got, r.Value)
		}
	}
	if fmt.Sprint(got) != "[0 1 2 3 4]" {
		t.Fatalf("got %v", got)
	}
	if recs[3].SourceOffset["offset"] != int64(3) {
		t.Fatalf("offset not assigned: %v", recs[3].SourceOffset)
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	out, err := s.Poll(cctx)
	if out != nil || err != nil || time.Since(start) < 40*time.Millisecond {
		t.Fatalf("exhausted Poll = %v, %v after %v; want to block until cancel", out, err, time.Since(start))
	}
	if s.Polled() != 5 {
		t.Fatalf("Polled = %d", s.Polled())
	}
}

func TestGeneratorCountAndFailures(t *testing.T) {
	s := NewGenerator(7, func(i int64) *connect.Record { return Numbered("t", i) })
	s.PollSize = 5
	boom := errors.New("boom")
	s.FailNextPoll(connect.Retriable(boom))
	if _, err := s.Poll(context.Background()); !connect.IsRetriable(err) {
		t.Fatalf("want injected retriable error, got %v", err)
	}
	a, _ := s.Poll(context.Background())
	b, _ := s.Poll(context.Background())
	if len(a) != 5 || len(b) != 2 || b[1].Key != "6" || b[1].Value != "record-6" {
		t.Fatalf("got %d and %d records, last %v", len(a), len(b), b[len(b)-1])
	}
	if err := s.Commit(context.Background(), []connect.SourceOffset{{Partition: map[string]any{"source": "connecttest"}, Offset: map[string]any{"offset": 4.0}}}); err != nil {
		t.Fatal(err)
	}
	if s.CommittedOffset() != 4 || s.Commits() != 1 {
		t.Fatalf("committed %d after %d commits", s.CommittedOffset(), s.Commits())
	}
}

func TestSinkCollectsAndInjectsFailures(t *testing.T) {
	ctx := context.Background()
	s := NewSink()
	r1, r2 := Numbered("t", 1), Numbered("t", 2)
	boom := errors.New("boom")
	s.FailPut(boom)
	if err := s.Put(ctx, []*connect.Record{r1}); !errors.Is(err, boom) {
		t.Fatalf("Put = %v", err)
	}
	s.FailRecords(func(r *connect.Record) error {
		if r == r2 {
			return boom
		}
		return nil
	})
	err := s.Put(ctx, []*connect.Record{r1, r2})
	var rerrs connect.RecordErrors
	if !errors.As(err, &rerrs) || len(rerrs) != 1 || rerrs[0].Record != r2 {
		t.Fatalf("Put = %v", err)
	}
	s.FailFlush(boom)
	if err := s.Flush(ctx); !errors.Is(err, boom) || s.Len() != 0 || len(s.Pending()) != 1 {
		t.Fatalf("failed Flush = %v, %d flushed, %d pending", err, s.Len(), len(s.Pending()))
	}
	if err := s.Flush(ctx); err != nil || s.Len() != 1 || s.Records()[0] != r1 {
		t.Fatalf("Flush = %v, records %v", err, s.Records())
	}
	if !s.WaitFor(1, time.Second) {
		t.Fatal("WaitFor(1) = false with 1 flushed")
	}
	start := time.Now()
	if s.WaitFor(2, 50*time.Millisecond) || time.Since(start) > time.Second {
		t.Fatal("WaitFor(2) should time out after 50ms")
	}
	puts, flushes, _ := s.Calls()
	if puts != 2 || flushes != 2 {
		t.Fatalf("calls %d %d", puts, flushes)
	}
}

func TestDiscardAllocatesNothing(t *testing.T) {
	d := NewDiscard()
	recs := []*connect.Record{Numbered("t", 0), Numbered("t", 1)}
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() { _ = d.Put(ctx, recs); _ = d.Flush(ctx) })
	if allocs != 0 || d.Count() != 202 {
		t.Fatalf("allocs %v count %d", allocs, d.Count())
	}
}

func TestRegisteredPluginsResumeAndTrackInstances(t *testing.T) {
	r := connect.NewRegistry()
	src := RegisterSource(r, "mem")
	sinks := RegisterSink(r, "collect")
	RegisterDiscard(r, "null")
	p, err := r.Lookup(connect.KindSource, "MEM")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := p.Config.Parse(map[string]string{"count": "10", "topic": "x"})
	if err != nil {
		t.Fatal(err)
	}
	offs := MapOffsets{{Partition: map[string]any{"source": "connecttest"}, Offset: map[string]any{"offset": 6.0}}}
	task, err := p.NewSource(context.Background(), cfg, connect.TaskContext{Offsets: offs})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := task.Poll(context.Background())
	if len(out) != 3 || out[0].Key != "7" || out[0].Topic != "x" || src.Last() != task {
		t.Fatalf("resumed poll returned %d records, first %+v", len(out), out[0])
	}
	if _, err := p.Config.Parse(map[string]string{"count": "x"}); err == nil {
		t.Fatal("bad count accepted")
	}
	sp, _ := r.Lookup(connect.KindSink, "collect")
	scfg, err := sp.Config.Parse(map[string]string{"bytes": "true", "topic": "dlq"})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := sp.NewSink(context.Background(), scfg, connect.TaskContext{})
	if bs, ok := st.(connect.BytesSink); !ok || !bs.WantsBytes() || sinks.ByConfig("topic", "dlq") != st {
		t.Fatal("sink plugin did not honour bytes=true or was not tracked")
	}
}

func TestContractsPassForTheInMemoryPlugins(t *testing.T) {
	TestSourceTask(t, func(context.Context) (connect.SourceTask, error) {
		return NewGenerator(0, func(i int64) *connect.Record { return Numbered("t", i) }), nil
	})
	TestSourceTask(t, func(context.Context) (connect.SourceTask, error) { return NewSource(), nil })
	TestSinkTask(t, func(context.Context) (connect.SinkTask, error) { return NewSink(), nil },
		[]*connect.Record{Numbered("t", 0), Numbered("t", 1)})
}

type mutator struct{}

func (mutator) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	if m, ok := r.Value.(map[string]any); ok {
		m["touched"] = true // the bug the contract must catch
	}
	r.Headers = append(r.Headers, connect.Header{Key: "x"})
	return r, nil
}

type panicker struct{}

func (panicker) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	_ = r.Value.(map[string]any)["a"] // panics on a tombstone
	return r, nil
}

type goodTransform struct{}

func (goodTransform) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	if r.Value == nil {
		return nil, nil // drop tombstones
	}
	c := r.Clone()
	c.Topic = "routed-" + r.Topic
	c.Headers = c.Headers.Add("seen", nil, true)
	return c, nil
}

func schemaInputs() []*connect.Record {
	s := connect.StructOf("v", false, connect.F("id", connect.Int32Schema))
	st := connect.NewStruct(s).Put("id", int32(1))
	r := &connect.Record{Topic: "t", ValueSchema: s, Value: st, Headers: connect.Headers{{Key: "h", Value: "v"}}}
	return []*connect.Record{
		connect.NewRecord("t", "k", map[string]any{"a": int64(1), "b": []any{"x"}}),
		r,
	}
}

func TestTransformationContractCatchesBugs(t *testing.T) {
	good := run(t, func(tb testing.TB) {
		TestTransformation(tb, func() (connect.Transformation, error) { return goodTransform{}, nil }, schemaInputs())
	})
	if len(good.errs) != 0 {
		t.Fatalf("a correct transform failed the contract: %v", good.errs)
	}
	bad := run(t, func(tb testing.TB) {
		TestTransformation(tb, func() (connect.Transformation, error) { return mutator{}, nil }, schemaInputs())
	})
	if !bad.failedWith("mutated its input") {
		t.Fatalf("a mutating transform passed: %v", bad.errs)
	}
	pan := run(t, func(tb testing.TB) {
		TestTransformation(tb, func() (connect.Transformation, error) { return panicker{}, nil }, schemaInputs()[:1])
	})
	if !pan.failedWith("panicked") {
		t.Fatalf("a panicking transform passed: %v", pan.errs)
	}
}

// leaky starts a goroutine it never stops.
type leaky struct{ stop chan struct{} }

func (l *leaky) Poll(ctx context.Context) ([]*connect.Record, error) { <-ctx.Done(); return nil, nil }

type closeTwiceFails struct{ closed bool }

func (c *closeTwiceFails) Poll(ctx context.Context) ([]*connect.Record, error) {
	<-ctx.Done()
	return nil, nil
}
func (c *closeTwiceFails) Close() error {
	if c.closed {
		return errors.New("already closed")
	}
	c.closed = true
	return nil
}

func TestSourceContractCatchesBugs(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	leak := run(t, func(tb testing.TB) {
		TestSourceTask(tb, func(context.Context) (connect.SourceTask, error) {
			go func() { <-stop }()
			return &leaky{stop: stop}, nil
		})
	})
	if !leak.failedWith("goroutine leak") {
		t.Fatalf("a leaking source passed: %v", leak.errs)
	}
	twice := run(t, func(tb testing.TB) {
		TestSourceTask(tb, func(context.Context) (connect.SourceTask, error) { return &closeTwiceFails{}, nil })
	})
	if !twice.failedWith("not idempotent") {
		t.Fatalf("a non-idempotent Close passed: %v", twice.errs)
	}
}

func TestDeepCopyAndDiff(t *testing.T) {
	in := schemaInputs()[1]
	c := DeepCopy(in)
	if d := Diff(in, c); d != "" {
		t.Fatalf("copy differs: %s", d)
	}
	c.Value.(*connect.Struct).Values[0] = int32(2)
	if d := Diff(in, c); !strings.Contains(d, "Value") {
		t.Fatalf("Diff missed a changed struct field: %q", d)
	}
	fp := Fingerprint(in)
	in.ValueSchema.Fields[0].Name = "renamed"
	if Fingerprint(in) == fp {
		t.Fatal("Fingerprint missed a schema changed in place")
	}
}
