package httpfn

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/mapsort"
)

// The request body used to be json.Marshal of connect.CloudEvent's maps:
// building the maps and reflecting over them was 30% of the transform's
// CPU. appendBinaryEvent and appendJSON write the same bytes (sorted
// object keys, HTML-safe escaping, json.Number verbatim) and say when they
// meet anything else, so that the caller falls back to the old way, which
// then also produces the error it always did.

// maxEncodeDepth bounds the nesting appendJSON follows (encoding/json
// starts checking for cycles at the same depth).
const maxEncodeDepth = 1000

// member is one object member, for sorting by key.
type member struct {
	k string
	v any
}

// sortedMembers appends m's members to dst, sorted by key (as
// encoding/json orders them). A small map is collected into arrays on
// this frame and sorted by index (mapsort.Order): sorting the members
// in dst would move strings and interfaces, each move a GC write barrier
// while the collector runs.
func sortedMembers(dst []member, m map[string]any) []member {
	if len(m) > smallMembers {
		n := len(dst)
		for k, v := range m {
			dst = append(dst, member{k, v})
		}
		slices.SortFunc(dst[n:], func(a, b member) int { return strings.Compare(a.k, b.k) })
		return dst
	}
	var keys [smallMembers]string
	var vals [smallMembers]any
	var order [smallMembers]uint8
	n := 0
	for k, v := range m {
		if n == smallMembers {
			break // only if m grew while ranged over (a data race)
		}
		keys[n], vals[n] = k, v
		n++
	}
	for _, o := range mapsort.Order(keys[:n], order[:]) {
		dst = append(dst, member{keys[o], vals[o]})
	}
	return dst
}

// smallMembers is the most members sortedMembers sorts by index: the
// objects of a DTS event and of a CloudEvent.
const smallMembers = 24

// mapsort.Order sorts at most mapsort.MaxOrder keys: this does not
// compile if smallMembers is larger.
const _ = uint(mapsort.MaxOrder - smallMembers)

// encoder writes one request body. Its zero value is ready to use.
type encoder struct {
	attrs []attr // scratch space for binaryEvent
	// Maps of record values already written, by identity: a source may
	// share a map between its records (the dts source shares each table's
	// schema), and records are never changed after hand-off, so within one
	// call a map seen again is written again by copying its bytes.
	written map[uintptr]span
	// The keys of the last object written at each of the first depths.
	// The records of a batch mostly have objects of the same keys at the
	// same depth (a table's rows, its before and after images): looking
	// those keys up costs less than collecting and sorting, and their
	// JSON is written once.
	keys [keyDepths]keySet
}

// keyDepths is the number of depths whose last keys are remembered.
const keyDepths = 4

// keySet is the keys of an object, sorted, and their JSON.
type keySet struct {
	keys []string
	json []byte // each key as appendString writes it, and a colon
	ends []int  // where each key's JSON ends in json
}

// member returns the JSON of key i and its colon.
func (ks *keySet) member(i int) []byte {
	start := 0
	if i > 0 {
		start = ks.ends[i-1]
	}
	return ks.json[start:ks.ends[i]]
}

// members appends m's members to dst sorted by key, as sortedMembers. ks,
// if not nil, holds their keys' JSON; it stays valid until the next call
// at this depth.
func (e *encoder) members(dst []member, m map[string]any, depth int) (_ []member, ks *keySet) {
	if depth >= keyDepths {
		return sortedMembers(dst, m), nil
	}
	ks = &e.keys[depth]
	if len(ks.keys) == len(m) {
		n := len(dst)
		for _, k := range ks.keys {
			v, ok := m[k]
			if !ok {
				break
			}
			dst = append(dst, member{k, v})
		}
		if len(dst)-n == len(m) {
			return dst, ks // the same keys: the same order
		}
		dst = dst[:n]
	}
	dst = sortedMembers(dst, m)
	ks.keys, ks.json, ks.ends = ks.keys[:0], ks.json[:0], ks.ends[:0]
	for _, m := range dst {
		ks.keys = append(ks.keys, m.k)
		ks.json = append(appendString(ks.json, m.k), ':')
		ks.ends = append(ks.ends, len(ks.json))
	}
	return dst, ks
}

// span is where a value's JSON is in the body.
type span struct{ start, end int }

// minShared is the size from which a written map is remembered.
const minShared = 64

