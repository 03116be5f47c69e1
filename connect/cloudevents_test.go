package connect

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCloudEventStructuredMode(t *testing.T) {
	r := NewRecord("t", nil, []byte(`{"specversion":"1.0","id":"1","source":"s","type":"x","data":{"n":1.50}}`))
	r.Headers = Headers{{Key: "Content-Type", Value: []byte("application/cloudevents+json; charset=UTF-8")}}
	ev, err := CloudEvent(r, EventContext{})
	if err != nil {
		t.Fatal(err)
	}
	if ev["id"] != "1" || !reflect.DeepEqual(ev["data"], map[string]any{"n": json.Number("1.50")}) {
		t.Fatalf("structured: %#v", ev)
	}
	r.Value = []byte(`[1]`)
	if _, err := CloudEvent(r, EventContext{}); err == nil || !strings.Contains(err.Error(), "structured-mode") {
		t.Fatalf("non-object event: %v", err)
	}
}

func TestCloudEventBinaryMode(t *testing.T) {
	r := NewRecord("t", nil, []byte(`{"a":1}`))
	r.Headers = Headers{
		{Key: "ce_specversion", Value: []byte("1.0")}, {Key: "ce_id", Value: "42"}, {Key: "ce_type", Value: []byte("order.created")},
		{Key: "content-type", Value: "application/json"}, {Key: "other", Value: "x"},
	}
	ev, err := CloudEvent(r, EventContext{Pipeline: "p"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"specversion": "1.0", "id": "42", "type": "order.created", "datacontenttype": "application/json",
		"data": map[string]any{"a": json.Number("1")}}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("binary: %#v", ev)
	}
	r.Value = []byte("not json")
	if ev, _ := CloudEvent(r, EventContext{}); ev["data"] != "not json" {
		t.Fatalf("text data: %#v", ev["data"])
	}
}

func TestCloudEventDerivedAttributes(t *testing.T) {
	s := StructOf("v", false, F("id", Int64Schema))
	r := &Record{Topic: "orders", ValueSchema: s, Value: NewStruct(s).Put("id", int64(7)),
		Timestamp: time.UnixMilli(1772366400123), Origin: Origin{Topic: "in", Partition: 1, Offset: 9}}
	ev, err := CloudEvent(r, EventContext{Pipeline: "p", Connector: "postgres"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"specversion": "1.0", "id": "in-1-9", "source": "inlet/p", "type": "inlet:postgres", "subject": "orders",
		"time": "2026-03-01T12:00:00.123Z", "datacontenttype": "application/json", "data": map[string]any{"id": json.Number("7")}}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("derived: %#v", ev)
	}
	r2 := NewRecord("t", nil, "x")
	r2.SourceOffset = map[string]any{"lsn": 5}
	ev, _ = CloudEvent(r2, EventContext{Source: "src", Type: "typ"})
	if ev["id"] != `{"lsn":5}` || ev["source"] != "src" || ev["type"] != "typ" || ev["data"] != "x" {
		t.Fatalf("overrides: %#v", ev)
	}
}

func TestParseJSONKeepsNumberText(t *testing.T) {
	v, err := ParseJSON([]byte(`{"a": 1.10, "b": [1e3]}`))
	if err != nil || !reflect.DeepEqual(v, map[string]any{"a": json.Number("1.10"), "b": []any{json.Number("1e3")}}) {
		t.Fatalf("%#v %v", v, err)
	}
	if _, err := ParseJSON([]byte(`{} {}`)); err == nil {
		t.Fatal("trailing data accepted")
	}
}
