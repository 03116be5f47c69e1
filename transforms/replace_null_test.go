package transforms

import (
	"testing"

	"github.com/inletdev/inlet/connect"
)

// TestReplaceNullWithDefault checks replace.null.with.default on every SMT
// that has it: "qty" is null with default 7 in the input struct.
func TestReplaceNullWithDefault(t *testing.T) {
	qtyOf := func(r *connect.Record, field string) any {
		st := r.Value.(*connect.Struct)
		f, ok := st.Schema.Field(field)
		if !ok {
			t.Fatalf("no field %q in %v", field, fieldNames(st.Schema))
		}
		return st.Values[f.Index]
	}
	cases := []struct {
		name  string
		props map[string]string
		field string
	}{
		{"Cast$Value", map[string]string{"spec": "id:string"}, "qty"},
		{"Flatten$Value", nil, "qty"},
		{"HeaderFrom$Value", map[string]string{"fields": "id", "headers": "x", "operation": "move"}, "qty"},
		{"InsertField$Value", map[string]string{"topic.field": "t"}, "qty"},
		{"MaskField$Value", map[string]string{"fields": "name"}, "qty"},
		{"ReplaceField$Value", map[string]string{"exclude": "name"}, "qty"},
		{"SetSchemaMetadata$Value", map[string]string{"schema.name": "x"}, "qty"},
		{"TimestampConverter$Value", map[string]string{"field": "ts", "target.type": "unix"}, "qty"},
	}
	for _, tc := range cases {
		for _, replace := range []bool{true, false} {
			props := map[string]string{"replace.null.with.default": "false"}
			if replace {
				props["replace.null.with.default"] = "true"
			}
			for k, v := range tc.props {
				props[k] = v
			}
			got := qtyOf(apply(t, build(t, tc.name, props), schemaRecord()), tc.field)
			if replace && got != int32(7) {
				t.Errorf("%s with replace.null.with.default=true: qty = %v, want the default 7", tc.name, got)
			}
			if !replace && got != nil {
				t.Errorf("%s with replace.null.with.default=false: qty = %v, want null", tc.name, got)
			}
		}
	}
}
