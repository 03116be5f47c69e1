package converters

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

func compact(t testing.TB, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("compact: %v", err)
	}
	return b.String()
}

func TestJSONMatchesDebeziumReferenceByteForByte(t *testing.T) {
	want, err := os.ReadFile("testdata/debezium-insert.json")
	if err != nil {
		t.Fatal(err)
	}
	c := NewJSONConverter(DefaultJSONOptions())
	key, value := changeEvent(referencePayload)
	got, err := c.FromConnect("shop.public.outbox", nil, envelopeSchema, value)
	if err != nil {
		t.Fatal(err)
	}
	if w := compact(t, string(want)); string(got) != w {
		t.Fatalf("value differs from the reference\n got: %s\nwant: %s", got, w)
	}
	// the second call comes from the schema cache and must be identical
	again, _ := c.FromConnect("shop.public.outbox", nil, envelopeSchema, value)
	if !bytes.Equal(again, got) {
		t.Fatal("cached schema JSON differs")
	}
	gotKey, err := c.FromConnect("shop.public.outbox", nil, outboxKey, key)
	if err != nil {
		t.Fatal(err)
	}
	wantKey := `{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"name":"io.debezium.data.Uuid","version":1,"field":"id"}],"optional":false,"name":"shop.public.outbox.Key"},"payload":{"id":"5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43"}}`
	if string(gotKey) != wantKey {
		t.Fatalf("key\n got: %s\nwant: %s", gotKey, wantKey)
	}
}

func TestJSONKafkaReferenceEnvelope(t *testing.T) {
	s := connect.StructOf("x.Y", false,
		connect.F("id", connect.Int32Schema),
		connect.F("amt", connect.DecimalSchema(2, true)))
	v := connect.NewStruct(s).Put("id", int32(1)).Put("amt", connect.Decimal{Unscaled: big.NewInt(300), Scale: 2})
	got, err := NewJSONConverter(DefaultJSONOptions()).FromConnect("t", nil, s, v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"amt"}],"optional":false,"name":"x.Y"},"payload":{"id":1,"amt":"ASw="}}`
	if string(got) != want {
		t.Fatalf("\n got: %s\nwant: %s", got, want)
	}
	rs, rv, err := NewJSONConverter(DefaultJSONOptions()).ToConnect("t", nil, got)
	if err != nil {
		t.Fatal(err)
	}
	st := rv.(*connect.Struct)
	if rs.Name != "x.Y" || st.Get("id") != int32(1) || st.Get("amt").(connect.Decimal).String() != "3.00" {
		t.Fatalf("read back %v %#v", rs, st.Values)
	}
}

func TestJSONSchemaKeyOrderAndComplexTypes(t *testing.T) {
	s := &connect.Schema{Type: connect.Map, Key: connect.Int32Schema, Value: connect.ArrayOf(connect.OptionalFloat32Schema, false),
		Optional: true, Name: "m", Version: 3, Doc: "a \"doc\"", Parameters: connect.Params{{Key: "b", Value: "1"}, {Key: "a", Value: "2"}},
		Default: []connect.MapEntry{{Key: int32(1), Value: []any{float32(1.5)}}}}
	b, err := NewJSONConverter(DefaultJSONOptions()).FromConnect("t", nil, s, []connect.MapEntry{{Key: int32(7), Value: []any{nil, float32(2)}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schema":{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"array","items":{"type":"float","optional":true},"optional":false},"optional":true,"name":"m","version":3,"doc":"a \"doc\"","parameters":{"b":"1","a":"2"},"default":[[1,[1.5]]]},"payload":[[7,[null,2.0]]]}`
	if string(b) != want {
		t.Fatalf("\n got: %s\nwant: %s", b, want)
	}
	rs, rv, err := NewJSONConverter(DefaultJSONOptions()).ToConnect("t", nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if rs.Doc != `a "doc"` || rs.Version != 3 || rs.Parameters[0].Key != "b" || !reflect.DeepEqual(rv, []connect.MapEntry{{Key: int32(7), Value: []any{nil, float32(2)}}}) {
		t.Fatalf("read back %+v %#v", rs, rv)
	}
}

