package converters

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzJSONConverter feeds arbitrary bytes to ToConnect with and without
// schemas: it must never panic, and whatever it accepts must serialize and
// read back to the same bytes (write(read(x)) is a fixed point).
func FuzzJSONConverter(f *testing.F) {
	for _, s := range []string{
		`{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"amt"}],"optional":false,"name":"x.Y"},"payload":{"id":1,"amt":"ASw="}}`,
		`{"schema":{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"array","items":{"type":"float","optional":true},"optional":false},"optional":true},"payload":[[7,[null,2.0]]]}`,
		`{"schema":{"type":"string","optional":true,"default":"x"},"payload":null}`,
		`{"schema":{"type":"int64","name":"org.apache.kafka.connect.data.Timestamp","optional":false},"payload":1772366400123}`,
		`{"schema":null,"payload":{"a":[1,2.5,"x",null,true,{"b":{}}]}}`,
		`{"a":"\u00e9\ud83d\ude00","n":-0.0,"e":1E+300,"big":123456789012345678901234567890}`,
		`[1,"NaN",{"":null}]`, `"x"`, `null`, ``, `{`,
	} {
		f.Add([]byte(s))
	}
	schemaOpt := DefaultJSONOptions()
	plainOpt := DefaultJSONOptions()
	plainOpt.SchemasEnable = false
	numeric := DefaultJSONOptions()
	numeric.DecimalNumeric = true
	numeric.ReplaceNullWithDefault = false
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opt := range []JSONOptions{schemaOpt, plainOpt, numeric} {
			c := NewJSONConverter(opt)
			s, v, err := c.ToConnect("t", nil, data)
			if err != nil {
				continue
			}
			b1, err := c.FromConnect("t", nil, s, v)
			if err != nil {
				t.Fatalf("read %q but cannot write it back: %v", data, err)
			}
			s2, v2, err := c.ToConnect("t", nil, b1)
			if err != nil {
				t.Fatalf("cannot read our own output %q (from %q): %v", b1, data, err)
			}
			b2, err := c.FromConnect("t", nil, s2, v2)
			if err != nil {
				t.Fatalf("second write of %q: %v", b1, err)
			}
			if !bytes.Equal(b1, b2) {
				t.Fatalf("not a fixed point:\n in: %q\n b1: %s\n b2: %s", data, b1, b2)
			}
		}
	})
}

// FuzzJSONDirectRead checks that reading a payload straight into Connect
// data (the fast path) accepts exactly what the JSON-tree path accepts and
// gives the same data.
func FuzzJSONDirectRead(f *testing.F) {
	for _, s := range []string{
		`{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"amt"}],"optional":false,"name":"x.Y"},"payload":{"id":1,"amt":"ASw="}}`,
		`{"schema":{"type":"struct","fields":[{"type":"int8","optional":true,"field":"a"},{"type":"string","optional":true,"default":"d","field":"s"},{"type":"array","items":{"type":"int64","optional":false},"optional":true,"field":"l"},{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"double","optional":true},"optional":true,"field":"m"}],"optional":false},"payload":{"a":-5,"x":{"y":[1]},"l":[1,2,3],"m":{"k":1.5,"n":null},"a":7}}`,
		`{"schema":{"type":"array","items":{"type":"struct","fields":[{"type":"int16","optional":false,"field":"n"}],"optional":true},"optional":false},"payload":[{"n":300},null,{"n":1.0}]}`,
		`{"schema":{"type":"int32","optional":false},"payload":2147483648}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewJSONConverter(DefaultJSONOptions())
		s1, v1, err1 := c.ToConnect("t", nil, data)
		// the JSON-tree path, by hand
		tree, perr := parseJSON(data)
		o, ok := tree.(*jobj)
		if perr != nil || !ok || len(o.keys) != 2 {
			return // not an envelope: the direct path is never taken
		}
		sv, hasSchema := o.get("schema")
		pv, hasPayload := o.get("payload")
		if !hasSchema || !hasPayload {
			return
		}
		s2, err := c.asConnectSchema(sv)
		var v2 any
		if err == nil {
			v2, err = c.toConnect(s2, pv)
		}
		if (err1 == nil) != (err == nil) {
			t.Fatalf("direct read error %v, tree path error %v, for %q", err1, err, data)
		}
		if err1 != nil {
			return
		}
		b1, e1 := c.FromConnect("t", nil, s1, v1)
		b2, e2 := c.FromConnect("t", nil, s2, v2)
		if (e1 == nil) != (e2 == nil) || !bytes.Equal(b1, b2) {
			t.Fatalf("paths differ for %q:\n%s\n%s", data, b1, b2)
		}
	})
}

// FuzzParseValue: Values.parseString's port never panics, and whatever it
// returns can be written back as header text.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"true", "42", "-1.5", "1e10", "2026-03-01", "12:00:00.123Z", "2026-03-01T12:00:00.123Z",
		`[1,2,"x"]`, `{"a":[1,{"b":null}]}`, `{1:2}`, "[", "12345678901234567890123", "\"q\"", "+.5E-3", ""} {
		f.Add(s)
	}
	var c SimpleHeaderConverter
	f.Fuzz(func(t *testing.T, text string) {
		s, v := ParseValue(text)
		if _, ok := ValueString(s, v); !ok && v != nil {
			t.Fatalf("ParseValue(%q) = %v %#v, which ValueString cannot write", text, s, v)
		}
		if _, _, err := c.ToHeader("t", "h", []byte(text)); err != nil {
			t.Fatalf("ToHeader(%q): %v", text, err)
		}
	})
}

// FuzzJSONSchemalessRead checks that the schemaless read (schemas.enable=
// false, straight from the bytes) gives exactly what converting the JSON
// tree gives, and the same errors.
func FuzzJSONSchemalessRead(f *testing.F) {
	for _, s := range []string{
		`{"op":"c","after":{"id":"1","n":-12,"f":2.5e3,"big":123456789012345678901234,"ok":true,"none":null,"l":[1,"a",[],{}],"k":"x\"\u00e9\ud83d\ude00"},"op":"u"}`,
		`[1,2,3]`, `"s"`, ` 1 `, `{"a":1,}`, `[1 2]`, `{"a" 1}`, `tru`, `"\x"`, `{"a":[{"b":[{"c":{}}]}]} x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err1 := readSchemaless(data, &scratch{})
		var want any
		tree, err2 := parseJSON(data)
		if err2 == nil {
			want = schemaless(tree)
		}
		if (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
			t.Fatalf("direct read error %v, tree path error %v, for %q", err1, err2, data)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("paths differ for %q:\n%#v\n%#v", data, got, want)
		}
	})
}
