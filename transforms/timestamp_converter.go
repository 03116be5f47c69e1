package transforms

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
)

// Kafka's target.type names.
const (
	tsString    = "string"
	tsUnix      = "unix"
	tsDate      = "Date"
	tsTime      = "Time"
	tsTimestamp = "Timestamp"
)

var timestampConverterPlugin = kvPlugin{
	name: "TimestampConverter",
	doc: "Convert timestamps between different formats such as Unix epoch, strings, and Connect Date/Timestamp types. Applies to individual fields or to the entire value. Always UTC; anything finer than a millisecond is lost. " +
		"Kafka Connect equivalent: org.apache.kafka.connect.transforms.TimestampConverter$Key / $Value.",
	config: func() *connect.ConfigDef {
		return connect.NewConfigDef(
			connect.ConfigKey{Name: "field", Default: "", Importance: connect.High,
				Doc: "The field containing the timestamp, or empty if the entire value is a timestamp."},
			connect.ConfigKey{Name: "target.type", Required: true, Importance: connect.High,
				Validator: connect.OneOf(tsString, tsUnix, tsDate, tsTime, tsTimestamp),
				Doc:       "The desired timestamp representation: string, unix, Date, Time, or Timestamp."},
			connect.ConfigKey{Name: "format", Default: "", Importance: connect.Medium,
				Doc: "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or used to parse the input if the input is a string."},
			connect.ConfigKey{Name: "unix.precision", Default: "milliseconds", Importance: connect.Low,
				Validator: connect.OneOf("seconds", "milliseconds", "microseconds", "nanoseconds"),
				Doc:       "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is a Long. Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components."},
			replaceNullDef(),
		)
	},
	build: func(cfg connect.Config, s side) (connect.Transformation, error) {
		t := &TimestampConverter{side: s, field: cfg.String("field"), precision: strings.ToLower(cfg.String("unix.precision")),
			replaceNull: cfg.Bool(replaceNullKey)}
		for _, n := range []string{tsString, tsUnix, tsDate, tsTime, tsTimestamp} {
			if strings.EqualFold(n, cfg.String("target.type")) {
				t.target = n
			}
		}
		if p := cfg.String("format"); strings.TrimSpace(p) != "" {
			f, err := parseDateFormat(p)
			if err != nil {
				return nil, configErr("format", p, "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: "+err.Error())
			}
			t.format = f
		}
		if t.target == tsString && t.format == nil {
			return nil, configErr("format", "", "TimestampConverter requires format option to be specified when using string timestamps")
		}
		return t, nil
	},
}

// TimestampConverter converts a timestamp field (or the whole key/value)
// between unix numbers, strings and the Date/Time/Timestamp logical types.
type TimestampConverter struct {
	side        side
	field       string
	target      string
	format      *dateFormat
	precision   string
	replaceNull bool
	schemas     cache[*connect.Schema, *connect.Schema]
}

// targetSchema is the schema of a converted value.
func (t *TimestampConverter) targetSchema(optional bool) *connect.Schema {
	switch t.target {
	case tsString:
		return connect.PrimitiveSchema(connect.String, optional)
	case tsUnix:
		return connect.PrimitiveSchema(connect.Int64, optional)
	case tsDate:
		return connect.DateSchema(optional)
	case tsTime:
		return connect.TimeSchema(optional)
	}
	return connect.TimestampSchema(optional)
}

// inputType names the kind of timestamp a schema holds.
func inputType(s *connect.Schema) (string, error) {
	switch {
	case s.Name == connect.TimestampName:
		return tsTimestamp, nil
	case s.Name == connect.DateName:
		return tsDate, nil
	case s.Name == connect.TimeName:
		return tsTime, nil
	case s.Type == connect.Int64:
		return tsUnix, nil
	case s.Type == connect.String:
		return tsString, nil
	}
	return "", fmt.Errorf("Schema %s does not correspond to a known timestamp type format", s)
}

func schemalessType(v any) (string, error) {
	switch v.(type) {
	case time.Time:
		return tsTimestamp, nil
	case int64, int, int32:
		return tsUnix, nil
	case string:
		return tsString, nil
	}
	return "", fmt.Errorf("TimestampConverter does not support %s objects as timestamps", typeName(v))
}

