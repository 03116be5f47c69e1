package connect

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCloneDoesNotShareHeaderAppends(t *testing.T) {
	orig := NewRecord("t", "k", "v")
	orig.Headers = make(Headers, 0, 8) // spare capacity: the dangerous case
	orig.Headers = orig.Headers.Add("a", nil, 1)
	c1, c2 := orig.Clone(), orig.Clone()
	c1.Headers = c1.Headers.Add("b", nil, 2)
	c2.Headers = c2.Headers.Add("c", nil, 3)
	if len(orig.Headers) != 1 || c1.Headers[1].Key != "b" || c2.Headers[1].Key != "c" {
		t.Fatalf("clones wrote into each other's headers: orig %v c1 %v c2 %v", orig.Headers, c1.Headers, c2.Headers)
	}
	c1.Topic = "x"
	if orig.Topic != "t" || orig.Partition != UnassignedPartition {
		t.Fatal("Clone shares the record")
	}
	s := orig.Headers.Set("a", nil, 9)
	r := orig.Headers.Remove("a")
	if orig.Headers[0].Value != 1 || s[0].Value != 9 || len(r) != 0 {
		t.Fatal("Set/Remove changed the original slice")
	}
}

func TestHeaders(t *testing.T) {
	var h Headers
	h = h.Add("x", nil, 1).Add("y", nil, 2).Add("x", nil, 3)
	if last, ok := h.Last("x"); !ok || last.Value != 3 {
		t.Fatalf("Last = %v", last)
	}
	if all := h.All("x"); len(all) != 2 || all[0].Value != 1 {
		t.Fatalf("All = %v", all)
	}
	if !h.Has("y") || h.Has("z") {
		t.Fatal("Has")
	}
	set := h.Set("x", StringSchema, "new")
	if len(set) != 2 || set[0].Key != "x" || set[0].Value != "new" || set[1].Key != "y" {
		t.Fatalf("Set replaces every x by one at the first position: %v", set)
	}
	if added := h.Set("z", nil, 1); added[len(added)-1].Key != "z" {
		t.Fatal("Set of a new key appends")
	}
	if rm := h.Remove("x", "y"); len(rm) != 0 {
		t.Fatalf("Remove: %v", rm)
	}
}

func TestCoordinates(t *testing.T) {
	r := NewRecord("t", nil, nil)
	if got := r.Coordinates(); got != `topic "t"` {
		t.Fatal(got)
	}
	r.SourcePartition, r.SourceOffset = map[string]any{"f": "x"}, map[string]any{"position": 3}
	if got := r.Coordinates(); !strings.Contains(got, "offset map[position:3]") {
		t.Fatal(got)
	}
	r.Origin = Origin{Topic: "in", Partition: 2, Offset: 7}
	if got := r.Coordinates(); got != `topic "in" partition 2 offset 7` {
		t.Fatal(got)
	}
	if (*Record)(nil).Coordinates() != "<nil record>" {
		t.Fatal("nil record")
	}
}

func TestSchemaFieldLookupNarrowAndWide(t *testing.T) {
	var fields []Field
	for i := 0; i < 20; i++ {
		fields = append(fields, F(fmt.Sprintf("f%d", i), Int32Schema))
	}
	wide := StructOf("w", false, fields...)
	narrow := StructOf("n", false, fields[:3]...)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ { // the lazy index is built under concurrency
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if f, ok := wide.Field(fmt.Sprintf("f%d", i)); !ok || f.Index != i {
					t.Errorf("wide field %d: %v %v", i, f, ok)
				}
			}
		}()
	}
	wg.Wait()
	if f, ok := narrow.Field("f2"); !ok || f.Index != 2 {
		t.Fatal("narrow lookup")
	}
	if _, ok := wide.Field("nope"); ok {
		t.Fatal("missing field found")
	}
	if _, ok := (*Schema)(nil).Field("x"); ok {
		t.Fatal("nil schema")
	}
	if wide.String() != "STRUCT(w)" || OptionalFloat64Schema.String() != "FLOAT64?" || (*Schema)(nil).String() != "<no schema>" {
		t.Fatal("String()")
	}
	c := wide.WithOptional(true)
	if !c.Optional || wide.Optional || len(c.Fields) != 20 {
		t.Fatal("WithOptional must copy")
	}
}

func TestTypesAndPrimitives(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Type
	}{{"int8", Int8}, {"FLOAT", Float32}, {"double", Float64}, {"float64", Float64}, {"STRUCT", StructType}, {" bytes ", Bytes}} {
		if got, ok := ParseType(tc.in); !ok || got != tc.want {
			t.Errorf("ParseType(%q) = %v %v", tc.in, got, ok)
		}
	}
	if _, ok := ParseType("decimal"); ok {
		t.Error("decimal is not a type")
	}
	if Float32.String() != "float" || Float64.String() != "double" || Float64.UpperName() != "FLOAT64" || Int8.UpperName() != "INT8" {
		t.Error("type names")
	}
	if PrimitiveSchema(String, true) != OptionalStringSchema || PrimitiveSchema(Array, false) != nil {
		t.Error("PrimitiveSchema")
	}
	if !DecimalSchema(2, false).IsLogical() || (&Schema{Type: Int64, Name: DebeziumMicroTimestamp}).IsLogical() {
		t.Error("IsLogical")
	}
}

