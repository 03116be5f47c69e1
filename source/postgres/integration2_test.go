package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

func TestEveryMappedType(t *testing.T) {
	e := newEnv(t, `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
		CREATE TABLE t(
		  id bigint PRIMARY KEY, b bool, i2 smallint, i4 int NOT NULL, f4 real, f8 double precision,
		  n numeric(10,2), nv numeric, tx text, vc varchar(20), ch char(3), u uuid, j json, jb jsonb, by bytea,
		  d date, tm time, tm3 time(3), ts timestamp, ts3 timestamp(3), tstz timestamptz, iv interval,
		  ai int[], at text[], m mood, p point, st varchar(10) NOT NULL DEFAULT 'new', cnt int DEFAULT 0)`)
	task := e.mustOpen("snapshot.mode", "no_data")
	e.waitSlot()
	e.c.MustExec(t, e.db, `INSERT INTO t VALUES (1, true, -2, 4, 1.5, -2.25, 49.90, 12.345, 'text', 'vc', 'ab',
		'5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43', '{"a": 1}', '{"total": 49.90, "items": 2}', '\xdeadbeef',
		'2026-03-01', '12:34:56.789012', '12:34:56.789', '2026-03-01 12:00:00.123456', '2026-03-01 12:00:00.123',
		'2026-03-01 14:00:00.5+02', '1 year 2 mons 3 days 04:05:06.78', '{1,NULL,3}', '{"a b","c\"d",NULL}', 'happy', '(1,2)', 'x', 5)`)
	rs := pollN(t, task, 1, 10*time.Second)
	a := after(rs[0])
	want := map[string]any{
		"id": int64(1), "b": true, "i2": int16(-2), "i4": int32(4), "f4": float32(1.5), "f8": -2.25,
		"tx": "text", "vc": "vc", "ch": "ab ", "u": "5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43", "j": `{"a": 1}`,
		"jb": `{"items": 2, "total": 49.90}`, "d": int32(20513), "tm": int64(45296789012), "tm3": int32(45296789),
		"ts": int64(1772366400123456), "ts3": int64(1772366400123), "tstz": "2026-03-01T12:00:00.5Z",
		"iv": int64(1*12*2629800e6 + 2*2629800e6 + 3*86400e6 + 4*3600e6 + 5*60e6 + 6780000), "m": "happy", "p": "(1,2)",
	}
	for k, v := range want {
		if got := a.Get(k); got != v {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
	if d := a.Get("n").(connect.Decimal); d.String() != "49.90" || d.Scale != 2 {
		t.Errorf("n = %v", d)
	}
	if vs := a.Get("nv").(*connect.Struct); vs.Get("scale") != int32(3) || string(vs.Get("value").([]byte)) != string([]byte{0x30, 0x39}) {
		t.Errorf("nv = %v", vs.Values)
	}
	if string(a.Get("by").([]byte)) != "\xde\xad\xbe\xef" {
		t.Errorf("by = %x", a.Get("by"))
	}
	if ai := a.Get("ai").([]any); len(ai) != 3 || ai[0] != int32(1) || ai[1] != nil || ai[2] != int32(3) {
		t.Errorf("ai = %#v", ai)
	}
	if at := a.Get("at").([]any); len(at) != 3 || at[0] != "a b" || at[1] != `c"d` || at[2] != nil {
		t.Errorf("at = %#v", at)
	}
	schemaNames := map[string]string{"u": connect.DebeziumUUID, "j": connect.DebeziumJSON, "jb": connect.DebeziumJSON,
		"d": connect.DebeziumDate, "tm": connect.DebeziumMicroTime, "tm3": connect.DebeziumTime, "ts": connect.DebeziumMicroTimestamp,
		"ts3": connect.DebeziumTimestamp, "tstz": connect.DebeziumZonedTimestamp, "iv": connect.DebeziumMicroDuration,
		"m": connect.DebeziumEnum, "n": connect.DecimalName, "nv": connect.DebeziumVariableScale}
	for k, n := range schemaNames {
		f, _ := a.Schema.Field(k)
		if f.Schema.Name != n {
			t.Errorf("%s schema name %q, want %q", k, f.Schema.Name, n)
		}
	}
	f, _ := a.Schema.Field("i4")
	if f.Schema.Optional {
		t.Error("NOT NULL column i4 should be required")
	}
	if f, _ := a.Schema.Field("st"); f.Schema.Default != "new" {
		t.Errorf("st default = %#v, want \"new\"", f.Schema.Default)
	}
	if f, _ := a.Schema.Field("cnt"); f.Schema.Default != int32(0) || !f.Schema.Optional {
		t.Errorf("cnt schema = %+v", f.Schema)
	}
	f, _ = a.Schema.Field("m")
	if v, _ := f.Schema.Parameters.Get("allowed"); v != "sad,ok,happy" {
		t.Errorf("enum allowed = %q", v)
	}
	f, _ = a.Schema.Field("n")
	if p, _ := f.Schema.Parameters.Get(connect.DecimalPrecisionParam); p != "10" {
		t.Errorf("numeric precision param = %q", p)
	}
	if rs[0].Key.(*connect.Struct).Get("id") != int64(1) || rs[0].KeySchema.Name != "shop.public.t.Key" {
		t.Errorf("key = %v %v", rs[0].Key, rs[0].KeySchema)
	}
	if rs[0].ValueSchema.Name != "shop.public.t.Envelope" || rs[0].ValueSchema.Version != 2 {
		t.Errorf("envelope schema %v", rs[0].ValueSchema)
	}
}

func TestReplicaIdentityDefaultAndFull(t *testing.T) {
	e := newEnv(t, `CREATE TABLE d(id int PRIMARY KEY, name text NOT NULL, note text);
		CREATE TABLE f(id int PRIMARY KEY, name text NOT NULL, note text);
		ALTER TABLE f REPLICA IDENTITY FULL;
		INSERT INTO d VALUES (1, 'one', 'n1'); INSERT INTO f VALUES (1, 'one', 'n1');`)
	task := e.mustOpen("snapshot.mode", "no_data")
	e.waitSlot()
	e.c.MustExec(t, e.db, `UPDATE d SET name = 'uno'; DELETE FROM d; UPDATE f SET name = 'uno'; DELETE FROM f;`)
	rs := pollN(t, task, 6, 10*time.Second)
	// d: update (before null), delete (before = key + zero values), tombstone
	if op(rs[0]) != "u" || before(rs[0]) != nil || after(rs[0]).Get("name") != "uno" {
		t.Errorf("default update: %s before=%v", op(rs[0]), before(rs[0]))
	}
	if b := before(rs[1]); op(rs[1]) != "d" || b.Get("id") != int32(1) || b.Get("name") != "" || b.Get("note") != nil {
		t.Errorf("default delete: %s before=%v", op(rs[1]), b)
	}
	if rs[2].Value != nil || rs[2].Key.(*connect.Struct).Get("id") != int32(1) || rs[2].Topic != "shop.public.d" {
		t.Errorf("tombstone: %+v", rs[2])
	}
	// f: full before images
	if b := before(rs[3]); op(rs[3]) != "u" || b == nil || b.Get("name") != "one" || b.Get("note") != "n1" {
		t.Errorf("full update before=%v", b)
	}
	if b := before(rs[4]); op(rs[4]) != "d" || b.Get("name") != "uno" || b.Get("note") != "n1" {
		t.Errorf("full delete before=%v", b)
	}
	if rs[5].Value != nil {
		t.Errorf("no tombstone after full delete")
	}
}

func TestToastedValuePlaceholder(t *testing.T) {
	e := newEnv(t, `CREATE TABLE docs(id int PRIMARY KEY, body text, n int);
		ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;
		INSERT INTO docs VALUES (1, repeat('x', 10000), 0);`)
	task := e.mustOpen("snapshot.mode", "no_data")
	e.waitSlot()
	e.c.MustExec(t, e.db, `UPDATE docs SET n = 1; ALTER TABLE docs REPLICA IDENTITY FULL; UPDATE docs SET n = 2;`)
	rs := pollN(t, task, 2, 10*time.Second)
	if got := after(rs[0]).Get("body"); got != "__debezium_unavailable_value" {
		t.Errorf("toasted body = %.40v, want the placeholder", got)
	}
	// under REPLICA IDENTITY FULL the old row carries the value
	if got, _ := after(rs[1]).Get("body").(string); len(got) != 10000 {
		t.Errorf("FULL: body has %d chars, want 10000", len(got))
	}
}

func slotConfirmed(t *testing.T, e *env) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, e.c.ConnString(e.db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var lsn string
	if err := conn.QueryRow(ctx, "SELECT COALESCE(confirmed_flush_lsn, '0/0')::text FROM pg_replication_slots WHERE slot_name = $1", e.props["slot.name"]).Scan(&lsn); err != nil {
		t.Fatal(err)
	}
	var hi, lo uint32
	if _, err := fmtSscanf(lsn, &hi, &lo); err != nil {
		t.Fatal(err)
	}
	return int64(hi)<<32 | int64(lo)
}

func TestRestartResumesAfterLastCommitWithNothingLost(t *testing.T) {
	e := newEnv(t, `CREATE TABLE o(id int PRIMARY KEY)`)
	task := e.mustOpen("snapshot.mode", "no_data")
	e.waitSlot()
	for tx := 0; tx < 3; tx++ {
		e.c.MustExec(t, e.db, "INSERT INTO o SELECT g FROM generate_series("+itoa(tx*5+1)+", "+itoa(tx*5+5)+") g")
	}
	rs := pollN(t, task, 15, 10*time.Second)
	start := slotConfirmed(t, e)
	// the runtime stored and committed up to record 7 (inside transaction 2)
	e.commitAll(task, rs[:7])
	deadline := time.Now().Add(5 * time.Second)
	for slotConfirmed(t, e) == start && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	confirmed := slotConfirmed(t, e)
	if want, _ := toInt64(rs[6].SourceOffset["lsn_commit"]); confirmed != want {
		t.Fatalf("confirmed_flush_lsn = %d, want lsn_commit of the committed record %d", confirmed, want)
	}
	// the worker dies between flush and commit: records 8..15 were flushed
	// to the sink but never committed
	if err := task.Close(); err != nil {
		t.Fatal(err)
	}
	if c := slotConfirmed(t, e); c != confirmed {
		t.Fatalf("closing moved the confirmed LSN from %d to %d", confirmed, c)
	}
	task2 := e.mustOpen("snapshot.mode", "no_data")
	again := pollN(t, task2, 8, 10*time.Second)
	for i, r := range again {
		if id := after(r).Get("id").(int32); id != int32(8+i) {
			t.Fatalf("after restart record %d has id %d, want %d", i, id, 8+i)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	if more, _ := task2.Poll(ctx); len(more) != 0 {
		t.Fatalf("duplicate records after restart: %d", len(more))
	}
}

func TestReconnectAfterServerRestart(t *testing.T) {
	e := newEnv(t, `CREATE TABLE r(id int PRIMARY KEY)`)
	task := e.mustOpen("snapshot.mode", "no_data")
	e.waitSlot()
	e.c.MustExec(t, e.db, "INSERT INTO r VALUES (1)")
	rs := pollN(t, task, 1, 10*time.Second)
	e.commitAll(task, rs)
	if err := e.c.Restart(); err != nil {
		t.Fatal(err)
	}
	e.c.MustExec(t, e.db, "INSERT INTO r VALUES (2)")
	rs = pollN(t, task, 1, 20*time.Second)
	if id := after(rs[0]).Get("id"); id != int32(2) {
		t.Fatalf("after reconnect got id %v, want 2", id)
	}
}

func TestHeartbeatAdvancesIdleSlot(t *testing.T) {
	e := newEnv(t, `CREATE TABLE captured(id int PRIMARY KEY); CREATE TABLE other(id int PRIMARY KEY)`)
	task := e.mustOpen("snapshot.mode", "no_data", "heartbeat.interval.ms", "100", "table.include.list", "public.captured")
	e.waitSlot()
	start := slotConfirmed(t, e)
	e.c.MustExec(t, e.db, "INSERT INTO other SELECT generate_series(1, 100)")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		rs, err := task.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Topic != "__debezium-heartbeat.shop" {
				t.Fatalf("unexpected record on %s", r.Topic)
			}
			if r.Key.(*connect.Struct).Get("serverName") != "shop" {
				t.Fatalf("heartbeat key %v", r.Key)
			}
			e.commitAll(task, []*connect.Record{r})
		}
		if slotConfirmed(t, e) > start {
			return
		}
	}
	t.Fatal("the slot did not advance on heartbeats")
}

func TestClearErrors(t *testing.T) {
	t.Run("plugin.name", func(t *testing.T) {
		_, err := ConfigDef().Parse(map[string]string{"database.hostname": "h", "database.user": "u", "database.dbname": "d",
			"topic.prefix": "p", "plugin.name": "decoderbufs", "snapshot.locking.mode": "none", "snapshot.fetch.size": "10"})
		for _, want := range []string{"plugin.name", "only pgoutput", "snapshot.fetch.size", "snapshot.locking.mode"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v does not mention %q", err, want)
			}
		}
	})
	t.Run("no replication privilege", func(t *testing.T) {
		e := newEnv(t, `CREATE ROLE norepl LOGIN`)
		e.props["database.user"] = "norepl"
		_, err := e.open()
		if !errors.Is(err, ErrNoReplication) || !strings.Contains(err.Error(), "ALTER ROLE") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("publication missing", func(t *testing.T) {
		e := newEnv(t, ``)
		_, err := e.open("publication.autocreate.mode", "disabled", "publication.name", "nopub")
		if !errors.Is(err, ErrNoPublication) || !strings.Contains(err.Error(), "nopub") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("slot in use", func(t *testing.T) {
		e := newEnv(t, `CREATE TABLE x(id int PRIMARY KEY)`)
		e.mustOpen("snapshot.mode", "no_data")
		e.waitSlot()
		_, err := e.open("snapshot.mode", "no_data", "slot.max.retries", "0")
		if !errors.Is(err, ErrSlotInUse) || !strings.Contains(err.Error(), "distinct replication slot name") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no primary key and unsupported type", func(t *testing.T) {
		e := newEnv(t, `CREATE TABLE nokey(a int, p point)`)
		task := e.mustOpen("snapshot.mode", "no_data")
		e.waitSlot()
		e.c.MustExec(t, e.db, `INSERT INTO nokey VALUES (1, '(3,4)')`)
		rs := pollN(t, task, 1, 10*time.Second)
		if rs[0].Key != nil || rs[0].KeySchema != nil {
			t.Errorf("key = %v, want null", rs[0].Key)
		}
		if p := after(rs[0]).Get("p"); p != "(3,4)" {
			t.Errorf("point rendered as %#v, want its text form", p)
		}
	})
	t.Run("wal_level", func(t *testing.T) {
		c := pgtest.New(t, "wal_level = replica")
		props := map[string]string{"database.hostname": c.Host, "database.port": itoa(c.Port), "database.user": c.User,
			"database.dbname": "postgres", "database.sslmode": "disable", "topic.prefix": "p"}
		cfg, err := ConfigDef().Parse(props)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Open(context.Background(), cfg, connect.TaskContext{})
		if !errors.Is(err, ErrWalLevel) || !strings.Contains(err.Error(), "wal_level=replica") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestServerCrashWithUncommittedRecordsNoDuplicates(t *testing.T) {
	e := newEnv(t, `CREATE TABLE k(id int PRIMARY KEY)`)
	task := e.mustOpen("snapshot.mode", "no_data")
	e.waitSlot()
	e.c.MustExec(t, e.db, "INSERT INTO k SELECT generate_series(1, 5)")
	rs := pollN(t, task, 5, 10*time.Second) // delivered, never committed
	if err := e.c.Crash(); err != nil {
		t.Fatal(err)
	}
	e.c.MustExec(t, e.db, "INSERT INTO k SELECT generate_series(6, 7)")
	rs = pollN(t, task, 2, 30*time.Second)
	for i, r := range rs {
		if id := after(r).Get("id"); id != int32(6+i) {
			t.Fatalf("after the crash record %d has id %v, want %d (the task re-emitted what it had emitted)", i, id, 6+i)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	if more, _ := task.Poll(ctx); len(more) != 0 {
		t.Fatalf("%d extra records after the crash", len(more))
	}
}

func TestReplicaIdentityIndexIsTheKey(t *testing.T) {
	e := newEnv(t, `CREATE TABLE ri(code text NOT NULL, n int); CREATE UNIQUE INDEX ri_code ON ri(code);
		ALTER TABLE ri REPLICA IDENTITY USING INDEX ri_code; INSERT INTO ri VALUES ('a', 1)`)
	task := e.mustOpen()
	rs := pollN(t, task, 1, 10*time.Second) // snapshot
	e.c.MustExec(t, e.db, "UPDATE ri SET n = 2")
	rs = append(rs, pollN(t, task, 1, 10*time.Second)...)
	for _, r := range rs {
		k, _ := r.Key.(*connect.Struct)
		if k == nil || k.Get("code") != "a" || r.KeySchema.Name != "shop.public.ri.Key" {
			t.Fatalf("%s: key %v", op(r), r.Key)
		}
	}
}
