// Package unwrap is Debezium's ExtractNewRecordState ("unwrap"): it
// replaces a change-event envelope by its row state, handles deletes and
// tombstones per delete.tombstone.handling.mode (or the legacy
// drop.tombstones/delete.handling.mode pair), and can copy envelope,
// source and transaction fields into the row or into headers.
//
// It works on schema'd envelopes (a value schema whose name ends with
// ".Envelope", as Debezium checks) and on schemaless ones (a map with an
// "op" string and "before"/"after" objects). Anything else — heartbeats,
// schema-change and transaction-metadata events — passes through
// unchanged. Truncate events (before and after both null) are dropped.
package unwrap

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/inletdev/inlet/connect"
)

// deletedField is added by the rewrite modes ("true" for deletes).
const deletedField = "__deleted"

var deletedSchema = connect.OptionalStringSchema

// Transform is ExtractNewRecordState. It is safe for concurrent use.
type Transform struct {
	mode           deleteMode
	keepTombstones bool
	fields         []fieldRef
	headers        []fieldRef
	routeBy        string
	dropHeader     string
	dropFromKey    bool
	keepCompatible bool
	replaceNull    bool

	plans  schemaCache[planKey, *rowPlan]
	hplans schemaCache[*connect.Schema, []resolved]
	drops  schemaCache[dropKey, *dropPlan]
}

// New builds the transform from a parsed configuration.
func New(cfg connect.Config) (*Transform, error) {
	t := &Transform{routeBy: cfg.String(keyRouteBy), dropHeader: cfg.String(keyDropHeader),
		dropFromKey: cfg.Bool(keyDropFromKey), keepCompatible: cfg.Bool(keyKeepCompatible), replaceNull: cfg.Bool(keyReplaceNull)}
	switch {
	case cfg.Has(keyMode):
		t.mode, t.keepTombstones = modeOf(cfg.String(keyMode))
	case cfg.Has(keyDropTombstones) || cfg.Has(keyDeleteHandling):
		t.mode, t.keepTombstones = legacyMode(cfg.Bool(keyDropTombstones), cfg.String(keyDeleteHandling))
	default:
		t.mode, t.keepTombstones = modeOf(ModeTombstone)
	}
	for _, f := range cfg.List(keyAddFields) {
		r, err := parseFieldRef(cfg.String(keyAddFieldsPre), f)
		if err != nil {
			return nil, err
		}
		t.fields = append(t.fields, r)
	}
	for _, f := range cfg.List(keyAddHeaders) {
		r, err := parseFieldRef(cfg.String(keyAddHeadersPre), f)
		if err != nil {
			return nil, err
		}
		t.headers = append(t.headers, r)
	}
	return t, nil
}

// Register adds ExtractNewRecordState under Debezium's class names.
func Register(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind: connect.KindTransform, Name: "ExtractNewRecordState",
		Aliases: []string{"io.debezium.transforms.ExtractNewRecordState", "io.debezium.transforms.UnwrapFromEnvelope"},
		Doc: "Debezium's \"unwrap\": replaces a change-event envelope by the row state (after, or before for rewritten deletes), " +
			"handles deletes and tombstones, and can add envelope/source/transaction fields to the row or to headers. Non-envelope records pass through unchanged. " +
			"Debezium equivalent: io.debezium.transforms.ExtractNewRecordState, current and legacy option names.",
		Config: ConfigDef(),
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) {
			return New(cfg)
		},
	})
}

// Apply implements connect.Transformation.
func (t *Transform) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	if r.Value == nil {
		if !t.keepTombstones {
			return nil, nil
		}
		c := r.Clone()
		for _, h := range t.headers {
			if h.field == "op" {
				c.Headers = c.Headers.Add(h.out, connect.StringSchema, "d")
			}
		}
		return c, nil
	}
	if r.ValueSchema == nil {
		m, ok := r.Value.(map[string]any)
		if !ok || !isSchemalessEnvelope(m) {
			return r, nil
		}
		return t.applySchemaless(r, m)
	}
	env, ok := r.Value.(*connect.Struct)
	if !ok || !strings.HasSuffix(r.ValueSchema.Name, ".Envelope") {
		return r, nil
	}
	if !wellFormed(env) {
		return nil, recordErr(r, "malformed envelope struct (no schema, or values that do not match its fields)")
	}
	return t.applySchema(r, env)
}

