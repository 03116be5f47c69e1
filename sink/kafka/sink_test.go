package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

var quiet = func() *slog.Logger {
	// INLET_KAFKA_DEBUG=1 shows franz-go's logs when a test misbehaves.
	if os.Getenv("INLET_KAFKA_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}()

func newSink(t testing.TB, worker map[string]string, kv ...string) *Sink {
	t.Helper()
	s, err := tryNewSink(worker, 0, kv...)
	if err != nil {
		t.Fatalf("open sink: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func tryNewSink(worker map[string]string, task int, kv ...string) (*Sink, error) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	cfg, err := ConfigDef().Parse(m)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return open(ctx, cfg, connect.TaskContext{Pipeline: "pipe", Task: task, Logger: quiet, Worker: worker})
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestDeliveryKeepsKeyHeadersTimestamp(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(3, "orders"))
	s := newSink(t, c.Worker())
	ts := time.UnixMilli(1_700_000_000_123)
	recs := []*connect.Record{
		{Topic: "orders", Partition: -1, Key: []byte("k1"), Value: []byte("v1"), Timestamp: ts,
			Headers: connect.Headers{{Key: "h", Value: []byte("x")}, {Key: "h", Value: []byte("y")}, {Key: "nil", Value: nil}}},
		{Topic: "orders", Partition: 2, Key: nil, Value: []byte("explicit")},
		{Topic: "orders", Partition: -1, Key: []byte("tomb"), Value: nil, Timestamp: ts},
	}
	if err := s.Put(ctx(t), recs); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx(t)); err != nil {
		t.Fatal(err)
	}
	got := c.ReadAll(t, "orders", false)
	if len(got) != 3 {
		t.Fatalf("read %d records, want 3", len(got))
	}
	byVal := map[string]int{}
	for i, r := range got {
		byVal[string(r.Key)+"/"+string(r.Value)] = i
	}
	r1 := got[byVal["k1/v1"]]
	if !r1.Timestamp.Equal(ts) || len(r1.Headers) != 3 || string(r1.Headers[0].Value) != "x" || string(r1.Headers[1].Value) != "y" || r1.Headers[2].Value != nil {
		t.Errorf("k1: ts=%v headers=%v", r1.Timestamp, r1.Headers)
	}
	if r1.Partition != int32(JavaPartition([]byte("k1"), 3)) {
		t.Errorf("k1 in partition %d, want %d", r1.Partition, JavaPartition([]byte("k1"), 3))
	}
	if r := got[byVal["/explicit"]]; r.Partition != 2 || r.Key != nil {
		t.Errorf("explicit partition record: partition %d key %v", r.Partition, r.Key)
	}
	if r := got[byVal["tomb/"]]; r.Value != nil {
		t.Errorf("tombstone value = %q, want null", r.Value)
	}
}

// Known Java values: Utils.murmur2 of these keys (Kafka's UtilsTest), and
// the default partitioner's toPositive(h) % n.
func TestMurmur2MatchesJava(t *testing.T) {
	java := map[string]int32{
		"21": -973932308, "foobar": -790332482, "a-little-bit-long-string": -985981536,
		"a-little-bit-longer-string": -1486304829, "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971, "abc": 479470107,
	}
	const parts = 7
	c := kafkatest.Start(t, kfake.SeedTopics(parts, "keys"))
	s := newSink(t, c.Worker())
	var recs []*connect.Record
	for k, h := range java {
		if got := int32(Murmur2([]byte(k))); got != h {
			t.Errorf("Murmur2(%q) = %d, Java says %d", k, got, h)
		}
		recs = append(recs, &connect.Record{Topic: "keys", Partition: -1, Key: []byte(k), Value: []byte(k)})
	}
	if err := s.Put(ctx(t), recs); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx(t)); err != nil {
		t.Fatal(err)
	}
	for _, r := range c.ReadAll(t, "keys", false) {
		want := int32((java[string(r.Key)] & 0x7fffffff) % parts)
		if r.Partition != want {
			t.Errorf("key %q in partition %d, Java's default partitioner picks %d", r.Key, r.Partition, want)
		}
	}
}

func TestRejectsNonBytesAndBadPartition(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(2, "t"))
	s := newSink(t, c.Worker())
	good := &connect.Record{Topic: "t", Partition: -1, Value: []byte("ok")}
	notBytes := &connect.Record{Topic: "t", Partition: -1, Value: map[string]any{"a": 1}}
	noPart := &connect.Record{Topic: "t", Partition: 9, Value: []byte("x")}
	err := s.Put(ctx(t), []*connect.Record{good, notBytes, noPart})
	var re connect.RecordErrors
	if !errors.As(err, &re) || len(re) != 1 || re[0].Record != notBytes || !connect.IsPermanent(re[0].Err) || !errors.Is(re[0].Err, ErrNotBytes) {
		t.Fatalf("Put = %v, want one permanent ErrNotBytes for the map value", err)
	}
	err = s.Flush(ctx(t))
	if !errors.As(err, &re) || len(re) != 1 || re[0].Record != noPart || !connect.IsPermanent(re[0].Err) {
		t.Fatalf("Flush = %v, want one permanent error for partition 9 of 2", err)
	}
	if got := c.ReadAll(t, "t", false); len(got) != 1 || string(got[0].Value) != "ok" {
		t.Fatalf("topic holds %v", got)
	}
}

func TestTopicCreationGroups(t *testing.T) {
	c := kafkatest.Start(t)
	s := newSink(t, c.Worker(),
		"topic.creation.groups", "compacted,big",
		"topic.creation.default.partitions", "1", "topic.creation.default.replication.factor", "1",
		"topic.creation.compacted.include", "state\\..*", "topic.creation.compacted.exclude", "state\\.tmp.*",
		"topic.creation.compacted.cleanup.policy", "compact",
		"topic.creation.big.include", "big.*,state\\.tmp.*", "topic.creation.big.partitions", "5")
	var recs []*connect.Record
	for _, tp := range []string{"state.users", "state.tmp1", "bigone", "other"} {
		recs = append(recs, &connect.Record{Topic: tp, Partition: -1, Key: []byte("k"), Value: []byte("v")})
	}
	if err := s.Put(ctx(t), recs); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx(t)); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"state.users": 1, "state.tmp1": 5, "bigone": 5, "other": 1}
	for tp, n := range want {
		if got := len(c.PartitionInfos(tp)); got != n {
			t.Errorf("%s: %d partitions, want %d", tp, got, n)
		}
	}
	ti := c.TopicInfo("state.users")
	if ti == nil || ti.Configs["cleanup.policy"] == nil || *ti.Configs["cleanup.policy"] != "compact" {
		t.Errorf("state.users configs = %+v, want cleanup.policy=compact", ti)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		worker map[string]string
		kv     []string
		key    string
	}{
		{nil, []string{"topic.creation.default.partitions", "3"}, "topic.creation.default.replication.factor"},
		{nil, []string{"topic.creation.groups", "g", "topic.creation.default.partitions", "1", "topic.creation.default.replication.factor", "1"}, "topic.creation.g.include"},
		{nil, []string{"topic.creation.x.include", "a"}, "topic.creation.x.include"},
		{nil, []string{"exactly.once.support", "required"}, "exactly.once.support"},
		{map[string]string{"offset.storage.topic": "o"}, []string{"exactly.once.support", "required", "offsets.storage.topic", "p"}, "offsets.storage.topic"},
		{map[string]string{"offset.storage.topic": "o"}, []string{"exactly.once.support", "required", "acks", "1"}, "acks"},
		{nil, []string{"transaction.boundary", "connector"}, "transaction.boundary"},
		{nil, []string{"transaction.boundary.interval.ms", "100"}, "transaction.boundary.interval.ms"},
		{nil, []string{"producer.override.lingerms", "1"}, "producer.override.lingerms"},
		{nil, []string{"compression.type", "brotli"}, "compression.type"},
		{map[string]string{"producer.partitioner.class": "x"}, nil, "producer.partitioner.class"},
	} {
		w := map[string]string{"bootstrap.servers": "127.0.0.1:1"}
		for k, v := range tc.worker {
			w[k] = v
		}
		_, err := tryNewSink(w, 0, tc.kv...)
		found := false
		for _, e := range connect.AsConfigErrors(err) {
			found = found || e.Key == tc.key
		}
		if !found {
			t.Errorf("%v %v: error %v does not name %s", tc.worker, tc.kv, err, tc.key)
		}
	}
}

