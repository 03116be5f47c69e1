package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"

	"github.com/inletdev/inlet/connect"
)

// JSON expansion (table.expand.json.payload), after Debezium's
// JsonSchemaData: a STRING payload holding a JSON object becomes a Struct
// with an inferred schema. Differences, each fixing a Debezium bug:
//
//   - object arrays merge their elements' fields in document order
//     (Debezium iterates a HashSet);
//   - a top-level array, trailing text after the JSON value, or an integer
//     wider than int64 is an expansion failure (WARN, the string is kept)
//     instead of a record that fails later in the converter;
//   - a member renamed by field.name.adjustment.mode keeps its value;
//   - every failure names the JSON path.

// jnode is a parsed JSON value that keeps object member order (Jackson's
// ObjectNode does; Go maps do not).
type jnode struct {
	kind  byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' boolean, 'z' null
	text  string
	b     bool
	keys  []string
	vals  []*jnode
	elems []*jnode
}

func kindName(k byte) string {
	switch k {
	case 'o':
		return "OBJECT"
	case 'a':
		return "ARRAY"
	case 's':
		return "STRING"
	case 'n':
		return "NUMBER"
	case 'b':
		return "BOOLEAN"
	}
	return "NULL"
}

func (n *jnode) String() string {
	switch n.kind {
	case 's':
		b, _ := json.Marshal(n.text)
		return string(b)
	case 'n':
		return n.text
	case 'b':
		return strconv.FormatBool(n.b)
	case 'z':
		return "null"
	case 'a':
		return "[…]"
	}
	return "{…}"
}

// maxJSONDepth bounds nesting so hostile payloads cannot exhaust the stack.
const maxJSONDepth = 200