func isSchemalessEnvelope(m map[string]any) bool {
	op, ok := m["op"].(string)
	if !ok || len(op) != 1 {
		return false
	}
	_, hasAfter := m["after"]
	_, hasBefore := m["before"]
	return hasAfter || hasBefore
}

// resolved is an add.fields/add.headers entry located in one envelope schema.
type resolved struct {
	out    string
	schema *connect.Schema // optional copy of the field's schema
	parent int             // envelope field index of the parent struct, -1 = the envelope
	field  int             // index in the parent (or envelope)
	name   string
}

func (x resolved) value(env *connect.Struct) any {
	if x.parent < 0 {
		return env.Values[x.field]
	}
	p, _ := env.Values[x.parent].(*connect.Struct)
	if !wellFormed(p) {
		return nil
	}
	if x.field < len(p.Values) && p.Schema.Fields[x.field].Name == x.name {
		return p.Values[x.field]
	}
	return p.Get(x.name)
}

// resolve locates refs in an envelope schema; like Debezium it skips a
// field the schema does not have, and falls back to a top-level envelope
// field of that name (one added by an earlier SMT).
func resolve(refs []fieldRef, env *connect.Schema) []resolved {
	var out []resolved
	for _, ref := range refs {
		var f connect.Field
		var ok bool
		parent := -1
		if ref.parent != "" {
			if pf, pok := env.Field(ref.parent); pok && pf.Schema.Type == connect.StructType {
				if f, ok = pf.Schema.Field(ref.field); ok {
					parent = pf.Index
				}
			}
		}
		if !ok {
			f, ok = env.Field(ref.field)
		}
		if !ok {
			continue
		}
		s := f.Schema.Copy()
		s.Optional, s.Default = true, nil
		out = append(out, resolved{out: ref.out, schema: s, parent: parent, field: f.Index, name: f.Name})
	}
	return out
}

type planKey struct{ env, row *connect.Schema }

// rowPlan is the output row schema for one envelope/row schema pair.
type rowPlan struct {
	schema  *connect.Schema
	added   []resolved
	deleted bool
}

func (t *Transform) plan(env, row *connect.Schema) *rowPlan {
	k := planKey{env, row}
	if p, ok := t.plans.get(k); ok {
		return p
	}
	p := &rowPlan{added: resolve(t.fields, env), deleted: t.mode == deletesRewritten}
	if len(p.added) == 0 && !p.deleted {
		p.schema = row
	} else {
		s := &connect.Schema{Type: connect.StructType, Name: row.Name, Version: row.Version, Doc: row.Doc, Parameters: row.Parameters, Optional: row.Optional}
		seen := map[string]bool{}
		add := func(name string, fs *connect.Schema) {
			if seen[name] {
				return // Kafka's SchemaBuilder would throw; keep the first
			}
			seen[name] = true
			s.Fields = append(s.Fields, connect.Field{Name: name, Index: len(s.Fields), Schema: fs})
		}
		for _, f := range row.Fields {
			add(f.Name, f.Schema)
		}
		for _, a := range p.added {
			add(a.out, a.schema)
		}
		if p.deleted {
			add(deletedField, deletedSchema)
		}
		p.schema = s
	}
	t.plans.put(k, p)
	return p
}

func (t *Transform) applySchema(r *connect.Record, env *connect.Struct) (*connect.Record, error) {
	es := env.Schema
	afterF, okA := es.Field("after")
	beforeF, okB := es.Field("before")
	if !okA && !okB {
		return r, nil
	}
	var after, before *connect.Struct
	if okA {
		after, _ = env.Values[afterF.Index].(*connect.Struct)
	}
	if okB {
		before, _ = env.Values[beforeF.Index].(*connect.Struct)
	}
	if (after != nil && !wellFormed(after)) || (before != nil && !wellFormed(before)) {
		return nil, recordErr(r, "malformed before/after struct (no schema, or values that do not match its fields)")
	}
	if after == nil && before == nil {
		return nil, nil // truncate (or an empty envelope): Debezium drops it
	}
	c := r.Clone()
	if len(t.headers) > 0 {
		hs, ok := t.hplans.get(es)
		if !ok {
			hs = resolve(t.headers, es)
			t.hplans.put(es, hs)
		}
		headers := make(connect.Headers, len(r.Headers), len(r.Headers)+len(hs))
		copy(headers, r.Headers)
		for _, h := range hs {
			headers = headers.Add(h.out, h.schema, h.value(env))
		}
		c.Headers = headers
	}
	if after == nil { // delete
		if err := t.route(c, before); err != nil {
			return nil, err
		}
		switch t.mode {
		case deletesDropped:
			return nil, nil
		case deletesTombstone:
			c.ValueSchema, c.Value = nil, nil
			return t.dropFields(c, true)
		case deletesNullValue:
			if okA {
				c.ValueSchema = afterF.Schema
			}
			c.Value = nil
			return t.dropFields(c, true)
		}
		t.buildRow(c, env, before, "true")
		return c, nil
	}
	if err := t.route(c, after); err != nil {
		return nil, err
	}
	t.buildRow(c, env, after, "false")
	return t.dropFields(c, false)
}

