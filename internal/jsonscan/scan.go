// Package jsonscan is the one-pass JSON scanner shared by the file source
// and the file sink (plugins do not import each other). It checks JSON
// syntax without building values: encoding/json validates a value and
// then decodes it again, which for a Debezium event (a few kilobytes of
// schema and payload) cost more than everything else in a pipeline.
//
// A Scanner is a cursor over one byte slice; it is not safe for
// concurrent use.
package jsonscan

import "fmt"

// MaxDepth is the deepest nesting of containers a Scanner accepts
// (encoding/json allows 10000; a line of ours never comes close).
const MaxDepth = 1000

// Scanner moves over Data from Pos. Callers that parse JSON of their own
// shape read and move Pos themselves and call the Scanner to check or
// skip the values they do not decode.
type Scanner struct {
	Data []byte
	Pos  int

	member1 int // set by SkipValue and Resume: see FirstMember
}

// Valid reports whether data is exactly one valid JSON value, surrounded
// by whitespace at most. It agrees with encoding/json.Valid on valid UTF-8
// (like encoding/json, it does not check UTF-8 inside strings).
func Valid(data []byte) bool {
	s := Scanner{Data: data}
	if s.SkipValue(1) != nil {
		return false
	}
	s.WS()
	return s.Pos == len(data)
}

// Fail returns an error naming the current position.
func (s *Scanner) Fail(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at byte %d of the line: %s", s.Pos, fmt.Sprintf(format, args...))
}

// FailAt moves to i and returns Fail's error there.
func (s *Scanner) FailAt(i int, format string, args ...any) error {
	s.Pos = i
	return s.Fail(format, args...)
}

// WS moves past whitespace.
func (s *Scanner) WS() {
	for s.Pos < len(s.Data) {
		switch s.Data[s.Pos] {
		case ' ', '\t', '\n', '\r':
			s.Pos++
		default:
			return
		}
	}
}

// Number moves past the number at Pos, checking its syntax.
func (s *Scanner) Number() error {
	start := s.Pos
	d := s.Data
	if s.Pos < len(d) && d[s.Pos] == '-' {
		s.Pos++
	}
	digits := func() int {
		n := 0
		for s.Pos < len(d) && d[s.Pos] >= '0' && d[s.Pos] <= '9' {
			s.Pos++
			n++
		}
		return n
	}
	if s.Pos < len(d) && d[s.Pos] == '0' {
		s.Pos++
	} else if digits() == 0 {
		return s.Fail("invalid number")
	}
	if s.Pos < len(d) && d[s.Pos] == '.' {
		s.Pos++
		if digits() == 0 {
			return s.Fail("invalid number %q", d[start:s.Pos])
		}
	}
	if s.Pos < len(d) && (d[s.Pos] == 'e' || d[s.Pos] == 'E') {
		s.Pos++
		if s.Pos < len(d) && (d[s.Pos] == '+' || d[s.Pos] == '-') {
			s.Pos++
		}
		if digits() == 0 {
			return s.Fail("invalid number %q", d[start:s.Pos])
		}
	}
	return nil
}

// IsSpace reports whether c is JSON whitespace.
func IsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// IsHex4 reports whether b is exactly four hex digits (a \u escape's).
func IsHex4(b []byte) bool {
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
