package rocketmq

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	rmq "github.com/apache/rocketmq-clients/golang/v5"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/forms"
)

// mapping turns a record's CloudEvents view into a RocketMQ message, field
// by field, with EventBridge's forms. It is immutable after construction.
type mapping struct {
	topic                            string
	body, key, tag, props, group, at *forms.Expr
	delay                            time.Duration
	headers                          bool
	now                              func() time.Time
}

func newMapping(c connect.Config, now func() time.Time) (*mapping, connect.ConfigErrors) {
	var errs connect.ConfigErrors
	field := func(prefix string, def forms.Form, allowed []forms.Form) *forms.Expr {
		x, e := forms.FromConfig(c, prefix, def, allowed...)
		errs = append(errs, e...)
		return x
	}
	m := &mapping{
		topic:   c.String(keyTopic),
		body:    field(keyBody, forms.Original, bodyForms),
		key:     field(keyKey, forms.None, fieldForms),
		tag:     field(keyTag, forms.None, fieldForms),
		props:   field(keyProps, forms.None, fieldForms),
		group:   field(keyGroup, forms.None, fieldForms),
		at:      field(keyDelivery, forms.None, fieldForms),
		delay:   time.Duration(c.Long(keyDelay)) * time.Millisecond,
		headers: c.Bool(keyHeaders),
		now:     now,
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	if err := m.props.CheckObject(); err != nil {
		var se *forms.SpecError
		key := keyProps + ".value"
		if errors.As(err, &se) {
			key = keyProps + "." + se.Field
			err = errors.New(se.Reason)
		}
		errs = append(errs, &connect.ConfigError{Key: key, Value: c.Raw(key), Reason: "message properties must be a JSON object: " + err.Error()})
	}
	delayed := m.delay > 0 || m.at.Form() != forms.None
	if m.delay > 0 && m.at.Form() != forms.None {
		errs = append(errs, &connect.ConfigError{Key: keyDelay, Value: c.Raw(keyDelay), Reason: "set either message.delay.ms or message.delivery.timestamp.form, not both"})
	}
	if delayed && m.group != nil && m.group.Form() != forms.None {
		errs = append(errs, &connect.ConfigError{Key: keyGroup + ".form", Value: c.Raw(keyGroup + ".form"),
			Reason: "a RocketMQ message is either FIFO (message group) or delayed (message.delay.ms, message.delivery.timestamp), not both"})
	}
	if m.now == nil {
		m.now = time.Now
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	return m, nil
}

// draft is one record's message as the mapping builds it. prepare turns
// it into its wire form (batched sends) or into the client's Message (sent
// by the official client), so the batched path builds no client Message.
type draft struct {
	body []byte
	keys []string
	tag  string // "" when none
	// props are the user properties in the order the mapping made them
	// (headers, then message.properties), a later one replacing an earlier
	// one of the same key. Its array is the task's scratch, reused per
	// record, so it lives only until the draft is turned into a message.
	props []prop
	group string    // FIFO message group; "" when none
	at    time.Time // delivery time, when hasAt
	hasAt bool
	// msg, when set, is the official client's Message the draft becomes
	// (known before mapping: batch size 1, or every message delayed), and
	// the properties go straight into it instead of props.
	msg *rmq.Message
}

// prop is one user property.
type prop struct{ k, v string }

// slabs back the drafts of one Put: their bodies and keys are cut from
// shared arrays, one allocation for the batch instead of one per message.
// A grown slab leaves the messages cut before in the old array, which they
// keep alive; nothing is ever written over a message's part.
type slabs struct {
	body []byte
	keys []string
}

// message maps one event into d. Errors are permanent: the same record
// would fail the same way again.
func (m *mapping) message(r *connect.Record, ev *forms.Event, s *slabs, d *draft) error {
	start := len(s.body)
	body, ok, err := m.body.AppendEval(s.body, ev)
	if err != nil {
		return mappingErr(keyBody, err)
	}
	if !ok {
		// EventBridge leaves a null body undefined; RocketMQ cannot carry
		// one, so the record fails (and goes to the DLQ under tolerance all).
		return mappingErr(keyBody, fmt.Errorf("%s %w", describe(m.body), errNotFound))
	}
	if len(body) == start {
		return mappingErr(keyBody, fmt.Errorf("%s produced an empty body, which RocketMQ rejects", describe(m.body)))
	}
	// capped, so that what the next body appends is never in this one
	s.body, d.body = body, body[start:len(body):len(body)]

	if m.key.Form() != forms.None {
		node, ok, err := m.key.Node(ev)
		if err != nil {
			return mappingErr(keyKey, err)
		}
		if ok {
			start := len(s.keys)
			s.keys = appendKeys(s.keys, node)
			if n := len(s.keys); n > start {
				d.keys = s.keys[start:n:n]
			}
			for _, k := range d.keys {
				if err := validText("message key", k); err != nil {
					return mappingErr(keyKey, err)
				}
			}
		}
	}
	if m.tag.Form() != forms.None {
		tag, ok, err := m.tag.Eval(ev)
		if err != nil {
			return mappingErr(keyTag, err)
		}
		if ok {
			if err := validText("tag", tag); err != nil {
				return mappingErr(keyTag, err)
			}
			d.tag = tag
		}
	}
	if m.headers {
		for _, h := range r.Headers {
			if v, ok := headerText(h.Value); ok {
				if err := d.addProperty(h.Key, v); err != nil {
					return mappingErr(keyHeaders, err)
				}
			}
		}
	}
	if m.props.Form() != forms.None {
		err := m.props.Members(ev, d.addProperty)
		if err != nil {
			return mappingErr(keyProps, err)
		}
	}
	if m.group.Form() != forms.None {
		g, ok, err := m.group.Eval(ev)
		if err != nil {
			return mappingErr(keyGroup, err)
		}
		if !ok || g == "" {
			// Sending it unordered would silently break the ordering the
			// group promises.
			return mappingErr(keyGroup, fmt.Errorf("%s %w: a FIFO message needs a group", describe(m.group), errNotFound))
		}
		if err := validText("message group", g); err != nil {
			return mappingErr(keyGroup, err)
		}
		d.group = g
	}
	switch {
	case m.delay > 0:
		d.at, d.hasAt = m.now().Add(m.delay), true
	case m.at.Form() != forms.None:
		s, ok, err := m.at.Eval(ev)
		if err != nil {
			return mappingErr(keyDelivery, err)
		}
		if ok && s != "" && s != "null" {
			t, err := parseTime(s)
			if err != nil {
				return mappingErr(keyDelivery, err)
			}
			d.at, d.hasAt = t, true
		}
	}
	return nil
}

// addProperty adds (or replaces) a user property. Key and value must be
// valid UTF-8: user_properties is a proto3 map<string, string>, which
// protobuf refuses to marshal (and a receiver to decode) otherwise. Before
// this check such a property failed the marshalling of its whole request,
// every message of the batch, retriably, for ever; now only its record
// fails, permanently, saying which property.
func (d *draft) addProperty(k, v string) error {
	if err := validText("the key of property", k); err != nil {
		return err
	}
	if !utf8.ValidString(v) {
		// named by its key, which is valid: the value may be long
		return fmt.Errorf("the value of property %q %w", k, errInvalidUTF8)
	}
	if d.msg != nil {
		d.msg.AddProperty(k, v)
		return nil
	}
	d.props = append(d.props, prop{k, v})
	return nil
}

// validText refuses s, named by what, when it is not valid UTF-8: the
// message's keys, tag, group and properties are protobuf strings, which
// protobuf refuses to marshal (and a receiver to decode) otherwise.
func validText(what, s string) error {
	if utf8.ValidString(s) {
		return nil
	}
	return fmt.Errorf("%s %q %w", what, s, errInvalidUTF8)
}

// clientMessage is the draft as the official client's Message.
func (m *mapping) clientMessage(d *draft) *rmq.Message {
	msg := d.msg
	if msg == nil {
		msg = &rmq.Message{}
		for _, p := range d.props {
			msg.AddProperty(p.k, p.v) // in order: a later one wins
		}
	}
	msg.Topic, msg.Body = m.topic, d.body
	if len(d.keys) > 0 {
		msg.SetKeys(d.keys...)
	}
	if d.tag != "" {
		msg.SetTag(d.tag)
	}
	if d.group != "" {
		msg.SetMessageGroup(d.group)
	}
	if d.hasAt {
		msg.SetDelayTimestamp(d.at)
	}
	return msg
}

// appendKeys appends the message keys node renders: one per element of an
// array, else one.
func appendKeys(dst []string, node any) []string {
	switch x := node.(type) {
	case nil:
		return dst
	case string:
		if x == "" {
			return dst
		}
		return append(dst, x)
	case []any:
		for _, e := range x {
			if k := forms.Text(e); k != "" && e != nil {
				dst = append(dst, k)
			}
		}
		return dst
	}
	return append(dst, forms.Text(node))
}

// headerText renders a header value as a property value; nil has none.
func headerText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case []byte:
		if utf8.Valid(x) {
			return string(x), true
		}
		// Binary (a Kafka header is bytes): Base64, as Connect's JSON
		// renders bytes, rather than failing the record for a property
		// protobuf cannot carry as it is.
		return base64.StdEncoding.EncodeToString(x), true
	}
	if jv, err := connect.JSONValue(nil, v); err == nil {
		return forms.Text(jv), true
	}
	return fmt.Sprint(v), true
}

// parseTime reads a delivery time: epoch milliseconds or RFC 3339.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("delivery time %q is neither epoch milliseconds nor RFC 3339", s)
}

func describe(x *forms.Expr) string {
	return x.Describe()
}
