package converters

import (
	"encoding/base64"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/inletdev/inlet/connect"
)

// This file ports Kafka's org.apache.kafka.connect.data.Values
// convertToString and parseString, which SimpleHeaderConverter uses.

const (
	dateLayout      = "2006-01-02"
	timeLayout      = "15:04:05.000Z"
	timestampLayout = "2006-01-02T15:04:05.000Z"
	millisPerDay    = 86400000
)

// ValueString is Kafka's Values.convertToString: strings as they are,
// numbers as Java prints them, bytes as Base64, lists as [a,b], maps and
// structs as {"k":v} (strings inside quoted and escaped), times in ISO
// form. ok is false for a value it cannot render.
func ValueString(schema *connect.Schema, v any) (string, bool) {
	var b strings.Builder
	ok := appendValue(&b, schema, v, false)
	return b.String(), ok
}

func appendValue(b *strings.Builder, s *connect.Schema, v any, embedded bool) bool {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		if embedded {
			b.WriteByte('"')
			b.WriteString(escapeValue(x))
			b.WriteByte('"')
		} else {
			b.WriteString(x)
		}
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		n, ok := asInt64(x)
		if !ok {
			u, _ := asUint64(x)
			b.WriteString(strconv.FormatUint(u, 10))
		} else {
			b.WriteString(strconv.FormatInt(n, 10))
		}
	case float32:
		b.Write(appendJavaDouble(nil, float64(x), 32))
	case float64:
		b.Write(appendJavaDouble(nil, x, 64))
	case connect.Decimal:
		b.WriteString(javaBigDecimalString(x.Unscaled, x.Scale))
	case []byte:
		enc := base64.StdEncoding.EncodeToString(x)
		if embedded {
			b.WriteString(`"` + enc + `"`)
		} else {
			b.WriteString(enc)
		}
	case time.Time:
		b.WriteString(formatTemporal(s, x))
	case *connect.Struct:
		b.WriteByte('{')
		for i, f := range x.Schema.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			appendValue(b, nil, f.Name, true)
			b.WriteByte(':')
			if !appendValue(b, f.Schema, x.Values[i], true) {
				return false
			}
		}
		b.WriteByte('}')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var vs *connect.Schema
		if s != nil {
			vs = s.Value
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			appendValue(b, nil, k, true)
			b.WriteByte(':')
			if !appendValue(b, vs, x[k], true) {
				return false
			}
		}
		b.WriteByte('}')
	case []connect.MapEntry:
		var ks, vs *connect.Schema
		if s != nil {
			ks, vs = s.Key, s.Value
		}
		b.WriteByte('{')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if !appendValue(b, ks, e.Key, true) {
				return false
			}
			b.WriteByte(':')
			if !appendValue(b, vs, e.Value, true) {
				return false
			}
		}
		b.WriteByte('}')
	case []any:
		var is *connect.Schema
		if s != nil {
			is = s.Value
		}
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if !appendValue(b, is, e, true) {
				return false
			}
		}
		b.WriteByte(']')
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
			items := make([]any, rv.Len())
			for i := range items {
				items[i] = rv.Index(i).Interface()
			}
			return appendValue(b, s, items, embedded)
		}
		return false
	}
	return true
}

