package connect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The CloudEvents view of a record, following the CloudEvents Kafka
// protocol binding. Event patterns, EventBridge forms (JSONPath, templates)
// and the RocketMQ sink all see a record through it:
//
//   - Structured mode: a record whose content-type header starts with
//     "application/cloudevents+json" is the event: its value (bytes, string
//     or map) is the whole event, verbatim.
//   - Binary mode: a record with a ce_specversion header. Each ce_<name>
//     header is the attribute <name>, the content-type header is
//     datacontenttype, and the value is data (JSON bytes are parsed; other
//     bytes become a string).
//   - Any other record gets derived attributes: specversion "1.0"; id from
//     its Kafka origin ("<topic>-<partition>-<offset>") or else its source
//     offset as compact JSON; source from EventContext.Source (default
//     "inlet/<pipeline>"); type from EventContext.Type (default
//     "inlet:<connector>"); subject = topic; time = timestamp (RFC 3339, UTC);
//     datacontenttype "application/json"; data = the value as JSON
//     (JSONValue).
//
// Every JSON number in the view is a json.Number, so its text survives.

// EventContext supplies the pipeline facts that derived attributes use.
type EventContext struct {
	Pipeline  string
	Connector string // source connector name, for the derived type
	Source    string // overrides the derived source
	Type      string // overrides the derived type
}

// CloudEvent returns the record's CloudEvents view.
func CloudEvent(r *Record, ec EventContext) (map[string]any, error) {
	if ct, ok := r.Headers.LastText("content-type"); ok && strings.HasPrefix(strings.ToLower(ct), "application/cloudevents+json") {
		ev, err := structuredEvent(r.ValueSchema, r.Value)
		if err != nil {
			return nil, fmt.Errorf("connect: structured-mode CloudEvent at %s: %w", r.Coordinates(), err)
		}
		return ev, nil
	}
	ev := make(map[string]any, 8)
	if _, binary := r.Headers.LastText("ce_specversion"); binary {
		for _, h := range r.Headers {
			if name, ok := strings.CutPrefix(h.Key, "ce_"); ok {
				if s, ok := HeaderText(h.Value); ok {
					ev[name] = s
				}
			}
		}
		if ct, ok := r.Headers.LastText("content-type"); ok {
			ev["datacontenttype"] = ct
		}
		data, err := eventData(r.ValueSchema, r.Value)
		if err != nil {
			return nil, fmt.Errorf("connect: CloudEvent data at %s: %w", r.Coordinates(), err)
		}
		if data != nil {
			ev["data"] = data
		}
		return ev, nil
	}
	ev["specversion"] = "1.0"
	ev["id"] = derivedID(r)
	src := ec.Source
	if src == "" {
		src = "inlet/" + ec.Pipeline
	}
	ev["source"] = src
	typ := ec.Type
	if typ == "" {
		typ = "inlet:" + ec.Connector
	}
	ev["type"] = typ
	if r.Topic != "" {
		ev["subject"] = r.Topic
	}
	if !r.Timestamp.IsZero() {
		ev["time"] = r.Timestamp.UTC().Format(time.RFC3339Nano)
	}
	ev["datacontenttype"] = "application/json"
	data, err := eventData(r.ValueSchema, r.Value)
	if err != nil {
		return nil, fmt.Errorf("connect: CloudEvent data at %s: %w", r.Coordinates(), err)
	}
	ev["data"] = data
	return ev, nil
}

func derivedID(r *Record) string {
	if r.Origin.IsSet() {
		return r.Origin.Topic + "-" + strconv.Itoa(int(r.Origin.Partition)) + "-" + strconv.FormatInt(r.Origin.Offset, 10)
	}
	if len(r.SourceOffset) > 0 {
		b, err := json.Marshal(r.SourceOffset)
		if err == nil {
			return string(b)
		}
	}
	return ""
}

func structuredEvent(s *Schema, v any) (map[string]any, error) {
	var raw []byte
	switch x := v.(type) {
	case []byte:
		raw = x
	case string:
		raw = []byte(x)
	default:
		jv, err := JSONValue(s, v)
		if err != nil {
			return nil, err
		}
		m, ok := jv.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("the value is %T, want a JSON object", jv)
		}
		return m, nil
	}
	out, err := ParseJSON(raw)
	if err != nil {
		return nil, err
	}
	m, ok := out.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the value is not a JSON object")
	}
	return m, nil
}

// eventData renders a value as event data: bytes and strings that hold JSON
// are parsed, other bytes become a string, everything else is JSONValue.
func eventData(s *Schema, v any) (any, error) {
	switch x := v.(type) {
	case []byte:
		if d, err := ParseJSON(x); err == nil {
			return d, nil
		}
		return string(x), nil
	}
	return JSONValue(s, v)
}

// ParseJSON decodes JSON keeping numbers as json.Number.
func ParseJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// LastText is the text (see HeaderText) of the last header whose key
// equals key ignoring case, as the CloudEvents view reads ce_* headers.
func (h Headers) LastText(key string) (string, bool) {
	for i := len(h) - 1; i >= 0; i-- {
		if strings.EqualFold(h[i].Key, key) {
			return HeaderText(h[i].Value)
		}
	}
	return "", false
}

// HeaderText reads a header value as text, as the CloudEvents view does:
// a string as it is, bytes as UTF-8, anything else through fmt; nil has no
// text.
func HeaderText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	case nil:
		return "", false
	}
	return fmt.Sprint(v), true
}

type eventContextKey struct{}

// WithEventContext returns a context carrying ec. The runtime sets it on the
// context it passes to Transformation.Apply and SinkTask.Put, so transforms
// and sinks can build a record's CloudEvents view with the pipeline's facts.
func WithEventContext(ctx context.Context, ec EventContext) context.Context {
	return context.WithValue(ctx, eventContextKey{}, ec)
}

// EventContextFrom returns the EventContext set by WithEventContext.
func EventContextFrom(ctx context.Context) EventContext {
	ec, _ := ctx.Value(eventContextKey{}).(EventContext)
	return ec
}
