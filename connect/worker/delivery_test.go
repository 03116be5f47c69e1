package worker

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

// These tests pin down the task's two stages: the task loop transforms
// batch n+1 while the delivery goroutine puts batch n. Each one makes the
// sink hold a batch until a later batch has been transformed, so with one
// stage (transform, put, transform, put…) it would wait forever. Each runs
// with one lane and with two (batch.transform.concurrency, lanes.go): the
// order and failure rules are the same. Every batch in them is full
// (batch.interval.ms=15000 only keeps a late poll from cutting one short),
// so each test knows which records share a batch.

// forLanes runs test with one lane and with two.
func forLanes(t *testing.T, test func(t *testing.T, lanes string)) {
	for _, lanes := range []string{"1", "2"} {
		t.Run("lanes="+lanes, func(t *testing.T) { test(t, lanes) })
	}
}

// signalT passes records through and closes seen when it meets value.
type signalT struct {
	value string
	seen  chan struct{}
	once  sync.Once
}

func (s *signalT) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) {
	if fmt.Sprint(r.Value) == s.value {
		s.once.Do(func() { close(s.seen) })
	}
	return r, nil
}

// heldSink is memSink whose Put waits, for a batch holding holdValue,
// until release is closed; entered is closed when that Put begins.
type heldSink struct {
	*memSink
	holdValue string
	release   <-chan struct{}
	entered   chan struct{}
	once      *sync.Once
}

func (k heldSink) Put(ctx context.Context, recs []*connect.Record) error {
	if slices.ContainsFunc(recs, func(r *connect.Record) bool { return fmt.Sprint(r.Value) == k.holdValue }) {
		k.once.Do(func() { close(k.entered) })
		select {
		case <-k.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return k.memSink.Put(ctx, recs)
}

// stagedEnv registers transform "Signal" (closing seen at signalValue) and
// sink "held" (holding the batch with holdValue until release is closed;
// entered is closed when it begins to).
func stagedEnv(t *testing.T, signalValue, holdValue string, release <-chan struct{}) (e *env, seen, entered chan struct{}) {
	e = newEnv(t)
	seen, entered = make(chan struct{}), make(chan struct{})
	var once sync.Once
	sig := &signalT{value: signalValue, seen: seen}
	e.reg.Register(connect.Plugin{Kind: connect.KindTransform, Name: "Signal",
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) { return sig, nil }})
	e.reg.Register(connect.Plugin{Kind: connect.KindSink, Name: "held",
		NewSink: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SinkTask, error) {
			return heldSink{memSink: &memSink{e: e}, holdValue: holdValue, release: release, entered: entered, once: &once}, nil
		}})
	return e, seen, entered
}

// refuseV3 is a failPut that refuses record v3 for good.
func refuseV3(r *connect.Record, attempt int) error {
	if fmt.Sprint(r.Value) == "v3" {
		return connect.Permanent(errors.New("broker refused v3"))
	}
	return nil
}

func (e *env) putCallCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.putCalls
}

// TestNextBatchTransformedWhileSinkWaits: the sink holds the first batch
// until the second has gone through the transforms.
func TestNextBatchTransformedWhileSinkWaits(t *testing.T) {
	forLanes(t, testNextBatchTransformedWhileSinkWaits)
}

func testNextBatchTransformedWhileSinkWaits(t *testing.T, lanes string) {
	seenC := make(chan struct{})
	e, seen, _ := stagedEnv(t, "v15", "v0", seenC)
	go func() { <-seen; close(seenC) }()
	w, _ := e.newWorker()
	stop := run(t, w)
	defer stop()
	if err := w.Create(context.Background(), "p", pipe("batch.transform.concurrency", lanes, "batch.interval.ms", "15000", "count", "20", "batch.size", "10",
		"sink.connector.class", "held", "transforms", "s", "transforms.s.type", "Signal"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "20 records delivered while the first batch was held until the second was transformed",
		func() bool { return len(e.values()) == 20 })
	want := make([]string, 20)
	for i := range want {
		want[i] = fmt.Sprintf("v%d", i)
	}
	if got := e.values(); !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want in poll order %v", got, want)
	}
}

// TestSinkFailureStopsBeforeTheTransformedNextBatch: the sink fails the
// first batch for good (errors.tolerance=none) after the second batch was
// transformed. The second batch must never reach the sink, and no offset
// moves.
func TestSinkFailureStopsBeforeTheTransformedNextBatch(t *testing.T) {
	forLanes(t, testSinkFailureStopsBeforeTheTransformedNextBatch)
}