func escapeValue(s string) string {
	if !strings.ContainsAny(s, `\"`) {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// formatTemporal picks the ISO form by the logical schema, or, without
// one, by the value as Kafka's dateFormatFor does.
func formatTemporal(s *connect.Schema, t time.Time) string {
	t = t.UTC()
	name := ""
	if s != nil {
		name = s.Name
	}
	switch name {
	case connect.DateName:
		return t.Format(dateLayout)
	case connect.TimeName:
		return t.Format(timeLayout)
	case connect.TimestampName:
		return t.Format(timestampLayout)
	}
	ms := t.UnixMilli()
	switch {
	case ms >= 0 && ms < millisPerDay:
		return t.Format(timeLayout)
	case ms%millisPerDay == 0:
		return t.Format(dateLayout)
	}
	return t.Format(timestampLayout)
}

// ParseValue is Kafka's Values.parseString: it guesses a schema for text.
// Booleans (any case), the smallest integer type that holds the number
// (INT8…INT64), FLOAT32 or FLOAT64 for fractions (FLOAT32 when it is finite,
// as Kafka does), Decimal for larger numbers, ISO dates, times and
// timestamps, [..] arrays, {..} maps; anything else is the whole text as a
// STRING. Empty text is an empty STRING.
func ParseValue(text string) (*connect.Schema, any) {
	if strings.TrimSpace(text) == "" {
		return connect.StringSchema, text
	}
	p := &vparser{s: text}
	if s, v, ok := p.parse(false); ok {
		p.ws()
		if p.i == len(p.s) {
			return s, v
		}
	}
	return connect.StringSchema, text
}

type vparser struct {
	s string
	i int
}

func (p *vparser) ws() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *vparser) consumeWord(w string) bool {
	if len(p.s)-p.i < len(w) || !strings.EqualFold(p.s[p.i:p.i+len(w)], w) {
		return false
	}
	end := p.i + len(w)
	if end < len(p.s) && !isValueDelim(p.s[end]) && p.s[end] != ' ' {
		return false
	}
	p.i = end
	return true
}

func isValueDelim(c byte) bool {
	switch c {
	case ',', ':', '[', ']', '{', '}', '"':
		return true
	}
	return false
}

func (p *vparser) parse(embedded bool) (*connect.Schema, any, bool) {
	p.ws()
	if p.i >= len(p.s) {
		return nil, nil, false
	}
	if embedded && p.s[p.i] == '"' {
		return p.quoted()
	}
	if p.consumeWord("true") {
		return connect.BooleanSchema, true, true
	}
	if p.consumeWord("false") {
		return connect.BooleanSchema, false, true
	}
	if embedded && p.consumeWord("null") {
		return nil, nil, true
	}
	if !embedded {
		// temporal text contains ':' delimiters: try the whole text first
		if s, v, ok := parseTemporal(strings.TrimSpace(p.s[p.i:])); ok {
			p.i = len(p.s)
			return s, v, true
		}
	}
	mark := p.i
	switch p.s[p.i] {
	case '[':
		if s, v, ok := p.array(); ok {
			return s, v, true
		}
		p.i = mark
	case '{':
		if s, v, ok := p.mapValue(); ok {
			return s, v, true
		}
		p.i = mark
	}
	start := p.i
	for p.i < len(p.s) && !isValueDelim(p.s[p.i]) {
		p.i++
	}
	tok := strings.TrimSpace(p.s[start:p.i])
	if tok == "" {
		return nil, nil, false
	}
	if c := tok[0]; c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.' {
		if s, v, ok := parseNumber(tok); ok {
			return s, v, true
		}
	}
	return nil, nil, false
}

func (p *vparser) quoted() (*connect.Schema, any, bool) {
	p.i++ // "
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '\\':
			if p.i+1 < len(p.s) {
				b.WriteByte(p.s[p.i+1])
				p.i += 2
				continue
			}
			return nil, nil, false
		case '"':
			p.i++
			str := b.String()
			if s, v, ok := parseTemporal(str); ok {
				return s, v, true
			}
			return connect.StringSchema, str, true
		}
		b.WriteByte(c)
		p.i++
	}
	return nil, nil, false
}

func (p *vparser) array() (*connect.Schema, any, bool) {
	p.i++ // [
	var items []any
	var schemas []*connect.Schema
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return nil, []any{}, true
	}
	for {
		s, v, ok := p.parse(true)
		if !ok {
			return nil, nil, false
		}
		items = append(items, v)
		schemas = append(schemas, s)
		p.ws()
		if p.i >= len(p.s) {
			return nil, nil, false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			es, ok := commonSchema(schemas)
			if !ok || es == nil {
				return nil, items, true
			}
			for i := range items {
				items[i] = widen(es, items[i])
			}
			return connect.ArrayOf(es, false), items, true
		default:
			return nil, nil, false
		}
	}
}

