package unwrap

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/connecttest"
)

var (
	rowSchema = connect.StructOf("shop.public.orders.Value", true,
		connect.F("id", connect.Int32Schema),
		connect.F("status", &connect.Schema{Type: connect.String, Optional: true, Default: "new"}),
		connect.F("region", connect.OptionalStringSchema),
		connect.F("note", connect.OptionalStringSchema))
	keySchema    = connect.StructOf("shop.public.orders.Key", false, connect.F("id", connect.Int32Schema), connect.F("note", connect.OptionalStringSchema))
	sourceSchema = connect.StructOf("io.debezium.connector.postgresql.Source", false,
		connect.F("version", connect.StringSchema),
		connect.F("connector", connect.StringSchema),
		connect.F("ts_ms", connect.Int64Schema),
		connect.F("table", connect.StringSchema),
		connect.F("lsn", connect.OptionalInt64Schema))
	txSchema = connect.StructOf("event.block", true,
		connect.F("id", connect.StringSchema),
		connect.F("total_order", connect.Int64Schema),
		connect.F("data_collection_order", connect.Int64Schema))
	envSchema = connect.StructOf("shop.public.orders.Envelope", false,
		connect.F("before", rowSchema),
		connect.F("after", rowSchema),
		connect.F("source", sourceSchema),
		connect.F("transaction", txSchema),
		connect.F("op", connect.StringSchema),
		connect.F("ts_ms", connect.OptionalInt64Schema))
)

func row(id int32, status any, region string) *connect.Struct {
	return &connect.Struct{Schema: rowSchema, Values: []any{id, status, region, "n"}}
}

func event(op string, before, after *connect.Struct, tx bool) *connect.Record {
	src := &connect.Struct{Schema: sourceSchema, Values: []any{"3.2.0.Final", "postgresql", int64(1700000000000), "orders", int64(123456)}}
	var txv any
	if tx {
		txv = &connect.Struct{Schema: txSchema, Values: []any{"571:123456", int64(1), int64(1)}}
	}
	var b, a any
	if before != nil {
		b = before
	}
	if after != nil {
		a = after
	}
	env := &connect.Struct{Schema: envSchema, Values: []any{b, a, src, txv, op, int64(1700000000500)}}
	key := &connect.Struct{Schema: keySchema, Values: []any{int32(1), "k"}}
	return &connect.Record{Topic: "shop.public.orders", Partition: -1, KeySchema: keySchema, Key: key, ValueSchema: envSchema, Value: env}
}

func tombstone() *connect.Record {
	r := event("d", nil, nil, false)
	r.ValueSchema, r.Value = nil, nil
	return r
}

