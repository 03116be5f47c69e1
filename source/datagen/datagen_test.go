package datagen

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/connecttest"
)

func TestOutboxEventsAreDebeziumShaped(t *testing.T) {
	s := New(Options{Kind: KindOutbox, TopicPrefix: "shop", PayloadBytes: 600, Seed: 7})
	r := s.Record(3)
	if r.Topic != "shop.public.outboxevent" || r.KeySchema.Name != "shop.public.outboxevent.Key" ||
		r.ValueSchema.Name != "shop.public.outboxevent.Envelope" || r.ValueSchema.Version != 2 {
		t.Fatalf("names: %s %v %v", r.Topic, r.KeySchema, r.ValueSchema)
	}
	env := r.Value.(*connect.Struct)
	if err := env.Validate(); err != nil {
		t.Fatal(err)
	}
	if env.Get("op") != "c" || env.Get("before") != nil {
		t.Fatalf("op %v before %v", env.Get("op"), env.Get("before"))
	}
	after := env.Get("after").(*connect.Struct)
	src := env.Get("source").(*connect.Struct)
	if after.Schema.Name != "shop.public.outboxevent.Value" || src.Schema.Name != "io.debezium.connector.postgresql.Source" ||
		src.Get("name") != "shop" || src.Get("table") != "outboxevent" || src.Get("connector") != "postgresql" {
		t.Fatalf("after %v source %v", after.Schema, src.Values)
	}
	id := after.Get("id").(string)
	if len(id) != 36 || id[14] != '4' || r.Key.(*connect.Struct).Get("id") != id {
		t.Fatalf("uuid %q key %v", id, r.Key)
	}
	var body map[string]any
	payload := after.Get("payload").(string)
	if err := json.Unmarshal([]byte(payload), &body); err != nil {
		t.Fatalf("payload is not JSON: %v\n%s", err, payload)
	}
	if len(payload) < 500 || len(payload) > 750 || !strings.HasPrefix(payload, `{"id": "`) {
		t.Fatalf("payload (%d bytes): %s", len(payload), payload)
	}
	for _, name := range []string{"id", "aggregatetype", "aggregateid", "type", "payload"} {
		if _, ok := after.Schema.Field(name); !ok {
			t.Errorf("outbox column %s missing", name)
		}
	}
	if r.SourceOffset["seq"] != int64(3) || r.SourcePartition["datagen"] != "shop.public.outboxevent" {
		t.Fatalf("offsets %v %v", r.SourcePartition, r.SourceOffset)
	}
	if !reflect.DeepEqual(s.Record(3), r) {
		t.Fatal("record 3 is not deterministic")
	}
	if reflect.DeepEqual(New(Options{Kind: KindOutbox, TopicPrefix: "shop", PayloadBytes: 600, Seed: 8}).Record(3).Value, r.Value) {
		t.Fatal("another seed gave the same record")
	}
	if env.Get("ts_ms").(int64) != r.Timestamp.UnixMilli() || src.Get("lsn").(int64) <= s.Record(2).Value.(*connect.Struct).Get("source").(*connect.Struct).Get("lsn").(int64) {
		t.Fatal("timestamps or LSNs are not consistent")
	}
}

func TestCountAndResume(t *testing.T) {
	r := connect.NewRegistry()
	Register(r)
	p, err := r.Lookup(connect.KindSource, "datagen")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := p.Config.Parse(map[string]string{"count": "10", "poll.records": "4", "kind": "json"})
	if err != nil {
		t.Fatal(err)
	}
	offs := connecttest.MapOffsets{{Partition: map[string]any{"datagen": "datagen"}, Offset: map[string]any{"seq": 5.0}}}
	task, err := p.NewSource(context.Background(), cfg, connect.TaskContext{Offsets: offs})
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for len(seqs) < 4 {
		recs, _ := task.Poll(context.Background())
		for _, rec := range recs {
			seqs = append(seqs, rec.SourceOffset["seq"].(int64))
		}
	}
	if !reflect.DeepEqual(seqs, []int64{6, 7, 8, 9}) {
		t.Fatalf("resumed seqs %v", seqs)
	}
	fresh := New(Options{})
	if !reflect.DeepEqual(fresh.Record(7).Value, New(Options{}).Record(7).Value) {
		t.Fatal("json kind not deterministic")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if recs, err := task.Poll(ctx); recs != nil || err != nil {
		t.Fatalf("after count: %v %v", recs, err)
	}
	if _, err := p.Config.Parse(map[string]string{"kind": "avro", "rate": "-1"}); len(connect.AsConfigErrors(err)) != 2 {
		t.Fatalf("want two errors, got %v", err)
	}
}

func TestRate(t *testing.T) {
	now := time.Unix(0, 0)
	s := New(Options{Rate: 100, Now: func() time.Time { return now }})
	recs, _ := s.Poll(context.Background())
	if len(recs) != 1 {
		t.Fatalf("first poll %d", len(recs))
	}
	now = now.Add(500 * time.Millisecond)
	recs, _ = s.Poll(context.Background())
	if len(recs) != 50 {
		t.Fatalf("after 0.5 s at 100/s: %d", len(recs))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if recs, _ := s.Poll(ctx); len(recs) != 0 || time.Since(start) > time.Second {
		t.Fatalf("no record due, got %d", len(recs))
	}
}

func TestContract(t *testing.T) {
	connecttest.TestSourceTask(t, func(context.Context) (connect.SourceTask, error) {
		return New(Options{Kind: KindOutbox, Count: 3}), nil
	})
	connecttest.TestSourceTask(t, func(context.Context) (connect.SourceTask, error) {
		return New(Options{Rate: 1}), nil
	})
}

func BenchmarkOutboxRecord(b *testing.B) {
	s := New(Options{Kind: KindOutbox, PayloadBytes: 600})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = s.Record(int64(i))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkJSONRecord(b *testing.B) {
	s := New(Options{})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = s.Record(int64(i))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// jsonb prints v as PostgreSQL prints jsonb: object keys by length, then
// bytewise; ", " and ": " separators.
func jsonb(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if len(keys[i]) != len(keys[j]) {
				return len(keys[i]) < len(keys[j])
			}
			return keys[i] < keys[j]
		})
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = strconv.Quote(k) + ": " + jsonb(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = jsonb(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case string:
		return strconv.Quote(x)
	case json.Number:
		return string(x)
	}
	return fmt.Sprint(v)
}

func TestPayloadIsNormalizedJSONB(t *testing.T) {
	for _, size := range []int{0, 120, 600, 2000} {
		s := New(Options{Kind: KindOutbox, PayloadBytes: size})
		for seq := int64(0); seq < 20; seq++ {
			p := s.Record(seq).Value.(*connect.Struct).Get("after").(*connect.Struct).Get("payload").(string)
			dec := json.NewDecoder(strings.NewReader(p))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("payload is not JSON: %v\n%s", err, p)
			}
			if jsonb(v) != p {
				t.Fatalf("not in jsonb form:\n got %s\nwant %s", p, jsonb(v))
			}
			if size >= 600 && (len(p) < size-100 || len(p) > size+100) {
				t.Fatalf("size %d: payload is %d bytes", size, len(p))
			}
		}
	}
}