func (p *vparser) mapValue() (*connect.Schema, any, bool) {
	p.i++ // {
	var keys, vals []any
	var kss, vss []*connect.Schema
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return nil, map[string]any{}, true
	}
	for {
		ks, k, ok := p.parse(true)
		if !ok || k == nil {
			return nil, nil, false
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, nil, false
		}
		p.i++
		vs, v, ok := p.parse(true)
		if !ok {
			return nil, nil, false
		}
		keys, vals = append(keys, k), append(vals, v)
		kss, vss = append(kss, ks), append(vss, vs)
		p.ws()
		if p.i >= len(p.s) {
			return nil, nil, false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			continue
		case '}':
			p.i++
		default:
			return nil, nil, false
		}
		break
	}
	kSchema, kok := commonSchema(kss)
	vSchema, vok := commonSchema(vss)
	if kok && kSchema != nil && kSchema.Type == connect.String && kSchema.Name == "" {
		m := make(map[string]any, len(keys))
		for i, k := range keys {
			if vok && vSchema != nil {
				m[k.(string)] = widen(vSchema, vals[i])
			} else {
				m[k.(string)] = vals[i]
			}
		}
		if vok && vSchema != nil {
			return connect.MapOf(kSchema, vSchema, false), m, true
		}
		return nil, m, true
	}
	ents := make([]connect.MapEntry, len(keys))
	for i := range keys {
		ents[i] = connect.MapEntry{Key: keys[i], Value: vals[i]}
		if kok && kSchema != nil {
			ents[i].Key = widen(kSchema, keys[i])
		}
		if vok && vSchema != nil {
			ents[i].Value = widen(vSchema, vals[i])
		}
	}
	if kok && vok && kSchema != nil && vSchema != nil {
		return connect.MapOf(kSchema, vSchema, false), ents, true
	}
	return nil, ents, true
}

// numeric widening order, as Kafka's commonSchemaFor
var numericRank = map[connect.Type]int{connect.Int8: 1, connect.Int16: 2, connect.Int32: 3, connect.Int64: 4, connect.Float32: 5, connect.Float64: 6}

// commonSchema returns a schema every element fits (numbers widen); ok is
// false when the elements disagree. Null elements (nil schema) fit any.
func commonSchema(ss []*connect.Schema) (*connect.Schema, bool) {
	var out *connect.Schema
	for _, s := range ss {
		if s == nil {
			continue
		}
		if out == nil {
			out = s
			continue
		}
		if out.Type == s.Type && out.Name == s.Name && out.Type.IsPrimitive() {
			continue
		}
		ro, rs := numericRank[out.Type], numericRank[s.Type]
		if ro > 0 && rs > 0 && out.Name == "" && s.Name == "" {
			if rs > ro {
				out = s
			}
			continue
		}
		if out == s {
			continue
		}
		return nil, false
	}
	return out, true
}

// widen converts a parsed number to the wider schema's Go type.
func widen(s *connect.Schema, v any) any {
	if v == nil || numericRank[s.Type] == 0 || s.Name != "" {
		return v
	}
	var f float64
	var n int64
	isInt := true
	switch x := v.(type) {
	case int8:
		n = int64(x)
	case int16:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case float32:
		f, isInt = float64(x), false
	case float64:
		f, isInt = x, false
	default:
		return v
	}
	if isInt {
		f = float64(n)
	}
	switch s.Type {
	case connect.Int16:
		return int16(n)
	case connect.Int32:
		return int32(n)
	case connect.Int64:
		return n
	case connect.Float32:
		return float32(f)
	case connect.Float64:
		if x, ok := v.(float32); ok {
			return float64(x)
		}
		return f
	}
	return v
}

