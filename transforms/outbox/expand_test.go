package outbox

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/inletdev/inlet/connect"
)

// render prints an expanded value as JSON with its schema's field order, so
// tests compare both the shape and the order.
func render(t *testing.T, s *connect.Schema, v any) string {
	t.Helper()
	var b strings.Builder
	var walk func(s *connect.Schema, v any)
	walk = func(s *connect.Schema, v any) {
		switch x := v.(type) {
		case *connect.Struct:
			b.WriteByte('{')
			for i, f := range x.Schema.Fields {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`"` + f.Name + `":`)
				walk(f.Schema, x.Values[i])
			}
			b.WriteByte('}')
		case []any:
			b.WriteByte('[')
			for i, e := range x {
				if i > 0 {
					b.WriteByte(',')
				}
				walk(s.Value, e)
			}
			b.WriteByte(']')
		default:
			j, _ := json.Marshal(x)
			b.Write(j)
		}
	}
	walk(s, v)
	return b.String()
}

func schemaText(s *connect.Schema) string {
	switch s.Type {
	case connect.StructType:
		parts := make([]string, len(s.Fields))
		for i, f := range s.Fields {
			parts[i] = f.Name + ":" + schemaText(f.Schema)
		}
		return s.Name + "{" + strings.Join(parts, ",") + "}"
	case connect.Array:
		return "[" + schemaText(s.Value) + "]"
	}
	return s.Type.String()
}

