package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/pgtest"
)

var shared pgtest.Shared

func TestMain(m *testing.M) { os.Exit(pgtest.RunMain(m, &shared)) }

// memOffsets is an offset store standing in for the runtime's.
type memOffsets struct {
	mu  sync.Mutex
	off map[string]any
}

func (o *memOffsets) Offset(map[string]any) (map[string]any, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.off == nil {
		return nil, nil
	}
	// round-trip through JSON as a file or Kafka offset store would
	b, _ := json.Marshal(o.off)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out, nil
}

func (o *memOffsets) store(off map[string]any) {
	o.mu.Lock()
	o.off = off
	o.mu.Unlock()
}

type env struct {
	t       *testing.T
	c       *pgtest.Cluster
	db      string
	props   map[string]string
	offsets *memOffsets
}

func newEnv(t *testing.T, setup string) *env {
	t.Helper()
	c := shared.Need(t)
	db := c.Database(t)
	if setup != "" {
		c.MustExec(t, db, setup)
	}
	e := &env{t: t, c: c, db: db, offsets: &memOffsets{}, props: map[string]string{
		"database.hostname":         c.Host,
		"database.port":             fmt.Sprint(c.Port),
		"database.user":             c.User,
		"database.dbname":           db,
		"database.sslmode":          "disable",
		"topic.prefix":              "shop",
		"slot.name":                 "slot_" + db,
		"status.update.interval.ms": "200",
		"poll.interval.ms":          "100",
	}}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = c.Exec(ctx, "postgres", "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'slot_"+db+"' AND NOT active")
	})
	return e
}

func (e *env) open(extra ...string) (*Task, error) {
	props := map[string]string{}
	for k, v := range e.props {
		props[k] = v
	}
	for i := 0; i+1 < len(extra); i += 2 {
		props[extra[i]] = extra[i+1]
	}
	cfg, err := ConfigDef().Parse(props)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return Open(ctx, cfg, connect.TaskContext{Pipeline: "test", Offsets: e.offsets,
		Logger: slog.New(slog.NewTextHandler(testWriter{e.t}, &slog.HandlerOptions{Level: slog.LevelWarn}))})
}

func (e *env) mustOpen(extra ...string) *Task {
	e.t.Helper()
	task, err := e.open(extra...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = task.Close() })
	return task
}

// waitSlot waits until the task has created its slot: changes made from
// now on are streamed, not part of the snapshot.
func (e *env) waitSlot() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if e.c.Exec(ctx, e.db, "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '"+e.props["slot.name"]+"' AND active) THEN RAISE EXCEPTION 'no slot'; END IF; END$$") == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatal("the task did not create its replication slot")
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// pollN polls until n records (excluding heartbeats) arrived or the timeout.
func pollN(t *testing.T, task *Task, n int, timeout time.Duration) []*connect.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var out []*connect.Record
	for len(out) < n {
		rs, err := task.Poll(ctx)
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		for _, r := range rs {
			if !strings.HasPrefix(r.Topic, "__debezium-heartbeat") {
				out = append(out, r)
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("got %d records, want %d", len(out), n)
		}
	}
	return out
}

// commitAll stores the last record's offset and commits it, as the runtime does.
func (e *env) commitAll(task *Task, rs []*connect.Record) {
	e.t.Helper()
	if len(rs) == 0 {
		return
	}
	last := rs[len(rs)-1]
	e.offsets.store(last.SourceOffset)
	if err := task.Commit(context.Background(), []connect.SourceOffset{{Partition: last.SourcePartition, Offset: last.SourceOffset}}); err != nil {
		e.t.Fatal(err)
	}
}

func after(r *connect.Record) *connect.Struct {
	v, _ := r.Value.(*connect.Struct)
	if v == nil {
		return nil
	}
	a, _ := v.Get("after").(*connect.Struct)
	return a
}

func before(r *connect.Record) *connect.Struct {
	v, _ := r.Value.(*connect.Struct)
	if v == nil {
		return nil
	}
	b, _ := v.Get("before").(*connect.Struct)
	return b
}

func op(r *connect.Record) string {
	v, _ := r.Value.(*connect.Struct)
	if v == nil {
		return "tombstone"
	}
	return v.Get("op").(string)
}

func TestSnapshotThenStreamNoGapNoDuplicate(t *testing.T) {
	e := newEnv(t, `CREATE TABLE items(id int PRIMARY KEY, name text NOT NULL);
		INSERT INTO items SELECT g, 'row ' || g FROM generate_series(1, 500) g;`)
	task := e.mustOpen()
	e.waitSlot()
	// rows written while the snapshot may be running must appear exactly once
	e.c.MustExec(t, e.db, `INSERT INTO items SELECT g, 'row ' || g FROM generate_series(501, 700) g;
		UPDATE items SET name = 'changed' WHERE id = 1;`)
	rs := pollN(t, task, 701, 30*time.Second)
	seen := map[int32]int{}
	for i, r := range rs {
		a := after(r)
		id := a.Get("id").(int32)
		switch o := op(r); {
		case i < 500:
			if o != "r" {
				t.Fatalf("record %d: op %s, want r", i, o)
			}
			seen[id]++
		case i < 700:
			if o != "c" {
				t.Fatalf("record %d: op %s, want c", i, o)
			}
			seen[id]++
		default:
			if o != "u" || id != 1 || a.Get("name") != "changed" {
				t.Fatalf("last record: op %s id %d name %v", o, id, a.Get("name"))
			}
		}
		if r.Topic != "shop.public.items" {
			t.Fatalf("topic %q", r.Topic)
		}
	}
	for id := int32(1); id <= 700; id++ {
		if seen[id] != 1 {
			t.Fatalf("id %d seen %d times", id, seen[id])
		}
	}
	src := rs[0].Value.(*connect.Struct).Get("source").(*connect.Struct)
	if ts, _ := src.Get("ts_ms").(int64); time.Since(time.UnixMilli(ts)) > time.Minute {
		t.Errorf("snapshot source.ts_ms = %v, want the read time", src.Get("ts_ms"))
	}
	if src.Get("snapshot") != "first" {
		t.Errorf("first snapshot record: source.snapshot=%v", src.Get("snapshot"))
	}
	src = rs[499].Value.(*connect.Struct).Get("source").(*connect.Struct)
	if src.Get("snapshot") != "last" || rs[499].SourceOffset["last_snapshot_record"] != true {
		t.Errorf("last snapshot record: source.snapshot=%v offset=%v", src.Get("snapshot"), rs[499].SourceOffset)
	}
	// no more records
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if more, _ := task.Poll(ctx); len(more) != 0 {
		t.Fatalf("unexpected extra records: %d (%s)", len(more), op(more[0]))
	}
}
