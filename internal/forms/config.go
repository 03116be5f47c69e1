package forms

import (
	"errors"
	"strings"

	"github.com/inletdev/inlet/connect"
)

// ConfigKeys declares the three keys of one transformable field:
// <prefix>.form, <prefix>.value and <prefix>.template. what names the field
// in the docs ("the message body").
func ConfigKeys(prefix, what string, def Form, allowed ...Form) []connect.ConfigKey {
	return []connect.ConfigKey{
		{Name: prefix + ".form", Default: def.String(), Validator: connect.OneOf(FormNames(allowed...)...), Group: "Message mapping",
			Doc: "How " + what + " is produced, EventBridge's transformation form: " + strings.Join(FormNames(allowed...), ", ") +
				" (NONE = Not Specified, ORIGINAL = Complete Data: the whole CloudEvent as JSON, JSONPATH = Data Extraction, CONSTANT = Fixed Value, TEMPLATE = Template). Default " + def.String() + "."},
		{Name: prefix + ".value", Group: "Message mapping",
			Doc: "For " + what + ": the JSONPath (JSONPATH, e.g. $.data.body; definite paths only), the text (CONSTANT), or the template parameters (TEMPLATE: a JSON object of name → JSONPath or literal, e.g. {\"id\":\"$.data.id\"})."},
		{Name: prefix + ".template", Group: "Message mapping",
			Doc: "For " + what + " with form TEMPLATE: the text, with ${name} placeholders, ${name:-default} defaults and $${ for a literal ${. An unresolved variable renders as the empty string."},
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
