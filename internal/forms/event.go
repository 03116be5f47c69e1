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
// Complete Data rendering is cached). The zero Event is empty; Reset makes
// it the view of a record.
type Event struct {
	m        map[string]any // the view; nil until needed for a derived event
	d        *derived       // &own for a derived event until m is built
	own      derived
	original string
	rendered bool
}

// derived holds a derived event's attributes without building the map:
// most fields read one attribute or a path under data, so the map (an
// allocation and eight inserts per record) is built only when the whole
// event is needed (Complete Data, the path $).
type derived struct {
	buf     [8]attr
	n       int    // attributes in buf
	more    []attr // all of them, once there are more than buf holds
	data    any
	hasData bool
}

type attr struct {
	name  string
	value string
}

func (d *derived) reset(data any, hasData bool) {
	*d = derived{data: data, hasData: hasData}
}

// attrs returns the attributes. (Kept as a count into buf rather than a
// slice of it, so an Event holds no pointer into itself.)
func (d *derived) attrs() []attr {
	if d.more != nil {
		return d.more
	}
	return d.buf[:d.n]
}

// add sets an attribute; a later value replaces an earlier one, as map
// assignment does in connect.CloudEvent.
func (d *derived) add(name, value string) {
	as := d.attrs()
	for i := range as {
		if as[i].name == name {
			as[i].value = value
			return
		}
	}
	switch {
	case d.more != nil:
		d.more = append(d.more, attr{name, value})
	case d.n < len(d.buf):
		d.buf[d.n] = attr{name, value}
		d.n++
	default:
		d.more = append(append(make([]attr, 0, 2*len(d.buf)), d.buf[:d.n]...), attr{name, value})
	}
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
	for _, a := range ev.d.attrs() {
		if a.name == name {
			return walk(a.value, p.steps[1:])
		}
	}
	return nil, false
}

// lookupText is lookup rendered as text (Text). An attribute of a derived
// event ($.id) is returned as it is, without the allocation that boxing
// the string as a node would cost.
func (ev *Event) lookupText(p *Path) (string, bool) {
	if ev.d != nil && p.attr {
		for _, a := range ev.d.attrs() {
			if a.name == p.steps[0].name {
				return a.value, true
			}
		}
		return "", false
	}
	node, ok := ev.lookup(p)
	if !ok {
		return "", false
	}
	return text(node), true
}

// NewEvent builds the CloudEvents view of r (connect.CloudEvent). A
// structured-mode record whose value is JSON text keeps that text, byte for
// byte, as its Complete Data.
func NewEvent(r *connect.Record, ec connect.EventContext) (*Event, error) {
	ev := new(Event)
	if err := ev.Reset(r, ec); err != nil {
		return nil, err
	}
	return ev, nil
}

// Reset makes ev the view of r, as NewEvent does, reusing ev's storage: a
// caller mapping records one after another (the RocketMQ sink) keeps one
// Event instead of allocating one per record. Text taken from the previous
// view stays valid; the previous view does not. On error ev is empty.
func (ev *Event) Reset(r *connect.Record, ec connect.EventContext) error {
	ev.m, ev.d, ev.original, ev.rendered = nil, nil, "", false
	if fastView(&ev.own, r, ec) {
		ev.d = &ev.own
		return nil
	}
	ev.own = derived{} // let go of the previous record's value
	m, err := connect.CloudEvent(r, ec)
	if err != nil {
		return err
	}
	ev.m = m
	if raw, ok := structuredText(r); ok {
		ev.original, ev.rendered = raw, true
	}
	return nil
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
		as := ev.d.attrs()
		ev.m = make(map[string]any, len(as)+1)
		for _, a := range as {
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
func fastView(d *derived, r *connect.Record, ec connect.EventContext) bool {
	if r.ValueSchema != nil {
		return false
	}
	if _, ok := r.Value.([]byte); ok {
		return false // bytes are parsed as JSON by the view
	}
	binary := false
	for _, h := range r.Headers {
		if strings.EqualFold(h.Key, "ce_specversion") {
			if h.Key != "ce_specversion" || h.Value == nil {
				return false
			}
			binary = true
		}
		if h.Key == "ce_data" || (len(h.Key) >= 3 && strings.EqualFold(h.Key[:3], "ce_") && h.Key[:3] != "ce_") {
			return false
		}
		if strings.EqualFold(h.Key, "content-type") {
			if ct, _ := connect.HeaderText(h.Value); strings.HasPrefix(strings.ToLower(ct), "application/cloudevents+json") {
				return false // structured mode
			}
		}
	}
	if binary {
		binaryView(d, r)
		return true
	}
	return derivedView(d, r, ec)
}

// binaryView: each ce_<name> header is the attribute <name>, the last
// content-type header is datacontenttype, the value is data (absent when
// null).
func binaryView(ev *derived, r *connect.Record) {
	ev.reset(r.Value, r.Value != nil)
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
}

// derivedView: the attributes connect.CloudEvent derives for a record that
// is not a CloudEvent.
func derivedView(ev *derived, r *connect.Record, ec connect.EventContext) bool {
	ev.reset(r.Value, true)
	ev.add("specversion", "1.0")
	switch {
	case r.Origin.IsSet():
		ev.add("id", r.Origin.Topic+"-"+strconv.Itoa(int(r.Origin.Partition))+"-"+strconv.FormatInt(r.Origin.Offset, 10))
	case len(r.SourceOffset) > 0:
		b, err := json.Marshal(r.SourceOffset)
		if err != nil {
			return false
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
	return true
}