func testSinkFailureStopsBeforeTheTransformedNextBatch(t *testing.T, lanes string) {
	release := make(chan struct{})
	e, seen, _ := stagedEnv(t, "v7", "v0", release)
	go func() { <-seen; close(release) }()
	e.failPut = refuseV3
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("batch.transform.concurrency", lanes, "batch.interval.ms", "15000", "count", "20", "batch.size", "5",
		"sink.connector.class", "held", "transforms", "s", "transforms.s.type", "Signal"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "task failure", func() bool { return taskState(w, "p") == StateFailed })
	st, _ := w.Status("p")
	if tr := st.Tasks[0].Trace; !strings.Contains(tr, "pos:3") || !strings.Contains(tr, "broker refused v3") {
		t.Errorf("trace does not name the failed record pos:3 and its error:\n%s", tr)
	}
	_ = stop()
	if n := e.putCallCount(); n != 1 {
		t.Errorf("%d Put calls, want 1: the batch after the failed one must not reach the sink", n)
	}
	// The sink accepted batch 1's other records (Put named only v3), so
	// they are delivered; nothing of batch 2 may be.
	if got, want := e.values(), []string{"v0", "v1", "v2", "v4"}; !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
	if p := storedPos(t, w, "p"); p != -1 {
		t.Errorf("stored offset %d, want none", p)
	}
}

// TestTransformFailureAfterAHandedOverBatch: batch 2 fails in a transform
// (errors.tolerance=none) while batch 1 is still with the sink. Batch 1 came
// first, so it is delivered and its offsets stored before the task fails.
func TestTransformFailureAfterAHandedOverBatch(t *testing.T) {
	forLanes(t, testTransformFailureAfterAHandedOverBatch)
}

