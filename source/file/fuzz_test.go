package file

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/inletdev/inlet/internal/jsonscan"
)

// FuzzParseRecord: no input panics the records-format parser, and it
// accepts only lines that are valid JSON.
func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{
		`{"topic":"outbox.event.order","partition":2,"offset":7,"ts":1772366400391,"headers":["id","5f1b","bin",{"base64":"/w=="},"none",null],"key":"A-1001","payload":{"schema":null,"payload":{"a":1}}}`,
		`{"topic":"t","key":null,"payload":"AP4=","payload_encoding":"base64"}`,
		`{"topic":"orders","partition":0,"offset":3,"tstype":"create","ts":1700000000000,"broker":1,"headers":["a","1"],"key":"k\u00e9\"","payload":"{\"x\":1}"}`,
		`{"topic":"t","payload":[1,2.5e3,-0,true,false,null,{"a":[]}]}`,
		`{}`, `[]`, `{"topic":`, `{"headers":["a"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		r, err := parseRecord(line, &lineCache{})
		if err != nil {
			return
		}
		if !json.Valid(line) {
			t.Fatalf("accepted invalid JSON %q as %+v", line, r)
		}
		// key and payload are the bytes encoding/json finds there
		var fields map[string]json.RawMessage
		if !utf8.Valid(line) || json.Unmarshal(line, &fields) != nil {
			return
		}
		for name, got := range map[string]any{"key": r.Key, "payload": r.Value} {
			raw, ok := fields[name]
			if _, enc := fields[name+"_encoding"]; enc || !ok {
				continue
			}
			var want []byte
			var str string
			switch {
			case string(raw) == "null":
			case json.Unmarshal(raw, &str) == nil:
				want = []byte(str)
			default:
				want = raw
			}
			if want == nil && got != nil || want != nil && !bytes.Equal(got.([]byte), want) {
				t.Fatalf("%s of %q is %q, want %q", name, line, got, want)
			}
		}
	})
}

// FuzzPayloadPrefix: a payload that starts with the checked prefix of an
// earlier one is accepted exactly when encoding/json accepts it.
func FuzzPayloadPrefix(f *testing.F) {
	first := `{"schema":{"type":"struct","fields":[` + strings.Repeat(`{"type":"string","optional":false,"field":"f"},`, 8) +
		`{"type":"int32","optional":true,"field":"g"}],"optional":false},"payload":{"f":"x"}}`
	for _, s := range []string{`,"payload":{"f":"y"}}`, `}`, `,"a":[1,2]}`, `]`, `,}`, `,"payload":`, `}}`, `, "b" : null } `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, tail []byte) {
		var prefix []byte
		s := &scanner{Scanner: jsonscan.Scanner{Data: []byte(first)}}
		if _, err := s.spanPrefixed(&prefix); err != nil || len(prefix) < minPrefix {
			t.Fatalf("no prefix remembered from %s: %v", first, err)
		}
		doc := append(prefix[:len(prefix):len(prefix)], tail...)
		s = &scanner{Scanner: jsonscan.Scanner{Data: doc}}
		_, err := s.spanPrefixed(&prefix)
		ok := err == nil
		if ok {
			s.WS()
			ok = s.Pos == len(doc)
		}
		if want := json.Valid(doc); ok != want && utf8.Valid(doc) {
			t.Fatalf("%q: accepted = %v, encoding/json says %v", doc, ok, want)
		}
	})
}
