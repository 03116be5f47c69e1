package postgres

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
)

// This file maps PostgreSQL types to Connect schemas as Debezium does and
// converts pgoutput's text values. Every connection inlet opens sets
// DateStyle=ISO, TimeZone=UTC and IntervalStyle=iso_8601, so the text
// forms parsed here are fixed.

// Built-in type OIDs (pg_type.h).
const (
	oidBool        = 16
	oidBytea       = 17
	oidChar        = 18
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidOID         = 26
	oidJSON        = 114
	oidXML         = 142
	oidCIDR        = 650
	oidFloat4      = 700
	oidFloat8      = 701
	oidMacaddr8    = 774
	oidMoney       = 790
	oidMacaddr     = 829
	oidInet        = 869
	oidBpchar      = 1042
	oidVarchar     = 1043
	oidDate        = 1082
	oidTime        = 1083
	oidTimestamp   = 1114
	oidTimestamptz = 1184
	oidInterval    = 1186
	oidTimetz      = 1266
	oidBit         = 1560
	oidVarbit      = 1562
	oidNumeric     = 1700
	oidUUID        = 2950
	oidJSONB       = 3802
)

// arrayElem maps built-in array type OIDs to their element type.
var arrayElem = map[uint32]uint32{
	1000: oidBool, 1001: oidBytea, 1002: oidChar, 1003: oidName, 1016: oidInt8, 1005: oidInt2, 1007: oidInt4,
	1009: oidText, 1028: oidOID, 199: oidJSON, 143: oidXML, 651: oidCIDR, 1021: oidFloat4, 1022: oidFloat8,
	791: oidMoney, 1040: oidMacaddr, 1041: oidInet, 1014: oidBpchar, 1015: oidVarchar, 1182: oidDate,
	1183: oidTime, 1115: oidTimestamp, 1185: oidTimestamptz, 1187: oidInterval, 1270: oidTimetz,
	1231: oidNumeric, 2951: oidUUID, 3807: oidJSONB,
}

// textLike are built-in types Debezium emits as plain strings.
var textLike = map[uint32]bool{
	oidChar: true, oidName: true, oidText: true, oidBpchar: true, oidVarchar: true, oidCIDR: true, oidInet: true,
	oidMacaddr: true, oidMacaddr8: true,
	3904: true, 3906: true, 3908: true, 3910: true, 3912: true, 3926: true, // ranges
}

// TypeInfo describes a type that is not built in, from pg_type.
type TypeInfo struct {
	OID    uint32
	Name   string // schema-qualified when not in pg_catalog
	Kind   byte   // pg_type.typtype: b base, e enum, d domain, r range, c composite
	Elem   uint32 // element type of an array type, else 0
	Base   uint32 // base type of a domain, else 0
	Labels []string
}

// Decimal handling: schema and value for precise/double/string.

var (
	variableScaleSchema = &connect.Schema{Type: connect.StructType, Name: connect.DebeziumVariableScale, Version: 1,
		Doc: "Variable scaled decimal", Fields: []connect.Field{
			{Name: "scale", Index: 0, Schema: connect.Int32Schema},
			{Name: "value", Index: 1, Schema: connect.BytesSchema}}}
	errNaN = errors.New("NaN has no Decimal representation")
)

type converter func(b []byte) (any, error)

// colType is how one column is emitted.
type colType struct {
	schema  *connect.Schema // required form; WithOptional for nullable columns
	conv    converter
	unknown bool   // rendered as a string because inlet does not know the type
	text    bool   // the value is the text as is (convString)
	typName string // for warnings
}

func named(t connect.Type, name string) *connect.Schema {
	return &connect.Schema{Type: t, Name: name, Version: 1}
}