// buildRow sets c's value to row, extended by add.fields and __deleted.
func (t *Transform) buildRow(c *connect.Record, env, row *connect.Struct, deleted string) {
	p := t.plan(env.Schema, row.Schema)
	if p.schema == row.Schema {
		c.ValueSchema, c.Value = row.Schema, row
		return
	}
	vals := make([]any, len(p.schema.Fields))
	// Debezium copies the row without defaults for add.fields, and with
	// them (Kafka's InsertField, configured by replace.null.with.default)
	// when it adds __deleted.
	replace := t.replaceNull && p.deleted
	for i := range row.Values {
		v := row.Values[i]
		if v == nil && replace {
			v = row.Schema.Fields[i].Schema.Default
		}
		vals[i] = v
	}
	n := len(row.Values)
	for _, a := range p.added {
		if n < len(vals) && p.schema.Fields[n].Name == a.out {
			vals[n] = a.value(env)
			n++
		}
	}
	if p.deleted && n < len(vals) {
		vals[n] = deleted
	}
	c.ValueSchema, c.Value = p.schema, &connect.Struct{Schema: p.schema, Values: vals}
}

// route sets the topic from route.by.field of row.
func (t *Transform) route(c *connect.Record, row any) error {
	if t.routeBy == "" || row == nil {
		return nil
	}
	var v any
	switch x := row.(type) {
	case *connect.Struct:
		if x == nil {
			return nil
		}
		var ok bool
		if v, ok = x.Lookup(t.routeBy); !ok {
			return recordErr(c, "route.by.field %q is not a field of the row (%s)", t.routeBy, x.Schema)
		}
	case map[string]any:
		v = x[t.routeBy]
	}
	if v == nil {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return recordErr(c, "route.by.field %q must hold a string to name a topic, found %T", t.routeBy, v)
	}
	if strings.TrimSpace(s) != "" {
		c.Topic = s
	}
	return nil
}

// dropFields removes the fields listed in the drop.fields.header.name
// header from the value (and the key with drop.fields.from.key). As in
// Debezium, a null value keeps its schema.
func (t *Transform) dropFields(c *connect.Record, isDelete bool) (*connect.Record, error) {
	if strings.TrimSpace(t.dropHeader) == "" {
		return c, nil
	}
	h, ok := c.Headers.Last(t.dropHeader)
	if !ok || h.Value == nil {
		return c, nil
	}
	names, ok := stringList(h.Value)
	if !ok {
		return nil, recordErr(c, "header %q (drop.fields.header.name) must hold a list of field names, found %T", t.dropHeader, h.Value)
	}
	if len(names) == 0 {
		return c, nil
	}
	if t.dropFromKey && c.Key != nil {
		c.KeySchema, c.Key = t.dropFrom(c.KeySchema, c.Key, names)
	}
	if !isDelete && c.Value != nil {
		c.ValueSchema, c.Value = t.dropFrom(c.ValueSchema, c.Value, names)
	}
	return c, nil
}

