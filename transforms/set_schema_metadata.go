package transforms

import (
	"context"

	"github.com/inletdev/inlet/connect"
)

var setSchemaMetadataPlugin = kvPlugin{
	name: "SetSchemaMetadata",
	doc: "Set the schema name, version or both on the record's key or value schema. " +
		"Kafka Connect equivalent: org.apache.kafka.connect.transforms.SetSchemaMetadata$Key / $Value.",
	config: func() *connect.ConfigDef {
		return connect.NewConfigDef(
			connect.ConfigKey{Name: "schema.name", Importance: connect.High, Doc: "Schema name to set."},
			connect.ConfigKey{Name: "schema.version", Type: connect.TypeInt, Importance: connect.High, Doc: "Schema version to set."},
			replaceNullDef(),
		).Check(func(c connect.Config) connect.ConfigErrors {
			if !c.Has("schema.name") && !c.Has("schema.version") {
				return connect.ConfigErrors{{Key: "schema.name", Reason: "Neither schema name nor version configured"}}
			}
			return nil
		})
	},
	build: func(cfg connect.Config, s side) (connect.Transformation, error) {
		t := &SetSchemaMetadata{side: s, replaceNull: cfg.Bool(replaceNullKey)}
		if cfg.Has("schema.name") {
			n := cfg.String("schema.name")
			t.name = &n
		}
		if cfg.Has("schema.version") {
			v := cfg.Int("schema.version")
			t.version = &v
		}
		return t, nil
	},
}

// SetSchemaMetadata renames or re-versions the key or value schema.
type SetSchemaMetadata struct {
	side        side
	name        *string
	version     *int
	replaceNull bool
	schemas     cache[*connect.Schema, *connect.Schema]
}

// Apply implements connect.Transformation.
func (t *SetSchemaMetadata) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	schema, v := t.side.operating(r)
	if schema == nil {
		return nil, recordErr("SetSchemaMetadata"+t.side.suffix(), r, "Schema required for [updating schema metadata]")
	}
	out, ok := t.schemas.get(schema)
	if !ok {
		out = schema.Copy()
		if t.name != nil {
			out.Name = *t.name
		}
		if t.version != nil {
			out.Version = *t.version
		}
		t.schemas.put(schema, out)
	}
	if st, ok := asStruct(v); ok {
		nv := make([]any, len(st.Schema.Fields))
		for i := range nv {
			nv[i] = fieldValue(st, i, t.replaceNull)
		}
		v = &connect.Struct{Schema: out, Values: nv}
	}
	return t.side.with(r, out, v), nil
}
