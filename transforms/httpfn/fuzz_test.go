package httpfn

import (
	"testing"

	"github.com/inletdev/inlet/connect"
)

// FuzzAnswer feeds arbitrary function answers to the answer parser: an
// error or records, never a panic, and the input is never changed.
func FuzzAnswer(f *testing.F) {
	for _, s := range []string{`[]`, `[{"specversion":"1.0","id":"a","data":{"x":1}}]`, `{"x":1}`, `[1]`, `[{"data":1}]`,
		`[{"specversion":"1.0","subject":"t2","partitionkey":"k","time":"2024-01-02T03:04:05Z","data_base64":"aGk="}]`,
		`[{"specversion":"1.0","time":"bad"}]`, `[{"specversion":"1.0","ext":[1]}]`, `not json`} {
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
		out, from, err := fn.answer(data, []*connect.Record{in}, []subject{subjectOf(ev["subject"])}, &inputIDs{byID: map[string]int{"a": 0}})
		if err != nil && !connect.IsPermanent(err) {
			t.Fatalf("a bad answer must be a permanent error: %v", err)
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
