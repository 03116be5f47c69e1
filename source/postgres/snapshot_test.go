package postgres

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

func TestSnapshotModes(t *testing.T) {
	t.Run("initial resumes streaming after a completed snapshot", func(t *testing.T) {
		e := newEnv(t, `CREATE TABLE s(id int PRIMARY KEY); INSERT INTO s SELECT generate_series(1, 3)`)
		task := e.mustOpen()
		rs := pollN(t, task, 3, 10*time.Second)
		e.commitAll(task, rs)
		if err := task.Close(); err != nil {
			t.Fatal(err)
		}
		task = e.mustOpen()
		e.c.MustExec(t, e.db, "INSERT INTO s VALUES (4)")
		rs = pollN(t, task, 1, 10*time.Second)
		if op(rs[0]) != "c" || after(rs[0]).Get("id") != int32(4) {
			t.Fatalf("after restart: %s %v", op(rs[0]), after(rs[0]))
		}
	})
	t.Run("always snapshots again", func(t *testing.T) {
		e := newEnv(t, `CREATE TABLE s(id int PRIMARY KEY); INSERT INTO s SELECT generate_series(1, 3)`)
		task := e.mustOpen("snapshot.mode", "always")
		e.commitAll(task, pollN(t, task, 3, 10*time.Second))
		_ = task.Close()
		task = e.mustOpen("snapshot.mode", "always")
		rs := pollN(t, task, 3, 10*time.Second)
		for _, r := range rs {
			if op(r) != "r" {
				t.Fatalf("op %s, want r", op(r))
			}
		}
	})
	t.Run("initial_only stops after the snapshot, with progress", func(t *testing.T) {
		e := newEnv(t, `CREATE TABLE a(id int PRIMARY KEY); CREATE TABLE b(id int PRIMARY KEY);
			INSERT INTO a SELECT generate_series(1, 3); INSERT INTO b SELECT generate_series(1, 2)`)
		var mu sync.Mutex
		var progress []connect.Progress
		props := map[string]string{}
		for k, v := range e.props {
			props[k] = v
		}
		props["snapshot.mode"] = "initial_only"
		cfg, err := ConfigDef().Parse(props)
		if err != nil {
			t.Fatal(err)
		}
		task, err := Open(context.Background(), cfg, connect.TaskContext{Offsets: e.offsets, Progress: func(p connect.Progress) {
			mu.Lock()
			progress = append(progress, p)
			mu.Unlock()
		}})
		if err != nil {
			t.Fatal(err)
		}
		defer task.Close()
		rs := pollN(t, task, 5, 10*time.Second)
		markers := ""
		for _, r := range rs {
			markers += r.Value.(*connect.Struct).Get("source").(*connect.Struct).Get("snapshot").(string) + " "
		}
		if markers != "first true last_in_data_collection first_in_data_collection last " {
			t.Errorf("snapshot markers %q", markers)
		}
		e.c.MustExec(t, e.db, "INSERT INTO a VALUES (10)")
		ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
		defer cancel()
		if more, err := task.Poll(ctx); err != nil || len(more) != 0 {
			t.Fatalf("initial_only streamed: %d records, %v", len(more), err)
		}
		mu.Lock()
		defer mu.Unlock()
		done := 0
		for _, p := range progress {
			if p.Phase == "snapshot" && p.Completed {
				done++
			}
		}
		if done != 2 {
			t.Errorf("progress reports %+v, want two completed tables", progress)
		}
	})
}

func TestBackpressureBoundsBatches(t *testing.T) {
	e := newEnv(t, `CREATE TABLE q(id int PRIMARY KEY)`)
	task := e.mustOpen("snapshot.mode", "no_data", "max.batch.size", "10", "max.queue.size", "20")
	e.waitSlot()
	e.c.MustExec(t, e.db, "INSERT INTO q SELECT generate_series(1, 500)")
	time.Sleep(500 * time.Millisecond) // the loop fills the queue and waits
	if n := len(task.queue); n > cap(task.queue) || cap(task.queue) != 2 {
		t.Fatalf("queue holds %d batches (cap %d)", n, cap(task.queue))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got := 0
	for got < 500 {
		rs, err := task.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) > 10 {
			t.Fatalf("poll returned %d records, max.batch.size is 10", len(rs))
		}
		for _, r := range rs {
			if after(r).Get("id") != int32(got+1) {
				t.Fatalf("record %d has id %v", got, after(r).Get("id"))
			}
			got++
		}
	}
}

