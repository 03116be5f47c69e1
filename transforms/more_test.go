package transforms

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

func TestCastValues(t *testing.T) {
	dec := connect.Decimal{Unscaled: big.NewInt(-12345), Scale: 2}
	tests := []struct {
		s    *connect.Schema
		in   any
		to   connect.Type
		want any
	}{
		{nil, int64(300), connect.Int8, int8(44)}, // Java (byte) wraps
		{nil, int64(-1), connect.Int16, int16(-1)},
		{nil, 3.99, connect.Int32, int32(3)},
		{nil, 1e20, connect.Int64, int64(math.MaxInt64)}, // (long) saturates
		{nil, math.NaN(), connect.Int32, int32(0)},
		{nil, 0.5, connect.Boolean, false}, // longValue() != 0
		{nil, int64(2), connect.Boolean, true},
		{nil, true, connect.Int32, int32(1)},
		{nil, false, connect.Float64, 0.0},
		{nil, "42", connect.Int8, int8(42)},
		{nil, "TRUE", connect.Boolean, true},
		{nil, "yes", connect.Boolean, false},
		{nil, "1.5", connect.Float32, float32(1.5)},
		{nil, int64(7), connect.String, "7"},
		{nil, 1.0, connect.String, "1.0"},
		{nil, 1e7, connect.String, "1.0E7"},
		{nil, 1.5e-5, connect.String, "1.5E-5"},
		{nil, float32(0.1), connect.String, "0.1"},
		{nil, true, connect.String, "true"},
		{nil, []byte("hi"), connect.String, "aGk="},
		{nil, json.Number("12"), connect.Int64, int64(12)},
		{connect.DecimalSchema(2, false), dec, connect.String, "-123.45"},
		{connect.DecimalSchema(2, false), dec, connect.Int32, int32(-123)},
		{connect.DecimalSchema(2, false), dec, connect.Float64, -123.45},
		{connect.DecimalSchema(-2, false), connect.Decimal{Unscaled: big.NewInt(5), Scale: -2}, connect.String, "5E+2"},
		{connect.TimestampSchema(false), time.UnixMilli(1700000000123).UTC(), connect.Int64, int64(1700000000123)},
		{connect.TimestampSchema(false), time.UnixMilli(1700000000123).UTC(), connect.String, "2023-11-14T22:13:20.123Z"},
		{connect.DateSchema(false), time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), connect.Int32, int32(19724)},
		{connect.DateSchema(false), time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), connect.String, "2024-01-02"},
		{connect.TimeSchema(false), time.Date(1970, 1, 1, 1, 2, 3, 4e6, time.UTC), connect.Int32, int32(3723004)},
		{connect.TimeSchema(false), time.Date(1970, 1, 1, 1, 2, 3, 4e6, time.UTC), connect.String, "01:02:03.004Z"},
	}
	for _, tc := range tests {
		got, err := castValue(tc.s, tc.in, tc.to)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("cast %v (%v) to %s = %#v, %v; want %#v", tc.in, tc.s, tc.to, got, err, tc.want)
		}
	}
	errs := []struct {
		in   any
		to   connect.Type
		want string
	}{
		{"300", connect.Int8, "Value (300) was out of range for requested data type"},
		{"abc", connect.Int32, "Value (abc) was out of range for requested data type"},
		{"x", connect.Float64, "Value (x) was out of range"},
		{[]byte{1}, connect.Int32, "bytes can only be cast to string"},
		{map[string]any{}, connect.String, "Cast transformation does not support casting to/from MAP"},
	}
	for _, tc := range errs {
		_, err := castValue(nil, tc.in, tc.to)
		wantErr(t, err, tc.want)
	}
}

