package connect

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync/atomic"
)

// Type is a Kafka Connect schema type.
type Type uint8

// Kafka Connect's schema types.
const (
	Int8 Type = iota + 1
	Int16
	Int32
	Int64
	Float32
	Float64
	Boolean
	String
	Bytes
	Array
	Map
	StructType
)

var typeNames = [...]string{"", "int8", "int16", "int32", "int64", "float", "double", "boolean", "string", "bytes", "array", "map", "struct"}

// String returns the type's name as Kafka's JsonConverter writes it
// (FLOAT32 is "float", FLOAT64 is "double").
func (t Type) String() string {
	if int(t) < len(typeNames) && t != 0 {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", t)
}

// UpperName returns Kafka Connect's enum name (INT8, FLOAT64, STRUCT...).
func (t Type) UpperName() string {
	switch t {
	case Float32:
		return "FLOAT32"
	case Float64:
		return "FLOAT64"
	}
	return strings.ToUpper(t.String())
}

// IsPrimitive reports whether t is neither ARRAY, MAP nor STRUCT.
func (t Type) IsPrimitive() bool { return t >= Int8 && t <= Bytes }

// ParseType accepts Kafka's JSON names (int8 … double, struct) and the enum
// names (INT8 … FLOAT64, STRUCT), case-insensitively.
func ParseType(s string) (Type, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "int8":
		return Int8, true
	case "int16":
		return Int16, true
	case "int32":
		return Int32, true
	case "int64":
		return Int64, true
	case "float", "float32":
		return Float32, true
	case "double", "float64":
		return Float64, true
	case "boolean":
		return Boolean, true
	case "string":
		return String, true
	case "bytes":
		return Bytes, true
	case "array":
		return Array, true
	case "map":
		return Map, true
	case "struct":
		return StructType, true
	}
	return 0, false
}

// Names of the logical and semantic types inlet knows about.
const (
	DecimalName   = "org.apache.kafka.connect.data.Decimal"
	DateName      = "org.apache.kafka.connect.data.Date"
	TimeName      = "org.apache.kafka.connect.data.Time"
	TimestampName = "org.apache.kafka.connect.data.Timestamp"

	DecimalScaleParam     = "scale"
	DecimalPrecisionParam = "connect.decimal.precision"

	// Debezium semantic types: plain base types with a name.
	DebeziumDate           = "io.debezium.time.Date"
	DebeziumTime           = "io.debezium.time.Time"
	DebeziumMicroTime      = "io.debezium.time.MicroTime"
	DebeziumNanoTime       = "io.debezium.time.NanoTime"
	DebeziumTimestamp      = "io.debezium.time.Timestamp"
	DebeziumMicroTimestamp = "io.debezium.time.MicroTimestamp"
	DebeziumNanoTimestamp  = "io.debezium.time.NanoTimestamp"
	DebeziumZonedTimestamp = "io.debezium.time.ZonedTimestamp"
	DebeziumZonedTime      = "io.debezium.time.ZonedTime"
	DebeziumMicroDuration  = "io.debezium.time.MicroDuration"
	DebeziumInterval       = "io.debezium.time.Interval"
	DebeziumJSON           = "io.debezium.data.Json"
	DebeziumUUID           = "io.debezium.data.Uuid"
	DebeziumEnum           = "io.debezium.data.Enum"
	DebeziumVariableScale  = "io.debezium.data.VariableScaleDecimal"
	DebeziumBits           = "io.debezium.data.Bits"
	DebeziumXML            = "io.debezium.data.Xml"
)

// Param is one schema parameter. Parameters are ordered because Kafka's
// SchemaBuilder keeps insertion order and the JSON converter writes them in
// that order.
type Param struct{ Key, Value string }

// Params is an ordered list of schema parameters.
type Params []Param

