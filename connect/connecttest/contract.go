package connecttest

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

// How long a task may take to notice a cancelled context.
const cancelGrace = 2 * time.Second

// TestTransformation checks the contract of a Transformation on inputs:
//
//   - Apply (and ApplyBatch, if implemented) never changes its input record,
//     anything reachable from it, or its schemas (deep compare before/after);
//   - it never panics, also on a tombstone (nil value) and a nil key, and a
//     nil result (a drop) comes with a nil error or is an error;
//   - it is safe for concurrent use: many goroutines apply it at once (run
//     the test with -race) and, where the transform is deterministic, get
//     the same results as a sequential run;
//   - Close, if implemented, is idempotent.
//
// newT builds the transform under test; it is called once.
func TestTransformation(t testing.TB, newT func() (connect.Transformation, error), inputs []*connect.Record) {
	t.Helper()
	tr, err := newT()
	if err != nil {
		t.Fatalf("connecttest: building the transformation: %v", err)
	}
	ctx := connect.WithEventContext(context.Background(), connect.EventContext{Pipeline: "connecttest", Connector: "connecttest"})

	// Tombstone and nil-key variants of every input.
	all := append([]*connect.Record(nil), inputs...)
	for _, in := range inputs {
		tomb := DeepCopy(in)
		tomb.Value = nil
		all = append(all, tomb)
		nokey := DeepCopy(in)
		nokey.Key, nokey.KeySchema = nil, nil
		all = append(all, nokey)
	}

	type result struct {
		out *connect.Record
		err error
	}
	first := make([]result, len(all))
	deterministic := make([]bool, len(all))
	broken := false
	for i, in := range all {
		out, err, ok1 := applyChecked(t, ctx, tr, in, i)
		first[i] = result{out, err}
		out2, err2, ok2 := applyChecked(t, ctx, tr, in, i)
		broken = broken || !ok1 || !ok2
		deterministic[i] = (err == nil) == (err2 == nil) && reflect.DeepEqual(out, out2)
	}

	if broken {
		// A transform that mutates its input races with itself; the report
		// above says why, and running it concurrently would only add noise.
		checkClose(t, tr)
		return
	}
	// Concurrent use: results must match the sequential ones.
	const workers = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	var problems []string
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, in := range all {
				out, err, p := applySafe(ctx, tr, in)
				msg := ""
				switch {
				case p != nil:
					msg = fmt.Sprintf("input %d: Apply panicked under concurrent use: %v", i, p)
				case (err == nil) != (first[i].err == nil):
					msg = fmt.Sprintf("input %d: concurrent Apply returned error %v, sequential %v", i, err, first[i].err)
				case deterministic[i] && !reflect.DeepEqual(out, first[i].out):
					msg = fmt.Sprintf("input %d: concurrent Apply returned a different record: %s", i, Diff(first[i].out, out))
				}
				if msg != "" {
					mu.Lock()
					problems = append(problems, msg)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for _, p := range problems {
		t.Error("connecttest: " + p)
	}

	if bt, ok := tr.(connect.BatchTransformation); ok {
		snaps := make([]*connect.Record, len(all))
		fps := make([]string, len(all))
		for i, in := range all {
			snaps[i], fps[i] = DeepCopy(in), Fingerprint(in)
		}
		batch := append([]*connect.Record(nil), all...)
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("connecttest: ApplyBatch panicked: %v", p)
				}
			}()
			if _, err := bt.ApplyBatch(ctx, batch); err != nil {
				t.Logf("connecttest: ApplyBatch returned %v", err)
			}
		}()
		for i, in := range all {
			if batch[i] != in {
				t.Errorf("connecttest: ApplyBatch replaced element %d of its input slice", i)
			}
			if d := Diff(snaps[i], in); d != "" {
				t.Errorf("connecttest: ApplyBatch mutated input %d: %s", i, d)
			}
			if Fingerprint(in) != fps[i] {
				t.Errorf("connecttest: ApplyBatch changed a schema of input %d in place", i)
			}
		}
	}
	checkClose(t, tr)
}

func applySafe(ctx context.Context, tr connect.Transformation, in *connect.Record) (out *connect.Record, err error, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	out, err = tr.Apply(ctx, in)
	return out, err, nil
}

// applyChecked applies tr to in and reports (and returns ok=false) a panic
// or a change to the input.
func applyChecked(t testing.TB, ctx context.Context, tr connect.Transformation, in *connect.Record, i int) (*connect.Record, error, bool) {
	t.Helper()
	snap, fp := DeepCopy(in), Fingerprint(in)
	out, err, p := applySafe(ctx, tr, in)
	if p != nil {
		t.Errorf("connecttest: input %d: Apply panicked: %v", i, p)
		return nil, fmt.Errorf("panic: %v", p), false
	}
	ok := true
	if d := Diff(snap, in); d != "" {
		t.Errorf("connecttest: input %d: Apply mutated its input: %s", i, d)
		ok = false
	}
	if Fingerprint(in) != fp {
		t.Errorf("connecttest: input %d: Apply changed a schema of its input in place", i)
		ok = false
	}
	return out, err, ok
}

