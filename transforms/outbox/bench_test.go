package outbox

import (
	"context"
	"strconv"
	"testing"

	"github.com/inletdev/inlet/connect"
)

// pgOutbox is the reference PostgreSQL outbox row (debezium.md §2.4):
// id uuid, aggregatetype, aggregateid, type, payload jsonb, created_at
// timestamp(6), total numeric(10,2).
var pgRow = connect.StructOf("shop.public.outbox.Value", true,
	connect.F("id", uuidSchema),
	connect.F("aggregatetype", connect.StringSchema),
	connect.F("aggregateid", connect.StringSchema),
	connect.F("type", connect.StringSchema),
	connect.F("payload", jsonSchema),
	connect.F("created_at", &connect.Schema{Type: connect.Int64, Name: connect.DebeziumMicroTimestamp, Version: 1}),
	connect.F("total", &connect.Schema{Type: connect.Bytes, Name: connect.DecimalName, Version: 1, Optional: true,
		Parameters: connect.Params{{Key: "scale", Value: "2"}, {Key: "connect.decimal.precision", Value: "10"}}}),
)

func pgRecord() *connect.Record {
	env := envelopeSchemaFor(pgRow)
	after := connect.NewStruct(pgRow)
	after.Put("id", "5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43").Put("aggregatetype", "order").Put("aggregateid", "A-1001").
		Put("type", "OrderPlaced").Put("payload", `{"items": 2, "total": 49.90}`).Put("created_at", int64(1772366400123456)).
		Put("total", []byte{0x13, 0x7e})
	return changeEvent(env, "c", after)
}

func benchRouter(b *testing.B, props map[string]string, rec *connect.Record) {
	r := newRouter(b, props, nil)
	ctx := context.Background()
	if out, err := r.Apply(ctx, rec); err != nil || out == nil {
		b.Fatalf("%v %v", out, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Apply(ctx, rec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEventRouter is the default configuration on a schema'd
// PostgreSQL outbox insert: the headline figure.
func BenchmarkEventRouter(b *testing.B) { benchRouter(b, nil, pgRecord()) }

func BenchmarkEventRouterTimestampAndHeader(b *testing.B) {
	benchRouter(b, map[string]string{KeyFieldEventTimestamp: "created_at", KeyPlacement: "type:header:eventType"}, pgRecord())
}

func BenchmarkEventRouterEnvelope(b *testing.B) {
	benchRouter(b, map[string]string{KeyPlacement: "type:envelope:eventType"}, pgRecord())
}

func BenchmarkEventRouterSchemaless(b *testing.B) { benchRouter(b, nil, docMap()) }

func BenchmarkEventRouterExpandJSON(b *testing.B) {
	benchRouter(b, map[string]string{KeyExpandJSON: "true"}, pgRecord())
}

// BenchmarkEventRouterManyRoutes rotates 1000 aggregate types (topic cache hits).
func BenchmarkEventRouterManyRoutes(b *testing.B) {
	r := newRouter(b, nil, nil)
	recs := make([]*connect.Record, 1000)
	for i := range recs {
		recs[i] = pgRecord()
		recs[i].Value.(*connect.Struct).Get("after").(*connect.Struct).Put("aggregatetype", "agg"+strconv.Itoa(i))
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := r.Apply(ctx, recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