// forget drops what was written from the body's byte n on (the body was
// cut back to n).
func (e *encoder) forget(n int) {
	for k, s := range e.written {
		if s.end > n {
			delete(e.written, k)
		}
	}
}

// appendJSON appends v as json.Marshal does, for nil, strings, bools,
// json.Number and maps and slices of them.
func (e *encoder) appendJSON(dst []byte, v any) ([]byte, bool) {
	return e.appendValue(dst, v, 0, false)
}

// appendPlain appends a schemaless Connect value as
// json.Marshal(connect.JSONValue(nil, v)) writes it, for nil, strings,
// bools, json.Number, integers, floats, map[string]any and []any; ok is
// false for anything else (or a value JSONValue rejects, such as NaN).
func (e *encoder) appendPlain(dst []byte, v any) ([]byte, bool) {
	return e.appendValue(dst, v, 0, true)
}

// appendValue is appendJSON, or appendPlain when plain is set.
func (e *encoder) appendValue(dst []byte, v any, depth int, plain bool) (_ []byte, ok bool) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case string:
		return appendString(dst, x), true
	case bool:
		return strconv.AppendBool(dst, x), true
	case json.Number:
		if x == "" {
			return append(dst, '0'), true // json.Number's zero value
		}
		if !validNumber(string(x)) {
			return dst, false
		}
		return append(dst, x...), true
	case map[string]any:
		if x == nil && !plain { // JSONValue makes {} of a nil map
			return append(dst, "null"...), true
		}
		if depth >= maxEncodeDepth {
			return dst, false
		}
		var id uintptr
		if plain && depth > 0 && len(x) > 1 {
			id = reflect.ValueOf(x).Pointer()
			if s, ok := e.written[id]; ok {
				return append(dst, dst[s.start:s.end]...), true
			}
		}
		start := len(dst)
		var buf [24]member
		ms, ks := e.members(buf[:0], x, depth)
		dst = append(dst, '{')
		for i := range ms {
			if i > 0 {
				dst = append(dst, ',')
			}
			if ks != nil {
				dst = append(dst, ks.member(i)...)
			} else {
				dst = append(appendString(dst, ms[i].k), ':')
			}
			if dst, ok = e.appendValue(dst, ms[i].v, depth+1, plain); !ok {
				return dst, false
			}
		}
		dst = append(dst, '}')
		if id != 0 && len(dst)-start >= minShared {
			if e.written == nil {
				e.written = map[uintptr]span{}
			}
			e.written[id] = span{start, len(dst)}
		}
		return dst, true
	case []any:
		if x == nil && !plain { // and [] of a nil slice
			return append(dst, "null"...), true
		}
		if depth >= maxEncodeDepth {
			return dst, false
		}
		dst = append(dst, '[')
		for i, el := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, ok = e.appendValue(dst, el, depth+1, plain); !ok {
				return dst, false
			}
		}
		return append(dst, ']'), true
	}
	if plain {
		// JSONValue's numbers (json.Marshal writes floats differently).
		switch x := v.(type) {
		case int64:
			return strconv.AppendInt(dst, x, 10), true
		case int:
			return strconv.AppendInt(dst, int64(x), 10), true
		case int32:
			return strconv.AppendInt(dst, int64(x), 10), true
		case int16:
			return strconv.AppendInt(dst, int64(x), 10), true
		case int8:
			return strconv.AppendInt(dst, int64(x), 10), true
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return dst, false
			}
			return strconv.AppendFloat(dst, x, 'g', -1, 64), true
		case float32:
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return dst, false
			}
			return strconv.AppendFloat(dst, float64(x), 'g', -1, 32), true
		}
	}
	return dst, false
}

const hexDigits = "0123456789abcdef"

// htmlSafe[b] is true for the ASCII bytes encoding/json writes unescaped
// (it escapes <, > and & for HTML safety by default); false for every
// byte from 0x80 on, which starts a UTF-8 sequence to check.
var htmlSafe = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// appendString is encoding/json's string encoding with HTML escaping:
// short escapes for \ " \b \f \n \r \t, \u00XX for other control bytes
// and < > &, \ufffd for each invalid UTF-8 byte, and \u2028, \u2029.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		rest := s[i:] // most bytes: a tight loop without bounds checks
		n := 0
		for n < len(rest) && htmlSafe[rest[n]] {
			n++
		}
		i += n
		if i == len(s) {
			break
		}
		if b := s[i]; b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// validNumber reports whether s is a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(s string) bool {
	n, ok := numberLen(s, 0)
	return ok && n == len(s)
}

