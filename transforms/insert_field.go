package transforms

import (
	"context"
	"strings"

	"github.com/inletdev/inlet/connect"
)

var insertFieldKeys = []string{"topic.field", "partition.field", "offset.field", "timestamp.field", "static.field"}

var insertFieldPlugin = kvPlugin{
	name: "InsertField",
	doc: "Insert field(s) using attributes from the record metadata or a configured static value. " +
		"Kafka Connect equivalent: org.apache.kafka.connect.transforms.InsertField$Key / $Value.",
	config: func() *connect.ConfigDef {
		suffix := " Suffix with ! to make this a required field, or ? to keep it optional (the default)."
		return connect.NewConfigDef(
			connect.ConfigKey{Name: "topic.field", Importance: connect.Medium, Doc: "Field name for Kafka topic." + suffix},
			connect.ConfigKey{Name: "partition.field", Importance: connect.Medium, Doc: "Field name for Kafka partition." + suffix},
			connect.ConfigKey{Name: "offset.field", Importance: connect.Medium, Doc: "Field name for Kafka offset - only applicable to records read from Kafka (sink connectors in Kafka Connect)." + suffix},
			connect.ConfigKey{Name: "timestamp.field", Importance: connect.Medium, Doc: "Field name for record timestamp." + suffix},
			connect.ConfigKey{Name: "static.field", Importance: connect.Medium, Doc: "Field name for static data field." + suffix},
			connect.ConfigKey{Name: "static.value", Importance: connect.Medium, Doc: "Static field value, if field name configured. Set without static.field, it is a configuration error (Kafka ignores it)."},
			replaceNullDef(),
		).Check(func(c connect.Config) connect.ConfigErrors {
			for _, k := range insertFieldKeys {
				if c.String(k) != "" {
					return nil
				}
			}
			return connect.ConfigErrors{{Key: "topic.field", Reason: "No field insertion configured: set at least one of topic.field, partition.field, offset.field, timestamp.field or static.field"}}
		}).Check(func(c connect.Config) connect.ConfigErrors {
			if f := c.String("static.field"); f != "" && !c.Has("static.value") {
				return connect.ConfigErrors{{Key: "static.value", Reason: "No value specified for static field: " + f}}
			}
			// Kafka ignores a static value without a field; it is a mistake
			// (often a misspelt static.field), so say so.
			if c.String("static.field") == "" && c.Has("static.value") {
				return connect.ConfigErrors{{Key: "static.value", Value: c.Raw("static.value"), Reason: "has no effect without static.field: set static.field to the field name or remove it"}}
			}
			return nil
		})
	},
	build: func(cfg connect.Config, s side) (connect.Transformation, error) {
		t := &InsertField{side: s, replaceNull: cfg.Bool(replaceNullKey), staticValue: cfg.String("static.value")}
		t.topic = parseInsertSpec(cfg.String("topic.field"))
		t.partition = parseInsertSpec(cfg.String("partition.field"))
		t.offset = parseInsertSpec(cfg.String("offset.field"))
		t.timestamp = parseInsertSpec(cfg.String("timestamp.field"))
		t.static = parseInsertSpec(cfg.String("static.field"))
		t.all = t.specs()
		return t, nil
	},
}

// insertSpec is a field name with Kafka's ! (required) / ? (optional) suffix.
type insertSpec struct {
	name     string
	optional bool
}

func (s *insertSpec) set() bool { return s != nil }

func parseInsertSpec(v string) *insertSpec {
	if v == "" {
		return nil
	}
	switch {
	case strings.HasSuffix(v, "!"):
		return &insertSpec{name: v[:len(v)-1]}
	case strings.HasSuffix(v, "?"):
		return &insertSpec{name: v[:len(v)-1], optional: true}
	}
	return &insertSpec{name: v, optional: true}
}

