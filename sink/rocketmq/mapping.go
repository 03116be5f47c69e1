package rocketmq

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

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

// message builds the message for one event. Errors are permanent: the same
// record would fail the same way again.
func (m *mapping) message(r *connect.Record, ev *forms.Event) (*rmq.Message, error) {
	body, ok, err := m.body.Eval(ev)
	if err != nil {
		return nil, mappingErr(keyBody, err)
	}
	if !ok {
		// EventBridge leaves a null body undefined; RocketMQ cannot carry
		// one, so the record fails (and goes to the DLQ under tolerance all).
		return nil, mappingErr(keyBody, fmt.Errorf("%s %w", describe(m.body), errNotFound))
	}
	if body == "" {
		return nil, mappingErr(keyBody, fmt.Errorf("%s produced an empty body, which RocketMQ rejects", describe(m.body)))
	}
	msg := &rmq.Message{Topic: m.topic, Body: []byte(body)}

	if m.key.Form() != forms.None {
		node, ok, err := m.key.Node(ev)
		if err != nil {
			return nil, mappingErr(keyKey, err)
		}
		if ok {
			if keys := keysOf(node); len(keys) > 0 {
				msg.SetKeys(keys...)
			}
		}
	}
	if m.tag.Form() != forms.None {
		tag, ok, err := m.tag.Eval(ev)
		if err != nil {
			return nil, mappingErr(keyTag, err)
		}
		if ok && tag != "" {
			msg.SetTag(tag)
		}
	}
	if m.headers {
		for _, h := range r.Headers {
			if v, ok := headerText(h.Value); ok {
				msg.AddProperty(h.Key, v)
			}
		}
	}
	if m.props.Form() != forms.None {
		err := m.props.Members(ev, func(k, v string) error {
			msg.AddProperty(k, v)
			return nil
		})
		if err != nil {
			return nil, mappingErr(keyProps, err)
		}
	}
	if m.group.Form() != forms.None {
		g, ok, err := m.group.Eval(ev)
		if err != nil {
			return nil, mappingErr(keyGroup, err)
		}
		if !ok || g == "" {
			// Sending it unordered would silently break the ordering the
			// group promises.
			return nil, mappingErr(keyGroup, fmt.Errorf("%s %w: a FIFO message needs a group", describe(m.group), errNotFound))
		}
		msg.SetMessageGroup(g)
	}
	switch {
	case m.delay > 0:
		msg.SetDelayTimestamp(m.now().Add(m.delay))
	case m.at.Form() != forms.None:
		s, ok, err := m.at.Eval(ev)
		if err != nil {
			return nil, mappingErr(keyDelivery, err)
		}
		if ok && s != "" && s != "null" {
			t, err := parseTime(s)
			if err != nil {
				return nil, mappingErr(keyDelivery, err)
			}
			msg.SetDelayTimestamp(t)
		}
	}
	return msg, nil
}

// keysOf renders message keys: one per element of an array, else one.
func keysOf(node any) []string {
	switch x := node.(type) {
	case nil:
		return nil
	case string:
		if x == "" {
			return nil
		}
		return []string{x}
	case []any:
		keys := make([]string, 0, len(x))
		for _, e := range x {
			if k := forms.Text(e); k != "" && e != nil {
				keys = append(keys, k)
			}
		}
		return keys
	}
	return []string{forms.Text(node)}
}

// headerText renders a header value as a property value; nil has none.
func headerText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case []byte:
		return string(x), true
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
