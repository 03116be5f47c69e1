package eventpattern

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/inletdev/inlet/connect"
)

func newFilter(t testing.TB, props map[string]string) connect.Transformation {
	t.Helper()
	reg := connect.NewRegistry()
	Register(reg)
	p, err := reg.Lookup(connect.KindTransform, "EventPatternFilter")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := p.Config.Parse(props)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := p.NewTransform(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestFilterOnCloudEventsView(t *testing.T) {
	ctx := connect.WithEventContext(context.Background(), connect.EventContext{Pipeline: "orders", Connector: "dts", Source: "acs.dts"})
	f := newFilter(t, map[string]string{KeyPattern: `{"source":["acs.dts"],"subject":[{"prefix":"shop."}],"data":{"operation":["INSERT"],"amount":[{"numeric":[">=",100]}]}}`})

	derived := func(topic string, value any) *connect.Record {
		return &connect.Record{Topic: topic, Value: value, Partition: 0}
	}
	rowSchema := connect.StructOf("row", false, connect.F("operation", connect.StringSchema), connect.F("amount", connect.Int64Schema))
	cases := []struct {
		name string
		rec  *connect.Record
		keep bool
	}{
		{"schemaless match", derived("shop.orders", map[string]any{"operation": "INSERT", "amount": int64(120)}), true},
		{"schemaless wrong op", derived("shop.orders", map[string]any{"operation": "DELETE", "amount": int64(120)}), false},
		{"schemaless small amount", derived("shop.orders", map[string]any{"operation": "INSERT", "amount": 99.5}), false},
		{"wrong subject", derived("other.orders", map[string]any{"operation": "INSERT", "amount": int64(120)}), false},
		{"struct value", &connect.Record{Topic: "shop.o", ValueSchema: rowSchema, Value: connect.NewStruct(rowSchema).Put("operation", "INSERT").Put("amount", int64(100))}, true},
		{"JSON bytes value", derived("shop.o", []byte(`{"operation":"INSERT","amount":100.0}`)), true},
		{"amount as a string is not a number", derived("shop.o", map[string]any{"operation": "INSERT", "amount": "120"}), false},
		{"tombstone has no data", derived("shop.o", nil), false},
		{"structured mode", &connect.Record{Topic: "x", Headers: connect.Headers{{Key: "content-type", Value: "application/cloudevents+json; charset=utf-8"}},
			Value: []byte(`{"specversion":"1.0","id":"9","source":"acs.dts","type":"t","subject":"shop.x","data":{"operation":"INSERT","amount":500}}`)}, true},
		{"binary mode", &connect.Record{Topic: "x", Headers: connect.Headers{{Key: "ce_specversion", Value: "1.0"}, {Key: "ce_source", Value: "acs.dts"}, {Key: "ce_subject", Value: []byte("shop.y")}},
			Value: []byte(`{"operation":"INSERT","amount":100}`)}, true},
		{"binary mode other source", &connect.Record{Topic: "x", Headers: connect.Headers{{Key: "ce_specversion", Value: "1.0"}, {Key: "ce_source", Value: "other"}, {Key: "ce_subject", Value: "shop.y"}},
			Value: []byte(`{"operation":"INSERT","amount":100}`)}, false},
	}
	for _, c := range cases {
		out, err := f.Apply(ctx, c.rec)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if (out != nil) != c.keep || out != nil && out != c.rec {
			t.Errorf("%s: kept = %v, want %v", c.name, out != nil, c.keep)
		}
	}

	// A structured-mode record whose value is not an event is an error, not a silent drop.
	bad := &connect.Record{Topic: "x", Headers: connect.Headers{{Key: "content-type", Value: "application/cloudevents+json"}}, Value: []byte("[1]")}
	if _, err := f.Apply(ctx, bad); err == nil || !strings.HasPrefix(err.Error(), "eventpattern: connect: structured-mode CloudEvent") {
		t.Errorf("err = %v", err)
	}
}

func TestFilterDerivedAttributes(t *testing.T) {
	ctx := connect.WithEventContext(context.Background(), connect.EventContext{Pipeline: "p1", Connector: "postgres"})
	f := newFilter(t, map[string]string{KeyPattern: `{"source":["inlet/p1"],"type":["inlet:postgres"],"id":["orders-2-42"]}`})
	rec := &connect.Record{Topic: "orders", Value: "x", Origin: connect.Origin{Topic: "orders", Partition: 2, Offset: 42}}
	if out, err := f.Apply(ctx, rec); err != nil || out == nil {
		t.Errorf("derived attributes: %v %v", out, err)
	}
}

func TestFilterConfigErrors(t *testing.T) {
	reg := connect.NewRegistry()
	Register(reg)
	p, _ := reg.Lookup(connect.KindTransform, "eventpatternfilter")
	for props, want := range map[string]string{
		`{"data":{"a":[{"prefix":""}]}}`: `pattern="{\"data\":{\"a\":[{\"prefix\":\"\"}]}}": Event pattern is not valid, reason: EMPTY_PREFIX_CONDITION at data.a[0].prefix: prefix must not be empty`,
		`{"source":[`:                    "Event pattern is not valid, reason: INVALID_JSON_STRING",
	} {
		_, err := p.Config.Parse(map[string]string{KeyPattern: props})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", props, err, want)
		}
	}
	if _, err := p.Config.Parse(map[string]string{}); err == nil || !strings.Contains(err.Error(), "pattern: missing required configuration") {
		t.Errorf("missing pattern: %v", err)
	}
	if _, err := p.Config.Parse(map[string]string{KeyPattern: `{"myext":["a"]}`, KeyExtensions: "myext, other"}); err != nil {
		t.Errorf("extensions: %v", err)
	}
}

// TestPatternFromJSONNumbersOnly guards the number-text rule: the view
// must carry json.Number, never float64, for exact matching.
func TestPatternFromJSONNumbersOnly(t *testing.T) {
	rec := &connect.Record{Topic: "t", Value: map[string]any{"n": json.Number("8.0")}}
	ev, err := connect.CloudEvent(rec, connect.EventContext{})
	if err != nil {
		t.Fatal(err)
	}
	if MustCompile(`{"data":{"n":[8]}}`).Match(ev) || !MustCompile(`{"data":{"n":["8.0"]}}`).Match(ev) {
		t.Error("number text not kept")
	}
}
