package transforms

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
)

var castOutputTypes = []connect.Type{connect.Int8, connect.Int16, connect.Int32, connect.Int64, connect.Float32, connect.Float64, connect.Boolean, connect.String}

const castSupported = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"

var castPlugin = kvPlugin{
	name: "Cast",
	doc: "Cast fields or the entire key or value to a specific type, e.g. to force an integer field to a smaller width. Cast from integers, floats, boolean and string to any other type, and cast binary to string (base64 encoded). " +
		"Kafka Connect equivalent: org.apache.kafka.connect.transforms.Cast$Key / $Value.",
	config: func() *connect.ConfigDef {
		return connect.NewConfigDef(
			connect.ConfigKey{Name: "spec", Type: connect.TypeList, Required: true, Importance: connect.High,
				Validator: func(v any) error { _, _, err := parseCastSpec(v.([]string)); return err },
				Doc: "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. " +
					"A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string."},
			replaceNullDef(),
		)
	},
	build: func(cfg connect.Config, s side) (connect.Transformation, error) {
		casts, whole, err := parseCastSpec(cfg.List("spec"))
		if err != nil {
			return nil, configErr("spec", cfg.Raw("spec"), err.Error())
		}
		return &Cast{side: s, casts: casts, whole: whole, replaceNull: cfg.Bool(replaceNullKey)}, nil
	},
}

func parseCastSpec(spec []string) (map[string]connect.Type, connect.Type, error) {
	if len(spec) == 0 {
		return nil, 0, fmt.Errorf("Must specify at least one field to cast.")
	}
	casts := map[string]connect.Type{}
	var whole connect.Type
	for _, m := range spec {
		parts := strings.Split(m, ":")
		if len(parts) > 2 {
			return nil, 0, fmt.Errorf("Invalid cast mapping: %s (expected field:type or a single type)", m)
		}
		typ := strings.TrimSpace(parts[len(parts)-1])
		t, ok := connect.ParseType(typ)
		if !ok {
			return nil, 0, fmt.Errorf("Invalid type found in casting spec: %s", typ)
		}
		valid := false
		for _, o := range castOutputTypes {
			valid = valid || o == t
		}
		if !valid {
			return nil, 0, fmt.Errorf("Cast transformation does not support casting to/from %s; supported types are %s", t.UpperName(), castSupported)
		}
		if len(parts) == 1 {
			whole = t
		} else {
			casts[strings.TrimSpace(parts[0])] = t
		}
	}
	if whole != 0 && len(spec) > 1 {
		return nil, 0, fmt.Errorf("Cast transformations that specify a type to cast the entire value to may ony specify a single cast in their spec")
	}
	return casts, whole, nil
}

// Cast converts fields, or the whole key or value, to primitive types.
type Cast struct {
	side        side
	casts       map[string]connect.Type
	whole       connect.Type // 0 = per field
	replaceNull bool
	schemas     cache[*connect.Schema, *castPlan]
}

// castPlan is the output schema for one input schema and, per field, the
// type to cast to (0 = keep).
type castPlan struct {
	schema *connect.Schema
	types  []connect.Type
}

// Apply implements connect.Transformation. A null key/value passes through.
func (t *Cast) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	name := "Cast" + t.side.suffix()
	schema, v := t.side.operating(r)
	if v == nil {
		return r, nil
	}
	if schema == nil {
		if t.whole != 0 {
			out, err := castValue(nil, v, t.whole)
			if err != nil {
				return nil, recordErr(name, r, "%v", err)
			}
			return t.side.with(r, nil, out), nil
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, recordErr(name, r, "only Map objects supported in absence of schema for [cast types], found: %s", typeName(v))
		}
		out := cloneMap(m, 0)
		for f, typ := range t.casts {
			fv, ok := m[f]
			if !ok {
				continue
			}
			c, err := castValue(nil, fv, typ)
			if err != nil {
				return nil, recordErr(name, r, "field %q: %v", f, err)
			}
			out[f] = c
		}
		return t.side.with(r, nil, out), nil
	}
	plan, err := t.plan(schema)
	if err != nil {
		return nil, recordErr(name, r, "%v", err)
	}
	out := plan.schema
	if t.whole != 0 {
		c, err := castValue(schema, v, t.whole)
		if err != nil {
			return nil, recordErr(name, r, "%v", err)
		}
		return t.side.with(r, out, c), nil
	}
	st, ok := asStruct(v)
	if !ok {
		return nil, recordErr(name, r, "only Struct objects supported for [cast types], found: %s", typeName(v))
	}
	if st.Schema != schema {
		if plan, err = t.plan(st.Schema); err != nil {
			return nil, recordErr(name, r, "%v", err)
		}
		out = plan.schema
	}
	nv := make([]any, len(st.Schema.Fields))
	for i, f := range st.Schema.Fields {
		fv := fieldValue(st, i, t.replaceNull)
		if typ := plan.types[i]; typ != 0 {
			c, err := castValue(f.Schema, fv, typ)
			if err != nil {
				return nil, recordErr(name, r, "field %q: %v", f.Name, err)
			}
			fv = c
		}
		nv[i] = fv
	}
	return t.side.with(r, out, &connect.Struct{Schema: out, Values: nv}), nil
}