func TestCast(t *testing.T) {
	tr := build(t, "org.apache.kafka.connect.transforms.Cast$Value", map[string]string{"spec": "id:string,qty:int64,ts:string"})
	out := apply(t, tr, schemaRecord())
	st := out.Value.(*connect.Struct)
	if st.Values[0] != "42" || st.Values[2] != int64(7) || st.Values[3] != "2024-03-05T10:20:30.123Z" {
		t.Errorf("values %v", st.Values)
	}
	f, _ := out.ValueSchema.Field("qty")
	if f.Schema.Type != connect.Int64 || !f.Schema.Optional || f.Schema.Default != int64(7) {
		t.Errorf("qty schema %+v (default must be cast too)", f.Schema)
	}
	f, _ = out.ValueSchema.Field("ts")
	if f.Schema.Type != connect.String || f.Schema.Name != "" {
		t.Errorf("ts schema %+v: want a plain STRING", f.Schema)
	}
	if out.ValueSchema.Name != valueSchema.Name {
		t.Error("struct name lost")
	}
	out = apply(t, tr, mapRecord())
	if m := out.Value.(map[string]any); m["id"] != "1" || m["qty"] != nil || m["name"] != "widget" {
		t.Errorf("schemaless %v", m)
	}
	// whole value
	whole := build(t, "Cast$Key", map[string]string{"spec": "string"})
	out = apply(t, whole, &connect.Record{Topic: "t", KeySchema: connect.Int64Schema, Key: int64(5)})
	if out.Key != "5" || out.KeySchema.Type != connect.String {
		t.Errorf("whole key %v %v", out.Key, out.KeySchema)
	}
	if out := apply(t, whole, connect.NewRecord("t", int32(9), nil)); out.Key != "9" {
		t.Errorf("schemaless whole key %v", out.Key)
	}
	wantErr(t, applyErr(t, whole, schemaRecord()), "Cast transformation does not support casting to/from STRUCT")
	wantErr(t, applyErr(t, build(t, "Cast$Value", map[string]string{"spec": "nested:string"}), schemaRecord()), `field "nested": Cast transformation does not support casting to/from STRUCT`)
	wantErr(t, applyErr(t, build(t, "Cast$Value", map[string]string{"spec": "name:int32"}), schemaRecord()), `field "name": Value (widget) was out of range for requested data type`)
	tomb := schemaRecord()
	tomb.Value = nil
	if out := apply(t, tr, tomb); out != tomb {
		t.Error("tombstone must pass through")
	}
	for spec, want := range map[string]string{
		"id:bytes":      "Cast transformation does not support casting to/from BYTES; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]",
		"id:number":     "Invalid type found in casting spec: number",
		"int8,id:int16": "may ony specify a single cast",
		"a:b:int8":      "Invalid cast mapping: a:b:int8",
		"":              "Must specify at least one field to cast.",
	} {
		_, err := tryBuild("Cast$Value", map[string]string{"spec": spec})
		wantErr(t, err, want)
	}
	contract(t, "Cast$Value", map[string]string{"spec": "id:string,qty:int64"})
}

func TestFlatten(t *testing.T) {
	tr := build(t, "org.apache.kafka.connect.transforms.Flatten$Value", map[string]string{"delimiter": "_"})
	out := apply(t, tr, schemaRecord())
	if got := fieldNames(out.ValueSchema); !reflect.DeepEqual(got, []string{"id", "name", "qty", "ts", "nested_a", "nested_b"}) {
		t.Fatalf("fields %v", got)
	}
	f, _ := out.ValueSchema.Field("nested_a")
	if !f.Schema.Optional {
		t.Error("a child of an optional struct must become optional")
	}
	if st := out.Value.(*connect.Struct); !reflect.DeepEqual(st.Values, []any{int64(42), "widget", int32(7), ts0, "x", int32(3)}) {
		t.Errorf("values %v", st.Values)
	}
	nilNested := schemaRecord()
	v := nilNested.Value.(*connect.Struct).Clone()
	v.Values[4] = nil
	nilNested.Value = v
	if st := apply(t, tr, nilNested).Value.(*connect.Struct); st.Values[4] != nil || st.Values[5] != nil {
		t.Errorf("null nested struct: %v", st.Values)
	}
	out = apply(t, build(t, "Flatten$Value", nil), mapRecord())
	want := map[string]any{"id": int64(1), "name": "widget", "qty": nil, "nested.a": "x", "nested.b": int64(3)}
	if !reflect.DeepEqual(out.Value, want) {
		t.Errorf("schemaless %v", out.Value)
	}
	arr := connect.NewRecord("t", nil, map[string]any{"l": []any{map[string]any{"x": 1}}})
	if out := apply(t, tr, arr); !reflect.DeepEqual(out.Value, arr.Value) {
		t.Errorf("arrays must be left alone: %v", out.Value)
	}
	withMap := connect.StructOf("m", false, connect.F("m", connect.MapOf(connect.StringSchema, connect.StringSchema, false)))
	wantErr(t, applyErr(t, tr, &connect.Record{Topic: "t", ValueSchema: withMap, Value: &connect.Struct{Schema: withMap, Values: []any{map[string]any{}}}}),
		"Flatten transformation does not support MAP for record with schemas (for field m).")
	contract(t, "Flatten$Value", nil)
}

