package converters

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/big"
	"math/bits"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/mapsort"
)

// schema appends Kafka's JSON form of s. Key order is Kafka's
// (JsonConverter.asJsonSchema): type, then items | keys, values | fields,
// then optional, name, version, doc, parameters, default. A struct field
// adds "field" last.
func (e *encoder) schema(b []byte, s *connect.Schema) ([]byte, error) {
	var err error
	b = append(b, `{"type":"`...)
	b = append(b, s.Type.String()...)
	b = append(b, '"')
	switch s.Type {
	case connect.Array:
		if s.Value == nil {
			return b, dataErr(jsonConverterName, "ARRAY schema %s has no item schema", s)
		}
		b = append(b, `,"items":`...)
		if b, err = e.schema(b, s.Value); err != nil {
			return b, err
		}
	case connect.Map:
		if s.Key == nil || s.Value == nil {
			return b, dataErr(jsonConverterName, "MAP schema %s needs key and value schemas", s)
		}
		b = append(b, `,"keys":`...)
		if b, err = e.schema(b, s.Key); err != nil {
			return b, err
		}
		b = append(b, `,"values":`...)
		if b, err = e.schema(b, s.Value); err != nil {
			return b, err
		}
	case connect.StructType:
		b = append(b, `,"fields":[`...)
		for i, f := range s.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = e.schema(b, f.Schema); err != nil {
				return b, under(err, f.Name)
			}
			// replace the closing brace with the field name
			b = append(b[:len(b)-1], `,"field":`...)
			b = e.str(b, f.Name)
			b = append(b, '}')
		}
		b = append(b, ']')
	default:
		if !s.Type.IsPrimitive() {
			return b, dataErr(jsonConverterName, "unknown schema type %v", s.Type)
		}
	}
	if s.Optional {
		b = append(b, `,"optional":true`...)
	} else {
		b = append(b, `,"optional":false`...)
	}
	if s.Name != "" {
		b = append(b, `,"name":`...)
		b = e.str(b, s.Name)
	}
	if s.Version != 0 {
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, int64(s.Version), 10)
	}
	if s.Doc != "" {
		b = append(b, `,"doc":`...)
		b = e.str(b, s.Doc)
	}
	if s.Parameters != nil {
		b = append(b, `,"parameters":{`...)
		for i, p := range s.Parameters {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.str(b, p.Key)
			b = append(b, ':')
			b = e.str(b, p.Value)
		}
		b = append(b, '}')
	}
	if s.Default != nil {
		b = append(b, `,"default":`...)
		if b, err = e.value(b, s, s.Default); err != nil {
			return b, under(err, "default")
		}
	}
	b = append(b, '}')
	return b, nil
}

// value appends v, written as schema s says (schemaless when s is nil), as
// Kafka's JsonConverter.convertToJson does.
func (e *encoder) value(b []byte, s *connect.Schema, v any) ([]byte, error) {
	if v == nil {
		switch {
		case s == nil:
		case s.Default != nil && e.c.opt.ReplaceNullWithDefault:
			return e.value(b, s, s.Default)
		case !s.Optional:
			return b, dataErr(jsonConverterName, "Conversion error: null value for field that is required and has no default value")
		}
		b = append(b, "null"...)
		return b, nil
	}
	if s == nil {
		return e.schemaless(b, v)
	}
	if s.Name != "" {
		if b2, done, err := e.logical(b, s, v); done {
			return b2, err
		}
	}
	switch s.Type {
	case connect.Int8, connect.Int16, connect.Int32, connect.Int64:
		n, ok := asInt64(v)
		if !ok {
			return b, e.mismatch(s, v)
		}
		b = strconv.AppendInt(b, n, 10)
	case connect.Float32:
		switch f := v.(type) {
		case float32:
			b = e.float(b, float64(f), 32)
		case float64:
			b = e.float(b, float64(float32(f)), 32)
		default:
			return b, e.mismatch(s, v)
		}
	case connect.Float64:
		switch f := v.(type) {
		case float64:
			b = e.float(b, f, 64)
		case float32:
			b = e.float(b, float64(f), 64)
		default:
			return b, e.mismatch(s, v)
		}
	case connect.Boolean:
		x, ok := v.(bool)
		if !ok {
			return b, e.mismatch(s, v)
		}
		b = e.bool(b, x)
	case connect.String:
		str, ok := v.(string)
		if !ok {
			return b, e.mismatch(s, v)
		}
		b = e.str(b, str)
	case connect.Bytes:
		x, ok := v.([]byte)
		if !ok {
			return b, e.mismatch(s, v)
		}
		b = e.bytes(b, x)
	case connect.Array:
		return e.array(b, s.Value, v)
	case connect.Map:
		return e.mapValue(b, s, v)
	case connect.StructType:
		st, ok := v.(*connect.Struct)
		if !ok {
			return b, e.mismatch(s, v)
		}
		return e.structValue(b, s, st)
	default:
		return b, dataErr(jsonConverterName, "unknown schema type %v", s.Type)
	}
	return b, nil
}