func TestExpansion(t *testing.T) {
	cases := []struct {
		name   string
		props  map[string]string
		json   string
		schema string
		value  string
	}{
		{"reference example", nil, `{"items": 2, "total": 49.90}`, "payload{items:int32,total:double}", `{"items":2,"total":49.9}`},
		{"number typing", nil, `{"a":2147483647,"b":2147483648,"c":1e2,"d":-1}`, "payload{a:int32,b:int64,c:double,d:int32}", `{"a":2147483647,"b":2147483648,"c":100,"d":-1}`},
		{"nested object keys", nil, `{"address":{"city":"X","geo":{"lat":1.5}},"ok":true}`, "payload{address:payload.address{city:string,geo:payload.address.geo{lat:double}},ok:boolean}", `{"address":{"city":"X","geo":{"lat":1.5}},"ok":true}`},
		{"null ignored", nil, `{"a":null,"b":"x"}`, "payload{b:string}", `{"b":"x"}`},
		{"null as bytes", map[string]string{KeyJSONNullBehavior: "optional_bytes"}, `{"a":null,"b":"x"}`, "payload{a:bytes,b:string}", `{"a":null,"b":"x"}`},
		{"empty array ignored", nil, `{"a":[],"b":1}`, "payload{b:int32}", `{"b":1}`},
		{"empty array as strings", map[string]string{KeyJSONEmptyArray: "optional_string"}, `{"a":[],"b":1}`, "payload{a:[string],b:int32}", `{"a":[],"b":1}`},
		{"array of scalars with nulls", nil, `{"a":[null,1,2]}`, "payload{a:[int32]}", `{"a":[null,1,2]}`},
		{"object array merged in document order", nil, `{"items":[{"id":1,"n":null},{"id":2,"sku":"x","n":"y"}]}`,
			"payload{items:[payload.items{id:int32,sku:string,n:string}]}", `{"items":[{"id":1,"sku":null,"n":null},{"id":2,"sku":"x","n":"y"}]}`},
		{"null field gives way to a real type", map[string]string{KeyJSONNullBehavior: "optional_bytes"}, `{"items":[{"n":null},{"n":"y"}]}`,
			"payload{items:[payload.items{n:string}]}", `{"items":[{"n":null},{"n":"y"}]}`},
		{"nested arrays", nil, `{"m":[[1,2],[],[3]]}`, "payload{m:[[int32]]}", `{"m":[[1,2],[],[3]]}`},
		{"duplicate members: last value, first position", nil, `{"a":1,"b":2,"a":3}`, "payload{a:int32,b:int32}", `{"a":3,"b":2}`},
		{"avro names keep their data", map[string]string{KeyFieldNameAdjustment: "avro"}, `{"first-name":"A","1st":1,"ok":true}`, "payload{first_name:string,_st:int32,ok:boolean}", `{"first_name":"A","_st":1,"ok":true}`},
		{"avro_unicode names", map[string]string{KeyFieldNameAdjustment: "avro_unicode"}, `{"a-b":1}`, "payload{a_u002db:int32}", `{"a_u002db":1}`},
		{"avro duplicate after adjustment: first wins", map[string]string{KeyFieldNameAdjustment: "avro"}, `{"a-b":1,"a_b":2}`, "payload{a_b:int32}", `{"a_b":1}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			props := map[string]string{KeyExpandJSON: "true"}
			for k, v := range c.props {
				props[k] = v
			}
			rec := docRecord()
			rec.Value.(*connect.Struct).Get("after").(*connect.Struct).Put("payload", c.json)
			out := apply(t, newRouter(t, props, nil), rec)
			if out.ValueSchema.Type != connect.StructType || !out.ValueSchema.Optional {
				t.Fatalf("value schema %v, want an optional struct (value %v)", out.ValueSchema, out.Value)
			}
			if got := schemaText(out.ValueSchema); got != c.schema {
				t.Errorf("schema\n  %s\nwant\n  %s", got, c.schema)
			}
			if got := render(t, out.ValueSchema, out.Value); got != c.value {
				t.Errorf("value\n  %s\nwant\n  %s", got, c.value)
			}
		})
	}
}

func TestExpansionFailuresKeepTheString(t *testing.T) {
	cases := []struct{ json, want string }{
		{` {"a":1}`, "Unable to parse payload starting with ' '"},
		{`"text"`, `Unable to parse payload starting with '\"'`},
		{`[1,2]`, "the payload is a JSON array"},
		{`{"a":[1,"x"]}`, "Field is not a homogenous array (1 x STRING) at payload.a"},
		{`{"a":[1,2.0]}`, "Field is not a homogenous array (1 x 2.0), different number types (Schema{INT32} x Schema{FLOAT64}) at payload.a"},
		{`{"a":[null,null]}`, "Array 'payload.a' has unrecognized member schema."},
		{`{"a":123456789012345678901234}`, "integer 123456789012345678901234 at payload.a does not fit in 64 bits"},
		{`{"a":1} trailing`, "unexpected content after the JSON value"},
		{`{"a":`, "unexpected EOF"},
		{`{"a":[{"x":1},{"x":"s"}]}`, "payload.a.x has types INT32 and STRING"},
	}
	for _, c := range cases {
		var log bytes.Buffer
		r := newRouter(t, map[string]string{KeyExpandJSON: "true"}, &log)
		rec := docRecord()
		rec.Value.(*connect.Struct).Get("after").(*connect.Struct).Put("payload", c.json)
		out := apply(t, r, rec)
		if out.Value != c.json || out.ValueSchema != jsonSchema {
			t.Errorf("%s: value %v (%v), want the original string", c.json, out.Value, out.ValueSchema)
		}
		if !strings.Contains(log.String(), `level=WARN msg="JSON expansion failed"`) || !strings.Contains(log.String(), c.want) {
			t.Errorf("%s: log\n%s\nwant %q", c.json, log.String(), c.want)
		}
	}
	// A non-string payload: Debezium's warning, the value unchanged.
	var log bytes.Buffer
	row := rowSchema(connect.F("body", connect.OptionalBytesSchema))
	after := docRowValues(row)
	after.Put("body", []byte("{}"))
	out := apply(t, newRouter(t, map[string]string{KeyExpandJSON: "true", KeyFieldPayload: "body"}, &log), changeEvent(envelopeSchemaFor(row), "c", after))
	if !bytes.Equal(out.Value.([]byte), []byte("{}")) || !strings.Contains(log.String(), "Expand JSON payload is turned on but payload is not a string in Struct{id=") {
		t.Errorf("bytes payload: %v, log %s", out.Value, log.String())
	}
}

func TestExpansionWithEnvelope(t *testing.T) {
	rec := docRecord()
	rec.Value.(*connect.Struct).Get("after").(*connect.Struct).Put("payload", `{"a":1}`)
	out := apply(t, newRouter(t, map[string]string{KeyExpandJSON: "true", KeyPlacement: "type:envelope:eventType"}, nil), rec)
	if got := schemaText(out.ValueSchema); got != "dbserver1.inventory.outboxevent.Order.Value{payload:payload{a:int32},eventType:string}" {
		t.Errorf("schema %s", got)
	}
}

func TestSchemalessExpansion(t *testing.T) {
	rec := docMap()
	out := apply(t, newRouter(t, map[string]string{KeyExpandJSON: "true"}, nil), rec)
	want := map[string]any{"id": int64(1), "orderDate": "2019-01-31T12:13:01", "customerId": int64(123), "lineItems": []any{
		map[string]any{"id": int64(1), "item": "Debezium in Action", "status": "ENTERED", "quantity": int64(2), "totalPrice": 39.98},
		map[string]any{"id": int64(2), "item": "Debezium for Dummies", "status": "ENTERED", "quantity": int64(1), "totalPrice": 29.99},
	}}
	if !reflect.DeepEqual(out.Value, want) {
		t.Errorf("value %#v", out.Value)
	}
	// Top-level arrays, nulls and big integers are fine without a schema.
	rec = docMap()
	rec.Value.(map[string]any)["after"].(map[string]any)["payload"] = `[1,null,123456789012345678901234]`
	out = apply(t, newRouter(t, map[string]string{KeyExpandJSON: "true"}, nil), rec)
	if want := []any{int64(1), nil, json.Number("123456789012345678901234")}; !reflect.DeepEqual(out.Value, want) {
		t.Errorf("value %#v", out.Value)
	}
}