// freePort returns a loopback port nothing listens on (yet).
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return p
}

func values(n int, prefix string) []*connect.Record {
	recs := make([]*connect.Record, n)
	for i := range recs {
		recs[i] = &connect.Record{Topic: "t", Partition: -1, Key: []byte(strconv.Itoa(i)), Value: []byte(prefix + strconv.Itoa(i))}
	}
	return recs
}

// deliver runs Put/Flush like the runtime: records that failed retriably
// are put again, up to attempts times.
func deliver(t *testing.T, s *Sink, recs []*connect.Record, attempts int) (tries int) {
	t.Helper()
	for tries = 1; ; tries++ {
		err := s.Put(ctx(t), recs)
		if err == nil {
			err = s.Flush(ctx(t))
		}
		if err == nil {
			return tries
		}
		var re connect.RecordErrors
		if !errors.As(err, &re) {
			t.Fatalf("attempt %d: %v", tries, err)
		}
		recs = recs[:0:0]
		for _, e := range re {
			if !connect.IsRetriable(e.Err) || connect.IsPermanent(e.Err) {
				t.Fatalf("attempt %d: non-retriable %v", tries, e.Err)
			}
			recs = append(recs, e.Record)
		}
		if tries >= attempts {
			t.Fatalf("still failing after %d attempts: %v", tries, err)
		}
	}
}

