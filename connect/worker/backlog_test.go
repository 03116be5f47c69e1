package worker

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

// bigPollSource hands its whole backlog over in one Poll, as a Kafka or
// DTS source does after a restart behind a long stream.
type bigPollSource struct {
	recs []*connect.Record
	done bool
}

func (s *bigPollSource) Poll(ctx context.Context) ([]*connect.Record, error) {
	if s.done {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	s.done = true
	return s.recs, nil
}

// slowSink takes a while per Put and remembers how many records it has.
type slowSink struct {
	mu  *sync.Mutex
	n   *int
	per time.Duration
}

func (k slowSink) Put(ctx context.Context, recs []*connect.Record) error {
	time.Sleep(k.per)
	k.mu.Lock()
	*k.n += len(recs)
	k.mu.Unlock()
	return nil
}

func (k slowSink) Flush(context.Context) error { return nil }

// TestOffsetsCommittedWhileBacklogDrains: one Poll returns 2,000 records;
// delivering them in batches of 10 takes ~400 ms. With a 50 ms flush
// interval, offsets must be stored while the backlog drains, not only
// after it: otherwise a crash mid-drain repeats the whole backlog.
func TestOffsetsCommittedWhileBacklogDrains(t *testing.T) {
	e := newEnv(t)
	part := map[string]any{"src": "big"}
	src := &bigPollSource{}
	for i := range 2000 {
		r := connect.NewRecord("t", nil, "v"+strconv.Itoa(i))
		r.SourcePartition, r.SourceOffset = part, map[string]any{"pos": int64(i)}
		src.recs = append(src.recs, r)
	}
	var mu sync.Mutex
	delivered := 0
	e.reg.Register(connect.Plugin{Kind: connect.KindSource, Name: "big",
		NewSource: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
			return src, nil
		}})
	e.reg.Register(connect.Plugin{Kind: connect.KindSink, Name: "slow",
		NewSink: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SinkTask, error) {
			return slowSink{mu: &mu, n: &delivered, per: 2 * time.Millisecond}, nil
		}})
	wc := WorkerConfig{OffsetFile: t.TempDir() + "/o.json", OffsetFlushInterval: 50 * time.Millisecond}
	w, err := New(wc, e.reg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, w)
	defer stop()
	if err := w.Create(context.Background(), "p", map[string]string{"name": "p", "connector.class": "big",
		"sink.connector.class": "slow", "batch.size": "10"}, TargetRunning); err != nil {
		t.Fatal(err)
	}
	var midway int64 = -1
	waitFor(t, "an offset stored before the backlog is delivered", func() bool {
		mu.Lock()
		n := delivered
		mu.Unlock()
		if p := storedPos(t, w, "p"); p >= 0 && n < 2000 {
			midway = p
			return true
		}
		return n >= 2000
	})
	if midway < 0 {
		t.Fatal("no offset was stored until the whole backlog of 2,000 records was delivered")
	}
	if midway >= 1999 {
		t.Fatalf("stored offset %d before the end of the backlog", midway)
	}
}