func TestJSONJavaNumberText(t *testing.T) {
	cases := []struct {
		f    float64
		bits int
		want string
	}{
		{1, 64, "1.0"}, {0, 64, "0.0"}, {math.Copysign(0, -1), 64, "-0.0"}, {49.9, 64, "49.9"},
		{1e7, 64, "1.0E7"}, {9999999, 64, "9999999.0"}, {0.001, 64, "0.001"}, {0.0001, 64, "1.0E-4"},
		{1.5e-10, 64, "1.5E-10"}, {123456789.125, 64, "1.23456789125E8"}, {-2.5, 64, "-2.5"},
		{float64(float32(0.1)), 32, "0.1"}, {1e20, 32, "1.0E20"}, {math.MaxFloat64, 64, "1.7976931348623157E308"},
		{100, 64, "100.0"}, {0.5, 64, "0.5"}, {12345.678, 64, "12345.678"},
	}
	for _, c := range cases {
		if got := string(appendJavaDouble(nil, c.f, c.bits)); got != c.want {
			t.Errorf("%v (%d bits) = %s, want %s", c.f, c.bits, got, c.want)
		}
	}
	decs := []struct {
		unscaled int64
		scale    int32
		want     string
	}{{4990, 2, "49.90"}, {1, 3, "0.001"}, {1, 7, "1E-7"}, {123, -2, "1.23E+4"}, {-5, 1, "-0.5"}, {0, 0, "0"}, {1, -3, "1E+3"}, {12, 8, "1.2E-7"}}
	for _, d := range decs {
		if got := javaBigDecimalString(big.NewInt(d.unscaled), d.scale); got != d.want {
			t.Errorf("BigDecimal(%d, %d) = %s, want %s", d.unscaled, d.scale, got, d.want)
		}
	}
}

func TestTwosComplementIsJavaToByteArray(t *testing.T) {
	cases := map[int64][]byte{0: {0}, 1: {1}, -1: {0xff}, 127: {0x7f}, 128: {0, 0x80}, -128: {0x80}, -129: {0xff, 0x7f},
		255: {0, 0xff}, 256: {1, 0}, -256: {0xff, 0}, 4990: {0x13, 0x7e}, -32768: {0x80, 0}, -32769: {0xff, 0x7f, 0xff}}
	for n, want := range cases {
		got := twosComplement(big.NewInt(n))
		if !bytes.Equal(got, want) {
			t.Errorf("%d → %x, want %x", n, got, want)
		}
		if back := fromTwosComplement(got); back.Int64() != n {
			t.Errorf("%x → %d, want %d", got, back, n)
		}
	}
}

func TestJSONDecimalNumericAndReplaceNull(t *testing.T) {
	opt := DefaultJSONOptions()
	opt.DecimalNumeric = true
	s := connect.StructOf("r", false,
		connect.F("amt", connect.DecimalSchema(2, false)),
		connect.F("state", &connect.Schema{Type: connect.String, Optional: true, Default: "new"}))
	v := connect.NewStruct(s).Put("amt", connect.Decimal{Unscaled: big.NewInt(4990), Scale: 2})
	c := NewJSONConverter(opt)
	b, err := c.FromConnect("t", nil, s, v)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(b), `"payload":{"amt":49.90,"state":"new"}}`) {
		t.Fatalf("got %s", b)
	}
	opt.ReplaceNullWithDefault = false
	b, _ = NewJSONConverter(opt).FromConnect("t", nil, s, v)
	if !strings.HasSuffix(string(b), `"payload":{"amt":49.90,"state":null}}`) {
		t.Fatalf("replace.null.with.default=false: %s", b)
	}
	_, rv, err := NewJSONConverter(opt).ToConnect("t", nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if st := rv.(*connect.Struct); st.Get("state") != nil || st.Get("amt").(connect.Decimal).String() != "49.90" {
		t.Fatalf("read %#v", st.Values)
	}
	_, rv, _ = c.ToConnect("t", nil, b) // replace.null.with.default=true reads the default
	if rv.(*connect.Struct).Get("state") != "new" {
		t.Fatalf("default not applied on read: %#v", rv)
	}
}

