package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

// flakySource fails Poll with each error sent on errC; otherwise it blocks.
type flakySource struct{ errC chan error }

func (s flakySource) Poll(ctx context.Context) ([]*connect.Record, error) {
	select {
	case err := <-s.errC:
		return nil, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func flakyEnv(t *testing.T) (*env, chan error, *int) {
	e := newEnv(t)
	errC := make(chan error)
	opened := new(int)
	e.reg.Register(connect.Plugin{Kind: connect.KindSource, Name: "flaky",
		NewSource: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
			e.mu.Lock()
			*opened++
			e.mu.Unlock()
			return flakySource{errC}, nil
		}})
	return e, errC, opened
}

func taskStatus(w *Worker) TaskStatus {
	st, _ := w.Status("p")
	if len(st.Tasks) == 0 {
		return TaskStatus{}
	}
	return st.Tasks[0]
}

// A FAILED task is restarted with exponential backoff, up to
// errors.restart.max.attempts times, RESTARTING (with the last failure's
// trace) in between; then it stays FAILED.
func TestAutomaticRestartBoundedWithBackoff(t *testing.T) {
	e, errC, opened := flakyEnv(t)
	clk := newFakeClock()
	w, _ := e.newWorker(WithClock(clk))
	stop := run(t, w)
	defer stop()
	if err := w.Create(context.Background(), "p", pipe("connector.class", "flaky",
		"errors.restart.max.attempts", "3", "errors.restart.backoff.ms", "1000", "errors.restart.backoff.max.ms", "3000"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	for i, wait := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second} {
		waitFor(t, "running", func() bool { return taskState(w, "p") == StateRunning })
		errC <- fmt.Errorf("boom %d", i)
		waitFor(t, fmt.Sprintf("restart timer of %v", wait), func() bool { return clk.pending(wait) == 1 })
		st := taskStatus(w)
		if st.State != StateRestarting || !strings.Contains(st.Trace, fmt.Sprintf("boom %d", i)) {
			t.Fatalf("after failure %d: state %s trace %q, want RESTARTING with the failure's trace", i, st.State, st.Trace)
		}
		clk.advance(wait)
	}
	waitFor(t, "running", func() bool { return taskState(w, "p") == StateRunning })
	errC <- errors.New("boom 3")
	waitFor(t, "failed", func() bool { return taskState(w, "p") == StateFailed })
	if st := taskStatus(w); !strings.Contains(st.Trace, "boom 3") {
		t.Fatalf("trace %q", st.Trace)
	}
	e.mu.Lock()
	n := *opened
	e.mu.Unlock()
	if n != 4 {
		t.Fatalf("source opened %d times, want 4 (first run and 3 restarts)", n)
	}
	if got := counterValue(w.metrics.restarts.WithLabelValues("p", "0")); got != 3 {
		t.Fatalf("inlet_task_restarts_total %v, want 3", got)
	}
}

// A run that lasts errors.restart.reset.ms before failing resets the count.
func TestAutomaticRestartCountResetsAfterHealthyRun(t *testing.T) {
	e, errC, _ := flakyEnv(t)
	clk := newFakeClock()
	w, _ := e.newWorker(WithClock(clk))
	stop := run(t, w)
	defer stop()
	if err := w.Create(context.Background(), "p", pipe("connector.class", "flaky",
		"errors.restart.max.attempts", "1", "errors.restart.backoff.ms", "1000", "errors.restart.reset.ms", "60000"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	fail := func(healthy time.Duration, want State) {
		t.Helper()
		waitFor(t, "running", func() bool { return taskState(w, "p") == StateRunning })
		clk.advance(healthy)
		errC <- errors.New("boom")
		waitFor(t, string(want), func() bool { return taskState(w, "p") == want })
	}
	backoff := func() {
		t.Helper()
		waitFor(t, "restart timer", func() bool { return clk.pending(time.Second) == 1 })
		clk.advance(time.Second)
	}
	fail(0, StateRestarting)
	backoff()
	fail(time.Minute, StateRestarting) // a healthy minute: the one restart is available again
	backoff()
	fail(0, StateFailed) // failed at once: the restart is used up
}

// Without errors.restart.max.attempts a failed task stays FAILED (Kafka
// Connect's behaviour), and a stop during the backoff leaves it FAILED.
func TestNoAutomaticRestartByDefault(t *testing.T) {
	e, errC, opened := flakyEnv(t)
	clk := newFakeClock()
	w, _ := e.newWorker(WithClock(clk))
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("connector.class", "flaky"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "running", func() bool { return taskState(w, "p") == StateRunning })
	errC <- errors.New("boom")
	waitFor(t, "failed", func() bool { return taskState(w, "p") == StateFailed })
	clk.advance(time.Hour)
	if err := w.Create(context.Background(), "q", pipe("name", "q", "connector.class", "flaky", "errors.restart.max.attempts", "5"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "q running", func() bool { return taskState(w, "q") == StateRunning })
	errC <- errors.New("boom q")
	waitFor(t, "q restarting", func() bool { return taskState(w, "q") == StateRestarting })
	err := stop()
	if err == nil || !strings.Contains(err.Error(), "boom q") {
		t.Fatalf("a task stopped while waiting to restart must be reported failed: %v", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if *opened != 2 {
		t.Fatalf("sources opened %d, want 2", *opened)
	}
}