// InsertField adds record metadata or a static value as fields.
type InsertField struct {
	side                                        side
	topic, partition, offset, timestamp, static *insertSpec
	staticValue                                 string
	all                                         []*insertSpec // the set specs, in order
	replaceNull                                 bool
	schemas                                     cache[*connect.Schema, *connect.Schema]
}

// specs returns the configured fields in Kafka's order (topic, partition,
// offset, timestamp, static).
func (t *InsertField) specs() []*insertSpec {
	var out []*insertSpec
	for _, s := range []*insertSpec{t.topic, t.partition, t.offset, t.timestamp, t.static} {
		if s.set() {
			out = append(out, s)
		}
	}
	return out
}

// value returns what spec s inserts for r. With a schema, a required
// (trailing !) field without a value is an error here rather than a
// converter failure later; schemaless objects have no required fields.
func (t *InsertField) value(r *connect.Record, s *insertSpec, name string, schemad bool) (any, error) {
	var v any
	switch s {
	case t.topic:
		v = r.Topic
	case t.partition:
		if r.Partition >= 0 {
			v = r.Partition
		}
	case t.offset:
		// Kafka: only a SinkRecord has an offset; in inlet, a record read from Kafka.
		if !r.Origin.IsSet() {
			return nil, recordErr(name, r, "offset.field needs a record read from Kafka (Kafka: \"Only SinkRecord supported for [field insertion]\"), this one has no Kafka offset")
		}
		v = r.Origin.Offset
	case t.timestamp:
		if !r.Timestamp.IsZero() {
			v = r.Timestamp.UTC()
		}
	case t.static:
		v = t.staticValue
	}
	if v == nil && !s.optional && schemad {
		return nil, recordErr(name, r, "required field %q (set with a trailing !) has no value for this record", s.name)
	}
	return v, nil
}

// Apply implements connect.Transformation. A null key/value passes through.
func (t *InsertField) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	name := "InsertField" + t.side.suffix()
	schema, v := t.side.operating(r)
	if v == nil {
		return r, nil
	}
	specs := t.all
	if schema == nil {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, recordErr(name, r, "only Map objects supported in absence of schema for [field insertion], found: %s", typeName(v))
		}
		out := cloneMap(m, len(specs))
		for _, s := range specs {
			v, err := t.value(r, s, name, false)
			if err != nil {
				return nil, err
			}
			if v != nil { // Kafka leaves out a null partition or timestamp
				out[s.name] = v
			}
		}
		return t.side.with(r, nil, out), nil
	}
	st, ok := asStruct(v)
	if !ok {
		return nil, recordErr(name, r, "only Struct objects supported for [field insertion], found: %s", typeName(v))
	}
	out, ok := t.schemas.get(st.Schema)
	if !ok {
		out = copySchemaBasics(st.Schema, connect.StructType)
		out.Optional = st.Schema.Optional
		b := newStructBuilder(out)
		for _, f := range st.Schema.Fields {
			_ = b.field(f.Name, f.Schema)
		}
		for _, s := range specs {
			var fs *connect.Schema
			switch s {
			case t.topic, t.static:
				fs = connect.PrimitiveSchema(connect.String, s.optional)
			case t.partition:
				fs = connect.PrimitiveSchema(connect.Int32, s.optional)
			case t.offset:
				fs = connect.PrimitiveSchema(connect.Int64, s.optional)
			case t.timestamp:
				fs = connect.TimestampSchema(s.optional)
			}
			if err := b.field(s.name, fs); err != nil {
				return nil, recordErr(name, r, "%v (the %s schema already has it)", err, st.Schema)
			}
		}
		t.schemas.put(st.Schema, out)
	}
	n := len(st.Schema.Fields)
	nv := make([]any, len(out.Fields))
	for i := 0; i < n; i++ {
		nv[i] = fieldValue(st, i, t.replaceNull)
	}
	for i, s := range specs {
		v, err := t.value(r, s, name, true)
		if err != nil {
			return nil, err
		}
		nv[n+i] = v
	}
	return t.side.with(r, out, &connect.Struct{Schema: out, Values: nv}), nil
}