func (e *encoder) mismatch(s *connect.Schema, v any) error {
	return dataErr(jsonConverterName, "invalid value of Go type %T for schema %s", v, s)
}

// logical writes Kafka's logical types; done=false means v is written as
// its base type (e.g. Debezium's semantic names).
func (e *encoder) logical(b []byte, s *connect.Schema, v any) (_ []byte, done bool, err error) {
	switch s.Name {
	case connect.DecimalName:
		var d connect.Decimal
		switch x := v.(type) {
		case connect.Decimal:
			d = x
		case *big.Int:
			d = connect.Decimal{Unscaled: x}
		case []byte:
			return b, false, nil // already the unscaled bytes
		default:
			return b, true, e.mismatch(s, v)
		}
		if e.c.opt.DecimalNumeric {
			b = append(b, javaBigDecimalString(d.Unscaled, d.Scale)...)
		} else {
			b = appendDecimalBase64(b, d.Unscaled)
		}
		return b, true, nil
	case connect.DateName:
		if t, ok := v.(time.Time); ok {
			b = strconv.AppendInt(b, floorDiv(t.Unix(), 86400), 10)
			return b, true, nil
		}
	case connect.TimeName:
		if t, ok := v.(time.Time); ok {
			t = t.UTC()
			ms := (t.Hour()*3600+t.Minute()*60+t.Second())*1000 + t.Nanosecond()/1e6
			b = strconv.AppendInt(b, int64(ms), 10)
			return b, true, nil
		}
	case connect.TimestampName:
		if t, ok := v.(time.Time); ok {
			b = strconv.AppendInt(b, t.UnixMilli(), 10)
			return b, true, nil
		}
	}
	return b, false, nil
}

// appendDecimalBase64 writes the Base64 of Java's BigInteger.toByteArray()
// of n, without allocating when n fits in an int64 (nearly every column).
func appendDecimalBase64(b []byte, n *big.Int) []byte {
	if n == nil || !n.IsInt64() {
		return appendQuotedBase64(b, twosComplement(n))
	}
	v := n.Int64()
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(v))
	// drop leading bytes that only repeat the sign
	i := 0
	for i < 7 && (buf[i] == 0 && buf[i+1]&0x80 == 0 || buf[i] == 0xff && buf[i+1]&0x80 != 0) {
		i++
	}
	return appendQuotedBase64(b, buf[i:])
}

func appendQuotedBase64(b, data []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, data)
	return append(b, '"')
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func (e *encoder) structValue(b []byte, s *connect.Schema, st *connect.Struct) ([]byte, error) {
	var err error
	if len(st.Values) != len(s.Fields) {
		return b, dataErr(jsonConverterName, "struct has %d values but schema %s has %d fields", len(st.Values), s, len(s.Fields))
	}
	b = append(b, '{')
	for i, f := range s.Fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = e.str(b, f.Name)
		b = append(b, ':')
		if b, err = e.value(b, f.Schema, st.Values[i]); err != nil {
			return b, under(err, f.Name)
		}
	}
	b = append(b, '}')
	return b, nil
}

func (e *encoder) array(b []byte, items *connect.Schema, v any) ([]byte, error) {
	var err error
	b = append(b, '[')
	switch x := v.(type) {
	case []any:
		for i, it := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = e.value(b, items, it); err != nil {
				return b, under(err, strconv.Itoa(i))
			}
		}
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return b, dataErr(jsonConverterName, "invalid value of Go type %T for an ARRAY", v)
		}
		for i := 0; i < rv.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = e.value(b, items, rv.Index(i).Interface()); err != nil {
				return b, under(err, strconv.Itoa(i))
			}
		}
	}
	b = append(b, ']')
	return b, nil
}

