package datagen

import (
	"strconv"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
)

// outboxSchemas are the schemas Debezium's PostgreSQL connector builds for
// public.outboxevent, shared by every record (schemas are immutable).
type outboxSchemas struct {
	key, value, source, block, envelope *connect.Schema
}

// SourceSchema is io.debezium.connector.postgresql.Source, version 1, with
// the fields in Debezium's order.
func SourceSchema() *connect.Schema {
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
}

func newOutboxSchemas(prefix string) *outboxSchemas {
	uuid := &connect.Schema{Type: connect.String, Name: connect.DebeziumUUID, Version: 1}
	base := prefix + ".public.outboxevent"
	value := connect.StructOf(base+".Value", true,
		connect.F("id", uuid),
		connect.F("aggregatetype", connect.StringSchema),
		connect.F("aggregateid", connect.StringSchema),
		connect.F("type", connect.StringSchema),
		connect.F("payload", &connect.Schema{Type: connect.String, Optional: true, Name: connect.DebeziumJSON, Version: 1}),
	)
	block := connect.StructOf("event.block", true,
		connect.F("id", connect.StringSchema),
		connect.F("total_order", connect.Int64Schema),
		connect.F("data_collection_order", connect.Int64Schema))
	block.Version = 1
	source := SourceSchema()
	env := connect.StructOf(base+".Envelope", false,
		connect.F("before", value),
		connect.F("after", value),
		connect.F("source", source),
		connect.F("transaction", block),
		connect.F("op", connect.StringSchema),
		connect.F("ts_ms", connect.OptionalInt64Schema),
		connect.F("ts_us", connect.OptionalInt64Schema),
		connect.F("ts_ns", connect.OptionalInt64Schema),
	)
	env.Version = 2
	return &outboxSchemas{
		key:   connect.StructOf(base+".Key", false, connect.F("id", uuid)),
		value: value, source: source, block: block, envelope: env,
	}
}

var eventTypes = map[string][]string{
	"order":    {"OrderCreated", "OrderPaid", "OrderShipped", "OrderCancelled"},
	"customer": {"CustomerCreated", "CustomerUpdated"},
	"shipment": {"ShipmentCreated", "ShipmentDelivered"},
}

func (s *Source) outboxRecord(seq int64, rng *rand) *connect.Record {
	sc := s.schemas
	id := rng.uuid()
	agg := s.opt.Aggregates[rng.intn(len(s.opt.Aggregates))]
	aggID := strings.ToUpper(agg[:1]) + "-" + strconv.FormatInt(1000+int64(rng.intn(9000)), 10)
	types := eventTypes[agg]
	if types == nil {
		types = []string{strings.ToUpper(agg[:1]) + agg[1:] + "Created"}
	}
	typ := types[rng.intn(len(types))]
	payload := outboxPayload(rng, aggID, typ, s.opt.PayloadBytes)

	commitMs := baseMillis + seq*10
	commitUs := commitMs*1000 + int64(rng.intn(1000))
	lsn := 0x1A00000 + seq*0x100
	procUs := commitUs + 5000 + int64(rng.intn(100000))
	procNs := procUs*1000 + int64(rng.intn(1000))

	after := &connect.Struct{Schema: sc.value, Values: []any{id, agg, aggID, typ, payload}}
	src := &connect.Struct{Schema: sc.source, Values: []any{
		DebeziumVersion, "postgresql", s.opt.TopicPrefix, commitMs,
		nil, // snapshot: unset while streaming; its default "false" is what serializes
		"postgres",
		`["` + strconv.FormatInt(lsn-0x38, 10) + `","` + strconv.FormatInt(lsn, 10) + `"]`,
		commitUs, commitUs * 1000, "public", "outboxevent",
		int64(1000) + seq, lsn, nil, nil, nil,
	}}
	env := &connect.Struct{Schema: sc.envelope, Values: []any{
		nil, after, src, nil, "c", procUs / 1000, procUs, procNs,
	}}
	key := &connect.Struct{Schema: sc.key, Values: []any{id}}
	return &connect.Record{Topic: s.topic, Partition: connect.UnassignedPartition,
		KeySchema: sc.key, Key: key, ValueSchema: sc.envelope, Value: env,
		Timestamp: time.UnixMilli(procUs / 1000).UTC()}
}

// outboxPayload builds the jsonb column: an event body of about size
// bytes, printed as PostgreSQL prints jsonb: keys ordered by length, then
// bytewise (id, type, items, total, status, customer; qty, sku, price),
// ", " and ": " separators. Written straight into a buffer: datagen feeds
// benchmarks, so it must cost little next to what it measures.
func outboxPayload(rng *rand, aggID, typ string, size int) string {
	status := statuses[rng.intn(len(statuses))]
	customer := firstNames[rng.intn(len(firstNames))]
	b := make([]byte, 0, max(size, 80)+96)
	b = append(b, `{"id": `...)
	b = strconv.AppendQuote(b, aggID)
	b = append(b, `, "type": `...)
	b = strconv.AppendQuote(b, typ)
	b = append(b, `, "items": [`...)
	totalCents := 0
	for n := 0; ; n++ {
		if n > 0 {
			b = append(b, ", "...)
		}
		qty := rng.intn(5) + 1
		cents := 100 + rng.intn(9900)
		totalCents += qty * cents
		b = append(b, `{"qty": `...)
		b = strconv.AppendInt(b, int64(qty), 10)
		b = append(b, `, "sku": "SKU-`...)
		b = strconv.AppendInt(b, int64(1000+rng.intn(9000)), 10)
		b = append(b, `", "price": `...)
		b = appendCents(b, cents)
		b = append(b, '}')
		if len(b)+80 >= size {
			break
		}
	}
	b = append(b, `], "total": `...)
	b = appendCents(b, totalCents)
	b = append(b, `, "status": `...)
	b = strconv.AppendQuote(b, status)
	b = append(b, `, "customer": `...)
	b = strconv.AppendQuote(b, customer)
	b = append(b, '}')
	return string(b)
}

func appendCents(b []byte, c int) []byte {
	b = strconv.AppendInt(b, int64(c/100), 10)
	return append(b, '.', byte('0'+c%100/10), byte('0'+c%10))
}
