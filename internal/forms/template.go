package forms

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/inletdev/inlet/connect"
)

// EmbedObjectKey is the template member whose variable, a JSON object, is
// merged into the surrounding object (the key used in Alibaba's RocketMQ
// custom-property example).
const EmbedObjectKey = "EB_SYS_EMBED_OBJECT"

// variable is one template parameter: a JSONPath to extract or a literal.
type variable struct {
	name    string
	path    *Path // nil: literal
	literal string
}

// segment is literal text or one ${name[:-default]} placeholder.
type segment struct {
	lit    string
	v      int // index into Template.vars; -1 literal text; -2 a name no parameter defines
	def    string
	hasDef bool
}

// member is one member of a template that is itself a JSON object.
type member struct {
	key  string
	segs []segment
}

// Template is a compiled TEMPLATE form: parameters plus text with ${name}
// placeholders. It is safe for concurrent use.
type Template struct {
	vars   []variable
	segs   []segment
	size   int // length of the literal text, to size the output
	obj    []member
	object bool // the template text is a JSON object with string members
	embed  int  // index of the EB_SYS_EMBED_OBJECT variable, -1 if none
}

// CompileTemplate parses the parameter map (a strict JSON object of name →
// JSONPath or literal scalar) and the template text.
func CompileTemplate(params, text string) (*Template, error) {
	if len(params) > maxText {
		return nil, specErr("value", "the parameters are %d characters long, at most %d are allowed", len(params), maxText)
	}
	if len(text) > maxText {
		return nil, specErr("template", "the template is %d characters long, at most %d are allowed", len(text), maxText)
	}
	vars, err := parseParams(params)
	if err != nil {
		return nil, err
	}
	t := &Template{vars: vars, embed: -1}
	t.segs, err = t.parseText(text)
	if err != nil {
		return nil, specErr("template", "%v", err)
	}
	for _, s := range t.segs {
		t.size += len(s.lit) + len(s.def)
	}
	t.obj, t.object, t.embed = t.parseObject(text)
	return t, nil
}

func parseParams(params string) ([]variable, error) {
	if strings.TrimSpace(params) == "" {
		return nil, specErr("value", `a template needs its parameters: a JSON object of name → JSONPath or literal, e.g. {"id":"$.data.id"}`)
	}
	dec := json.NewDecoder(strings.NewReader(params))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, specErr("value", `the parameters must be a JSON object of name → JSONPath or literal, e.g. {"id":"$.data.id"}`)
	}
	var vars []variable
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, specErr("value", "the parameters are not valid JSON: %v", err)
		}
		name := tok.(string)
		if seen[name] {
			return nil, specErr("value", "parameter %q is defined twice", name)
		}
		seen[name] = true
		var raw any
		if err := dec.Decode(&raw); err != nil {
			return nil, specErr("value", "the parameters are not valid JSON: %v", err)
		}
		v := variable{name: name}
		switch x := raw.(type) {
		case string:
			// A string that is a definite JSONPath is extracted; any other
			// string is a literal (EventBridge's fixed variables).
			if strings.HasPrefix(x, "$") {
				if p, err := CompilePath(x); err == nil {
					v.path = p
					break
				}
			}
			v.literal = x
		case json.Number:
			v.literal = string(x)
		case bool:
			v.literal = text(x)
		default:
			return nil, specErr("value", "parameter %q must be a JSONPath or a scalar literal, not %s", name, kindOf(raw))
		}
		vars = append(vars, v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, specErr("value", "the parameters are not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, specErr("value", "unexpected text after the parameters' JSON object")
	}
	if len(vars) == 0 {
		return nil, specErr("value", `a template needs at least one parameter, e.g. {"id":"$.data.id"} (use CONSTANT for fixed text)`)
	}
	return vars, nil
}

func kindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// parseText splits the template into literal text and placeholders.
// "$${" writes a literal "${"; a "$$" not followed by "{" stays as is.
func (t *Template) parseText(s string) ([]segment, error) {
	var segs []segment
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			segs = append(segs, segment{lit: lit.String(), v: -1})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "$${") {
			lit.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			lit.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return nil, fmt.Errorf("placeholder at offset %d has no closing } (write $${ for a literal ${)", i)
		}
		body := s[i+2 : i+2+end]
		seg := segment{v: -2}
		name := body
		if k := strings.Index(body, ":-"); k >= 0 {
			name, seg.def, seg.hasDef = body[:k], body[k+2:], true
		}
		if name == "" {
			return nil, fmt.Errorf("empty placeholder name at offset %d", i)
		}
		for j, v := range t.vars {
			if v.name == name {
				seg.v = j
			}
		}
		flush()
		segs = append(segs, seg)
		i += 2 + end + 1
	}
	flush()
	return segs, nil
}

