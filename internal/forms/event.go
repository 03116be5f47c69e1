package forms

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
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
	attrs   []attr
	buf     [8]attr
	data    any
	hasData bool
}

type attr struct {
	name  string
	value string
}

func newDerived(data any, hasData bool) *derived {
	d := &derived{data: data, hasData: hasData}
	d.attrs = d.buf[:0]
	return d
}

// add sets an attribute; a later value replaces an earlier one, as map
// assignment does in connect.CloudEvent.
func (d *derived) add(name, value string) {
	for i := range d.attrs {
		if d.attrs[i].name == name {
			d.attrs[i].value = value
			return
		}
	}
	d.attrs = append(d.attrs, attr{name, value})
}

// lookup evaluates a path on the view.
func (ev *Event) lookup(p *Path) (any, bool) {
	if ev.d == nil || len(p.steps) == 0 || p.steps[0].index >= 0 {
		return p.Lookup(ev.Map())
	}
	name := p.steps[0].name
	if name == "data" {
		if !ev.d.hasData {
			return nil, false
		}
		return walk(ev.d.data, p.steps[1:])
	}
	for i := range ev.d.attrs {
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
	if d, ok := fastView(r, ec); ok {
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

// renderBufs recycles the buffers Complete Data is rendered into: the
// text is copied out once, so a record costs one allocation of its size.
var renderBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// NewEventFromMap wraps an already built CloudEvents view (numbers should
// be json.Number, as connect.CloudEvent makes them).
func NewEventFromMap(m map[string]any) *Event { return &Event{m: m} }

// Map returns the view itself; callers must not change it.
func (ev *Event) Map() map[string]any {
	if ev.m == nil && ev.d != nil {
		ev.m = make(map[string]any, len(ev.d.attrs)+1)
		for _, a := range ev.d.attrs {
			ev.m[a.name] = a.value
		}
		if ev.d.hasData {
			ev.m["data"] = ev.d.data
		}
	}
	return ev.m
}

// Original returns the whole event as JSON text (Complete Data).
func (ev *Event) Original() (string, error) {
	if !ev.rendered {
		bp := renderBufs.Get().(*[]byte)
		b := appendJSON((*bp)[:0], ev.Map())
		ev.original = string(b)
		ev.rendered = true
		if cap(b) <= 64<<10 { // keep big one-offs from pinning memory
			*bp = b
			renderBufs.Put(bp)
		}
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

// fastView builds the same view as connect.CloudEvent, for schemaless
// records in binary mode (ce_* headers, as the DTS source emits) or with
// derived attributes, without copying the value: connect.CloudEvent
// converts every value through JSONValue up front, which is most of the
// per-record cost. Here values are converted only where a path or a
// rendering reaches them, the same way (JSONValue; NaN and infinities,
// which it refuses, render as null). Anything unusual (a schema, bytes to
// parse, structured mode, odd header spellings) goes through
// connect.CloudEvent: always right, only slower.
// TestFastViewMatchesCloudEvent and FuzzFastView keep the two in step.
func fastView(r *connect.Record, ec connect.EventContext) (*derived, bool) {
	if r.ValueSchema != nil {
		return nil, false
	}
	if _, ok := r.Value.([]byte); ok {
		return nil, false // bytes are parsed as JSON by the view
	}
	binary := false
	for _, h := range r.Headers {
		if strings.EqualFold(h.Key, "ce_specversion") {
			if h.Key != "ce_specversion" || h.Value == nil {
				return nil, false
			}
			binary = true
		}
		if h.Key == "ce_data" || (len(h.Key) >= 3 && strings.EqualFold(h.Key[:3], "ce_") && h.Key[:3] != "ce_") {
			return nil, false
		}
		if strings.EqualFold(h.Key, "content-type") {
			if ct, _ := connect.HeaderText(h.Value); strings.HasPrefix(strings.ToLower(ct), "application/cloudevents+json") {
				return nil, false // structured mode
			}
		}
	}
	if binary {
		return binaryView(r), true
	}
	return derivedView(r, ec)
}

// binaryView: each ce_<name> header is the attribute <name>, the last
// content-type header is datacontenttype, the value is data (absent when
// null).
func binaryView(r *connect.Record) *derived {
	ev := newDerived(r.Value, r.Value != nil)
	for _, h := range r.Headers {
		if name, ok := strings.CutPrefix(h.Key, "ce_"); ok {
			if s, ok := connect.HeaderText(h.Value); ok {
				ev.add(name, s)
			}
		}
	}
	for i := len(r.Headers) - 1; i >= 0; i-- {
		if strings.EqualFold(r.Headers[i].Key, "content-type") {
			if ct, ok := connect.HeaderText(r.Headers[i].Value); ok {
				ev.add("datacontenttype", ct)
			}
			break
		}
	}
	return ev
}

// derivedView: the attributes connect.CloudEvent derives for a record that
// is not a CloudEvent.
func derivedView(r *connect.Record, ec connect.EventContext) (*derived, bool) {
	ev := newDerived(r.Value, true)
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
