package outboxpostgres

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/converters"
	"github.com/inletdev/inlet/internal/pgtest"
	"github.com/inletdev/inlet/source/postgres"
)

// The insert example of the Debezium reference (section 2.4): the schema
// part the JsonConverter writes with schemas.enable=true, byte for byte.
const debeziumValueSchema = `{"type":"struct","fields":[` +
	`{"type":"struct","fields":[` + rowFields + `],"optional":true,"name":"shop.public.outbox.Value","field":"before"},` +
	`{"type":"struct","fields":[` + rowFields + `],"optional":true,"name":"shop.public.outbox.Value","field":"after"},` +
	`{"type":"struct","fields":[{"type":"string","optional":false,"field":"version"},{"type":"string","optional":false,"field":"connector"},` +
	`{"type":"string","optional":false,"field":"name"},{"type":"int64","optional":false,"field":"ts_ms"},` +
	`{"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":` +
	`"true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"},"default":"false","field":"snapshot"},` +
	`{"type":"string","optional":false,"field":"db"},{"type":"string","optional":true,"field":"sequence"},` +
	`{"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"},` +
	`{"type":"string","optional":false,"field":"schema"},{"type":"string","optional":false,"field":"table"},` +
	`{"type":"int64","optional":true,"field":"txId"},{"type":"int64","optional":true,"field":"lsn"},` +
	`{"type":"int64","optional":true,"field":"xmin"},{"type":"string","optional":true,"field":"origin"},` +
	`{"type":"int64","optional":true,"field":"origin_lsn"}],` +
	`"optional":false,"name":"io.debezium.connector.postgresql.Source","version":1,"field":"source"},` +
	`{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":false,"field":` +
	`"total_order"},{"type":"int64","optional":false,"field":"data_collection_order"}],"optional":true,"name":"event.block",` +
	`"version":1,"field":"transaction"},` +
	`{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"},` +
	`{"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"}],` +
	`"optional":false,"name":"shop.public.outbox.Envelope","version":2}`

const rowFields = `{"type":"string","optional":false,"name":"io.debezium.data.Uuid","version":1,"field":"id"},` +
	`{"type":"string","optional":false,"field":"aggregatetype"},` +
	`{"type":"string","optional":false,"field":"aggregateid"},` +
	`{"type":"string","optional":false,"field":"type"},` +
	`{"type":"string","optional":true,"name":"io.debezium.data.Json","version":1,"field":"payload"},` +
	`{"type":"int64","optional":false,"name":"io.debezium.time.MicroTimestamp","version":1,"field":"created_at"},` +
	`{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,` +
	`"parameters":{"scale":"2","connect.decimal.precision":"10"},"field":"total"}`

const debeziumKey = `{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"name":"io.debezium.data.Uuid","version":1,` +
	`"field":"id"}],"optional":false,"name":"shop.public.outbox.Key"},"payload":{"id":"5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43"}}`

// TestJsonConverterWritesWhatDebeziumWrites streams the reference's insert
// from a real PostgreSQL and serialises it with inlet's JsonConverter
// (schemas.enable=true): key and value schema must equal Debezium's byte
// for byte, and the payload must match except for timings and positions.
func TestJsonConverterWritesWhatDebeziumWrites(t *testing.T) {
	c := pgtest.New(t)
	ctx := context.Background()
	if err := c.Exec(ctx, "postgres", "CREATE DATABASE shopdb"); err != nil {
		t.Fatal(err)
	}
	c.MustExec(t, "shopdb", `CREATE TABLE public.outbox(id uuid PRIMARY KEY, aggregatetype varchar NOT NULL, aggregateid varchar NOT NULL,
		type varchar NOT NULL, payload jsonb, created_at timestamp(6) NOT NULL, total numeric(10,2))`)
	cfg, err := postgres.ConfigDef().Parse(map[string]string{"database.hostname": c.Host, "database.port": fmt.Sprint(c.Port),
		"database.user": c.User, "database.dbname": "shopdb", "database.sslmode": "disable", "topic.prefix": "shop",
		"snapshot.mode": "no_data", "slot.drop.on.stop": "true", "poll.interval.ms": "100"})
	if err != nil {
		t.Fatal(err)
	}
	task, err := postgres.Open(ctx, cfg, connect.TaskContext{})
	if err != nil {
		t.Fatal(err)
	}
	defer task.Close()
	deadline := time.Now().Add(20 * time.Second)
	for c.Exec(ctx, "shopdb", "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'debezium' AND active) THEN RAISE EXCEPTION 'no'; END IF; END$$") != nil {
		if time.Now().After(deadline) {
			t.Fatal("no slot")
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.MustExec(t, "shopdb", `INSERT INTO public.outbox VALUES ('5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43', 'order', 'A-1001', 'OrderPlaced',
		'{"items": 2, "total": 49.90}', '2026-03-01 12:00:00.123456', 49.90)`)
	var rs []*connect.Record
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for len(rs) == 0 && pctx.Err() == nil {
		if rs, err = task.Poll(pctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(rs) != 1 {
		t.Fatalf("%d records", len(rs))
	}
	conv := converters.NewJSONConverter(converters.DefaultJSONOptions())
	key, err := conv.FromConnect(rs[0].Topic, nil, rs[0].KeySchema, rs[0].Key)
	if err != nil || string(key) != debeziumKey {
		t.Errorf("key\n got %s\nwant %s (%v)", key, debeziumKey, err)
	}
	value, err := conv.FromConnect(rs[0].Topic, nil, rs[0].ValueSchema, rs[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Schema  json.RawMessage `json:"schema"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(value, &env); err != nil {
		t.Fatal(err)
	}
	if string(env.Schema) != debeziumValueSchema {
		t.Errorf("value schema\n got %s\nwant %s", env.Schema, debeziumValueSchema)
	}
	// timings and WAL positions differ per run: blank them, compare the rest
	norm := regexp.MustCompile(`"(ts_ms|ts_us|ts_ns|txId|lsn)":\d+`).ReplaceAllString(string(env.Payload), `"$1":0`)
	norm = regexp.MustCompile(`"sequence":"\[(null|\\"\d+\\"),\\"\d+\\"\]"`).ReplaceAllString(norm, `"sequence":"S"`)
	want := `{"before":null,"after":{"id":"5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43","aggregatetype":"order","aggregateid":"A-1001",` +
		`"type":"OrderPlaced","payload":"{\"items\": 2, \"total\": 49.90}","created_at":1772366400123456,"total":"E34="},` +
		`"source":{"version":"3.6.1.Final","connector":"postgresql","name":"shop","ts_ms":0,"snapshot":"false","db":"shopdb",` +
		`"sequence":"S","ts_us":0,"ts_ns":0,"schema":"public","table":"outbox","txId":0,"lsn":0,"xmin":null,"origin":null,"origin_lsn":null},` +
		`"transaction":null,"op":"c","ts_ms":0,"ts_us":0,"ts_ns":0}`
	if norm != want {
		t.Errorf("payload\n got %s\nwant %s", norm, want)
	}
}