// mapType returns the schema and converter of a column.
func (d *Decoder) mapType(oid uint32, typmod int32, types map[uint32]TypeInfo) colType {
	s := d.s
	switch oid {
	case oidBool:
		return colType{schema: connect.BooleanSchema, conv: convBool}
	case oidInt2:
		return colType{schema: connect.Int16Schema, conv: convInt(16)}
	case oidInt4:
		return colType{schema: connect.Int32Schema, conv: convInt(32)}
	case oidInt8, oidOID:
		return colType{schema: connect.Int64Schema, conv: convInt(64)}
	case oidFloat4:
		return colType{schema: connect.Float32Schema, conv: convFloat32}
	case oidFloat8:
		return colType{schema: connect.Float64Schema, conv: convFloat64}
	case oidNumeric:
		return d.numericType(typmod)
	case oidMoney:
		return d.moneyType()
	case oidUUID:
		return colType{schema: named(connect.String, connect.DebeziumUUID), conv: convString, text: true}
	case oidJSON, oidJSONB:
		return colType{schema: named(connect.String, connect.DebeziumJSON), conv: convString, text: true}
	case oidXML:
		return colType{schema: named(connect.String, connect.DebeziumXML), conv: convString, text: true}
	case oidBytea:
		return colType{schema: d.binarySchema(), conv: d.convBytea}
	case oidDate:
		if s.timeMode == timeConnect {
			return colType{schema: connect.DateSchema(false), conv: convDateConnect}
		}
		return colType{schema: named(connect.Int32, connect.DebeziumDate), conv: convDate}
	case oidTime:
		p := precision(typmod)
		switch {
		case s.timeMode == timeConnect:
			return colType{schema: connect.TimeSchema(false), conv: convTimeConnect}
		case s.timeMode == timeAdaptive && p <= 3:
			return colType{schema: named(connect.Int32, connect.DebeziumTime), conv: convTimeMillis}
		default:
			return colType{schema: named(connect.Int64, connect.DebeziumMicroTime), conv: convTimeMicros}
		}
	case oidTimetz:
		return colType{schema: named(connect.String, connect.DebeziumZonedTime), conv: convTimetz}
	case oidTimestamp:
		p := precision(typmod)
		switch {
		case s.timeMode == timeConnect:
			return colType{schema: connect.TimestampSchema(false), conv: convTimestampConnect}
		case p <= 3:
			return colType{schema: named(connect.Int64, connect.DebeziumTimestamp), conv: convTimestampMillis}
		default:
			return colType{schema: named(connect.Int64, connect.DebeziumMicroTimestamp), conv: convTimestampMicros}
		}
	case oidTimestamptz:
		return colType{schema: named(connect.String, connect.DebeziumZonedTimestamp), conv: convTimestamptz}
	case oidInterval:
		if s.intervalMode == intervalString {
			return colType{schema: named(connect.String, connect.DebeziumInterval), conv: convIntervalString}
		}
		return colType{schema: named(connect.Int64, connect.DebeziumMicroDuration), conv: convIntervalMicros}
	case oidBit:
		if typmod == 1 {
			return colType{schema: connect.BooleanSchema, conv: convBit1}
		}
	}
	if textLike[oid] {
		return colType{schema: connect.StringSchema, conv: convString, text: true}
	}
	if elem, ok := arrayElem[oid]; ok {
		return d.arrayType(elem, types)
	}
	if ti, ok := types[oid]; ok {
		switch {
		case ti.Kind == 'e':
			sc := named(connect.String, connect.DebeziumEnum)
			sc.Parameters = connect.Params{{Key: "allowed", Value: strings.Join(ti.Labels, ",")}}
			return colType{schema: sc, conv: convString, text: true}
		case ti.Kind == 'd' && ti.Base != 0 && ti.Base != oid:
			return d.mapType(ti.Base, typmod, types)
		case ti.Elem != 0 && ti.Elem != oid:
			return d.arrayType(ti.Elem, types)
		}
		return colType{schema: connect.StringSchema, conv: convString, text: true, unknown: true, typName: ti.Name}
	}
	return colType{schema: connect.StringSchema, conv: convString, text: true, unknown: true, typName: "oid " + strconv.FormatUint(uint64(oid), 10)}
}

func (d *Decoder) arrayType(elem uint32, types map[uint32]TypeInfo) colType {
	et := d.mapType(elem, -1, types)
	if et.unknown {
		return et
	}
	items := et.schema.WithOptional(true)
	conv := et.conv
	return colType{schema: connect.ArrayOf(items, false), conv: func(b []byte) (any, error) { return parseArray(b, conv) }}
}

