package httpfn

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

// oldBody is the request body as it was made before the direct encoder:
// json.Marshal of connect.CloudEvent's maps.
func oldBody(records []*connect.Record, ec connect.EventContext) ([]byte, error) {
	events := make([]map[string]any, len(records))
	for i, r := range records {
		ev, err := connect.CloudEvent(r, ec)
		if err != nil {
			return nil, err
		}
		events[i] = ev
	}
	return json.Marshal(events)
}

// testEncoder is reused by checkBody, as a Function reuses its encoders:
// what it remembers from one body must not change the next.
var testEncoder encoder

// checkBody compares encodeBatch with oldBody: the same bytes, or both an
// error, and the same ids and subjects as the events' maps give.
func checkBody(t *testing.T, records []*connect.Record) {
	t.Helper()
	ec := connect.EventContext{Pipeline: "p", Connector: "c"}
	want, werr := oldBody(records, ec)
	subjects := make([]subject, len(records))
	ids := inputIDs{byID: map[string]int{}}
	got, _, err := testEncoder.encodeBatch(nil, records, ec, subjects, &ids)
	if (err != nil) != (werr != nil) {
		t.Fatalf("error %v, json.Marshal's %v", err, werr)
	}
	if err != nil {
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("body\n%s\nwant (json.Marshal)\n%s", got, want)
	}
	wantSubjects := make([]subject, len(records))
	wantIDs := inputIDs{byID: map[string]int{}}
	if _, err := marshalBatch(records, ec, wantSubjects, &wantIDs); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(subjects, wantSubjects) || !reflect.DeepEqual(ids, wantIDs) {
		t.Fatalf("subjects %v ids %+v, want %v %+v", subjects, ids, wantSubjects, wantIDs)
	}
}

func binaryRecord(value any, hs ...connect.Header) *connect.Record {
	r := connect.NewRecord("t", "k", value)
	r.Headers = append(connect.Headers{{Key: "ce_specversion", Value: "1.0"}, {Key: "ce_id", Value: "id-1"},
		{Key: "ce_source", Value: "src"}, {Key: "ce_type", Value: "t"}, {Key: "content-type", Value: "application/json"}}, hs...)
	return r
}

