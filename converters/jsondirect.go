package converters

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unsafe"

	"github.com/inletdev/inlet/connect"
)

// read parses the next JSON value straight into Connect data for schema s,
// with the same rules and messages as toConnect (which converts a parsed
// JSON tree): structs, arrays and string-keyed maps are read in place,
// integers without an intermediate string, and everything else goes
// through toConnect one value at a time.
func (c *JSONConverter) read(p *parser, s *connect.Schema, depth int) (any, error) {
	if depth > maxDepth {
		return nil, p.fail("nested deeper than %d levels", maxDepth)
	}
	p.ws()
	if p.pos >= len(p.data) {
		return nil, p.fail("unexpected end of input")
	}
	next := p.data[p.pos]
	if next == 'n' {
		if err := p.lit("null"); err != nil {
			return nil, err
		}
		return c.toConnect(s, nil)
	}
	if !s.IsLogical() { // Kafka's logical types convert in toConnect
		switch s.Type {
		case connect.StructType:
			if next != '{' {
				return nil, dataErr(jsonConverterName, "Structs should be encoded as JSON objects, but found %s", peekType(next))
			}
			return c.readStruct(p, s, depth)
		case connect.Array:
			if next != '[' {
				return nil, c.typeErr(s, peekValue(next))
			}
			return c.readArray(p, s, depth)
		case connect.Map:
			if s.Key != nil && s.Key.Type == connect.String {
				if next != '{' {
					return nil, dataErr(jsonConverterName, "Maps with string fields should be encoded as JSON objects, but found %s", peekType(next))
				}
				return c.readMap(p, s, depth)
			}
		case connect.String:
			if next == '"' {
				str, err := p.arenaStr()
				if err != nil {
					return nil, err
				}
				return p.box.Str(str), nil
			}
		case connect.Boolean:
			switch next {
			case 't':
				return true, p.lit("true")
			case 'f':
				return false, p.lit("false")
			}
		case connect.Int8, connect.Int16, connect.Int32, connect.Int64:
			if next == '-' || next >= '0' && next <= '9' {
				text, err := p.numberText()
				if err != nil {
					return nil, err
				}
				// a view of the bytes, only for the parse: no copy
				if n, err := strconv.ParseInt(unsafe.String(unsafe.SliceData(text), len(text)), 10, 64); err == nil {
					return p.narrow(s, n, text)
				}
				return readInt(s, jnum(text))
			}
		case connect.Float32, connect.Float64:
			if next == '-' || next >= '0' && next <= '9' {
				text, err := p.numberText()
				if err != nil {
					return nil, err
				}
				f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(text), len(text)), 64)
				if err != nil && !math.IsInf(f, 0) {
					return nil, c.typeErr(s, jnum(text))
				}
				if s.Type == connect.Float32 {
					return float32(f), nil
				}
				return f, nil
			}
		}
	}
	v, err := p.value(depth)
	if err != nil {
		return nil, err
	}
	return c.toConnect(s, v)
}

// narrow range-checks an integer for its type, as readInt does, and boxes
// INT32 and INT64 values in the record's slabs.
func (p *parser) narrow(s *connect.Schema, n int64, text []byte) (any, error) {
	switch s.Type {
	case connect.Int8:
		if n < math.MinInt8 || n > math.MaxInt8 {
			return nil, dataErr(jsonConverterName, "%s is out of range for INT8", text)
		}
		return int8(n), nil
	case connect.Int16:
		if n < math.MinInt16 || n > math.MaxInt16 {
			return nil, dataErr(jsonConverterName, "%s is out of range for INT16", text)
		}
		return int16(n), nil
	case connect.Int32:
		if n < math.MinInt32 || n > math.MaxInt32 {
			return nil, dataErr(jsonConverterName, "%s is out of range for INT32", text)
		}
		return p.box.Int32(int32(n)), nil
	}
	return p.box.Int64(n), nil
}