func TestHeaderFrom(t *testing.T) {
	move := build(t, "org.apache.kafka.connect.transforms.HeaderFrom$Value", map[string]string{"fields": "id,name", "headers": "x-id,x-name", "operation": "move"})
	out := apply(t, move, schemaRecord())
	if got := fieldNames(out.ValueSchema); !reflect.DeepEqual(got, []string{"qty", "ts", "nested"}) {
		t.Errorf("fields after move %v", got)
	}
	h, _ := out.Headers.Last("x-id")
	if h.Value != int64(42) || h.Schema != connect.Int64Schema || len(out.Headers) != 4 {
		t.Errorf("headers %v", out.Headers)
	}
	if len(schemaRecord().Headers) != 2 {
		t.Fatal("input headers changed")
	}
	cp := build(t, "HeaderFrom$Value", map[string]string{"fields": "name", "headers": "n", "operation": "copy"})
	out = apply(t, cp, mapRecord())
	if h, _ := out.Headers.Last("n"); h.Value != "widget" || out.Value.(map[string]any)["name"] != "widget" {
		t.Errorf("copy schemaless: %v %v", out.Headers, out.Value)
	}
	out = apply(t, move, mapRecord())
	if _, ok := out.Value.(map[string]any)["name"]; ok {
		t.Error("move schemaless kept the field")
	}
	wantErr(t, applyErr(t, build(t, "HeaderFrom$Value", map[string]string{"fields": "nope", "headers": "n", "operation": "copy"}), schemaRecord()),
		`field "nope" is not in the schema STRUCT(shop.public.orders.Value)`)
	_, err := tryBuild("HeaderFrom$Value", map[string]string{"fields": "a,b", "headers": "a", "operation": "copy"})
	wantErr(t, err, "'fields' config must have the same number of elements as 'headers' config.")
	_, err = tryBuild("HeaderFrom$Value", map[string]string{"fields": "a", "headers": "a", "operation": "swap"})
	wantErr(t, err, `operation="swap": must be one of move, copy`)
	contract(t, "HeaderFrom$Value", map[string]string{"fields": "id", "headers": "x-id", "operation": "move"})
}