// TestSourceTask checks the contract of a SourceTask: Poll returns within
// a moment of its context being cancelled (also when called with a
// cancelled context), Close is idempotent, and once closed the task leaves
// no goroutine behind. newTask opens the task under test; polling it must
// not need anything outside the test. Do not run it in parallel with other
// tests: it counts goroutines.
func TestSourceTask(t testing.TB, newTask func(ctx context.Context) (connect.SourceTask, error)) {
	t.Helper()
	base := settledGoroutines()
	openCtx, cancelOpen := context.WithCancel(context.Background())
	task, err := newTask(openCtx)
	if err != nil {
		cancelOpen()
		t.Fatalf("connecttest: opening the source task: %v", err)
	}
	poll := func(name string, ctx context.Context, limit time.Duration) {
		t.Helper()
		done := make(chan struct{})
		start := time.Now()
		go func() {
			defer close(done)
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("connecttest: %s: Poll panicked: %v", name, p)
				}
			}()
			recs, _ := task.Poll(ctx)
			for i, r := range recs {
				if r == nil {
					t.Errorf("connecttest: %s: Poll returned a nil record at %d", name, i)
				}
			}
		}()
		select {
		case <-done:
		case <-time.After(limit):
			t.Errorf("connecttest: %s: Poll did not return within %v of its context ending", name, time.Since(start))
			<-done // the task is broken; do not leak the checker
		}
	}
	for i := 0; i < 3; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		poll(fmt.Sprintf("poll %d (context times out after 100ms)", i), ctx, 100*time.Millisecond+cancelGrace)
		cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	poll("poll with a cancelled context", ctx, cancelGrace)

	checkClose(t, task)
	cancelOpen()
	checkLeak(t, base)
}

// TestSinkTask checks the contract of a SinkTask with records it must
// accept (give it bytes if it is a connect.BytesSink that wants them): Put
// and Flush succeed and do not change the records, an empty Put and a Flush
// with nothing pending succeed, Put and Flush return within a moment when
// their context is cancelled, Close is idempotent, and once closed the task
// leaves no goroutine behind. Do not run it in parallel with other tests.
func TestSinkTask(t testing.TB, newTask func(ctx context.Context) (connect.SinkTask, error), records []*connect.Record) {
	t.Helper()
	base := settledGoroutines()
	openCtx, cancelOpen := context.WithCancel(context.Background())
	defer cancelOpen()
	task, err := newTask(openCtx)
	if err != nil {
		t.Fatalf("connecttest: opening the sink task: %v", err)
	}
	ctx := connect.WithEventContext(context.Background(), connect.EventContext{Pipeline: "connecttest", Connector: "connecttest"})
	snaps := make([]*connect.Record, len(records))
	for i, r := range records {
		snaps[i] = DeepCopy(r)
	}
	if err := task.Put(ctx, append([]*connect.Record(nil), records...)); err != nil {
		t.Errorf("connecttest: Put: %v", err)
	}
	if err := task.Flush(ctx); err != nil {
		t.Errorf("connecttest: Flush: %v", err)
	}
	for i, r := range records {
		if d := Diff(snaps[i], r); d != "" {
			t.Errorf("connecttest: record %d was changed by the sink: %s", i, d)
		}
	}
	if err := task.Put(ctx, nil); err != nil {
		t.Errorf("connecttest: Put with no records: %v", err)
	}
	if err := task.Flush(ctx); err != nil {
		t.Errorf("connecttest: Flush with nothing pending: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	within(t, "Put with a cancelled context", func() { _ = task.Put(cctx, append([]*connect.Record(nil), records...)) })
	within(t, "Flush with a cancelled context", func() { _ = task.Flush(cctx) })
	checkClose(t, task)
	cancelOpen()
	checkLeak(t, base)
}

func within(t testing.TB, name string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("connecttest: %s panicked: %v", name, p)
			}
		}()
		f()
	}()
	select {
	case <-done:
	case <-time.After(cancelGrace):
		t.Errorf("connecttest: %s did not return within %v", name, cancelGrace)
		<-done
	}
}

func checkClose(t testing.TB, x any) {
	t.Helper()
	c, ok := x.(io.Closer)
	if !ok {
		return
	}
	within(t, "first Close", func() {
		if err := c.Close(); err != nil {
			t.Errorf("connecttest: first Close: %v", err)
		}
	})
	within(t, "second Close", func() {
		if err := c.Close(); err != nil {
			t.Errorf("connecttest: Close is not idempotent: second call returned %v", err)
		}
	})
}

// settledGoroutines waits briefly for the goroutine count to stop falling
// (goroutines of earlier tests finishing) and returns it.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		time.Sleep(10 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m >= n {
			return m
		}
		n = m
	}
	return n
}

func checkLeak(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("connecttest: goroutine leak: %d goroutines before, %d after Close:\n%s", base, n, buf)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
