package converters

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/inletdev/inlet/internal/box"
)

// A small JSON parser that keeps what the converter needs and
// encoding/json loses: number text (integral or not, exact digits), object
// key order, and byte offsets (so a schema's JSON text can key a cache).

// jnum is a JSON number's text, validated.
type jnum string

// jobj is a JSON object with keys in input order. Duplicate keys keep the
// last value, as Jackson does.
type jobj struct {
	keys []string
	vals []any
}

func (o *jobj) get(k string) (any, bool) {
	for i := len(o.keys) - 1; i >= 0; i-- {
		if o.keys[i] == k {
			return o.vals[i], true
		}
	}
	return nil, false
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 1000

type parser struct {
	data []byte
	pos  int

	// for the direct read (jsondirect.go): decoded string bytes
	// (append-only) and boxed values (internal/box: one allocation per
	// 16 values instead of one per value)
	arena []byte
	box   box.Slabs
	// for schemaless reads (jsonschemaless.go): entries and elements of
	// the objects and arrays being read
	kvs  []entry
	vals []any
}

// SyntaxError is invalid JSON, with the byte offset where parsing failed.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

func (p *parser) fail(format string, args ...any) error {
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}

// next consumes what follows a member or element of an object or array
// (what names which, for errors): ',' when more follow (done = false) or
// the closing byte (done = true).
func (p *parser) next(closing byte, what string) (done bool, err error) {
	p.ws()
	if p.pos >= len(p.data) {
		return false, p.fail("unexpected end of input in an %s", what)
	}
	switch p.data[p.pos] {
	case ',':
		p.pos++
		return false, nil
	case closing:
		p.pos++
		return true, nil
	}
	return false, p.fail("expected ',' or '%c' in an %s", closing, what)
}

// parseJSON parses exactly one JSON value (surrounding whitespace allowed).
func parseJSON(data []byte) (any, error) {
	p := &parser{data: data}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.pos != len(p.data) {
		return nil, p.fail("unexpected data after the JSON value")
	}
	return v, nil
}

func (p *parser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, p.fail("nested deeper than %d levels", maxDepth)
	}
	p.ws()
	if p.pos >= len(p.data) {
		return nil, p.fail("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.lit("true")
	case c == 'f':
		return false, p.lit("false")
	case c == 'n':
		return nil, p.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		return nil, p.fail("unexpected character %q", c)
	}
}

func (p *parser) lit(s string) error {
	if len(p.data)-p.pos < len(s) || string(p.data[p.pos:p.pos+len(s)]) != s {
		return p.fail("invalid literal, expected %s", s)
	}
	p.pos += len(s)
	return nil
}

func (p *parser) object(depth int) (*jobj, error) {
	p.pos++ // {
	o := &jobj{}
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return o, nil
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
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		o.keys = append(o.keys, k)
		o.vals = append(o.vals, v)
		if done, err := p.next('}', "object"); err != nil {
			return nil, err
		} else if done {
			return o, nil
		}
	}
}

func (p *parser) array(depth int) ([]any, error) {
	p.pos++ // [
	out := []any{}
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return out, nil
	}
	for {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if done, err := p.next(']', "array"); err != nil {
			return nil, err
		} else if done {
			return out, nil
		}
	}
}

func (p *parser) number() (jnum, error) {
	text, err := p.numberText()
	if err != nil {
		return "", err
	}
	return jnum(text), nil
}

// numberText moves past a number and returns its bytes (no copy).
func (p *parser) numberText() ([]byte, error) {
	start := p.pos
	d := p.data
	if d[p.pos] == '-' {
		p.pos++
	}
	if p.pos < len(d) && d[p.pos] == '0' {
		p.pos++
	} else if p.digits() == 0 {
		return nil, p.fail("invalid number")
	}
	if p.pos < len(d) && d[p.pos] == '.' {
		p.pos++
		if p.digits() == 0 {
			return nil, p.fail("invalid number: no digits after '.'")
		}
	}
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if p.digits() == 0 {
			return nil, p.fail("invalid number: no digits in the exponent")
		}
	}
	return d[start:p.pos], nil
}

func (p *parser) digits() int {
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos - start
}

