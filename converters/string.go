package converters

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/inletdev/inlet/connect"
)

// EncodingKey is StringConverter's charset key (Kafka's converter.encoding).
const EncodingKey = "converter.encoding"

var encodings = []string{"UTF-8", "UTF-16", "UTF-16BE", "UTF-16LE", "ISO-8859-1", "US-ASCII"}

// StringConfig declares StringConverter's keys.
func StringConfig() *connect.ConfigDef {
	return connect.NewConfigDef(connect.ConfigKey{
		Name: EncodingKey, Type: connect.TypeString, Default: "UTF-8", Validator: connect.OneOf(encodings...),
		Doc: "Character set of the bytes (Kafka's converter.encoding): UTF-8, UTF-16 (big-endian with a byte-order mark, as Java writes it), UTF-16BE, UTF-16LE, ISO-8859-1 or US-ASCII.",
	})
}

// StringConverter is Kafka's org.apache.kafka.connect.storage.StringConverter:
// it writes any value's string form (as Java's toString prints it) and reads
// bytes as an optional string. Safe for concurrent use.
type StringConverter struct {
	encoding string // upper case, one of encodings
}

// NewStringConverter returns a StringConverter for an encoding from
// encodings ("" = UTF-8).
func NewStringConverter(encoding string) (*StringConverter, error) {
	if encoding == "" {
		encoding = "UTF-8"
	}
	for _, e := range encodings {
		if strings.EqualFold(e, encoding) {
			return &StringConverter{encoding: e}, nil
		}
	}
	return nil, fmt.Errorf("converters: StringConverter: unsupported %s %q (use one of %s)", EncodingKey, encoding, strings.Join(encodings, ", "))
}

// FromConnect writes the value's string form; nil stays nil.
func (c *StringConverter) FromConnect(_ string, _ connect.Headers, _ *connect.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	var s string
	switch x := value.(type) {
	case string:
		s = x
	case []byte:
		// Java would print "[B@1b6d3586"; the bytes themselves are what a Go
		// user means.
		if c.encoding == "UTF-8" {
			return append([]byte(nil), x...), nil
		}
		s = string(x)
	default:
		s = JavaString(value)
	}
	return c.encode(s), nil
}

// ToConnect reads bytes as an optional string.
func (c *StringConverter) ToConnect(_ string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return connect.OptionalStringSchema, nil, nil
	}
	return connect.OptionalStringSchema, c.decode(data), nil
}

// FromHeader writes a header value's string form.
func (c *StringConverter) FromHeader(topic, _ string, schema *connect.Schema, value any) ([]byte, error) {
	return c.FromConnect(topic, nil, schema, value)
}

// ToHeader reads a header as an optional string.
func (c *StringConverter) ToHeader(topic, _ string, data []byte) (*connect.Schema, any, error) {
	return c.ToConnect(topic, nil, data)
}

func (c *StringConverter) encode(s string) []byte {
	switch c.encoding {
	case "ISO-8859-1", "US-ASCII":
		limit := rune(0xFF)
		if c.encoding == "US-ASCII" {
			limit = 0x7F
		}
		out := make([]byte, 0, len(s))
		for _, r := range s {
			if r > limit {
				r = '?' // Java's replacement for unmappable characters
			}
			out = append(out, byte(r))
		}
		return out
	case "UTF-16", "UTF-16BE", "UTF-16LE":
		u := utf16.Encode([]rune(s))
		out := make([]byte, 0, 2*len(u)+2)
		if c.encoding == "UTF-16" {
			out = append(out, 0xFE, 0xFF) // Java writes a BOM, big-endian
		}
		for _, x := range u {
			if c.encoding == "UTF-16LE" {
				out = append(out, byte(x), byte(x>>8))
			} else {
				out = append(out, byte(x>>8), byte(x))
			}
		}
		return out
	}
	return []byte(s)
}

func (c *StringConverter) decode(b []byte) string {
	switch c.encoding {
	case "ISO-8859-1":
		rs := make([]rune, len(b))
		for i, x := range b {
			rs[i] = rune(x)
		}
		return string(rs)
	case "US-ASCII":
		rs := make([]rune, len(b))
		for i, x := range b {
			if x > 0x7F {
				rs[i] = utf8.RuneError
			} else {
				rs[i] = rune(x)
			}
		}
		return string(rs)
	case "UTF-16", "UTF-16BE", "UTF-16LE":
		le := c.encoding == "UTF-16LE"
		if c.encoding == "UTF-16" && len(b) >= 2 {
			switch {
			case b[0] == 0xFE && b[1] == 0xFF:
				b = b[2:]
			case b[0] == 0xFF && b[1] == 0xFE:
				b, le = b[2:], true
			}
		}
		u := make([]uint16, 0, len(b)/2+1)
		for i := 0; i+1 < len(b); i += 2 {
			if le {
				u = append(u, uint16(b[i])|uint16(b[i+1])<<8)
			} else {
				u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
			}
		}
		s := string(utf16.Decode(u))
		if len(b)%2 == 1 {
			s += "\uFFFD"
		}
		return s
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
