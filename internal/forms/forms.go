// Package forms is the EventBridge transformation engine: the four forms a
// sink field can take (Complete Data, Data Extraction, Fixed Value,
// Template) plus "Not Specified", compiled once and evaluated on a record's
// CloudEvents view. The RocketMQ sink builds its messages with it, and the
// EventBridgeTransform SMT exposes it to every other sink.
//
// Semantics follow docs/reference eventbridge.md §2, with these inlet
// decisions: an unresolved template variable renders as the empty string
// (the managed service's documented behaviour); inserted values are never
// re-scanned for placeholders; objects are rendered with sorted keys (Go
// maps keep no order).
package forms

import (
	"fmt"
	"strings"
)

// Form is how a field's value is produced.
type Form uint8

// The forms, by their EventBridge API names.
const (
	None      Form = iota // Not Specified: the field is not set
	Original              // Complete Data: the whole event as JSON
	JSONPath              // Data Extraction: one definite JSONPath
	Constant              // Fixed Value
	Templated             // Template: parameters + text with ${name} placeholders
)

var formNames = [...]string{"NONE", "ORIGINAL", "JSONPATH", "CONSTANT", "TEMPLATE"}

func (f Form) String() string {
	if int(f) < len(formNames) {
		return formNames[f]
	}
	return fmt.Sprintf("Form(%d)", f)
}

// FormNames lists the names ParseForm accepts for the given forms, for
// config docs and validators.
func FormNames(allowed ...Form) []string {
	out := make([]string, len(allowed))
	for i, f := range allowed {
		out[i] = f.String()
	}
	return out
}

// ParseForm reads a form name, case-insensitively: NONE (or empty),
// ORIGINAL, JSONPATH, CONSTANT, TEMPLATE.
func ParseForm(s string) (Form, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "NONE":
		return None, nil
	case "ORIGINAL":
		return Original, nil
	case "JSONPATH":
		return JSONPath, nil
	case "CONSTANT":
		return Constant, nil
	case "TEMPLATE":
		return Templated, nil
	}
	return 0, specErr("form", "unknown form %q (want NONE, ORIGINAL, JSONPATH, CONSTANT or TEMPLATE)", s)
}

// Spec is one field's transformation as configured: EventBridge's
// {Form, Value, Template}.
type Spec struct {
	Form     Form
	Value    string // CONSTANT text, JSONPATH path, TEMPLATE parameters (JSON object)
	Template string // TEMPLATE text
}

// Expr is a compiled Spec. It is immutable and safe for concurrent use.
type Expr struct {
	form     Form
	constant string
	path     *Path
	tmpl     *Template
}

// Compile checks a spec and prepares it for evaluation. allowed lists the
// forms the field accepts (all when empty). Errors wrap ErrInvalid and name
// the part that is wrong (form, value or template).
func Compile(s Spec, allowed ...Form) (*Expr, error) {
	if len(allowed) > 0 {
		ok := false
		for _, f := range allowed {
			ok = ok || f == s.Form
		}
		if !ok {
			return nil, specErr("form", "%s is not allowed here (want one of %s)", s.Form, strings.Join(FormNames(allowed...), ", "))
		}
	}
	x := &Expr{form: s.Form}
	switch s.Form {
	case None, Original:
		if s.Value != "" {
			return nil, specErr("value", "form %s takes no value", s.Form)
		}
	case Constant:
		if s.Value == "" {
			return nil, specErr("value", "form CONSTANT needs a non-empty value")
		}
		if len(s.Value) > maxText {
			return nil, specErr("value", "the value is %d characters long, at most %d are allowed", len(s.Value), maxText)
		}
		x.constant = s.Value
	case JSONPath:
		p, err := CompilePath(strings.TrimSpace(s.Value))
		if err != nil {
			return nil, specErr("value", "%v", err)
		}
		x.path = p
	case Templated:
		t, err := CompileTemplate(s.Value, s.Template)
		if err != nil {
			return nil, err
		}
		x.tmpl = t
	default:
		return nil, specErr("form", "unknown form %v", s.Form)
	}
	if s.Form != Templated && s.Template != "" {
		return nil, specErr("template", "form %s takes no template (only TEMPLATE does)", s.Form)
	}
	return x, nil
}

// MustCompile is Compile for specs known to be valid (tests, examples).
func MustCompile(s Spec) *Expr {
	x, err := Compile(s)
	if err != nil {
		panic(err)
	}
	return x
}

// Form returns the expression's form.
func (x *Expr) Form() Form { return x.form }

