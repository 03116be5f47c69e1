package converters

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/inletdev/inlet/connect"
)

// schema appends Kafka's JSON form of s. Key order is Kafka's
// (JsonConverter.asJsonSchema): type, then items | keys, values | fields,
// then optional, name, version, doc, parameters, default. A struct field
// adds "field" last.
func (e *encoder) schema(s *connect.Schema) error {
	e.buf = append(e.buf, `{"type":"`...)
	e.buf = append(e.buf, s.Type.String()...)
	e.buf = append(e.buf, '"')
	switch s.Type {
	case connect.Array:
		if s.Value == nil {
			return dataErr(jsonConverterName, "ARRAY schema %s has no item schema", s)
		}
		e.buf = append(e.buf, `,"items":`...)
		if err := e.schema(s.Value); err != nil {
			return err
		}
	case connect.Map:
		if s.Key == nil || s.Value == nil {
			return dataErr(jsonConverterName, "MAP schema %s needs key and value schemas", s)
		}
		e.buf = append(e.buf, `,"keys":`...)
		if err := e.schema(s.Key); err != nil {
			return err
		}
		e.buf = append(e.buf, `,"values":`...)
		if err := e.schema(s.Value); err != nil {
			return err
		}
	case connect.StructType:
		e.buf = append(e.buf, `,"fields":[`...)
		for i, f := range s.Fields {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.schema(f.Schema); err != nil {
				return under(err, f.Name)
			}
			// replace the closing brace with the field name
			e.buf = append(e.buf[:len(e.buf)-1], `,"field":`...)
			e.str(f.Name)
			e.buf = append(e.buf, '}')
		}
		e.buf = append(e.buf, ']')
	default:
		if !s.Type.IsPrimitive() {
			return dataErr(jsonConverterName, "unknown schema type %v", s.Type)
		}
	}
	if s.Optional {
		e.buf = append(e.buf, `,"optional":true`...)
	} else {
		e.buf = append(e.buf, `,"optional":false`...)
	}
	if s.Name != "" {
		e.buf = append(e.buf, `,"name":`...)
		e.str(s.Name)
	}
	if s.Version != 0 {
		e.buf = append(e.buf, `,"version":`...)
		e.buf = strconv.AppendInt(e.buf, int64(s.Version), 10)
	}
	if s.Doc != "" {
		e.buf = append(e.buf, `,"doc":`...)
		e.str(s.Doc)
	}
	if s.Parameters != nil {
		e.buf = append(e.buf, `,"parameters":{`...)
		for i, p := range s.Parameters {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.str(p.Key)
			e.buf = append(e.buf, ':')
			e.str(p.Value)
		}
		e.buf = append(e.buf, '}')
	}
	if s.Default != nil {
		e.buf = append(e.buf, `,"default":`...)
		if err := e.value(s, s.Default); err != nil {
			return under(err, "default")
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// value appends v, written as schema s says (schemaless when s is nil), as
// Kafka's JsonConverter.convertToJson does.
func (e *encoder) value(s *connect.Schema, v any) error {
	if v == nil {
		switch {
		case s == nil:
		case s.Default != nil && e.c.opt.ReplaceNullWithDefault:
			return e.value(s, s.Default)
		case !s.Optional:
			return dataErr(jsonConverterName, "Conversion error: null value for field that is required and has no default value")
		}
		e.buf = append(e.buf, "null"...)
		return nil
	}
	if s == nil {
		return e.schemaless(v)
	}
	if s.Name != "" {
		if done, err := e.logical(s, v); done {
			return err
		}
	}
	switch s.Type {
	case connect.Int8, connect.Int16, connect.Int32, connect.Int64:
		n, ok := asInt64(v)
		if !ok {
			return e.mismatch(s, v)
		}
		e.buf = strconv.AppendInt(e.buf, n, 10)
	case connect.Float32:
		switch f := v.(type) {
		case float32:
			e.float(float64(f), 32)
		case float64:
			e.float(float64(float32(f)), 32)
		default:
			return e.mismatch(s, v)
		}
	case connect.Float64:
		switch f := v.(type) {
		case float64:
			e.float(f, 64)
		case float32:
			e.float(float64(f), 64)
		default:
			return e.mismatch(s, v)
		}
	case connect.Boolean:
		b, ok := v.(bool)
		if !ok {
			return e.mismatch(s, v)
		}
		e.bool(b)
	case connect.String:
		str, ok := v.(string)
		if !ok {
			return e.mismatch(s, v)
		}
		e.str(str)
	case connect.Bytes:
		b, ok := v.([]byte)
		if !ok {
			return e.mismatch(s, v)
		}
		e.bytes(b)
	case connect.Array:
		return e.array(s.Value, v)
	case connect.Map:
		return e.mapValue(s, v)
	case connect.StructType:
		st, ok := v.(*connect.Struct)
		if !ok {
			return e.mismatch(s, v)
		}
		return e.structValue(s, st)
	default:
		return dataErr(jsonConverterName, "unknown schema type %v", s.Type)
	}
	return nil
}

func (e *encoder) mismatch(s *connect.Schema, v any) error {
	return dataErr(jsonConverterName, "invalid value of Go type %T for schema %s", v, s)
}

// logical writes Kafka's logical types; done=false means v is written as
// its base type (e.g. Debezium's semantic names).
func (e *encoder) logical(s *connect.Schema, v any) (done bool, err error) {
	switch s.Name {
	case connect.DecimalName:
		var d connect.Decimal
		switch x := v.(type) {
		case connect.Decimal:
			d = x
		case *big.Int:
			d = connect.Decimal{Unscaled: x}
		case []byte:
			return false, nil // already the unscaled bytes
		default:
			return true, e.mismatch(s, v)
		}
		if e.c.opt.DecimalNumeric {
			e.buf = append(e.buf, javaBigDecimalString(d.Unscaled, d.Scale)...)
		} else {
			e.bytes(twosComplement(d.Unscaled))
		}
		return true, nil
	case connect.DateName:
		if t, ok := v.(time.Time); ok {
			e.buf = strconv.AppendInt(e.buf, floorDiv(t.Unix(), 86400), 10)
			return true, nil
		}
	case connect.TimeName:
		if t, ok := v.(time.Time); ok {
			t = t.UTC()
			ms := (t.Hour()*3600+t.Minute()*60+t.Second())*1000 + t.Nanosecond()/1e6
			e.buf = strconv.AppendInt(e.buf, int64(ms), 10)
			return true, nil
		}
	case connect.TimestampName:
		if t, ok := v.(time.Time); ok {
			e.buf = strconv.AppendInt(e.buf, t.UnixMilli(), 10)
			return true, nil
		}
	}
	return false, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func (e *encoder) structValue(s *connect.Schema, st *connect.Struct) error {
	if len(st.Values) != len(s.Fields) {
		return dataErr(jsonConverterName, "struct has %d values but schema %s has %d fields", len(st.Values), s, len(s.Fields))
	}
	e.buf = append(e.buf, '{')
	for i, f := range s.Fields {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.str(f.Name)
		e.buf = append(e.buf, ':')
		if err := e.value(f.Schema, st.Values[i]); err != nil {
			return under(err, f.Name)
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

func (e *encoder) array(items *connect.Schema, v any) error {
	e.buf = append(e.buf, '[')
	switch x := v.(type) {
	case []any:
		for i, it := range x {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.value(items, it); err != nil {
				return under(err, strconv.Itoa(i))
			}
		}
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return dataErr(jsonConverterName, "invalid value of Go type %T for an ARRAY", v)
		}
		for i := 0; i < rv.Len(); i++ {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.value(items, rv.Index(i).Interface()); err != nil {
				return under(err, strconv.Itoa(i))
			}
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

// mapValue writes a MAP: an object when the keys are strings, else an
// array of [key, value] pairs (Kafka's rule).
func (e *encoder) mapValue(s *connect.Schema, v any) error {
	objectMode := s.Key != nil && s.Key.Type == connect.String
	switch x := v.(type) {
	case map[string]any:
		if objectMode {
			return e.object(x, s.Value)
		}
		return e.pairsFromStringMap(x, s.Key, s.Value)
	case []connect.MapEntry:
		return e.entries(x, s.Key, s.Value, objectMode)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map {
		return e.mismatch(s, v)
	}
	ents := make([]connect.MapEntry, 0, rv.Len())
	it := rv.MapRange()
	for it.Next() {
		ents = append(ents, connect.MapEntry{Key: it.Key().Interface(), Value: it.Value().Interface()})
	}
	if rv.Type().Key().Kind() == reflect.String {
		slices.SortFunc(ents, func(a, b connect.MapEntry) int { return compareStr(reflect.ValueOf(a.Key).String(), reflect.ValueOf(b.Key).String()) })
	}
	return e.entries(ents, s.Key, s.Value, objectMode)
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (e *encoder) entries(ents []connect.MapEntry, ks, vs *connect.Schema, objectMode bool) error {
	if objectMode {
		e.buf = append(e.buf, '{')
		for i, en := range ents {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			k, ok := en.Key.(string)
			if !ok {
				if rk := reflect.ValueOf(en.Key); rk.Kind() == reflect.String {
					k = rk.String()
				} else {
					return dataErr(jsonConverterName, "map key of Go type %T in a map with STRING keys", en.Key)
				}
			}
			e.str(k)
			e.buf = append(e.buf, ':')
			if err := e.value(vs, en.Value); err != nil {
				return under(err, k)
			}
		}
		e.buf = append(e.buf, '}')
		return nil
	}
	e.buf = append(e.buf, '[')
	for i, en := range ents {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, '[')
		if err := e.value(ks, en.Key); err != nil {
			return under(err, strconv.Itoa(i))
		}
		e.buf = append(e.buf, ',')
		if err := e.value(vs, en.Value); err != nil {
			return under(err, strconv.Itoa(i))
		}
		e.buf = append(e.buf, ']')
	}
	e.buf = append(e.buf, ']')
	return nil
}

func (e *encoder) pairsFromStringMap(m map[string]any, ks, vs *connect.Schema) error {
	var stack [smallMap]kv
	var order [smallMap]uint8
	kvs, idx := sortedEntries(stack[:0], order[:0], m)
	e.buf = append(e.buf, '[')
	for i := range kvs {
		kv := at(kvs, idx, i)
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, '[')
		if err := e.value(ks, kv.k); err != nil {
			return under(err, kv.k)
		}
		e.buf = append(e.buf, ',')
		if err := e.value(vs, kv.v); err != nil {
			return under(err, kv.k)
		}
		e.buf = append(e.buf, ']')
	}
	e.buf = append(e.buf, ']')
	return nil
}

// object writes a string-keyed map with keys sorted, so output is
// deterministic (Kafka's order is a HashMap's, i.e. unspecified; a key
// whose bytes changed from one record to the next would land on another
// partition).
func (e *encoder) object(m map[string]any, vs *connect.Schema) error {
	var stack [smallMap]kv
	var order [smallMap]uint8
	kvs, idx := sortedEntries(stack[:0], order[:0], m)
	e.buf = append(e.buf, '{')
	for i := range kvs {
		kv := at(kvs, idx, i)
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.str(kv.k)
		e.buf = append(e.buf, ':')
		if err := e.value(vs, kv.v); err != nil {
			return under(err, kv.k)
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// kv is one map entry in a sorting scratch slice.
type kv struct {
	k string
	v any
}

// smallMap is the entry count up to which a map's entries sit in a scratch
// array on the caller's stack and are sorted by a uint8 index array: no
// allocation, and swaps move bytes, not pointers, so they pay no GC write
// barrier.
const smallMap = 24

// sortedEntries collects m's entries into dst and returns them with the
// order that sorts them by key (idx[0] is the smallest). Carrying the
// value saves a map lookup per key.
// A nil order means dst itself was sorted (large maps).
func sortedEntries(dst []kv, idx []uint8, m map[string]any) ([]kv, []uint8) {
	for k, v := range m {
		dst = append(dst, kv{k, v})
	}
	if len(dst) <= smallMap && cap(idx) >= len(dst) {
		idx = idx[:len(dst)]
		for i := range idx {
			idx[i] = uint8(i)
		}
		for i := 1; i < len(idx); i++ {
			for j := i; j > 0 && dst[idx[j]].k < dst[idx[j-1]].k; j-- {
				idx[j], idx[j-1] = idx[j-1], idx[j]
			}
		}
		return dst, idx
	}
	slices.SortFunc(dst, func(a, b kv) int { return compareStr(a.k, b.k) })
	return dst, nil
}

// at returns the i-th entry in key order.
func at(kvs []kv, idx []uint8, i int) *kv {
	if idx == nil {
		return &kvs[i]
	}
	return &kvs[idx[i]]
}

// schemaless writes a value without a schema, by its Go type.
func (e *encoder) schemaless(v any) error {
	switch x := v.(type) {
	case string:
		e.str(x)
	case map[string]any:
		return e.object(x, nil)
	case []any:
		return e.array(nil, x)
	case int64:
		e.buf = strconv.AppendInt(e.buf, x, 10)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int32:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int16:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int8:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case uint8, uint16, uint32, uint, uint64:
		n, _ := asUint64(x)
		e.buf = strconv.AppendUint(e.buf, n, 10)
	case float64:
		e.float(x, 64)
	case float32:
		e.float(float64(x), 32)
	case bool:
		e.bool(x)
	case []byte:
		e.bytes(x)
	case json.Number:
		if !validNumber(string(x)) {
			return dataErr(jsonConverterName, "json.Number %q is not a JSON number", string(x))
		}
		e.buf = append(e.buf, x...)
	case *connect.Struct:
		if x == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.structValue(x.Schema, x)
	case connect.Decimal:
		if e.c.opt.DecimalNumeric {
			e.buf = append(e.buf, javaBigDecimalString(x.Unscaled, x.Scale)...)
		} else {
			e.bytes(twosComplement(x.Unscaled))
		}
	case time.Time:
		e.str(x.UTC().Format(time.RFC3339Nano))
	case []connect.MapEntry:
		return e.entries(x, nil, nil, false)
	default:
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Slice, reflect.Array:
			return e.array(nil, v)
		case reflect.Map:
			ents := make([]connect.MapEntry, 0, rv.Len())
			it := rv.MapRange()
			for it.Next() {
				ents = append(ents, connect.MapEntry{Key: it.Key().Interface(), Value: it.Value().Interface()})
			}
			if rv.Type().Key().Kind() == reflect.String {
				slices.SortFunc(ents, func(a, b connect.MapEntry) int { return compareStr(reflect.ValueOf(a.Key).String(), reflect.ValueOf(b.Key).String()) })
				return e.entries(ents, nil, nil, true)
			}
			return e.entries(ents, nil, nil, false)
		case reflect.String:
			e.str(rv.String())
			return nil
		}
		return dataErr(jsonConverterName, "Go type %T has no corresponding schema type", v)
	}
	return nil
}

// float writes f as Jackson does: Java's number text, and NaN/Infinity as
// quoted strings (QUOTE_NON_NUMERIC_NUMBERS is on by default).
func (e *encoder) float(f float64, bits int) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		e.buf = append(e.buf, '"')
		e.buf = appendJavaDouble(e.buf, f, bits)
		e.buf = append(e.buf, '"')
		return
	}
	e.buf = appendJavaDouble(e.buf, f, bits)
}

func (e *encoder) bool(b bool) {
	if b {
		e.buf = append(e.buf, "true"...)
	} else {
		e.buf = append(e.buf, "false"...)
	}
}

func (e *encoder) bytes(b []byte) {
	e.buf = append(e.buf, '"')
	e.buf = base64.StdEncoding.AppendEncode(e.buf, b)
	e.buf = append(e.buf, '"')
}

// safeASCII[c] is true for bytes that need no escaping in a JSON string.
var safeASCII = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const hexDigits = "0123456789ABCDEF"

// str appends s as a JSON string, escaping as Jackson does: '"', '\\' and
// control characters (\n \r \t \b \f, else \u00XX with upper-case hex);
// other characters are written as UTF-8. Invalid UTF-8 becomes U+FFFD.
func (e *encoder) str(s string) {
	e.buf = appendJSONString(e.buf, s)
}

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	i := 0
	for {
		// Skip 8 plain bytes at a time: a word needs a closer look only if
		// one of its bytes is < 0x20, '"', '\\' or >= 0x80; then go byte
		// by byte up to the first such byte.
		for i+8 <= len(s) && !needsEscape8(load64(s, i)) {
			i += 8
		}
		for i < len(s) && safeASCII[s[i]] {
			i++
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, "\uFFFD"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// load64 reads 8 bytes of s little-endian (the compiler makes it one load).
func load64(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// needsEscape8 reports whether any byte of w is a control character, '"',
// '\\' or not ASCII (SWAR: the classic has-zero-byte / has-less-than tricks).
func needsEscape8(w uint64) bool {
	hasLess20 := (w - lsb*0x20) & ^w & msb
	q := w ^ (lsb * '"')
	hasQuote := (q - lsb) & ^q & msb
	bs := w ^ (lsb * '\\')
	hasBackslash := (bs - lsb) & ^bs & msb
	return hasLess20|hasQuote|hasBackslash|(w&msb) != 0
}

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case int:
		return int64(n), true
	case int16:
		return int64(n), true
	case int8:
		return int64(n), true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		if n > math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	case uint:
		if uint64(n) > math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	}
	return 0, false
}

func asUint64(v any) (uint64, bool) {
	switch n := v.(type) {
	case uint8:
		return uint64(n), true
	case uint16:
		return uint64(n), true
	case uint32:
		return uint64(n), true
	case uint:
		return uint64(n), true
	case uint64:
		return n, true
	}
	return 0, false
}

// validNumber reports whether s is a JSON number.
func validNumber(s string) bool {
	if s == "" {
		return false
	}
	return json.Valid([]byte(s)) && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))
}
