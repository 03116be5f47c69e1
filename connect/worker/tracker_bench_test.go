package worker

import (
	"testing"

	"github.com/inletdev/inlet/connect"
)

// BenchmarkTrackerFreshPartitionMaps is the offset tracker's worst case: a
// source that builds a new (equal) partition map for every record.
func BenchmarkTrackerFreshPartitionMaps(b *testing.B) {
	recs := make([]*connect.Record, 1024)
	for i := range recs {
		r := connect.NewRecord("t", nil, "v")
		r.SourcePartition = map[string]any{"kafka_topic": "orders", "kafka_partition": int32(i % 4)}
		r.SourceOffset = map[string]any{"kafka_offset": int64(i)}
		recs[i] = r
	}
	tr := newOffsetTracker("p")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.done(recs[i%len(recs)])
	}
}

func TestTrackerMatchesPartitionsByValue(t *testing.T) {
	tr := newOffsetTracker("p")
	rec := func(part map[string]any, off int64) *connect.Record {
		r := connect.NewRecord("t", nil, "v")
		r.SourcePartition, r.SourceOffset = part, map[string]any{"o": off}
		return r
	}
	tr.done(rec(map[string]any{"topic": "a", "partition": int32(1)}, 1))
	tr.done(rec(map[string]any{"partition": int64(1), "topic": "a"}, 2)) // same, other types
	tr.done(rec(map[string]any{"partition": 1.0, "topic": "a"}, 3))      // same again
	tr.done(rec(map[string]any{"partition": int32(2), "topic": "a"}, 4))
	tr.done(rec(map[string]any{"topic": "a", "partition": int32(1), "x": true}, 5))
	tr.done(rec(map[string]any{"nested": map[string]any{"a": 1}}, 6))
	tr.done(rec(map[string]any{"nested": map[string]any{"a": int64(1)}}, 7))
	got := map[string]int64{}
	for _, p := range tr.pending() {
		ck, _ := canonicalKey("p", p.Partition)
		got[ck] = p.Offset["o"].(int64)
	}
	want := map[string]int64{
		`["p",{"partition":1,"topic":"a"}]`:          3,
		`["p",{"partition":2,"topic":"a"}]`:          4,
		`["p",{"partition":1,"topic":"a","x":true}]`: 5,
		`["p",{"nested":{"a":1}}]`:                   7,
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d, want %d (all %v)", k, got[k], v, got)
		}
	}
}