// numberLen returns where the JSON number starting at s[i] ends; ok is
// false when no valid number starts there.
func numberLen[T string | []byte](s T, i int) (end int, ok bool) {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i >= len(s):
		return i, false
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	default:
		return i, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return i, false
		}
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return i, false
		}
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	}
	return i, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// attr is one CloudEvents attribute of a binary-mode record.
type attr struct{ name, value string }

// appendBinaryEvent appends r's CloudEvents view exactly as
// json.Marshal(connect.CloudEvent(r, …)) writes it, without building the
// event's map or copying the value, for the common case: a binary-mode
// record (ce_* headers) with a schemaless value of plain types (maps,
// slices, strings, numbers, bools). ok is false for any other record, and
// the caller takes the general path. On success e.attrs holds the event's
// attributes, sorted by name.
func (e *encoder) appendBinaryEvent(dst []byte, r *connect.Record) (_ []byte, ok bool) {
	e.attrs = e.attrs[:0]
	dst, e.attrs, ok = e.binaryEvent(dst, r, e.attrs)
	return dst, ok
}

func (e *encoder) binaryEvent(dst []byte, r *connect.Record, attrs []attr) (_ []byte, _ []attr, ok bool) {
	if r.ValueSchema != nil {
		return dst, attrs, false
	}
	if _, binary := r.Headers.LastText("ce_specversion"); !binary {
		return dst, attrs, false // derived attributes: the general path
	}
	ct, hasCT := r.Headers.LastText("content-type")
	if hasCT {
		for i := 0; i < len(ct); i++ {
			if ct[i] >= utf8.RuneSelf {
				return dst, attrs, false // leave Unicode case rules to connect
			}
		}
		const structured = "application/cloudevents+json"
		if len(ct) >= len(structured) && strings.EqualFold(ct[:len(structured)], structured) {
			return dst, attrs, false
		}
	}
	switch r.Value.(type) {
	case []byte:
		return dst, attrs, false // connect parses JSON bytes
	}
	// Attributes as connect.CloudEvent collects them into its map: a later
	// header wins over an earlier one of the same name, content-type is
	// datacontenttype, and a value is data.
	for _, h := range r.Headers {
		name, ok := strings.CutPrefix(h.Key, "ce_")
		if !ok {
			continue
		}
		s, ok := connect.HeaderText(h.Value)
		if !ok {
			continue
		}
		attrs = setAttr(attrs, name, s)
	}
	if hasCT {
		attrs = setAttr(attrs, "datacontenttype", ct)
	}
	hasData := r.Value != nil
	if hasData {
		attrs = removeAttr(attrs, "data")
	}
	slices.SortFunc(attrs, func(a, b attr) int { return strings.Compare(a.name, b.name) })
	start := len(dst)
	dst = append(dst, '{')
	n := 0
	for _, a := range attrs {
		if hasData && a.name > "data" {
			if dst, ok = e.appendDataMember(dst, n, r.Value); !ok {
				e.forget(start)
				return dst[:start], attrs, false
			}
			n++
			hasData = false
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, a.name)
		dst = append(dst, ':')
		dst = appendString(dst, a.value)
		n++
	}
	if hasData {
		if dst, ok = e.appendDataMember(dst, n, r.Value); !ok {
			e.forget(start)
			return dst[:start], attrs, false
		}
	}
	return append(dst, '}'), attrs, true
}

func (e *encoder) appendDataMember(dst []byte, n int, v any) ([]byte, bool) {
	if n > 0 {
		dst = append(dst, ',')
	}
	dst = append(dst, `"data":`...)
	return e.appendPlain(dst, v)
}

func setAttr(attrs []attr, name, value string) []attr {
	for i := range attrs {
		if attrs[i].name == name {
			attrs[i].value = value
			return attrs
		}
	}
	return append(attrs, attr{name, value})
}

func removeAttr(attrs []attr, name string) []attr {
	return slices.DeleteFunc(attrs, func(a attr) bool { return a.name == name })
}

// findAttr returns the value of the attribute name in sorted attrs.
func findAttr(attrs []attr, name string) (string, bool) {
	i, ok := slices.BinarySearchFunc(attrs, name, func(a attr, name string) int { return strings.Compare(a.name, name) })
	if !ok {
		return "", false
	}
	return attrs[i].value, true
}