func TestMaskField(t *testing.T) {
	tr := build(t, "org.apache.kafka.connect.transforms.MaskField$Value", map[string]string{"fields": "id,name,ts"})
	st := apply(t, tr, schemaRecord()).Value.(*connect.Struct)
	if st.Values[0] != int64(0) || st.Values[1] != "" || !st.Values[3].(time.Time).Equal(time.UnixMilli(0)) || st.Values[2] != int32(7) {
		t.Errorf("masked %v", st.Values)
	}
	m := apply(t, tr, mapRecord()).Value.(map[string]any)
	if m["id"] != int64(0) || m["name"] != "" {
		t.Errorf("schemaless %v", m)
	}
	if v, ok := m["ts"]; !ok || v != nil {
		t.Errorf("a missing listed field is put as null (Kafka): %v", m)
	}
	rep := build(t, "MaskField$Value", map[string]string{"fields": "id,name", "replacement": "99"})
	st = apply(t, rep, schemaRecord()).Value.(*connect.Struct)
	if st.Values[0] != int64(99) || st.Values[1] != "99" {
		t.Errorf("replacement %v", st.Values)
	}
	wantErr(t, applyErr(t, build(t, "MaskField$Value", map[string]string{"fields": "id", "replacement": "abc"}), schemaRecord()),
		`field "id": Unable to convert abc (java.lang.String) to number`)
	wantErr(t, applyErr(t, build(t, "MaskField$Value", map[string]string{"fields": "ts", "replacement": "x"}), schemaRecord()),
		`Cannot mask value of type time.Time with custom replacement.`)
	wantErr(t, applyErr(t, build(t, "MaskField$Value", map[string]string{"fields": "nested"}), schemaRecord()), "Cannot mask value of type: Struct")
	dec := connect.Decimal{Unscaled: big.NewInt(1234), Scale: 2}
	if got, _ := maskWith(dec, "1.5"); got.(connect.Decimal).String() != "1.50" {
		t.Errorf("decimal replacement %v", got)
	}
	_, err := tryBuild("MaskField$Value", map[string]string{"fields": "a", "replacement": ""})
	wantErr(t, err, "replacement")
	contract(t, "MaskField$Value", map[string]string{"fields": "id,name"})
}

