package converters

import (
	"math/big"
	"strings"

	"github.com/inletdev/inlet/connect"
)

// The Debezium PostgreSQL change event of the reference (an insert into
// shop's public.outbox), built as the connector builds it.

var (
	outboxValue = connect.StructOf("shop.public.outbox.Value", true,
		connect.F("id", &connect.Schema{Type: connect.String, Name: connect.DebeziumUUID, Version: 1}),
		connect.F("aggregatetype", connect.StringSchema),
		connect.F("aggregateid", connect.StringSchema),
		connect.F("type", connect.StringSchema),
		connect.F("payload", &connect.Schema{Type: connect.String, Optional: true, Name: connect.DebeziumJSON, Version: 1}),
		connect.F("created_at", &connect.Schema{Type: connect.Int64, Name: connect.DebeziumMicroTimestamp, Version: 1}),
		connect.F("total", &connect.Schema{Type: connect.Bytes, Optional: true, Name: connect.DecimalName, Version: 1,
			Parameters: connect.Params{{Key: "scale", Value: "2"}, {Key: "connect.decimal.precision", Value: "10"}}}),
	)
	outboxKey = connect.StructOf("shop.public.outbox.Key", false,
		connect.F("id", &connect.Schema{Type: connect.String, Name: connect.DebeziumUUID, Version: 1}))
	sourceSchema = func() *connect.Schema {
		s := connect.StructOf("io.debezium.connector.postgresql.Source", false,
			connect.F("version", connect.StringSchema),
			connect.F("connector", connect.StringSchema),
			connect.F("name", connect.StringSchema),
			connect.F("ts_ms", connect.Int64Schema),
			connect.F("snapshot", &connect.Schema{Type: connect.String, Optional: true, Name: connect.DebeziumEnum, Version: 1,
				Parameters: connect.Params{{Key: "allowed", Value: "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"}},
				Default:    "false"}),
			connect.F("db", connect.StringSchema),
			connect.F("sequence", connect.OptionalStringSchema),
			connect.F("ts_us", connect.OptionalInt64Schema),
			connect.F("ts_ns", connect.OptionalInt64Schema),
			connect.F("schema", connect.StringSchema),
			connect.F("table", connect.StringSchema),
			connect.F("txId", connect.OptionalInt64Schema),
			connect.F("lsn", connect.OptionalInt64Schema),
			connect.F("xmin", connect.OptionalInt64Schema),
			connect.F("origin", connect.OptionalStringSchema),
			connect.F("origin_lsn", connect.OptionalInt64Schema),
		)
		s.Version = 1
		return s
	}()
	blockSchema = func() *connect.Schema {
		s := connect.StructOf("event.block", true,
			connect.F("id", connect.StringSchema),
			connect.F("total_order", connect.Int64Schema),
			connect.F("data_collection_order", connect.Int64Schema))
		s.Version = 1
		return s
	}()
	envelopeSchema = func() *connect.Schema {
		s := connect.StructOf("shop.public.outbox.Envelope", false,
			connect.F("before", outboxValue),
			connect.F("after", outboxValue),
			connect.F("source", sourceSchema),
			connect.F("transaction", blockSchema),
			connect.F("op", connect.StringSchema),
			connect.F("ts_ms", connect.OptionalInt64Schema),
			connect.F("ts_us", connect.OptionalInt64Schema),
			connect.F("ts_ns", connect.OptionalInt64Schema),
		)
		s.Version = 2
		return s
	}()
)

const referencePayload = `{"items": 2, "total": 49.90}`

// changeEvent returns the reference insert with the given jsonb payload.
func changeEvent(payload string) (*connect.Struct, *connect.Struct) {
	after := connect.NewStruct(outboxValue).
		Put("id", "5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43").
		Put("aggregatetype", "order").
		Put("aggregateid", "A-1001").
		Put("type", "OrderPlaced").
		Put("payload", payload).
		Put("created_at", int64(1772366400123456)).
		Put("total", connect.Decimal{Unscaled: big.NewInt(4990), Scale: 2})
	src := connect.NewStruct(sourceSchema).
		Put("version", "3.6.1.Final").Put("connector", "postgresql").Put("name", "shop").
		Put("ts_ms", int64(1772366400250)).Put("db", "shopdb").
		Put("sequence", `["26872304","26872360"]`).
		Put("ts_us", int64(1772366400250118)).Put("ts_ns", int64(1772366400250118000)).
		Put("schema", "public").Put("table", "outbox").
		Put("txId", int64(771)).Put("lsn", int64(26872360))
	env := connect.NewStruct(envelopeSchema).
		Put("after", after).Put("source", src).Put("op", "c").
		Put("ts_ms", int64(1772366400391)).Put("ts_us", int64(1772366400391507)).Put("ts_ns", int64(1772366400391507263))
	key := connect.NewStruct(outboxKey).Put("id", "5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43")
	return key, env
}

// payload600 is a jsonb text of about 600 bytes, normalised as PostgreSQL
// prints it.
func payload600() string {
	var b strings.Builder
	b.WriteString(`{"id": "A-1001", "items": [`)
	for i := 0; b.Len() < 540; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`{"qty": 2, "sku": "SKU-000` + string(rune('0'+i%10)) + `", "price": 24.95}`)
	}
	b.WriteString(`], "total": 49.90, "status": "placed"}`)
	return b.String()
}

// schemalessEvent is the same change event as Connect data without a
// schema (what a schemaless source or JSON read back without schemas gives).
func schemalessEvent(payload string) map[string]any {
	return map[string]any{
		"before": nil,
		"after": map[string]any{
			"id": "5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43", "aggregatetype": "order", "aggregateid": "A-1001",
			"type": "OrderPlaced", "payload": payload, "created_at": int64(1772366400123456), "total": "E34=",
		},
		"source": map[string]any{
			"version": "3.6.1.Final", "connector": "postgresql", "name": "shop", "ts_ms": int64(1772366400250),
			"snapshot": "false", "db": "shopdb", "sequence": `["26872304","26872360"]`, "ts_us": int64(1772366400250118),
			"ts_ns": int64(1772366400250118000), "schema": "public", "table": "outbox", "txId": int64(771),
			"lsn": int64(26872360), "xmin": nil, "origin": nil, "origin_lsn": nil,
		},
		"transaction": nil, "op": "c", "ts_ms": int64(1772366400391), "ts_us": int64(1772366400391507),
		"ts_ns": int64(1772366400391507263),
	}
}
