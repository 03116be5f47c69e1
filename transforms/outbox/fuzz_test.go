package outbox

import (
	"context"
	"testing"

	"github.com/inletdev/inlet/connect"
)

// fuzzRouters cover the option combinations with the most code behind them.
func fuzzRouters(t *testing.T) []*Router {
	return []*Router{
		newRouter(t, nil, nil),
		newRouter(t, map[string]string{KeyExpandJSON: "true", KeyPlacement: "type:envelope:eventType,type:header,p:partition,x:header",
			KeyAdditionalMissing: "ignore", KeyTombstoneOnEmpty: "true", KeyFieldSchemaVersion: "v", KeyJSONNullBehavior: "optional_bytes",
			KeyJSONEmptyArray: "optional_string", KeyFieldNameAdjustment: "avro_unicode", KeyTracingContextOnly: "false"}, nil),
		newRouter(t, map[string]string{KeyFieldEventTimestamp: "created_at", KeyPlacement: "p:partition", KeyRouteTopicRegex: "(?<routedByValue>[a-z]+)(.*)",
			KeyRouteReplacement: "t.${routedByValue}.$2", KeyOpInvalidBehavior: "fatal"}, nil),
	}
}

// FuzzRouterSchemaless feeds random JSON change events (JsonConverter with
// schemas.enable=false) to the EventRouter: no panic, and the input record
// is never changed.
func FuzzRouterSchemaless(f *testing.F) {
	f.Add([]byte(`{"op":"c","ts_ms":1,"after":{"id":"1","aggregateid":"k","aggregatetype":"Order","type":"T","payload":"{\"a\":[1,{\"b\":null}]}","p":3,"v":2,"created_at":"2026-01-01T00:00:00Z","tracingspancontext":"traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}`))
	f.Add([]byte(`{"op":"u","after":{"payload":"  "}}`))
	f.Add([]byte(`{"op":"t"}`))
	f.Add([]byte(`{"op":"c","after":{"id":1,"aggregateid":null,"aggregatetype":"x","payload":"[[],[1,2.5]]","p":1e30,"created_at":1.5e300}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := connect.ParseJSON(data)
		if err != nil {
			return
		}
		rec := &connect.Record{Topic: "in", Value: v, Headers: connect.Headers{{Key: "h", Value: "1"}}}
		for _, r := range fuzzRouters(t) {
			out, err := r.Apply(context.Background(), rec)
			if err == nil && out != nil && out != rec && out.Topic == "" {
				t.Errorf("routed to an empty topic from %s", data)
			}
			if rec.Topic != "in" || len(rec.Headers) != 1 {
				t.Fatalf("input record changed")
			}
		}
	})
}

// FuzzRouterSchemad feeds random values into a schema'd outbox row.
func FuzzRouterSchemad(f *testing.F) {
	f.Add("c", "Order", `{"a":1}`, "traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", int64(1772366400123456), int32(2), true)
	f.Add("u", "", " ", "", int64(0), int32(-1), false)
	f.Add("r", "a.b", `{"x":[{"y":1},{"y":"z"}],"n":null,"e":[]}`, "#\n", int64(-5), int32(0), true)
	f.Fuzz(func(t *testing.T, op, route, payload, tctx string, ts int64, part int32, nulls bool) {
		row := rowSchema(connect.F("created_at", &connect.Schema{Type: connect.Int64, Name: connect.DebeziumMicroTimestamp, Optional: true}),
			connect.F("p", connect.OptionalInt32Schema), connect.F("v", connect.OptionalInt32Schema),
			connect.F("tracingspancontext", connect.OptionalStringSchema))
		after := docRowValues(row)
		after.Put("aggregatetype", route).Put("payload", payload).Put("created_at", ts).Put("p", part).Put("v", part).Put("tracingspancontext", tctx)
		if nulls {
			after.Put("aggregatetype", nil).Put("created_at", nil).Put("p", nil).Put("tracingspancontext", nil)
		}
		rec := changeEvent(envelopeSchemaFor(row), op, after)
		for _, r := range fuzzRouters(t) {
			out, err := r.Apply(context.Background(), rec)
			if err == nil && out != nil && out.ValueSchema != nil && out.ValueSchema.Type == connect.StructType {
				if st, ok := out.Value.(*connect.Struct); ok && len(st.Values) != len(st.Schema.Fields) {
					t.Fatalf("struct with %d values for %d fields", len(st.Values), len(st.Schema.Fields))
				}
			}
		}
	})
}

// FuzzParseProperties: the tracing column parser never panics.
func FuzzParseProperties(f *testing.F) {
	f.Add("a=1\\\n b\\u00\\")
	f.Fuzz(func(t *testing.T, s string) {
		parseProperties(s)
		normalizeTraceparent(s)
	})
}

// FuzzRouterStructShapes drives odd but possible Connect data through the
// schema'd path: values of the wrong Go type for their schema, short value
// slices, nil Structs and schemas. Any of it may be an error; none of it
// may panic.
func FuzzRouterStructShapes(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add([]byte{255, 7, 3, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		next := func() byte {
			if len(b) == 0 {
				return 0
			}
			c := b[0]
			b = b[1:]
			return c
		}
		odd := []any{nil, "x", "", int64(5), int32(-1), []byte{}, 1.5, true, (*connect.Struct)(nil), &connect.Struct{}, map[string]any{"a": 1}}
		row := rowSchema(connect.F("p", connect.OptionalInt32Schema), connect.F("created_at", &connect.Schema{Type: connect.Int64, Name: connect.DebeziumNanoTimestamp, Optional: true}))
		after := docRowValues(row)
		after.Put("p", int32(1)).Put("created_at", int64(1))
		for i := range after.Values {
			if c := next(); c%3 == 0 {
				after.Values[i] = odd[int(c/3)%len(odd)]
			}
		}
		rec := changeEvent(envelopeSchemaFor(row), []string{"c", "r", "u", "d", "t", "", "x"}[int(next())%7], after)
		env := rec.Value.(*connect.Struct)
		switch next() % 6 {
		case 0:
			after.Values = after.Values[:int(next())%len(after.Values)]
		case 1:
			env.Values = env.Values[:int(next())%len(env.Values)]
		case 2:
			after.Schema = nil
		case 3:
			env.Put("source", &connect.Struct{Schema: env.Schema.Fields[2].Schema})
		case 4:
			env.Put("after", odd[int(next())%len(odd)])
		}
		if next()%2 == 0 {
			rec.Key = odd[int(next())%len(odd)]
		}
		for _, r := range fuzzRouters(t) {
			r.Apply(context.Background(), rec)
		}
	})
}
