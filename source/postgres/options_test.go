package postgres

import (
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

func insertOutbox() []byte {
	return pgout{'I'}.u32(16384).u8('N').tuple("5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43", "order", `{"a": 1}`, "49.90")
}

func TestOptionsShapeEvents(t *testing.T) {
	t.Run("message.key.columns", func(t *testing.T) {
		d := testDecoder(t, map[string]string{"message.key.columns": "public.outbox:aggregatetype,id"})
		r := decodeAll(t, d, relationMsg(), begin(1), insertOutbox())[0]
		k := r.Key.(*connect.Struct)
		if len(k.Values) != 2 || k.Values[0] != "order" || r.KeySchema.Fields[0].Name != "aggregatetype" {
			t.Errorf("key %v", k.Values)
		}
	})
	t.Run("column.exclude.list", func(t *testing.T) {
		d := testDecoder(t, map[string]string{"column.exclude.list": "public.outbox.payload"})
		r := decodeAll(t, d, relationMsg(), begin(1), insertOutbox())[0]
		if _, ok := after(r).Lookup("payload"); ok || len(after(r).Values) != 3 {
			t.Errorf("after %v", after(r).Values)
		}
	})
	t.Run("table.include.list", func(t *testing.T) {
		d := testDecoder(t, map[string]string{"table.include.list": "public.other"})
		if rs := decodeAll(t, d, relationMsg(), begin(1), insertOutbox()); len(rs) != 0 {
			t.Errorf("%d records for a table not included", len(rs))
		}
	})
	t.Run("decimal.handling.mode", func(t *testing.T) {
		for mode, want := range map[string]any{"double": 49.9, "string": "49.90"} {
			d := testDecoder(t, map[string]string{"decimal.handling.mode": mode})
			if got := after(decodeAll(t, d, relationMsg(), begin(1), insertOutbox())[0]).Get("total"); got != want {
				t.Errorf("%s: %#v", mode, got)
			}
		}
	})
	t.Run("primary key change", func(t *testing.T) {
		d := testDecoder(t, nil)
		upd := pgout{'U'}.u32(16384).u8('K').tuple("old-id", nil, nil, nil).u8('N').tuple("new-id", "order", nil, nil)
		rs := decodeAll(t, d, relationMsg(), begin(1), upd)
		if len(rs) != 3 || op(rs[0]) != "d" || rs[1].Value != nil || op(rs[2]) != "c" {
			t.Fatalf("%d records", len(rs))
		}
		if h, ok := rs[0].Headers.Last("__debezium.newkey"); !ok || h.Value.(*connect.Struct).Get("id") != "new-id" {
			t.Errorf("delete lacks __debezium.newkey: %v", rs[0].Headers)
		}
		if h, ok := rs[2].Headers.Last("__debezium.oldkey"); !ok || h.Value.(*connect.Struct).Get("id") != "old-id" {
			t.Errorf("create lacks __debezium.oldkey: %v", rs[2].Headers)
		}
	})
	t.Run("tombstones.on.delete=false", func(t *testing.T) {
		d := testDecoder(t, map[string]string{"tombstones.on.delete": "false"})
		del := pgout{'D'}.u32(16384).u8('K').tuple("x", nil, nil, nil)
		if rs := decodeAll(t, d, relationMsg(), begin(1), del); len(rs) != 1 {
			t.Errorf("%d records", len(rs))
		}
	})
}

func TestTemporalAndBinaryModes(t *testing.T) {
	rel := pgout{'R'}.u32(7).str("public").str("t").u8('d').u16(4)
	rel = rel.u8(1).str("id").u32(oidInt4).u32(0xffffffff)
	rel = rel.u8(0).str("ts").u32(oidTimestamp).u32(0xffffffff)
	rel = rel.u8(0).str("by").u32(oidBytea).u32(0xffffffff)
	rel = rel.u8(0).str("iv").u32(oidInterval).u32(0xffffffff)
	ins := pgout{'I'}.u32(7).u8('N').tuple("1", "2026-03-01 12:00:00.123456", `\xdeadbeef`, "P1DT2H")
	decode := func(props map[string]string) *connect.Struct {
		d := testDecoder(t, props)
		d.resolver = staticResolver{7: {PrimaryKey: []string{"id"}}}
		return after(decodeAll(t, d, rel, begin(1), ins)[0])
	}
	a := decode(map[string]string{"time.precision.mode": "connect", "binary.handling.mode": "hex", "interval.handling.mode": "string"})
	if ts, ok := a.Get("ts").(time.Time); !ok || !ts.Equal(time.UnixMilli(1772366400123)) {
		t.Errorf("connect timestamp %#v", a.Get("ts"))
	}
	if f, _ := a.Schema.Field("ts"); f.Schema.Name != connect.TimestampName {
		t.Errorf("ts schema %v", f.Schema)
	}
	if a.Get("by") != "deadbeef" || a.Get("iv") != "P0Y0M1DT2H0M0S" {
		t.Errorf("by=%v iv=%v", a.Get("by"), a.Get("iv"))
	}
	a = decode(map[string]string{"binary.handling.mode": "base64"})
	if a.Get("by") != "3q2+7w==" || a.Get("iv") != int64(86400e6+2*3600e6) {
		t.Errorf("by=%v iv=%v", a.Get("by"), a.Get("iv"))
	}
}

func TestConfigRejectsAndValidates(t *testing.T) {
	base := map[string]string{"database.hostname": "h", "database.user": "u", "database.dbname": "d", "topic.prefix": "p"}
	for key, val := range map[string]string{
		"time.precision.mode": "nanoseconds", "max.queue.size": "10", "snapshot.mode": "custom",
		"signal.data.collection": "public.signals", "include.unknown.datatypes": "false", "skipped.operations": "x",
		"message.key.columns": "nocolon", "table.include.list": "a(",
	} {
		props := map[string]string{}
		for k, v := range base {
			props[k] = v
		}
		props[key] = val
		if _, err := ConfigDef().Parse(props); err == nil {
			t.Errorf("%s=%s accepted", key, val)
		} else if ces := connect.AsConfigErrors(err); len(ces) == 0 || ces[0].Key != key {
			t.Errorf("%s=%s: error does not name the key: %v", key, val, err)
		}
	}
	if _, err := ConfigDef().Parse(base); err != nil {
		t.Errorf("defaults rejected: %v", err)
	}
	r := connect.NewRegistry()
	Register(r)
	for _, n := range []string{"postgres", "PostgresConnector", "io.debezium.connector.postgresql.PostgresConnector", "Postgres"} {
		if _, err := r.Lookup(connect.KindSource, n); err != nil {
			t.Errorf("lookup %s: %v", n, err)
		}
	}
}

func TestDefaultLiteral(t *testing.T) {
	for expr, want := range map[string]string{
		"'new'::character varying": "new", "'it''s'::text": "it's", "0": "0", "(-1)": "-1", "1.50": "1.50", "true": "t",
		"now()": "", "nextval('s_id_seq'::regclass)": "", "'2020-01-01'::date + 1": "", "('now'::text)::date": "",
	} {
		got, ok := defaultLiteral(expr)
		if got != want || ok != (want != "") {
			t.Errorf("%s: %q %v, want %q", expr, got, ok, want)
		}
	}
}