// Get returns the value of key and whether it is present.
func (p Params) Get(key string) (string, bool) {
	for _, kv := range p {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// Field is one field of a STRUCT schema.
type Field struct {
	Name   string
	Index  int
	Schema *Schema
}

// Schema describes a key, value or header, as Kafka Connect's Schema does.
// A Schema is immutable once built and safe for concurrent use; share it
// between records. Build one with the helpers (StructOf, OptionalString ...)
// or as a literal, then do not change it.
type Schema struct {
	Type       Type
	Optional   bool
	Default    any
	Name       string
	Version    int // 0 = unset
	Doc        string
	Parameters Params

	Fields []Field // STRUCT, in order; Field.Index is the position
	Key    *Schema // MAP keys
	Value  *Schema // MAP values, ARRAY items

	index atomic.Pointer[map[string]int] // wide structs: name → position, built on first use
}

// wideStruct is the field count from which name lookups use a map instead of
// a linear scan; below it the scan is faster.
const wideStruct = 12

// Field returns the struct field with that name.
func (s *Schema) Field(name string) (Field, bool) {
	if s == nil {
		return Field{}, false
	}
	if len(s.Fields) < wideStruct {
		for _, f := range s.Fields {
			if f.Name == name {
				return f, true
			}
		}
		return Field{}, false
	}
	m := s.index.Load()
	if m == nil {
		idx := make(map[string]int, len(s.Fields))
		for i, f := range s.Fields {
			idx[f.Name] = i
		}
		m = &idx
		s.index.Store(m)
	}
	i, ok := (*m)[name]
	if !ok {
		return Field{}, false
	}
	return s.Fields[i], true
}

// IsLogical reports whether the schema's name is one of Kafka's logical types.
func (s *Schema) IsLogical() bool {
	if s == nil {
		return false
	}
	switch s.Name {
	case DecimalName, DateName, TimeName, TimestampName:
		return true
	}
	return false
}

// String renders a short description for error messages.
func (s *Schema) String() string {
	if s == nil {
		return "<no schema>"
	}
	var b strings.Builder
	b.WriteString(s.Type.UpperName())
	if s.Name != "" {
		b.WriteString("(" + s.Name + ")")
	}
	if s.Optional {
		b.WriteString("?")
	}
	return b.String()
}

// WithOptional returns a copy of s marked optional (or not).
func (s *Schema) WithOptional(optional bool) *Schema {
	c := s.shallow()
	c.Optional = optional
	return c
}

// shallow copies everything but the lazily built index.
func (s *Schema) shallow() *Schema {
	return &Schema{Type: s.Type, Optional: s.Optional, Default: s.Default, Name: s.Name, Version: s.Version,
		Doc: s.Doc, Parameters: s.Parameters, Fields: s.Fields, Key: s.Key, Value: s.Value}
}

// Copy returns a shallow copy of s that may be changed before it is shared.
func (s *Schema) Copy() *Schema { return s.shallow() }

// StructOf builds a STRUCT schema with fields in the given order.
func StructOf(name string, optional bool, fields ...Field) *Schema {
	fs := make([]Field, len(fields))
	for i, f := range fields {
		f.Index = i
		fs[i] = f
	}
	return &Schema{Type: StructType, Name: name, Optional: optional, Fields: fs}
}

// F is shorthand for a Field literal in StructOf.
func F(name string, s *Schema) Field { return Field{Name: name, Schema: s} }

// Primitive schemas, shared. Do not modify them.
var (
	Int8Schema            = &Schema{Type: Int8}
	Int16Schema           = &Schema{Type: Int16}
	Int32Schema           = &Schema{Type: Int32}
	Int64Schema           = &Schema{Type: Int64}
	Float32Schema         = &Schema{Type: Float32}
	Float64Schema         = &Schema{Type: Float64}
	BooleanSchema         = &Schema{Type: Boolean}
	StringSchema          = &Schema{Type: String}
	BytesSchema           = &Schema{Type: Bytes}
	OptionalInt8Schema    = &Schema{Type: Int8, Optional: true}
	OptionalInt16Schema   = &Schema{Type: Int16, Optional: true}
	OptionalInt32Schema   = &Schema{Type: Int32, Optional: true}
	OptionalInt64Schema   = &Schema{Type: Int64, Optional: true}
	OptionalFloat32Schema = &Schema{Type: Float32, Optional: true}
	OptionalFloat64Schema = &Schema{Type: Float64, Optional: true}
	OptionalBooleanSchema = &Schema{Type: Boolean, Optional: true}
	OptionalStringSchema  = &Schema{Type: String, Optional: true}
	OptionalBytesSchema   = &Schema{Type: Bytes, Optional: true}
)

// PrimitiveSchema returns the shared schema for a primitive type.
func PrimitiveSchema(t Type, optional bool) *Schema {
	req := [...]*Schema{nil, Int8Schema, Int16Schema, Int32Schema, Int64Schema, Float32Schema, Float64Schema, BooleanSchema, StringSchema, BytesSchema}
	opt := [...]*Schema{nil, OptionalInt8Schema, OptionalInt16Schema, OptionalInt32Schema, OptionalInt64Schema, OptionalFloat32Schema, OptionalFloat64Schema, OptionalBooleanSchema, OptionalStringSchema, OptionalBytesSchema}
	if !t.IsPrimitive() {
		return nil
	}
	if optional {
		return opt[t]
	}
	return req[t]
}

// ArrayOf builds an ARRAY schema.
func ArrayOf(items *Schema, optional bool) *Schema {
	return &Schema{Type: Array, Value: items, Optional: optional}
}

// MapOf builds a MAP schema.
func MapOf(key, value *Schema, optional bool) *Schema {
	return &Schema{Type: Map, Key: key, Value: value, Optional: optional}
}

// DecimalSchema builds Kafka's Decimal logical schema (BYTES, parameter scale).
func DecimalSchema(scale int, optional bool) *Schema {
	return &Schema{Type: Bytes, Name: DecimalName, Version: 1, Optional: optional,
		Parameters: Params{{DecimalScaleParam, fmt.Sprint(scale)}}}
}

// DateSchema, TimeSchema and TimestampSchema build Kafka's logical time schemas.
func DateSchema(optional bool) *Schema {
	return &Schema{Type: Int32, Name: DateName, Version: 1, Optional: optional}
}

// TimeSchema builds Kafka's Time logical schema (INT32 ms since midnight).
func TimeSchema(optional bool) *Schema {
	return &Schema{Type: Int32, Name: TimeName, Version: 1, Optional: optional}
}

// TimestampSchema builds Kafka's Timestamp logical schema (INT64 ms since epoch).
func TimestampSchema(optional bool) *Schema {
	return &Schema{Type: Int64, Name: TimestampName, Version: 1, Optional: optional}
}

// Decimal is the value of a Decimal logical type: Unscaled × 10^-Scale.
type Decimal struct {
	Unscaled *big.Int
	Scale    int32
}

// maxPlainScale bounds plain notation: beyond it (1e999999999 is valid
// input) String uses an exponent instead of printing a billion zeros.
const maxPlainScale = 1000

// String renders the decimal in plain notation (no exponent), or, when
// |Scale| > 1000, as <unscaled>E<-scale> ("1E+1001").
func (d Decimal) String() string {
	if d.Unscaled == nil {
		return "0"
	}
	s := d.Unscaled.String()
	if d.Scale > maxPlainScale || d.Scale < -maxPlainScale {
		e := -int64(d.Scale)
		if e >= 0 {
			return s + "E+" + strconv.FormatInt(e, 10)
		}
		return s + "E" + strconv.FormatInt(e, 10)
	}
	if d.Scale <= 0 {
		return s + strings.Repeat("0", int(-d.Scale))
	}
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if len(s) <= int(d.Scale) {
		s = strings.Repeat("0", int(d.Scale)-len(s)+1) + s
	}
	out := s[:len(s)-int(d.Scale)] + "." + s[len(s)-int(d.Scale):]
	if neg {
		out = "-" + out
	}
	return out
}

// ParseDecimal parses plain or exponent notation ("12.50", "-3", "1e-3").
func ParseDecimal(s string) (Decimal, error) {
	s = strings.TrimSpace(s)
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		if _, err := fmt.Sscan(s[i+1:], &exp); err != nil {
			return Decimal{}, fmt.Errorf("connect: invalid decimal %q", s)
		}
		s = s[:i]
	}
	scale := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		scale = len(s) - i - 1
		s = s[:i] + s[i+1:]
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return Decimal{}, fmt.Errorf("connect: invalid decimal %q", s)
	}
	if sc := int64(scale) - int64(exp); sc < math.MinInt32 || sc > math.MaxInt32 {
		return Decimal{}, fmt.Errorf("connect: decimal %q has an exponent out of range", s)
	}
	return Decimal{Unscaled: n, Scale: int32(scale - exp)}, nil
}

// Float64 returns the nearest float64.
func (d Decimal) Float64() float64 {
	if d.Unscaled == nil {
		return 0
	}
	f, _ := new(big.Float).SetString(d.String())
	v, _ := f.Float64()
	return v
}

// MapEntry is one entry of a MAP whose keys are not strings.
type MapEntry struct{ Key, Value any }
