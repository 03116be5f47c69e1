package kafka

import (
	"context"
	"errors"
	"math/rand"
	"strconv"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/kafkaclient"
	"github.com/inletdev/inlet/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
)

func eosWorker(c *kafkatest.Cluster) map[string]string {
	return c.Worker("offset.storage.topic", "offs", "offset.storage.replication.factor", "1", "offset.storage.partitions", "3")
}

func srcRecords(from, n int) []*connect.Record {
	part := map[string]any{"db": "x"}
	recs := make([]*connect.Record, n)
	for i := range recs {
		v := from + i
		recs[i] = &connect.Record{Topic: "t", Partition: -1, Key: []byte(strconv.Itoa(v % 7)), Value: []byte("r" + strconv.Itoa(v)),
			SourcePartition: part, SourceOffset: map[string]any{"i": int64(v)}}
	}
	return recs
}

// resume reads the committed offset the way the worker does at task start.
func resume(t *testing.T, c *kafkatest.Cluster) int {
	t.Helper()
	st, err := kafkaclient.OpenOffsetStore(ctx(t), eosWorker(c), "offs", kafkaclient.OffsetStoreOptions{Partitions: 3, Replication: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	off, err := st.Get(ctx(t), "pipe", map[string]any{"db": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if off == nil {
		return 0
	}
	return int(off["i"].(int64)) + 1
}

func TestExactlyOnceCommitAndAbort(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(2, "t"))
	s := newSink(t, eosWorker(c), "exactly.once.support", "required")
	if err := s.Put(ctx(t), srcRecords(0, 10)); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if got := len(c.ReadAll(t, "t", true)); got != 10 {
		t.Fatalf("read_committed sees %d records, want 10", got)
	}
	if got := resume(t, c); got != 10 {
		t.Fatalf("resume at %d, want 10", got)
	}
	// A batch that is put but never flushed is aborted on Close.
	if err := s.Put(ctx(t), srcRecords(10, 5)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := len(c.ReadAll(t, "t", true)); got != 10 {
		t.Fatalf("after an unflushed batch, read_committed sees %d records, want 10", got)
	}
	if got := resume(t, c); got != 10 {
		t.Fatalf("resume at %d after abort, want 10", got)
	}
}

func TestExactlyOnceFencesZombie(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(1, "t"))
	old := newSink(t, eosWorker(c), "exactly.once.support", "required")
	if err := old.Put(ctx(t), srcRecords(0, 3)); err != nil {
		t.Fatal(err)
	}
	// The task restarts elsewhere while the old instance still runs.
	_ = newSink(t, eosWorker(c), "exactly.once.support", "required")
	err := old.Flush(ctx(t))
	if err == nil || !connect.IsPermanent(err) || !errors.Is(err, ErrFenced) {
		t.Fatalf("zombie Flush = %v, want a permanent ErrFenced", err)
	}
	if got := len(c.ReadAll(t, "t", true)); got != 0 {
		t.Fatalf("zombie's records visible: %d", got)
	}
}

// The worker is killed at random points: after Put, while Flush runs
// (transaction commit in flight), or right after a commit. Each restart
// fences the dead instance, resumes from the committed offsets and goes on.
// A read_committed consumer must see every record exactly once.
func TestExactlyOnceUnderKills(t *testing.T) {
	const total = 400
	c := kafkatest.Start(t, kfake.SeedTopics(3, "t"))
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	seed := rng.Int63()
	rng.Seed(seed)
	var zombies []*Sink
	t.Cleanup(func() {
		for _, z := range zombies {
			z.cancel()
			z.cl.Close()
		}
	})
	kills, retries := 0, 0
	for round := 0; ; round++ {
		if round > 200 {
			t.Fatalf("seed %d: not done after 200 restarts", seed)
		}
		s, err := tryNewSink(eosWorker(c), 0, "exactly.once.support", "required")
		if err != nil {
			t.Fatalf("seed %d round %d: %v", seed, round, err)
		}
		next := resume(t, c)
		if next >= total {
			s.Close()
			break
		}
		for next < total {
			n := min(1+rng.Intn(40), total-next)
			if err := s.Put(ctx(t), srcRecords(next, n)); err != nil {
				t.Fatalf("seed %d: put: %v", seed, err)
			}
			kill := rng.Intn(4)
			if kill == 0 { // dies before Flush
				break
			}
			fctx, cancel := context.WithCancel(context.Background())
			if kill == 1 { // dies while the commit is in flight
				time.AfterFunc(time.Duration(rng.Intn(3000))*time.Microsecond, cancel)
			}
			err := s.Flush(fctx)
			cancel()
			if kill == 1 {
				break // whatever happened, this instance is gone
			}
			if err != nil {
				// As the runtime does: a failed transaction is retried as a
				// whole batch; a fenced instance is dead.
				if errors.Is(err, ErrFenced) {
					break
				}
				if connect.IsPermanent(err) {
					t.Fatalf("seed %d: flush: %v", seed, err)
				}
				retries++
				continue
			}
			next += n
			if kill == 2 && rng.Intn(3) == 0 { // dies right after a commit
				break
			}
		}
		kills++
		zombies = append(zombies, s) // never closed: a dead process aborts nothing
	}
	seen := map[string]int{}
	for _, r := range c.ReadAll(t, "t", true) {
		seen[string(r.Value)]++
	}
	for i := 0; i < total; i++ {
		if n := seen["r"+strconv.Itoa(i)]; n != 1 {
			t.Fatalf("seed %d (%d kills): record r%d seen %d times", seed, kills, i, n)
		}
	}
	if len(seen) != total {
		t.Fatalf("seed %d: %d distinct records, want %d", seed, len(seen), total)
	}
	t.Logf("seed %d: %d kills, %d retried transactions, %d records exactly once", seed, kills, retries, total)
}