func TestHeaders(t *testing.T) {
	drop := build(t, "org.apache.kafka.connect.transforms.DropHeaders", map[string]string{"headers": "h1,zz"})
	out := apply(t, drop, schemaRecord())
	if len(out.Headers) != 1 || out.Headers[0].Key != "h2" {
		t.Errorf("DropHeaders %v", out.Headers)
	}
	noHeaders := connect.NewRecord("t", nil, "v")
	if out := apply(t, drop, noHeaders); out != noHeaders {
		t.Error("DropHeaders without a match must pass the record")
	}
	_, err := tryBuild("DropHeaders", map[string]string{"headers": ""})
	wantErr(t, err, "headers: must not be empty")
	contract(t, "DropHeaders", map[string]string{"headers": "h1"})

	for lit, want := range map[string]struct {
		s *connect.Schema
		v any
	}{
		"42":                       {connect.Int8Schema, int8(42)},
		"300":                      {connect.Int16Schema, int16(300)},
		"70000":                    {connect.Int32Schema, int32(70000)},
		"5000000000":               {connect.Int64Schema, int64(5000000000)},
		"1.0":                      {connect.Int8Schema, int8(1)},
		"1.5":                      {connect.Float32Schema, float32(1.5)},
		"true":                     {connect.BooleanSchema, true},
		"FALSE":                    {connect.BooleanSchema, false},
		"null":                     {nil, nil},
		"":                         {connect.StringSchema, ""},
		"hello world":              {connect.StringSchema, "hello world"},
		"42abc":                    {connect.StringSchema, "42abc"},
		"2024-01-02":               {connect.DateSchema(false), time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
		"2024-01-02T03:04:05.006Z": {connect.TimestampSchema(false), time.Date(2024, 1, 2, 3, 4, 5, 6e6, time.UTC)},
		"[1,2,3]":                  {connect.ArrayOf(connect.Int8Schema, false), []any{int8(1), int8(2), int8(3)}},
		`{"a":1}`:                  {connect.MapOf(connect.StringSchema, connect.Int8Schema, false), map[string]any{"a": int8(1)}},
		`[1,"x"]`:                  {nil, []any{int8(1), "x"}},
		`"quoted"`:                 {connect.StringSchema, "quoted"},
	} {
		s, v := parseValueString(lit)
		if !reflect.DeepEqual(v, want.v) || !reflect.DeepEqual(s, want.s) {
			t.Errorf("parseValueString(%q) = %v %#v; want %v %#v", lit, s, v, want.s, want.v)
		}
	}
	ins := build(t, "org.apache.kafka.connect.transforms.InsertHeader", map[string]string{"header": "version", "value.literal": "42"})
	out = apply(t, ins, schemaRecord())
	if h, _ := out.Headers.Last("version"); h.Value != int8(42) || h.Schema != connect.Int8Schema || len(out.Headers) != 3 {
		t.Errorf("InsertHeader %v", out.Headers)
	}
	_, err = tryBuild("InsertHeader", map[string]string{"header": "h"})
	wantErr(t, err, "value.literal: missing required configuration")
	contract(t, "InsertHeader", map[string]string{"header": "version", "value.literal": "1"})
}

func TestFilter(t *testing.T) {
	f := build(t, "org.apache.kafka.connect.transforms.Filter", nil)
	if out := apply(t, f, schemaRecord()); out != nil {
		t.Error("Filter must drop")
	}
	contract(t, "Filter", nil)
}

func TestTimestampRouter(t *testing.T) {
	tr := build(t, "org.apache.kafka.connect.transforms.TimestampRouter", nil)
	if out := apply(t, tr, schemaRecord()); out.Topic != "shop.public.orders-20240305" {
		t.Errorf("default format: %q", out.Topic)
	}
	tr = build(t, "TimestampRouter", map[string]string{"topic.format": "${timestamp}/${topic}/${topic}", "timestamp.format": "yyyy-MM-dd'T'HH"})
	if out := apply(t, tr, schemaRecord()); out.Topic != "2024-03-05T10/shop.public.orders/shop.public.orders" {
		t.Errorf("custom format: %q", out.Topic)
	}
	noTS := connect.NewRecord("t", nil, "v")
	wantErr(t, applyErr(t, tr, noTS), `transforms: TimestampRouter: topic "t": Timestamp missing on record`)
	_, err := tryBuild("TimestampRouter", map[string]string{"timestamp.format": "yyyy-ww"})
	wantErr(t, err, `timestamp.format="yyyy-ww": pattern letter 'w' (week-based fields) in "yyyy-ww" is not supported by inlet`)
	_, err = tryBuild("TimestampRouter", map[string]string{"timestamp.format": "yyyy-qq"})
	wantErr(t, err, `Illegal pattern character 'q'`)
	_, err = tryBuild("TimestampRouter", map[string]string{"topic.format": ""})
	wantErr(t, err, `topic.format`)
	contract(t, "TimestampRouter", nil)
}

func TestDateFormat(t *testing.T) {
	tm := time.Date(2024, 3, 5, 14, 7, 9, 45e6, time.UTC)
	tests := map[string]string{
		"yyyyMMdd":                     "20240305",
		"yy-M-d":                       "24-3-5",
		"yyyy-MM-dd'T'HH:mm:ss.SSS'Z'": "2024-03-05T14:07:09.045Z",
		"EEE, d MMM yyyy HH:mm:ss Z":   "Tue, 5 Mar 2024 14:07:09 +0000",
		"EEEE MMMM dd G":               "Tuesday March 05 AD",
		"hh:mm a":                      "02:07 PM",
		"k K h H":                      "14 2 2 14",
		"D u":                          "65 2",
		"'o''clock' ''":                "o'clock '",
		"HH:mm:ss z X XXX":             "14:07:09 UTC Z Z",
		"S SSSS":                       "45 0045",
	}
	for p, want := range tests {
		f, err := parseDateFormat(p)
		if err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		if got := f.Format(tm); got != want {
			t.Errorf("format %q = %q, want %q", p, got, want)
		}
	}
	parses := []struct{ pattern, in string }{
		{"yyyyMMdd", "20240305"},
		{"yyyy-MM-dd HH:mm:ss.SSS", "2024-03-05 14:07:09.045"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-03-05T15:07:09.045+01:00"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2024-03-05T09:07:09.045-0500"},
		{"dd MMM yyyy hh:mm:ss.SSS a", "05 mar 2024 02:07:09.045 PM"},
		{"EEE, dd MMMM yyyy HH:mm:ss.SSS z", "Tue, 05 March 2024 14:07:09.045 UTC"},
		{"yyyy-MM-dd HH:mm:ss.SSS", "2024-03-05 14:07:09.045 trailing text is ignored"},
		{"yyyy-D HH:mm:ss.SSS", "2024-65 14:07:09.045"},
	}
	for _, tc := range parses {
		f, _ := parseDateFormat(tc.pattern)
		got, err := f.Parse(tc.in)
		want := tm
		if tc.pattern == "yyyyMMdd" {
			want = time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
		}
		if err != nil || !got.Equal(want) {
			t.Errorf("parse %q with %q = %v, %v; want %v", tc.in, tc.pattern, got, err, want)
		}
	}
	f, _ := parseDateFormat("yyyy-MM-dd")
	_, err := f.Parse("2024/03/05")
	wantErr(t, err, `Unparseable date: "2024/03/05" (at position 4, expected pattern "yyyy-MM-dd")`)
	for _, bad := range []string{"yyyy'", "XXXX", "YYYY", "q"} {
		if _, err := parseDateFormat(bad); err == nil {
			t.Errorf("parseDateFormat(%q): want an error", bad)
		}
	}
	if y := twoDigitYear(5); y%100 != 5 || y < time.Now().Year()-80 || y >= time.Now().Year()+20 {
		t.Errorf("twoDigitYear(5) = %d", y)
	}
}

func FuzzDateFormat(f *testing.F) {
	f.Add("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-03-05T15:07:09.045+01:00")
	f.Add("EEE MMM d", "Tue Mar 5")
	f.Add("''y'", "x")
	f.Fuzz(func(t *testing.T, pattern, in string) {
		df, err := parseDateFormat(pattern)
		if err != nil {
			return
		}
		_ = df.Format(time.Unix(0, 0))
		_, _ = df.Parse(in)
	})
}

func TestTimestampConverter(t *testing.T) {
	unixMS := ts0.UnixMilli()
	tests := []struct {
		props  map[string]string
		in     any
		want   any
		schema *connect.Schema // output schema when schema'd
		inS    *connect.Schema
	}{
		{map[string]string{"target.type": "unix"}, ts0, unixMS, connect.Int64Schema, connect.TimestampSchema(false)},
		{map[string]string{"target.type": "unix", "unix.precision": "seconds"}, ts0, unixMS / 1000, connect.Int64Schema, connect.TimestampSchema(false)},
		{map[string]string{"target.type": "unix", "unix.precision": "microseconds"}, ts0, unixMS * 1000, connect.Int64Schema, connect.TimestampSchema(false)},
		{map[string]string{"target.type": "unix", "unix.precision": "nanoseconds"}, ts0, unixMS * 1e6, connect.Int64Schema, connect.TimestampSchema(false)},
		{map[string]string{"target.type": "Timestamp"}, unixMS, ts0, connect.TimestampSchema(false), connect.Int64Schema},
		{map[string]string{"target.type": "Timestamp", "unix.precision": "microseconds"}, unixMS*1000 + 999, ts0, connect.TimestampSchema(false), connect.Int64Schema},
		{map[string]string{"target.type": "Date"}, ts0, time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), connect.DateSchema(false), connect.TimestampSchema(false)},
		{map[string]string{"target.type": "Time"}, ts0, time.Date(1970, 1, 1, 10, 20, 30, 123e6, time.UTC), connect.TimeSchema(false), connect.TimestampSchema(false)},
		{map[string]string{"target.type": "string", "format": "yyyy-MM-dd HH:mm"}, ts0, "2024-03-05 10:20", connect.StringSchema, connect.TimestampSchema(false)},
		{map[string]string{"target.type": "Timestamp", "format": "yyyy-MM-dd'T'HH:mm:ss.SSS"}, "2024-03-05T10:20:30.123", ts0, connect.TimestampSchema(false), connect.StringSchema},
	}
	for _, tc := range tests {
		tr := build(t, "org.apache.kafka.connect.transforms.TimestampConverter$Value", tc.props)
		out := apply(t, tr, &connect.Record{Topic: "t", ValueSchema: tc.inS, Value: tc.in})
		if !reflect.DeepEqual(out.Value, tc.want) || !reflect.DeepEqual(out.ValueSchema, tc.schema) {
			t.Errorf("%v on %v: %#v (%v), want %#v (%v)", tc.props, tc.in, out.Value, out.ValueSchema, tc.want, tc.schema)
		}
		out = apply(t, tr, connect.NewRecord("t", nil, tc.in))
		if !reflect.DeepEqual(out.Value, tc.want) || out.ValueSchema != nil {
			t.Errorf("schemaless %v on %v: %#v, want %#v", tc.props, tc.in, out.Value, tc.want)
		}
	}
	// a field of a struct and of a map
	tr := build(t, "TimestampConverter$Value", map[string]string{"target.type": "unix", "field": "ts"})
	out := apply(t, tr, schemaRecord())
	if st := out.Value.(*connect.Struct); st.Values[3] != unixMS || st.Values[2] != int32(7) {
		t.Errorf("struct field: %v", st.Values)
	}
	if f, _ := out.ValueSchema.Field("ts"); f.Schema != connect.OptionalInt64Schema {
		t.Errorf("ts schema %v, want optional INT64", f.Schema)
	}
	m := mapRecord()
	m.Value.(map[string]any)["ts"] = ts0
	if out := apply(t, tr, m); out.Value.(map[string]any)["ts"] != unixMS {
		t.Errorf("map field %v", out.Value)
	}
	missing := apply(t, tr, mapRecord())
	if v, ok := missing.Value.(map[string]any)["ts"]; !ok || v != nil {
		t.Errorf("missing map field must be put as null (Kafka): %v", missing.Value)
	}
	// errors
	_, err := tryBuild("TimestampConverter$Value", map[string]string{"target.type": "string"})
	wantErr(t, err, "TimestampConverter requires format option to be specified when using string timestamps")
	_, err = tryBuild("TimestampConverter$Value", map[string]string{"target.type": "epoch"})
	wantErr(t, err, `target.type="epoch": must be one of string, unix, Date, Time, Timestamp`)
	_, err = tryBuild("TimestampConverter$Value", map[string]string{"target.type": "unix", "format": "yyyy-QQ"})
	wantErr(t, err, "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: Illegal pattern character 'Q'")
	_, err = tryBuild("TimestampConverter$Value", map[string]string{"target.type": "unix", "unix.precision": "days"})
	wantErr(t, err, "unix.precision")
	wantErr(t, applyErr(t, build(t, "TimestampConverter$Value", map[string]string{"target.type": "unix"}), connect.NewRecord("t", nil, "2024")),
		"TimestampConverter requires format option to be specified when using string timestamps")
	strTr := build(t, "TimestampConverter$Value", map[string]string{"target.type": "unix", "format": "yyyy-MM-dd"})
	wantErr(t, applyErr(t, strTr, connect.NewRecord("t", nil, "bad")), "Could not parse timestamp: value (bad) does not match pattern (yyyy-MM-dd)")
	wantErr(t, applyErr(t, strTr, connect.NewRecord("t", nil, 1.5)), "TimestampConverter does not support float64 objects as timestamps")
	wantErr(t, applyErr(t, build(t, "TimestampConverter$Value", map[string]string{"target.type": "unix", "field": "nested"}), schemaRecord()),
		`field "nested": Schema STRUCT(shop.Nested)? does not correspond to a known timestamp type format`)
	// null whole value with a schema keeps the target schema
	if out := apply(t, strTr, &connect.Record{Topic: "t", ValueSchema: connect.OptionalStringSchema}); out.Value != nil || out.ValueSchema != connect.OptionalInt64Schema {
		t.Errorf("null value: %v %v", out.Value, out.ValueSchema)
	}
	contract(t, "TimestampConverter$Value", map[string]string{"target.type": "unix", "field": "ts"})
}