func TestStruct(t *testing.T) {
	s := StructOf("r", false, F("id", Int32Schema), F("name", OptionalStringSchema), F("d", &Schema{Type: String, Default: "x"}))
	st := NewStruct(s).Put("id", int32(1))
	if st.Get("id") != int32(1) || st.Get("missing") != nil {
		t.Fatal("Get")
	}
	if _, ok := st.Lookup("name"); !ok {
		t.Fatal("Lookup of an unset field must say it exists")
	}
	if err := st.PutChecked("nope", 1); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Put of an unknown field must panic (a plugin bug)")
			}
		}()
		st.Put("nope", 1)
	}()
	c := st.Clone()
	c.Values[0] = int32(2)
	if st.Get("id") != int32(1) {
		t.Fatal("Clone shares values")
	}
	if err := st.Validate(); err != nil {
		t.Fatalf("optional and defaulted fields may be nil: %v", err)
	}
	if err := NewStruct(s).Validate(); err == nil || !strings.Contains(err.Error(), `"id"`) {
		t.Fatalf("Validate: %v", err)
	}
	if (*Struct)(nil).Clone() != nil || (*Struct)(nil).Get("x") != nil {
		t.Fatal("nil struct")
	}
}

func TestDecimal(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		scale   int32
	}{{"12.50", "12.50", 2}, {"-3", "-3", 0}, {"1e-3", "0.001", 3}, {"-0.05", "-0.05", 2}, {"1.5E2", "150", -1}} {
		d, err := ParseDecimal(tc.in)
		if err != nil || d.String() != tc.out || d.Scale != tc.scale {
			t.Errorf("ParseDecimal(%q) = %v (scale %d), %v; want %s scale %d", tc.in, d, d.Scale, err, tc.out, tc.scale)
		}
	}
	if _, err := ParseDecimal("1.2.3"); err == nil {
		t.Error("bad decimal accepted")
	}
	if (Decimal{}).String() != "0" || (Decimal{Unscaled: big.NewInt(4990), Scale: 2}).Float64() != 49.9 {
		t.Error("zero / Float64")
	}
}

func TestErrorsByBehaviour(t *testing.T) {
	base := errors.New("boom")
	if !IsRetriable(fmt.Errorf("wrapped: %w", Retriable(base))) || IsRetriable(base) || Retriable(nil) != nil {
		t.Fatal("Retriable")
	}
	if !IsPermanent(fmt.Errorf("w: %w", Permanent(base))) || IsPermanent(Retriable(base)) || Permanent(nil) != nil {
		t.Fatal("Permanent")
	}
	r := NewRecord("t", nil, nil)
	rerrs := RecordErrors{{Record: r, Err: Retriable(base)}, {Record: r, Err: base}}
	if !errors.Is(rerrs, base) || !IsRetriable(rerrs) || !strings.HasPrefix(rerrs.Error(), "2 records failed") {
		t.Fatalf("RecordErrors: %v", rerrs)
	}
	var ce ConfigErrors = ConfigErrors{{File: "b.properties", Key: "z", Reason: "r"}, {File: "a.properties", Key: "y", Reason: "r"}}
	ce.Sort()
	if ce[0].File != "a.properties" || len(AsConfigErrors(fmt.Errorf("x: %w", ce))) != 2 || len(AsConfigErrors(ce[0])) != 1 || AsConfigErrors(base) != nil {
		t.Fatal("ConfigErrors")
	}
}

func TestJSONValue(t *testing.T) {
	s := StructOf("r", false,
		F("amt", DecimalSchema(2, false)), F("d", DateSchema(false)), F("t", TimeSchema(false)),
		F("ts", TimestampSchema(false)), F("b", BytesSchema), F("f", Float32Schema), F("m", MapOf(Int32Schema, StringSchema, false)))
	v := NewStruct(s).Put("amt", Decimal{Unscaled: big.NewInt(4990), Scale: 2}).
		Put("d", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)).Put("t", time.UnixMilli(1500).UTC()).
		Put("ts", time.UnixMilli(1772366400123).UTC()).Put("b", []byte{1, 2}).Put("f", float32(0.1)).
		Put("m", []MapEntry{{Key: int32(1), Value: "one"}})
	got, err := JSONValue(s, v)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"amt": json.Number("49.90"), "d": json.Number("20513"), "t": json.Number("1500"),
		"ts": json.Number("1772366400123"), "b": "AQI=", "f": json.Number("0.1"), "m": []any{[]any{json.Number("1"), "one"}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
	sl, err := JSONValue(nil, map[string]any{"a": []string{"x"}, "n": uint16(3), "at": time.Unix(0, 0)})
	if err != nil || !reflect.DeepEqual(sl, map[string]any{"a": []any{"x"}, "n": json.Number("3"), "at": "1970-01-01T00:00:00Z"}) {
		t.Fatalf("schemaless: %#v %v", sl, err)
	}
	if _, err := JSONValue(nil, map[string]any{"bad": struct{}{}}); err == nil || !strings.Contains(err.Error(), `"bad"`) {
		t.Fatalf("unsupported type: %v", err)
	}
	if _, err := JSONValue(nil, []any{1.0, nanValue()}); err == nil || !strings.Contains(err.Error(), "[1]") {
		t.Fatalf("NaN: %v", err)
	}
}

func nanValue() float64 { var z float64; return z / z }

func TestDecimalStringWithHugeScales(t *testing.T) {
	for _, tc := range []struct{ in, want string }{{"1e999999999", "1E+999999999"}, {"-2e-999999999", "-2E-999999999"}, {"1e-5", "0.00001"}} {
		if _, err := ParseDecimal("1e9999999999"); err == nil {
			t.Fatal("an exponent beyond int32 must be an error")
		}
		d, err := ParseDecimal(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if got := d.String(); got != tc.want || time.Since(start) > time.Second {
			t.Errorf("%s → %s (%v), want %s", tc.in, got, time.Since(start), tc.want)
		}
	}
}
