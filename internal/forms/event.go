package forms

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
)

// Event is a record's CloudEvents view, built once per record and shared by
// every field evaluated on it. It is not safe for concurrent use (the
// Complete Data rendering is cached).
type Event struct {
	m        map[string]any // the view; nil until needed for a derived event
	d        *derived       // set for a derived event until m is built
	original string
	rendered bool
}

// derived holds a derived event's attributes without building the map:
// most fields read one attribute or a path under data, so the map (an
// allocation and eight inserts per record) is built only when the whole
// event is needed (Complete Data, the path $).
type derived struct {
	attrs [7]attr
	n     int
	data  any
}

type attr struct {
	name  string
	value string
}

func (d *derived) add(name, value string) {
	d.attrs[d.n] = attr{name, value}
	d.n++
}

// lookup evaluates a path on the view.
func (ev *Event) lookup(p *Path) (any, bool) {
	if ev.d == nil || len(p.steps) == 0 || p.steps[0].index >= 0 {
		return p.Lookup(ev.Map())
	}
	name := p.steps[0].name
	if name == "data" {
		return walk(ev.d.data, p.steps[1:])
	}
	for i := 0; i < ev.d.n; i++ {
		if ev.d.attrs[i].name == name {
			return walk(ev.d.attrs[i].value, p.steps[1:])
		}
	}
	return nil, false
}

// NewEvent builds the CloudEvents view of r (connect.CloudEvent). A
// structured-mode record whose value is JSON text keeps that text, byte for
// byte, as its Complete Data.
func NewEvent(r *connect.Record, ec connect.EventContext) (*Event, error) {
	if d, ok := derivedView(r, ec); ok {
		return &Event{d: d}, nil
	}
	m, err := connect.CloudEvent(r, ec)
	if err != nil {
		return nil, err
	}
	ev := &Event{m: m}
	if raw, ok := structuredText(r); ok {
		ev.original, ev.rendered = raw, true
	}
	return ev, nil
}

// NewEventFromMap wraps an already built CloudEvents view (numbers should
// be json.Number, as connect.CloudEvent makes them).
func NewEventFromMap(m map[string]any) *Event { return &Event{m: m} }

// Map returns the view itself; callers must not change it.
func (ev *Event) Map() map[string]any {
	if ev.m == nil && ev.d != nil {
		ev.m = make(map[string]any, ev.d.n+1)
		for i := 0; i < ev.d.n; i++ {
			ev.m[ev.d.attrs[i].name] = ev.d.attrs[i].value
		}
		ev.m["data"] = ev.d.data
	}
	return ev.m
}

// Original returns the whole event as JSON text (Complete Data).
func (ev *Event) Original() (string, error) {
	if !ev.rendered {
		ev.original = string(appendJSON(make([]byte, 0, 512), ev.Map()))
		ev.rendered = true
	}
	return ev.original, nil
}

func structuredText(r *connect.Record) (string, bool) {
	h, ok := r.Headers.Last("content-type")
	if !ok {
		return "", false
	}
	var ct string
	switch v := h.Value.(type) {
	case string:
		ct = v
	case []byte:
		ct = string(v)
	}
	if !strings.HasPrefix(strings.ToLower(ct), "application/cloudevents+json") {
		return "", false
	}
	switch v := r.Value.(type) {
	case []byte:
		return string(v), true
	case string:
		return v, true
	}
	return "", false
}

func parseObjectText(s string) (map[string]any, error) {
	v, err := connect.ParseJSON([]byte(s))
	if err != nil {
		return nil, &objectError{s, "is not valid JSON (" + err.Error() + ")"}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &objectError{s, "is " + kindOf(v) + ", want a JSON object"}
	}
	return m, nil
}

type objectError struct{ text, reason string }

func (e *objectError) Error() string { return "the text " + e.reason + ": " + clip(e.text) }

// derivedView builds the same view as connect.CloudEvent for the common
// case, a schemaless record in neither structured nor binary mode, without
// copying the value: connect.CloudEvent converts every value through
// JSONValue up front, which is most of the per-record cost. Here values
// are converted only where a path or a rendering reaches them, the same
// way (JSONValue; NaN and infinities, which it refuses, render as null).
// TestDerivedViewMatchesCloudEvent keeps the two in step.
func derivedView(r *connect.Record, ec connect.EventContext) (*derived, bool) {
	if r.ValueSchema != nil {
		return nil, false
	}
	switch r.Value.(type) {
	case []byte, string:
		// bytes are parsed as JSON by the view; keep one code path for them
		return nil, false
	}
	for _, h := range r.Headers {
		// Anything that may make the record a structured- or binary-mode
		// event goes through connect.CloudEvent (always right, only slower).
		if strings.EqualFold(h.Key, "ce_specversion") {
			return nil, false
		}
		if strings.EqualFold(h.Key, "content-type") {
			ct := fmt.Sprint(h.Value)
			if b, ok := h.Value.([]byte); ok {
				ct = string(b)
			}
			if strings.HasPrefix(strings.ToLower(ct), "application/cloudevents+json") {
				return nil, false
			}
		}
	}
	ev := &derived{data: r.Value}
	ev.add("specversion", "1.0")
	switch {
	case r.Origin.IsSet():
		ev.add("id", r.Origin.Topic+"-"+strconv.Itoa(int(r.Origin.Partition))+"-"+strconv.FormatInt(r.Origin.Offset, 10))
	case len(r.SourceOffset) > 0:
		b, err := json.Marshal(r.SourceOffset)
		if err != nil {
			return nil, false
		}
		ev.add("id", string(b))
	default:
		ev.add("id", "")
	}
	src := ec.Source
	if src == "" {
		src = "inlet/" + ec.Pipeline
	}
	ev.add("source", src)
	typ := ec.Type
	if typ == "" {
		typ = "inlet:" + ec.Connector
	}
	ev.add("type", typ)
	if r.Topic != "" {
		ev.add("subject", r.Topic)
	}
	if !r.Timestamp.IsZero() {
		ev.add("time", r.Timestamp.UTC().Format(time.RFC3339Nano))
	}
	ev.add("datacontenttype", "application/json")
	return ev, true
}
