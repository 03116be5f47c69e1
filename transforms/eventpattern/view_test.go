package eventpattern

import (
	"context"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/inletdev/inlet/connect"
)

// binaryRecord makes a binary-mode record from a JSON event: each top-level
// string attribute becomes a ce_* header and data the value. mode varies
// what connect.CloudEvent has to convert or decide (see the bits below).
func binaryRecord(ev map[string]any, mode uint16) *connect.Record {
	r := &connect.Record{Topic: "t", Origin: connect.Origin{Topic: "t", Offset: 3}}
	if mode&1 != 0 {
		r.Headers = append(r.Headers, connect.Header{Key: "ce_specversion", Value: "1.0"})
	}
	keys := make([]string, 0, len(ev))
	for k := range ev {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		s, ok := ev[k].(string)
		if !ok || k == "data" {
			continue
		}
		var v any = s
		if mode&8 != 0 && i%2 == 0 {
			v = []byte(s) // header bytes are read as text
		}
		key := "ce_" + k
		if mode&32 != 0 && i == 0 {
			key = "CE_" + k // not an attribute in connect's reading
		}
		r.Headers = append(r.Headers, connect.Header{Key: key, Value: v})
		if mode&16 != 0 {
			r.Headers = append(r.Headers, connect.Header{Key: key, Value: s + "-later"}) // the later one wins
		}
	}
	if mode&4 != 0 {
		r.Headers = append(r.Headers, connect.Header{Key: "Content-Type", Value: "application/json"})
	}
	if mode&256 != 0 {
		r.Headers = append(r.Headers, connect.Header{Key: "ce_time", Value: int64(42)}) // fmt.Sprint
	}
	if mode&512 != 0 {
		r.Headers = append(r.Headers, connect.Header{Key: "content-type", Value: "application/cloudevents+json"})
	}
	if mode&64 == 0 {
		r.Value = goValues(ev["data"], mode)
	}
	if m, ok := r.Value.(map[string]any); ok && mode&128 != 0 {
		m["nan"] = math.NaN() // the full view refuses it
	}
	if mode&1024 != 0 {
		r.Value = map[string]any{"f32": float32(0.1), "inner": r.Value} // float32 takes the full view
	}
	return r
}

// goValues turns JSON numbers into the Go numbers a source emits (int64,
// float64; float32 for mode bit 2048) and objects into fresh maps.
func goValues(v any, mode uint16) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = goValues(e, mode)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = goValues(e, mode)
		}
		return out
	case json.Number:
		if mode&2 == 0 {
			return x
		}
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(string(x), 64); err == nil {
			if mode&2048 != 0 {
				return float32(f)
			}
			return f
		}
		return x
	}
	return v
}

// checkView compares the filter (which takes the fast view when it can)
// with matching the full connect.CloudEvent view.
func checkView(t *testing.T, pattern []byte, event map[string]any, mode uint16) {
	t.Helper()
	p, err := Compile(pattern)
	if err != nil {
		return
	}
	r := binaryRecord(event, mode)
	ctx := connect.WithEventContext(context.Background(), connect.EventContext{Pipeline: "p"})
	full, ferr := connect.CloudEvent(r, connect.EventContextFrom(ctx))
	want := ferr == nil && p.Match(full)
	// Three times: the third decides with the record's objects cached.
	f := NewFilter(p)
	for range 3 {
		out, err := f.Apply(ctx, r)
		if (err != nil) != (ferr != nil) {
			t.Fatalf("pattern %s, mode %b: filter error %v, full view error %v", pattern, mode, err, ferr)
		}
		if got := out != nil; got != want {
			t.Fatalf("pattern %s, mode %b, view %v: filter keeps %v, full view match %v", pattern, mode, full, got, want)
		}
	}
}

func TestFilterViewMatchesFullView(t *testing.T) {
	event := map[string]any{"specversion": "1.0", "id": "x-1", "source": "acs.dts", "type": "dts:ConsumeMessage", "subject": "shop.orders",
		"data": map[string]any{"operationType": "UPDATE", "id": json.Number("123456789"), "offset": json.Number("7"),
			"schema": map[string]any{"tableName": "orders", "recordFields": []any{map[string]any{"fieldName": "id"}}},
			"afterImage": map[string]any{"id": json.Number("42"), "amount": json.Number("99.50"), "status": "PAID", "ip": "10.1.2.3", "tags": []any{"a", json.Number("1")},
				"big": json.Number("123456789.5")}}}
	patterns := []string{
		`{}`,
		`{"source":["acs.dts"],"type":[{"prefix":"dts:"}],"data":{"operationType":["UPDATE"],"schema":{"tableName":["orders"]}}}`,
		`{"subject":["shop.orders"],"data":{"afterImage":{"amount":[{"numeric":[">",99,"<",100]}],"status":[{"anything-but":"NEW"}]}}}`,
		`{"data":{"afterImage":{"amount":["99.50"],"id":[42],"ip":[{"cidr":"10.0.0.0/8"}]}}}`,
		`{"data":{"afterImage":{"amount":["99.5"]}}}`,
		`{"data":{"afterImage":{"tags":["a"],"note":[{"exists":false}]}}}`,
		`{"data":{"offset":[{"numeric":["=",7]}],"id":[123456789]}}`,
		`{"datacontenttype":["application/json"]}`,
		`{"id":["x-1-later"]}`,
		`{"time":["42"]}`,
		`{"data":{"schema":[{"exists":true}]}}`,
		`{"data":{"afterImage":{"big":[{"numeric":["=",123456792]}]}}}`,
	}
	for _, pat := range patterns {
		for mode := range uint16(4096) {
			checkView(t, []byte(pat), event, mode)
		}
	}
}

