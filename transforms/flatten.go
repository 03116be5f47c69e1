package transforms

import (
	"context"
	"fmt"

	"github.com/inletdev/inlet/connect"
)

var flattenPlugin = kvPlugin{
	name: "Flatten",
	doc: "Flatten a nested data structure, generating names for each field by concatenating the field names at each level with a configurable delimiter character. Applies to Struct when schema present, or a Map in the case of schemaless data. Array fields and their contents are not modified. The default delimiter is '.'. " +
		"Kafka Connect equivalent: org.apache.kafka.connect.transforms.Flatten$Key / $Value.",
	config: func() *connect.ConfigDef {
		return connect.NewConfigDef(
			connect.ConfigKey{Name: "delimiter", Default: ".", Importance: connect.Medium,
				Doc: "Delimiter to insert between field names from the input record when generating field names for the output record"},
			replaceNullDef(),
		)
	},
	build: func(cfg connect.Config, s side) (connect.Transformation, error) {
		return &Flatten{side: s, delim: cfg.String("delimiter"), replaceNull: cfg.Bool(replaceNullKey)}, nil
	},
}

// Flatten turns nested structs and maps into one level of dotted names.
type Flatten struct {
	side        side
	delim       string
	replaceNull bool
	schemas     cache[*connect.Schema, *connect.Schema]
}

// Apply implements connect.Transformation. A null key/value passes through.
func (t *Flatten) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	name := "Flatten" + t.side.suffix()
	schema, v := t.side.operating(r)
	if v == nil {
		return r, nil
	}
	if schema == nil {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, recordErr(name, r, "only Map objects supported in absence of schema for [flattening], found: %s", typeName(v))
		}
		out := make(map[string]any, len(m))
		if err := t.flattenMap(m, "", out); err != nil {
			return nil, recordErr(name, r, "%v", err)
		}
		return t.side.with(r, nil, out), nil
	}
	st, ok := asStruct(v)
	if !ok {
		return nil, recordErr(name, r, "only Struct objects supported for [flattening], found: %s", typeName(v))
	}
	out, ok := t.schemas.get(st.Schema)
	if !ok {
		out = copySchemaBasics(st.Schema, connect.StructType)
		out.Optional = st.Schema.Optional
		def, _ := st.Schema.Default.(*connect.Struct)
		if err := t.flattenSchema(st.Schema, "", newStructBuilder(out), st.Schema.Optional, def); err != nil {
			return nil, recordErr(name, r, "%v", err)
		}
		t.schemas.put(st.Schema, out)
	}
	vals := make([]any, 0, len(out.Fields))
	vals = t.flattenStruct(st.Schema, st, vals)
	return t.side.with(r, out, &connect.Struct{Schema: out, Values: vals}), nil
}

func (t *Flatten) name(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + t.delim + field
}

func (t *Flatten) flattenMap(m map[string]any, prefix string, out map[string]any) error {
	for k, v := range m {
		n := t.name(prefix, k)
		switch x := v.(type) {
		case map[string]any:
			if err := t.flattenMap(x, n, out); err != nil {
				return err
			}
		case *connect.Struct:
			return fmt.Errorf("Flatten transformation does not support STRUCT for record without schemas (for field %s).", n)
		default:
			out[n] = v
		}
	}
	return nil
}

// flattenSchema appends the flattened fields of s; a child of an optional
// struct becomes optional, and defaults come from the parent's default.
func (t *Flatten) flattenSchema(s *connect.Schema, prefix string, b *structBuilder, optional bool, parentDefault *connect.Struct) error {
	for i, f := range s.Fields {
		n := t.name(prefix, f.Name)
		opt := optional || f.Schema.Optional
		var def any
		if parentDefault != nil && i < len(parentDefault.Values) {
			def = parentDefault.Values[i]
		} else {
			def = f.Schema.Default
		}
		switch {
		case f.Schema.Type.IsPrimitive() || f.Schema.Type == connect.Array:
			fs := f.Schema
			if opt != fs.Optional || def != fs.Default {
				fs = fs.Copy()
				fs.Optional, fs.Default = opt, def
			}
			if err := b.field(n, fs); err != nil {
				return err
			}
		case f.Schema.Type == connect.StructType:
			d, _ := def.(*connect.Struct)
			if err := t.flattenSchema(f.Schema, n, b, opt, d); err != nil {
				return err
			}
		default:
			return fmt.Errorf("Flatten transformation does not support %s for record with schemas (for field %s).", f.Schema.Type.UpperName(), n)
		}
	}
	return nil
}

// flattenStruct appends the values of st, laid out by schema s (the
// schema flattenSchema walked), in the same order; a null nested struct
// contributes nulls for all its fields.
func (t *Flatten) flattenStruct(s *connect.Schema, st *connect.Struct, vals []any) []any {
	for i, f := range s.Fields {
		var v any
		if st != nil {
			if st.Schema == s {
				v = fieldValue(st, i, t.replaceNull)
			} else if sf, ok := st.Schema.Field(f.Name); ok {
				v = fieldValue(st, sf.Index, t.replaceNull)
			}
		}
		if f.Schema.Type == connect.StructType {
			nested, _ := asStruct(v)
			vals = t.flattenStruct(f.Schema, nested, vals)
			continue
		}
		vals = append(vals, v)
	}
	return vals
}

func appendNulls(vals []any, s *connect.Schema) []any {
	for _, f := range s.Fields {
		if f.Schema.Type == connect.StructType {
			vals = appendNulls(vals, f.Schema)
		} else {
			vals = append(vals, nil)
		}
	}
	return vals
}
