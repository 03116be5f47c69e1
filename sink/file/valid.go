package file

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// validJSON reports whether data is exactly one valid JSON value. It is a
// one-pass scanner that jumps from quote to quote inside strings, several
// times faster than encoding/json.Valid on converter output, which is
// what the records format checks before embedding a payload verbatim.
// (The file source has the same scanner; plugins do not import each other.)
func validJSON(data []byte) bool {
	s := &scanner{data: data}
	if s.skipValue(1) != nil {
		return false
	}
	s.ws()
	return s.pos == len(data)
}

type scanner struct {
	data []byte
	pos  int
}

const maxDepth = 1000

func (s *scanner) fail(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at byte %d of the line: %s", s.pos, fmt.Sprintf(format, args...))
}

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// skipValue moves past one JSON value, checking its syntax.
func (s *scanner) skipValue(depth int) error {
	if depth > maxDepth {
		return s.fail("nested deeper than %d levels", maxDepth)
	}
	s.ws()
	if s.pos >= len(s.data) {
		return s.fail("unexpected end")
	}
	switch c := s.data[s.pos]; {
	case c == '{' || c == '[':
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		s.pos++
		s.ws()
		if s.pos < len(s.data) && s.data[s.pos] == closing {
			s.pos++
			return nil
		}
		for {
			if c == '{' {
				s.ws()
				if _, _, err := s.stringSpan(); err != nil {
					return err
				}
				s.ws()
				if s.pos >= len(s.data) || s.data[s.pos] != ':' {
					return s.fail("expected ':'")
				}
				s.pos++
			}
			if err := s.skipValue(depth + 1); err != nil {
				return err
			}
			s.ws()
			if s.pos >= len(s.data) {
				return s.fail("unexpected end")
			}
			switch s.data[s.pos] {
			case ',':
				s.pos++
			case closing:
				s.pos++
				return nil
			default:
				return s.fail("expected ',' or %q", closing)
			}
		}
	case c == '"':
		_, _, err := s.stringSpan()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	}
	return s.fail("unexpected character %q", s.data[s.pos])
}

func (s *scanner) literal(w string) error {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(w)) {
		return s.fail("expected %s", w)
	}
	s.pos += len(w)
	return nil
}

func (s *scanner) number() error {
	start := s.pos
	d := s.data
	if s.pos < len(d) && d[s.pos] == '-' {
		s.pos++
	}
	digits := func() int {
		n := 0
		for s.pos < len(d) && d[s.pos] >= '0' && d[s.pos] <= '9' {
			s.pos++
			n++
		}
		return n
	}
	if s.pos < len(d) && d[s.pos] == '0' {
		s.pos++
	} else if digits() == 0 {
		return s.fail("invalid number")
	}
	if s.pos < len(d) && d[s.pos] == '.' {
		s.pos++
		if digits() == 0 {
			return s.fail("invalid number %q", d[start:s.pos])
		}
	}
	if s.pos < len(d) && (d[s.pos] == 'e' || d[s.pos] == 'E') {
		s.pos++
		if s.pos < len(d) && (d[s.pos] == '+' || d[s.pos] == '-') {
			s.pos++
		}
		if digits() == 0 {
			return s.fail("invalid number %q", d[start:s.pos])
		}
	}
	return nil
}

// stringSpan moves past a string and returns its contents (without quotes)
// and whether it has escapes. It jumps from quote to quote.
func (s *scanner) stringSpan() (body []byte, escaped bool, err error) {
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return nil, false, s.fail("expected a string")
	}
	start := s.pos + 1
	i := start
	for {
		j := bytes.IndexByte(s.data[i:], '"')
		if j < 0 {
			return nil, false, s.fail("unterminated string")
		}
		i += j
		// an odd run of backslashes before the quote escapes it
		k := i - 1
		for k >= start && s.data[k] == '\\' {
			k--
		}
		if (i-1-k)%2 == 0 {
			break
		}
		i++
	}
	body = s.data[start:i]
	s.pos = i + 1
	if plain(body) {
		return body, false, nil
	}
	for k := 0; k < len(body); k++ {
		c := body[k]
		if c < 0x20 {
			return nil, false, s.fail("control character in a string")
		}
		if c != '\\' {
			continue
		}
		escaped = true
		k++ // the quote scan above guarantees a byte follows
		switch body[k] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		case 'u':
			if k+4 >= len(body)+1 || !isHex4(body[k+1:min(k+5, len(body))]) {
				return nil, false, s.fail("invalid \\u escape")
			}
			k += 4
		default:
			return nil, false, s.fail("invalid escape \\%c", body[k])
		}
	}
	s.pos = i + 1
	return body, escaped, nil
}

func isHex4(b []byte) bool {
	if len(b) != 4 {
		return false
	}
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// plain reports whether a string body has no control character and no
// backslash, 8 bytes at a time (the common case needs no closer look).
func plain(b []byte) bool {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		ctl := (w - lsb*0x20) & ^w & msb
		x := w ^ (lsb * '\\')
		bs := (x - lsb) & ^x & msb
		if ctl|bs != 0 {
			return false
		}
	}
	for ; i < len(b); i++ {
		if b[i] < 0x20 || b[i] == '\\' {
			return false
		}
	}
	return true
}
