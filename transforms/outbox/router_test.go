package outbox

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

func TestDocumentedExample(t *testing.T) {
	r := newRouter(t, nil, nil)
	in := docRecord()
	out := apply(t, r, in)
	if out.Topic != "outbox.event.Order" {
		t.Errorf("topic = %q, want outbox.event.Order (Debezium keeps the case)", out.Topic)
	}
	if out.Key != "1" || out.KeySchema != connect.StringSchema {
		t.Errorf("key = %v (%v), want \"1\" STRING", out.Key, out.KeySchema)
	}
	if out.Value != docPayload || out.ValueSchema != jsonSchema {
		t.Errorf("value = %v (%v), want the payload with its Json schema", out.Value, out.ValueSchema)
	}
	if len(out.Headers) != 1 || out.Headers[0].Key != "id" || out.Headers[0].Value != docID || out.Headers[0].Schema != uuidSchema {
		t.Errorf("headers = %+v, want one id header with the Uuid schema", out.Headers)
	}
	if !out.Timestamp.Equal(time.UnixMilli(docTsMs)) {
		t.Errorf("timestamp = %v, want ts_ms %d", out.Timestamp, docTsMs)
	}
	if out.Partition != connect.UnassignedPartition {
		t.Errorf("partition = %d, want unassigned", out.Partition)
	}
	if !reflect.DeepEqual(out.SourceOffset, in.SourceOffset) || !reflect.DeepEqual(out.SourcePartition, in.SourcePartition) {
		t.Errorf("source partition/offset not kept")
	}
	if in.Topic != "dbserver1.inventory.outboxevent" || len(in.Headers) != 0 {
		t.Errorf("input record was changed: %+v", in)
	}

	// Schemaless: the same result without schemas.
	out = apply(t, r, docMap())
	if out.Topic != "outbox.event.Order" || out.Key != "1" || out.Value != docPayload || headerValue(out.Headers, "id") != docID || out.KeySchema != nil || out.ValueSchema != nil {
		t.Errorf("schemaless: %+v", out)
	}
	if !out.Timestamp.Equal(time.UnixMilli(docTsMs)) {
		t.Errorf("schemaless timestamp = %v", out.Timestamp)
	}
}

func TestPassThroughAndDrops(t *testing.T) {
	var log bytes.Buffer
	r := newRouter(t, nil, &log)
	heartbeat := &connect.Record{Topic: "__debezium-heartbeat.dbserver1",
		ValueSchema: connect.StructOf("io.debezium.connector.common.Heartbeat", false, connect.F("ts_ms", connect.Int64Schema))}
	heartbeat.Value = connect.NewStruct(heartbeat.ValueSchema).Put("ts_ms", int64(1))
	message := &connect.Record{Topic: "dbserver1.message",
		ValueSchema: connect.StructOf("io.debezium.connector.postgresql.MessageValue", false, connect.F("op", connect.StringSchema))}
	message.Value = connect.NewStruct(message.ValueSchema).Put("op", "m")
	passes := map[string]*connect.Record{
		"heartbeat":          heartbeat,
		"logical message":    message,
		"schemaless, no op":  {Topic: "x", Value: map[string]any{"status": "BEGIN"}},
		"schemaless, op int": {Topic: "x", Value: map[string]any{"op": 1}},
		"string value":       {Topic: "x", Value: "hello"},
	}
	for name, rec := range passes {
		out, err := r.Apply(context.Background(), rec)
		if err != nil || out != rec {
			t.Errorf("%s: got %v, %v; want the record unchanged", name, out, err)
		}
	}

	drops := map[string]*connect.Record{
		"tombstone":          {Topic: "x", Key: "k"},
		"delete":             changeEvent(docEnvelope, "d", nil),
		"update (warn)":      changeEvent(docEnvelope, "u", docRowValues(docRow)),
		"schemaless delete":  {Topic: "x", Value: map[string]any{"op": "d", "before": map[string]any{}}},
		"schemaless update":  {Topic: "x", Value: map[string]any{"op": "u", "after": map[string]any{}}},
		"schemaless tombst.": {Topic: "x", Value: nil},
	}
	for name, rec := range drops {
		out, err := r.Apply(context.Background(), rec)
		if err != nil || out != nil {
			t.Errorf("%s: got %v, %v; want a drop", name, out, err)
		}
	}
	if got := r.Dropped(); got != int64(len(drops)) {
		t.Errorf("Dropped() = %d, want %d", got, len(drops))
	}
	for _, want := range []string{`Tombstone message ignored. Message key: \"k\"`, "Delete message Struct{id=" + docID + "} ignored",
		"level=WARN msg=\"Unexpected update message received Struct{id=" + docID + "} and ignored\""} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}

	// A snapshot read routes like an insert.
	out := apply(t, r, changeEvent(docEnvelope, "r", docRowValues(docRow)))
	if out == nil || out.Topic != "outbox.event.Order" {
		t.Errorf("op r: %+v", out)
	}
}