func (c *JSONConverter) readStruct(p *parser, s *connect.Schema, depth int) (any, error) {
	p.pos++ // {
	st := connect.NewStruct(s)
	var seenSmall [64]bool
	seen := seenSmall[:0]
	if len(s.Fields) <= len(seenSmall) {
		seen = seenSmall[:len(s.Fields)]
	} else {
		seen = make([]bool, len(s.Fields))
	}
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
	} else {
		for {
			p.ws()
			if p.pos >= len(p.data) || p.data[p.pos] != '"' {
				return nil, p.fail("expected a string key")
			}
			k, err := p.key()
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.pos >= len(p.data) || p.data[p.pos] != ':' {
				return nil, p.fail("expected ':' after an object key")
			}
			p.pos++
			idx := -1
			for i := range s.Fields {
				if s.Fields[i].Name == string(k) { // compared without a copy
					idx = i
					break
				}
			}
			if idx < 0 {
				if err := p.skip(depth + 1); err != nil {
					return nil, err
				}
			} else {
				f := s.Fields[idx]
				v, err := c.read(p, f.Schema, depth+1)
				if err != nil {
					return nil, under(err, f.Name)
				}
				st.Values[idx], seen[idx] = v, true
			}
			done, err := p.next('}', "object")
			if err != nil {
				return nil, err
			}
			if done {
				break
			}
		}
	}
	for i, f := range s.Fields {
		if !seen[i] {
			v, err := c.toConnect(f.Schema, nil)
			if err != nil {
				return nil, under(err, f.Name)
			}
			st.Values[i] = v
		}
	}
	return st, nil
}

func (c *JSONConverter) readArray(p *parser, s *connect.Schema, depth int) (any, error) {
	p.pos++ // [
	out := []any{}
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return out, nil
	}
	for {
		v, err := c.read(p, s.Value, depth+1)
		if err != nil {
			return nil, under(err, strconv.Itoa(len(out)))
		}
		out = append(out, v)
		if done, err := p.next(']', "array"); err != nil {
			return nil, err
		} else if done {
			return out, nil
		}
	}
}

func (c *JSONConverter) readMap(p *parser, s *connect.Schema, depth int) (any, error) {
	p.pos++ // {
	m := map[string]any{}
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return m, nil
	}
	for {
		p.ws()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.fail("expected a string key")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.fail("expected ':' after an object key")
		}
		p.pos++
		v, err := c.read(p, s.Value, depth+1)
		if err != nil {
			return nil, under(err, k)
		}
		m[k] = v
		if done, err := p.next('}', "object"); err != nil {
			return nil, err
		} else if done {
			return m, nil
		}
	}
}

// arenaStr reads the string at p.pos into p.arena and returns a view of
// it: the strings of a record share one allocation instead of one each.
// The arena is append-only (a full one is replaced, never overwritten),
// so the bytes behind a returned string never change, as Go requires.
func (p *parser) arenaStr() (string, error) {
	if p.arena == nil {
		// decoded text is never longer than the JSON left to read (except
		// for invalid UTF-8: 1 byte becomes 3), but a huge document with
		// few strings must not pin a huge arena: start at most at 4 KB and
		// let append grow it
		p.arena = make([]byte, 0, min(len(p.data)-p.pos, 4096))
	}
	p.pos++ // opening quote
	start := len(p.arena)
	buf, err := p.strTail(p.arena)
	if err != nil {
		return "", err
	}
	p.arena = buf
	if len(buf) == start {
		return "", nil
	}
	return unsafe.String(&buf[start], len(buf)-start), nil
}

// key returns an object key's bytes without copying when it has no
// escapes (the common case), else its decoded text.
func (p *parser) key() ([]byte, error) {
	start := p.pos + 1
	for i := start; i < len(p.data); i++ {
		c := p.data[i]
		if c == '"' {
			p.pos = i + 1
			return p.data[start:i], nil
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
	}
	s, err := p.str()
	return []byte(s), err
}

// peekType names the JSON type that starts with c, as Jackson's
// JsonNodeType does.
func peekType(c byte) string { return nodeType(peekValue(c)) }

// peekValue stands in for a value of the type that starts with c, for
// messages only.
func peekValue(c byte) any {
	switch {
	case c == '{':
		return &jobj{}
	case c == '[':
		return []any{}
	case c == '"':
		return ""
	case c == 't' || c == 'f':
		return true
	case c == '-' || c >= '0' && c <= '9':
		return jnum("0")
	}
	return nil
}

// wrapRead prefixes syntax errors as ToConnect reports them.
func wrapRead(err error) error {
	var se *SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("converters: JsonConverter: %w", err)
	}
	return err
}
