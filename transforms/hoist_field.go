package transforms

import (
	"context"

	"github.com/inletdev/inlet/connect"
)

var hoistFieldPlugin = kvPlugin{
	name: "HoistField",
	doc: "Wrap data using the specified field name in a Struct when schema present, or a Map in the case of schemaless data. " +
		"Kafka Connect equivalent: org.apache.kafka.connect.transforms.HoistField$Key / $Value.",
	config: func() *connect.ConfigDef {
		return connect.NewConfigDef(connect.ConfigKey{Name: "field", Type: connect.TypeString, Required: true, Importance: connect.Medium,
			Doc: "Field name for the single field that will be created in the resulting Struct or Map."})
	},
	build: func(cfg connect.Config, s side) (connect.Transformation, error) {
		return &HoistField{side: s, field: cfg.String("field")}, nil
	},
}

// HoistField wraps the key or value in a one-field Struct or map.
type HoistField struct {
	side    side
	field   string
	schemas cache[*connect.Schema, *connect.Schema]
}

// Apply implements connect.Transformation.
func (t *HoistField) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	schema, v := t.side.operating(r)
	if schema == nil {
		return t.side.with(r, nil, map[string]any{t.field: v}), nil
	}
	if v == nil && !schema.Optional && schema.Default == nil {
		// Kafka's Struct.put throws here; say why instead.
		return nil, recordErr("HoistField"+t.side.suffix(), r, "invalid value: null used for required field: %q, schema type: %s", t.field, schema.Type.UpperName())
	}
	out, ok := t.schemas.get(schema)
	if !ok {
		out = connect.StructOf("", false, connect.F(t.field, schema))
		t.schemas.put(schema, out)
	}
	return t.side.with(r, out, &connect.Struct{Schema: out, Values: []any{v}}), nil
}