func TestTruncateMessagesTransactionsAndSlotDrop(t *testing.T) {
	e := newEnv(t, `CREATE TABLE m(id int PRIMARY KEY)`)
	task := e.mustOpen("snapshot.mode", "no_data", "skipped.operations", "none", "provide.transaction.metadata", "true",
		"slot.drop.on.stop", "true")
	e.waitSlot()
	e.c.MustExec(t, e.db, `BEGIN; INSERT INTO m VALUES (1); SELECT pg_logical_emit_message(true, 'outbox', 'hello'); COMMIT;
		TRUNCATE m;`)
	// BEGIN, c, m, END, BEGIN, t, END
	rs := pollN(t, task, 7, 10*time.Second)
	var got []string
	for _, r := range rs {
		switch r.Topic {
		case "shop.transaction":
			got = append(got, r.Value.(*connect.Struct).Get("status").(string))
		case "shop.message":
			msg := r.Value.(*connect.Struct).Get("message").(*connect.Struct)
			got = append(got, "m:"+msg.Get("prefix").(string)+":"+string(msg.Get("content").([]byte)))
		default:
			got = append(got, op(r))
		}
	}
	if want := "BEGIN c m:outbox:hello END BEGIN t END"; fmtJoin(got) != want {
		t.Errorf("events %q, want %q", fmtJoin(got), want)
	}
	if err := task.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.c.Exec(ctx, e.db, "DO $$BEGIN IF EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '"+e.props["slot.name"]+"') THEN RAISE EXCEPTION 'slot still there'; END IF; END$$"); err != nil {
		t.Errorf("slot.drop.on.stop: %v", err)
	}
}

func fmtJoin(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}

func TestWhenNeededSnapshotsWhenTheSlotIsGone(t *testing.T) {
	e := newEnv(t, `CREATE TABLE w(id int PRIMARY KEY); INSERT INTO w VALUES (1), (2)`)
	task := e.mustOpen("snapshot.mode", "when_needed")
	e.commitAll(task, pollN(t, task, 2, 10*time.Second))
	_ = task.Close()
	// the offset is stored, so when_needed streams...
	task = e.mustOpen("snapshot.mode", "when_needed")
	e.c.MustExec(t, e.db, "INSERT INTO w VALUES (3)")
	rs := pollN(t, task, 1, 10*time.Second)
	if op(rs[0]) != "c" {
		t.Fatalf("with an offset and a slot: op %s, want c", op(rs[0]))
	}
	e.commitAll(task, rs)
	_ = task.Close()
	// ...until the slot is lost: then it snapshots again
	e.c.MustExec(t, e.db, "SELECT pg_drop_replication_slot('"+e.props["slot.name"]+"')")
	task = e.mustOpen("snapshot.mode", "when_needed")
	rs = pollN(t, task, 3, 10*time.Second)
	for _, r := range rs {
		if op(r) != "r" {
			t.Fatalf("after the slot was dropped: op %s, want r", op(r))
		}
	}
}

func TestHeartbeatActionQuery(t *testing.T) {
	e := newEnv(t, `CREATE TABLE hb(id int PRIMARY KEY, ts timestamptz); INSERT INTO hb VALUES (1, now())`)
	task := e.mustOpen("snapshot.mode", "no_data", "heartbeat.interval.ms", "100",
		"heartbeat.action.query", "UPDATE hb SET ts = now() WHERE id = 1")
	e.waitSlot()
	rs := pollN(t, task, 2, 10*time.Second) // the action query's updates are captured
	for _, r := range rs {
		if op(r) != "u" || r.Topic != "shop.public.hb" {
			t.Fatalf("unexpected %s on %s", op(r), r.Topic)
		}
	}
}
