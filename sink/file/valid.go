package file

import (
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
