package transforms

import (
	"context"

	"github.com/inletdev/inlet/connect"
)

const valueToKeyPurpose = "copying fields from value to key"

// ValueToKey replaces the key with a Struct or map of fields of the value.
// Kafka Connect equivalent: org.apache.kafka.connect.transforms.ValueToKey.
type ValueToKey struct {
	fields      []string
	replaceNull bool
	schemas     cache[*connect.Schema, *valueToKeyPlan]
}

// valueToKeyPlan is the key schema built for one value schema and where
// each key field comes from.
type valueToKeyPlan struct {
	schema *connect.Schema
	from   []int
}

// Apply implements connect.Transformation. A null value (a tombstone) is
// passed through unchanged; Kafka throws on it, which makes ValueToKey
// unusable on CDC topics with deletes.
func (t *ValueToKey) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	if r.Value == nil {
		return r, nil
	}
	c := r.Clone()
	if r.ValueSchema == nil {
		m, ok := r.Value.(map[string]any)
		if !ok {
			return nil, recordErr("ValueToKey", r, "only Map objects supported in absence of schema for [%s], found: %s", valueToKeyPurpose, typeName(r.Value))
		}
		key := make(map[string]any, len(t.fields))
		for _, f := range t.fields {
			key[f] = m[f]
		}
		c.KeySchema, c.Key = nil, key
		return c, nil
	}
	st, ok := asStruct(r.Value)
	if !ok {
		return nil, recordErr("ValueToKey", r, "only Struct objects supported for [%s], found: %s", valueToKeyPurpose, typeName(r.Value))
	}
	plan, ok := t.schemas.get(st.Schema)
	if !ok {
		plan = &valueToKeyPlan{schema: &connect.Schema{Type: connect.StructType}}
		b := newStructBuilder(plan.schema)
		for _, name := range t.fields {
			f, ok := st.Schema.Field(name)
			if !ok {
				return nil, recordErr("ValueToKey", r, "Field does not exist: %s (value schema %s)", name, st.Schema)
			}
			if err := b.field(name, f.Schema); err != nil {
				return nil, recordErr("ValueToKey", r, "%v", err)
			}
			plan.from = append(plan.from, f.Index)
		}
		t.schemas.put(st.Schema, plan)
	}
	key := &connect.Struct{Schema: plan.schema, Values: make([]any, len(plan.from))}
	for i, j := range plan.from {
		key.Values[i] = fieldValue(st, j, t.replaceNull)
	}
	c.KeySchema, c.Key = plan.schema, key
	return c, nil
}

func registerValueToKey(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind: connect.KindTransform, Name: "ValueToKey", Aliases: []string{javaPkg + "ValueToKey"},
		Doc: "Replace the record key with a new key formed from a subset of fields in the record value. " +
			"Kafka Connect equivalent: org.apache.kafka.connect.transforms.ValueToKey (inlet passes tombstones through instead of failing on them).",
		Config: connect.NewConfigDef(
			connect.ConfigKey{Name: "fields", Type: connect.TypeList, Required: true, Importance: connect.High, Validator: connect.NonEmpty(),
				Doc: "Field names on the record value to extract as the record key."},
			replaceNullDef(),
		),
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) {
			return &ValueToKey{fields: cfg.List("fields"), replaceNull: cfg.Bool(replaceNullKey)}, nil
		},
	})
}