func TestEncodeMatchesJSONMarshal(t *testing.T) {
	var nilMap map[string]any
	var nilSlice []any
	when := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	structured := connect.NewRecord("t", nil, `{"specversion":"1.0","id":"s1","data":{"a":1}}`)
	structured.Headers = connect.Headers{{Key: "content-type", Value: "application/cloudevents+json"}}
	derived := connect.NewRecord("t", nil, map[string]any{"a": int64(1)})
	derived.SourceOffset = map[string]any{"offset": int64(3)}
	shared := map[string]any{"databaseName": "shop", "tableName": "orders", "fields": []any{"id", "status"}, "n": int64(2)}
	shared2 := map[string]any{"indexType": "PrimaryKey", "indexName": "a rather long index name, to pass the size"}
	schemaRec := binaryRecord(int32(5))
	schemaRec.ValueSchema = connect.Int32Schema
	for name, recs := range map[string][]*connect.Record{
		"plain map": {binaryRecord(map[string]any{"id": int64(1), "status": "PAID", "amount": json.Number("99.50"),
			"html": "<a href='x'>&</a>", "ctl": "a\x00b\n\t\"\\", "uni": "é\u2028\u2029\xff", "f": 1.5e300, "f32": float32(0.1),
			"neg": -3, "i8": int8(-8), "i16": int16(16), "i32": int32(32), "b": true, "nil": nil,
			"nested": map[string]any{"z": []any{int64(1), "x", nil, map[string]any{}}, "a": nilMap, "s": nilSlice}})},
		"string, nil and scalar values": {binaryRecord("text"), binaryRecord(nil), binaryRecord(int64(7)), binaryRecord(true), binaryRecord(nilMap)},
		"JSON bytes":                    {binaryRecord([]byte(`{"b":2,"a":[1,2]}`)), binaryRecord([]byte("not json"))},
		"other Go types":                {binaryRecord(map[string]any{"t": when, "u": uint16(3), "by": []byte("hi"), "d": connect.Decimal{}})},
		"schema":                        {schemaRec},
		"attributes": {binaryRecord("v", connect.Header{Key: "ce_id", Value: "later wins"}, connect.Header{Key: "ce_data", Value: "attr"},
			connect.Header{Key: "ce_datacontenttype", Value: "x"}, connect.Header{Key: "ce_", Value: "empty name"},
			connect.Header{Key: "ce_n", Value: 42}, connect.Header{Key: "ce_b", Value: []byte("bytes")}, connect.Header{Key: "ce_nil", Value: nil},
			connect.Header{Key: "Content-Type", Value: "text/plain"}, connect.Header{Key: "other", Value: "x"}, connect.Header{Key: "ce_z<", Value: "<>"})},
		"data attribute without a value": {binaryRecord(nil, connect.Header{Key: "ce_data", Value: "attr"})},
		"content type cases": {binaryRecord("v", connect.Header{Key: "content-type", Value: nil}),
			binaryRecord("v", connect.Header{Key: "CONTENT-TYPE", Value: "Application/CloudEvents+JSON; x"}),
			binaryRecord("v", connect.Header{Key: "content-type", Value: "applicatıon/json"})},
		"uppercase specversion":      {binaryRecord("v", connect.Header{Key: "CE_SPECVERSION", Value: "1.0"})},
		"structured and derived":     {structured, derived, binaryRecord("x")},
		"not JSON-renderable values": {binaryRecord(map[string]any{"nan": math.NaN()})},
		// Objects at a depth with the keys of the one before it (written
		// in the remembered order), with as many other keys, and fewer.
		"same keys at a depth": {binaryRecord(map[string]any{"img": map[string]any{"b": "1", "a": int64(2), "c": nil}, "x": "y"}),
			binaryRecord(map[string]any{"img": map[string]any{"c": "3", "b": true, "a": []any{map[string]any{"b": 1.5, "a": "z"}}}, "x": "y"}),
			binaryRecord(map[string]any{"img": map[string]any{"a": "1", "b": "2", "d": "4"}, "y": "x"}),
			binaryRecord(map[string]any{"img": map[string]any{"b": "2"}, "x": nil})},
		"invalid number": {binaryRecord(map[string]any{"n": json.Number("1x")})},
		"empty number":   {binaryRecord(map[string]any{"n": json.Number("")})},
		"shared ids":     {binaryRecord("a"), binaryRecord("b"), derived},
		// A map shared between records is written once and copied, also
		// around a record that takes the general path.
		"shared maps": {binaryRecord(map[string]any{"s": shared, "x": int64(1)}), binaryRecord(map[string]any{"m2": shared2, "s": shared, "t": when}),
			binaryRecord(map[string]any{"m2": shared2, "s": []any{shared, shared}}), binaryRecord(shared)},
	} {
		t.Run(name, func(t *testing.T) { checkBody(t, recs) })
	}
}

// FuzzEncode: for any header text and value the body is what json.Marshal
// of connect.CloudEvent's maps writes.
func FuzzEncode(f *testing.F) {
	f.Add("ce_subject", "orders", `{"a":[1,"x",null,{"b":true}],"c":"<&>"}`, "application/json")
	f.Add("ce_data", "\xff\u2028", `"s"`, "application/cloudevents+json")
	f.Add("CE_SPECVERSION", "", `12.5e3`, "")
	f.Add("ce_", "x", `not json`, "TEXT/plain")
	f.Fuzz(func(t *testing.T, key, text string, value string, ct string) {
		var v any = value
		if pv, err := connect.ParseJSON([]byte(value)); err == nil {
			v = pv
		}
		r := binaryRecord(v, connect.Header{Key: key, Value: text}, connect.Header{Key: "content-type", Value: ct})
		checkBody(t, []*connect.Record{r, binaryRecord(map[string]any{key: text, text: []any{v}})})
	})
}

func TestParseMatchesParseJSON(t *testing.T) {
	for _, s := range []string{
		`[]`, ` [ ] `, `[{"a":1,"a":2,"b":[],"c":{},"d":null,"e":true,"f":false,"g":-0.5e+3}]`,
		`["\u00e9\ud83d\ude00\ud800\u0041\ud800x\"\\\/\b\f\n\r\t"]`, `["\ud800\ud800"]`, `["é", "\xff"]`, "[\"\xf2\\b\"]",
		`[1] ]`, `[1] x`, `[1,]`, `{"a" 1}`, `[01]`, `[1.]`, `[.5]`, `[-]`, `[1e]`, `[tru]`, `["a\x01"]`, `["\x"]`, `["\u12"]`,
		``, `   `, `"s"`, `nul`, `{"k":"v"}`, `[{"specversion":"1.0","id":"ev-1","data":{"x":"1.0"}}]`,
		`["a very long string value that is not interned at all, more than 32 bytes"]`,
	} {
		checkParse(t, []byte(s))
	}
}