// mapValue writes a MAP: an object when the keys are strings, else an
// array of [key, value] pairs (Kafka's rule).
func (e *encoder) mapValue(b []byte, s *connect.Schema, v any) ([]byte, error) {
	objectMode := s.Key != nil && s.Key.Type == connect.String
	switch x := v.(type) {
	case map[string]any:
		if objectMode {
			return e.object(b, x, s.Value)
		}
		return e.pairsFromStringMap(b, x, s.Key, s.Value)
	case []connect.MapEntry:
		return e.entries(b, x, s.Key, s.Value, objectMode)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map {
		return b, e.mismatch(s, v)
	}
	ents := make([]connect.MapEntry, 0, rv.Len())
	it := rv.MapRange()
	for it.Next() {
		ents = append(ents, connect.MapEntry{Key: it.Key().Interface(), Value: it.Value().Interface()})
	}
	if rv.Type().Key().Kind() == reflect.String {
		slices.SortFunc(ents, func(a, b connect.MapEntry) int {
			return strings.Compare(reflect.ValueOf(a.Key).String(), reflect.ValueOf(b.Key).String())
		})
	}
	return e.entries(b, ents, s.Key, s.Value, objectMode)
}

func (e *encoder) entries(b []byte, ents []connect.MapEntry, ks, vs *connect.Schema, objectMode bool) ([]byte, error) {
	var err error
	if objectMode {
		b = append(b, '{')
		for i, en := range ents {
			if i > 0 {
				b = append(b, ',')
			}
			k, ok := en.Key.(string)
			if !ok {
				if rk := reflect.ValueOf(en.Key); rk.Kind() == reflect.String {
					k = rk.String()
				} else {
					return b, dataErr(jsonConverterName, "map key of Go type %T in a map with STRING keys", en.Key)
				}
			}
			b = e.str(b, k)
			b = append(b, ':')
			if b, err = e.value(b, vs, en.Value); err != nil {
				return b, under(err, k)
			}
		}
		b = append(b, '}')
		return b, nil
	}
	b = append(b, '[')
	for i, en := range ents {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		if b, err = e.value(b, ks, en.Key); err != nil {
			return b, under(err, strconv.Itoa(i))
		}
		b = append(b, ',')
		if b, err = e.value(b, vs, en.Value); err != nil {
			return b, under(err, strconv.Itoa(i))
		}
		b = append(b, ']')
	}
	b = append(b, ']')
	return b, nil
}

func (e *encoder) pairsFromStringMap(b []byte, m map[string]any, ks, vs *connect.Schema) ([]byte, error) {
	var err error
	var ms members
	ms.collect(m)
	b = append(b, '[')
	for i := range ms.n {
		kv := ms.at(i)
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		if b, err = e.value(b, ks, kv.Key); err != nil {
			return b, under(err, kv.Key)
		}
		b = append(b, ',')
		if b, err = e.value(b, vs, kv.Value); err != nil {
			return b, under(err, kv.Key)
		}
		b = append(b, ']')
	}
	b = append(b, ']')
	return b, nil
}

// object writes a string-keyed map with keys sorted, so output is
// deterministic (Kafka's order is a HashMap's, i.e. unspecified; a key
// whose bytes changed from one record to the next would land on another
// partition).
func (e *encoder) object(b []byte, m map[string]any, vs *connect.Schema) ([]byte, error) {
	n := len(m)
	var sh *shapes
	if n > 0 && n <= smallMap {
		// Records of a stream repeat the same map shapes: try the sorted
		// keys of the last maps of this size, by lookup, before iterating
		// and sorting.
		sh = &e.c.shapes[n]
		if sp := sh.a.Load(); sp != nil {
			if out, ok, err := e.objectByShape(b, m, sp, vs); ok {
				return out, err
			}
		}
		if sp := sh.b.Load(); sp != nil {
			if out, ok, err := e.objectByShape(b, m, sp, vs); ok {
				return out, err
			}
		}
	}
	var err error
	var ms members
	ms.collect(m)
	if sh != nil {
		sp := &shape{keys: make([]string, ms.n), heads: make([][]byte, ms.n)}
		for i := range ms.n {
			k := ms.at(i).Key
			sep := byte(',')
			if i == 0 {
				sep = '{'
			}
			sp.keys[i] = k
			sp.heads[i] = append(appendJSONString([]byte{sep}, k), ':')
		}
		sh.b.Store(sh.a.Load()) // keep two shapes per size
		sh.a.Store(sp)
	}
	b = append(b, '{')
	for i := range ms.n {
		kv := ms.at(i)
		if i > 0 {
			b = append(b, ',')
		}
		b = e.str(b, kv.Key)
		b = append(b, ':')
		if b, err = e.value(b, vs, kv.Value); err != nil {
			return b, under(err, kv.Key)
		}
	}
	b = append(b, '}')
	return b, nil
}

// shapes holds, for one map size, the last two key sets seen.
type shapes struct{ a, b atomic.Pointer[shape] }

// shape is a key set, sorted, with each key's JSON ({"k": or ,"k":)
// rendered once.
type shape struct {
	keys  []string
	heads [][]byte
}

// objectByShape writes m in the shape's key order if m has exactly its
// keys (len(m) keys, every one found, so the sets are equal); ok is false,
// with b unchanged, when it does not.
func (e *encoder) objectByShape(b []byte, m map[string]any, sp *shape, vs *connect.Schema) (out []byte, ok bool, err error) {
	if len(sp.keys) != len(m) {
		return b, false, nil
	}
	mark := len(b)
	for i, k := range sp.keys {
		v, found := m[k]
		if !found {
			return b[:mark], false, nil
		}
		b = append(b, sp.heads[i]...)
		if b, err = e.value(b, vs, v); err != nil {
			return b, true, under(err, k)
		}
	}
	return append(b, '}'), true, nil
}

// smallMap is the entry count up to which a map's entries are sorted in
// arrays on the caller's stack, through an index array (mapsort.Order):
// no allocation, and the sort moves bytes, not pointers, so it pays no GC
// write barrier. It is also the largest map size whose recent key sets
// are kept.
const smallMap = 32

// mapsort.Order sorts at most mapsort.MaxOrder keys: this does not
// compile if smallMap is larger.
const _ = uint(mapsort.MaxOrder - smallMap)

// members is a map's entries in key order: collect, then at(0) …
// at(n-1).
type members struct {
	keys  [smallMap]string
	vals  [smallMap]any
	order [smallMap]uint8
	n     int
	large []mapsort.Entry // sorted, for maps of more than smallMap entries
}

// collect is not inlined (it ranges over a map), so its stores go through
// ms and pay the write barrier mapsort's doc warns of while the GC runs;
// the two callers share it anyway: with the shape cache answering most
// maps, the FromConnect benchmarks measured it level with the old code.
func (ms *members) collect(m map[string]any) {
	if len(m) > smallMap {
		ms.large = mapsort.Entries(m)
		ms.n = len(ms.large)
		return
	}
	for k, v := range m {
		if ms.n == smallMap {
			break // only if m grew while ranged over (a data race)
		}
		ms.keys[ms.n], ms.vals[ms.n] = k, v
		ms.n++
	}
	mapsort.Order(ms.keys[:ms.n], ms.order[:])
}

// at returns the i-th entry in key order.
func (ms *members) at(i int) mapsort.Entry {
	if ms.large != nil {
		return ms.large[i]
	}
	o := ms.order[i]
	return mapsort.Entry{Key: ms.keys[o], Value: ms.vals[o]}
}

// schemaless writes a value without a schema, by its Go type.
func (e *encoder) schemaless(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		b = e.str(b, x)
	case map[string]any:
		return e.object(b, x, nil)
	case []any:
		return e.array(b, nil, x)
	case int64:
		b = strconv.AppendInt(b, x, 10)
	case int:
		b = strconv.AppendInt(b, int64(x), 10)
	case int32:
		b = strconv.AppendInt(b, int64(x), 10)
	case int16:
		b = strconv.AppendInt(b, int64(x), 10)
	case int8:
		b = strconv.AppendInt(b, int64(x), 10)
	case uint8, uint16, uint32, uint, uint64:
		n, _ := asUint64(x)
		b = strconv.AppendUint(b, n, 10)
	case float64:
		b = e.float(b, x, 64)
	case float32:
		b = e.float(b, float64(x), 32)
	case bool:
		b = e.bool(b, x)
	case []byte:
		b = e.bytes(b, x)
	case json.Number:
		if !validNumber(string(x)) {
			return b, dataErr(jsonConverterName, "json.Number %q is not a JSON number", string(x))
		}
		b = append(b, x...)
	case *connect.Struct:
		if x == nil {
			b = append(b, "null"...)
			return b, nil
		}
		return e.structValue(b, x.Schema, x)
	case connect.Decimal:
		if e.c.opt.DecimalNumeric {
			b = append(b, javaBigDecimalString(x.Unscaled, x.Scale)...)
		} else {
			b = appendDecimalBase64(b, x.Unscaled)
		}
	case time.Time:
		b = e.str(b, x.UTC().Format(time.RFC3339Nano))
	case []connect.MapEntry:
		return e.entries(b, x, nil, nil, false)
	default:
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Slice, reflect.Array:
			return e.array(b, nil, v)
		case reflect.Map:
			ents := make([]connect.MapEntry, 0, rv.Len())
			it := rv.MapRange()
			for it.Next() {
				ents = append(ents, connect.MapEntry{Key: it.Key().Interface(), Value: it.Value().Interface()})
			}
			if rv.Type().Key().Kind() == reflect.String {
				slices.SortFunc(ents, func(a, b connect.MapEntry) int {
					return strings.Compare(reflect.ValueOf(a.Key).String(), reflect.ValueOf(b.Key).String())
				})
				return e.entries(b, ents, nil, nil, true)
			}
			return e.entries(b, ents, nil, nil, false)
		case reflect.String:
			b = e.str(b, rv.String())
			return b, nil
		}
		return b, dataErr(jsonConverterName, "Go type %T has no corresponding schema type", v)
	}
	return b, nil
}

