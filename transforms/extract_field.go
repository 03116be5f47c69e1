package transforms

import (
	"context"

	"github.com/inletdev/inlet/connect"
)

var extractFieldPlugin = kvPlugin{
	name: "ExtractField",
	doc: "Extract the specified field from a Struct when schema present, or a Map in the case of schemaless data. Any null values are passed through unmodified. " +
		"Kafka Connect equivalent: org.apache.kafka.connect.transforms.ExtractField$Key / $Value.",
	config: func() *connect.ConfigDef {
		return connect.NewConfigDef(
			connect.ConfigKey{Name: "field", Type: connect.TypeString, Required: true, Importance: connect.Medium,
				Doc: "Field name to extract."},
			fieldSyntaxDef(),
			replaceNullDef(),
		)
	},
	build: func(cfg connect.Config, s side) (connect.Transformation, error) {
		p, err := parseFieldPath(cfg.String("field"), cfg.String(fieldSyntaxKey))
		if err != nil {
			return nil, configErr("field", cfg.String("field"), err.Error())
		}
		return &ExtractField{side: s, path: p, replaceNull: cfg.Bool(replaceNullKey)}, nil
	},
}

// ExtractField replaces the key or value with one of its fields.
type ExtractField struct {
	side        side
	path        fieldPath
	replaceNull bool
}

const extractPurpose = "field extraction"

// Apply implements connect.Transformation.
func (t *ExtractField) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	name := "ExtractField" + t.side.suffix()
	schema, v := t.side.operating(r)
	if schema == nil {
		if v == nil {
			return t.side.with(r, nil, nil), nil
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, recordErr(name, r, "only Map objects supported in absence of schema for [%s], found: %s", extractPurpose, typeName(v))
		}
		return t.side.with(r, nil, t.path.mapValue(m)), nil
	}
	var st *connect.Struct
	if v != nil {
		var ok bool
		if st, ok = asStruct(v); !ok {
			return nil, recordErr(name, r, "only Struct objects supported for [%s], found: %s", extractPurpose, typeName(v))
		}
	}
	f, ok := t.path.fieldFrom(schema)
	if !ok {
		return nil, recordErr(name, r, "Unknown field: %s (schema %s)", t.path.orig, schema)
	}
	if st == nil {
		return t.side.with(r, f.Schema, nil), nil
	}
	return t.side.with(r, f.Schema, t.path.structValue(st, t.replaceNull)), nil
}