func precision(typmod int32) int {
	if typmod < 0 {
		return 6
	}
	return int(typmod)
}

func (d *Decoder) binarySchema() *connect.Schema {
	if d.s.binMode == binaryBytes {
		return connect.BytesSchema
	}
	return connect.StringSchema
}

func (d *Decoder) numericType(typmod int32) colType {
	switch d.s.decimalMode {
	case decimalDouble:
		return colType{schema: connect.Float64Schema, conv: convNumericDouble}
	case decimalString:
		return colType{schema: connect.StringSchema, conv: convNumericString}
	}
	if typmod < 4 { // numeric without precision and scale
		return colType{schema: variableScaleSchema, conv: convVariableScale}
	}
	p := ((typmod - 4) >> 16) & 0xffff
	sc := (typmod - 4) & 0xffff
	if sc > 0x7fff { // negative scale (PG15+)
		sc -= 0x10000
	}
	schema := &connect.Schema{Type: connect.Bytes, Name: connect.DecimalName, Version: 1, Parameters: connect.Params{
		{Key: connect.DecimalScaleParam, Value: strconv.Itoa(int(sc))},
		{Key: connect.DecimalPrecisionParam, Value: strconv.Itoa(int(p))}}}
	scale := sc
	return colType{schema: schema, conv: func(b []byte) (any, error) { return convDecimal(b, scale) }}
}

func (d *Decoder) moneyType() colType {
	scale := int32(d.s.moneyScale)
	strip := func(b []byte) []byte {
		out := make([]byte, 0, len(b))
		for _, c := range b {
			if c >= '0' && c <= '9' || c == '.' || c == '-' {
				out = append(out, c)
			}
		}
		if len(b) > 0 && b[0] == '(' { // accounting format for negatives
			out = append([]byte{'-'}, out...)
		}
		return out
	}
	switch d.s.decimalMode {
	case decimalDouble:
		return colType{schema: connect.Float64Schema, conv: func(b []byte) (any, error) { return convNumericDouble(strip(b)) }}
	case decimalString:
		return colType{schema: connect.StringSchema, conv: func(b []byte) (any, error) { return string(strip(b)), nil }}
	}
	return colType{schema: connect.DecimalSchema(int(scale), false), conv: func(b []byte) (any, error) { return convDecimal(strip(b), scale) }}
}

// Converters.

func convString(b []byte) (any, error) { return string(b), nil }

func convBool(b []byte) (any, error) {
	if len(b) == 1 {
		switch b[0] {
		case 't':
			return true, nil
		case 'f':
			return false, nil
		}
	}
	return nil, fmt.Errorf("expected a boolean (t or f)")
}

func convBit1(b []byte) (any, error) {
	if len(b) == 1 && (b[0] == '0' || b[0] == '1') {
		return b[0] == '1', nil
	}
	return nil, fmt.Errorf("expected bit(1) (0 or 1)")
}

func convInt(bits int) converter {
	return func(b []byte) (any, error) {
		n, ok := atoi(b)
		if !ok {
			v, err := strconv.ParseInt(string(b), 10, bits)
			if err != nil {
				return nil, fmt.Errorf("expected an integer (%d-bit)", bits)
			}
			n = v
		}
		switch bits {
		case 16:
			if n < math.MinInt16 || n > math.MaxInt16 {
				return nil, fmt.Errorf("expected a 16-bit integer")
			}
			return int16(n), nil
		case 32:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return nil, fmt.Errorf("expected a 32-bit integer")
			}
			return int32(n), nil
		}
		return n, nil
	}
}