// FuzzFilterView feeds random patterns, events and record shapes to the
// filter: it must decide exactly as matching the full CloudEvents view.
func FuzzFilterView(f *testing.F) {
	f.Add([]byte(`{"source":["a"],"data":{"x":[{"numeric":[">",1]}]}}`), []byte(`{"source":"a","id":"1","data":{"x":2.5}}`), uint16(3))
	f.Add([]byte(`{"data":{"x":[1,"1",null]}}`), []byte(`{"data":{"x":[1.0,{"y":1}]}}`), uint16(1+2+4))
	f.Add([]byte(`{"subject":[{"suffix":"s"}],"data":{"a":{"b":[{"exists":false}]}}}`), []byte(`{"subject":"ss","data":{"a":{"c":1e400}}}`), uint16(1+16+32))
	f.Add([]byte(`{"data":{"n":[{"anything-but":[0]}]}}`), []byte(`{"data":{"n":-0}}`), uint16(1+2+2048))
	f.Fuzz(func(t *testing.T, pattern, event []byte, mode uint16) {
		if len(event) > 4096 || !strings.HasPrefix(strings.TrimSpace(string(event)), "{") {
			return
		}
		v, err := connect.ParseJSON(event)
		if err != nil {
			return
		}
		ev, ok := v.(map[string]any)
		if !ok {
			return
		}
		checkView(t, pattern, ev, mode)
	})
}

// BenchmarkFilterBinaryRecord filters a DTS-shaped binary-mode UPDATE (what
// the DTS source emits) in place; BenchmarkFilterBinaryRecordFullView is the
// same decision through the full connect.CloudEvent view, as before.
func BenchmarkFilterBinaryRecord(b *testing.B) {
	f, rec := dtsLikeRecord()
	ctx := connect.WithEventContext(context.Background(), connect.EventContext{Pipeline: "p"})
	b.ReportAllocs()
	for b.Loop() {
		if out, _ := f.Apply(ctx, rec); out == nil {
			b.Fatal("dropped")
		}
	}
}

func BenchmarkFilterBinaryRecordFullView(b *testing.B) {
	f, rec := dtsLikeRecord()
	b.ReportAllocs()
	for b.Loop() {
		ev, err := connect.CloudEvent(rec, connect.EventContext{Pipeline: "p"})
		if err != nil || !f.Pattern().Match(ev) {
			b.Fatal("dropped", err)
		}
	}
}

func dtsLikeRecord() (*Filter, *connect.Record) {
	f := NewFilter(MustCompile(`{"type":["dts:ConsumeMessage"],"data":{"operationType":["UPDATE"],"schema":{"tableName":["orders"]},"afterImage":{"status":["PAID"]}}}`))
	fields := make([]any, 8)
	for i := range fields {
		fields[i] = map[string]any{"fieldName": "c" + strconv.Itoa(i), "rawDataTypeNum": int64(253), "isPrimaryKey": i == 0, "isUniqueKey": false, "fieldPosition": int64(i)}
	}
	img := func(status string) map[string]any {
		return map[string]any{"id": int64(42), "order_no": "NO-000042", "customer": "Alice", "amount": json.Number("99.50"), "status": status,
			"created_at": "2023-11-14 22:13:20", "updated_at": "2023-11-14T22:13:20Z", "note": nil}
	}
	rec := &connect.Record{Topic: "dts", Value: map[string]any{"id": int64(123456789), "topicPartition": map[string]any{"hash": int64(0), "partition": int64(0), "topic": "dts"},
		"offset": int64(7), "sourceTimestamp": int64(1700000000), "operationType": "UPDATE",
		"schema":      map[string]any{"databaseName": "shop", "tableName": "orders", "recordFields": fields, "databaseInfo": map[string]any{"databaseType": "MySQL", "version": "8.0"}},
		"beforeImage": img("NEW"), "afterImage": img("PAID")},
		Headers: connect.Headers{{Key: "ce_specversion", Value: "1.0"}, {Key: "ce_id", Value: "0123-123456789"}, {Key: "ce_source", Value: "s"},
			{Key: "ce_type", Value: "dts:ConsumeMessage"}, {Key: "ce_subject", Value: "acs:dts:x"}, {Key: "ce_time", Value: "2023-11-14T22:13:20Z"},
			{Key: "content-type", Value: "application/json; charset=utf-8"}}}
	return f, rec
}
