package file

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// A small JSON scanner for records-format lines. encoding/json validates a
// whole line and then decodes it again, which for a Debezium event (a few
// kilobytes of schema and payload) cost more than everything else in a
// pipeline; this one finds the top-level fields in one pass, keeps key and
// payload as byte ranges, and validates as it goes.

type scanner struct {
	data    []byte
	pos     int
	null    bool // the last int or optStr value was null
	member1 int  // set by skip: where the outermost container's first member ends, or -1
}

func (s *scanner) wasNull() bool { return s.null }

// optStr reads a string or null ("").
func (s *scanner) optStr(name string) (string, error) {
	s.null = false
	if s.pos < len(s.data) && s.data[s.pos] == 'n' {
		s.null = true
		return "", s.literal("null")
	}
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return "", fmt.Errorf("%q must be a string", name)
	}
	return s.str()
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

// str returns the next value as a Go string.
func (s *scanner) str() (string, error) {
	body, escaped, err := s.stringSpan()
	if err != nil {
		return "", err
	}
	if !escaped {
		if !utf8.Valid(body) {
			return string(bytes.ToValidUTF8(body, []byte("\uFFFD"))), nil
		}
		return string(body), nil
	}
	var out string
	// escapes are rare here; let encoding/json apply JSON's rules
	if err := json.Unmarshal(s.data[s.pos-len(body)-2:s.pos], &out); err != nil {
		return "", s.fail("%v", err)
	}
	return out, nil
}

// span returns the raw bytes of the next value.
func (s *scanner) span() ([]byte, error) {
	s.ws()
	start := s.pos
	if err := s.skipValue(1); err != nil {
		return nil, err
	}
	return s.data[start:s.pos], nil
}

func (s *scanner) int(name string) (int64, error) {
	s.null = false
	raw, err := s.span()
	if err != nil {
		return 0, err
	}
	if string(raw) == "null" {
		s.null = true
		return 0, nil
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q must be an integer, got %s", name, raw)
	}
	return n, nil
}

// object calls field for each key of the object at the current position
// (a view of the line, or decoded bytes for a key with escapes); field
// must consume the value.
func (s *scanner) object(field func(key []byte) error) error {
	s.ws()
	if s.pos >= len(s.data) || s.data[s.pos] != '{' {
		return s.fail("expected a JSON object")
	}
	s.pos++
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return nil
	}
	for {
		s.ws()
		k, ok := s.plainString()
		if !ok {
			str, err := s.str()
			if err != nil {
				return err
			}
			k = []byte(str)
		}
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return s.fail("expected ':'")
		}
		s.pos++
		s.ws()
		if err := field(k); err != nil {
			return err
		}
		s.ws()
		if s.pos >= len(s.data) {
			return s.fail("unexpected end")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return s.fail("expected ',' or '}'")
		}
	}
}

// plainString moves past the string at the current position and returns
// its body when it needs no decoding (no escape, valid UTF-8); otherwise
// it leaves the position alone and returns false.
func (s *scanner) plainString() ([]byte, bool) {
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return nil, false
	}
	start := s.pos
	end, err := s.skipString(start)
	if err != nil {
		s.pos = start // str reports it
		return nil, false
	}
	body := s.data[s.pos+1 : end-1]
	if bytes.IndexByte(body, '\\') >= 0 || !utf8.Valid(body) {
		return nil, false
	}
	s.pos = end
	return body, true
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