// TestParseValueStringHugeExponent: exponents far beyond the digits are
// classified without computing 10^|exponent| (which would take gigabytes),
// and agree with the exact computation where that is cheap.
func TestParseValueStringHugeExponent(t *testing.T) {
	for in, want := range map[string]string{
		"1e999999999":   "decimal",
		"-7e5000":       "decimal",
		"1e-999999999":  "float32 0",
		"-3e-5000":      "float32 -0",
		"0e999999999":   "int8 0",
		"0.0e-99999999": "int8 0",
		"1e300":         "float64",
		"1e-300":        "float32 0",
	} {
		done := make(chan struct{})
		var sc *connect.Schema
		var v any
		go func() { sc, v = parseValueString(in); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%q: still parsing after 5 s", in)
		}
		var got string
		switch x := v.(type) {
		case connect.Decimal:
			got = "decimal"
		case float32:
			got = "float32 " + strconv.FormatFloat(float64(x), 'g', -1, 32)
			if x == 0 && math.Signbit(float64(x)) {
				got = "float32 -0"
			}
		case float64:
			got = "float64"
		case int8:
			got = "int8 " + strconv.Itoa(int(x))
		default:
			got = fmt.Sprintf("%T %v", v, v)
		}
		if got != want || sc == nil {
			t.Errorf("%q: %s (schema %v), want %s", in, got, sc, want)
		}
	}
}

