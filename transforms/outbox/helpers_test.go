package outbox

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/inletdev/inlet/connect"
)

// The documented Debezium example (outbox-event-router.html): an insert
// into inventory.outboxevent, op c, ts_ms 1556890294484.
const (
	docID        = "406c07f3-26f0-4eea-a50c-109940064b8f"
	docPayload   = `{"id": 1, "lineItems": [{"id": 1, "item": "Debezium in Action", "status": "ENTERED", "quantity": 2, "totalPrice": 39.98}, {"id": 2, "item": "Debezium for Dummies", "status": "ENTERED", "quantity": 1, "totalPrice": 29.99}], "orderDate": "2019-01-31T12:13:01", "customerId": 123}`
	docTsMs      = int64(1556890294484)
	docRowName   = "dbserver1.inventory.outboxevent.Value"
	docEnvelName = "dbserver1.inventory.outboxevent.Envelope"
)

var (
	uuidSchema = &connect.Schema{Type: connect.String, Name: connect.DebeziumUUID, Version: 1}
	jsonSchema = &connect.Schema{Type: connect.String, Name: connect.DebeziumJSON, Version: 1, Optional: true}
)

// rowSchema is the outbox row: the documented columns plus extras.
func rowSchema(extra ...connect.Field) *connect.Schema {
	fs := []connect.Field{
		connect.F("id", uuidSchema),
		connect.F("aggregatetype", connect.StringSchema),
		connect.F("aggregateid", connect.StringSchema),
		connect.F("type", connect.StringSchema),
		connect.F("payload", jsonSchema),
		connect.F("timestamp", connect.Int64Schema),
	}
	return connect.StructOf(docRowName, true, append(fs, extra...)...)
}

func envelopeSchemaFor(row *connect.Schema) *connect.Schema {
	source := connect.StructOf("io.debezium.connector.postgresql.Source", false,
		connect.F("version", connect.StringSchema), connect.F("connector", connect.StringSchema),
		connect.F("name", connect.StringSchema), connect.F("ts_ms", connect.Int64Schema),
		connect.F("db", connect.StringSchema), connect.F("schema", connect.StringSchema),
		connect.F("table", connect.StringSchema), connect.F("txId", connect.OptionalInt64Schema),
		connect.F("lsn", connect.OptionalInt64Schema))
	s := connect.StructOf(docEnvelName, false,
		connect.F("before", row), connect.F("after", row), connect.F("source", source),
		connect.F("op", connect.StringSchema), connect.F("ts_ms", connect.OptionalInt64Schema))
	s.Version = 2
	return s
}

var (
	docRow      = rowSchema()
	docEnvelope = envelopeSchemaFor(docRow)
)

// docRecord is the documented raw change event, schema'd.
func docRecord() *connect.Record {
	return changeEvent(docEnvelope, "c", docRowValues(docRow))
}

func docRowValues(row *connect.Schema) *connect.Struct {
	after := connect.NewStruct(row)
	after.Put("id", docID).Put("aggregatetype", "Order").Put("aggregateid", "1").
		Put("type", "OrderCreated").Put("payload", docPayload).Put("timestamp", int64(1556890294344))
	return after
}

func changeEvent(env *connect.Schema, op string, after *connect.Struct) *connect.Record {
	source := connect.NewStruct(env.Fields[2].Schema)
	source.Put("version", "0.9.3.Final").Put("connector", "postgresql").Put("name", "dbserver1").
		Put("ts_ms", int64(1556890294448)).Put("db", "orderdb").Put("schema", "inventory").
		Put("table", "outboxevent").Put("txId", int64(584)).Put("lsn", int64(24064704))
	v := connect.NewStruct(env)
	if after != nil {
		v.Put("after", after)
	}
	v.Put("source", source).Put("op", op).Put("ts_ms", docTsMs)
	keySchema := connect.StructOf("dbserver1.inventory.outboxevent.Key", false, connect.F("id", uuidSchema))
	return &connect.Record{
		Topic: "dbserver1.inventory.outboxevent", Partition: 0,
		KeySchema: keySchema, Key: connect.NewStruct(keySchema).Put("id", docID),
		ValueSchema: env, Value: v,
		SourcePartition: map[string]any{"server": "dbserver1"},
		SourceOffset:    map[string]any{"lsn": int64(24064704)},
	}
}

// docMap is the same event, schemaless (JsonConverter schemas.enable=false).
func docMap() *connect.Record {
	return &connect.Record{
		Topic: "dbserver1.inventory.outboxevent", Partition: 0,
		Key: map[string]any{"id": docID},
		Value: map[string]any{
			"before": nil,
			"after": map[string]any{
				"id": docID, "aggregateid": "1", "aggregatetype": "Order", "payload": docPayload,
				"timestamp": int64(1556890294344), "type": "OrderCreated",
			},
			"source": map[string]any{"connector": "postgresql", "table": "outboxevent"},
			"op":     "c",
			"ts_ms":  docTsMs,
		},
	}
}

// newRouter builds a router from properties, failing the test on error.
// The log is captured in buf when given.
func newRouter(t testing.TB, props map[string]string, buf *bytes.Buffer) *Router {
	t.Helper()
	r, err := build(props, buf)
	if err != nil {
		t.Fatalf("config %v: %v", props, err)
	}
	return r
}

func build(props map[string]string, buf *bytes.Buffer) (*Router, error) {
	cfg, err := ConfigDef().Parse(props)
	if err != nil {
		return nil, err
	}
	var log *slog.Logger
	if buf != nil {
		log = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	} else {
		log = slog.New(slog.NewTextHandler(discard{}, nil))
	}
	return New(cfg, log)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func apply(t testing.TB, r *Router, rec *connect.Record) *connect.Record {
	t.Helper()
	out, err := r.Apply(context.Background(), rec)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return out
}

func headerValue(h connect.Headers, key string) any {
	x, ok := h.Last(key)
	if !ok {
		return "<absent>"
	}
	return x.Value
}