// atoi is a fast path for short decimal integers (no allocation).
func atoi(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	neg := b[0] == '-'
	i := 0
	if neg {
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	var n int64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func parseFloat(b []byte, bits int) (float64, error) {
	switch string(b) {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	f, err := strconv.ParseFloat(string(b), bits)
	if err != nil {
		return 0, fmt.Errorf("expected a number")
	}
	return f, nil
}

func convFloat32(b []byte) (any, error) {
	f, err := parseFloat(b, 32)
	return float32(f), err
}

func convFloat64(b []byte) (any, error) { return parseFloat(b, 64) }

func convNumericDouble(b []byte) (any, error) { return parseFloat(b, 64) }

func convNumericString(b []byte) (any, error) {
	if string(b) == "NaN" {
		return "NAN", nil
	}
	return string(b), nil
}

func parseNumeric(b []byte) (*big.Int, int32, error) {
	// fast path: up to 18 digits fit an int64 (no string, no scanner)
	if len(b) <= 19 {
		var n int64
		var scale int32 = -1
		digits, neg, ok := 0, false, len(b) > 0
		for i, c := range b {
			switch {
			case c >= '0' && c <= '9':
				n = n*10 + int64(c-'0')
				digits++
				if scale >= 0 {
					scale++
				}
			case c == '.' && scale < 0:
				scale = 0
			case c == '-' && i == 0:
				neg = true
			default:
				ok = false
			}
		}
		if ok && digits > 0 && digits <= 18 {
			if neg {
				n = -n
			}
			return big.NewInt(n), max(scale, 0), nil
		}
	}
	s := string(b)
	if s == "NaN" || s == "Infinity" || s == "-Infinity" {
		return nil, 0, errNaN
	}
	var scale int32
	if i := strings.IndexByte(s, '.'); i >= 0 {
		scale = int32(len(s) - i - 1)
		s = s[:i] + s[i+1:]
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, 0, fmt.Errorf("expected a decimal number")
	}
	return n, scale, nil
}

func convDecimal(b []byte, scale int32) (any, error) {
	n, sc, err := parseNumeric(b)
	if err != nil {
		return nil, err
	}
	switch {
	case sc < scale:
		n.Mul(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-sc)), nil))
	case sc > scale:
		n.Quo(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(sc-scale)), nil))
	}
	return connect.Decimal{Unscaled: n, Scale: scale}, nil
}

func convVariableScale(b []byte) (any, error) {
	n, sc, err := parseNumeric(b)
	if err != nil {
		return nil, err
	}
	return &connect.Struct{Schema: variableScaleSchema, Values: []any{sc, twosComplement(n)}}, nil
}

// twosComplement encodes n as Java's BigInteger.toByteArray does: minimal
// big-endian two's complement.
func twosComplement(n *big.Int) []byte {
	if n.Sign() >= 0 {
		b := n.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// -n-1 in bytes, inverted
	m := new(big.Int).Neg(n)
	m.Sub(m, big.NewInt(1))
	b := m.Bytes()
	for i := range b {
		b[i] = ^b[i]
	}
	if len(b) == 0 || b[0]&0x80 == 0 {
		b = append([]byte{0xff}, b...)
	}
	return b
}

func (d *Decoder) convBytea(b []byte) (any, error) {
	if len(b) < 2 || b[0] != '\\' || b[1] != 'x' {
		return nil, fmt.Errorf("expected bytea in hex format (\\x…)")
	}
	raw := make([]byte, hex.DecodedLen(len(b)-2))
	if _, err := hex.Decode(raw, b[2:]); err != nil {
		return nil, fmt.Errorf("invalid bytea hex: %v", err)
	}
	switch d.s.binMode {
	case binaryBase64:
		return base64.StdEncoding.EncodeToString(raw), nil
	case binaryBase64URL:
		return base64.URLEncoding.EncodeToString(raw), nil
	case binaryHex:
		return hex.EncodeToString(raw), nil
	}
	return raw, nil
}

// Temporal values. Infinity maps to the extreme int64 values, as Debezium
// maps it to the largest/smallest instants it can represent.

func num(b []byte, what string) (int, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("missing %s", what)
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("invalid %s", what)
		}
		n = n*10 + int(c-'0')
		if n > 1e8 {
			return 0, fmt.Errorf("invalid %s", what)
		}
	}
	return n, nil
}

