package transforms

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/inletdev/inlet/connect"
)

// benchConfigs lists a working configuration for every transform.
var allConfigs = map[string]map[string]string{
	"Cast$Value":               {"spec": "id:string,qty:int64,ts:string"},
	"Cast$Key":                 {"spec": "string"},
	"DropHeaders":              {"headers": "h1"},
	"ExtractField$Value":       {"field": "nested.a", "field.syntax.version": "V2"},
	"Filter":                   nil,
	"Flatten$Value":            nil,
	"HeaderFrom$Value":         {"fields": "id", "headers": "x-id", "operation": "move"},
	"HoistField$Value":         {"field": "row"},
	"InsertField$Value":        {"topic.field": "topic", "timestamp.field": "when", "static.field": "s", "static.value": "v"},
	"InsertHeader":             {"header": "v", "value.literal": "[1,2]"},
	"MaskField$Value":          {"fields": "id,name,ts,nested"},
	"RegexRouter":              {"regex": "(.*)", "replacement": "x$1"},
	"ReplaceField$Value":       {"exclude": "ts", "renames": "id:order_id"},
	"SetSchemaMetadata$Value":  {"schema.name": "x"},
	"TimestampConverter$Value": {"field": "ts", "target.type": "string", "format": "yyyy"},
	"TimestampRouter":          nil,
	"ValueToKey":               {"fields": "id,nested"},
}

// TestNoPanicOnMalformedInput feeds every transform values that break the
// connect contract (a typed nil *Struct, a Struct without a schema or with
// too few values, values of the wrong Go type): each must return a record
// or an error, never panic.
func TestNoPanicOnMalformedInput(t *testing.T) {
	short := &connect.Struct{Schema: valueSchema, Values: []any{int64(1)}}
	noSchema := &connect.Struct{Values: []any{1}}
	wrongTypes := &connect.Struct{Schema: valueSchema, Values: []any{"x", 3, "q", "not a time", "not a struct"}}
	values := []struct {
		s *connect.Schema
		v any
	}{
		{valueSchema, (*connect.Struct)(nil)},
		{valueSchema, short},
		{valueSchema, noSchema},
		{valueSchema, wrongTypes},
		{valueSchema, map[string]any{"id": 1}},
		{nil, short},
		{nil, map[string]any{"id": struct{}{}, "ts": "x", "nested": 7}},
		{nil, []any{1, 2}},
		{connect.StringSchema, int64(3)},
	}
	for name, props := range allConfigs {
		tr := build(t, name, props)
		for i, in := range values {
			r := &connect.Record{Topic: "t", KeySchema: in.s, Key: in.v, ValueSchema: in.s, Value: in.v, Timestamp: ts0}
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("%s on input %d panicked: %v", name, i, p)
					}
				}()
				_, _ = tr.Apply(context.Background(), r)
			}()
		}
	}
}

// FuzzSchemaless feeds random JSON values (as a key and value, schemaless)
// to every transform: each must return a record or an error, never panic.
func FuzzSchemaless(f *testing.F) {
	for _, s := range []string{`{"id":1,"name":"x","ts":"2024","nested":{"a":{"b":[1,{"c":null}]}}}`, `null`, `[1,2]`, `"s"`, `{"id":{"x":1}}`, `{"ts":1.5e300}`} {
		f.Add([]byte(s))
	}
	trs := map[string]connect.Transformation{}
	for name, props := range allConfigs {
		trs[name] = build(f, name, props)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		dec := json.NewDecoder(bytes.NewReader(data))
		if dec.Decode(&v) != nil {
			return
		}
		r := &connect.Record{Topic: "t", Key: v, Value: v, Timestamp: ts0, Headers: connect.Headers{{Key: "h1", Value: v}}}
		for name, tr := range trs {
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("%s panicked on %s: %v", name, data, p)
					}
				}()
				_, _ = tr.Apply(context.Background(), r)
			}()
		}
	})
}
