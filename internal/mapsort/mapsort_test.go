package mapsort

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// check sorts m's keys with Order (when they fit) and Entries, and
// compares both with slices.Sorted(maps.Keys(m)).
func check(t *testing.T, m map[string]any) {
	t.Helper()
	want := slices.Sorted(maps.Keys(m))
	if len(m) <= MaxOrder {
		keys := slices.Collect(maps.Keys(m))
		var order [MaxOrder]uint8
		var got []string
		for _, i := range Order(keys, order[:]) {
			got = append(got, keys[i])
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Order, %d keys:\n got %q\nwant %q", len(m), got, want)
		}
	}
	got := []string(nil)
	for _, e := range Entries(m) {
		got = append(got, e.Key)
		if e.Value != m[e.Key] {
			t.Fatalf("%q: value %v, want %v", e.Key, e.Value, m[e.Key])
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Entries, %d keys:\n got %q\nwant %q", len(m), got, want)
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

func TestOrder(t *testing.T) {
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
	for _, n := range []int{few - 1, few, few + 1, MaxOrder - 1, MaxOrder, MaxOrder + 1, 256} {
		cases[fmt.Sprint(n, " distinct")] = keysOf(n, func(i int) string { return strings.Repeat("k", i%9) + fmt.Sprint(i) })
		cases[fmt.Sprint(n, " 7-byte ties")] = keysOf(n, func(i int) string { return "column" + string(rune(0x7f+i*13)) })
		cases[fmt.Sprint(n, " 8-byte ties")] = keysOf(n, func(i int) string { return "columns_" + fmt.Sprint(n-i) })
	}
	for name, keys := range cases {
		t.Run(name, func(t *testing.T) { check(t, mapOf(keys...)) })
	}
}

// TestOrderPanicsAboveMaxOrder: more keys than Order sorts is a caller's
// bug, not a wrong order.
func TestOrderPanicsAboveMaxOrder(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Order sorted more than MaxOrder keys")
		}
	}()
	var order [MaxOrder + 1]uint8
	Order(keysOf(MaxOrder+1, func(i int) string { return fmt.Sprint(i) }), order[:])
}

// TestOrderNoAlloc: Order never allocates.
func TestOrderNoAlloc(t *testing.T) {
	for _, n := range []int{0, 1, few, few + 1, MaxOrder - 1, MaxOrder} {
		keys := keysOf(n, func(i int) string { return fmt.Sprint("key", n-i) })
		var order [MaxOrder]uint8
		if allocs := testing.AllocsPerRun(100, func() { Order(keys, order[:]) }); allocs != 0 {
			t.Errorf("%d keys: %v allocations, want 0", n, allocs)
		}
	}
}

// FuzzOrder: keys split from the input at commas, some given a shared 7-
// or 8-byte prefix so that the tie-break path runs, compared with
// slices.Sorted(maps.Keys(m)); the seeds cover sizes around few and
// MaxOrder.
func FuzzOrder(f *testing.F) {
	f.Add("b,a,c,,é,A,aa,a\"b", uint8(0))
	f.Add("x", uint8(1))
	f.Add("a,\x00,,\xff,b\x00", uint8(3))
	for _, n := range []int{few, few + 1, MaxOrder, MaxOrder + 1} {
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

func BenchmarkOrder(b *testing.B) {
	for _, keys := range [][]string{
		{"data"},
		{"id", "status", "amount"},
		{"fieldName", "rawDataTypeNum", "isPrimaryKey", "isUniqueKey", "fieldPosition"},
		{"recordFields", "schemaId", "databaseName", "tableName", "databaseInfo", "totalRows", "x", "y"},
		strings.Split("specversion,id,source,type,subject,time,datacontenttype,data,aliyunaccountid,aliyunpublishtime,aliyuneventbusname,aliyunregionid", ","),
		keysOf(MaxOrder, func(i int) string { return fmt.Sprint("c", i, "_column") }),
	} {
		b.Run(fmt.Sprint(len(keys)), func(b *testing.B) {
			b.ReportAllocs()
			var order [MaxOrder]uint8
			for b.Loop() {
				for _, i := range Order(keys, order[:]) {
					sink += len(keys[i])
				}
			}
		})
	}
}
