package forms

import (
	"errors"
	"strings"

	"github.com/inletdev/inlet/connect"
)

// ConfigKeys declares the three keys of one transformable field:
// <prefix>.form, <prefix>.value and <prefix>.template. what names the field
// in the docs ("the message body"); note, if any, is a sentence added to
// the form's doc.
func ConfigKeys(prefix, what, note string, def Form, allowed ...Form) []connect.ConfigKey {
	glossary := map[Form]string{
		None:      "NONE (not set)",
		Original:  "ORIGINAL (Complete Data: the whole CloudEvent as JSON)",
		JSONPath:  "JSONPATH (Data Extraction)",
		Constant:  "CONSTANT (Fixed Value)",
		Templated: "TEMPLATE",
	}
	var names []string
	for _, f := range allowed {
		names = append(names, glossary[f])
	}
	formDoc := "EventBridge transformation form of " + what + ": " + strings.Join(names, ", ") + ". Default " + def.String() + "."
	if note != "" {
		formDoc += " " + note
	}
	return []connect.ConfigKey{
		{Name: prefix + ".form", Default: def.String(), Validator: connect.OneOf(FormNames(allowed...)...), Group: "Message mapping", Doc: formDoc},
		{Name: prefix + ".value", Group: "Message mapping",
			Doc: "Value of " + what + ": the definite JSONPath (JSONPATH, e.g. $.data.id), the text (CONSTANT), or the template parameters (TEMPLATE: a JSON object of name → JSONPath or literal, e.g. {\"id\":\"$.data.id\"})."},
		{Name: prefix + ".template", Group: "Message mapping",
			Doc: "Template text of " + what + " (TEMPLATE): ${name} placeholders, ${name:-default}, $${ for a literal ${; an unresolved variable renders as the empty string."},
	}
}

// FromConfig compiles the field declared by ConfigKeys (or found under an
// AllowPrefix family: it reads the raw keys). def is the form when
// <prefix>.form is unset. Problems come back as ConfigErrors naming the key.
func FromConfig(cfg connect.Config, prefix string, def Form, allowed ...Form) (*Expr, connect.ConfigErrors) {
	formKey := prefix + ".form"
	f := def
	if s := strings.TrimSpace(cfg.Raw(formKey)); s != "" {
		var err error
		if f, err = ParseForm(s); err != nil {
			return nil, connect.ConfigErrors{{Key: formKey, Value: s, Reason: reason(err)}}
		}
	}
	x, err := Compile(Spec{Form: f, Value: cfg.Raw(prefix + ".value"), Template: cfg.Raw(prefix + ".template")}, allowed...)
	if err != nil {
		key := formKey
		var se *SpecError
		if errors.As(err, &se) {
			key = prefix + "." + se.Field
		}
		return nil, connect.ConfigErrors{{Key: key, Value: cfg.Raw(key), Reason: reason(err)}}
	}
	return x, nil
}

func reason(err error) string {
	var se *SpecError
	if errors.As(err, &se) {
		return se.Reason
	}
	return err.Error()
}
