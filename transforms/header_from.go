package transforms

import (
	"context"
	"fmt"
	"strings"

	"github.com/inletdev/inlet/connect"
)

var headerFromPlugin = kvPlugin{
	name: "HeaderFrom",
	doc: "Moves or copies fields in the key/value of a record into that record's headers. Corresponding elements of fields and headers together identify a field and the header it should be moved or copied to. " +
		"Kafka Connect equivalent: org.apache.kafka.connect.transforms.HeaderFrom$Key / $Value.",
	config: func() *connect.ConfigDef {
		return connect.NewConfigDef(
			connect.ConfigKey{Name: "fields", Type: connect.TypeList, Required: true, Importance: connect.High,
				Doc: "Field names in the record whose values are to be copied or moved to headers."},
			connect.ConfigKey{Name: "headers", Type: connect.TypeList, Required: true, Importance: connect.High,
				Doc: "Header names, in the same order as the field names listed in the fields configuration property."},
			connect.ConfigKey{Name: "operation", Required: true, Importance: connect.High, Validator: connect.OneOf("move", "copy"),
				Doc: "Either move if the fields are to be moved to the headers (removed from the key/value), or copy if the fields are to be copied to the headers (retained in the key/value)."},
			replaceNullDef(),
		).Check(func(c connect.Config) connect.ConfigErrors {
			if len(c.List("fields")) != len(c.List("headers")) {
				return connect.ConfigErrors{{Key: "headers", Reason: "'fields' config must have the same number of elements as 'headers' config."}}
			}
			return nil
		})
	},
	build: func(cfg connect.Config, s side) (connect.Transformation, error) {
		return &HeaderFrom{side: s, fields: cfg.List("fields"), headers: cfg.List("headers"),
			move: strings.EqualFold(cfg.String("operation"), "move"), replaceNull: cfg.Bool(replaceNullKey)}, nil
	},
}

// HeaderFrom copies or moves fields into headers.
type HeaderFrom struct {
	side            side
	fields, headers []string
	move            bool
	replaceNull     bool
	schemas         cache[*connect.Schema, *headerFromPlan]
}

type headerFromPlan struct {
	schema *connect.Schema // after a move
	keep   []int           // fields kept by a move
	from   []int           // field index per configured field
}

func (t *HeaderFrom) op() string {
	if t.move {
		return "header move"
	}
	return "header copy"
}

// Apply implements connect.Transformation. A null key/value passes through
// (Kafka throws on it).
func (t *HeaderFrom) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	name := "HeaderFrom" + t.side.suffix()
	schema, v := t.side.operating(r)
	if v == nil {
		return r, nil
	}
	headers := make(connect.Headers, len(r.Headers), len(r.Headers)+len(t.fields))
	copy(headers, r.Headers)
	if schema == nil {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, recordErr(name, r, "only Map objects supported in absence of schema for [%s], found: %s", t.op(), typeName(v))
		}
		out := m
		if t.move {
			out = cloneMap(m, 0)
		}
		for i, f := range t.fields {
			headers = headers.Add(t.headers[i], nil, m[f])
			if t.move {
				delete(out, f)
			}
		}
		c := t.side.with(r, nil, out)
		c.Headers = headers
		return c, nil
	}
	st, ok := asStruct(v)
	if !ok {
		return nil, recordErr(name, r, "only Struct objects supported for [%s], found: %s", t.op(), typeName(v))
	}
	plan, err := t.plan(st.Schema)
	if err != nil {
		return nil, recordErr(name, r, "%v", err)
	}
	for i, j := range plan.from {
		headers = headers.Add(t.headers[i], st.Schema.Fields[j].Schema, fieldValue(st, j, t.replaceNull))
	}
	out := st
	if t.move {
		out = &connect.Struct{Schema: plan.schema, Values: make([]any, len(plan.keep))}
		for i, j := range plan.keep {
			out.Values[i] = fieldValue(st, j, t.replaceNull)
		}
	}
	c := t.side.with(r, out.Schema, out)
	c.Headers = headers
	return c, nil
}

func (t *HeaderFrom) plan(s *connect.Schema) (*headerFromPlan, error) {
	if p, ok := t.schemas.get(s); ok {
		return p, nil
	}
	p := &headerFromPlan{}
	moved := map[string]bool{}
	for _, f := range t.fields {
		fd, ok := s.Field(f)
		if !ok {
			// Kafka fails with a NullPointerException here.
			return nil, fmt.Errorf("field %q is not in the schema %s", f, s)
		}
		p.from = append(p.from, fd.Index)
		moved[f] = true
	}
	if t.move {
		p.schema = copySchemaBasics(s, connect.StructType)
		p.schema.Optional = s.Optional
		b := newStructBuilder(p.schema)
		for _, f := range s.Fields {
			if !moved[f.Name] {
				_ = b.field(f.Name, f.Schema)
				p.keep = append(p.keep, f.Index)
			}
		}
	}
	t.schemas.put(s, p)
	return p, nil
}