func (p *parser) str() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	d := p.data
	// fast path: no escapes, ASCII or valid UTF-8
	for p.pos < len(d) {
		c := d[p.pos]
		if c == '"' {
			s := string(d[start:p.pos])
			p.pos++
			return s, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		p.pos++
	}
	buf, err := p.strTail(append([]byte(nil), d[start:p.pos]...))
	if err != nil {
		return "", err
	}
	return string(buf), nil
}

// strTail decodes the rest of a string (from p.pos, inside it) onto buf and
// moves past its closing quote.
func (p *parser) strTail(buf []byte) ([]byte, error) {
	d := p.data
	for p.pos < len(d) {
		c := d[p.pos]
		switch {
		case c == '"':
			p.pos++
			return buf, nil
		case c < 0x20:
			return nil, p.fail("control character in a string")
		case c == '\\':
			p.pos++
			if p.pos >= len(d) {
				return nil, p.fail("unexpected end of input in a string escape")
			}
			e := d[p.pos]
			p.pos++
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, err := p.hex4()
				if err != nil {
					return nil, err
				}
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if p.pos+1 < len(d) && d[p.pos] == '\\' && d[p.pos+1] == 'u' {
						save := p.pos
						p.pos += 2
						if x, err := p.hex4(); err == nil {
							r2 = x
						} else {
							p.pos = save
						}
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
					} else {
						r = utf8.RuneError
						if r2 >= 0 && !utf16.IsSurrogate(r2) {
							buf = utf8.AppendRune(buf, r)
							r = r2
						}
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return nil, p.fail("invalid escape \\%c", e)
			}
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(d[p.pos:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, "\uFFFD"...)
			} else {
				buf = append(buf, d[p.pos:p.pos+size]...)
			}
			p.pos += size
		default:
			// a run of plain bytes in one append
			j := p.pos + 1
			for j < len(d) && d[j] != '"' && d[j] != '\\' && d[j] >= 0x20 && d[j] < utf8.RuneSelf {
				j++
			}
			buf = append(buf, d[p.pos:j]...)
			p.pos = j
		}
	}
	return nil, p.fail("unterminated string")
}

func (p *parser) hex4() (rune, error) {
	if p.pos+4 > len(p.data) {
		return 0, p.fail("short \\u escape")
	}
	n, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, p.fail("invalid \\u escape")
	}
	p.pos += 4
	return rune(n), nil
}

// skip moves past one JSON value without building it, validating its
// syntax, so a cached schema's text costs a scan and no allocation.
func (p *parser) skip(depth int) error {
	if depth > maxDepth {
		return p.fail("nested deeper than %d levels", maxDepth)
	}
	p.ws()
	if p.pos >= len(p.data) {
		return p.fail("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{' || c == '[':
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		p.pos++
		p.ws()
		if p.pos < len(p.data) && p.data[p.pos] == closing {
			p.pos++
			return nil
		}
		for {
			if c == '{' {
				p.ws()
				if p.pos >= len(p.data) || p.data[p.pos] != '"' {
					return p.fail("expected a string key")
				}
				if err := p.skipString(); err != nil {
					return err
				}
				p.ws()
				if p.pos >= len(p.data) || p.data[p.pos] != ':' {
					return p.fail("expected ':' after an object key")
				}
				p.pos++
			}
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			p.ws()
			if p.pos >= len(p.data) {
				return p.fail("unexpected end of input")
			}
			switch p.data[p.pos] {
			case ',':
				p.pos++
			case closing:
				p.pos++
				return nil
			default:
				return p.fail("expected ',' or %q", closing)
			}
		}
	case c == '"':
		return p.skipString()
	case c == 't':
		return p.lit("true")
	case c == 'f':
		return p.lit("false")
	case c == 'n':
		return p.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := p.numberText()
		return err
	}
	return p.fail("unexpected character %q", p.data[p.pos])
}

// skipString moves past a string; strings with escapes or non-ASCII bytes
// take the full path, which validates them.
func (p *parser) skipString() error {
	for i := p.pos + 1; i < len(p.data); i++ {
		c := p.data[i]
		if c == '"' {
			p.pos = i + 1
			return nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
	}
	_, err := p.str()
	return err
}

// isIntegral reports whether a number was written without a fraction or
// exponent (Jackson's isIntegralNumber).
func (n jnum) isIntegral() bool {
	for i := 0; i < len(n); i++ {
		switch n[i] {
		case '.', 'e', 'E':
			return false
		}
	}
	return true
}
