package worker

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

// One record failing permanently in a batch must not take the retries of
// its batch-mates: v1 fails transiently once and is delivered on retry;
// only v3 (permanent) is dead-lettered.
func TestPermanentRecordErrorDoesNotDeadLetterBatchMates(t *testing.T) {
	e := newEnv(t)
	clk := newFakeClock()
	clk.auto = func(d time.Duration) bool { return d < time.Hour }
	e.failPut = func(r *connect.Record, attempt int) error {
		switch r.Value {
		case "v1":
			if attempt < 2 {
				return errors.New("busy")
			}
		case "v3":
			return connect.Permanent(errors.New("too large"))
		}
		return nil
	}
	w, _ := e.newWorker(WithClock(clk))
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "5", "errors.retry.timeout", "10000",
		"errors.tolerance", "all", "errors.deadletterqueue.topic.name", "dead", "errors.deadletterqueue.dlq", "true"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "4 delivered", func() bool { return len(e.values()) == 4 })
	waitFor(t, "1 dead", func() bool { return len(e.dlqRecords()) == 1 })
	stop()
	if d := e.dlqRecords(); len(d) != 1 || d[0].Value != "v3" {
		t.Fatalf("dead-lettered %v, want only v3", d)
	}
	seen := map[string]int{}
	for _, v := range e.values() {
		seen[v]++
	}
	for _, v := range []string{"v0", "v1", "v2", "v4"} {
		if seen[v] != 1 {
			t.Fatalf("%s delivered %d times: %v", v, seen[v], e.values())
		}
	}
}