// TestDecimalLongFarExponents: BigDecimal.longValue of far exponents,
// answered at once and equal to the exact computation near the bounds.
func TestDecimalLongFarExponents(t *testing.T) {
	exact := func(d connect.Decimal) int64 {
		n := new(big.Int).Set(d.Unscaled)
		if d.Scale > 0 {
			n.Quo(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil))
		} else {
			n.Mul(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-d.Scale)), nil))
		}
		return int64(new(big.Int).And(n, new(big.Int).SetUint64(math.MaxUint64)).Uint64())
	}
	for _, sc := range []int32{-62, -63, -64, -65, -200, 1, 2, 3, 4, 30} {
		for _, u := range []int64{7, -123, 987654321} {
			d := connect.Decimal{Unscaled: big.NewInt(u), Scale: sc}
			if got, want := decimalLong(d), exact(d); got != want {
				t.Errorf("%v (scale %d): %d, want %d", u, sc, got, want)
			}
		}
	}
	if got := decimalLong(connect.Decimal{Unscaled: big.NewInt(3), Scale: -999999999}); got != 0 {
		t.Errorf("3e999999999: %d, want 0", got)
	}
}

func FuzzParseValueString(f *testing.F) {
	for _, s := range []string{"42", "1.5", "[1,2]", `{"a":[1,{"b":null}]}`, `"q\"x"`, "2024-01-02", "-", "1e400", "[", "{a:}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc, v := parseValueString(s)
		if sc == nil && v != nil {
			if _, ok := v.([]any); !ok {
				if _, ok := v.(map[string]any); !ok {
					t.Fatalf("%q: a schemaless %T", s, v)
				}
			}
		}
	})
}

func FuzzCastSpec(f *testing.F) {
	f.Add("id:int8,name:string")
	f.Add("string")
	f.Fuzz(func(t *testing.T, spec string) {
		casts, whole, err := parseCastSpec(connect.SplitList(spec))
		if err != nil {
			return
		}
		c := &Cast{side: onValue, casts: casts, whole: whole, replaceNull: true}
		_, _ = c.Apply(context.Background(), schemaRecord())
		_, _ = c.Apply(context.Background(), mapRecord())
	})
}
