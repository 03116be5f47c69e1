package transforms

import (
	"fmt"
	"strings"

	"github.com/inletdev/inlet/connect"
)

// Kafka's field.syntax.version (KIP-821).
const (
	fieldSyntaxKey = "field.syntax.version"
	syntaxV1       = "V1"
	syntaxV2       = "V2"
)

func fieldSyntaxDef() connect.ConfigKey {
	return connect.ConfigKey{Name: fieldSyntaxKey, Type: connect.TypeString, Default: syntaxV1, Importance: connect.High,
		Validator: connect.OneOf(syntaxV1, syntaxV2),
		Doc: "Defines the version of the syntax to access fields. If set to `V1`, then the field paths are limited to access the elements at the root level of the struct or map. " +
			"If set to `V2`, the syntax will support accessing nested elements. To access nested elements, dotted notation is used. " +
			"If dots are already included in the field name, then backtick pairs can be used to wrap field names containing dots. " +
			"E.g. to access the subfield `baz` from a field named \"foo.bar\" in a struct/map the following format can be used to access its elements: \"`foo.bar`.baz\"."}
}

// fieldPath is a parsed field reference: one step in V1, any number in V2.
type fieldPath struct {
	orig  string
	steps []string
}

func parseFieldPath(path, version string) (fieldPath, error) {
	if !strings.EqualFold(version, syntaxV2) {
		return fieldPath{orig: path, steps: []string{path}}, nil
	}
	steps, err := fieldPathV2(path)
	return fieldPath{orig: path, steps: steps}, err
}

// fieldPathV2 ports Kafka's SingleFieldPath.buildFieldPathV2: steps split on
// dots; a step that starts with a backtick runs to the next backtick that
// is followed by a dot or ends the path; \` inside it is a backtick.
func fieldPathV2(path string) ([]string, error) {
	var steps []string
	incomplete := func(at int) error {
		return fmt.Errorf("incomplete backtick pair in path: [%s], consider adding a backslash before backtick at position %d to escape it", path, at)
	}
	idx := 0
	for idx < len(path) && idx >= 0 {
		if path[idx] != '`' {
			start := idx
			if j := strings.IndexByte(path[idx:], '.'); j >= 0 {
				steps = append(steps, path[start:idx+j])
				idx += j + 1
			} else {
				steps = append(steps, path[start:])
				idx = -1
			}
			continue
		}
		backtickAt := idx
		idx++
		var field strings.Builder
		start := idx
		for {
			j := strings.IndexByte(path[idx:], '`')
			if j < 0 {
				return nil, incomplete(backtickAt)
			}
			idx += j
			escaped := path[idx-1] == '\\'
			if idx >= len(path)-1 {
				if escaped {
					return nil, incomplete(backtickAt)
				}
				field.WriteString(path[start:idx])
				steps = append(steps, field.String())
				idx++
				break
			}
			if path[idx+1] != '.' {
				idx++
				continue
			}
			if escaped {
				field.WriteString(path[start : idx-1])
				field.WriteByte('`')
				idx++
				start = idx
				continue
			}
			field.WriteString(path[start:idx])
			steps = append(steps, field.String())
			idx += 2
			break
		}
	}
	if path != "" && path[len(path)-1] == '.' {
		steps = append(steps, "")
	}
	if path == "" {
		steps = []string{""}
	}
	return steps, nil
}

// fieldFrom returns the schema field the path names, walking nested structs.
func (p fieldPath) fieldFrom(s *connect.Schema) (connect.Field, bool) {
	var f connect.Field
	for i, step := range p.steps {
		if s == nil || s.Type != connect.StructType {
			return connect.Field{}, false
		}
		var ok bool
		if f, ok = s.Field(step); !ok {
			return connect.Field{}, false
		}
		if i < len(p.steps)-1 {
			s = f.Schema
		}
	}
	return f, true
}

// structValue returns the value at the path, or nil where a step is missing
// or null.
func (p fieldPath) structValue(st *connect.Struct, replaceNull bool) any {
	for i, step := range p.steps {
		if st == nil {
			return nil
		}
		f, ok := st.Schema.Field(step)
		if !ok {
			return nil
		}
		v := fieldValue(st, f.Index, replaceNull)
		if i == len(p.steps)-1 {
			return v
		}
		st, _ = asStruct(v)
	}
	return nil
}

// mapValue returns the value at the path in a schemaless object.
func (p fieldPath) mapValue(m map[string]any) any {
	for i, step := range p.steps {
		v := m[step]
		if i == len(p.steps)-1 {
			return v
		}
		next, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		m = next
	}
	return nil
}