func build(t testing.TB, props map[string]string) *Transform {
	t.Helper()
	tr, err := tryBuild(props)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func tryBuild(props map[string]string) (*Transform, error) {
	r := connect.NewRegistry()
	Register(r)
	p, err := r.Lookup(connect.KindTransform, "io.debezium.transforms.ExtractNewRecordState")
	if err != nil {
		return nil, err
	}
	cfg, err := p.Config.Parse(props)
	if err != nil {
		return nil, err
	}
	tr, err := p.NewTransform(cfg)
	if err != nil {
		return nil, err
	}
	return tr.(*Transform), nil
}

func apply(t testing.TB, tr *Transform, r *connect.Record) *connect.Record {
	t.Helper()
	out, err := tr.Apply(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// outcome summarises a result: "drop", "tombstone" (no schema), "null"
// (null value with the row schema), or the row values.
func outcome(r *connect.Record) string {
	switch {
	case r == nil:
		return "drop"
	case r.Value == nil && r.ValueSchema == nil:
		return "tombstone"
	case r.Value == nil:
		return "null:" + r.ValueSchema.Name
	}
	return "row"
}

func TestModes(t *testing.T) {
	ins := event("c", nil, row(1, "new", "eu"), false)
	del := event("d", row(1, "new", "eu"), nil, false)
	tests := []struct {
		props                map[string]string
		insert, delete, tomb string
	}{
		{nil, "row", "null:shop.public.orders.Value", "drop"}, // 3.2+ default: tombstone
		{map[string]string{"delete.tombstone.handling.mode": "drop"}, "row", "drop", "drop"},
		{map[string]string{"delete.tombstone.handling.mode": "tombstone"}, "row", "null:shop.public.orders.Value", "drop"},
		{map[string]string{"delete.tombstone.handling.mode": "rewrite"}, "row", "row", "drop"},
		{map[string]string{"delete.tombstone.handling.mode": "rewrite-with-tombstone"}, "row", "row", "tombstone"},
		{map[string]string{"delete.tombstone.handling.mode": "delete-to-tombstone"}, "row", "tombstone", "drop"},
		{map[string]string{"delete.tombstone.handling.mode": "REWRITE"}, "row", "row", "drop"},
		// legacy pairs (Debezium < 3.2)
		{map[string]string{"drop.tombstones": "true"}, "row", "drop", "drop"},
		{map[string]string{"delete.handling.mode": "drop"}, "row", "drop", "drop"},
		{map[string]string{"drop.tombstones": "false"}, "row", "drop", "tombstone"},
		{map[string]string{"delete.handling.mode": "none"}, "row", "null:shop.public.orders.Value", "drop"},
		{map[string]string{"delete.handling.mode": "none", "drop.tombstones": "false"}, "row", "null:shop.public.orders.Value", "tombstone"},
		{map[string]string{"delete.handling.mode": "rewrite"}, "row", "row", "drop"},
		{map[string]string{"delete.handling.mode": "rewrite", "drop.tombstones": "false"}, "row", "row", "tombstone"},
		// the new key wins over legacy ones
		{map[string]string{"delete.tombstone.handling.mode": "drop", "drop.tombstones": "false"}, "row", "drop", "drop"},
	}
	for _, tc := range tests {
		tr := build(t, tc.props)
		if got := outcome(apply(t, tr, ins)); got != tc.insert {
			t.Errorf("%v insert: %s, want %s", tc.props, got, tc.insert)
		}
		if got := outcome(apply(t, tr, del)); got != tc.delete {
			t.Errorf("%v delete: %s, want %s", tc.props, got, tc.delete)
		}
		if got := outcome(apply(t, tr, tombstone())); got != tc.tomb {
			t.Errorf("%v tombstone: %s, want %s", tc.props, got, tc.tomb)
		}
		// truncate is always dropped
		if got := outcome(apply(t, tr, event("t", nil, nil, false))); got != "drop" {
			t.Errorf("%v truncate: %s", tc.props, got)
		}
	}
}

func TestRewrite(t *testing.T) {
	tr := build(t, map[string]string{"delete.tombstone.handling.mode": "rewrite"})
	out := apply(t, tr, event("u", row(1, "old", "eu"), row(1, "paid", "eu"), false))
	st := out.Value.(*connect.Struct)
	if got := names(out.ValueSchema); !reflect.DeepEqual(got, []string{"id", "status", "region", "note", "__deleted"}) {
		t.Fatalf("fields %v", got)
	}
	if st.Values[1] != "paid" || st.Values[4] != "false" || out.ValueSchema.Name != rowSchema.Name {
		t.Errorf("update values %v", st.Values)
	}
	out = apply(t, tr, event("d", row(1, "old", "eu"), nil, false))
	if st := out.Value.(*connect.Struct); st.Values[1] != "old" || st.Values[4] != "true" {
		t.Errorf("delete values %v", st.Values)
	}
}

func TestPlainUnwrapSharesRow(t *testing.T) {
	tr := build(t, nil)
	in := event("c", nil, row(1, nil, "eu"), false)
	out := apply(t, tr, in)
	after := in.Value.(*connect.Struct).Values[1].(*connect.Struct)
	if out.Value != after || out.ValueSchema != rowSchema || out.Topic != in.Topic || out.Key != in.Key {
		t.Errorf("plain unwrap should hand on the after struct itself: %+v", out)
	}
	if in.ValueSchema != envSchema {
		t.Fatal("input mutated")
	}
}

func TestAddFieldsAndHeaders(t *testing.T) {
	tr := build(t, map[string]string{
		"add.fields":  "op,table,source.ts_ms,ts_ms,id,lsn:position,nope",
		"add.headers": "op,source.connector",
	})
	in := event("c", nil, row(1, nil, "eu"), true)
	out := apply(t, tr, in)
	want := []string{"id", "status", "region", "note", "__op", "__table", "__source_ts_ms", "__ts_ms", "__id", "__position"}
	if got := names(out.ValueSchema); !reflect.DeepEqual(got, want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	st := out.Value.(*connect.Struct)
	wantVals := []any{int32(1), nil, "eu", "n", "c", "orders", int64(1700000000000), int64(1700000000500), "571:123456", int64(123456)}
	if !reflect.DeepEqual(st.Values, wantVals) {
		t.Errorf("values %v, want %v (add.fields keeps a null status null, as Debezium)", st.Values, wantVals)
	}
	for _, f := range out.ValueSchema.Fields[4:] {
		if !f.Schema.Optional {
			t.Errorf("added field %s must be optional", f.Name)
		}
	}
	if h, _ := out.Headers.Last("__op"); h.Value != "c" {
		t.Errorf("__op header %v", out.Headers)
	}
	if h, _ := out.Headers.Last("__source_connector"); h.Value != "postgresql" || !h.Schema.Optional {
		t.Errorf("__source_connector header %+v", h)
	}
	if len(in.Headers) != 0 {
		t.Fatal("input headers mutated")
	}
	// transaction is null: id is null
	out = apply(t, tr, event("c", nil, row(1, nil, "eu"), false))
	if v := out.Value.(*connect.Struct).Values[8]; v != nil {
		t.Errorf("__id without a transaction = %v", v)
	}
	// the rewrite modes replace a null with its default unless replace.null.with.default=false
	for replace, want := range map[string]any{"true": "new", "false": nil} {
		tr2 := build(t, map[string]string{"delete.tombstone.handling.mode": "rewrite", "replace.null.with.default": replace})
		if v := apply(t, tr2, in).Value.(*connect.Struct).Values[1]; v != want {
			t.Errorf("rewrite with replace.null.with.default=%s: status = %v, want %v", replace, v, want)
		}
	}
	// prefixes
	tr3 := build(t, map[string]string{"add.fields": "op", "add.fields.prefix": "meta_", "add.headers": "op", "add.headers.prefix": "x-"})
	out = apply(t, tr3, in)
	if _, ok := out.ValueSchema.Field("meta_op"); !ok || !out.Headers.Has("x-op") {
		t.Errorf("prefixes: %v %v", names(out.ValueSchema), out.Headers)
	}
	// a kept tombstone gets only the op header, = d
	tr4 := build(t, map[string]string{"delete.tombstone.handling.mode": "rewrite-with-tombstone", "add.headers": "op,source.ts_ms"})
	out = apply(t, tr4, tombstone())
	if len(out.Headers) != 1 || out.Headers[0].Key != "__op" || out.Headers[0].Value != "d" {
		t.Errorf("tombstone headers %v", out.Headers)
	}
}

func TestRouteByField(t *testing.T) {
	tr := build(t, map[string]string{"route.by.field": "region"})
	if out := apply(t, tr, event("c", nil, row(1, "x", "eu"), false)); out.Topic != "eu" {
		t.Errorf("insert topic %q", out.Topic)
	}
	if out := apply(t, tr, event("d", row(1, "x", "us"), nil, false)); out.Topic != "us" || out.Value != nil {
		t.Errorf("delete topic %q", out.Topic)
	}
	if out := apply(t, tr, event("c", nil, row(1, "x", ""), false)); out.Topic != "shop.public.orders" {
		t.Errorf("blank route keeps the topic, got %q", out.Topic)
	}
	_, err := build(t, map[string]string{"route.by.field": "nope"}).Apply(context.Background(), event("c", nil, row(1, "x", "eu"), false))
	wantErr(t, err, `unwrap: ExtractNewRecordState: topic "shop.public.orders": route.by.field "nope" is not a field of the row`)
	_, err = build(t, map[string]string{"route.by.field": "id"}).Apply(context.Background(), event("c", nil, row(1, "x", "eu"), false))
	wantErr(t, err, `route.by.field "id" must hold a string to name a topic, found int32`)
}

func TestDropFields(t *testing.T) {
	in := event("u", nil, row(1, "x", "eu"), false)
	in.Headers = connect.Headers{{Key: "changed", Value: []any{"id", "note"}}}
	tr := build(t, map[string]string{"drop.fields.header.name": "changed"})
	out := apply(t, tr, in)
	if got := names(out.ValueSchema); !reflect.DeepEqual(got, []string{"id", "status", "region"}) {
		t.Errorf("keep.schema.compatible=true drops only optional fields: %v", got)
	}
	if names(out.KeySchema)[1] != "note" {
		t.Error("key must be untouched without drop.fields.from.key")
	}
	tr = build(t, map[string]string{"drop.fields.header.name": "changed", "drop.fields.keep.schema.compatible": "false", "drop.fields.from.key": "true"})
	out = apply(t, tr, in)
	if got := names(out.ValueSchema); !reflect.DeepEqual(got, []string{"status", "region"}) {
		t.Errorf("value fields %v", got)
	}
	if got := names(out.KeySchema); !reflect.DeepEqual(got, []string{}) && len(got) != 0 {
		t.Errorf("key fields %v", got)
	}
	in.Headers = connect.Headers{{Key: "changed", Value: "note"}}
	_, err := tr.Apply(context.Background(), in)
	wantErr(t, err, `header "changed" (drop.fields.header.name) must hold a list of field names, found string`)
}

func TestPassThrough(t *testing.T) {
	tr := build(t, map[string]string{"add.fields": "op"})
	hb := connect.StructOf("io.debezium.connector.common.Heartbeat", false, connect.F("ts_ms", connect.Int64Schema))
	for _, r := range []*connect.Record{
		{Topic: "__debezium-heartbeat.shop", ValueSchema: hb, Value: &connect.Struct{Schema: hb, Values: []any{int64(1)}}},
		connect.NewRecord("t", nil, map[string]any{"hello": "world"}),
		connect.NewRecord("t", nil, "text"),
	} {
		if out := apply(t, tr, r); out != r {
			t.Errorf("non-envelope %v must pass through as is", r.Value)
		}
	}
}

func TestSchemaless(t *testing.T) {
	env := map[string]any{"op": "c", "before": nil, "after": map[string]any{"id": int64(1), "region": "eu"},
		"source": map[string]any{"table": "orders", "ts_ms": int64(5)}, "transaction": nil, "ts_ms": int64(6)}
	in := connect.NewRecord("t", nil, env)
	tr := build(t, map[string]string{"add.fields": "op,table,source.ts_ms,id", "add.headers": "op", "delete.tombstone.handling.mode": "rewrite", "route.by.field": "region"})
	out := apply(t, tr, in)
	want := map[string]any{"id": int64(1), "region": "eu", "__op": "c", "__table": "orders", "__source_ts_ms": int64(5), "__id": nil, "__deleted": "false"}
	if !reflect.DeepEqual(out.Value, want) || out.Topic != "eu" {
		t.Errorf("schemaless %v → %v (topic %s)", out.Value, want, out.Topic)
	}
	if h, _ := out.Headers.Last("__op"); h.Value != "c" {
		t.Errorf("headers %v", out.Headers)
	}
	del := connect.NewRecord("t", nil, map[string]any{"op": "d", "before": map[string]any{"id": int64(1)}, "after": nil})
	if out := apply(t, tr, del); out.Value.(map[string]any)["__deleted"] != "true" {
		t.Errorf("schemaless delete %v", out.Value)
	}
	if out := apply(t, build(t, nil), del); out.Value != nil || out.ValueSchema != nil {
		t.Errorf("schemaless delete in tombstone mode: %v", out.Value)
	}
	if out := apply(t, build(t, nil), connect.NewRecord("t", nil, map[string]any{"op": "t", "before": nil, "after": nil})); out != nil {
		t.Error("schemaless truncate must be dropped")
	}
}

func TestConfigErrors(t *testing.T) {
	for props, want := range map[string]string{
		"delete.tombstone.handling.mode=keep":      `delete.tombstone.handling.mode="keep": must be one of drop, tombstone, rewrite, rewrite-with-tombstone, delete-to-tombstone`,
		"delete.handling.mode=tombstone":           `delete.handling.mode="tombstone": must be one of drop, rewrite, none`,
		"drop.tombstones=maybe":                    `drop.tombstones="maybe": expected a boolean`,
		"add.fields=a:b:c":                         `add.fields="a:b:c": Unexpected field name: a:b:c`,
		"add.headers=source.":                      `add.headers="source.": Unexpected field name: source.`,
		"add.fields=source.ts_ms.x":                `add.fields="source.ts_ms.x": Unexpected field name: source.ts_ms.x (expected field or struct.field`,
		"add.fields.prefix=_":                      `add.fields.prefix="_": has no effect without add.fields`,
		"add.headers.prefix=_":                     `add.headers.prefix="_": has no effect without add.headers`,
		"drop.fields.from.key=true":                `drop.fields.from.key="true": has no effect without drop.fields.header.name`,
		"drop.fields.keep.schema.compatible=false": `drop.fields.keep.schema.compatible="false": has no effect without drop.fields.header.name`,
		"route.by.feld=region":                     `route.by.feld="region": unknown configuration key (did you mean "route.by.field"?)`,
	} {
		k, v, _ := strings.Cut(props, "=")
		_, err := tryBuild(map[string]string{k: v})
		wantErr(t, err, want)
	}
}

func TestContract(t *testing.T) {
	inputs := []*connect.Record{
		event("c", nil, row(1, nil, "eu"), true),
		event("u", row(1, "a", "eu"), row(1, "b", "us"), false),
		event("d", row(1, "a", "eu"), nil, false),
		connect.NewRecord("t", nil, map[string]any{"op": "c", "after": map[string]any{"id": 1}, "source": map[string]any{"table": "x"}}),
	}
	inputs[1].Headers = connect.Headers{{Key: "changed", Value: []any{"note"}}}
	for _, props := range []map[string]string{
		nil,
		{"delete.tombstone.handling.mode": "rewrite-with-tombstone", "add.fields": "op,table", "add.headers": "op,ts_ms", "route.by.field": "region"},
		{"drop.fields.header.name": "changed", "drop.fields.from.key": "true"},
	} {
		connecttest.TestTransformation(t, func() (connect.Transformation, error) { return tryBuild(props) }, inputs)
	}
}

func names(s *connect.Schema) []string {
	out := []string{}
	for _, f := range s.Fields {
		out = append(out, f.Name)
	}
	return out
}

func wantErr(t testing.TB, err error, substr string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), substr) {
		t.Errorf("error = %v, want it to contain %q", err, substr)
	}
}

func BenchmarkUnwrap(b *testing.B) {
	for _, bc := range []struct {
		name  string
		props map[string]string
	}{
		{"plain", nil},
		{"add.fields", map[string]string{"add.fields": "op,source.ts_ms", "add.headers": "op"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tr := build(b, bc.props)
			in := event("c", nil, row(1, "x", "eu"), false)
			ctx := context.Background()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := tr.Apply(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

func TestMalformedEnvelope(t *testing.T) {
	tr := build(t, map[string]string{"add.fields": "op,table", "add.headers": "op", "route.by.field": "region", "delete.tombstone.handling.mode": "rewrite"})
	bad := []any{
		(*connect.Struct)(nil),
		&connect.Struct{Schema: envSchema, Values: []any{nil}},
		&connect.Struct{Schema: envSchema, Values: []any{nil, &connect.Struct{Schema: rowSchema, Values: []any{1}}, nil, nil, "c", nil}},
		&connect.Struct{Schema: envSchema, Values: []any{nil, "not a row", 5, "tx", 7, "x"}},
	}
	for i, v := range bad {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("input %d panicked: %v", i, p)
				}
			}()
			_, _ = tr.Apply(context.Background(), &connect.Record{Topic: "t", ValueSchema: envSchema, Value: v})
		}()
	}
	_, err := tr.Apply(context.Background(), &connect.Record{Topic: "t", ValueSchema: envSchema, Value: bad[1]})
	wantErr(t, err, "malformed envelope struct")
}

// FuzzSchemaless feeds random JSON (often envelope-shaped) to the
// transform in several configurations: no panic, ever.
func FuzzSchemaless(f *testing.F) {
	for _, s := range []string{
		`{"op":"c","after":{"id":1,"region":"eu"},"source":{"table":"t"},"transaction":null}`,
		`{"op":"d","before":{"id":1},"after":null}`,
		`{"op":"u","before":5,"after":[1]}`,
		`{"op":"x","after":{"region":7}}`,
	} {
		f.Add([]byte(s))
	}
	var trs []*Transform
	for _, props := range []map[string]string{
		nil,
		{"delete.tombstone.handling.mode": "rewrite", "add.fields": "op,table,id,source.ts_ms:t", "add.headers": "op,lsn", "route.by.field": "region"},
		{"drop.fields.header.name": "changed", "drop.fields.from.key": "true", "delete.handling.mode": "none", "drop.tombstones": "false"},
	} {
		trs = append(trs, build(f, props))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		r := &connect.Record{Topic: "t", Key: v, Value: v, Headers: connect.Headers{{Key: "changed", Value: v}}}
		for _, tr := range trs {
			_, _ = tr.Apply(context.Background(), r)
		}
	})
}
