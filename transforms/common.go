package transforms

import (
	"github.com/inletdev/inlet/connect"
)

// javaPkg is the package of Kafka's built-in transforms.
const javaPkg = "org.apache.kafka.connect.transforms."

// Keys shared by many transforms, with Kafka's docs.
const replaceNullKey = "replace.null.with.default"

func replaceNullDef() connect.ConfigKey {
	return connect.ConfigKey{Name: replaceNullKey, Type: connect.TypeBoolean, Default: "true", Importance: connect.Medium,
		Doc: "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used. Kafka Connect equivalent: the same key (KIP-1040)."}
}

// side selects the record's key or value, as Kafka's $Key/$Value classes do.
type side bool

const (
	onKey   side = true
	onValue side = false
)

func (s side) suffix() string {
	if s == onKey {
		return "$Key"
	}
	return "$Value"
}

func (s side) operating(r *connect.Record) (*connect.Schema, any) {
	if s == onKey {
		return r.KeySchema, r.Key
	}
	return r.ValueSchema, r.Value
}

// with returns a clone of r whose key or value is replaced.
func (s side) with(r *connect.Record, schema *connect.Schema, v any) *connect.Record {
	c := r.Clone()
	if s == onKey {
		c.KeySchema, c.Key = schema, v
	} else {
		c.ValueSchema, c.Value = schema, v
	}
	return c
}

// kvPlugin describes a transform with Kafka's $Key and $Value forms.
type kvPlugin struct {
	name   string // Kafka's simple class name, e.g. "Cast"
	doc    string
	config func() *connect.ConfigDef
	build  func(cfg connect.Config, s side) (connect.Transformation, error)
}

// register adds Name$Key and Name$Value, each aliased to its Java class.
func (p kvPlugin) register(r *connect.Registry) {
	for _, s := range []side{onKey, onValue} {
		s := s
		what := "value"
		if s == onKey {
			what = "key"
		}
		r.Register(connect.Plugin{
			Kind:    connect.KindTransform,
			Name:    p.name + s.suffix(),
			Aliases: []string{javaPkg + p.name + s.suffix()},
			Doc:     p.doc + " This form works on the record " + what + ".",
			Config:  p.config(),
			NewTransform: func(cfg connect.Config) (connect.Transformation, error) {
				return p.build(cfg, s)
			},
		})
	}
}

// fieldValue reads field i of st, replacing a null with the field's default
// when replaceNull is set (Kafka's Struct.get versus getWithoutDefault).
func fieldValue(st *connect.Struct, i int, replaceNull bool) any {
	if i >= len(st.Values) {
		return nil // a malformed struct (fewer values than fields) reads as nulls, never panics
	}
	v := st.Values[i]
	if v == nil && replaceNull {
		return st.Schema.Fields[i].Schema.Default
	}
	return v
}

// copySchemaBasics returns a new schema of type t carrying s's name,
// version, doc and parameters (Kafka's SchemaUtil.copySchemaBasics).
func copySchemaBasics(s *connect.Schema, t connect.Type) *connect.Schema {
	return &connect.Schema{Type: t, Name: s.Name, Version: s.Version, Doc: s.Doc, Parameters: s.Parameters}
}

// structBuilder collects fields for a new STRUCT schema and rejects
// duplicate names as Kafka's SchemaBuilder does.
type structBuilder struct {
	s     *connect.Schema
	names map[string]bool
}

func newStructBuilder(basics *connect.Schema) *structBuilder {
	return &structBuilder{s: basics, names: map[string]bool{}}
}

func (b *structBuilder) field(name string, s *connect.Schema) error {
	if b.names[name] {
		return &dupFieldError{name}
	}
	b.names[name] = true
	b.s.Fields = append(b.s.Fields, connect.Field{Name: name, Index: len(b.s.Fields), Schema: s})
	return nil
}

type dupFieldError struct{ name string }

func (e *dupFieldError) Error() string {
	return "cannot create field because of field name duplication " + e.name
}

// cloneMap copies a schemaless object shallowly.
func cloneMap(m map[string]any, extra int) map[string]any {
	out := make(map[string]any, len(m)+extra)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// asStruct returns v as a usable *connect.Struct: non-nil, with a schema.
// Callers treat anything else as a wrong type instead of panicking on it.
func asStruct(v any) (*connect.Struct, bool) {
	st, ok := v.(*connect.Struct)
	if !ok || st == nil || st.Schema == nil {
		return nil, false
	}
	return st, true
}
