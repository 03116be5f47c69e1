package transforms

import (
	"reflect"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

func TestExtractField(t *testing.T) {
	tr := build(t, "org.apache.kafka.connect.transforms.ExtractField$Value", map[string]string{"field": "name"})
	out := apply(t, tr, schemaRecord())
	if out.Value != "widget" || out.ValueSchema != connect.OptionalStringSchema {
		t.Errorf("schema'd: got %v (%v)", out.Value, out.ValueSchema)
	}
	out = apply(t, tr, mapRecord())
	if out.Value != "widget" || out.ValueSchema != nil {
		t.Errorf("schemaless: got %v", out.Value)
	}
	// replace.null.with.default: qty is null with default 7
	if out := apply(t, build(t, "ExtractField$Value", map[string]string{"field": "qty"}), schemaRecord()); out.Value != int32(7) {
		t.Errorf("qty with replace.null.with.default=true = %v, want 7", out.Value)
	}
	if out := apply(t, build(t, "ExtractField$Value", map[string]string{"field": "qty", "replace.null.with.default": "false"}), schemaRecord()); out.Value != nil {
		t.Errorf("qty with replace.null.with.default=false = %v, want nil", out.Value)
	}
	// key form
	out = apply(t, build(t, "ExtractField$Key", map[string]string{"field": "id"}), schemaRecord())
	if out.Key != int64(42) || out.KeySchema != connect.Int64Schema {
		t.Errorf("key: got %v", out.Key)
	}
	// null value: schemaless stays null; schema'd gets the field schema
	tomb := schemaRecord()
	tomb.Value = nil
	out = apply(t, tr, tomb)
	if out.Value != nil || out.ValueSchema != connect.OptionalStringSchema {
		t.Errorf("schema'd tombstone: %v %v", out.Value, out.ValueSchema)
	}
	// missing schemaless field → null
	if out := apply(t, build(t, "ExtractField$Value", map[string]string{"field": "nope"}), mapRecord()); out.Value != nil {
		t.Errorf("missing schemaless field = %v", out.Value)
	}
	// errors
	wantErr(t, applyErr(t, build(t, "ExtractField$Value", map[string]string{"field": "nope"}), schemaRecord()),
		`transforms: ExtractField$Value: topic "shop.public.orders": Unknown field: nope (schema STRUCT(shop.public.orders.Value))`)
	wantErr(t, applyErr(t, tr, connect.NewRecord("t", nil, "text")), `only Map objects supported in absence of schema for [field extraction], found: string`)
	bad := &connect.Record{Topic: "t", ValueSchema: valueSchema, Value: "text"}
	wantErr(t, applyErr(t, tr, bad), `only Struct objects supported for [field extraction], found: string`)
	_, err := tryBuild("ExtractField$Value", nil)
	wantErr(t, err, "field: missing required configuration")
	_, err = tryBuild("ExtractField$Value", map[string]string{"field": "a", "field.syntax.version": "V3"})
	wantErr(t, err, `field.syntax.version="V3": must be one of V1, V2`)
	contract(t, "ExtractField$Value", map[string]string{"field": "name"})
	contract(t, "ExtractField$Key", map[string]string{"field": "id"})
}

func TestExtractFieldV2(t *testing.T) {
	tr := build(t, "ExtractField$Value", map[string]string{"field": "nested.b", "field.syntax.version": "V2"})
	if out := apply(t, tr, schemaRecord()); out.Value != int32(3) || out.ValueSchema != connect.OptionalInt32Schema {
		t.Errorf("schema'd nested.b = %v", out.Value)
	}
	if out := apply(t, tr, mapRecord()); out.Value != int64(3) {
		t.Errorf("schemaless nested.b = %v", out.Value)
	}
	// V1 reads "nested.b" as one name
	v1 := build(t, "ExtractField$Value", map[string]string{"field": "nested.b"})
	wantErr(t, applyErr(t, v1, schemaRecord()), "Unknown field: nested.b")
	// dotted names in backticks
	m := connect.NewRecord("t", nil, map[string]any{"a.b": map[string]any{"c": "yes"}})
	if out := apply(t, build(t, "ExtractField$Value", map[string]string{"field": "`a.b`.c", "field.syntax.version": "V2"}), m); out.Value != "yes" {
		t.Errorf("`a.b`.c = %v", out.Value)
	}
	_, err := tryBuild("ExtractField$Value", map[string]string{"field": "`a.b", "field.syntax.version": "V2"})
	wantErr(t, err, "incomplete backtick pair in path: [`a.b], consider adding a backslash before backtick at position 0 to escape it")
}

func TestFieldPathV2(t *testing.T) {
	tests := map[string][]string{
		"a":          {"a"},
		"a.b.c":      {"a", "b", "c"},
		"`a.b`.c":    {"a.b", "c"},
		"`a.b`":      {"a.b"},
		"a.":         {"a", ""},
		"`a\\`.b`.c": {"a`.b", "c"},
		"a`b.c":      {"a`b", "c"},
		"`a`b`.c":    {"a`b", "c"},
	}
	for in, want := range tests {
		got, err := fieldPathV2(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("fieldPathV2(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func FuzzFieldPathV2(f *testing.F) {
	for _, s := range []string{"a.b", "`a.b`.c", "`a\\`.b`", "``", "`", "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { _, _ = fieldPathV2(s) })
}

func TestHoistField(t *testing.T) {
	tr := build(t, "HoistField$Value", map[string]string{"field": "payload"})
	out := apply(t, tr, schemaRecord())
	st := out.Value.(*connect.Struct)
	if len(out.ValueSchema.Fields) != 1 || out.ValueSchema.Fields[0].Name != "payload" || out.ValueSchema.Fields[0].Schema != valueSchema {
		t.Errorf("schema'd: %v", out.ValueSchema.Fields)
	}
	if st.Values[0].(*connect.Struct).Values[0] != int64(42) {
		t.Errorf("hoisted value lost")
	}
	// cached schema reused
	if out2 := apply(t, tr, schemaRecord()); out2.ValueSchema != out.ValueSchema {
		t.Error("schema rebuilt for the same input schema")
	}
	out = apply(t, tr, mapRecord())
	if m := out.Value.(map[string]any); m["payload"].(map[string]any)["name"] != "widget" {
		t.Errorf("schemaless: %v", out.Value)
	}
	out = apply(t, build(t, "HoistField$Key", map[string]string{"field": "k"}), connect.NewRecord("t", "abc", nil))
	if !reflect.DeepEqual(out.Key, map[string]any{"k": "abc"}) {
		t.Errorf("key: %v", out.Key)
	}
	req := &connect.Record{Topic: "t", ValueSchema: connect.StringSchema}
	wantErr(t, applyErr(t, tr, req), `invalid value: null used for required field: "payload", schema type: STRING`)
	contract(t, "HoistField$Value", map[string]string{"field": "payload"})
}

func TestValueToKey(t *testing.T) {
	tr := build(t, "org.apache.kafka.connect.transforms.ValueToKey", map[string]string{"fields": "id,qty"})
	out := apply(t, tr, schemaRecord())
	if got := fieldNames(out.KeySchema); !reflect.DeepEqual(got, []string{"id", "qty"}) {
		t.Errorf("key fields %v", got)
	}
	if k := out.Key.(*connect.Struct); k.Values[0] != int64(42) || k.Values[1] != int32(7) {
		t.Errorf("key values %v (qty default 7 expected)", k.Values)
	}
	if out.Value != schemaRecord().Value && out.ValueSchema != valueSchema {
		t.Error("value changed")
	}
	out = apply(t, build(t, "ValueToKey", map[string]string{"fields": "qty", "replace.null.with.default": "false"}), schemaRecord())
	if k := out.Key.(*connect.Struct); k.Values[0] != nil {
		t.Errorf("replace.null.with.default=false: %v", k.Values)
	}
	out = apply(t, tr, mapRecord())
	if !reflect.DeepEqual(out.Key, map[string]any{"id": int64(1), "qty": nil}) || out.KeySchema != nil {
		t.Errorf("schemaless key %v", out.Key)
	}
	tomb := schemaRecord()
	tomb.Value = nil
	if out := apply(t, tr, tomb); out != tomb {
		t.Error("tombstone: want the record passed through")
	}
	wantErr(t, applyErr(t, build(t, "ValueToKey", map[string]string{"fields": "nope"}), schemaRecord()), "Field does not exist: nope")
	wantErr(t, applyErr(t, tr, connect.NewRecord("t", nil, int64(3))), "only Map objects supported in absence of schema for [copying fields from value to key], found: int64")
	_, err := tryBuild("ValueToKey", map[string]string{"fields": ""})
	wantErr(t, err, "fields: must not be empty")
	contract(t, "ValueToKey", map[string]string{"fields": "id"})
}

func TestReplaceField(t *testing.T) {
	tests := []struct {
		props      map[string]string
		wantFields []string
		wantMap    map[string]any
	}{
		{map[string]string{"exclude": "name,ts"}, []string{"id", "qty", "nested"},
			map[string]any{"id": int64(1), "qty": nil, "nested": map[string]any{"a": "x", "b": int64(3)}}},
		{map[string]string{"include": "id,name"}, []string{"id", "name"}, map[string]any{"id": int64(1), "name": "widget"}},
		{map[string]string{"include": "id,name", "exclude": "name"}, []string{"id"}, map[string]any{"id": int64(1)}},
		{map[string]string{"include": "id,name", "renames": "id:order_id,name:title"}, []string{"order_id", "title"},
			map[string]any{"order_id": int64(1), "title": "widget"}},
	}
	for _, tc := range tests {
		tr := build(t, "org.apache.kafka.connect.transforms.ReplaceField$Value", tc.props)
		out := apply(t, tr, schemaRecord())
		if got := fieldNames(out.ValueSchema); !reflect.DeepEqual(got, tc.wantFields) {
			t.Errorf("%v: fields %v, want %v", tc.props, got, tc.wantFields)
		}
		if out.ValueSchema.Name != valueSchema.Name {
			t.Errorf("schema name lost: %q", out.ValueSchema.Name)
		}
		if st := out.Value.(*connect.Struct); st.Values[0] != int64(42) {
			t.Errorf("%v: first value %v", tc.props, st.Values[0])
		}
		out = apply(t, tr, mapRecord())
		if !reflect.DeepEqual(out.Value, tc.wantMap) {
			t.Errorf("%v: schemaless %v, want %v", tc.props, out.Value, tc.wantMap)
		}
	}
	// qty default applies to kept fields
	out := apply(t, build(t, "ReplaceField$Value", map[string]string{"include": "qty"}), schemaRecord())
	if out.Value.(*connect.Struct).Values[0] != int32(7) {
		t.Errorf("qty = %v, want default 7", out.Value.(*connect.Struct).Values[0])
	}
	tomb := schemaRecord()
	tomb.Value = nil
	if out := apply(t, build(t, "ReplaceField$Value", map[string]string{"exclude": "id"}), tomb); out != tomb {
		t.Error("tombstone must pass through")
	}
	wantErr(t, applyErr(t, build(t, "ReplaceField$Value", map[string]string{"renames": "id:name"}), schemaRecord()),
		"cannot create field because of field name duplication name")
	_, err := tryBuild("ReplaceField$Value", map[string]string{"renames": "a:b:c"})
	wantErr(t, err, `renames="a:b:c": Invalid rename mapping: a:b:c (expected old:new)`)
	_, err = tryBuild("ReplaceField$Value", map[string]string{"blacklist": "a"})
	wantErr(t, err, `blacklist="a": was renamed to exclude`)
	_, err = tryBuild("ReplaceField$Key", map[string]string{"whitelist": "a"})
	wantErr(t, err, `whitelist="a": was renamed to include`)
	contract(t, "ReplaceField$Value", map[string]string{"exclude": "name", "renames": "id:order_id"})
}

func TestInsertField(t *testing.T) {
	props := map[string]string{"topic.field": "t!", "partition.field": "p", "timestamp.field": "when?", "static.field": "src", "static.value": "inlet"}
	tr := build(t, "org.apache.kafka.connect.transforms.InsertField$Value", props)
	out := apply(t, tr, schemaRecord())
	wantNames := []string{"id", "name", "qty", "ts", "nested", "t", "p", "when", "src"}
	if got := fieldNames(out.ValueSchema); !reflect.DeepEqual(got, wantNames) {
		t.Fatalf("fields %v, want %v", got, wantNames)
	}
	f, _ := out.ValueSchema.Field("t")
	if f.Schema != connect.StringSchema {
		t.Errorf("t! schema %v, want required STRING", f.Schema)
	}
	f, _ = out.ValueSchema.Field("when")
	if f.Schema.Name != connect.TimestampName || !f.Schema.Optional {
		t.Errorf("when schema %v", f.Schema)
	}
	st := out.Value.(*connect.Struct)
	want := []any{int64(42), "widget", int32(7), ts0, st.Values[4], "shop.public.orders", int32(2), ts0, "inlet"}
	if !reflect.DeepEqual(st.Values, want) {
		t.Errorf("values %v, want %v", st.Values, want)
	}
	out = apply(t, tr, mapRecord())
	m := out.Value.(map[string]any)
	if _, hasP := m["p"]; m["t"] != "orders" || hasP || m["when"] != ts0 || m["src"] != "inlet" || m["name"] != "widget" {
		t.Errorf("schemaless %v (a null partition is left out, as in Kafka)", m)
	}
	// offset needs a record read from Kafka
	off := build(t, "InsertField$Value", map[string]string{"offset.field": "off"})
	wantErr(t, applyErr(t, off, mapRecord()), "offset.field needs a record read from Kafka")
	fromKafka := mapRecord()
	fromKafka.Origin = connect.Origin{Topic: "orders", Partition: 0, Offset: 99}
	if out := apply(t, off, fromKafka); out.Value.(map[string]any)["off"] != int64(99) {
		t.Errorf("offset = %v", out.Value.(map[string]any)["off"])
	}
	// a required field without a value
	req := build(t, "InsertField$Value", map[string]string{"timestamp.field": "rts!"})
	r2 := schemaRecord()
	r2.Timestamp = time.Time{}
	wantErr(t, applyErr(t, req, r2), `required field "rts" (set with a trailing !) has no value for this record`)
	m2 := mapRecord()
	m2.Timestamp = time.Time{}
	if out := apply(t, req, m2); len(out.Value.(map[string]any)) != len(m2.Value.(map[string]any)) {
		t.Errorf("schemaless without a timestamp: %v", out.Value)
	}
	// duplicate field
	wantErr(t, applyErr(t, build(t, "InsertField$Value", map[string]string{"topic.field": "name"}), schemaRecord()),
		"cannot create field because of field name duplication name")
	// tombstone passes
	tomb := schemaRecord()
	tomb.Value = nil
	if out := apply(t, tr, tomb); out != tomb {
		t.Error("tombstone must pass through")
	}
	_, err := tryBuild("InsertField$Value", map[string]string{})
	wantErr(t, err, "topic.field: No field insertion configured: set at least one of topic.field, partition.field, offset.field, timestamp.field or static.field")
	_, err = tryBuild("InsertField$Value", map[string]string{"static.field": "src"})
	wantErr(t, err, "static.value: No value specified for static field: src")
	_, err = tryBuild("InsertField$Value", map[string]string{"topic.field": "t", "static.value": "x"})
	wantErr(t, err, "static.value=\"x\": has no effect without static.field")
	contract(t, "InsertField$Value", props)
	contract(t, "InsertField$Key", map[string]string{"topic.field": "topic"})
}

func TestSetSchemaMetadata(t *testing.T) {
	tr := build(t, "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value", map[string]string{"schema.name": "com.example.Order", "schema.version": "3"})
	out := apply(t, tr, schemaRecord())
	if out.ValueSchema.Name != "com.example.Order" || out.ValueSchema.Version != 3 || len(out.ValueSchema.Fields) != 5 {
		t.Errorf("schema %+v", out.ValueSchema)
	}
	if st := out.Value.(*connect.Struct); st.Schema != out.ValueSchema || st.Values[2] != int32(7) {
		t.Errorf("struct not rebuilt on the new schema: %v", st.Values)
	}
	if valueSchema.Name != "shop.public.orders.Value" {
		t.Fatal("input schema mutated")
	}
	out = apply(t, build(t, "SetSchemaMetadata$Key", map[string]string{"schema.version": "2"}), schemaRecord())
	if out.KeySchema.Name != keySchema.Name || out.KeySchema.Version != 2 {
		t.Errorf("key schema %+v", out.KeySchema)
	}
	wantErr(t, applyErr(t, tr, mapRecord()), "Schema required for [updating schema metadata]")
	_, err := tryBuild("SetSchemaMetadata$Value", map[string]string{})
	wantErr(t, err, "Neither schema name nor version configured")
	_, err = tryBuild("SetSchemaMetadata$Value", map[string]string{"schema.version": "x"})
	wantErr(t, err, `schema.version="x": expected an integer`)
	contract(t, "SetSchemaMetadata$Value", map[string]string{"schema.name": "n"}, schemaRecord())
}
