package box

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// churn drops garbage through several collections, so a slab that nothing
// keeps alive would be freed and reused.
func churn() {
	for range 5 {
		garbage := make([][]byte, 0, 1000)
		for j := range 1000 {
			garbage = append(garbage, make([]byte, 64+j%512))
		}
		_ = garbage
		runtime.GC()
	}
}

func text(i int) string { return fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", i%300)) }

// TestArenaValuesSurviveGC boxes many values into the arena's unscanned
// slabs, drops every other reference to the slabs, churns the heap through
// several collections and checks every value is still intact: the slab must
// be kept alive by the interfaces and strings pointing into it, and its
// hidden string headers must stay valid.
func TestArenaValuesSurviveGC(t *testing.T) {
	var a Arena
	const n = 20000
	vals := make([]any, 0, 6*n)
	kept := make([]string, 0, n)
	for i := range n {
		s := text(i)
		vals = append(vals, a.Text([]byte(s)), a.Number([]byte(strconv.Itoa(i))), a.Int64(int64(i)*1000003-7),
			a.Float64(float64(i)/3), a.Text(nil), a.Number(nil))
		kept = append(kept, a.Keep([]byte(s)))
	}
	a = Arena{}
	churn()
	for i := range n {
		s := text(i)
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

// TestSlabsValuesSurviveGC: the same for the typed slabs.
func TestSlabsValuesSurviveGC(t *testing.T) {
	var b Slabs
	const n = 20000
	vals := make([]any, 0, 4*n)
	for i := range n {
		vals = append(vals, b.Str(text(i)), b.Int64(int64(i)*1000003-7), b.Int32(int32(-i)), b.Float64(float64(i)/3))
	}
	b = Slabs{}
	churn()
	for i := range n {
		want := []any{text(i), int64(i)*1000003 - 7, int32(-i), float64(i) / 3}
		for k := range want {
			if got := vals[4*i+k]; got != want[k] {
				t.Fatalf("value %d.%d = %#v, want %#v", i, k, got, want[k])
			}
		}
	}
}

// TestArenaValues: the boxed values are the values any() makes, whatever
// their size; the caller's bytes may change afterwards; and a boxed value
// takes slab space (a full slab is replaced), except small int64s, which
// the runtime boxes for free.
func TestArenaValues(t *testing.T) {
	var a Arena
	buf := []byte("hello")
	v, k := a.Text(buf), a.Keep(buf)
	copy(buf, "HELLO")
	if v != any("hello") || k != "hello" {
		t.Fatalf("Text %#v Keep %q after the source changed, want hello", v, k)
	}
	long := strings.Repeat("L", maxKept+1)
	if got := a.Text([]byte(long)); got != any(long) {
		t.Fatalf("long text %d bytes lost", len(long))
	}
	if got := a.Number([]byte("-1.5e3")); got != any(json.Number("-1.5e3")) {
		t.Fatalf("Number = %#v", got)
	}
	if got := a.Keep(nil); got != "" {
		t.Fatalf("Keep(nil) = %q", got)
	}
	used := len(a.slab)
	if a.Int64(255); len(a.slab) != used {
		t.Error("a small int64 took slab space")
	}
	if a.Int64(-1); len(a.slab) != used+8 {
		t.Errorf("Int64(-1) took %d bytes, want 8", len(a.slab)-used)
	}
	first := a.Text([]byte("first"))
	for i := range arenaSlab {
		a.Float64(float64(i)) // fills several slabs
	}
	if first != any("first") || cap(a.slab) != arenaSlab {
		t.Fatalf("after new slabs: first = %#v, slab cap %d", first, cap(a.slab))
	}
}

// TestSlabsValues: typed slabs hold 16 values, and a full one is replaced,
// so earlier values never change.
func TestSlabsValues(t *testing.T) {
	var b Slabs
	var vals []any
	for i := range 3 * slabLen {
		vals = append(vals, b.Int64(int64(i)<<40))
	}
	if cap(b.i64s) != slabLen || len(b.i64s) != slabLen {
		t.Fatalf("slab len %d cap %d, want %d full", len(b.i64s), cap(b.i64s), slabLen)
	}
	for i, v := range vals {
		if v != any(int64(i)<<40) {
			t.Fatalf("value %d = %#v", i, v)
		}
	}
}

func BenchmarkArena(b *testing.B) {
	var a Arena
	text := []byte("NO-000042")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = a.Text(text)
		_ = a.Number(text[3:])
		_ = a.Int64(int64(i) + 1000)
		_ = a.Float64(float64(i))
	}
}

func BenchmarkSlabs(b *testing.B) {
	var s Slabs
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = s.Str("NO-000042")
		_ = s.Int64(int64(i) + 1000)
		_ = s.Int32(int32(i))
		_ = s.Float64(float64(i))
	}
}
