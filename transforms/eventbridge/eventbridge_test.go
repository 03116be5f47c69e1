package eventbridge

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/connecttest"
)

func newTransform(t *testing.T, props map[string]string) connect.Transformation {
	t.Helper()
	cfg, err := ConfigDef().Parse(props)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func record() *connect.Record {
	r := connect.NewRecord("orders", "old-key", map[string]any{
		"body": "hello", "id": int64(7),
		"schema":           map[string]any{"tableName": "orders"},
		"systemProperties": map[string]any{"TAGS": "TagA"},
	})
	r.Headers = r.Headers.Add("stale", nil, "x").Add("keep", nil, "y")
	return r
}

var ctx = connect.WithEventContext(context.Background(), connect.EventContext{Pipeline: "p", Connector: "dts"})

func TestApply(t *testing.T) {
	tr := newTransform(t, map[string]string{
		"value.form": "JSONPATH", "value.value": "$.data.body",
		"key.form": "TEMPLATE", "key.value": `{"t":"$.data.schema.tableName","id":"$.data.id"}`, "key.template": "${t}:${id}",
		"headers":         "tag,source,stale,whole",
		"header.tag.form": "JSONPATH", "header.tag.value": "$.data.systemProperties.TAGS",
		"header.source.form": "CONSTANT", "header.source.value": "dts", "header.source.output": "bytes",
		"header.stale.form": "JSONPATH", "header.stale.value": "$.data.missing",
		"header.whole.form": "ORIGINAL", "header.whole.output": "json",
	})
	in := record()
	out, err := tr.Apply(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if out.Value != "hello" || out.Key != "orders:7" {
		t.Fatalf("value %v key %v", out.Value, out.Key)
	}
	if h, _ := out.Headers.Last("tag"); h.Value != "TagA" {
		t.Fatalf("tag = %v", h.Value)
	}
	if h, _ := out.Headers.Last("source"); !reflect.DeepEqual(h.Value, []byte("dts")) {
		t.Fatalf("source = %#v", h.Value)
	}
	if out.Headers.Has("stale") {
		t.Fatal("a header whose path found nothing must be removed")
	}
	if h, _ := out.Headers.Last("keep"); h.Value != "y" {
		t.Fatal("unrelated header lost")
	}
	whole, _ := out.Headers.Last("whole")
	m, ok := whole.Value.(map[string]any)
	if !ok || m["subject"] != "orders" || m["data"].(map[string]any)["id"] != json.Number("7") {
		t.Fatalf("whole = %#v", whole.Value)
	}
	if in.Value.(map[string]any)["body"] != "hello" || in.Key != "old-key" || !in.Headers.Has("stale") {
		t.Fatal("input record changed")
	}
}

func TestNotFoundAndOutputs(t *testing.T) {
	tr := newTransform(t, map[string]string{"value.form": "JSONPATH", "value.value": "$.data.nope"})
	out, err := tr.Apply(ctx, record())
	if err != nil || out.Value != nil || out.Key != "old-key" {
		t.Fatalf("not found: %v %v %v", out.Value, out.Key, err)
	}
	tr = newTransform(t, map[string]string{"value.form": "JSONPATH", "value.value": "$.data.body", "value.output": "json"})
	if _, err := tr.Apply(ctx, record()); err == nil || !strings.Contains(err.Error(), `topic "orders"`) || !strings.Contains(err.Error(), "not valid JSON") {
		t.Fatalf("json output of plain text: %v", err)
	}
	tr = newTransform(t, map[string]string{"value.form": "JSONPATH", "value.value": "$.data.schema", "value.output": "json"})
	out, _ = tr.Apply(ctx, record())
	if !reflect.DeepEqual(out.Value, map[string]any{"tableName": "orders"}) {
		t.Fatalf("json output = %#v", out.Value)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		props map[string]string
		want  []string
	}{
		{map[string]string{}, []string{"value.form", "nothing to do"}},
		{map[string]string{"value.form": "JSONPATH", "value.value": "$.a[*]"}, []string{"value.value", "wildcard"}},
		{map[string]string{"headers": "a"}, []string{"header.a.form", "has no form"}},
		{map[string]string{"headers": "a", "header.a.form": "NONE"}, []string{"header.a.form", "has no form"}},
		{map[string]string{"value.form": "ORIGINAL", "header.b.form": "CONSTANT", "header.b.value": "x"}, []string{"header.b.form", "not listed in headers"}},
		{map[string]string{"headers": "a", "header.a.form": "CONSTANT", "header.a.value": "x", "header.a.fomr": "y"}, []string{"header.a.fomr", "unknown key"}},
		{map[string]string{"key.form": "TEMPLATE", "key.value": `{"a":[1]}`, "key.template": "${a}"}, []string{"key.value", "not an array"}},
		{map[string]string{"value.form": "ORIGINAL", "value.output": "xml"}, []string{"value.output", "must be one of"}},
		{map[string]string{"value.form": "ORIGINAL", "key.output": "json"}, []string{"key.output", "no effect while key.form is NONE"}},
	}
	for _, tc := range tests {
		_, err := ConfigDef().Parse(tc.props)
		if err == nil {
			t.Errorf("%v: no error", tc.props)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: %v; want %q", tc.props, err, w)
			}
		}
	}
}

func TestContract(t *testing.T) {
	connecttest.TestTransformation(t, func() (connect.Transformation, error) {
		cfg, err := ConfigDef().Parse(map[string]string{"value.form": "TEMPLATE", "value.value": `{"b":"$.data.body"}`, "value.template": "<${b:-none}>",
			"headers": "h", "header.h.form": "ORIGINAL"})
		if err != nil {
			return nil, err
		}
		return New(cfg)
	}, []*connect.Record{record(), connect.NewRecord("t", nil, "plain")})
}

func TestRegister(t *testing.T) {
	r := connect.NewRegistry()
	Register(r)
	for _, n := range []string{"EventBridgeTransform", "eventbridge", "EventBridge"} {
		if _, err := r.Lookup(connect.KindTransform, n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

func BenchmarkApply(b *testing.B) {
	cfg, _ := ConfigDef().Parse(map[string]string{"value.form": "JSONPATH", "value.value": "$.data.body",
		"key.form": "JSONPATH", "key.value": "$.data.id", "headers": "tag", "header.tag.form": "JSONPATH", "header.tag.value": "$.data.systemProperties.TAGS"})
	tr, _ := New(cfg)
	r := record()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.Apply(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSchemaValue(t *testing.T) {
	s := &connect.Schema{Type: connect.StructType, Name: "shop.order", Fields: []connect.Field{
		{Name: "id", Index: 0, Schema: connect.Int64Schema}, {Name: "status", Index: 1, Schema: connect.StringSchema}}}
	v := connect.NewStruct(s).Put("id", int64(7)).Put("status", "PAID")
	r := connect.NewRecord("orders", nil, v)
	r.ValueSchema = s
	tr := newTransform(t, map[string]string{"value.form": "TEMPLATE", "value.value": `{"id":"$.data.id","s":"$.data.status"}`, "value.template": "${id}/${s}",
		"key.form": "ORIGINAL"})
	out, err := tr.Apply(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if out.Value != "7/PAID" || out.ValueSchema != nil {
		t.Fatalf("value = %v (schema %v)", out.Value, out.ValueSchema)
	}
	if k, _ := out.Key.(string); !strings.Contains(k, `"data":{"id":7,"status":"PAID"}`) {
		t.Fatalf("key = %v", out.Key)
	}
}