// parseDate parses YYYY-MM-DD[ BC] at the start of b and returns the rest.
func parseDate(b []byte) (y, m, d int, rest []byte, err error) {
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i < 4 || len(b) < i+6 || b[i] != '-' || b[i+3] != '-' {
		return 0, 0, 0, nil, fmt.Errorf("expected a date (YYYY-MM-DD)")
	}
	if y, err = num(b[:i], "year"); err != nil {
		return
	}
	if m, err = num(b[i+1:i+3], "month"); err != nil {
		return
	}
	if d, err = num(b[i+4:i+6], "day"); err != nil {
		return
	}
	rest = b[i+6:]
	return
}

func bc(rest []byte, y int) ([]byte, int) {
	if len(rest) >= 3 && string(rest[len(rest)-3:]) == " BC" {
		return rest[:len(rest)-3], 1 - y
	}
	return rest, y
}

// parseClock parses HH:MM:SS[.ffffff] and returns µs since midnight and the rest.
func parseClock(b []byte) (int64, []byte, error) {
	if len(b) < 8 || b[2] != ':' || b[5] != ':' {
		return 0, nil, fmt.Errorf("expected a time (HH:MM:SS)")
	}
	h, err := num(b[0:2], "hour")
	if err != nil {
		return 0, nil, err
	}
	mi, err := num(b[3:5], "minute")
	if err != nil {
		return 0, nil, err
	}
	s, err := num(b[6:8], "second")
	if err != nil {
		return 0, nil, err
	}
	us := (int64(h)*3600 + int64(mi)*60 + int64(s)) * 1e6
	rest := b[8:]
	if len(rest) > 0 && rest[0] == '.' {
		j := 1
		frac := int64(0)
		digits := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			if digits < 6 {
				frac = frac*10 + int64(rest[j]-'0')
				digits++
			}
			j++
		}
		for ; digits < 6; digits++ {
			frac *= 10
		}
		us += frac
		rest = rest[j:]
	}
	return us, rest, nil
}

// parseOffset parses +HH[:MM[:SS]] / -HH… and returns seconds east of UTC.
func parseOffset(b []byte) (int, error) {
	if len(b) < 3 || (b[0] != '+' && b[0] != '-') {
		return 0, fmt.Errorf("expected a UTC offset (+HH)")
	}
	sign := 1
	if b[0] == '-' {
		sign = -1
	}
	h, err := num(b[1:3], "offset hours")
	if err != nil {
		return 0, err
	}
	secs := h * 3600
	rest := b[3:]
	for _, mul := range []int{60, 1} {
		if len(rest) == 0 {
			break
		}
		if len(rest) < 3 || rest[0] != ':' {
			return 0, fmt.Errorf("invalid UTC offset")
		}
		n, err := num(rest[1:3], "offset")
		if err != nil {
			return 0, err
		}
		secs += n * mul
		rest = rest[3:]
	}
	if len(rest) != 0 {
		return 0, fmt.Errorf("invalid UTC offset")
	}
	return sign * secs, nil
}

