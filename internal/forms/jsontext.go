package forms

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/mapsort"
)

// appendText renders a selected node as EventBridge does (§2.1 of the
// EventBridge reference): a string without quotes, a number as its JSON
// text, true/false, null as "null", objects and arrays as compact JSON.
func appendText(dst []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return append(dst, x...)
	case nil:
		return append(dst, "null"...)
	}
	return appendJSON(dst, v)
}

// text is appendText into a fresh string; strings and numbers are returned
// without copying.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		if x {
			return "true"
		}
		return "false"
	case nil:
		return "null"
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return string(appendJSON(nil, v))
}

// appendJSON writes compact JSON with no HTML escaping. Object keys are
// sorted: a Go map has no order, so the event's own key order (which
// EventBridge keeps) cannot be reproduced; sorting at least makes the output
// stable.
func appendJSON(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return appendString(dst, x)
	case json.Number:
		return append(dst, x...)
	case bool:
		return strconv.AppendBool(dst, x)
	case map[string]any:
		if len(x) <= smallObject {
			return appendSmallObject(dst, x)
		}
		return appendObject(dst, x)
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, e)
		}
		return append(dst, ']')
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case int32:
		return strconv.AppendInt(dst, int64(x), 10)
	case int16:
		return strconv.AppendInt(dst, int64(x), 10)
	case int8:
		return strconv.AppendInt(dst, int64(x), 10)
	case uint64:
		return strconv.AppendUint(dst, x, 10)
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10)
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10)
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10)
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			// JSON has no NaN or infinity; null, as JSON.stringify does
			return append(dst, "null"...)
		}
		// as connect.JSONValue renders floats
		return strconv.AppendFloat(dst, x, 'g', -1, 64)
	}
	// Other Go values in schemaless data (float32, time.Time, []byte,
	// map[string]string...): render them as connect.JSONValue does.
	jv, err := connect.JSONValue(nil, v)
	if err != nil {
		return append(dst, "null"...)
	}
	return appendJSON(dst, jv)
}

// smallObject is the most members appendSmallObject takes: a table row, a
// CloudEvent's attributes.
const smallObject = 16

// mapsort.Order sorts at most mapsort.MaxOrder keys: this does not
// compile if smallObject is larger.
const _ = uint(mapsort.MaxOrder - smallObject)

// appendSmallObject writes an object of at most smallObject members with
// its members sorted by key, as appendJSON does, in arrays on its stack
// (see mapsort: no allocation, no write barriers while sorting, which in
// a busy pipeline had made sorting the bulk of rendering a table row).
func appendSmallObject(dst []byte, x map[string]any) []byte {
	var keys [smallObject]string
	var vals [smallObject]any
	var order [smallObject]uint8
	n := 0
	for k, v := range x {
		if n == smallObject {
			break // cannot happen: the caller checked len(x)
		}
		keys[n], vals[n] = k, v
		n++
	}
	dst = append(dst, '{')
	for i, o := range mapsort.Order(keys[:n], order[:]) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, keys[o])
		dst = append(dst, ':')
		dst = appendJSON(dst, vals[o])
	}
	return append(dst, '}')
}

// appendObject writes an object with its members sorted by key, collected
// once (no second map lookup).
func appendObject(dst []byte, x map[string]any) []byte {
	dst = append(dst, '{')
	ms := mapsort.Entries(x)
	for i := range ms {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, ms[i].Key)
		dst = append(dst, ':')
		dst = appendJSON(dst, ms[i].Value)
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// plain[c] is true for ASCII bytes a JSON string holds as they are.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString writes a JSON string literal: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD, nothing else (no
// HTML escaping, non-ASCII as is).
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