func checkAll(t *testing.T, c *kafkatest.Cluster, n int, prefix string) {
	t.Helper()
	seen := map[string]int{}
	for _, r := range c.ReadAll(t, "t", false) {
		seen[string(r.Value)]++
	}
	for i := 0; i < n; i++ {
		if seen[prefix+strconv.Itoa(i)] == 0 {
			t.Fatalf("record %s%d lost (have %d distinct)", prefix, i, len(seen))
		}
	}
}

func TestBrokerUnavailableAtStart(t *testing.T) {
	port := freePort(t)
	w := map[string]string{"bootstrap.servers": fmt.Sprintf("127.0.0.1:%d", port)}
	s := newSink(t, w, "delivery.timeout.ms", "1000")
	recs := values(50, "a")
	err := s.Put(ctx(t), recs)
	if err == nil {
		err = s.Flush(ctx(t))
	}
	var re connect.RecordErrors
	if !errors.As(err, &re) || len(re) != 50 || !connect.IsRetriable(re[0].Err) {
		t.Fatalf("with no broker: %v, want 50 retriable record errors", err)
	}
	c := kafkatest.Start(t, kfake.Ports(port), kfake.SeedTopics(2, "t"))
	deliver(t, s, recs, 20)
	checkAll(t, c, 50, "a")
}

func TestBrokerFailsMidStream(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(2, "t"))
	s := newSink(t, c.Worker(), "delivery.timeout.ms", "1000")
	deliver(t, s, values(20, "a"), 1)
	// Every produce now fails as a broker that lost leadership would.
	h := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Err: kerr.NotLeaderForPartition, Count: -1})
	recs := values(30, "b")
	err := s.Put(ctx(t), recs)
	if err == nil {
		err = s.Flush(ctx(t))
	}
	var re connect.RecordErrors
	if !errors.As(err, &re) || len(re) == 0 || !connect.IsRetriable(re[0].Err) {
		t.Fatalf("during the outage: %v, want retriable record errors", err)
	}
	h.Remove()
	var failed []*connect.Record
	for _, e := range re {
		failed = append(failed, e.Record)
	}
	deliver(t, s, failed, 20)
	checkAll(t, c, 20, "a")
	checkAll(t, c, 30, "b")
}