func epochDays(y, m, d int) int64 {
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// parseTimestamp returns µs since the epoch and the unparsed suffix (zone).
func parseTimestamp(b []byte) (int64, []byte, error) {
	y, m, d, rest, err := parseDate(b)
	if err != nil {
		return 0, nil, err
	}
	rest, y = bc(rest, y)
	if len(rest) < 1 || rest[0] != ' ' {
		return 0, nil, fmt.Errorf("expected a timestamp (YYYY-MM-DD HH:MM:SS)")
	}
	clock, rest, err := parseClock(rest[1:])
	if err != nil {
		return 0, nil, err
	}
	days := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	return days*86400e6 + clock, rest, nil
}

func infinity(b []byte) (int64, bool) {
	switch string(b) {
	case "infinity":
		return math.MaxInt64, true
	case "-infinity":
		return math.MinInt64, true
	}
	return 0, false
}

func convDate(b []byte) (any, error) {
	if v, ok := infinity(b); ok {
		if v > 0 {
			return int32(math.MaxInt32), nil
		}
		return int32(math.MinInt32), nil
	}
	y, m, d, rest, err := parseDate(b)
	if err != nil {
		return nil, err
	}
	if rest, y = bc(rest, y); len(rest) != 0 {
		return nil, fmt.Errorf("expected a date (YYYY-MM-DD)")
	}
	return int32(epochDays(y, m, d)), nil
}

func convDateConnect(b []byte) (any, error) {
	v, err := convDate(b)
	if err != nil {
		return nil, err
	}
	return time.Unix(int64(v.(int32))*86400, 0).UTC(), nil
}

func clockOnly(b []byte) (int64, error) {
	us, rest, err := parseClock(b)
	if err == nil && len(rest) != 0 {
		err = fmt.Errorf("expected a time (HH:MM:SS[.ffffff])")
	}
	return us, err
}

func convTimeMicros(b []byte) (any, error) {
	us, err := clockOnly(b)
	if err != nil {
		return nil, err
	}
	return us, nil
}

func convTimeMillis(b []byte) (any, error) {
	us, err := clockOnly(b)
	if err != nil {
		return nil, err
	}
	return int32(us / 1000), nil
}

func convTimeConnect(b []byte) (any, error) {
	us, err := clockOnly(b)
	if err != nil {
		return nil, err
	}
	return time.UnixMilli(us / 1000).UTC(), nil
}

func convTimetz(b []byte) (any, error) {
	us, rest, err := parseClock(b)
	if err != nil {
		return nil, err
	}
	off, err := parseOffset(rest)
	if err != nil {
		return nil, err
	}
	us -= int64(off) * 1e6
	const day = 86400e6
	us = ((us % day) + day) % day
	return formatClock(nil, us) + "Z", nil
}

// formatClock renders HH:MM:SS[.fraction] with trailing zeros trimmed, as
// java.time's ISO formatters do.
func formatClock(dst []byte, us int64) string {
	s := us / 1e6
	frac := us % 1e6
	dst = append(dst, byte('0'+s/36000), byte('0'+s/3600%10), ':', byte('0'+s%3600/600), byte('0'+s%3600/60%10), ':',
		byte('0'+s%60/10), byte('0'+s%10))
	if frac != 0 {
		f := []byte(fmt.Sprintf(".%06d", frac))
		for f[len(f)-1] == '0' {
			f = f[:len(f)-1]
		}
		dst = append(dst, f...)
	}
	return string(dst)
}

func convTimestampMicros(b []byte) (any, error) {
	if v, ok := infinity(b); ok {
		return v, nil
	}
	us, rest, err := parseTimestamp(b)
	if err == nil && len(rest) != 0 {
		err = fmt.Errorf("expected a timestamp without time zone")
	}
	if err != nil {
		return nil, err
	}
	return us, nil
}

func convTimestampMillis(b []byte) (any, error) {
	v, err := convTimestampMicros(b)
	if err != nil {
		return nil, err
	}
	if us := v.(int64); us != math.MaxInt64 && us != math.MinInt64 {
		return floorDiv(us, 1000), nil
	}
	return v, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func convTimestampConnect(b []byte) (any, error) {
	v, err := convTimestampMicros(b)
	if err != nil {
		return nil, err
	}
	return time.UnixMilli(floorDiv(v.(int64), 1000)).UTC(), nil
}

func convTimestamptz(b []byte) (any, error) {
	if _, ok := infinity(b); ok {
		return string(b), nil
	}
	us, rest, err := parseTimestamp(b)
	if err != nil {
		return nil, err
	}
	off, err := parseOffset(rest)
	if err != nil {
		return nil, err
	}
	us -= int64(off) * 1e6
	t := time.UnixMicro(us).UTC()
	var buf []byte
	buf = t.AppendFormat(buf, "2006-01-02T")
	return formatClock(buf, floorMod(us, 86400e6)) + "Z", nil
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// interval (IntervalStyle iso_8601): P1Y2M3DT4H5M6.78S, negative parts
// allowed, PT0S for zero.
type interval struct {
	years, months, days, hours, minutes int64
	micros                              int64 // seconds part in µs
}

func parseInterval(b []byte) (interval, error) {
	var iv interval
	if len(b) < 2 || b[0] != 'P' {
		return iv, fmt.Errorf("expected an ISO-8601 interval (P…)")
	}
	inTime := false
	i := 1
	for i < len(b) {
		if b[i] == 'T' {
			inTime = true
			i++
			continue
		}
		j := i
		if j < len(b) && (b[j] == '-' || b[j] == '+') {
			j++
		}
		for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == '.') {
			j++
		}
		if j == i || j >= len(b) {
			return iv, fmt.Errorf("invalid ISO-8601 interval")
		}
		numText := string(b[i:j])
		unit := b[j]
		i = j + 1
		if unit == 'S' && inTime {
			f, err := strconv.ParseFloat(numText, 64)
			if err != nil {
				return iv, fmt.Errorf("invalid interval seconds")
			}
			iv.micros = int64(math.Round(f * 1e6))
			continue
		}
		n, err := strconv.ParseInt(numText, 10, 64)
		if err != nil {
			return iv, fmt.Errorf("invalid interval number %q", numText)
		}
		switch {
		case unit == 'Y' && !inTime:
			iv.years = n
		case unit == 'M' && !inTime:
			iv.months = n
		case unit == 'W' && !inTime:
			iv.days += 7 * n
		case unit == 'D' && !inTime:
			iv.days += n
		case unit == 'H' && inTime:
			iv.hours = n
		case unit == 'M' && inTime:
			iv.minutes = n
		default:
			return iv, fmt.Errorf("invalid interval unit %q", unit)
		}
	}
	return iv, nil
}

// microsPerMonth is Debezium's average month: 365.25/12 days.
const microsPerMonth = 2629800 * 1e6

func convIntervalMicros(b []byte) (any, error) {
	iv, err := parseInterval(b)
	if err != nil {
		return nil, err
	}
	return (iv.years*12+iv.months)*microsPerMonth + iv.days*86400e6 + iv.hours*3600e6 + iv.minutes*60e6 + iv.micros, nil
}

func convIntervalString(b []byte) (any, error) {
	iv, err := parseInterval(b)
	if err != nil {
		return nil, err
	}
	secs := strconv.FormatFloat(float64(iv.micros)/1e6, 'f', -1, 64)
	return fmt.Sprintf("P%dY%dM%dDT%dH%dM%sS", iv.years, iv.months, iv.days, iv.hours, iv.minutes, secs), nil
}

// parseArray parses a one-dimensional array literal ({a,"b c",NULL}).
func parseArray(b []byte, elem converter) (any, error) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		if len(b) > 0 && b[0] == '[' {
			return nil, fmt.Errorf("arrays with explicit bounds are not supported")
		}
		return nil, fmt.Errorf("expected an array literal ({…})")
	}
	body := b[1 : len(b)-1]
	out := []any{}
	if len(body) == 0 {
		return out, nil
	}
	var item []byte
	for i := 0; i <= len(body); {
		if i < len(body) && body[i] == '{' {
			return nil, fmt.Errorf("multi-dimensional arrays are not supported")
		}
		quoted := false
		item = item[:0]
		if i < len(body) && body[i] == '"' {
			quoted = true
			i++
			for {
				if i >= len(body) {
					return nil, fmt.Errorf("unterminated quoted array element")
				}
				c := body[i]
				if c == '\\' && i+1 < len(body) {
					item = append(item, body[i+1])
					i += 2
					continue
				}
				if c == '"' {
					i++
					break
				}
				item = append(item, c)
				i++
			}
		} else {
			for i < len(body) && body[i] != ',' {
				item = append(item, body[i])
				i++
			}
		}
		if i < len(body) && body[i] != ',' {
			return nil, fmt.Errorf("expected ',' between array elements")
		}
		if !quoted && strings.EqualFold(string(item), "NULL") {
			out = append(out, nil)
		} else {
			v, err := elem(item)
			if err != nil {
				return nil, fmt.Errorf("array element %d: %w", len(out), err)
			}
			out = append(out, v)
		}
		i++
	}
	return out, nil
}