// float writes f as Jackson does: Java's number text, and NaN/Infinity as
// quoted strings (QUOTE_NON_NUMERIC_NUMBERS is on by default).
func (e *encoder) float(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		b = append(b, '"')
		b = appendJavaDouble(b, f, bits)
		return append(b, '"')
	}
	return appendJavaDouble(b, f, bits)
}

func (e *encoder) bool(b []byte, x bool) []byte {
	if x {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

func (e *encoder) bytes(b []byte, x []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, x)
	return append(b, '"')
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
func (e *encoder) str(b []byte, s string) []byte { return appendJSONString(b, s) }

func appendJSONString(b []byte, s string) []byte {
	if len(s) < 8 {
		// Short strings (most keys and many values): one tight check, then
		// one copy.
		for i := 0; i < len(s); i++ {
			if !safeASCII[s[i]] {
				return appendEscaped(b, s)
			}
		}
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	return appendEscaped(b, s)
}

// appendEscaped is appendJSONString's general path.
func appendEscaped(b []byte, s string) []byte {
	b = append(b, '"')
	// A read-only byte view of s (no copy) so 8 bytes load as one word.
	bs := unsafe.Slice(unsafe.StringData(s), len(s))
	start, i := 0, 0
	for i < len(s) {
		if i+8 <= len(s) {
			// Look at 8 bytes at once and jump straight to the first one
			// that needs attention; JSON text is quote-dense, so skipping
			// byte by byte would cost several instructions per byte.
			m := escapeMask(binary.LittleEndian.Uint64(bs[i:]))
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3
		} else if len(s) >= 8 {
			// The tail: look at the last 8 bytes, with those before i (done
			// already) replaced by a plain letter, since a flagged byte can
			// make the mask flag the one above it too.
			w := len(s) - 8
			done := uint64(1)<<(uint(i-w)*8) - 1
			word := binary.LittleEndian.Uint64(bs[w:])&^done | lsb*'a'&done
			m := escapeMask(word)
			if m == 0 {
				break
			}
			i = w + bits.TrailingZeros64(m)>>3
		} else if safeASCII[s[i]] {
			i++
			continue
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

// escapeMask sets the top bit of each byte of w (little-endian) that is a
// control character, '"', '\\' or not ASCII. These are the classic SWAR
// has-zero-byte / has-less-than tricks; they can also flag a byte above a
// flagged one (a borrow), never below, so the lowest set bit is exact.
func escapeMask(w uint64) uint64 {
	less20 := (w - lsb*0x20) & ^w & msb
	q := w ^ (lsb * '"')
	quote := (q - lsb) & ^q & msb
	bs := w ^ (lsb * '\\')
	backslash := (bs - lsb) & ^bs & msb
	return less20 | quote | backslash | (w & msb)
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
