package worker

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

// slowFail blocks Apply on one value until release is closed, then fails
// it permanently.
type slowFail struct {
	value   string
	started chan struct{}
	release chan struct{}
}

func (f slowFail) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) {
	if r.Value != f.value {
		return r, nil
	}
	close(f.started)
	<-f.release
	return nil, errors.New("cannot transform " + f.value)
}

// A graceful stop drains: a record that fails while the task is stopping
// goes through errors.tolerance like any other (here: dead-lettered), the
// batch is delivered and committed, and the task does not end FAILED.
func TestFailureDuringGracefulStopIsTolerated(t *testing.T) {
	e := newEnv(t)
	sf := slowFail{value: "v1", started: make(chan struct{}), release: make(chan struct{})}
	e.reg.Register(connect.Plugin{Kind: connect.KindTransform, Name: "SlowFail",
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) { return sf, nil }})
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "3", "transforms", "f", "transforms.f.type", "SlowFail",
		"errors.tolerance", "all", "errors.deadletterqueue.topic.name", "dead", "errors.deadletterqueue.dlq", "true"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	<-sf.started
	pl, _ := w.get("p")
	pl.op.Lock()
	tk := pl.tasks[0]
	pl.op.Unlock()
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	waitFor(t, "stop asked", tk.stopAsked)
	close(sf.release)
	if err := <-stopped; err != nil {
		t.Fatalf("graceful stop reported a failure: %v", err)
	}
	if got := e.values(); len(got) != 2 || got[0] != "v0" || got[1] != "v2" {
		t.Fatalf("delivered %v, want [v0 v2]", got)
	}
	if d := e.dlqRecords(); len(d) != 1 || d[0].Value != "v1" {
		t.Fatalf("dead-lettered %v, want v1", d)
	}
	if p := storedPos(t, w, "p"); p != 2 {
		t.Fatalf("stored offset %d, want 2: the drained batch is committed", p)
	}
}

// Pause or Resume while a task is still STARTING (a plugin opening slowly):
// once it is open its status follows what was asked, and a paused task
// delivers nothing.
func TestPauseWhileStartingShowsPaused(t *testing.T) {
	e := newEnv(t)
	opening := make(chan struct{})
	release := make(chan struct{})
	e.reg.Register(connect.Plugin{Kind: connect.KindSource, Name: "slowopen",
		NewSource: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
			close(opening)
			<-release
			s := &memSource{e: e, topic: "t", part: map[string]any{"src": "mem"}}
			s.recs = []*connect.Record{s.record(0), s.record(1)}
			return s, nil
		}})
	w, _ := e.newWorker()
	stop := run(t, w)
	defer stop()
	if err := w.Create(context.Background(), "p", pipe("connector.class", "slowopen"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	<-opening
	if s := taskState(w, "p"); s != StateStarting {
		t.Fatalf("state %s, want STARTING", s)
	}
	if err := w.Pause(context.Background(), "p"); err != nil {
		t.Fatal(err)
	}
	close(release)
	waitFor(t, "PAUSED", func() bool { return taskState(w, "p") == StatePaused })
	if got := e.values(); len(got) != 0 {
		t.Fatalf("a paused pipeline delivered %v", got)
	}
	if err := w.Resume(context.Background(), "p"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "RUNNING and delivered", func() bool { return taskState(w, "p") == StateRunning && len(e.values()) == 2 })
}

// A paused pipeline moves nothing, retries included: a put waiting out its
// backoff when the pipeline is paused is not retried until it is resumed.
func TestPausedPipelineDoesNotRetry(t *testing.T) {
	e := newEnv(t)
	e.failPut = func(r *connect.Record, attempt int) error {
		if attempt == 1 {
			return connect.Retriable(errors.New("busy"))
		}
		return nil
	}
	clk := newFakeClock()
	w, _ := e.newWorker(WithClock(clk))
	stop := run(t, w)
	defer stop()
	if err := w.Create(context.Background(), "p", pipe("count", "1"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "retry backoff", func() bool { return clk.pending(kafkaMinDelay) == 1 })
	if err := w.Pause(context.Background(), "p"); err != nil {
		t.Fatal(err)
	}
	clk.advance(kafkaMinDelay)
	time.Sleep(100 * time.Millisecond) // time enough for a retry to land
	if got := e.values(); len(got) != 0 {
		t.Fatalf("a paused pipeline delivered %v", got)
	}
	e.mu.Lock()
	calls := e.putCalls
	e.mu.Unlock()
	if calls != 1 {
		t.Fatalf("Put called %d times while paused, want 1 (the failed first attempt)", calls)
	}
	if err := w.Resume(context.Background(), "p"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "delivery after resume", func() bool { return len(e.values()) == 1 })
}
