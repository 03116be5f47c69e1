package httpfn

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/inletdev/inlet/connect"
)

// refAnswer is answer as it was before events were read without maps:
// connect.ParseJSON, then each event's map, sorted. It is the reference
// the decoder's answers must equal, records and errors.
func refAnswer(data []byte, records []*connect.Record, subjects []subject, ids *inputIDs) ([]*connect.Record, []int, string) {
	v, err := connect.ParseJSON(data)
	if err != nil {
		return nil, nil, "not JSON: " + err.Error() + ": " + snippet(data)
	}
	answer, ok := v.([]any)
	if !ok {
		return nil, nil, fmt.Sprintf("%s, want a JSON array of events", jsonKind(v))
	}
	out := make([]*connect.Record, 0, len(answer))
	from := make([]int, 0, len(answer))
	for i, raw := range answer {
		ev, ok := raw.(map[string]any)
		if !ok {
			return nil, nil, fmt.Sprintf("element %d is %s, want a CloudEvent object", i, jsonKind(raw))
		}
		if _, ok := ev["specversion"].(string); !ok {
			return nil, nil, fmt.Sprintf("element %d has no specversion: return CloudEvents (specversion, id, source, type, data)", i)
		}
		base, baseSubject, src := records[0], subjects[0], -1
		if id, ok := ev["id"].(string); ok {
			if j, own, ok := ids.base(id); ok {
				base, baseSubject = records[j], subjects[j]
				if own {
					src = j
				}
			}
		}
		r := new(connect.Record)
		hs := make(connect.Headers, 0, len(base.Headers)+len(ev))
		if _, err := toRecord(r, hs, sortedMembers(nil, ev), base, baseSubject); err != nil {
			return nil, nil, fmt.Sprintf("element %d: %v", i, err)
		}
		out = append(out, r)
		from = append(from, src)
	}
	return out, from, ""
}

// FuzzAnswer feeds arbitrary function answers to the answer parser: an
// error or records, never a panic, the input never changed, and the
// records and errors refAnswer gives.
func FuzzAnswer(f *testing.F) {
	for _, s := range []string{`[]`, `[{"specversion":"1.0","id":"a","data":{"x":1}}]`, `{"x":1}`, `[1]`, `[{"data":1}]`,
		`[{"specversion":"1.0","subject":"t2","partitionkey":"k","time":"2024-01-02T03:04:05Z","data_base64":"aGk="}]`,
		`[{"specversion":"1.0","time":"bad"}]`, `[{"specversion":"1.0","ext":[1]}]`, `not json`,
		`[{"specversion":"1.0","id":"a-1","id":"b","data":{"x":1},"data":2,"datacontenttype":"text/plain","n":1.5,"b":true}]`,
		`[{"specversion":"1.0","subject":"s"},{"specversion":"1.0","data":"\xff"},5]`, `[{"specversion":1}]`} {
		f.Add([]byte(s))
	}
	fn := &Function{url: "http://fn"}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := connect.NewRecord("t", "k", map[string]any{"a": int64(1)})
		in.Headers = connect.Headers{{Key: "ce_specversion", Value: "1.0"}, {Key: "ce_id", Value: "a"}, {Key: "h", Value: "v"}}
		ev, err := connect.CloudEvent(in, connect.EventContext{})
		if err != nil {
			t.Fatal(err)
		}
		subjects := []subject{subjectOf(ev["subject"])}
		ids := &inputIDs{byID: map[string]int{"a": 0}}
		out, from, err := fn.answer(data, []*connect.Record{in}, subjects, ids)
		if err != nil && !connect.IsPermanent(err) {
			t.Fatalf("a bad answer must be a permanent error: %v", err)
		}
		wantOut, wantFrom, wantErr := refAnswer(data, []*connect.Record{in}, subjects, ids)
		if wantErr != "" {
			if err == nil || err.Error() != fn.badAnswer([]*connect.Record{in}, wantErr).Error() {
				t.Fatalf("error %v, want %s", err, wantErr)
			}
		} else if err != nil || !reflect.DeepEqual(out, wantOut) || !reflect.DeepEqual(from, wantFrom) {
			t.Fatalf("%q: records %v from %v error %v, want %v from %v", data, out, from, err, wantOut, wantFrom)
		}
		if err == nil {
			if len(from) != len(out) {
				t.Fatalf("%d outputs, %d provenance entries", len(out), len(from))
			}
			for _, r := range out {
				if r == nil {
					t.Fatal("nil record")
				}
			}
		}
		if len(in.Headers) != 3 || in.Topic != "t" || in.Key != "k" {
			t.Fatal("input changed")
		}
	})
}
