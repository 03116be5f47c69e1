package transforms

import (
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
)

// parseValueString ports Kafka's Values.parseString for InsertHeader's
// value.literal: the empty string is a STRING; "null" is null; true/false
// (any case) are BOOLEAN; numbers take the smallest exact integer type
// (INT8 … INT64), else FLOAT32, FLOAT64 or a Decimal; ISO dates
// (yyyy-MM-dd), times (HH:mm:ss.SSS'Z') and timestamps
// (yyyy-MM-dd'T'HH:mm:ss.SSS'Z') become the logical types; [a,b] and
// {k:v} become arrays and maps (typed when their elements agree); anything
// else is the literal itself as a STRING.
func parseValueString(s string) (*connect.Schema, any) {
	if s == "" {
		return connect.StringSchema, ""
	}
	if sc, v, rest, ok := parseValueToken(s, false); ok && strings.TrimSpace(rest) == "" {
		return sc, v
	}
	return connect.StringSchema, s
}

// parseValueToken parses one value at the start of s; embedded is true
// inside an array or map, where a bare word ends at , ] } or :.
func parseValueToken(s string, embedded bool) (*connect.Schema, any, string, bool) {
	s = strings.TrimLeft(s, " \t")
	if s == "" {
		return nil, nil, "", false
	}
	switch s[0] {
	case '"':
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				if i+1 < len(s) {
					i++
					b.WriteByte(s[i])
				}
			case '"':
				return connect.StringSchema, b.String(), s[i+1:], true
			default:
				b.WriteByte(s[i])
			}
		}
		return nil, nil, "", false
	case '[':
		return parseArray(s[1:])
	case '{':
		return parseMap(s[1:])
	}
	word, rest := s, ""
	if embedded {
		if i := strings.IndexAny(s, ",]}:"); i >= 0 {
			word, rest = s[:i], s[i:]
		}
	}
	word = strings.TrimSpace(word)
	sc, v := parseScalar(word)
	return sc, v, rest, true
}

func parseScalar(w string) (*connect.Schema, any) {
	switch strings.ToLower(w) {
	case "null":
		return nil, nil
	case "true":
		return connect.BooleanSchema, true
	case "false":
		return connect.BooleanSchema, false
	}
	if sc, v, ok := parseNumber(w); ok {
		return sc, v
	}
	if t, err := time.Parse("2006-01-02T15:04:05.000Z", w); err == nil {
		return connect.TimestampSchema(false), t
	}
	if t, err := time.Parse("2006-01-02", w); err == nil {
		return connect.DateSchema(false), t
	}
	if t, err := time.Parse("15:04:05.000Z", w); err == nil {
		return connect.TimeSchema(false), time.Date(1970, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	}
	return connect.StringSchema, w
}

// parseNumber follows Values.parseAsNumber: an integral BigDecimal takes the
// smallest integer type; otherwise FLOAT32 if finite, FLOAT64 if finite,
// else a Decimal.
func parseNumber(w string) (*connect.Schema, any, bool) {
	if w == "" || !(w[0] == '-' || w[0] == '+' || w[0] == '.' || w[0] >= '0' && w[0] <= '9') {
		return nil, nil, false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return nil, nil, false
		}
	}
	d, err := connect.ParseDecimal(w)
	if err != nil {
		return nil, nil, false
	}
	if sc, v, ok := hugeExponent(d); ok {
		return sc, v, true
	}
	r := new(big.Rat).SetInt(d.Unscaled)
	if d.Scale > 0 {
		r.Quo(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil)))
	} else if d.Scale < 0 {
		r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-d.Scale)), nil)))
	}
	if r.IsInt() && r.Num().IsInt64() {
		n := r.Num().Int64()
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
	if d.Scale != 0 {
		if f, _ := r.Float32(); !math.IsInf(float64(f), 0) {
			return connect.Float32Schema, f, true
		}
		if f, _ := r.Float64(); !math.IsInf(f, 0) {
			return connect.Float64Schema, f, true
		}
	}
	return connect.DecimalSchema(int(d.Scale), false), d, true
}

