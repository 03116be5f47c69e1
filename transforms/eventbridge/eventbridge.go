// Package eventbridge is the EventBridgeTransform SMT: it sets a record's
// value, key and named headers with EventBridge's transformation forms
// (Complete Data, Data Extraction, Fixed Value, Template), evaluated on the
// record's CloudEvents view, so a Kafka or file sink can shape messages the
// way the RocketMQ sink does.
//
//	transforms=eb
//	transforms.eb.type=EventBridgeTransform
//	transforms.eb.value.form=JSONPATH
//	transforms.eb.value.value=$.data.body
//	transforms.eb.key.form=TEMPLATE
//	transforms.eb.key.value={"t":"$.data.schema.tableName","id":"$.data.id"}
//	transforms.eb.key.template=${t}:${id}
//	transforms.eb.headers=tag,source
//	transforms.eb.header.tag.form=CONSTANT
//	transforms.eb.header.tag.value=orders
//	transforms.eb.header.source.form=JSONPATH
//	transforms.eb.header.source.value=$.source
//
// Each field is <field>.form, <field>.value, <field>.template and
// <field>.output (string, the default; bytes; or json, which parses the text
// into a schemaless value). A field whose form is NONE is left as it was.
// When a JSONPath finds nothing (EventBridge's null) the value or key
// becomes null and the header is removed.
package eventbridge

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/forms"
)

// Name is the transform's registered name.
const Name = "EventBridgeTransform"

var allForms = []forms.Form{forms.None, forms.Original, forms.JSONPath, forms.Constant, forms.Templated}

// Output is how a field's text is stored in the record.
type Output uint8

// The outputs.
const (
	OutputString Output = iota // a Go string
	OutputBytes                // []byte
	OutputJSON                 // the text parsed as JSON: map[string]any, []any, string, json.Number, bool, nil
)

func parseOutput(s string) (Output, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "string":
		return OutputString, nil
	case "bytes":
		return OutputBytes, nil
	case "json":
		return OutputJSON, nil
	}
	return 0, fmt.Errorf("must be one of string, bytes, json")
}

func fieldKeys(prefix, what string) []connect.ConfigKey {
	keys := forms.ConfigKeys(prefix, what, "NONE leaves it as it is.", forms.None, allForms...)
	for i := range keys {
		keys[i].Group = ""
	}
	return append(keys, connect.ConfigKey{Name: prefix + ".output", Default: "string", Validator: connect.OneOf("string", "bytes", "json"),
		Doc: "How the text of " + what + " is stored: string (default), bytes, or json (parsed into a schemaless value; the text must be valid JSON). Set while the form is NONE, it is a configuration error."})
}

// ConfigDef declares the transform's keys.
func ConfigDef() *connect.ConfigDef {
	keys := append(fieldKeys("value", "the record value"), fieldKeys("key", "the record key")...)
	keys = append(keys, connect.ConfigKey{Name: "headers", Type: connect.TypeList,
		Doc: "Names of headers to set; each is configured by header.<name>.form, .value, .template and .output."})
	def := connect.NewConfigDef(keys...)
	def.AllowPrefix("header.", "header.<name>.form|value|template|output for each name listed in headers.")
	def.Check(func(c connect.Config) connect.ConfigErrors {
		_, errs := build(c)
		return errs
	})
	return def
}

// field is one compiled target.
type field struct {
	name   string // header name; "" for value and key
	expr   *forms.Expr
	output Output
}

// Transform is the EventBridgeTransform SMT. It is safe for concurrent use.
type Transform struct {
	value, key *field
	headers    []field
}

// New builds the transform from a parsed config.
func New(cfg connect.Config) (connect.Transformation, error) {
	t, errs := build(cfg)
	if errs != nil {
		return nil, errs
	}
	return t, nil
}

func compileField(cfg connect.Config, prefix string) (*field, connect.ConfigErrors) {
	x, errs := forms.FromConfig(cfg, prefix, forms.None, allForms...)
	if errs != nil {
		return nil, errs
	}
	out, err := parseOutput(cfg.Raw(prefix + ".output"))
	if err != nil {
		return nil, connect.ConfigErrors{{Key: prefix + ".output", Value: cfg.Raw(prefix + ".output"), Reason: err.Error()}}
	}
	if x.Form() == forms.None {
		// An output for a field that is left alone would be ignored.
		if raw := strings.TrimSpace(cfg.Raw(prefix + ".output")); raw != "" {
			return nil, connect.ConfigErrors{{Key: prefix + ".output", Value: raw, Reason: "has no effect while " + prefix + ".form is NONE: set a form or remove it"}}
		}
		return nil, nil
	}
	return &field{expr: x, output: out}, nil
}

