package jsonscan

import (
	"encoding/binary"
	"math/bits"
)

// SkipValue moves past one JSON value, checking its syntax. It is the hot
// loop of both file plugins (every key and payload of a records line is
// skipped to find its span, every converted payload is checked before it
// is embedded), so it runs without recursion: one loop over the bytes with
// the open containers kept as a bit stack, strings crossed 8 bytes at a
// time. depth is the nesting of the value itself (1 at the top).
func (s *Scanner) SkipValue(depth int) error { return s.skip(depth, 0) }

// Resume is SkipValue for a container whose first bytes, up to Pos, were
// already checked: open ('{' or '[') is its kind, and those bytes end just
// after one of its members (as FirstMember reports), so the scan picks up
// there. The file source uses it to check a repeated payload prefix once;
// the bytes before Pos must be the ones that were checked, which only the
// caller can know.
func (s *Scanner) Resume(depth int, open byte) error {
	if open != '{' && open != '[' {
		return s.Fail("cannot resume a %q", open)
	}
	return s.skip(depth, open)
}

// FirstMember returns where the first member of the outermost container
// skipped by the last SkipValue or Resume ends (after its value, before
// any whitespace), or -1 if that value was not a container with members.
// Scanning again from the container's start, the state there is always
// the same, which is what makes Resume sound.
func (s *Scanner) FirstMember() int { return s.member1 }

// skip is SkipValue, or Resume when resume is '{' or '['. It records in
// s.member1 where the first member of the outermost container ends.
func (s *Scanner) skip(depth int, resume byte) error {
	var stack [MaxDepth/64 + 1]uint64 // bit i set: container i is an array
	d := s.Data
	i := s.Pos
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
	for i < len(d) && IsSpace(d[i]) {
		i++
	}
	if i >= len(d) {
		return s.FailAt(i, "unexpected end")
	}
	switch c := d[i]; {
	case c == '{' || c == '[':
		if depth+level > MaxDepth {
			return s.FailAt(i, "nested deeper than %d levels", MaxDepth)
		}
		if c == '[' {
			stack[level>>6] |= 1 << (level & 63)
		} else {
			stack[level>>6] &^= 1 << (level & 63)
		}
		level++
		i++
		for i < len(d) && IsSpace(d[i]) {
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
		j, err := s.SkipString(i)
		if err != nil {
			return err
		}
		i = j
	case c == 't':
		if !hasLit(d[i:], "true") {
			return s.FailAt(i, "expected true")
		}
		i += 4
	case c == 'f':
		if !hasLit(d[i:], "false") {
			return s.FailAt(i, "expected false")
		}
		i += 5
	case c == 'n':
		if !hasLit(d[i:], "null") {
			return s.FailAt(i, "expected null")
		}
		i += 4
	case c == '-' || c >= '0' && c <= '9':
		s.Pos = i
		if err := s.Number(); err != nil {
			return err
		}
		i = s.Pos
	default:
		return s.FailAt(i, "unexpected character %q", c)
	}
end:
	if level == 0 {
		s.Pos = i
		return nil
	}
	if level == 1 && s.member1 < 0 {
		s.member1 = i
	}
	for i < len(d) && IsSpace(d[i]) {
		i++
	}
	if i >= len(d) {
		return s.FailAt(i, "unexpected end")
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
			return s.FailAt(i, "expected ',' or %q", closing)
		}
	}
key:
	for i < len(d) && IsSpace(d[i]) {
		i++
	}
	if i >= len(d) || d[i] != '"' {
		return s.FailAt(i, "expected a string")
	}
	{
		j, err := s.SkipString(i)
		if err != nil {
			return err
		}
		i = j
	}
	for i < len(d) && IsSpace(d[i]) {
		i++
	}
	if i >= len(d) || d[i] != ':' {
		return s.FailAt(i, "expected ':'")
	}
	i++
	goto value
}

func hasLit(b []byte, w string) bool { return len(b) >= len(w) && string(b[:len(w)]) == w }

// SkipString checks the string whose opening quote is at i and returns the
// position after its closing quote. It looks at 8 bytes at a time for the
// first quote, backslash or control character.
func (s *Scanner) SkipString(i int) (int, error) {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	d := s.Data
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
			s.Pos = i
			return 0, s.Fail("unterminated string")
		}
	special:
		switch c := d[i]; {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(d) {
				s.Pos = i
				return 0, s.Fail("unterminated string")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !IsHex4(d[i+2:i+6]) {
					s.Pos = i
					return 0, s.Fail("invalid \\u escape")
				}
				i += 6
			default:
				s.Pos = i
				return 0, s.Fail("invalid escape \\%c", d[i+1])
			}
		default:
			s.Pos = i
			return 0, s.Fail("control character in a string")
		}
	}
}