// A broker that accepts nothing: Put must block at the buffer limit and
// fail the rest as retriable after max.block.ms, not buffer without bound.
func TestBackpressureBoundsMemory(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(1, "t"))
	s := newSink(t, c.Worker(), "max.buffered.records", "100", "max.block.ms", "300", "delivery.timeout.ms", "60000")
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Err: kerr.NotLeaderForPartition, Count: -1})
	start := time.Now()
	err := s.Put(ctx(t), values(1000, "x"))
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Put blocked %v", d)
	}
	if n := s.cl.BufferedProduceRecords(); n > 100 {
		t.Fatalf("%d records buffered, limit 100", n)
	}
	// Records that found no room fail (retriable) in Put or at Flush.
	fctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	ferr := s.Flush(fctx)
	if err == nil && ferr == nil {
		t.Fatal("no error although the broker accepted nothing")
	}
	if !connect.IsRetriable(ferr) {
		t.Fatalf("flush against a stuck broker: %v, want retriable", ferr)
	}
}

func TestSinkPluginRegisters(t *testing.T) {
	r := connect.NewRegistry()
	Register(r)
	if _, err := r.Lookup(connect.KindSink, "kafka"); err != nil {
		t.Fatal(err)
	}
	p, err := r.Lookup(connect.KindOffsetStore, "kafka")
	if err != nil {
		t.Fatal(err)
	}
	c := kafkatest.Start(t)
	cfg, err := p.Config.Parse(map[string]string{"bootstrap.servers": c.Addr, "offset.storage.topic": "offs", "offset.storage.replication.factor": "1", "offset.storage.partitions": "2"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := p.NewOffsetStore(ctx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.(io.Closer).Close()
	if err := st.Put(ctx(t), "p", []connect.SourceOffset{{Partition: map[string]any{"a": "b"}, Offset: map[string]any{"o": 1}}}); err != nil {
		t.Fatal(err)
	}
	if got := len(c.PartitionInfos("offs")); got != 2 {
		t.Fatalf("offsets topic has %d partitions", got)
	}
	if !strings.Contains(p.Doc, "Kafka Connect") {
		t.Fatal("doc")
	}
}

// Producer settings layer as in Kafka Connect: worker producer.* < the
// sink's own keys < producer.override.*. The batch's codec shows which won.
func TestProducerSettingsLayering(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(1, "t"))
	for _, tc := range []struct {
		worker []string
		kv     []string
		codec  uint8 // Kafka's compression attribute
	}{
		{[]string{"producer.compression.type", "gzip"}, nil, 1},
		{[]string{"producer.compression.type", "gzip"}, []string{"compression.type", "lz4"}, 3},
		{[]string{"producer.compression.type", "gzip"}, []string{"compression.type", "lz4", "producer.override.compression.type", "zstd"}, 4},
	} {
		s := newSink(t, c.Worker(tc.worker...), tc.kv...)
		val := []byte(strings.Repeat("compressible ", 50))
		if err := s.Put(ctx(t), []*connect.Record{{Topic: "t", Partition: -1, Value: val}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(ctx(t)); err != nil {
			t.Fatal(err)
		}
		got := c.ReadAll(t, "t", false)
		if codec := got[len(got)-1].Attrs.CompressionType(); codec != tc.codec {
			t.Errorf("worker %v sink %v: codec %d, want %d", tc.worker, tc.kv, codec, tc.codec)
		}
	}
}

func TestTopicCreationNeedsWorkerEnable(t *testing.T) {
	_, err := tryNewSink(map[string]string{"bootstrap.servers": "127.0.0.1:1", "topic.creation.enable": "false"}, 0,
		"topic.creation.default.partitions", "1", "topic.creation.default.replication.factor", "1")
	if err == nil || !strings.Contains(err.Error(), "topic.creation.enable=false") {
		t.Fatalf("err = %v", err)
	}
}
