package eventpattern

import (
	"testing"

	"github.com/inletdev/inlet/connect"
)

// FuzzPattern feeds random patterns and events to the compiler and the
// matcher: neither may panic, and an accepted pattern must match the empty
// pattern's semantics on {} (only exists:false leaves can match nothing).
func FuzzPattern(f *testing.F) {
	seeds := [][2]string{
		{`{}`, `{}`},
		{`{"source":["a",{"prefix":"b"}]}`, `{"source":"bc"}`},
		{`{"data":{"a":{"b":[{"numeric":[">",0,"<=",5]},{"cidr":"10.0.0.0/8"}]}}}`, `{"data":{"a":{"b":[1,"10.1.1.1"]}}}`},
		{`{"data":{"x":[{"anything-but":{"prefix":"a"}},{"exists":false},null,1.5,true]}}`, `{"data":{"x":null}}`},
		{`{"data":{"x":[{"anything-but":["a",1,null]},{"suffix":"z"},{"contains":"q"}]}}`, `{"data":{"x":[1,"az",{"q":1}]}}`},
		{`{"data":{"x":[{"cidr":"::ffff:10.0.0.0/104"}]}}`, `{"data":{"x":"10.0.0.1"}}`},
		{`{"type":["a","b","c","d","e","f","g","h","i","j"]}`, `{"type":["j"]}`},
	}
	for _, s := range seeds {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, pattern, event []byte) {
		p, err := Compile(pattern)
		if err != nil {
			if p != nil {
				t.Fatal("a pattern and an error")
			}
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
		p.Match(ev)
		p.Match(map[string]any{})
	})
}