// An object under data that is the text of the one under the same member
// of the event before is decoded once and shared.
func TestParseSharesRepeatedDataObjects(t *testing.T) {
	schema := `{"databaseName":"shop","tableName":"orders","recordFields":[{"fieldName":"id"},{"fieldName":"status"}]}`
	data := []byte(`[{"specversion":"1.0","data":{"schema":` + schema + `,"afterImage":{"id":1,"status":"PAID","note":"an image long enough to be remembered"}}},
	 {"specversion":"1.0","data":{"schema":` + schema + `,"afterImage":{"id":2,"status":"PAID","note":"an image long enough to be remembered"}}},
	 {"specversion":"1.0","data":{"schema":` + schema[:len(schema)-1] + `,"x":1}` + `,"afterImage":{"id":2,"status":"PAID","note":"an image long enough to be remembered"}}}]`)
	checkParse(t, data)
	v, _ := testDecoders.parseJSON(data)
	datum := func(i, member string) uintptr {
		ev := v.([]any)[map[string]int{"0": 0, "1": 1, "2": 2}[i]].(map[string]any)
		return reflect.ValueOf(ev["data"].(map[string]any)[member]).Pointer()
	}
	if datum("0", "schema") != datum("1", "schema") {
		t.Error("the same schema text twice: decoded twice")
	}
	if datum("1", "schema") == datum("2", "schema") || datum("0", "afterImage") == datum("1", "afterImage") {
		t.Error("different objects share a map")
	}
	if datum("1", "afterImage") != datum("2", "afterImage") {
		t.Error("the same image text twice: decoded twice")
	}
}

var testDecoders decoders

func checkParse(t *testing.T, data []byte) {
	t.Helper()
	got, err := testDecoders.parseJSON(data)
	want, werr := connect.ParseJSON(data)
	if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
		t.Fatalf("%q: error %v, want %v", data, err, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: %#v, want %#v", data, got, want)
	}
	// Twice: the second time from the interned keys and values.
	if again, _ := testDecoders.parseJSON(data); !reflect.DeepEqual(again, want) {
		t.Fatalf("%q again: %#v, want %#v", data, again, want)
	}
}

// FuzzParse: the fast decoder gives what connect.ParseJSON gives, values
// and errors.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`[{"a":1,"b":[true,null,"x\u00e9"]}]`, `["\ud800\udc00"]`, `[1] ]`, `{"a":"\xff"}`, `[-0.0e-0]`,
		`[{"data":{"s":{"a":[1,2,3],"b":"a string to pass the size for reuse, 64 bytes"}}},{"data":{"s":{"a":[1,2,3],"b":"a string to pass the size for reuse, 64 bytes"}}}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, data) })
}

// Decoded strings and numbers live in the decoder's arenas, not in the
// answer's buffer: they survive the buffer's reuse and collections.
func TestParsedValuesOutliveTheBuffer(t *testing.T) {
	var ds decoders
	text := `[{"specversion":"1.0","id":"a long id, longer than what is interned: 0123456789","n":12345678901234567890123456789012345,` +
		`"data":{"s":"short","esc":"tab\tand \u00e9","m":"张三","k":-7.25}}]`
	buf := []byte(text)
	want, err := connect.ParseJSON(buf)
	if err != nil {
		t.Fatal(err)
	}
	var kept []any
	for range 50 {
		copy(buf, text)
		v, err := ds.parseJSON(buf)
		if err != nil {
			t.Fatal(err)
		}
		kept = append(kept, v)
		for i := range buf {
			buf[i] = 'x' // the buffer is reused for the next answer
		}
		runtime.GC()
	}
	for i, v := range kept {
		if !reflect.DeepEqual(v, want) {
			t.Fatalf("answer %d: %#v, want %#v", i, v, want)
		}
	}
}