func build(cfg connect.Config) (*Transform, connect.ConfigErrors) {
	var errs connect.ConfigErrors
	t := &Transform{}
	var e connect.ConfigErrors
	t.value, e = compileField(cfg, "value")
	errs = append(errs, e...)
	t.key, e = compileField(cfg, "key")
	errs = append(errs, e...)

	listed := connect.SplitList(cfg.Raw("headers"))
	for _, name := range listed {
		if name == "" {
			errs = append(errs, &connect.ConfigError{Key: "headers", Value: cfg.Raw("headers"), Reason: "empty header name"})
			continue
		}
		prefix := "header." + name
		if form := strings.TrimSpace(cfg.Raw(prefix + ".form")); form == "" || strings.EqualFold(form, "NONE") {
			errs = append(errs, &connect.ConfigError{Key: prefix + ".form", Reason: fmt.Sprintf("header %q is listed in headers but has no form (want ORIGINAL, JSONPATH, CONSTANT or TEMPLATE)", name)})
			continue
		}
		f, e := compileField(cfg, prefix)
		errs = append(errs, e...)
		if f != nil {
			f.name = name
			t.headers = append(t.headers, *f)
		}
	}
	for k := range cfg.Prefixed("header.") {
		i := strings.LastIndexByte(k, '.')
		name, suffix := k, ""
		if i >= 0 {
			name, suffix = k[:i], k[i+1:]
		}
		switch suffix {
		case "form", "value", "template", "output":
		default:
			errs = append(errs, &connect.ConfigError{Key: "header." + k, Reason: "unknown key: header keys are header.<name>.form, .value, .template or .output"})
			continue
		}
		if !slices.Contains(listed, name) {
			errs = append(errs, &connect.ConfigError{Key: "header." + k, Reason: fmt.Sprintf("header %q is configured but not listed in headers", name)})
		}
	}
	if len(errs) == 0 && t.value == nil && t.key == nil && len(t.headers) == 0 {
		errs = append(errs, &connect.ConfigError{Key: "value.form", Reason: "nothing to do: set value.form, key.form or headers"})
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	return t, nil
}

// Apply evaluates every configured field on the record's CloudEvents view
// (built once) and returns a changed copy.
func (t *Transform) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) {
	ev, err := forms.NewEvent(r, connect.EventContextFrom(ctx))
	if err != nil {
		return nil, fmt.Errorf("eventbridge: %w", err)
	}
	out := r.Clone()
	if t.value != nil {
		v, ok, err := t.value.eval(ev)
		if err != nil {
			return nil, recordErr(r, "value", err)
		}
		out.ValueSchema, out.Value = nil, nil
		if ok {
			out.Value = v
		}
	}
	if t.key != nil {
		v, ok, err := t.key.eval(ev)
		if err != nil {
			return nil, recordErr(r, "key", err)
		}
		out.KeySchema, out.Key = nil, nil
		if ok {
			out.Key = v
		}
	}
	for i := range t.headers {
		h := &t.headers[i]
		v, ok, err := h.eval(ev)
		if err != nil {
			return nil, recordErr(r, "header "+h.name, err)
		}
		if ok {
			out.Headers = out.Headers.Set(h.name, nil, v)
		} else {
			out.Headers = out.Headers.Remove(h.name)
		}
	}
	return out, nil
}

func (f *field) eval(ev *forms.Event) (any, bool, error) {
	s, ok, err := f.expr.Eval(ev)
	if err != nil || !ok {
		return nil, ok, err
	}
	switch f.output {
	case OutputBytes:
		return []byte(s), true, nil
	case OutputJSON:
		v, err := connect.ParseJSON([]byte(s))
		if err != nil {
			return nil, false, fmt.Errorf("output json: the %s result is not valid JSON (%v): %.200s", f.expr.Form(), err, s)
		}
		return v, true, nil
	}
	return s, true, nil
}

// Register adds EventBridgeTransform to r.
func Register(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind:    connect.KindTransform,
		Name:    Name,
		Aliases: []string{"eventbridge"},
		Doc: "Sets the record value, key and named headers with EventBridge's transformation forms " +
			"(ORIGINAL = Complete Data, JSONPATH = Data Extraction, CONSTANT = Fixed Value, TEMPLATE), evaluated on the record's CloudEvents view.",
		Config:       ConfigDef(),
		NewTransform: New,
	})
}