// hugeExponent classifies, without building it, a number whose exponent
// goes far beyond its digits ("1e999999999" would otherwise cost 10^|scale|
// in memory and time): zero is INT8 0; a huge magnitude fits no integer
// type and is infinite as a float, so it stays a Decimal; a tiny one is a
// FLOAT32 zero with its sign, as Java's floatValue gives. ok is false for
// every other number, which parseNumber computes exactly.
func hugeExponent(d connect.Decimal) (*connect.Schema, any, bool) {
	const slack = 1000 // powers of ten up to 10^1000 are cheap
	scale := int64(d.Scale)
	if scale >= -slack && scale <= slack {
		return nil, nil, false
	}
	switch digits := int64(len(d.Unscaled.Text(10))); {
	case d.Unscaled.Sign() == 0:
		return connect.Int8Schema, int8(0), true
	case scale < -slack:
		return connect.DecimalSchema(int(d.Scale), false), d, true
	case scale > digits+slack:
		return connect.Float32Schema, float32(math.Copysign(0, float64(d.Unscaled.Sign()))), true
	}
	return nil, nil, false
}

func parseArray(s string) (*connect.Schema, any, string, bool) {
	var items []any
	var schemas []*connect.Schema
	s = strings.TrimLeft(s, " \t")
	if strings.HasPrefix(s, "]") {
		return connect.ArrayOf(connect.OptionalStringSchema, false), []any{}, s[1:], true
	}
	for {
		sc, v, rest, ok := parseValueToken(s, true)
		if !ok {
			return nil, nil, "", false
		}
		items, schemas = append(items, v), append(schemas, sc)
		rest = strings.TrimLeft(rest, " \t")
		switch {
		case strings.HasPrefix(rest, ","):
			s = rest[1:]
		case strings.HasPrefix(rest, "]"):
			if c := commonSchema(schemas); c != nil {
				return connect.ArrayOf(c, false), items, rest[1:], true
			}
			return nil, items, rest[1:], true
		default:
			return nil, nil, "", false
		}
	}
}

func parseMap(s string) (*connect.Schema, any, string, bool) {
	m := map[string]any{}
	var keys, vals []*connect.Schema
	s = strings.TrimLeft(s, " \t")
	if strings.HasPrefix(s, "}") {
		return connect.MapOf(connect.StringSchema, connect.OptionalStringSchema, false), m, s[1:], true
	}
	for {
		ks, k, rest, ok := parseValueToken(s, true)
		if !ok {
			return nil, nil, "", false
		}
		rest = strings.TrimLeft(rest, " \t")
		if !strings.HasPrefix(rest, ":") {
			return nil, nil, "", false
		}
		vs, v, rest2, ok := parseValueToken(rest[1:], true)
		if !ok {
			return nil, nil, "", false
		}
		ksStr, isStr := k.(string)
		if !isStr || ks != connect.StringSchema {
			// inlet keeps map keys as strings; other key types stay text
			return nil, nil, "", false
		}
		m[ksStr] = v
		keys, vals = append(keys, ks), append(vals, vs)
		rest2 = strings.TrimLeft(rest2, " \t")
		switch {
		case strings.HasPrefix(rest2, ","):
			s = rest2[1:]
		case strings.HasPrefix(rest2, "}"):
			if vc := commonSchema(vals); vc != nil {
				return connect.MapOf(connect.StringSchema, vc, false), m, rest2[1:], true
			}
			return nil, m, rest2[1:], true
		default:
			return nil, nil, "", false
		}
	}
}

// commonSchema returns the schema all elements share (by type and name),
// made optional when some element is null, or nil when they differ.
func commonSchema(ss []*connect.Schema) *connect.Schema {
	var c *connect.Schema
	hasNull := false
	for _, s := range ss {
		if s == nil {
			hasNull = true
			continue
		}
		if c == nil {
			c = s
			continue
		}
		if c.Type != s.Type || c.Name != s.Name {
			return nil
		}
	}
	if c != nil && hasNull {
		c = c.WithOptional(true)
	}
	return c
}