func testTransformFailureAfterAHandedOverBatch(t *testing.T, lanes string) {
	release := make(chan struct{})
	e, seen, _ := stagedEnv(t, "v7", "v0", release)
	go func() { <-seen; close(release) }()
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("batch.transform.concurrency", lanes, "batch.interval.ms", "15000", "count", "20", "batch.size", "5", "sink.connector.class", "held",
		"transforms", "s,f", "transforms.s.type", "Signal", "transforms.f.type", "Fail", "transforms.f.value", "v7"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	failedAfterFirstBatch(t, e, w, stop)
}

// failedAfterFirstBatch checks that the task failed in a transform at
// v7 (batch 2 of five records each) and that batch 1, before it, was
// delivered and its offsets stored, and nothing after it.
func failedAfterFirstBatch(t *testing.T, e *env, w *Worker, stop func() error) {
	t.Helper()
	waitFor(t, "task failure", func() bool { return taskState(w, "p") == StateFailed })
	st, _ := w.Status("p")
	if tr := st.Tasks[0].Trace; !strings.Contains(tr, "TRANSFORMATION") || !strings.Contains(tr, "pos:7") {
		t.Errorf("trace does not name the transform failure at pos:7:\n%s", tr)
	}
	_ = stop()
	if got, want := e.values(), []string{"v0", "v1", "v2", "v3", "v4"}; !slices.Equal(got, want) {
		t.Errorf("delivered %v, want only the batch before the failure %v", got, want)
	}
	if p := storedPos(t, w, "p"); p != 4 {
		t.Errorf("stored offset %d, want 4 (the end of the delivered batch)", p)
	}
}

// pausedWithHeldBatch starts a pipeline of ten records in batches of five,
// holds batch 1 in the sink until batch 2 is transformed, pauses the
// pipeline, then lets batch 1 through: batch 2 is transformed and waiting
// for the sink when the pipeline is paused.
func pausedWithHeldBatch(t *testing.T, lanes string, e *env, seen, entered <-chan struct{}, release chan struct{}, w *Worker) {
	t.Helper()
	if err := w.Create(context.Background(), "p", pipe("batch.transform.concurrency", lanes, "batch.interval.ms", "15000", "count", "10", "batch.size", "5",
		"sink.connector.class", "held", "transforms", "s", "transforms.s.type", "Signal"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	for _, c := range []<-chan struct{}{seen, entered} {
		select {
		case <-c:
		case <-time.After(10 * time.Second):
			t.Fatal("batch 2 was not transformed while batch 1 was with the sink")
		}
	}
	if err := w.Pause(context.Background(), "p"); err != nil {
		t.Fatal(err)
	}
	close(release)
	waitFor(t, "batch 1 delivered", func() bool { return len(e.values()) == 5 })
	time.Sleep(200 * time.Millisecond)
	if got := e.values(); len(got) != 5 || e.putCallCount() != 1 {
		t.Fatalf("while paused the sink got %d Put calls and delivered %v: a paused pipeline moves nothing", e.putCallCount(), got)
	}
}

// TestPauseHoldsATransformedBatch: a batch transformed before a pause is
// not put until the pipeline is resumed.
func TestPauseHoldsATransformedBatch(t *testing.T) { forLanes(t, testPauseHoldsATransformedBatch) }

func testPauseHoldsATransformedBatch(t *testing.T, lanes string) {
	release := make(chan struct{})
	e, seen, entered := stagedEnv(t, "v7", "v0", release)
	w, _ := e.newWorker()
	stop := run(t, w)
	defer stop()
	pausedWithHeldBatch(t, lanes, e, seen, entered, release, w)
	if err := w.Resume(context.Background(), "p"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "batch 2 delivered after resume", func() bool { return len(e.values()) == 10 })
}

// TestStopWhilePausedAbandonsTheTransformedBatch: stopping a paused
// pipeline does not deliver the batch it holds and stores offsets only up
// to what was delivered; the next run delivers the rest.
func TestStopWhilePausedAbandonsTheTransformedBatch(t *testing.T) {
	forLanes(t, testStopWhilePausedAbandonsTheTransformedBatch)
}

func testStopWhilePausedAbandonsTheTransformedBatch(t *testing.T, lanes string) {
	release := make(chan struct{})
	e, seen, entered := stagedEnv(t, "v7", "v0", release)
	path := filepath.Join(t.TempDir(), "offsets.json")
	w := e.workerAt(path)
	stop := run(t, w)
	pausedWithHeldBatch(t, lanes, e, seen, entered, release, w)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got := e.values(); len(got) != 5 {
		t.Fatalf("a stop while paused delivered %v", got)
	}
	if p := storedPos(t, w, "p"); p != 4 {
		t.Fatalf("stored offset %d, want 4", p)
	}
	w2 := e.workerAt(path)
	stop2 := run(t, w2)
	defer stop2()
	if err := w2.Create(context.Background(), "p", pipe("batch.transform.concurrency", lanes, "batch.interval.ms", "15000", "count", "10", "batch.size", "5", "sink.connector.class", "held"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	// Batch 1 once, then batch 2: the next run starts after the stored offset.
	want := []string{"v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"}
	waitFor(t, "the rest delivered by the next run", func() bool { return len(e.values()) == 10 })
	if got := e.values(); !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
}

// TestDeliveryFailureCutsATransformRetry: batch 2's transform is retrying
// a transient error without end (errors.retry.timeout=-1) when batch 1
// fails in the sink for good. The task must fail at once, not when the
// transform's retries end (never).
func TestDeliveryFailureCutsATransformRetry(t *testing.T) {
	forLanes(t, testDeliveryFailureCutsATransformRetry)
}

func testDeliveryFailureCutsATransformRetry(t *testing.T, lanes string) {
	release := make(chan struct{})
	e, seen, _ := stagedEnv(t, "v7", "v0", release)
	go func() { <-seen; time.Sleep(50 * time.Millisecond); close(release) }()
	e.failPut = refuseV3
	w, _ := e.newWorker()
	stop := run(t, w)
	defer stop()
	if err := w.Create(context.Background(), "p", pipe("batch.transform.concurrency", lanes, "batch.interval.ms", "15000", "count", "20", "batch.size", "5", "sink.connector.class", "held",
		"errors.retry.timeout", "-1", "transforms", "s,f", "transforms.s.type", "Signal",
		"transforms.f.type", "Fail", "transforms.f.value", "v7", "transforms.f.retriable.times", "-1"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "task failure while a later batch's transform retries", func() bool { return taskState(w, "p") == StateFailed })
	st, _ := w.Status("p")
	if tr := st.Tasks[0].Trace; !strings.Contains(tr, "broker refused v3") {
		t.Errorf("the task's error is not the sink's failure of batch 1:\n%s", tr)
	}
	if p := storedPos(t, w, "p"); p != -1 {
		t.Errorf("stored offset %d, want none", p)
	}
}