func parseTemporal(s string) (*connect.Schema, any, bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return nil, nil, false
	}
	switch len(s) {
	case len(dateLayout):
		if t, err := time.Parse(dateLayout, s); err == nil {
			return connect.DateSchema(false), t, true
		}
	case len(timeLayout):
		if t, err := time.Parse(timeLayout, s); err == nil {
			return connect.TimeSchema(false), time.UnixMilli(int64(t.Hour()*3600+t.Minute()*60+t.Second())*1000 + int64(t.Nanosecond()/1e6)).UTC(), true
		}
	case len(timestampLayout):
		if t, err := time.Parse(timestampLayout, s); err == nil {
			return connect.TimestampSchema(false), t.UTC(), true
		}
	}
	return nil, nil, false
}

var (
	minLong = big.NewInt(math.MinInt64)
	maxLong = big.NewInt(math.MaxInt64)
)

// parseNumber is Kafka's parseAsNumber: exact integers get the smallest
// integer type, other finite numbers with a fraction or exponent FLOAT32
// (else FLOAT64), the rest a Decimal.
func parseNumber(tok string) (*connect.Schema, any, bool) {
	if !javaDecimalSyntax(tok) {
		return nil, nil, false
	}
	d, err := connect.ParseDecimal(tok)
	if err != nil {
		return nil, nil, false
	}
	// exact integer?
	unscaled, scale := d.Unscaled, d.Scale
	// Powers of ten are computed only where the result can still be an
	// int64: "1e999999999" must not build a billion-digit number.
	var integral *big.Int
	digits := len(unscaled.String())
	switch {
	case unscaled.Sign() == 0:
		integral = new(big.Int)
	case scale <= 0 && int(-scale)+digits <= 20:
		integral = new(big.Int).Mul(unscaled, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-scale)), nil))
	case scale > 0 && int(scale) <= digits:
		q, r := new(big.Int).QuoRem(unscaled, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil), new(big.Int))
		if r.Sign() == 0 {
			integral = q
		}
	}
	if integral != nil && integral.Cmp(minLong) >= 0 && integral.Cmp(maxLong) <= 0 {
		n := integral.Int64()
		switch {
		case n >= math.MinInt8 && n <= math.MaxInt8:
			return connect.Int8Schema, int8(n), true
		case n >= math.MinInt16 && n <= math.MaxInt16:
			return connect.Int16Schema, int16(n), true
		case n >= math.MinInt32 && n <= math.MaxInt32:
			return connect.Int32Schema, int32(n), true
		}
		return connect.Int64Schema, n, true
	}
	f64, _ := strconv.ParseFloat(strings.TrimPrefix(tok, "+"), 64)
	if scale != 0 {
		if f32 := float32(f64); !math.IsInf(float64(f32), 0) {
			return connect.Float32Schema, f32, true
		}
		if !math.IsInf(f64, 0) {
			return connect.Float64Schema, f64, true
		}
	}
	return connect.DecimalSchema(int(scale), false), d, true
}

// javaDecimalSyntax accepts what Java's new BigDecimal(String) accepts:
// [+-] digits [. digits] [(e|E) [+-] digits], with digits on at least one
// side of the point.
func javaDecimalSyntax(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	nd := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		nd++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			nd++
		}
	}
	if nd == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		ne := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			ne++
		}
		if ne == 0 || ne > 9 {
			return false
		}
	}
	return i == len(s)
}

// SimpleHeaderConverter is Kafka's
// org.apache.kafka.connect.storage.SimpleHeaderConverter, the default
// header converter: values are written with ValueString as UTF-8 and read
// back with ParseValue, which guesses their type. Safe for concurrent use.
type SimpleHeaderConverter struct{}

// FromHeader writes the value's string form; nil stays nil.
func (SimpleHeaderConverter) FromHeader(_, key string, schema *connect.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	s, ok := ValueString(schema, value)
	if !ok {
		return nil, dataErr("SimpleHeaderConverter", "header %q: Go type %T cannot be converted to a string", key, value)
	}
	return []byte(s), nil
}

// ToHeader parses the text and guesses its type; text that is not valid
// UTF-8 comes back as BYTES (Kafka logs a warning and does the same).
func (SimpleHeaderConverter) ToHeader(_, _ string, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	if !utf8.Valid(data) {
		return connect.BytesSchema, data, nil
	}
	s, v := ParseValue(string(data))
	return s, v, nil
}
