package file

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/inletdev/inlet/internal/jsonscan"
)

// A small JSON reader for records-format lines. encoding/json validates a
// whole line and then decodes it again, which for a Debezium event (a few
// kilobytes of schema and payload) cost more than everything else in a
// pipeline; this one finds the top-level fields in one pass, keeps key and
// payload as byte ranges, and validates as it goes (the syntax checks are
// jsonscan's, shared with the file sink).

type scanner struct {
	jsonscan.Scanner      // the syntax checks the file sink shares
	null             bool // the last int or optStr value was null
}

func (s *scanner) wasNull() bool { return s.null }

// optStr reads a string or null ("").
func (s *scanner) optStr(name string) (string, error) {
	s.null = false
	if s.Pos < len(s.Data) && s.Data[s.Pos] == 'n' {
		s.null = true
		return "", s.literal("null")
	}
	if s.Pos >= len(s.Data) || s.Data[s.Pos] != '"' {
		return "", fmt.Errorf("%q must be a string", name)
	}
	return s.str()
}

func (s *scanner) literal(w string) error {
	if !bytes.HasPrefix(s.Data[s.Pos:], []byte(w)) {
		return s.Fail("expected %s", w)
	}
	s.Pos += len(w)
	return nil
}

// stringSpan moves past a string and returns its contents (without quotes)
// and whether it has escapes. It jumps from quote to quote.
func (s *scanner) stringSpan() (body []byte, escaped bool, err error) {
	if s.Pos >= len(s.Data) || s.Data[s.Pos] != '"' {
		return nil, false, s.Fail("expected a string")
	}
	start := s.Pos + 1
	i := start
	for {
		j := bytes.IndexByte(s.Data[i:], '"')
		if j < 0 {
			return nil, false, s.Fail("unterminated string")
		}
		i += j
		// an odd run of backslashes before the quote escapes it
		k := i - 1
		for k >= start && s.Data[k] == '\\' {
			k--
		}
		if (i-1-k)%2 == 0 {
			break
		}
		i++
	}
	body = s.Data[start:i]
	s.Pos = i + 1
	if plain(body) {
		return body, false, nil
	}
	for k := 0; k < len(body); k++ {
		c := body[k]
		if c < 0x20 {
			return nil, false, s.Fail("control character in a string")
		}
		if c != '\\' {
			continue
		}
		escaped = true
		k++ // the quote scan above guarantees a byte follows
		switch body[k] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		case 'u':
			if k+4 >= len(body)+1 || !jsonscan.IsHex4(body[k+1:min(k+5, len(body))]) {
				return nil, false, s.Fail("invalid \\u escape")
			}
			k += 4
		default:
			return nil, false, s.Fail("invalid escape \\%c", body[k])
		}
	}
	s.Pos = i + 1
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
	if err := json.Unmarshal(s.Data[s.Pos-len(body)-2:s.Pos], &out); err != nil {
		return "", s.Fail("%v", err)
	}
	return out, nil
}

// span returns the raw bytes of the next value.
func (s *scanner) span() ([]byte, error) {
	s.WS()
	start := s.Pos
	if err := s.SkipValue(1); err != nil {
		return nil, err
	}
	return s.Data[start:s.Pos], nil
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
	s.WS()
	if s.Pos >= len(s.Data) || s.Data[s.Pos] != '{' {
		return s.Fail("expected a JSON object")
	}
	s.Pos++
	s.WS()
	if s.Pos < len(s.Data) && s.Data[s.Pos] == '}' {
		s.Pos++
		return nil
	}
	for {
		s.WS()
		k, ok := s.plainString()
		if !ok {
			str, err := s.str()
			if err != nil {
				return err
			}
			k = []byte(str)
		}
		s.WS()
		if s.Pos >= len(s.Data) || s.Data[s.Pos] != ':' {
			return s.Fail("expected ':'")
		}
		s.Pos++
		s.WS()
		if err := field(k); err != nil {
			return err
		}
		s.WS()
		if s.Pos >= len(s.Data) {
			return s.Fail("unexpected end")
		}
		switch s.Data[s.Pos] {
		case ',':
			s.Pos++
		case '}':
			s.Pos++
			return nil
		default:
			return s.Fail("expected ',' or '}'")
		}
	}
}

// plainString moves past the string at the current position and returns
// its body when it needs no decoding (no escape, valid UTF-8); otherwise
// it leaves the position alone and returns false.
func (s *scanner) plainString() ([]byte, bool) {
	if s.Pos >= len(s.Data) || s.Data[s.Pos] != '"' {
		return nil, false
	}
	start := s.Pos
	end, err := s.SkipString(start)
	if err != nil {
		s.Pos = start // str reports it
		return nil, false
	}
	body := s.Data[s.Pos+1 : end-1]
	if bytes.IndexByte(body, '\\') >= 0 || !utf8.Valid(body) {
		return nil, false
	}
	s.Pos = end
	return body, true
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