// castSchema is the schema of a value cast to typ from s; Kafka's logical
// names are dropped because the type changed (Kafka keeps them, making a
// STRING "Timestamp" schema that converters then reject).
func castSchema(s *connect.Schema, typ connect.Type) (*connect.Schema, error) {
	out := copySchemaBasics(s, typ)
	if s.IsLogical() {
		out.Name, out.Version, out.Parameters = "", 0, nil
	}
	out.Optional = s.Optional
	if s.Default != nil {
		d, err := castValue(s, s.Default, typ)
		if err != nil {
			return nil, fmt.Errorf("default value: %w", err)
		}
		out.Default = d
	}
	return out, nil
}

func (t *Cast) plan(s *connect.Schema) (*castPlan, error) {
	if p, ok := t.schemas.get(s); ok {
		return p, nil
	}
	p := &castPlan{}
	var out *connect.Schema
	if t.whole != 0 {
		if err := validCastInput(s.Type); err != nil {
			return nil, err
		}
		var err error
		if out, err = castSchema(s, t.whole); err != nil {
			return nil, err
		}
	} else {
		if s.Type != connect.StructType {
			return nil, fmt.Errorf("only Struct objects supported for [cast types], found schema %s", s)
		}
		out = copySchemaBasics(s, connect.StructType)
		out.Optional = s.Optional
		b := newStructBuilder(out)
		p.types = make([]connect.Type, len(s.Fields))
		for i, f := range s.Fields {
			fs := f.Schema
			if typ, ok := t.casts[f.Name]; ok {
				p.types[i] = typ
				if err := validCastInput(f.Schema.Type); err != nil {
					return nil, fmt.Errorf("field %q: %w", f.Name, err)
				}
				var err error
				if fs, err = castSchema(f.Schema, typ); err != nil {
					return nil, fmt.Errorf("field %q: %w", f.Name, err)
				}
			}
			_ = b.field(f.Name, fs)
		}
	}
	p.schema = out
	t.schemas.put(s, p)
	return p, nil
}

func validCastInput(t connect.Type) error {
	if t.IsPrimitive() {
		return nil
	}
	return fmt.Errorf("Cast transformation does not support casting to/from %s; supported types are %s", t.UpperName(), "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]")
}

// castValue converts v (of schema s, or schemaless) to typ with Java's
// semantics: narrowing integer casts wrap, float→int truncates and
// saturates, number→boolean is != 0, boolean→number is 1/0, strings are
// parsed, Date/Time/Timestamp become days/ms-of-day/epoch-ms numbers or
// ISO-8601 text, bytes only become Base64 text.
func castValue(s *connect.Schema, v any, typ connect.Type) (any, error) {
	if v == nil {
		return nil, nil
	}
	if s == nil {
		if _, ok := v.(map[string]any); ok {
			return nil, validCastInput(connect.Map)
		}
		if _, ok := v.([]any); ok {
			return nil, validCastInput(connect.Array)
		}
		if _, ok := v.(*connect.Struct); ok {
			return nil, validCastInput(connect.StructType)
		}
	} else if err := validCastInput(s.Type); err != nil {
		return nil, err
	}
	if typ == connect.String {
		return castToString(s, v), nil
	}
	// Logical dates become their numeric encoding first.
	if tm, ok := v.(time.Time); ok {
		switch {
		case s != nil && s.Name == connect.DateName:
			v = int32(math.Floor(float64(tm.UnixMilli()) / 86400000))
		case s != nil && s.Name == connect.TimeName:
			ms := tm.UnixMilli() % 86400000
			if ms < 0 {
				ms += 86400000
			}
			v = int32(ms)
		default:
			v = tm.UnixMilli()
		}
	}
	switch x := v.(type) {
	case bool:
		if typ == connect.Boolean {
			return x, nil
		}
		n := int64(0)
		if x {
			n = 1
		}
		return fromInt(n, typ), nil
	case string:
		return castFromString(x, typ)
	case json.Number:
		return castFromString(string(x), typ)
	case float32:
		return fromFloat(float64(x), typ), nil
	case float64:
		return fromFloat(x, typ), nil
	case connect.Decimal:
		if typ == connect.Float32 || typ == connect.Float64 {
			return fromFloat(x.Float64(), typ), nil
		}
		return fromInt(decimalLong(x), typ), nil
	case []byte:
		return nil, fmt.Errorf("Unexpected type in Cast transformation: bytes (bytes can only be cast to string)")
	}
	if n, ok := asInt64(v); ok {
		return fromInt(n, typ), nil
	}
	return nil, fmt.Errorf("Unexpected type in Cast transformation: %s", typeName(v))
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		return int64(x), true
	case uint:
		return int64(x), true
	}
	return 0, false
}

