package mapsort

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// check sorts m with scratch arrays of several sizes and compares the
// order with slices.Sorted(maps.Keys(m)), and every value with m's.
func check(t *testing.T, m map[string]any) {
	t.Helper()
	want := slices.Sorted(maps.Keys(m))
	for _, size := range [][2]int{{Small, Small}, {16, 16}, {0, 0}, {Small + 1, Small + 1}, {200, 16}, {16, 200}} {
		buf := make([]Entry, size[0])
		order := make([]uint8, size[1])
		s := Collect(buf, m).Sort(order)
		got := make([]string, s.Len())
		for i := range got {
			e := s.At(i)
			got[i] = e.Key
			if e.Value != m[e.Key] {
				t.Fatalf("%q: value %v, want %v", e.Key, e.Value, m[e.Key])
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("buf %d, order %d, %d keys:\n got %q\nwant %q", size[0], size[1], len(m), got, want)
		}
	}
}

func mapOf(keys ...string) map[string]any {
	m := make(map[string]any, len(keys))
	for i, k := range keys {
		m[k] = i
	}
	return m
}

func keysOf(n int, f func(i int) string) []string {
	ks := make([]string, n)
	for i := range ks {
		ks[i] = f(i)
	}
	return ks
}

func TestSort(t *testing.T) {
	cases := map[string][]string{
		"empty map":  nil,
		"one":        {"x"},
		"empty key":  {"", "a", "\x00"},
		"zero bytes": {"a", "a\x00", "a\x00\x00", "a\x00b", "\x00", "\x00\x00\x00\x00\x00\x00\x00\x00", "b", "c", "d"},
		"7-byte tie": {"abcdefgZ", "abcdefgA", "abcdefg", "abcdefgAA", "abcdefh", "abcdef", "x", "y", "z"},
		"8-byte tie": {"abcdefghZ", "abcdefghA", "abcdefgh", "abcdefgi", "abcdefgg", "x", "y", "z", "w"},
		"non-ASCII":  {"é", "e", "z", "ü", "日本", "\xff", "\x80", "Z", "\x7f"},
		"table row":  {"id", "status", "amount", "created_at", "updated_at", "customer_id", "createdBy", "created"},
	}
	for _, n := range []int{few - 1, few, few + 1, Small - 1, Small, Small + 1, 100} {
		cases[fmt.Sprint(n, " distinct")] = keysOf(n, func(i int) string { return strings.Repeat("k", i%9) + fmt.Sprint(i) })
		cases[fmt.Sprint(n, " 7-byte ties")] = keysOf(n, func(i int) string { return "column" + string(rune(0x7f+i*13)) })
		cases[fmt.Sprint(n, " 8-byte ties")] = keysOf(n, func(i int) string { return "columns_" + fmt.Sprint(n-i) })
	}
	for name, keys := range cases {
		t.Run(name, func(t *testing.T) { check(t, mapOf(keys...)) })
	}
}

// TestSortNoAlloc: maps of up to Small members are sorted in the
// caller's arrays without allocating; larger ones allocate once.
func TestSortNoAlloc(t *testing.T) {
	for _, n := range []int{0, 1, few, few + 1, Small, Small + 1} {
		m := mapOf(keysOf(n, func(i int) string { return fmt.Sprint("key", i) })...)
		want := 0.0
		if n > Small {
			want = 1
		}
		allocs := testing.AllocsPerRun(100, func() {
			var buf [Small]Entry
			var order [Small]uint8
			s := Collect(buf[:], m).Sort(order[:])
			for i := range s.Len() {
				sink += len(s.At(i).Key)
			}
		})
		if allocs != want {
			t.Errorf("%d members: %v allocations, want %v", n, allocs, want)
		}
	}
}

// FuzzSort: keys split from the input at commas, some given a shared 7-
// or 8-byte prefix so that the tie-break path runs, compared with
// slices.Sorted(maps.Keys(m)) with scratch arrays of several sizes; the seeds cover sizes around few and
// Small.
func FuzzSort(f *testing.F) {
	f.Add("b,a,c,,é,A,aa,a\"b", uint8(0))
	f.Add("x", uint8(1))
	f.Add("a,\x00,,\xff,b\x00", uint8(3))
	for _, n := range []int{few, few + 1, Small, Small + 1} {
		f.Add(strings.Join(keysOf(n, func(i int) string { return fmt.Sprint(i) }), ","), uint8(n))
	}
	f.Fuzz(func(t *testing.T, keys string, mode uint8) {
		m := map[string]any{}
		for i, k := range strings.Split(keys, ",") {
			switch (int(mode) + i) % 4 {
			case 1:
				k = "abcdefg" + k
			case 2:
				k = "abcdefgh" + k
			}
			m[k] = i
		}
		check(t, m)
	})
}

var sink int

func BenchmarkSort(b *testing.B) {
	for _, keys := range [][]string{
		{"data"},
		{"id", "status", "amount"},
		{"fieldName", "rawDataTypeNum", "isPrimaryKey", "isUniqueKey", "fieldPosition"},
		{"recordFields", "schemaId", "databaseName", "tableName", "databaseInfo", "totalRows", "x", "y"},
		strings.Split("specversion,id,source,type,subject,time,datacontenttype,data,aliyunaccountid,aliyunpublishtime,aliyuneventbusname,aliyunregionid", ","),
		keysOf(Small, func(i int) string { return fmt.Sprint("column_", i) }),
	} {
		m := mapOf(keys...)
		b.Run(fmt.Sprint(len(keys)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var buf [Small]Entry
				var order [Small]uint8
				s := Collect(buf[:], m).Sort(order[:])
				for i := range s.Len() {
					sink += len(s.At(i).Key)
				}
			}
		})
	}
}