func TestJSONNullsAndRequiredFields(t *testing.T) {
	c := NewJSONConverter(DefaultJSONOptions())
	if b, err := c.FromConnect("t", nil, nil, nil); b != nil || err != nil {
		t.Fatalf("tombstone = %q, %v", b, err)
	}
	if b, _ := c.FromConnect("t", nil, connect.OptionalStringSchema, nil); string(b) != `{"schema":{"type":"string","optional":true},"payload":null}` {
		t.Fatalf("null with schema = %s", b)
	}
	s := connect.StructOf("r", false, connect.F("id", connect.Int32Schema))
	_, err := c.FromConnect("t", nil, s, connect.NewStruct(s))
	var de *DataError
	if !errors.As(err, &de) || strings.Join(de.Path, ".") != "id" || !strings.Contains(err.Error(), "required") {
		t.Fatalf("missing required field: %v", err)
	}
	_, err = c.FromConnect("t", nil, s, connect.NewStruct(s).Put("id", "x"))
	if err == nil || !strings.Contains(err.Error(), "at id") {
		t.Fatalf("wrong type: %v", err)
	}
	if s, v, err := c.ToConnect("t", nil, nil); s != nil || v != nil || err != nil {
		t.Fatal("nil bytes must read as null")
	}
}

func TestJSONMissingEnvelopeNamesTheKey(t *testing.T) {
	for _, isKey := range []bool{false, true} {
		opt := DefaultJSONOptions()
		opt.IsKey = isKey
		c := NewJSONConverter(opt)
		for _, in := range []string{`{"a":1}`, `[1]`, `{"schema":null,"payload":1,"x":2}`, `{"schema":null}`, `5`} {
			_, _, err := c.ToConnect("t", nil, []byte(in))
			if !errors.Is(err, ErrMissingEnvelope) {
				t.Fatalf("%s: err = %v", in, err)
			}
			want := "value.converter.schemas.enable=false"
			if isKey {
				want = "key.converter.schemas.enable=false"
			}
			if !strings.Contains(err.Error(), `JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.`) ||
				!strings.Contains(err.Error(), want) {
				t.Fatalf("message: %v", err)
			}
		}
	}
}

