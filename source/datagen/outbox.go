package datagen

import (
	"sort"
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
// bytes, printed as PostgreSQL prints jsonb (keys ordered by length, then
// bytewise; ", " and ": " separators).
func outboxPayload(rng *rand, aggID, typ string, size int) string {
	fields := map[string]string{
		"id":       strconv.Quote(aggID),
		"type":     strconv.Quote(typ),
		"status":   strconv.Quote(statuses[rng.intn(len(statuses))]),
		"customer": strconv.Quote(firstNames[rng.intn(len(firstNames))]),
	}
	var items []string
	totalCents := 0
	itemsLen := 0
	for base := 80; base+itemsLen < size || len(items) == 0; {
		qty := rng.intn(5) + 1
		cents := 100 + rng.intn(9900)
		totalCents += qty * cents
		item := jsonbObject(map[string]string{
			"qty":   strconv.Itoa(qty),
			"sku":   strconv.Quote("SKU-" + strconv.Itoa(1000+rng.intn(9000))),
			"price": cents2(cents),
		})
		items = append(items, item)
		itemsLen += len(item) + 2
		if size == 0 {
			break
		}
	}
	fields["items"] = "[" + strings.Join(items, ", ") + "]"
	fields["total"] = cents2(totalCents)
	return jsonbObject(fields)
}

func cents2(c int) string {
	return strconv.Itoa(c/100) + "." + string('0'+byte(c%100/10)) + string('0'+byte(c%10))
}

// jsonbObject prints an object whose values are already JSON text, with
// PostgreSQL's jsonb key order.
func jsonbObject(fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) < len(keys[j])
		}
		return keys[i] < keys[j]
	})
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(k))
		b.WriteString(": ")
		b.WriteString(fields[k])
	}
	b.WriteByte('}')
	return b.String()
}