func TestOpInvalidBehavior(t *testing.T) {
	upd := changeEvent(docEnvelope, "u", docRowValues(docRow))
	var log bytes.Buffer
	r := newRouter(t, map[string]string{KeyOpInvalidBehavior: " ERROR "}, &log)
	if out, err := r.Apply(context.Background(), upd); out != nil || err != nil {
		t.Fatalf("error: got %v %v", out, err)
	}
	if !strings.Contains(log.String(), "level=ERROR") || !strings.Contains(log.String(), "Unexpected update message received") {
		t.Errorf("want an ERROR log line, got %s", log.String())
	}
	for _, props := range []map[string]string{{KeyOpInvalidBehavior: "fatal"}, {KeyLegacyOpInvalid: "fatal"}} {
		r = newRouter(t, props, nil)
		_, err := r.Apply(context.Background(), upd)
		if err == nil || !strings.Contains(err.Error(), "Unexpected update message received Struct{id="+docID+"}, fail.") || !errors.Is(err, ErrUnroutable) {
			t.Errorf("%v: err = %v", props, err)
		}
		if !strings.Contains(err.Error(), `source partition map[server:dbserver1] offset map[lsn:24064704]`) {
			t.Errorf("error does not locate the record: %v", err)
		}
	}
}

func TestRecordErrors(t *testing.T) {
	zoned := &connect.Schema{Type: connect.String, Name: connect.DebeziumZonedTimestamp, Version: 1}
	withCol := func(name string, s *connect.Schema, v any) *connect.Record {
		row := rowSchema(connect.F(name, s))
		after := docRowValues(row)
		after.Put(name, v)
		return changeEvent(envelopeSchemaFor(row), "c", after)
	}
	without := func(col string) *connect.Record {
		var fs []connect.Field
		for _, f := range docRow.Fields {
			if f.Name != col {
				fs = append(fs, connect.F(f.Name, f.Schema))
			}
		}
		row := connect.StructOf(docRowName, true, fs...)
		after := connect.NewStruct(row)
		src := docRowValues(docRow)
		for _, f := range row.Fields {
			after.Put(f.Name, src.Get(f.Name))
		}
		return changeEvent(envelopeSchemaFor(row), "c", after)
	}
	nullRoute := docRecord()
	nullRoute.Value.(*connect.Struct).Get("after").(*connect.Struct).Put("aggregatetype", nil)
	emptyRoute := docRecord()
	emptyRoute.Value.(*connect.Struct).Get("after").(*connect.Struct).Put("aggregatetype", "")
	noOp := &connect.Record{Topic: "t", ValueSchema: connect.StructOf("x.Envelope", false, connect.F("after", docRow))}
	noOp.Value = connect.NewStruct(noOp.ValueSchema)

	noAfter := &connect.Record{Topic: "t", ValueSchema: connect.StructOf("x.Envelope", false, connect.F("op", connect.StringSchema))}
	noAfter.Value = connect.NewStruct(noAfter.ValueSchema).Put("op", "c")
	nullOp := docRecord()
	nullOp.Value.(*connect.Struct).Put("op", nil)
	notStruct := &connect.Record{Topic: "t", ValueSchema: docEnvelope, Value: map[string]any{"op": "c"}}
	short := docRecord()
	short.Value.(*connect.Struct).Put("after", &connect.Struct{Schema: docRow, Values: []any{docID}})
	noSchema := docRecord()
	noSchema.Value.(*connect.Struct).Put("after", &connect.Struct{Values: []any{docID}})
	badGo := withCol("p", connect.OptionalInt32Schema, int64(3))
	badTs := withCol("created_at", &connect.Schema{Type: connect.Int64, Name: connect.DebeziumTimestamp}, "soon")

	cases := []struct {
		name  string
		props map[string]string
		rec   *connect.Record
		want  string
	}{
		{"truncate", nil, changeEvent(docEnvelope, "t", nil), "a truncate (op=t) cannot be routed"},
		{"envelope without after", nil, noAfter, `after is not a valid field name: the value schema "x.Envelope" has no after field`},
		{"null op", nil, nullOp, "the envelope's op is <nil>, want a string (c, r, u, d, t)"},
		{"envelope value not a Struct", nil, notStruct, "the value has schema STRUCT(dbserver1.inventory.outboxevent.Envelope) but is a map[string]interface {}, not a Struct"},
		{"row without schema", nil, noSchema, "the after row has no schema"},
		{"nil envelope Struct", nil, &connect.Record{Topic: "t", ValueSchema: docEnvelope, Value: (*connect.Struct)(nil)}, "but is a nil Struct"},
		{"row values and schema disagree", nil, short, "the after row has 1 values for 6 schema fields"},
		{"partition Go type", map[string]string{KeyPlacement: "p:partition"}, badGo, "column p (table.fields.additional.placement) holds a int64, want an int32"},
		{"timestamp Go type", map[string]string{KeyFieldEventTimestamp: "created_at"}, badTs, "timestamp column created_at holds a string, want an int64"},
		{"create without after", nil, changeEvent(docEnvelope, "c", nil), "Only Struct objects supported for [Read Outbox Event], found: <nil> (op=c)"},
		{"envelope without op", nil, noOp, `op is not a valid field name: the value schema "x.Envelope" ends with .Envelope but has no op field`},
		{"no payload column", nil, without("payload"), "Unable to find payload field payload in event (table.field.event.payload)"},
		{"no id column", nil, without("id"), "Unable to find event-id field id in event (table.field.event.id)"},
		{"no key column", nil, without("aggregateid"), "aggregateid is not a valid field name (table.field.event.key)"},
		{"no route column", nil, without("aggregatetype"), "aggregatetype is not a valid field name (route.by.field)"},
		{"null route", nil, nullRoute, `route.by.field column "aggregatetype" is null`},
		{"route not a string", map[string]string{KeyRouteByField: "timestamp"}, docRecord(), "Field 'timestamp' is not of type STRING (route.by.field; found INT64)"},
		{"timestamp column missing", map[string]string{KeyFieldEventTimestamp: "created_at"}, docRecord(), "Unable to find timestamp field created_at in event (table.field.event.timestamp)"},
		{"timestamp without name", map[string]string{KeyFieldEventTimestamp: "timestamp"}, docRecord(), "Unsupported field type INT64 (without logical schema name) for event timestamp"},
		{"timestamptz", map[string]string{KeyFieldEventTimestamp: "created_at"}, withCol("created_at", zoned, "2026-03-01T12:00:00Z"), "Field 'created_at' is not of type INT64 (table.field.event.timestamp; found STRING(io.debezium.time.ZonedTimestamp) (a timestamptz column)"},
		{"connect timestamp", map[string]string{KeyFieldEventTimestamp: "created_at"}, withCol("created_at", connect.TimestampSchema(false), time.Unix(1, 0)), "Unsupported field type org.apache.kafka.connect.data.Timestamp for event timestamp (table.field.event.timestamp column created_at (time.precision.mode=connect"},
		{"date timestamp", map[string]string{KeyFieldEventTimestamp: "d"}, withCol("d", &connect.Schema{Type: connect.Int64, Name: "io.debezium.time.MicroDuration"}, int64(5)), "Unsupported field type io.debezium.time.MicroDuration for event timestamp"},
		{"partition not int32", map[string]string{KeyPlacement: "timestamp:partition"}, docRecord(), "Field 'timestamp' is not of type INT32 (table.fields.additional.placement; found INT64)"},
		{"negative partition", map[string]string{KeyPlacement: "p:partition"}, withCol("p", connect.Int32Schema, int32(-2)), "partition column p is -2"},
		{"missing header column", map[string]string{KeyPlacement: "nope:header"}, docRecord(), "nope is not a valid field name (table.fields.additional.placement item nope:header, table.field.additional.missing=error)"},
		{"missing envelope column", map[string]string{KeyPlacement: "nope:envelope"}, docRecord(), "Unable to find field nope in event (table.fields.additional.placement, table.field.additional.missing=error)"},
		{"missing partition column", map[string]string{KeyPlacement: "nope:partition"}, docRecord(), "nope is not a valid field name (table.fields.additional.placement item nope:partition"},
		{"schema version not int32", map[string]string{KeyPlacement: "type:envelope", KeyFieldSchemaVersion: "type"}, docRecord(), "Field 'type' is not of type INT32 (table.field.event.schema.version; found STRING)"},
		{"schema version missing", map[string]string{KeyPlacement: "type:envelope", KeyFieldSchemaVersion: "v"}, docRecord(), "v is not a valid field name (table.field.event.schema.version)"},
		{"empty topic", map[string]string{KeyRouteTopicRegex: "[a-z]+", KeyRouteReplacement: "x"}, emptyRoute, `the topic is empty: route.by.field column "aggregatetype" is empty and route.topic.regex did not rewrite it`},
		{"null required payload in envelope", map[string]string{KeyPlacement: "type:envelope", KeyFieldPayload: "p"}, withCol("p", connect.StringSchema, nil), `Invalid value: null used for required field: "payload", schema type: STRING (column p)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRouter(t, c.props, nil)
			out, err := r.Apply(context.Background(), c.rec)
			if err == nil {
				t.Fatalf("want error containing %q, got record %+v", c.want, out)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, c.want)
			}
			if !errors.Is(err, ErrUnroutable) {
				t.Errorf("error does not wrap ErrUnroutable")
			}
		})
	}
}

func TestSchemalessErrors(t *testing.T) {
	mk := func(edit func(after map[string]any)) *connect.Record {
		r := docMap()
		edit(r.Value.(map[string]any)["after"].(map[string]any))
		return r
	}
	cases := []struct {
		name  string
		props map[string]string
		rec   *connect.Record
		want  string
	}{
		{"truncate", nil, &connect.Record{Value: map[string]any{"op": "t"}}, "a truncate (op=t) cannot be routed"},
		{"after not a map", nil, &connect.Record{Value: map[string]any{"op": "c", "after": "x"}}, "found: string (op=c)"},
		{"after null", nil, &connect.Record{Value: map[string]any{"op": "r", "after": nil}}, "Only Struct objects supported for [Read Outbox Event], found: null (op=r)"},
		{"no payload", nil, mk(func(a map[string]any) { delete(a, "payload") }), "Unable to find payload field payload in event"},
		{"no id", nil, mk(func(a map[string]any) { delete(a, "id") }), "Unable to find event-id field id in event"},
		{"no key", nil, mk(func(a map[string]any) { delete(a, "aggregateid") }), "aggregateid is not a valid field name (table.field.event.key)"},
		{"null route", nil, mk(func(a map[string]any) { a["aggregatetype"] = nil }), `route.by.field column "aggregatetype" is null`},
		{"route number", nil, mk(func(a map[string]any) { a["aggregatetype"] = 5.0 }), "Field 'aggregatetype' is not of type STRING (route.by.field; found float64)"},
		{"bad timestamp text", map[string]string{KeyFieldEventTimestamp: "timestamp"}, mk(func(a map[string]any) { a["timestamp"] = "yesterday" }), `timestamp column timestamp is "yesterday": want epoch milliseconds or RFC 3339 text`},
		{"fractional timestamp", map[string]string{KeyFieldEventTimestamp: "timestamp"}, mk(func(a map[string]any) { a["timestamp"] = 1.5 }), "timestamp column timestamp is 1.5 (float64)"},
		{"missing timestamp", map[string]string{KeyFieldEventTimestamp: "ts"}, docMap(), "Unable to find timestamp field ts in event"},
		{"partition text", map[string]string{KeyPlacement: "type:partition"}, docMap(), "partition column type is OrderCreated (string), want an integer partition number"},
		{"missing envelope col", map[string]string{KeyPlacement: "x:envelope"}, docMap(), "Unable to find field x in event"},
		{"missing header col", map[string]string{KeyPlacement: "x:header"}, docMap(), "x is not a valid field name"},
		{"fatal update", map[string]string{KeyOpInvalidBehavior: "fatal"}, &connect.Record{Key: "k", Value: map[string]any{"op": "u"}}, "Unexpected update message received k, fail."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := newRouter(t, c.props, nil).Apply(context.Background(), c.rec)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestTimestamps(t *testing.T) {
	const ms = int64(1772366400123)
	cases := []struct {
		name string
		s    *connect.Schema
		v    any
		want time.Time
	}{
		{"Timestamp", &connect.Schema{Type: connect.Int64, Name: connect.DebeziumTimestamp}, ms, time.UnixMilli(ms)},
		{"MicroTimestamp", &connect.Schema{Type: connect.Int64, Name: connect.DebeziumMicroTimestamp}, ms*1000 + 456, time.UnixMilli(ms)},
		{"NanoTimestamp", &connect.Schema{Type: connect.Int64, Name: connect.DebeziumNanoTimestamp}, ms*1000000 + 456789, time.UnixMilli(ms)},
		{"null falls back to ts_ms", &connect.Schema{Type: connect.Int64, Name: connect.DebeziumMicroTimestamp, Optional: true}, nil, time.UnixMilli(docTsMs)},
	}
	r := newRouter(t, map[string]string{KeyFieldEventTimestamp: "created_at"}, nil)
	for _, c := range cases {
		row := rowSchema(connect.F("created_at", c.s))
		after := docRowValues(row)
		after.Put("created_at", c.v)
		out := apply(t, r, changeEvent(envelopeSchemaFor(row), "c", after))
		if !out.Timestamp.Equal(c.want) {
			t.Errorf("%s: timestamp %v, want %v", c.name, out.Timestamp, c.want)
		}
	}
	// Schemaless: epoch ms, json.Number, RFC 3339.
	r = newRouter(t, map[string]string{KeyFieldEventTimestamp: "timestamp"}, nil)
	for _, v := range []any{int64(ms), float64(ms), "2026-03-01T12:00:00.123Z"} {
		rec := docMap()
		rec.Value.(map[string]any)["after"].(map[string]any)["timestamp"] = v
		out := apply(t, r, rec)
		if !out.Timestamp.Equal(time.UnixMilli(ms)) {
			t.Errorf("schemaless %T %v: timestamp %v", v, v, out.Timestamp)
		}
	}
}

func TestPlacements(t *testing.T) {
	row := rowSchema(connect.F("part", connect.OptionalInt32Schema), connect.F("v", connect.OptionalInt32Schema))
	after := docRowValues(row)
	after.Put("part", int32(3)).Put("v", int32(7))
	rec := changeEvent(envelopeSchemaFor(row), "c", after)

	t.Run("header alias", func(t *testing.T) {
		out := apply(t, newRouter(t, map[string]string{KeyPlacement: "type:header:eventType"}, nil), docRecord())
		if len(out.Headers) != 2 || out.Headers[0].Key != "id" || out.Headers[1].Key != "eventType" || out.Headers[1].Value != "OrderCreated" || out.Headers[1].Schema != connect.StringSchema {
			t.Errorf("headers = %+v", out.Headers)
		}
		if out.Value != docPayload {
			t.Errorf("value changed: %v", out.Value)
		}
	})
	t.Run("envelope alias", func(t *testing.T) {
		out := apply(t, newRouter(t, map[string]string{KeyPlacement: "type:envelope:eventType"}, nil), docRecord())
		st, ok := out.Value.(*connect.Struct)
		if !ok {
			t.Fatalf("value %T, want a Struct", out.Value)
		}
		if out.ValueSchema.Name != "dbserver1.inventory.outboxevent.Order.Value" || out.ValueSchema.Optional {
			t.Errorf("schema %v name %q, want the route spliced in, required", out.ValueSchema, out.ValueSchema.Name)
		}
		if len(st.Values) != 2 || out.ValueSchema.Fields[0].Name != "payload" || out.ValueSchema.Fields[1].Name != "eventType" ||
			st.Values[0] != docPayload || st.Values[1] != "OrderCreated" || out.ValueSchema.Fields[0].Schema != jsonSchema {
			t.Errorf("envelope = %+v %+v", out.ValueSchema.Fields, st.Values)
		}
		if err := st.Validate(); err != nil {
			t.Error(err)
		}
	})
	t.Run("duplicates, whitespace, case, partition, version", func(t *testing.T) {
		r := newRouter(t, map[string]string{
			KeyPlacement:          " type : ENVELOPE : eventType , type:Header, part:partition:ignored, aggregateid:envelope",
			KeyFieldSchemaVersion: "v",
		}, nil)
		out := apply(t, r, rec)
		if out.Partition != 3 {
			t.Errorf("partition = %d, want 3", out.Partition)
		}
		if out.ValueSchema.Version != 7 {
			t.Errorf("version = %d, want 7", out.ValueSchema.Version)
		}
		st := out.Value.(*connect.Struct)
		if got := []any{st.Get("payload"), st.Get("eventType"), st.Get("aggregateid")}; !reflect.DeepEqual(got, []any{docPayload, "OrderCreated", "1"}) {
			t.Errorf("envelope values %v", got)
		}
		if headerValue(out.Headers, "type") != "OrderCreated" {
			t.Errorf("headers %+v", out.Headers)
		}
		// The cached schema is reused for the same route and version...
		again := apply(t, r, rec)
		if again.ValueSchema != out.ValueSchema {
			t.Errorf("envelope schema not cached")
		}
		// ...and not for another route (Debezium's cache bug).
		after2 := after.Clone()
		after2.Put("aggregatetype", "Customer")
		other := apply(t, r, changeEvent(rec.ValueSchema, "c", after2))
		if other.ValueSchema.Name != "dbserver1.inventory.outboxevent.Customer.Value" || other.Topic != "outbox.event.Customer" {
			t.Errorf("second route: schema %q topic %q", other.ValueSchema.Name, other.Topic)
		}
	})
	t.Run("null partition leaves it unassigned", func(t *testing.T) {
		a := after.Clone()
		a.Put("part", nil)
		out := apply(t, newRouter(t, map[string]string{KeyPlacement: "part:partition"}, nil), changeEvent(rec.ValueSchema, "c", a))
		if out.Partition != connect.UnassignedPartition {
			t.Errorf("partition = %d", out.Partition)
		}
	})
	t.Run("missing ignored", func(t *testing.T) {
		for _, props := range []map[string]string{
			{KeyPlacement: "nope:envelope,nope:header,nope:partition,type:envelope", KeyAdditionalMissing: "IGNORE"},
			{KeyPlacement: "nope:envelope,nope:header,nope:partition,type:envelope", KeyLegacyErrorOnMissing: "false"},
		} {
			out := apply(t, newRouter(t, props, nil), docRecord())
			if n := len(out.ValueSchema.Fields); n != 2 || len(out.Headers) != 1 || out.Partition != connect.UnassignedPartition {
				t.Errorf("%v: %d envelope fields, headers %+v", props, n, out.Headers)
			}
		}
	})
	t.Run("schemaless", func(t *testing.T) {
		r := newRouter(t, map[string]string{KeyPlacement: "type:envelope:eventType,type:header:eventType,p:partition"}, nil)
		m := docMap()
		m.Value.(map[string]any)["after"].(map[string]any)["p"] = 2.0
		out := apply(t, r, m)
		want := map[string]any{"payload": docPayload, "eventType": "OrderCreated"}
		if !reflect.DeepEqual(out.Value, want) || headerValue(out.Headers, "eventType") != "OrderCreated" || out.Partition != 2 {
			t.Errorf("got value %v headers %+v partition %d", out.Value, out.Headers, out.Partition)
		}
	})
}

func TestRouting(t *testing.T) {
	cases := []struct {
		props map[string]string
		route string
		want  string
	}{
		{nil, "Order", "outbox.event.Order"},
		{map[string]string{KeyRouteReplacement: "${routedByValue}.events"}, "Order", "Order.events"},
		{map[string]string{KeyRouteTopicRegex: "(.*)Aggregate", KeyRouteReplacement: "events.$1"}, "OrderAggregate", "events.Order"},
		// full match required: no match leaves the raw route value
		{map[string]string{KeyRouteTopicRegex: "Ord", KeyRouteReplacement: "x"}, "Order", "Order"},
		// \$ is a literal dollar
		{map[string]string{KeyRouteReplacement: `\$${routedByValue}`}, "Order", "$Order"},
		{map[string]string{KeyRouteByField: "type"}, "", "outbox.event.OrderCreated"},
	}
	for _, c := range cases {
		r := newRouter(t, c.props, nil)
		rec := docRecord()
		if c.route != "" {
			rec.Value.(*connect.Struct).Get("after").(*connect.Struct).Put("aggregatetype", c.route)
		}
		for i := 0; i < 2; i++ { // second time from the cache
			if out := apply(t, r, rec); out.Topic != c.want {
				t.Errorf("%v route %q: topic %q, want %q", c.props, c.route, out.Topic, c.want)
			}
		}
	}
}

func TestTombstoneOnEmptyPayload(t *testing.T) {
	for _, p := range []any{nil, "", " \t\n", []byte{}} {
		s := jsonSchema
		if _, ok := p.([]byte); ok {
			s = connect.OptionalBytesSchema
		}
		row := rowSchema(connect.F("body", s))
		after := docRowValues(row)
		after.Put("body", p)
		rec := changeEvent(envelopeSchemaFor(row), "c", after)
		props := map[string]string{KeyFieldPayload: "body", KeyTombstoneOnEmpty: "true", KeyPlacement: "type:header"}
		out := apply(t, newRouter(t, props, nil), rec)
		if out.Value != nil || out.ValueSchema != nil || out.Topic != "outbox.event.Order" || out.Key != "1" || headerValue(out.Headers, "id") != docID || headerValue(out.Headers, "type") != "OrderCreated" {
			t.Errorf("payload %q: got %+v, want a tombstone with key, topic and headers", p, out)
		}
		props[KeyTombstoneOnEmpty] = "false"
		out = apply(t, newRouter(t, props, nil), rec)
		if out.ValueSchema != s || !reflect.DeepEqual(out.Value, p) {
			t.Errorf("payload %q without the option: value %v schema %v", p, out.Value, out.ValueSchema)
		}
	}
	// A non-blank payload is not a tombstone.
	out := apply(t, newRouter(t, map[string]string{KeyTombstoneOnEmpty: "true"}, nil), docRecord())
	if out.Value != docPayload {
		t.Errorf("value %v", out.Value)
	}
	// Schemaless too.
	m := docMap()
	m.Value.(map[string]any)["after"].(map[string]any)["payload"] = "  "
	out = apply(t, newRouter(t, map[string]string{KeyTombstoneOnEmpty: "true"}, nil), m)
	if out.Value != nil || out.Key != "1" {
		t.Errorf("schemaless: %+v", out)
	}
}

func TestHeadersKeptAndKeyFallback(t *testing.T) {
	rec := docRecord()
	rec.Headers = connect.Headers{{Key: "__debezium.context.connectorName", Value: "c"}, {Key: "id", Value: "old"}}
	out := apply(t, newRouter(t, nil, nil), rec)
	if len(out.Headers) != 3 || out.Headers[0].Key != "__debezium.context.connectorName" || out.Headers[1].Value != "old" || out.Headers[2].Value != docID {
		t.Errorf("headers = %+v, want the input headers then id (twice, as Debezium)", out.Headers)
	}
	if len(rec.Headers) != 2 {
		t.Errorf("input headers changed")
	}
	// Legacy table.field.event.payload.id: the key column when the key is unset...
	out = apply(t, newRouter(t, map[string]string{KeyLegacyPayloadID: "type"}, nil), docRecord())
	if out.Key != "OrderCreated" {
		t.Errorf("legacy payload.id: key %v", out.Key)
	}
	// ...and the fallback when the key column is null.
	row := rowSchema(connect.F("k", connect.OptionalStringSchema))
	after := docRowValues(row)
	out = apply(t, newRouter(t, map[string]string{KeyFieldEventKey: "k", KeyLegacyPayloadID: "aggregateid"}, nil), changeEvent(envelopeSchemaFor(row), "c", after))
	if out.Key != "1" {
		t.Errorf("legacy fallback: key %v", out.Key)
	}
	// Any key type: an INT64 column keeps its schema.
	out = apply(t, newRouter(t, map[string]string{KeyFieldEventKey: "timestamp"}, nil), docRecord())
	if out.Key != int64(1556890294344) || out.KeySchema != connect.Int64Schema {
		t.Errorf("int key %v %v", out.Key, out.KeySchema)
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		props map[string]string
		want  []string
	}{
		{map[string]string{KeyPlacement: "type:body"}, []string{`table.fields.additional.placement="type:body": item "type:body": unknown placement "body", expected header, envelope or partition`}},
		{map[string]string{KeyPlacement: "type::x"}, []string{`unknown placement ""`}},
		{map[string]string{KeyPlacement: "type"}, []string{"A comma-separated list of valid String pairs or trios is expected but got: [type]"}},
		{map[string]string{KeyPlacement: "a:header:b:c"}, []string{"A comma-separated list of valid String pairs or trios is expected"}},
		{map[string]string{KeyPlacement: "a:header,,b:header"}, []string{"A comma-separated list"}},
		{map[string]string{KeyPlacement: "a:envelope:x,b:envelope:x"}, []string{`two envelope placements use the field name "x"`}},
		{map[string]string{KeyPlacement: "a:envelope:payload"}, []string{`envelope alias "payload" clashes`}},
		{map[string]string{KeyOpInvalidBehavior: "explode", KeyAdditionalMissing: "maybe"}, []string{"table.field.additional.missing=\"maybe\": must be one of error, ignore", "table.op.invalid.behavior=\"explode\": must be one of warn, error, fatal"}},
		{map[string]string{KeyJSONNullBehavior: "x", KeyJSONEmptyArray: "y", KeyFieldNameAdjustment: "z"}, []string{"must be one of ignore, optional_bytes", "must be one of ignore, optional_string", "must be one of none, avro, avro_unicode"}},
		{map[string]string{KeyLegacyErrorOnMissing: "false", KeyAdditionalMissing: "error"}, []string{"table.fields.additional.error.on.missing=\"false\": contradicts table.field.additional.missing=error"}},
		{map[string]string{KeyLegacyOpInvalid: "fatal", KeyOpInvalidBehavior: "warn"}, []string{"contradicts table.op.invalid.behavior=warn"}},
		{map[string]string{KeyRouteTopicRegex: "(?=x)"}, []string{"route.topic.regex"}},
		{map[string]string{KeyRouteReplacement: "outbox.$2"}, []string{"route.topic.replacement", "No group 2"}},
		{map[string]string{KeyRouteReplacement: "${nope}"}, []string{"No group with name {nope}"}},
		{map[string]string{"route.topic.regexp": "x"}, []string{`unknown configuration key (did you mean "route.topic.regex"?)`}},
		{map[string]string{KeyTombstoneOnEmpty: "yes"}, []string{"expected a boolean"}},
		{map[string]string{KeyFieldPayload: " "}, []string{"table.field.event.payload: must name a column"}},
		{map[string]string{KeyFieldSchemaVersion: "v"}, []string{`table.field.event.schema.version="v": has no effect without an envelope placement`}},
		{map[string]string{KeyFieldSchemaVersion: "v", KeyPlacement: "type:header"}, []string{"has no effect without an envelope placement"}},
		{map[string]string{KeyJSONNullBehavior: "optional_bytes", KeyFieldNameAdjustment: "avro"}, []string{
			`table.json.payload.null.behavior="optional_bytes": applies only to JSON payload expansion`, `field.name.adjustment.mode="avro": applies only to JSON payload expansion`}},
	}
	for _, c := range cases {
		_, err := build(c.props, nil)
		if err == nil {
			t.Errorf("%v: no error", c.props)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error\n  %v\nwant it to contain\n  %s", c.props, err, w)
			}
		}
	}
}

func TestDeprecatedKeysWarn(t *testing.T) {
	var log bytes.Buffer
	newRouter(t, map[string]string{KeyLegacyErrorOnMissing: "true", KeyLegacyOpInvalid: "warn", KeyLegacyPayloadID: "aggregateid"}, &log)
	for _, w := range []string{"key=table.fields.additional.error.on.missing replacement=table.field.additional.missing",
		"key=debezium.op.invalid.behavior replacement=table.op.invalid.behavior", "key=table.field.event.payload.id replacement=table.field.event.key"} {
		if !strings.Contains(log.String(), w) {
			t.Errorf("log lacks %q:\n%s", w, log.String())
		}
	}
}

// TestEventTypeKeyWarns: table.field.event.type has no effect (as in
// Debezium), so setting it must say so and must not change the output.
func TestEventTypeKeyWarns(t *testing.T) {
	var log bytes.Buffer
	r := newRouter(t, map[string]string{KeyFieldEventType: "eventtype"}, &log)
	if !strings.Contains(log.String(), "key=table.field.event.type") || !strings.Contains(log.String(), "has no effect") {
		t.Errorf("log lacks the no-effect warning:\n%s", log.String())
	}
	out := apply(t, r, docRecord())
	if len(out.Headers) != 1 || out.Headers[0].Key != "id" || out.Topic != "outbox.event.Order" {
		t.Errorf("table.field.event.type changed the output: topic %q headers %+v", out.Topic, out.Headers)
	}
	log.Reset()
	newRouter(t, nil, &log)
	if strings.Contains(log.String(), "table.field.event.type") {
		t.Errorf("warned without the key set:\n%s", log.String())
	}
}

func TestRegister(t *testing.T) {
	reg := connect.NewRegistry()
	Register(reg)
	for _, n := range []string{"io.debezium.transforms.outbox.EventRouter", "EventRouter", "outbox.EventRouter", "eventrouter"} {
		p, err := reg.Lookup(connect.KindTransform, n)
		if err != nil || p.Name != "EventRouter" {
			t.Errorf("lookup %q: %v", n, err)
			continue
		}
		cfg, err := p.Config.Parse(map[string]string{KeyPlacement: "type:header:eventType"})
		if err != nil {
			t.Fatal(err)
		}
		tr, err := p.NewTransform(cfg)
		if err != nil {
			t.Fatal(err)
		}
		out, err := tr.Apply(context.Background(), docRecord())
		if err != nil || headerValue(out.Headers, "eventType") != "OrderCreated" {
			t.Errorf("via registry: %v %v", out, err)
		}
	}
}

func TestOracleColumnDefaults(t *testing.T) {
	row := connect.StructOf("server1.DEBEZIUM.OUTBOX.Value", true,
		connect.F("ID", connect.StringSchema), connect.F("AGGREGATETYPE", connect.StringSchema),
		connect.F("AGGREGATEID", connect.StringSchema), connect.F("PAYLOAD", connect.OptionalStringSchema))
	source := connect.StructOf("io.debezium.connector.oracle.Source", false, connect.F("connector", connect.StringSchema))
	env := connect.StructOf("server1.DEBEZIUM.OUTBOX.Envelope", false, connect.F("after", row), connect.F("source", source), connect.F("op", connect.StringSchema))
	after := connect.NewStruct(row).Put("ID", "e1").Put("AGGREGATETYPE", "Customer").Put("AGGREGATEID", "7").Put("PAYLOAD", "{}")
	rec := &connect.Record{Topic: "t", ValueSchema: env, Value: connect.NewStruct(env).Put("after", after).Put("source", connect.NewStruct(source).Put("connector", "oracle")).Put("op", "c")}
	out := apply(t, newRouter(t, nil, nil), rec)
	if out.Topic != "outbox.event.Customer" || out.Key != "7" || out.Value != "{}" || headerValue(out.Headers, "id") != "e1" {
		t.Errorf("oracle defaults: %+v", out)
	}
	// Explicit keys win over the Oracle defaults.
	_, err := newRouter(t, map[string]string{KeyFieldPayload: "BODY"}, nil).Apply(context.Background(), rec)
	if err == nil || !strings.Contains(err.Error(), "Unable to find payload field BODY in event") {
		t.Errorf("explicit key: %v", err)
	}
	// Schemaless Oracle events too.
	m := &connect.Record{Value: map[string]any{"op": "c", "source": map[string]any{"connector": "oracle"},
		"after": map[string]any{"ID": "e1", "AGGREGATETYPE": "Customer", "AGGREGATEID": "7", "PAYLOAD": "{}"}}}
	if out := apply(t, newRouter(t, nil, nil), m); out.Topic != "outbox.event.Customer" || out.Key != "7" {
		t.Errorf("schemaless oracle: %+v", out)
	}
}

// TestPlanCacheIsBounded: a new *Schema per record (a converter without a
// schema cache) must not grow the plan cache without end.
func TestPlanCacheIsBounded(t *testing.T) {
	r := newRouter(t, nil, nil)
	for i := 0; i < maxPlans+50; i++ {
		row := rowSchema()
		out := apply(t, r, changeEvent(envelopeSchemaFor(row), "c", docRowValues(row)))
		if out.Topic != "outbox.event.Order" {
			t.Fatalf("record %d: topic %q", i, out.Topic)
		}
	}
	n := 0
	r.plans.Range(func(any, any) bool { n++; return true })
	if n > maxPlans || r.nplans.Load() > maxPlans {
		t.Errorf("%d plans cached (counter %d), bound %d", n, r.nplans.Load(), maxPlans)
	}
}

func TestMalformedKeysDoNotPanic(t *testing.T) {
	r := newRouter(t, map[string]string{KeyOpInvalidBehavior: "fatal"}, nil)
	for _, k := range []any{(*connect.Struct)(nil), &connect.Struct{Values: []any{1}}, &connect.Struct{Schema: docRow}} {
		rec := changeEvent(docEnvelope, "u", docRowValues(docRow))
		rec.Key = k
		if _, err := r.Apply(context.Background(), rec); err == nil || !strings.Contains(err.Error(), "Unexpected update message received") {
			t.Errorf("key %#v: %v", k, err)
		}
	}
}
