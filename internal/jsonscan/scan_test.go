package jsonscan

import (
	"strings"
	"testing"
)

func TestSkipValueErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":1}`, ""},
		{` [1, "x"] `, ""},
		{`{"a":1,}`, `at byte 7 of the line: expected a string`},
		{`[1 2]`, `at byte 3 of the line: expected ',' or ']'`},
		{`"a\x"`, `at byte 2 of the line: invalid escape \x`},
		{`01`, ``}, // one value (0) ends at byte 1; Valid rejects the rest
		{`-`, `at byte 1 of the line: invalid number`},
		{`nul`, `at byte 0 of the line: expected null`},
		{strings.Repeat("[", MaxDepth+1), `nested deeper than 1000 levels`},
	} {
		s := &Scanner{Data: []byte(tc.in)}
		err := s.SkipValue(1)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
	if Valid([]byte(`01`)) || !Valid([]byte(" 0 ")) {
		t.Error("Valid must take exactly one value")
	}
}

func TestFirstMemberAndResume(t *testing.T) {
	in := []byte(`{"schema":{"type":"struct"} , "payload":{"f":1}}`)
	s := &Scanner{Data: in}
	if err := s.SkipValue(1); err != nil {
		t.Fatal(err)
	}
	m := s.FirstMember()
	if got := string(in[:m]); got != `{"schema":{"type":"struct"}` {
		t.Fatalf("first member ends at %d (%q)", m, got)
	}
	r := &Scanner{Data: in, Pos: m}
	if err := r.Resume(1, '{'); err != nil || r.Pos != len(in) {
		t.Fatalf("Resume: %v at %d, want the end %d", err, r.Pos, len(in))
	}
	bad := append(in[:m:m], `,"x"}`...)
	if err := (&Scanner{Data: bad, Pos: m}).Resume(1, '{'); err == nil {
		t.Fatalf("Resume accepted %s", bad)
	}
	if err := (&Scanner{Data: in, Pos: m}).Resume(1, '"'); err == nil {
		t.Fatal("Resume of a non-container must fail")
	}
	for _, in := range []string{`{}`, `[]`, `1`, `"x"`} {
		s := &Scanner{Data: []byte(in)}
		if err := s.SkipValue(1); err != nil || s.FirstMember() != -1 {
			t.Errorf("%s: FirstMember %d (%v), want -1", in, s.FirstMember(), err)
		}
	}
}