func parseOrdered(text string) (*jnode, error) {
	if text == "" || (text[0] != '{' && text[0] != '[') {
		c := "<empty>"
		if text != "" {
			c = string([]rune(text)[:1])
		}
		return nil, fmt.Errorf("Unable to parse payload starting with '%s'", c)
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	n, err := readNode(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected content after the JSON value")
	}
	return n, nil
}

func readNode(dec *json.Decoder, depth int) (*jnode, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("JSON nested deeper than %d levels", maxJSONDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch x := tok.(type) {
	case json.Delim:
		switch x {
		case '{':
			n := &jnode{kind: 'o'}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := readNode(dec, depth+1)
				if err != nil {
					return nil, err
				}
				if i := indexOf(n.keys, k); i >= 0 {
					n.vals[i] = v // Jackson: the last value wins, at the first position
				} else {
					n.keys = append(n.keys, k)
					n.vals = append(n.vals, v)
				}
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		case '[':
			n := &jnode{kind: 'a'}
			for dec.More() {
				v, err := readNode(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		}
		return nil, fmt.Errorf("unexpected %v", x)
	case string:
		return &jnode{kind: 's', text: x}, nil
	case json.Number:
		return &jnode{kind: 'n', text: string(x)}, nil
	case bool:
		return &jnode{kind: 'b', b: x}, nil
	case nil:
		return &jnode{kind: 'z'}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}

// numberSchema is Jackson's number node typing: an integer that fits int32
// is INT32, one that fits int64 is INT64, anything else FLOAT64.
func numberSchema(text string) *connect.Schema {
	if !strings.ContainsAny(text, ".eE") {
		if _, err := strconv.ParseInt(text, 10, 32); err == nil {
			return connect.OptionalInt32Schema
		}
		if _, err := strconv.ParseInt(text, 10, 64); err == nil {
			return connect.OptionalInt64Schema
		}
	}
	return connect.OptionalFloat64Schema
}

// inference holds the options of one expansion.
type inference struct {
	nullAsBytes   bool
	emptyAsString bool
	adjust        nameAdjust
}

// schemaOf infers the schema of n, whose key is key ("payload",
// "payload.address"). A nil schema means "no schema": the member is dropped.
func (x *inference) schemaOf(n *jnode, key string) (*connect.Schema, error) {
	switch n.kind {
	case 's':
		return connect.OptionalStringSchema, nil
	case 'b':
		return connect.OptionalBooleanSchema, nil
	case 'n':
		return numberSchema(n.text), nil
	case 'z':
		if x.nullAsBytes {
			return connect.OptionalBytesSchema, nil
		}
		return nil, nil
	case 'o':
		var fields []connect.Field
		seen := map[string]bool{}
		for i, k := range n.keys {
			name := adjustName(k, x.adjust)
			if seen[name] {
				continue // the first member wins after adjustment
			}
			s, err := x.schemaOf(n.vals[i], key+"."+k)
			if err != nil {
				return nil, err
			}
			if s == nil {
				continue
			}
			seen[name] = true
			fields = append(fields, connect.F(name, s))
		}
		return connect.StructOf(key, true, fields...), nil
	case 'a':
		if len(n.elems) == 0 {
			if x.emptyAsString {
				return connect.ArrayOf(connect.OptionalStringSchema, true), nil
			}
			return nil, nil
		}
		items, err := x.elementSchema(n, key)
		if err != nil {
			return nil, err
		}
		return connect.ArrayOf(items, true), nil
	}
	return nil, fmt.Errorf("unknown JSON node at %s", key)
}

// elementSchema is the one schema every element of a non-empty array
// shares: the elements must have one JSON type and, for numbers, one
// Connect type; object elements merge into one struct named by the array's
// key, fields in document order.
func (x *inference) elementSchema(n *jnode, key string) (*connect.Schema, error) {
	var first *jnode
	var schema *connect.Schema
	for _, e := range n.elems {
		if e.kind == 'z' {
			continue
		}
		if first == nil {
			first = e
		} else if e.kind != first.kind {
			return nil, fmt.Errorf("Field is not a homogenous array (%s x %s) at %s", first, kindName(e.kind), key)
		}
		s, err := x.schemaOf(e, key)
		if err != nil {
			return nil, err
		}
		if schema == nil {
			schema = s
			continue
		}
		if s == nil {
			continue
		}
		if e.kind == 'n' && s.Type != schema.Type {
			return nil, fmt.Errorf("Field is not a homogenous array (%s x %s), different number types (Schema{%s} x Schema{%s}) at %s",
				first, e, schema.Type.UpperName(), s.Type.UpperName(), key)
		}
		schema, err = mergeSchemas(schema, s, key)
		if err != nil {
			return nil, err
		}
	}
	if schema == nil {
		return nil, fmt.Errorf("Array '%s' has unrecognized member schema.", key)
	}
	return schema, nil
}

// mergeSchemas unites two schemas inferred for the same place: struct
// fields are united in order of appearance, a BYTES schema (inferred from
// null) gives way to a real one.
func mergeSchemas(a, b *connect.Schema, key string) (*connect.Schema, error) {
	switch {
	case a == nil:
		return b, nil
	case b == nil || a == b:
		return a, nil
	case a.Type == connect.Bytes && b.Type != connect.Bytes:
		return b, nil
	case b.Type == connect.Bytes && a.Type != connect.Bytes:
		return a, nil
	case a.Type != b.Type:
		return nil, fmt.Errorf("Field is not a homogenous array, %s has types %s and %s", key, a.Type.UpperName(), b.Type.UpperName())
	case a.Type == connect.Array:
		items, err := mergeSchemas(a.Value, b.Value, key)
		if err != nil {
			return nil, err
		}
		if items == a.Value {
			return a, nil
		}
		return connect.ArrayOf(items, true), nil
	case a.Type == connect.StructType:
		fields := append([]connect.Field(nil), a.Fields...)
		changed := false
		for _, bf := range b.Fields {
			i := -1
			for j, af := range fields {
				if af.Name == bf.Name {
					i = j
					break
				}
			}
			if i < 0 {
				fields = append(fields, bf)
				changed = true
				continue
			}
			m, err := mergeSchemas(fields[i].Schema, bf.Schema, key+"."+bf.Name)
			if err != nil {
				return nil, err
			}
			if m != fields[i].Schema {
				fields[i] = connect.F(bf.Name, m)
				changed = true
			}
		}
		if !changed {
			return a, nil
		}
		return connect.StructOf(a.Name, true, fields...), nil
	}
	return a, nil
}

// valueOf converts n to Connect data for schema s (as inferred).
func (x *inference) valueOf(n *jnode, s *connect.Schema, key string) (any, error) {
	if n.kind == 'z' {
		return nil, nil
	}
	switch s.Type {
	case connect.String:
		return n.text, nil
	case connect.Boolean:
		return n.b, nil
	case connect.Int32:
		v, err := strconv.ParseInt(n.text, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%s at %s is not an INT32", n.text, key)
		}
		return int32(v), nil
	case connect.Int64:
		v, err := strconv.ParseInt(n.text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s at %s is not an INT64", n.text, key)
		}
		return v, nil
	case connect.Float64:
		if !strings.ContainsAny(n.text, ".eE") {
			return nil, fmt.Errorf("integer %s at %s does not fit in 64 bits", n.text, key)
		}
		v, err := strconv.ParseFloat(n.text, 64)
		if err != nil {
			return nil, fmt.Errorf("number %s at %s is out of range for FLOAT64", n.text, key)
		}
		return v, nil
	case connect.Bytes:
		return nil, nil
	case connect.Array:
		out := make([]any, len(n.elems))
		for i, e := range n.elems {
			v, err := x.valueOf(e, s.Value, fmt.Sprintf("%s[%d]", key, i))
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case connect.StructType:
		st := connect.NewStruct(s)
		for i, k := range n.keys {
			name := adjustName(k, x.adjust)
			f, ok := s.Field(name)
			if !ok || st.Values[f.Index] != nil {
				continue
			}
			v, err := x.valueOf(n.vals[i], f.Schema, key+"."+k)
			if err != nil {
				return nil, err
			}
			st.Values[f.Index] = v
		}
		return st, nil
	}
	return nil, fmt.Errorf("unexpected schema %s at %s", s, key)
}

// expand parses and converts a schema'd payload.
func (x *inference) expand(text, key string) (*connect.Schema, any, error) {
	n, err := parseOrdered(text)
	if err != nil {
		return nil, nil, err
	}
	if n.kind != 'o' {
		return nil, nil, fmt.Errorf("the payload is a JSON array; only objects can be expanded into a Struct")
	}
	s, err := x.schemaOf(n, key)
	if err != nil {
		return nil, nil, err
	}
	v, err := x.valueOf(n, s, key)
	if err != nil {
		return nil, nil, err
	}
	return s, v, nil
}

func (t *Router) inference() *inference {
	return &inference{nullAsBytes: t.s.nullAsBytes, emptyAsString: t.s.emptyAsString, adjust: t.s.adjust}
}

// expandStruct is step 11 for schema'd records. Failures keep the string
// and its schema, with Debezium's WARN and the reason.
func (t *Router) expandStruct(ctx context.Context, r *connect.Record, payload any, s *connect.Schema) (any, *connect.Schema) {
	text, ok := payload.(string)
	if !ok {
		if payload != nil {
			t.log.WarnContext(ctx, "Expand JSON payload is turned on but payload is not a string in "+keyString(r.Key), "record", r.Coordinates(), "type", fmt.Sprintf("%T", payload))
		}
		return payload, s
	}
	es, v, err := t.inference().expand(text, t.s.payloadCol)
	if err != nil {
		t.log.WarnContext(ctx, "JSON expansion failed", "record", r.Coordinates(), "column", t.s.payloadCol, "error", err.Error())
		return payload, s
	}
	return v, es
}

// expandMap is step 11 for schemaless records: JSON objects and arrays
// become map[string]any / []any; integers become int64 (json.Number when
// wider), other numbers float64. Nothing is dropped: without a schema,
// nulls and empty arrays need no inference.
func (t *Router) expandMap(ctx context.Context, r *connect.Record, payload any) any {
	text, ok := payload.(string)
	if !ok {
		if payload != nil {
			t.log.WarnContext(ctx, "Expand JSON payload is turned on but payload is not a string in "+keyString(r.Key), "record", r.Coordinates(), "type", fmt.Sprintf("%T", payload))
		}
		return payload
	}
	if text == "" || (text[0] != '{' && text[0] != '[') {
		_, err := parseOrdered(text)
		t.log.WarnContext(ctx, "JSON expansion failed", "record", r.Coordinates(), "column", t.s.payloadCol, "error", err.Error())
		return payload
	}
	v, err := connect.ParseJSON([]byte(text))
	if err != nil {
		t.log.WarnContext(ctx, "JSON expansion failed", "record", r.Coordinates(), "column", t.s.payloadCol, "error", err.Error())
		return payload
	}
	return plainNumbers(v)
}

func plainNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = plainNumbers(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = plainNumbers(e)
		}
		return x
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n
			}
			if _, ok := new(big.Int).SetString(s, 10); ok {
				return x
			}
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
		return x
	}
	return v
}

// adjustName applies field.name.adjustment.mode to one member name: avro
// replaces every character Avro names do not allow (a letter or _ first,
// then letters, digits, _) with _, avro_unicode with _uXXXX.
func adjustName(s string, mode nameAdjust) string {
	if mode == adjustNone || s == "" {
		return s
	}
	ok := true
	for i, r := range s {
		if !avroChar(r, i == 0) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b bytes.Buffer
	for i, r := range s {
		if avroChar(r, i == 0) {
			b.WriteRune(r)
		} else if mode == adjustAvro {
			b.WriteByte('_')
		} else {
			fmt.Fprintf(&b, "_u%04x", r)
		}
	}
	return b.String()
}

func avroChar(r rune, first bool) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || !first && r >= '0' && r <= '9'
}
