package jsonscan

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzSkipValue: the scanner that finds a key's or payload's span accepts
// exactly what encoding/json accepts as one value.
func FuzzSkipValue(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,-2.5e+3,"x\"\\\u00e9",true,false,null,{}],"b":{"c":[]}}`,
		`[[[]]]`, `"abcdefghijklmnop\n"`, `{"a" : 1 , "b":[ 2 ]}`, `{"a":1,}`, `[1 2]`,
		"\"tab\there\"", `"\u12G4"`, `01`, `-`, `1.`, `{"a"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &Scanner{Data: data}
		ok := s.SkipValue(1) == nil
		if ok {
			s.WS()
			ok = s.Pos == len(data)
		}
		if want := json.Valid(data); ok != want && utf8.Valid(data) {
			t.Fatalf("SkipValue(%q) accepts = %v, encoding/json says %v", data, ok, want)
		}
	})
}

// FuzzValid: Valid agrees with encoding/json.Valid (the file sink embeds
// what it accepts verbatim in a records line).
func FuzzValid(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e3,-0,true,false,null,"\u00e9\"\\"]}`, `"x"`, `{`, `"\0"`, `[1,]`, `01`, `1.`, `{"a" 1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := Valid(data), json.Valid(data); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", data, got, want)
		}
	})
}

// FuzzResume: resuming after the first member of a container (as
// FirstMember reports it) gives the same answer and end as a scan from
// the start.
func FuzzResume(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":[2,3]}`, `[1,2]`, `[[1],{"x":"y"}] `, `{"a":{"b":1}}`, `{"a":1,}`, `[1 2]`, `{"a":1}`, `[{}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		full := &Scanner{Data: data}
		fullErr := full.SkipValue(1)
		m := full.FirstMember()
		if m < 0 {
			return
		}
		i := 0
		for i < len(data) && IsSpace(data[i]) {
			i++
		}
		r := &Scanner{Data: data, Pos: m}
		err := r.Resume(1, data[i])
		if (err == nil) != (fullErr == nil) || err == nil && r.Pos != full.Pos {
			t.Fatalf("%q: resumed at %d: %v, end %d; from the start: %v, end %d", data, m, err, r.Pos, fullErr, full.Pos)
		}
	})
}
