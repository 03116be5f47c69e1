package transforms

import (
	"context"
	"fmt"
	"strings"

	"github.com/inletdev/inlet/connect"
)

var replaceFieldPlugin = kvPlugin{
	name: "ReplaceField",
	doc: "Filter or rename fields. A field is kept when it is not excluded and include is empty or lists it; renames apply after. " +
		"Kafka Connect equivalent: org.apache.kafka.connect.transforms.ReplaceField$Key / $Value.",
	config: func() *connect.ConfigDef {
		return connect.NewConfigDef(
			connect.ConfigKey{Name: "exclude", Type: connect.TypeList, Default: "", Importance: connect.Medium,
				Doc: "Fields to exclude. This takes precedence over the fields to include."},
			connect.ConfigKey{Name: "include", Type: connect.TypeList, Default: "", Importance: connect.Medium,
				Doc: "Fields to include. If specified, only these fields will be used."},
			connect.ConfigKey{Name: "renames", Type: connect.TypeList, Default: "", Importance: connect.Medium,
				Validator: func(v any) error { _, err := parseRenames(v.([]string)); return err },
				Doc:       "Field rename mappings, e.g. foo:bar,abc:xyz."},
			replaceNullDef(),
		).Reject("blacklist", "was renamed to exclude (Kafka removed blacklist in 4.0)").
			Reject("whitelist", "was renamed to include (Kafka removed whitelist in 4.0)")
	},
	build: func(cfg connect.Config, s side) (connect.Transformation, error) {
		renames, _ := parseRenames(cfg.List("renames"))
		t := &ReplaceField{side: s, exclude: set(cfg.List("exclude")), include: set(cfg.List("include")),
			renames: renames, reverse: map[string]string{}, replaceNull: cfg.Bool(replaceNullKey)}
		for k, v := range renames {
			t.reverse[v] = k
		}
		return t, nil
	},
}

func parseRenames(list []string) (map[string]string, error) {
	out := make(map[string]string, len(list))
	for _, m := range list {
		parts := strings.Split(m, ":")
		if len(parts) != 2 {
			return nil, fmt.Errorf("Invalid rename mapping: %s (expected old:new)", m)
		}
		out[parts[0]] = parts[1]
	}
	return out, nil
}

func set(list []string) map[string]bool {
	out := make(map[string]bool, len(list))
	for _, s := range list {
		out[s] = true
	}
	return out
}

// ReplaceField filters and renames fields of the key or value.
type ReplaceField struct {
	side             side
	exclude, include map[string]bool
	renames, reverse map[string]string
	replaceNull      bool
	schemas          cache[*connect.Schema, *replacePlan]
}

type replacePlan struct {
	schema *connect.Schema
	from   []int
}

func (t *ReplaceField) keep(name string) bool {
	return !t.exclude[name] && (len(t.include) == 0 || t.include[name])
}

func (t *ReplaceField) renamed(name string) string {
	if n, ok := t.renames[name]; ok {
		return n
	}
	return name
}

// Apply implements connect.Transformation. A null key/value passes through.
func (t *ReplaceField) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	name := "ReplaceField" + t.side.suffix()
	schema, v := t.side.operating(r)
	if v == nil {
		return r, nil
	}
	if schema == nil {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, recordErr(name, r, "only Map objects supported in absence of schema for [field replacement], found: %s", typeName(v))
		}
		out := make(map[string]any, len(m))
		for k, x := range m {
			if t.keep(k) {
				out[t.renamed(k)] = x
			}
		}
		return t.side.with(r, nil, out), nil
	}
	st, ok := asStruct(v)
	if !ok {
		return nil, recordErr(name, r, "only Struct objects supported for [field replacement], found: %s", typeName(v))
	}
	plan, ok := t.schemas.get(st.Schema)
	if !ok {
		plan = &replacePlan{schema: copySchemaBasics(st.Schema, connect.StructType)}
		plan.schema.Optional, plan.schema.Default = st.Schema.Optional, nil
		b := newStructBuilder(plan.schema)
		for _, f := range st.Schema.Fields {
			if t.keep(f.Name) {
				if err := b.field(t.renamed(f.Name), f.Schema); err != nil {
					return nil, recordErr(name, r, "%v", err)
				}
				plan.from = append(plan.from, f.Index)
			}
		}
		t.schemas.put(st.Schema, plan)
	}
	out := &connect.Struct{Schema: plan.schema, Values: make([]any, len(plan.from))}
	for i, j := range plan.from {
		out.Values[i] = fieldValue(st, j, t.replaceNull)
	}
	return t.side.with(r, plan.schema, out), nil
}
