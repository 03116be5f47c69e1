package connect

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Kind is what a plugin is.
type Kind uint8

// Plugin kinds, named as Kafka Connect's /connector-plugins reports them.
const (
	KindSource Kind = iota + 1
	KindSink
	KindTransform
	KindPredicate
	KindConverter
	KindHeaderConverter
)

var kindNames = [...]string{"", "source", "sink", "transformation", "predicate", "converter", "header_converter", "offset_store"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return "plugin"
}

// Plugin describes one plugin: its kind, names, keys and constructor. Set
// the constructor that matches Kind; the others stay nil.
type Plugin struct {
	Kind    Kind
	Name    string   // canonical name, e.g. "RegexRouter", "postgres"
	Aliases []string // other accepted names, e.g. Java class names
	Doc     string
	Version string
	Config  *ConfigDef

	NewSource          func(ctx context.Context, cfg Config, tc TaskContext) (SourceTask, error)
	NewSink            func(ctx context.Context, cfg Config, tc TaskContext) (SinkTask, error)
	NewTransform       func(cfg Config) (Transformation, error)
	NewPredicate       func(cfg Config) (Predicate, error)
	NewConverter       func(cfg Config, isKey bool) (Converter, error)
	NewHeaderConverter func(cfg Config) (HeaderConverter, error)
	NewOffsetStore     func(ctx context.Context, cfg Config) (OffsetStore, error)

	// Split optionally divides a source or sink's work into at most
	// maxTasks task configs (Kafka Connect's taskConfigs). Without it the
	// connector runs one task.
	Split func(cfg Config, maxTasks int) ([]Config, error)

	// CheckWorker optionally validates a parsed config against the worker's
	// settings (a key that only works with some worker key, say), so that
	// `inlet validate` and the REST validate call report the problem before
	// anything starts. Error keys are the plugin's own, unprefixed.
	CheckWorker func(cfg Config, worker map[string]string) ConfigErrors
}

// Names returns the canonical name and every alias.
func (p *Plugin) Names() []string { return append([]string{p.Name}, p.Aliases...) }

// Registry maps names to plugins. Lookups are case-insensitive and accept,
// for each explicit name, the simple name (after the last '.') and the
// simple name without its type suffix (Connector, Transform, Converter...),
// as Kafka Connect does. A derived alias that two plugins of one kind share
// is dropped. It is safe for concurrent use.
type Registry struct {
	mu       sync.RWMutex
	plugins  []*Plugin
	explicit map[regKey]*Plugin
	derived  map[regKey][]*Plugin
}

type regKey struct {
	kind Kind
	name string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{explicit: map[regKey]*Plugin{}, derived: map[regKey][]*Plugin{}}
}

// Register adds a plugin. Like sql.Register it panics on a programming
// error: no name, a missing constructor, or a name already taken.
func (r *Registry) Register(p Plugin) {
	if p.Name == "" {
		panic("connect: Register plugin without a name")
	}
	if !p.hasConstructor() {
		panic(fmt.Sprintf("connect: Register %s %q without its constructor", p.Kind, p.Name))
	}
	if p.Config == nil {
		p.Config = NewConfigDef()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	pp := &p
	for _, n := range p.Names() {
		k := regKey{p.Kind, strings.ToLower(n)}
		if other, dup := r.explicit[k]; dup {
			panic(fmt.Sprintf("connect: Register called twice for %s %q (%s and %s)", p.Kind, n, other.Name, p.Name))
		}
		r.explicit[k] = pp
	}
	for _, n := range p.Names() {
		for _, d := range derivedNames(n) {
			k := regKey{p.Kind, strings.ToLower(d)}
			if !contains(r.derived[k], pp) {
				r.derived[k] = append(r.derived[k], pp)
			}
		}
	}
	r.plugins = append(r.plugins, pp)
}

func contains(ps []*Plugin, p *Plugin) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

func (p *Plugin) hasConstructor() bool {
	switch p.Kind {
	case KindSource:
		return p.NewSource != nil
	case KindSink:
		return p.NewSink != nil
	case KindTransform:
		return p.NewTransform != nil
	case KindPredicate:
		return p.NewPredicate != nil
	case KindConverter:
		return p.NewConverter != nil
	case KindHeaderConverter:
		return p.NewHeaderConverter != nil
	case KindOffsetStore:
		return p.NewOffsetStore != nil
	}
	return false
}

var typeSuffixes = []string{"Connector", "Transformation", "Transform", "Converter", "Predicate"}

func derivedNames(n string) []string {
	simple := n
	if i := strings.LastIndexByte(n, '.'); i >= 0 && i < len(n)-1 {
		simple = n[i+1:]
	}
	out := []string{simple}
	base, variant := simple, ""
	if i := strings.IndexByte(simple, '$'); i > 0 {
		base, variant = simple[:i], simple[i:]
	}
	for _, suf := range typeSuffixes {
		if strings.HasSuffix(base, suf) && len(base) > len(suf) {
			out = append(out, strings.TrimSuffix(base, suf)+variant)
			break
		}
	}
	return out
}

// Lookup finds a plugin of kind by any of its names.
func (r *Registry) Lookup(kind Kind, name string) (*Plugin, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k := regKey{kind, strings.ToLower(strings.TrimSpace(name))}
	if p, ok := r.explicit[k]; ok {
		return p, nil
	}
	if ps := r.derived[k]; len(ps) == 1 {
		return ps[0], nil
	} else if len(ps) > 1 {
		names := make([]string, len(ps))
		for i, p := range ps {
			names[i] = p.Name
		}
		return nil, fmt.Errorf("connect: %s name %q is ambiguous, use one of %s", kind, name, quoteJoin(names, ", "))
	}
	return nil, &UnknownPluginError{Kind: kind, Name: name, Suggestions: r.suggest(kind, name)}
}

// Find looks a name up across every kind (for `inlet describe`).
func (r *Registry) Find(name string) []*Plugin {
	var out []*Plugin
	for k := KindSource; k <= KindOffsetStore; k++ {
		if p, err := r.Lookup(k, name); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func (r *Registry) suggest(kind Kind, name string) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	lname := strings.ToLower(name)
	for _, p := range r.plugins {
		if p.Kind != kind {
			continue
		}
		best := 1 << 30
		for _, n := range p.Names() {
			for _, d := range append(derivedNames(n), n) {
				dist := Levenshtein(lname, d)
				if ld := strings.ToLower(d); strings.Contains(ld, lname) || strings.Contains(lname, ld) {
					dist = min(dist, 2)
				}
				best = min(best, dist)
			}
		}
		if best <= 3 {
			cs = append(cs, cand{p.Name, best})
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].d < cs[j].d || cs[i].d == cs[j].d && cs[i].name < cs[j].name })
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

// Plugins returns every plugin, sorted by kind then name.
func (r *Registry) Plugins() []*Plugin {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := append([]*Plugin(nil), r.plugins...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out
}
