package dtstorocketmq_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inletdev/inlet/internal/proctest"
	"github.com/inletdev/inlet/source/dts/dtstest"
)

// The kill test runs the real `inlet standalone` binary on the example's
// files while DTS keeps producing changes, kills it with SIGKILL at random
// points (no drain, no flush, no commit) and restarts it, then checks that
// every matching row reached RocketMQ: at-least-once across crashes.

func TestMain(m *testing.M) { os.Exit(proctest.RunMain(m)) }

// TestAtLeastOnceUnderSIGKILL: changes stream in while the worker is killed
// three times mid-stream; every matching row arrives (repeats allowed:
// those after the last committed offset), none of the filtered ones, and
// nothing from before the checkpoint.
func TestAtLeastOnceUnderSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the inlet binary; skipped with -short")
	}
	e := setup(t)
	ctx := context.Background()

	// Before the checkpoint: must never arrive, not even after a crash.
	g := dtstest.Gen{TS: e.ckpt - 100}
	if _, err := e.dts.Produce(ctx, benchRow(&g, 0)); err != nil {
		t.Fatal(err)
	}

	wf := filepath.Join(e.dir, "worker.properties")
	src, err := os.ReadFile("worker.properties")
	if err != nil {
		t.Fatal(err)
	}
	worker := string(src) + fmt.Sprintf("\noffset.storage.file.filename=%s\noffset.flush.interval.ms=300\nlisteners=\n",
		filepath.Join(e.dir, "offsets"))
	if err := os.WriteFile(wf, []byte(worker), 0o644); err != nil {
		t.Fatal(err)
	}
	pf, err := filepath.Abs("dts-to-rocketmq.properties")
	if err != nil {
		t.Fatal(err)
	}
	p := proctest.New(t, e.dir, "standalone", wf, pf)

	// Rows 1, 2, 3… in chunks, one filtered change per chunk, from the
	// checkpoint on, until the last run is up: every kill lands mid-stream.
	const chunk = 20
	var stopProducing atomic.Bool
	produced := make(chan int, 1)
	producerErr := make(chan error, 1)
	go func() {
		g := dtstest.Gen{TS: e.ckpt}
		id := 0
		for !stopProducing.Load() {
			recs := make([]dtstest.Record, 0, chunk+1)
			for range chunk {
				id++
				recs = append(recs, benchRow(&g, int64(id)))
			}
			recs = append(recs, g.UpdateOther(int64(id)))
			if _, err := e.dts.Produce(ctx, recs...); err != nil {
				producerErr <- err
				return
			}
			g.TS++
			time.Sleep(40 * time.Millisecond)
		}
		produced <- id
	}()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	p.Start()
	delivering := func() {
		// This run is delivering: after a kill the restart first waits for
		// the dead member's group session to end.
		base := len(e.mq.Messages())
		deadline := time.Now().Add(60 * time.Second)
		for len(e.mq.Messages()) == base {
			if time.Now().After(deadline) {
				t.Fatalf("run %d delivered nothing within 60 s\n%s", p.Runs, p.Logs())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for kill := 0; kill < 3; kill++ {
		delivering()
		// Past at least one offset commit (every 300 ms), mid-batch.
		time.Sleep(time.Duration(400+rng.IntN(1200)) * time.Millisecond)
		p.Kill9()
		t.Logf("kill %d: %d messages delivered so far", kill+1, len(e.mq.Messages()))
		p.Start()
	}
	delivering()
	stopProducing.Store(true)
	var n int
	select {
	case n = <-produced:
	case err := <-producerErr:
		t.Fatal(err)
	}

	want := map[string]bool{}
	for i := 1; i <= n; i++ {
		want[orderNo(int64(i))] = true
	}
	deadline := time.Now().Add(90 * time.Second)
	var got map[string]int
	for {
		got = map[string]int{}
		for _, m := range e.mq.Messages() {
			if m.Topic == "orders-paid" {
				got[strings.Join(m.Keys, ",")]++
			}
		}
		missing := 0
		for k := range want {
			if got[k] == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d rows never arrived after 3 kills and restarts\n%s", missing, n, p.Logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.Stop()

	total, repeats := 0, 0
	for k, c := range got {
		if !want[k] {
			t.Errorf("unexpected message with key %q (filtered, or from before the checkpoint) ×%d", k, c)
		}
		total += c
		repeats += c - 1
	}
	// A restart after a kill must resume from what the killed run
	// committed, not from the checkpoint again.
	if !p.Logged("resuming after the last committed position") {
		t.Errorf("no restart resumed after a committed position\n%s", p.Logs())
	}
	if len(e.fn.seen()) == 0 {
		t.Error("the HTTP function was never called")
	}
	t.Logf("%d rows, %d messages, %d repeats (rows after the last committed offset, re-sent after a kill)", n, total, repeats)
}
