package eventpattern

import (
	"context"
	"fmt"

	"github.com/inletdev/inlet/connect"
)

// Configuration keys of the EventPatternFilter.
const (
	KeyPattern    = "pattern"
	KeyExtensions = "pattern.extensions"
)

// Filter is the EventPatternFilter transform: it keeps the records whose
// CloudEvents view (connect.CloudEvent) matches the pattern and drops the
// others. It is safe for concurrent use.
type Filter struct {
	p      *Pattern
	shapes shapeCache
}

// NewFilter returns a filter for a compiled pattern.
func NewFilter(p *Pattern) *Filter { return &Filter{p: p} }

// Pattern returns the filter's pattern.
func (f *Filter) Pattern() *Pattern { return f.p }

// Apply keeps r if its CloudEvents view matches, else drops it (nil). A
// record whose view cannot be built (a structured-mode value that is not a
// JSON object, a value JSON cannot represent) is a record error: it is not
// dropped silently.
func (f *Filter) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) {
	var v recordView
	if binaryView(r, &v, &f.shapes) {
		if f.p.matchView(&v) {
			return r, nil
		}
		return nil, nil
	}
	ev, err := connect.CloudEvent(r, connect.EventContextFrom(ctx))
	if err != nil {
		return nil, fmt.Errorf("eventpattern: %w", err)
	}
	if f.p.Match(ev) {
		return r, nil
	}
	return nil, nil
}

// ConfigDef declares the filter's keys; the pattern is compiled while the
// configuration is validated, so an invalid one is a configuration error
// naming the category and the path.
func ConfigDef() *connect.ConfigDef {
	d := connect.NewConfigDef(
		connect.ConfigKey{Name: KeyPattern, Type: connect.TypeString, Required: true, Importance: connect.High,
			Doc: `The EventBridge event pattern, as JSON, e.g. {"source":["acs.dts"],"data":{"operation":["INSERT"]}}. Tested against each record's CloudEvents view. {} keeps everything.`},
		connect.ConfigKey{Name: KeyExtensions, Type: connect.TypeList, Default: "",
			Doc: "CloudEvents extension attributes a pattern may test besides eventbusname and the aliyun* extensions."},
	)
	d.Check(func(c connect.Config) connect.ConfigErrors {
		if _, err := CompileOptions([]byte(c.String(KeyPattern)), Options{Extensions: c.List(KeyExtensions)}); err != nil {
			return connect.ConfigErrors{{Key: KeyPattern, Value: c.String(KeyPattern), Reason: err.Error()}}
		}
		return nil
	})
	return d
}

// New builds the filter from a parsed configuration.
func New(c connect.Config) (*Filter, error) {
	p, err := CompileOptions([]byte(c.String(KeyPattern)), Options{Extensions: c.List(KeyExtensions)})
	if err != nil {
		return nil, connect.ConfigErrors{{Key: KeyPattern, Value: c.String(KeyPattern), Reason: err.Error()}}
	}
	return NewFilter(p), nil
}

// Register adds the EventPatternFilter to r.
func Register(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind:    connect.KindTransform,
		Name:    "EventPatternFilter",
		Aliases: []string{"eventpattern.EventPatternFilter"},
		Doc: "Keeps the records whose CloudEvents view matches an EventBridge event pattern (pattern = JSON): exact " +
			"values, prefix, suffix, contains, anything-but, numeric, cidr, exists; AND across keys, OR within arrays.",
		Config:       ConfigDef(),
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) { return New(cfg) },
	})
}
