package dts

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"testing"
)

// TestArenaValuesSurviveGC boxes many values into the arena's unscanned
// slabs, drops every other reference to the slabs, churns the heap through
// several collections and checks every value is still intact: the slab must
// be kept alive by the interfaces and strings pointing into it, and its
// hidden string headers must stay valid.
func TestArenaValuesSurviveGC(t *testing.T) {
	var a arena
	const n = 20000
	vals := make([]any, 0, 6*n)
	kept := make([]string, 0, n)
	for i := range n {
		s := fmt.Sprintf("value-%d-%s", i, string(make([]byte, i%300)))
		vals = append(vals, a.text([]byte(s)), a.number([]byte(strconv.Itoa(i))), a.int64(int64(i)*1000003-7),
			a.float64(float64(i)/3), a.text(nil), a.number(nil))
		kept = append(kept, a.keep([]byte(s)))
	}
	a = arena{}
	for range 5 {
		garbage := make([][]byte, 0, 1000)
		for j := range 1000 {
			garbage = append(garbage, make([]byte, 64+j%512))
		}
		_ = garbage
		runtime.GC()
	}
	for i := range n {
		s := fmt.Sprintf("value-%d-%s", i, string(make([]byte, i%300)))
		got := vals[6*i : 6*i+6]
		want := []any{s, json.Number(strconv.Itoa(i)), int64(i)*1000003 - 7, float64(i) / 3, "", json.Number("")}
		for k := range want {
			if got[k] != want[k] {
				t.Fatalf("value %d.%d = %#v, want %#v", i, k, got[k], want[k])
			}
		}
		if kept[i] != s {
			t.Fatalf("kept string %d = %q, want %q", i, kept[i], s)
		}
	}
}