func TestJSONSchemalessBothWays(t *testing.T) {
	opt := DefaultJSONOptions()
	opt.SchemasEnable = false
	c := NewJSONConverter(opt)
	v := map[string]any{"b": []any{int64(1), 2.5, "x", nil, true}, "a": map[string]any{"z": int64(-3)}, "big": 1e300}
	b, err := c.FromConnect("t", nil, nil, v)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"a":{"z":-3},"b":[1,2.5,"x",null,true],"big":1.0E300}` {
		t.Fatalf("got %s", b)
	}
	_, back, err := c.ToConnect("t", nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, v) {
		t.Fatalf("round trip: %#v", back)
	}
	_, n, _ := c.ToConnect("t", nil, []byte(`[1.0, 12345678901234567890, 3]`))
	if !reflect.DeepEqual(n, []any{1.0, 12345678901234567890.0, int64(3)}) {
		t.Fatalf("numbers: %#v", n)
	}
	// schemas.enable=true with a null schema reads schemaless too
	_, n, err = NewJSONConverter(DefaultJSONOptions()).ToConnect("t", nil, []byte(`{"schema":null,"payload":{"a":[1]}}`))
	if err != nil || !reflect.DeepEqual(n, map[string]any{"a": []any{int64(1)}}) {
		t.Fatalf("null schema: %#v %v", n, err)
	}
}

func TestJSONStringEscapes(t *testing.T) {
	got := string(appendJSONString(nil, "a\"b\\c\n\t\x01\u00e9\u2028/<>\xff"))
	want := `"a\"b\\c\n\t\u0001é` + "\u2028" + `/<>` + "\uFFFD" + `"`
	if got != want {
		t.Fatalf("got %s want %s", got, want)
	}
	v, err := parseJSON([]byte(`"\u00e9\ud83d\ude00\/\b\f"`))
	if err != nil || v != "é😀/\b\f" {
		t.Fatalf("parse escapes: %q %v", v, err)
	}
}

func TestJSONLogicalTimes(t *testing.T) {
	s := connect.StructOf("t", false,
		connect.F("d", connect.DateSchema(false)),
		connect.F("tm", connect.TimeSchema(false)),
		connect.F("ts", connect.TimestampSchema(false)))
	ts := time.Date(2026, 3, 1, 12, 0, 0, 123e6, time.UTC)
	v := connect.NewStruct(s).Put("d", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)).
		Put("tm", time.UnixMilli(43200123).UTC()).Put("ts", ts)
	c := NewJSONConverter(DefaultJSONOptions())
	b, err := c.FromConnect("t", nil, s, v)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(b), `"payload":{"d":20513,"tm":43200123,"ts":1772366400123}}`) {
		t.Fatalf("got %s", b)
	}
	_, back, err := c.ToConnect("t", nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.(*connect.Struct).Values, v.Values) {
		t.Fatalf("read back %#v", back.(*connect.Struct).Values)
	}
}

func TestJSONReadErrorsNamePath(t *testing.T) {
	c := NewJSONConverter(DefaultJSONOptions())
	in := `{"schema":{"type":"struct","fields":[{"type":"int8","optional":false,"field":"n"}],"optional":false},"payload":{"n":300}}`
	_, _, err := c.ToConnect("t", nil, []byte(in))
	if err == nil || !strings.Contains(err.Error(), "at n") || !strings.Contains(err.Error(), "INT8") {
		t.Fatalf("err = %v", err)
	}
	_, _, err = c.ToConnect("t", nil, []byte(`{"schema":{"type":"strin"},"payload":1}`))
	if err == nil || !strings.Contains(err.Error(), "Unknown schema type: strin") {
		t.Fatalf("err = %v", err)
	}
	_, _, err = c.ToConnect("t", nil, []byte(`{"schema":null,"payload":[1,}`))
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("syntax error = %v", err)
	}
}

func TestJSONRoundTripsTheChangeEvent(t *testing.T) {
	c := NewJSONConverter(DefaultJSONOptions())
	_, value := changeEvent(payload600())
	b, err := c.FromConnect("t", nil, envelopeSchema, value)
	if err != nil {
		t.Fatal(err)
	}
	s, v, err := c.ToConnect("t", nil, b)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := c.FromConnect("t", nil, s, v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Fatalf("not stable:\n%s\n%s", b, b2)
	}
	if v.(*connect.Struct).Get("source").(*connect.Struct).Get("snapshot") != "false" {
		t.Fatal("snapshot default not read back")
	}
}

func TestJSONConfigFromRegistry(t *testing.T) {
	r := connect.NewRegistry()
	Register(r)
	p, err := r.Lookup(connect.KindConverter, "org.apache.kafka.connect.json.JsonConverter")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := p.Config.Parse(map[string]string{"schemas.enable": "false", "decimal.format": "numeric"})
	if err != nil {
		t.Fatal(err)
	}
	conv, err := p.NewConverter(cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := conv.FromConnect("t", nil, connect.DecimalSchema(1, false), connect.Decimal{Unscaled: big.NewInt(15), Scale: 1})
	if string(b) != "1.5" {
		t.Fatalf("got %s", b)
	}
	if _, err := p.Config.Parse(map[string]string{"decimal.format": "HEX", "schemas.enabled": "true"}); len(connect.AsConfigErrors(err)) != 2 {
		t.Fatalf("want two config errors, got %v", err)
	}
	for _, name := range []string{"Json", "JsonConverter", "org.apache.kafka.connect.storage.StringConverter", "ByteArray",
		"io.debezium.converters.BinaryDataConverter", "io.debezium.converters.ByteBufferConverter"} {
		if _, err := r.Lookup(connect.KindConverter, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := r.Lookup(connect.KindHeaderConverter, "org.apache.kafka.connect.storage.SimpleHeaderConverter"); err != nil {
		t.Error(err)
	}
}

// slowJSONString is the byte-at-a-time reference for appendJSONString.
func slowJSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20:
			b.WriteString(`\u00` + string(hexDigits[r>>4]) + string(hexDigits[r&0xF]))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestAppendJSONStringMatchesSlowPath(t *testing.T) {
	alphabet := []string{"a", "b", "\"", "\\", "\n", "\x00", "\x1f", " ", "~", "\x7f", "é", "\xff", "\xe2\x82", "€", "0123456789"}
	seed := uint64(1)
	for n := 0; n < 5000; n++ {
		var b strings.Builder
		seed = seed*6364136223846793005 + 1442695040888963407
		l := int(seed>>58) + 1
		for k := 0; k < l; k++ {
			seed = seed*6364136223846793005 + 1442695040888963407
			b.WriteString(alphabet[(seed>>33)%uint64(len(alphabet))])
		}
		s := b.String()
		if got, want := string(appendJSONString(nil, s)), slowJSONString(s); got != want {
			t.Fatalf("%q: got %s want %s", s, got, want)
		}
	}
}

func TestBenchmarkEventSizes(t *testing.T) {
	opt := DefaultJSONOptions()
	opt.SchemasEnable = false
	c := NewJSONConverter(opt)
	_, v := changeEvent(referencePayload)
	b, _ := c.FromConnect("t", nil, envelopeSchema, v)
	b2, _ := c.FromConnect("t", nil, nil, schemalessEvent(referencePayload))
	if len(b) < 550 || len(b) > 700 || len(b2) < 550 || len(b2) > 700 {
		t.Fatalf("the benchmark event's payload should be about 600 bytes: %d / %d", len(b), len(b2))
	}
	t.Logf("payload %d bytes (struct), %d bytes (schemaless)", len(b), len(b2))
}

func TestSchemalessMapKeysAreSorted(t *testing.T) {
	opt := DefaultJSONOptions()
	opt.SchemasEnable = false
	c := NewJSONConverter(opt)
	seed := uint64(7)
	for round := 0; round < 200; round++ {
		m := map[string]any{}
		n := round%40 + 1 // small (packed sort) and large (SortFunc) maps
		for i := 0; i < n; i++ {
			seed = seed*6364136223846793005 + 1442695040888963407
			k := []string{"aggregatetype", "aggregateid", "aggregate", "ts", "ts\x00", "ts_ms", "a", "", "zz", "aggregat"}[seed>>60%10]
			m[k+strings.Repeat("x", int(seed>>56%3))] = int64(i)
		}
		b, err := c.FromConnect("t", nil, nil, m)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.Token() // {
		var keys []string
		for dec.More() {
			k, _ := dec.Token()
			keys = append(keys, k.(string))
			var v any
			dec.Decode(&v)
		}
		if !sort.StringsAreSorted(keys) || len(keys) != len(m) {
			t.Fatalf("keys not sorted: %q", keys)
		}
	}
}

func TestJSONBytesWithSchema(t *testing.T) {
	s := connect.StructOf("r", false, connect.F("b", connect.BytesSchema), connect.F("e", connect.BytesSchema))
	c := NewJSONConverter(DefaultJSONOptions())
	b, err := c.FromConnect("t", nil, s, connect.NewStruct(s).Put("b", []byte{1, 2, 3}).Put("e", []byte{}))
	if err != nil || !strings.HasSuffix(string(b), `"payload":{"b":"AQID","e":""}}`) {
		t.Fatalf("got %s, %v", b, err)
	}
}

func TestDecimalBase64MatchesToByteArray(t *testing.T) {
	for _, n := range []int64{0, 1, -1, 127, 128, -128, -129, 255, 256, 4990, -32768, -32769, 1 << 40, -(1 << 40), math.MaxInt64, math.MinInt64} {
		x := big.NewInt(n)
		want := `"` + base64.StdEncoding.EncodeToString(twosComplement(x)) + `"`
		if got := string(appendDecimalBase64(nil, x)); got != want {
			t.Errorf("%d: %s want %s", n, got, want)
		}
	}
	huge, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
	if got := string(appendDecimalBase64(nil, huge)); got != `"`+base64.StdEncoding.EncodeToString(twosComplement(huge))+`"` {
		t.Error("big decimal")
	}
}

func TestSchemalessShapesUnderConcurrency(t *testing.T) {
	opt := DefaultJSONOptions()
	opt.SchemasEnable = false
	c := NewJSONConverter(opt)
	// same size, different keys: the shape cache must never mix them up
	shapes := []map[string]any{{"a": int64(1), "b": int64(2)}, {"a": int64(1), "c": int64(3)}, {"b": int64(2), "c": int64(3)}}
	want := []string{`{"a":1,"b":2}`, `{"a":1,"c":3}`, `{"b":2,"c":3}`}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				k := (i + g) % len(shapes)
				b, err := c.FromConnect("t", nil, nil, shapes[k])
				if err != nil || string(b) != want[k] {
					t.Errorf("got %s, %v; want %s", b, err, want[k])
					return
				}
			}
		}(g)
	}
	wg.Wait()
}
