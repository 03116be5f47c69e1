package file

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// skipValue moves past one JSON value, checking its syntax. It is the
// records-format scanner's hot loop (every key and payload of a line is
// skipped to find its span), so it runs without recursion: one loop over
// the bytes with the open containers kept as a bit stack, strings crossed
// 8 bytes at a time. depth is the nesting of the value itself (1 at the top).
func (s *scanner) skipValue(depth int) error { return s.skip(depth, 0) }

// skip is skipValue; with resume set ('{' or '['), the value is a
// container of that kind whose first bytes, up to s.pos, were already
// checked (they end just after one of its members), and the scan picks up
// there. It records in s.member1 where the first member of the outermost
// container ends.
func (s *scanner) skip(depth int, resume byte) error {
	var stack [maxDepth/64 + 1]uint64 // bit i set: container i is an array
	d := s.data
	i := s.pos
	level := 0 // open containers
	s.member1 = -1
	if resume != 0 {
		if resume == '[' {
			stack[0] = 1
		}
		level = 1
		goto end
	}
value:
	for i < len(d) && isSpace(d[i]) {
		i++
	}
	if i >= len(d) {
		return s.failAt(i, "unexpected end")
	}
	switch c := d[i]; {
	case c == '{' || c == '[':
		if depth+level > maxDepth {
			return s.failAt(i, "nested deeper than %d levels", maxDepth)
		}
		if c == '[' {
			stack[level>>6] |= 1 << (level & 63)
		} else {
			stack[level>>6] &^= 1 << (level & 63)
		}
		level++
		i++
		for i < len(d) && isSpace(d[i]) {
			i++
		}
		if i < len(d) && d[i] == c+2 { // '{'+2 == '}', '['+2 == ']'
			i++
			level--
			goto end
		}
		if c == '[' {
			goto value
		}
		goto key
	case c == '"':
		j, err := s.skipString(i)
		if err != nil {
			return err
		}
		i = j
	case c == 't':
		if !hasLit(d[i:], "true") {
			return s.failAt(i, "expected true")
		}
		i += 4
	case c == 'f':
		if !hasLit(d[i:], "false") {
			return s.failAt(i, "expected false")
		}
		i += 5
	case c == 'n':
		if !hasLit(d[i:], "null") {
			return s.failAt(i, "expected null")
		}
		i += 4
	case c == '-' || c >= '0' && c <= '9':
		s.pos = i
		if err := s.number(); err != nil {
			return err
		}
		i = s.pos
	default:
		return s.failAt(i, "unexpected character %q", c)
	}
end:
	if level == 0 {
		s.pos = i
		return nil
	}
	if level == 1 && s.member1 < 0 {
		s.member1 = i
	}
	for i < len(d) && isSpace(d[i]) {
		i++
	}
	if i >= len(d) {
		return s.failAt(i, "unexpected end")
	}
	{
		closing := byte('}')
		if stack[(level-1)>>6]&(1<<((level-1)&63)) != 0 {
			closing = ']'
		}
		switch d[i] {
		case ',':
			i++
			if closing == ']' {
				goto value
			}
		case closing:
			i++
			level--
			goto end
		default:
			return s.failAt(i, "expected ',' or %q", closing)
		}
	}
key:
	for i < len(d) && isSpace(d[i]) {
		i++
	}
	if i >= len(d) || d[i] != '"' {
		return s.failAt(i, "expected a string")
	}
	{
		j, err := s.skipString(i)
		if err != nil {
			return err
		}
		i = j
	}
	for i < len(d) && isSpace(d[i]) {
		i++
	}
	if i >= len(d) || d[i] != ':' {
		return s.failAt(i, "expected ':'")
	}
	i++
	goto value
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func hasLit(b []byte, w string) bool { return len(b) >= len(w) && string(b[:len(w)]) == w }

// skipString checks the string whose opening quote is at i and returns the
// position after its closing quote. It looks at 8 bytes at a time for the
// first quote, backslash or control character.
func (s *scanner) skipString(i int) (int, error) {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	d := s.data
	i++
	for {
		for i+8 <= len(d) {
			w := binary.LittleEndian.Uint64(d[i:])
			q := w ^ (lsb * '"')
			b := w ^ (lsb * '\\')
			// the lowest flagged byte of each mask is exact (borrows only
			// run upwards), so the lowest of all three is the next stop
			m := ((q-lsb) & ^q | (b-lsb) & ^b | (w-lsb*0x20) & ^w) & msb
			if m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				goto special
			}
			i += 8
		}
		for i < len(d) && d[i] != '"' && d[i] != '\\' && d[i] >= 0x20 {
			i++
		}
		if i >= len(d) {
			s.pos = i
			return 0, s.fail("unterminated string")
		}
	special:
		switch c := d[i]; {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(d) {
				s.pos = i
				return 0, s.fail("unterminated string")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex4(d[i+2:i+6]) {
					s.pos = i
					return 0, s.fail("invalid \\u escape")
				}
				i += 6
			default:
				s.pos = i
				return 0, s.fail("invalid escape \\%c", d[i+1])
			}
		default:
			s.pos = i
			return 0, s.fail("control character in a string")
		}
	}
}

func (s *scanner) failAt(i int, format string, args ...any) error {
	s.pos = i
	return s.fail(format, args...)
}

// A records file written by a JsonConverter with schemas repeats the same
// kilobytes of schema at the start of every payload. Checking them once is
// enough: the scan of identical bytes ends in an identical state, so a
// payload that starts with the bytes of the previous one up to the end of
// that one's first member resumes the scan there.

// minPrefix is the shortest first member worth remembering.
const minPrefix = 256

// spanPrefixed is span for payloads: it reuses the check of the prefix a
// previous payload shared (*prefix, updated here).
func (s *scanner) spanPrefixed(prefix *[]byte) ([]byte, error) {
	s.ws()
	start := s.pos
	rest := s.data[start:]
	if n := len(*prefix); n > 0 && len(rest) > n && bytes.Equal(rest[:n], *prefix) {
		s.pos = start + n
		if err := s.skip(1, rest[0]); err != nil {
			return nil, err
		}
		return s.data[start:s.pos], nil
	}
	if err := s.skip(1, 0); err != nil {
		return nil, err
	}
	if m := s.member1; m-start >= minPrefix && (rest[0] == '{' || rest[0] == '[') {
		*prefix = append((*prefix)[:0], s.data[start:m]...)
	}
	return s.data[start:s.pos], nil
}
