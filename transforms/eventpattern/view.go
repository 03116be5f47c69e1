package eventpattern

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/inletdev/inlet/connect"
)

// recordView is the CloudEvents view of a binary-mode record (ce_*
// headers, a schemaless value) as connect.CloudEvent builds it, without
// building it: attributes are read from the headers and data is the record's
// value itself. connect.CloudEvent deep-copies the value through
// connect.JSONValue, which for a DTS event is about 200 allocations; a
// pattern reads a few paths. The view is used only when that copy would be
// equal, leaf for leaf, for what a pattern compares (jsonShaped), so the
// result is exactly the full view's; anything else takes the full view.
// FuzzFilterView checks the two agree.
type recordView struct {
	// The attributes: the first ones in an array (no self-reference, so a
	// view on the stack stays there), any others in more.
	buf     [10]attr
	n       int
	more    []attr
	data    any
	hasData bool
}

// attr is an attribute; value holds a string, boxed once: a header's own
// value when it already is a string.
type attr struct {
	name  string
	value any
}

func (v *recordView) find(name string) *attr {
	for i := range v.n {
		if v.buf[i].name == name {
			return &v.buf[i]
		}
	}
	for i := range v.more {
		if v.more[i].name == name {
			return &v.more[i]
		}
	}
	return nil
}

// add sets an attribute; a later header replaces an earlier one, as map
// assignment does in connect.CloudEvent.
func (v *recordView) add(name string, value any) {
	if a := v.find(name); a != nil {
		a.value = value
		return
	}
	if v.n < len(v.buf) {
		v.buf[v.n] = attr{name, value}
		v.n++
		return
	}
	v.more = append(v.more, attr{name, value})
}

func (v *recordView) attr(name string) (any, bool) {
	if a := v.find(name); a != nil {
		return a.value, true
	}
	return nil, false
}

// binaryView fills v for r and reports whether the fast view applies: a
// binary-mode record (a ce_specversion header) that is not structured mode,
// without a schema, whose value is JSON-shaped. Unusual header spellings
// (CE_ID, a nil ce_specversion, a ce_data header) take the full view.
func binaryView(r *connect.Record, v *recordView, shapes *shapeCache) bool {
	if r.ValueSchema != nil {
		return false
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
	if !binary || !shapes.valueShaped(r.Value) {
		return false
	}
	for _, h := range r.Headers {
		if name, ok := strings.CutPrefix(h.Key, "ce_"); ok {
			if s, ok := headerValue(h.Value); ok {
				v.add(name, s)
			}
		}
	}
	for i := len(r.Headers) - 1; i >= 0; i-- {
		if strings.EqualFold(r.Headers[i].Key, "content-type") {
			if ct, ok := headerValue(r.Headers[i].Value); ok {
				v.add("datacontenttype", ct)
			}
			break
		}
	}
	v.data, v.hasData = r.Value, r.Value != nil
	return true
}

// headerValue is headerText as a boxed string, reusing a string value's box.
func headerValue(v any) (any, bool) {
	if _, ok := v.(string); ok {
		return v, true
	}
	s, ok := connect.HeaderText(v)
	if !ok {
		return nil, false
	}
	return s, true
}

// jsonShaped reports whether v holds only values that connect.JSONValue
// renders without error as values every condition reads the same way:
// objects and arrays of them, strings, json.Number, booleans, null, and
// int, int32, int64 and finite float64 (rendered as json.Number with the
// text scalarText uses, parsing back to the same float64). float32 is not
// among them: its shortest text parses to a different float64. Bytes (which
// the view parses as JSON), time.Time, structs and other Go containers take
// the full view.
func jsonShaped(v any) bool {
	switch x := v.(type) {
	case nil, string, json.Number, bool, int, int32, int64:
		return true
	case float64:
		return !math.IsNaN(x) && !math.IsInf(x, 0)
	case map[string]any:
		for _, e := range x {
			if !jsonShaped(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !jsonShaped(e) {
				return false
			}
		}
		return true
	}
	return false
}

// matchView is Match on a recordView.
func (p *Pattern) matchView(ev *recordView) bool {
	var data map[string]any
	for i := range p.leaves {
		l := &p.leaves[i]
		var v any
		var present bool
		if l.data {
			if data == nil {
				d, ok := ev.data.(map[string]any)
				if !ok || !ev.hasData {
					return false
				}
				data = d
			}
			v, present = lookup(data, l.path[1:])
		} else {
			v, present = ev.attr(l.path[0])
		}
		if !l.eval(v, present) {
			return false
		}
	}
	return true
}
