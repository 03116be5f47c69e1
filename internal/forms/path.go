package forms

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/PaesslerAG/jsonpath"

	"github.com/inletdev/inlet/connect"
)

// maxText is the longest value, template or path EventBridge accepts.
const maxText = 10240

// Path is a compiled definite JSONPath: it selects at most one node.
// It is safe for concurrent use.
type Path struct {
	text  string
	steps []step
	// attr: the path is one top-level name other than data ($.id): on a
	// derived event, an attribute's text as it is. Known at compile time,
	// so evaluation tests a flag.
	attr bool
}

// step is one .name / ["name"] (index < 0) or [index] selection.
type step struct {
	name  string
	index int
}

// CompilePath checks that text is a definite JSONPath (starts with $; only
// .name, ['name'], ["name"] and [index] steps: no wildcard, deep scan,
// filter, slice, union or script) and compiles it with
// github.com/PaesslerAG/jsonpath, once.
func CompilePath(text string) (*Path, error) {
	norm, steps, err := checkDefinite(text)
	if err != nil {
		return nil, err
	}
	// The library is the reference parser: a path it rejects is rejected.
	if _, err := jsonpath.New(norm); err != nil {
		return nil, fmt.Errorf("JSONPath %q: %v", text, err)
	}
	attr := len(steps) == 1 && steps[0].index < 0 && steps[0].name != "data"
	return &Path{text: text, steps: steps, attr: attr}, nil
}

// String returns the path as written.
func (p *Path) String() string { return p.text }

// Lookup returns the node the path selects in v, and false when there is
// none (a missing key, an index out of range, a step into a scalar): what
// Jayway calls PathNotFound, which EventBridge renders as null.
//
// A definite path is a list of plain selections, so it is walked directly
// rather than through the library's evaluator, which allocates a context
// per step (four times slower; the RocketMQ sink evaluates several paths per
// record). TestPathMatchesLibrary checks both agree.
func (p *Path) Lookup(v any) (any, bool) { return walk(v, p.steps) }

func walk(v any, steps []step) (any, bool) {
	for i := 0; i < len(steps); i++ {
		s := &steps[i]
		switch x := v.(type) {
		case map[string]any:
			if s.index >= 0 {
				return nil, false
			}
			e, ok := x[s.name]
			if !ok {
				return nil, false
			}
			v = e
		case []any:
			if s.index < 0 || s.index >= len(x) {
				return nil, false
			}
			v = x[s.index]
		case nil, string, bool, json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
			return nil, false
		default:
			// Another Go container (map[string]string, []string, a
			// *connect.Struct...): see it as connect.JSONValue would.
			jv, err := connect.JSONValue(nil, x)
			if err != nil {
				return nil, false
			}
			switch jv.(type) {
			case map[string]any, []any:
				v = jv
				i-- // take this step again on the converted value
			default:
				return nil, false
			}
		}
	}
	return v, true
}

// checkDefinite is a small scanner for the subset of JSONPath that selects
// exactly one node; the library accepts more (wildcards, filters), which
// EventBridge rejects when the configuration is validated. It returns the
// path in the library's syntax: Jayway's ['name'] becomes ["name"], since
// the library reads only double-quoted strings.
func checkDefinite(text string) (string, []step, error) {
	norm := []byte{'$'}
	var steps []step
	if text == "" {
		return "", nil, fmt.Errorf("empty JSONPath (want e.g. $.data.id)")
	}
	if len(text) > maxText {
		return "", nil, fmt.Errorf("JSONPath is %d characters long, at most %d are allowed", len(text), maxText)
	}
	if text[0] != '$' {
		return "", nil, fmt.Errorf("JSONPath %q must start with $", text)
	}
	i := 1
	for i < len(text) {
		switch text[i] {
		case '.':
			i++
			if i < len(text) && text[i] == '.' {
				return "", nil, fmt.Errorf("JSONPath %q: deep scan (..) is not a definite path", text)
			}
			j := i
			for j < len(text) && isIdent(text[j], j == i) {
				j++
			}
			if j == i {
				if i < len(text) && text[i] == '*' {
					return "", nil, fmt.Errorf("JSONPath %q: wildcard (*) is not a definite path", text)
				}
				return "", nil, fmt.Errorf("JSONPath %q: expected a name after '.' at offset %d (use ['name'] for names with other characters)", text, i)
			}
			norm = append(append(norm, '.'), text[i:j]...)
			steps = append(steps, step{name: text[i:j], index: -1})
			i = j
		case '[':
			i++
			if i >= len(text) {
				return "", nil, fmt.Errorf("JSONPath %q: unterminated [", text)
			}
			switch c := text[i]; {
			case c == '\'' || c == '"':
				end := strings.IndexByte(text[i+1:], c)
				if end < 0 {
					return "", nil, fmt.Errorf("JSONPath %q: unterminated quoted name", text)
				}
				if strings.ContainsRune(text[i+1:i+1+end], '\\') {
					return "", nil, fmt.Errorf("JSONPath %q: escapes in quoted names are not supported", text)
				}
				norm = append(append(append(norm, '['), strconv.Quote(text[i+1:i+1+end])...), ']')
				steps = append(steps, step{name: text[i+1 : i+1+end], index: -1})
				i += end + 2
			case c >= '0' && c <= '9':
				j := i
				for j < len(text) && text[j] >= '0' && text[j] <= '9' {
					j++
				}
				n, err := strconv.Atoi(text[i:j])
				if err != nil {
					return "", nil, fmt.Errorf("JSONPath %q: index %s is too large", text, text[i:j])
				}
				norm = append(append(append(norm, '['), text[i:j]...), ']')
				steps = append(steps, step{index: n})
				i = j
			case c == '*':
				return "", nil, fmt.Errorf("JSONPath %q: wildcard [*] is not a definite path", text)
			case c == '?':
				return "", nil, fmt.Errorf("JSONPath %q: filters [?()] are not a definite path", text)
			default:
				return "", nil, fmt.Errorf("JSONPath %q: expected 'name', \"name\" or a non-negative index after [ at offset %d", text, i)
			}
			if i >= len(text) || text[i] != ']' {
				if i < len(text) && (text[i] == ',' || text[i] == ':') {
					return "", nil, fmt.Errorf("JSONPath %q: unions and slices are not a definite path", text)
				}
				return "", nil, fmt.Errorf("JSONPath %q: expected ] at offset %d", text, i)
			}
			i++
		default:
			return "", nil, fmt.Errorf("JSONPath %q: unexpected %q at offset %d", text, text[i], i)
		}
	}
	return string(norm), steps, nil
}

// isIdent follows text/scanner's identifiers (what the library's parser
// accepts after a dot): letters, digits (not first) and underscore.
func isIdent(c byte, first bool) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9' || c >= 0x80
}
