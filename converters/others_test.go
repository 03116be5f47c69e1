package converters

import (
	"bytes"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

func TestStringConverterJavaForms(t *testing.T) {
	c, err := NewStringConverter("")
	if err != nil {
		t.Fatal(err)
	}
	s := connect.StructOf("r", false, connect.F("id", connect.Int32Schema), connect.F("n", connect.OptionalStringSchema), connect.F("f", connect.Float64Schema))
	cases := []struct {
		v    any
		want string
	}{
		{"héllo", "héllo"}, {int64(-5), "-5"}, {1.0, "1.0"}, {float32(0.1), "0.1"}, {true, "true"},
		{connect.NewStruct(s).Put("id", int32(1)).Put("f", 2.5), "Struct{id=1,f=2.5}"},
		{map[string]any{"b": int64(2), "a": "x"}, "{a=x, b=2}"}, {[]any{int64(1), "y"}, "[1, y]"},
		{connect.Decimal{Unscaled: big.NewInt(4990), Scale: 2}, "49.90"}, {[]byte("raw"), "raw"},
	}
	for _, tc := range cases {
		b, err := c.FromConnect("t", nil, nil, tc.v)
		if err != nil || string(b) != tc.want {
			t.Errorf("%#v → %q, %v; want %q", tc.v, b, err, tc.want)
		}
	}
	if b, _ := c.FromConnect("t", nil, nil, nil); b != nil {
		t.Error("nil must stay nil")
	}
	sch, v, _ := c.ToConnect("t", nil, []byte("abc"))
	if sch != connect.OptionalStringSchema || v != "abc" {
		t.Errorf("read %v %v", sch, v)
	}
}

func TestStringConverterEncodings(t *testing.T) {
	for enc, want := range map[string][]byte{
		"UTF-16BE": {0, 'h', 0, 0xe9}, "UTF-16LE": {'h', 0, 0xe9, 0}, "UTF-16": {0xfe, 0xff, 0, 'h', 0, 0xe9},
		"ISO-8859-1": {'h', 0xe9}, "us-ascii": {'h', '?'}, "UTF-8": []byte("hé"),
	} {
		c, err := NewStringConverter(enc)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := c.FromConnect("t", nil, nil, "hé")
		if !bytes.Equal(b, want) {
			t.Errorf("%s: %x want %x", enc, b, want)
		}
		_, v, _ := c.ToConnect("t", nil, b)
		if enc != "us-ascii" && v != "hé" {
			t.Errorf("%s: read back %q", enc, v)
		}
	}
	if _, err := NewStringConverter("EBCDIC"); err == nil || !strings.Contains(err.Error(), "converter.encoding") {
		t.Errorf("unknown encoding: %v", err)
	}
	r := connect.NewRegistry()
	Register(r)
	p, _ := r.Lookup(connect.KindConverter, "StringConverter")
	if _, err := p.Config.Parse(map[string]string{"converter.encoding": "KOI8-R"}); err == nil {
		t.Error("config accepted an unsupported encoding")
	}
}

func TestByteArrayConverter(t *testing.T) {
	var c ByteArrayConverter
	if b, err := c.FromConnect("t", nil, connect.OptionalBytesSchema, []byte{1, 2}); err != nil || !bytes.Equal(b, []byte{1, 2}) {
		t.Fatal(b, err)
	}
	if _, err := c.FromConnect("t", nil, connect.StringSchema, "x"); err == nil || !strings.Contains(err.Error(), "Invalid schema type for ByteArrayConverter: STRING") {
		t.Fatal(err)
	}
	if _, err := c.FromConnect("t", nil, nil, "x"); err == nil || !strings.Contains(err.Error(), "not compatible with objects of type string") {
		t.Fatal(err)
	}
	s, v, _ := c.ToConnect("t", nil, []byte{9})
	if s != connect.OptionalBytesSchema || !bytes.Equal(v.([]byte), []byte{9}) {
		t.Fatal(s, v)
	}
}

func TestByteBufferConverterDelegates(t *testing.T) {
	r := connect.NewRegistry()
	Register(r)
	p, err := r.Lookup(connect.KindConverter, "io.debezium.converters.BinaryDataConverter")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := p.Config.Parse(map[string]string{
		"delegate.converter.type":                "org.apache.kafka.connect.json.JsonConverter",
		"delegate.converter.type.schemas.enable": "false",
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.NewConverter(cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := c.FromConnect("t", nil, connect.OptionalBytesSchema, []byte("avro")); string(b) != "avro" {
		t.Fatalf("bytes: %q", b)
	}
	s := connect.StructOf("r", false, connect.F("id", connect.Int32Schema))
	b, err := c.FromConnect("t", nil, s, connect.NewStruct(s).Put("id", int32(4)))
	if err != nil || string(b) != `{"id":4}` {
		t.Fatalf("delegate: %q %v", b, err)
	}
	plain := &ByteBufferConverter{}
	_, err = plain.FromConnect("t", nil, s, connect.NewStruct(s))
	var de *DataError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "A schema of type 'STRUCT' requires a delegate.converter.type to be configured") {
		t.Fatalf("no delegate: %v", err)
	}
	bad, _ := p.Config.Parse(map[string]string{"delegate.converter.type": "io.confluent.connect.avro.AvroConverter"})
	if _, err := p.NewConverter(bad, false); err == nil || !strings.Contains(err.Error(), "delegate.converter.type") {
		t.Fatalf("unknown delegate: %v", err)
	}
}

func TestSimpleHeaderConverterGuessesTypes(t *testing.T) {
	var c SimpleHeaderConverter
	ts := time.Date(2026, 3, 1, 12, 0, 0, 123e6, time.UTC)
	cases := []struct {
		in       string
		wantType connect.Type
		wantName string
		want     any
	}{
		{"true", connect.Boolean, "", true}, {"FALSE", connect.Boolean, "", false},
		{"42", connect.Int8, "", int8(42)}, {"300", connect.Int16, "", int16(300)}, {"70000", connect.Int32, "", int32(70000)},
		{"5000000000", connect.Int64, "", int64(5000000000)}, {"1.0", connect.Int8, "", int8(1)},
		{"1.5", connect.Float32, "", float32(1.5)}, {"-2", connect.Int8, "", int8(-2)},
		{"hello world", connect.String, "", "hello world"}, {"12abc", connect.String, "", "12abc"},
		{"2026-03-01", connect.Int32, connect.DateName, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-03-01T12:00:00.123Z", connect.Int64, connect.TimestampName, ts},
		{"12:00:00.123Z", connect.Int32, connect.TimeName, time.UnixMilli(43200123).UTC()},
		{"[1,2,300]", connect.Array, "", []any{int16(1), int16(2), int16(300)}},
		{`{"a":1,"b":2}`, connect.Map, "", map[string]any{"a": int8(1), "b": int8(2)}},
		{"123456789012345678901234567890", connect.Bytes, connect.DecimalName, nil},
		{"[1,", connect.String, "", "[1,"},
	}
	for _, tc := range cases {
		s, v, err := c.ToHeader("t", "h", []byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if s == nil || s.Type != tc.wantType || s.Name != tc.wantName {
			t.Errorf("%s: schema %v, want %v %s", tc.in, s, tc.wantType, tc.wantName)
			continue
		}
		if tc.want != nil && !reflect.DeepEqual(v, tc.want) {
			t.Errorf("%s: value %#v, want %#v", tc.in, v, tc.want)
		}
	}
	if s, v, _ := c.ToHeader("t", "h", []byte{0xff, 0xfe}); s.Type != connect.Bytes || !bytes.Equal(v.([]byte), []byte{0xff, 0xfe}) {
		t.Errorf("invalid UTF-8 should come back as BYTES: %v %v", s, v)
	}
}

func TestSimpleHeaderConverterRoundTrips(t *testing.T) {
	var c SimpleHeaderConverter
	s := connect.StructOf("r", false, connect.F("id", connect.Int32Schema), connect.F("name", connect.StringSchema))
	cases := []struct {
		schema *connect.Schema
		v      any
		text   string
	}{
		{connect.StringSchema, `a "q"`, `a "q"`},
		{connect.Int64Schema, int64(7), "7"},
		{connect.Float64Schema, 2.5, "2.5"},
		{connect.BytesSchema, []byte{1, 2}, "AQI="},
		{connect.ArrayOf(connect.StringSchema, false), []any{"a", `b"`}, `["a","b\""]`},
		{nil, map[string]any{"k": int64(1)}, `{"k":1}`},
		{s, connect.NewStruct(s).Put("id", int32(1)).Put("name", "x"), `{"id":1,"name":"x"}`},
		{connect.TimestampSchema(false), time.UnixMilli(1772366400123).UTC(), "2026-03-01T12:00:00.123Z"},
		{connect.DateSchema(false), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "2026-03-01"},
	}
	for _, tc := range cases {
		b, err := c.FromHeader("t", "h", tc.schema, tc.v)
		if err != nil || string(b) != tc.text {
			t.Errorf("%#v → %q, %v; want %q", tc.v, b, err, tc.text)
		}
	}
	// text written by FromHeader reads back to an equal value where the
	// guessed type is the written one
	_, v, _ := c.ToHeader("t", "h", []byte(`["a","b\""]`))
	if !reflect.DeepEqual(v, []any{"a", `b"`}) {
		t.Errorf("array read back %#v", v)
	}
	if b, _ := c.FromHeader("t", "h", nil, nil); b != nil {
		t.Error("nil must stay nil")
	}
}