// parseObject recognises a template that is itself a JSON object, so that
// object-valued fields (message properties) can render each member on its
// own: inserted text then needs no JSON escaping, and EB_SYS_EMBED_OBJECT
// can merge an object's members.
func (t *Template) parseObject(s string) ([]member, bool, int) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false, -1
	}
	var out []member
	embed := -1
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false, -1
		}
		key := tok.(string)
		if strings.Contains(key, "${") {
			return nil, false, -1
		}
		var raw any
		if err := dec.Decode(&raw); err != nil {
			return nil, false, -1
		}
		vs, ok := raw.(string)
		if !ok {
			return nil, false, -1 // nested values: render the whole text instead
		}
		segs, err := t.parseText(vs)
		if err != nil {
			return nil, false, -1
		}
		if key == EmbedObjectKey && len(segs) == 1 && segs[0].v >= 0 && !segs[0].hasDef {
			embed = segs[0].v
			continue
		}
		out = append(out, member{key: key, segs: segs})
	}
	if _, err := dec.Token(); err != nil {
		return nil, false, -1
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false, -1
	}
	return out, true, embed
}

// resolve returns a variable's text, or false when it is unresolved (its
// path found nothing).
func (t *Template) resolve(ev *Event, i int) (string, bool) {
	v := &t.vars[i]
	if v.path == nil {
		return v.literal, true
	}
	return ev.lookupText(v.path)
}

// segText is the text of one segment.
func (t *Template) segText(ev *Event, s *segment) string {
	if s.v == -1 {
		return s.lit
	}
	if s.v >= 0 {
		if val, ok := t.resolve(ev, s.v); ok {
			return val
		}
	}
	// Unresolved: the default if given, else the empty string (the
	// managed service's documented behaviour; the open-source engine
	// would leave ${name} in place).
	return s.def // "" unless hasDef
}

func (t *Template) appendSegs(dst []byte, ev *Event, segs []segment) []byte {
	for i := range segs {
		dst = append(dst, t.segText(ev, &segs[i])...)
	}
	return dst
}

// segsText renders segments as a string: a single segment (a member that
// is one placeholder, as in {"table":"${t}"}) is its text as it is, with
// no copy; more are rendered through scratch.
func (t *Template) segsText(ev *Event, segs []segment, scratch []byte) string {
	switch len(segs) {
	case 0:
		return ""
	case 1:
		return t.segText(ev, &segs[0])
	}
	return string(t.appendSegs(scratch[:0], ev, segs))
}

// Render fills in the template. Inserted values are never scanned for
// placeholders again, so event data cannot inject template syntax. An
// EB_SYS_EMBED_OBJECT variable that is not a JSON object is an error: the
// object rendered without its members would silently lose data.
func (t *Template) Render(ev *Event) (string, error) {
	if t.embed >= 0 {
		b, err := t.appendRender(nil, ev)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
	if len(t.segs) == 1 {
		return t.segText(ev, &t.segs[0]), nil
	}
	var scratch [256]byte
	b := scratch[:0]
	if n := t.size + 32; n > len(scratch) {
		b = make([]byte, 0, n)
	}
	return string(t.appendSegs(b, ev, t.segs)), nil
}

// appendRender is Render appending to dst; on error dst may have grown.
func (t *Template) appendRender(dst []byte, ev *Event) ([]byte, error) {
	if t.embed < 0 {
		return t.appendSegs(dst, ev, t.segs), nil
	}
	dst = append(dst, '{')
	n := 0
	err := t.members(ev, func(k, v string) error {
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = appendString(dst, v)
		return nil
	})
	if err != nil {
		return dst, err
	}
	return append(dst, '}'), nil
}

// members calls fn for each member of the rendered JSON object: the
// template's own members in order, then those of the EB_SYS_EMBED_OBJECT
// variable (which win on a clash, as in EventBridge). A template that is
// not a JSON object as written is rendered and then parsed.
func (t *Template) members(ev *Event, fn func(k, v string) error) error {
	if !t.object {
		rendered, err := t.Render(ev) // no embed here: t.object is false
		if err != nil {
			return err
		}
		v, err := connect.ParseJSON([]byte(rendered))
		if err != nil {
			return fmt.Errorf("the rendered template is not valid JSON (%v): %s", err, clip(rendered))
		}
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("the rendered template is %s, want a JSON object: %s", kindOf(v), clip(rendered))
		}
		return eachMember(m, fn)
	}
	var scratch [128]byte
	for i := range t.obj {
		m := &t.obj[i]
		if err := fn(m.key, t.segsText(ev, m.segs, scratch[:0])); err != nil {
			return err
		}
	}
	if t.embed < 0 {
		return nil
	}
	v := &t.vars[t.embed]
	var node any
	if v.path != nil {
		n, ok := ev.lookup(v.path)
		if !ok {
			return nil // unresolved: nothing to merge, as in EventBridge
		}
		node = n
	} else {
		n, err := connect.ParseJSON([]byte(v.literal))
		if err != nil {
			return fmt.Errorf("%s parameter %q is not a JSON object", EmbedObjectKey, v.name)
		}
		node = n
	}
	switch x := node.(type) {
	case map[string]any:
		return eachMember(x, fn)
	case nil:
		return nil
	case string:
		if x == "" {
			return nil
		}
		// An object carried as JSON text (e.g. a header) is merged too.
		if n, err := connect.ParseJSON([]byte(x)); err == nil {
			if m, ok := n.(map[string]any); ok {
				return eachMember(m, fn)
			}
		}
	}
	return fmt.Errorf("%s parameter %q is %s, want a JSON object", EmbedObjectKey, v.name, kindOf(node))
}

func eachMember(m map[string]any, fn func(k, v string) error) error {
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := fn(k, text(m[k])); err != nil {
			return err
		}
	}
	return nil
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
