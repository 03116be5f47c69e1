package file

import "bytes"

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
	s.WS()
	start := s.Pos
	rest := s.Data[start:]
	if n := len(*prefix); n > 0 && len(rest) > n && bytes.Equal(rest[:n], *prefix) {
		s.Pos = start + n
		if err := s.Resume(1, rest[0]); err != nil {
			return nil, err
		}
		return s.Data[start:s.Pos], nil
	}
	if err := s.SkipValue(1); err != nil {
		return nil, err
	}
	if m := s.FirstMember(); m-start >= minPrefix && (rest[0] == '{' || rest[0] == '[') {
		*prefix = append((*prefix)[:0], s.Data[start:m]...)
	}
	return s.Data[start:s.Pos], nil
}
