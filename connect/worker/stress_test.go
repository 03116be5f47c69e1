package worker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// Management calls racing each other and the tasks must neither deadlock
// nor lose records (run with -race).
func TestConcurrentManagementCalls(t *testing.T) {
	e := newEnv(t)
	w, _ := e.newWorker()
	stop := run(t, w)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := w.Create(ctx, fmt.Sprint("p", i), pipe("name", fmt.Sprint("p", i), "topic", fmt.Sprint("p", i), "count", "200", "batch.size", "3"), TargetRunning); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	deadline := time.Now().Add(1500 * time.Millisecond)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				name := fmt.Sprint("p", rand.IntN(3))
				switch rand.IntN(8) {
				case 0:
					w.Pause(ctx, name)
				case 1:
					w.Resume(ctx, name)
				case 2:
					w.Restart(ctx, name, true, false)
				case 3:
					w.RestartTask(ctx, name, 0)
				case 4:
					w.Stop(ctx, name)
				case 5:
					w.Status(name)
					w.Config(name)
					w.TaskConfigs(name)
				case 6:
					w.Offsets(ctx, name)
					w.Names()
				case 7:
					w.Update(ctx, name, pipe("name", name, "topic", name, "count", "200", "batch.size", "3"))
				}
			}
		}()
	}
	wg.Wait()
	for i := 0; i < 3; i++ {
		if err := w.Resume(ctx, fmt.Sprint("p", i)); err != nil {
			t.Fatal(err)
		}
	}
	// Every pipeline finishes its 200 records: each value arrives at least once.
	waitFor(t, "every record of every pipeline", func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		seen := map[string]bool{}
		for _, r := range e.delivered {
			seen[r.Topic+"/"+fmt.Sprint(r.Value)] = true
		}
		return len(seen) == 600
	})
	done := make(chan error)
	go func() { done <- stop() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("deadlock on shutdown")
	}
}