// toTime reads a timestamp of kind typ.
func (t *TimestampConverter) toTime(v any, typ string) (time.Time, error) {
	switch typ {
	case tsString:
		if t.format == nil {
			return time.Time{}, fmt.Errorf("TimestampConverter requires format option to be specified when using string timestamps")
		}
		s, _ := v.(string)
		ts, err := t.format.Parse(s)
		if err != nil {
			return time.Time{}, fmt.Errorf("Could not parse timestamp: value (%s) does not match pattern (%s)", s, t.format.pattern)
		}
		return ts, nil
	case tsUnix:
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case int:
			n = int64(x)
		case int32:
			n = int64(x)
		default:
			return time.Time{}, fmt.Errorf("expected a unix timestamp (INT64), found %s", typeName(v))
		}
		switch t.precision {
		case "seconds":
			return time.UnixMilli(n * 1000).UTC(), nil
		case "microseconds":
			return time.UnixMilli(n / 1000).UTC(), nil
		case "nanoseconds":
			return time.UnixMilli(n / 1e6).UTC(), nil
		}
		return time.UnixMilli(n).UTC(), nil
	default:
		ts, ok := v.(time.Time)
		if !ok {
			return time.Time{}, fmt.Errorf("expected a %s (time.Time), found %s", typ, typeName(v))
		}
		return ts.UTC(), nil
	}
}

// fromTime renders a millisecond-precision instant as the target kind.
func (t *TimestampConverter) fromTime(ts time.Time) any {
	ts = time.UnixMilli(ts.UnixMilli()).UTC()
	switch t.target {
	case tsString:
		return t.format.Format(ts)
	case tsUnix:
		ms := ts.UnixMilli()
		switch t.precision {
		case "seconds":
			return ms / 1000
		case "microseconds":
			return ms * 1000
		case "nanoseconds":
			return ms * 1e6
		}
		return ms
	case tsDate:
		y, m, d := ts.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	case tsTime:
		return time.Date(1970, 1, 1, ts.Hour(), ts.Minute(), ts.Second(), ts.Nanosecond(), time.UTC)
	}
	return ts
}

func (t *TimestampConverter) convert(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	ts, err := t.toTime(v, typ)
	if err != nil {
		return nil, err
	}
	return t.fromTime(ts), nil
}

// Apply implements connect.Transformation.
func (t *TimestampConverter) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	name := "TimestampConverter" + t.side.suffix()
	schema, v := t.side.operating(r)
	if schema == nil {
		if v == nil || t.field == "" {
			if v == nil {
				return t.side.with(r, nil, nil), nil
			}
			typ, err := schemalessType(v)
			if err != nil {
				return nil, recordErr(name, r, "%v", err)
			}
			out, err := t.convert(v, typ)
			if err != nil {
				return nil, recordErr(name, r, "%v", err)
			}
			return t.side.with(r, nil, out), nil
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, recordErr(name, r, "only Map objects supported in absence of schema for [converting timestamp formats], found: %s", typeName(v))
		}
		out := cloneMap(m, 1)
		var conv any
		if fv := m[t.field]; fv != nil {
			typ, err := schemalessType(fv)
			if err != nil {
				return nil, recordErr(name, r, "field %q: %v", t.field, err)
			}
			if conv, err = t.convert(fv, typ); err != nil {
				return nil, recordErr(name, r, "field %q: %v", t.field, err)
			}
		}
		out[t.field] = conv
		return t.side.with(r, nil, out), nil
	}
	if t.field == "" {
		typ, err := inputType(schema)
		if err != nil {
			return nil, recordErr(name, r, "%v", err)
		}
		out, err := t.convert(v, typ)
		if err != nil {
			return nil, recordErr(name, r, "%v", err)
		}
		return t.side.with(r, t.targetSchema(schema.Optional), out), nil
	}
	var st *connect.Struct
	if v != nil {
		var ok bool
		if st, ok = asStruct(v); !ok {
			return nil, recordErr(name, r, "only Struct objects supported for [converting timestamp formats], found: %s", typeName(v))
		}
		schema = st.Schema // the struct's own schema lays out its values
	}
	out, ok := t.schemas.get(schema)
	if !ok {
		out = copySchemaBasics(schema, connect.StructType)
		out.Optional = schema.Optional
		b := newStructBuilder(out)
		for _, f := range schema.Fields {
			fs := f.Schema
			if f.Name == t.field {
				if _, err := inputType(f.Schema); err != nil {
					return nil, recordErr(name, r, "field %q: %v", f.Name, err)
				}
				fs = t.targetSchema(f.Schema.Optional)
			}
			_ = b.field(f.Name, fs)
		}
		t.schemas.put(schema, out)
	}
	if st == nil {
		return t.side.with(r, out, nil), nil
	}
	nv := make([]any, len(st.Schema.Fields))
	for i, f := range st.Schema.Fields {
		fv := fieldValue(st, i, t.replaceNull)
		if f.Name == t.field {
			typ, _ := inputType(f.Schema)
			c, err := t.convert(fv, typ)
			if err != nil {
				return nil, recordErr(name, r, "field %q: %v", f.Name, err)
			}
			fv = c
		}
		nv[i] = fv
	}
	return t.side.with(r, out, &connect.Struct{Schema: out, Values: nv}), nil
}