// Eval renders the field as text. ok is false when the field has no value:
// NONE, or a JSONPath that found nothing (EventBridge's null). A JSONPath
// that selects JSON null gives "null", ok.
func (x *Expr) Eval(ev *Event) (s string, ok bool, err error) {
	switch x.form {
	case Original:
		s, err := ev.Original()
		return s, err == nil, err
	case Constant:
		return x.constant, true, nil
	case JSONPath:
		s, found := ev.lookupText(x.path)
		return s, found, nil
	case Templated:
		s, err := x.tmpl.Render(ev)
		return s, err == nil, err
	}
	return "", false, nil
}

// AppendEval is Eval appending the text to dst, for callers that gather
// many fields' text in one buffer (the RocketMQ sink cuts the bodies of a
// batch from one): the text of a JSONPath node or a template is rendered
// straight into dst, never as a string of its own. When ok is false or err
// is not nil, dst comes back as it was given.
func (x *Expr) AppendEval(dst []byte, ev *Event) (out []byte, ok bool, err error) {
	switch x.form {
	case Original:
		s, err := ev.Original()
		if err != nil {
			return dst, false, err
		}
		return append(dst, s...), true, nil
	case Constant:
		return append(dst, x.constant...), true, nil
	case JSONPath:
		if x.path.attr && ev.d != nil {
			s, found := ev.lookupText(x.path)
			if !found {
				return dst, false, nil
			}
			return append(dst, s...), true, nil
		}
		node, found := ev.lookup(x.path)
		if !found {
			return dst, false, nil
		}
		return appendText(dst, node), true, nil
	case Templated:
		out, err := x.tmpl.appendRender(dst, ev)
		if err != nil {
			return dst, false, err
		}
		return out, true, nil
	}
	return dst, false, nil
}

// Node returns the selected JSON node itself (JSONPATH only; other forms
// give their text as a string): for callers that want structure, e.g. an
// array of message keys.
func (x *Expr) Node(ev *Event) (any, bool, error) {
	if x.form == JSONPath {
		n, ok := ev.lookup(x.path)
		return n, ok, nil
	}
	s, ok, err := x.Eval(ev)
	if !ok || err != nil {
		return nil, ok, err
	}
	return s, true, nil
}

// Members evaluates an object-valued field (message properties) and calls
// fn for each member, its value rendered as text (strings unquoted, other
// values compact JSON). JSONPATH must select an object; CONSTANT and
// TEMPLATE must yield a JSON object (a TEMPLATE that is a JSON object as
// written renders member by member, and merges EB_SYS_EMBED_OBJECT). NONE
// and a JSONPath that found nothing call fn never. An error says what the
// field produced instead of an object.
func (x *Expr) Members(ev *Event, fn func(k, v string) error) error {
	switch x.form {
	case None:
		return nil
	case JSONPath:
		node, found := ev.lookup(x.path)
		if !found || node == nil {
			return nil
		}
		m, ok := node.(map[string]any)
		if !ok {
			return fmt.Errorf("JSONPath %s selected %s, want a JSON object", x.path, kindOf(node))
		}
		return eachMember(m, fn)
	case Templated:
		return x.tmpl.members(ev, fn)
	}
	s, _, err := x.Eval(ev)
	if err != nil {
		return err
	}
	v, err := parseObjectText(s)
	if err != nil {
		return err
	}
	return eachMember(v, fn)
}

// CheckObject reports, at configuration time, whether the field can yield
// a JSON object (for object-valued fields): a CONSTANT must be one; a
// TEMPLATE must render to one with every placeholder replaced by 1 (which
// fits inside quotes and as a bare number), catching a missing brace or
// quote before the first record does.
func (x *Expr) CheckObject() error {
	switch x.form {
	case Constant:
		if _, err := parseObjectText(x.constant); err != nil {
			return specErr("value", "%v", err)
		}
	case Templated:
		if x.tmpl.object {
			return nil
		}
		var b strings.Builder
		for _, s := range x.tmpl.segs {
			if s.v == -1 {
				b.WriteString(s.lit)
			} else {
				b.WriteString("1")
			}
		}
		if _, err := parseObjectText(b.String()); err != nil {
			return specErr("template", "the template must render a JSON object (checked with every placeholder as 1): %v", err)
		}
	}
	return nil
}

// Describe names the expression for error messages, e.g. "JSONPath
// $.data.body".
func (x *Expr) Describe() string {
	switch x.form {
	case JSONPath:
		return "JSONPath " + x.path.String()
	case Constant:
		return "the fixed value"
	case Templated:
		return "the template"
	case Original:
		return "the complete event"
	}
	return "nothing (NONE)"
}

// Text renders a JSON node as EventBridge renders a JSONPath result:
// strings unquoted, everything else compact JSON.
func Text(v any) string { return text(v) }