func stringList(v any) ([]string, bool) {
	switch x := v.(type) {
	case []string:
		return x, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

type dropKey struct {
	s     *connect.Schema
	names string
}

type dropPlan struct {
	schema *connect.Schema
	keep   []int
}

func (t *Transform) dropFrom(s *connect.Schema, v any, names []string) (*connect.Schema, any) {
	if m, ok := v.(map[string]any); ok && s == nil {
		out := make(map[string]any, len(m))
		for k, x := range m {
			out[k] = x
		}
		for _, n := range names {
			delete(out, n)
		}
		return nil, out
	}
	st, ok := v.(*connect.Struct)
	if !ok || s == nil || !wellFormed(st) || st.Schema != s {
		return s, v
	}
	k := dropKey{s, strings.Join(names, ",")}
	p, ok := t.drops.get(k)
	if !ok {
		drop := map[string]bool{}
		for _, n := range names {
			drop[n] = true
		}
		p = &dropPlan{}
		ns := &connect.Schema{Type: connect.StructType, Name: s.Name, Version: s.Version, Doc: s.Doc, Parameters: s.Parameters, Optional: s.Optional}
		for _, f := range s.Fields {
			if drop[f.Name] && (!t.keepCompatible || f.Schema.Optional) {
				continue
			}
			ns.Fields = append(ns.Fields, connect.Field{Name: f.Name, Index: len(ns.Fields), Schema: f.Schema})
			p.keep = append(p.keep, f.Index)
		}
		p.schema = ns
		t.drops.put(k, p)
	}
	vals := make([]any, len(p.keep))
	for i, j := range p.keep {
		x := st.Values[j]
		if x == nil && t.replaceNull {
			x = s.Fields[j].Schema.Default
		}
		vals[i] = x
	}
	return p.schema, &connect.Struct{Schema: p.schema, Values: vals}
}

// applySchemaless unwraps a map envelope.
func (t *Transform) applySchemaless(r *connect.Record, env map[string]any) (*connect.Record, error) {
	after, _ := env["after"].(map[string]any)
	before, _ := env["before"].(map[string]any)
	if after == nil && before == nil {
		return nil, nil
	}
	c := r.Clone()
	if len(t.headers) > 0 {
		headers := make(connect.Headers, len(r.Headers), len(r.Headers)+len(t.headers))
		copy(headers, r.Headers)
		for _, h := range t.headers {
			if v, ok := mapRef(env, h); ok {
				headers = headers.Add(h.out, nil, v)
			}
		}
		c.Headers = headers
	}
	row, deleted := after, "false"
	if after == nil {
		if err := t.route(c, before); err != nil {
			return nil, err
		}
		switch t.mode {
		case deletesDropped:
			return nil, nil
		case deletesTombstone, deletesNullValue:
			c.Value = nil
			return t.dropFields(c, true)
		}
		row, deleted = before, "true"
	} else if err := t.route(c, after); err != nil {
		return nil, err
	}
	out := make(map[string]any, len(row)+len(t.fields)+1)
	for k, v := range row {
		out[k] = v
	}
	for _, f := range t.fields {
		if v, ok := mapRef(env, f); ok {
			out[f.out] = v
		}
	}
	if t.mode == deletesRewritten {
		out[deletedField] = deleted
	}
	c.Value = out
	if after == nil {
		return c, nil
	}
	return t.dropFields(c, false)
}

// mapRef reads an add.fields reference from a schemaless envelope.
func mapRef(env map[string]any, f fieldRef) (any, bool) {
	if f.parent != "" {
		if p, ok := env[f.parent]; ok {
			pm, _ := p.(map[string]any)
			if pm == nil {
				return nil, true // e.g. transaction null while snapshotting
			}
			if v, ok := pm[f.field]; ok {
				return v, true
			}
		}
	}
	v, ok := env[f.field]
	return v, ok
}

// schemaCache is a bounded concurrent map: derived schemas are cached per
// input *Schema, and a source that builds a new *Schema per record must not
// make it grow without bound, so a full cache is emptied and refilled.
type schemaCache[K comparable, V any] struct {
	m sync.Map
	n atomic.Int64
}

const cacheLimit = 1024

func (c *schemaCache[K, V]) get(k K) (V, bool) {
	v, ok := c.m.Load(k)
	if !ok {
		var zero V
		return zero, false
	}
	return v.(V), true
}

func (c *schemaCache[K, V]) put(k K, v V) {
	if c.n.Add(1) > cacheLimit {
		c.m.Clear()
		c.n.Store(1)
	}
	c.m.Store(k, v)
}

// wellFormed reports whether st can be read by position without panicking.
func wellFormed(st *connect.Struct) bool {
	return st != nil && st.Schema != nil && len(st.Values) == len(st.Schema.Fields)
}