// decimalLong is BigDecimal.longValue: the integer part, low 64 bits.
func decimalLong(d connect.Decimal) int64 {
	if d.Unscaled == nil {
		return 0
	}
	// Far exponents are answered without building 10^|scale| (a value
	// "1e999999999" must not cost gigabytes): 2^64 divides 10^64, so from
	// there on the low 64 bits of n·10^k are zero; and a fraction with
	// more scale than digits has integer part 0.
	if d.Scale < -63 || d.Scale > 0 && int(d.Scale) > len(d.Unscaled.Text(10)) {
		return 0
	}
	n := new(big.Int).Set(d.Unscaled)
	if d.Scale > 0 {
		n.Quo(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil))
	} else if d.Scale < 0 {
		n.Mul(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-d.Scale)), nil))
	}
	mask := new(big.Int).SetUint64(math.MaxUint64)
	return int64(new(big.Int).And(n, mask).Uint64())
}

func fromInt(n int64, typ connect.Type) any {
	switch typ {
	case connect.Int8:
		return int8(n)
	case connect.Int16:
		return int16(n)
	case connect.Int32:
		return int32(n)
	case connect.Int64:
		return n
	case connect.Float32:
		return float32(n)
	case connect.Float64:
		return float64(n)
	case connect.Boolean:
		return n != 0
	}
	return nil
}

// javaD2L is Java's (long) cast of a double: truncation, saturation, NaN→0.
func javaD2L(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// javaD2I is Java's (int) cast of a double.
func javaD2I(f float64) int32 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}

func fromFloat(f float64, typ connect.Type) any {
	switch typ {
	case connect.Int8:
		return int8(javaD2I(f)) // Number.byteValue() is (byte)(int)d
	case connect.Int16:
		return int16(javaD2I(f))
	case connect.Int32:
		return javaD2I(f)
	case connect.Int64:
		return javaD2L(f)
	case connect.Float32:
		return float32(f)
	case connect.Float64:
		return f
	case connect.Boolean:
		return javaD2L(f) != 0 // Kafka: longValue() != 0
	}
	return nil
}

func castFromString(s string, typ connect.Type) (any, error) {
	outOfRange := func() error { return fmt.Errorf("Value (%s) was out of range for requested data type", s) }
	switch typ {
	case connect.Boolean:
		return strings.EqualFold(s, "true"), nil
	case connect.Float32, connect.Float64:
		t := strings.TrimSpace(s)
		t = strings.TrimRight(t, "fFdD")
		bits := 64
		if typ == connect.Float32 {
			bits = 32
		}
		f, err := strconv.ParseFloat(strings.Replace(t, "Infinity", "Inf", 1), bits)
		if err != nil && !strings.Contains(err.Error(), "range") {
			return nil, outOfRange()
		}
		if typ == connect.Float32 {
			return float32(f), nil
		}
		return f, nil
	}
	bits := 64
	switch typ {
	case connect.Int8:
		bits = 8
	case connect.Int16:
		bits = 16
	case connect.Int32:
		bits = 32
	}
	n, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		return nil, outOfRange()
	}
	return fromInt(n, typ), nil
}

func castToString(s *connect.Schema, v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float32:
		return javaFloatString(float64(x), 32)
	case float64:
		return javaFloatString(x, 64)
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case connect.Decimal:
		return javaBigDecimalString(x)
	case time.Time:
		return javaDateString(x)
	}
	if n, ok := asInt64(v); ok {
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprint(v)
}

// javaDateString is Kafka's Values.dateFormatFor: a time of day before the
// first day is a Time, a whole day a Date, anything else a Timestamp.
func javaDateString(t time.Time) string {
	t = t.UTC()
	ms := t.UnixMilli()
	switch {
	case ms >= 0 && ms < 86400000:
		return t.Format("15:04:05.000Z")
	case ms%86400000 == 0:
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

// javaFloatString is Java's Float.toString / Double.toString.
func javaFloatString(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, bits)
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// javaBigDecimalString is BigDecimal.toString: plain unless the scale is
// negative or the adjusted exponent is below -6.
func javaBigDecimalString(d connect.Decimal) string {
	if d.Unscaled == nil {
		return "0"
	}
	digits := new(big.Int).Abs(d.Unscaled).String()
	adjusted := -int(d.Scale) + len(digits) - 1
	if d.Scale >= 0 && adjusted >= -6 {
		return d.String()
	}
	var b strings.Builder
	if d.Unscaled.Sign() < 0 {
		b.WriteByte('-')
	}
	b.WriteString(digits[:1])
	if len(digits) > 1 {
		b.WriteString("." + digits[1:])
	}
	b.WriteByte('E')
	if adjusted > 0 {
		b.WriteByte('+')
	}
	b.WriteString(strconv.Itoa(adjusted))
	return b.String()
}
