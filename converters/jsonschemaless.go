package converters

import (
	"strconv"
	"unsafe"
)

// Schemaless reads (schemas.enable=false) go straight from the bytes to
// map[string]any, []any, string, int64, float64, bool and nil, the values
// schemaless(parseJSON(data)) gives, without building the JSON tree first:
// strings share the record's arena, strings and numbers are boxed in its
// slabs, and an object's entries are collected on a stack shared by the
// whole record so each map is allocated once at its final size.

// entry is an object entry waiting for its map.
type entry struct {
	k string
	v any
}

// readAny reads the next JSON value as schemaless Connect data, with the
// messages of parser.value.
func (p *parser) readAny(depth int) (any, error) {
	if depth > maxDepth {
		return nil, p.fail("nested deeper than %d levels", maxDepth)
	}
	p.ws()
	if p.pos >= len(p.data) {
		return nil, p.fail("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.readObject(depth)
	case c == '[':
		return p.readList(depth)
	case c == '"':
		s, err := p.arenaStr()
		if err != nil {
			return nil, err
		}
		return p.box.Str(s), nil
	case c == 't':
		return true, p.lit("true")
	case c == 'f':
		return false, p.lit("false")
	case c == 'n':
		return nil, p.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		text, err := p.numberText()
		if err != nil {
			return nil, err
		}
		// a view of the bytes, only for the parse: no copy
		str := unsafe.String(unsafe.SliceData(text), len(text))
		if jnum(str).isIntegral() {
			if n, err := strconv.ParseInt(str, 10, 64); err == nil {
				return p.box.Int64(n), nil
			}
		}
		f, _ := strconv.ParseFloat(str, 64)
		return p.box.Float64(f), nil
	default:
		return nil, p.fail("unexpected character %q", c)
	}
}

func (p *parser) readObject(depth int) (any, error) {
	p.pos++ // {
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return map[string]any{}, nil
	}
	mark := len(p.kvs)
	for {
		p.ws()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.fail("expected a string key")
		}
		k, err := p.arenaStr()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.fail("expected ':' after an object key")
		}
		p.pos++
		v, err := p.readAny(depth + 1)
		if err != nil {
			return nil, err
		}
		p.kvs = append(p.kvs, entry{k, v})
		done, err := p.next('}', "object")
		if err != nil {
			return nil, err
		}
		if done {
			entries := p.kvs[mark:]
			m := make(map[string]any, len(entries))
			for _, e := range entries { // a repeated key's last value wins, as in Jackson
				m[e.k] = e.v
			}
			clear(entries) // the stack must not keep values alive
			p.kvs = p.kvs[:mark]
			return m, nil
		}
	}
}

func (p *parser) readList(depth int) (any, error) {
	p.pos++ // [
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return []any{}, nil
	}
	mark := len(p.vals)
	for {
		v, err := p.readAny(depth + 1)
		if err != nil {
			return nil, err
		}
		p.vals = append(p.vals, v)
		done, err := p.next(']', "array")
		if err != nil {
			return nil, err
		}
		if done {
			out := make([]any, len(p.vals)-mark)
			copy(out, p.vals[mark:])
			clear(p.vals[mark:])
			p.vals = p.vals[:mark]
			return out, nil
		}
	}
}

// scratch is the entry and element stacks of schemaless reads, reused
// from call to call (they hold nothing between calls).
type scratch struct {
	kvs  []entry
	vals []any
}

// readSchemaless reads exactly one JSON value (surrounding whitespace
// allowed) as schemaless data: schemaless(parseJSON(data)), faster. sc may
// be nil.
func readSchemaless(data []byte, sc *scratch) (any, error) {
	p := &parser{data: data}
	if sc != nil {
		p.kvs, p.vals = sc.kvs[:0], sc.vals[:0]
		defer func() {
			// after an error, entries of unfinished objects are still there
			clear(p.kvs)
			clear(p.vals)
			sc.kvs, sc.vals = p.kvs[:0], p.vals[:0]
		}()
	}
	v, err := p.readAny(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.pos != len(p.data) {
		return nil, p.fail("unexpected data after the JSON value")
	}
	return v, nil
}
