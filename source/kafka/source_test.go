package kafka

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newSource(t testing.TB, c *kafkatest.Cluster, kv ...string) *Source {
	t.Helper()
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	cfg, err := ConfigDef().Parse(m)
	if err != nil {
		t.Fatal(err)
	}
	s, err := open(context.Background(), cfg, connect.TaskContext{Pipeline: "pipe", Logger: quiet, Worker: c.Worker("consumer.session.timeout.ms", "6000", "consumer.heartbeat.interval.ms", "200")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func tctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// pollN polls until n records arrived.
func pollN(t testing.TB, s *Source, n int) []*connect.Record {
	t.Helper()
	var out []*connect.Record
	ctx := tctx(t)
	for len(out) < n {
		rs, err := s.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ctx.Err() != nil {
			t.Fatalf("got %d records, want %d", len(out), n)
		}
		out = append(out, rs...)
	}
	return out
}

func produceN(t testing.TB, c *kafkatest.Cluster, topic string, from, n int) {
	t.Helper()
	var rs []*kgo.Record
	for i := from; i < from+n; i++ {
		rs = append(rs, &kgo.Record{Topic: topic, Key: []byte(strconv.Itoa(i)), Value: []byte("v" + strconv.Itoa(i))})
	}
	c.Produce(t, rs...)
}

func TestPollKeepsBytesAndCoordinates(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(1, "in"))
	ts := time.UnixMilli(1_600_000_000_000)
	c.Produce(t,
		&kgo.Record{Topic: "in", Key: []byte("k"), Value: []byte("v"), Timestamp: ts, Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("1")}, {Key: "h", Value: []byte("2")}}},
		&kgo.Record{Topic: "in", Key: nil, Value: nil},
	)
	s := newSource(t, c, "topics", "in")
	rs := pollN(t, s, 2)
	r := rs[0]
	if string(r.Key.([]byte)) != "k" || string(r.Value.([]byte)) != "v" || !r.Timestamp.Equal(ts) {
		t.Fatalf("record 0 = %+v", r)
	}
	if len(r.Headers) != 2 || string(r.Headers[1].Value.([]byte)) != "2" {
		t.Fatalf("headers = %+v", r.Headers)
	}
	if r.Origin != (connect.Origin{Topic: "in", Partition: 0, Offset: 0}) || r.SourcePartition["kafka_topic"] != "in" || r.SourcePartition["kafka_partition"] != int32(0) || r.SourceOffset["kafka_offset"] != int64(1) {
		t.Fatalf("coordinates: origin %+v partition %v offset %v", r.Origin, r.SourcePartition, r.SourceOffset)
	}
	if rs[1].Key != nil || rs[1].Value != nil {
		t.Fatalf("null key/value became %#v / %#v", rs[1].Key, rs[1].Value)
	}
}

func groupOffsets(t testing.TB, c *kafkatest.Cluster, group string) map[int32]int64 {
	t.Helper()
	adm := kadm.NewClient(c.Client(t))
	os, err := adm.FetchOffsets(tctx(t), group)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	os.Each(func(o kadm.OffsetResponse) { out[o.Partition] = o.At })
	return out
}

// Offsets move only in Commit: a restart before it re-reads the records, a
// restart after it resumes after them.
func TestCommitOnlyAfterSinkFlushAndResume(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(1, "in"))
	produceN(t, c, "in", 0, 10)
	s := newSource(t, c, "topics", "in")
	rs := pollN(t, s, 10)
	if got := groupOffsets(t, c, "connect-pipe"); len(got) != 0 {
		t.Fatalf("committed before Commit: %v", got)
	}
	s.Close()

	s = newSource(t, c, "topics", "in")
	rs = pollN(t, s, 10)
	if string(rs[0].Value.([]byte)) != "v0" {
		t.Fatalf("after a restart without commit, first record = %s, want v0", rs[0].Value)
	}
	// The runtime stored the offsets of the first 6 records.
	if err := s.Commit(tctx(t), []connect.SourceOffset{{Partition: rs[5].SourcePartition, Offset: rs[5].SourceOffset}}); err != nil {
		t.Fatal(err)
	}
	if got := groupOffsets(t, c, "connect-pipe"); got[0] != 6 {
		t.Fatalf("group offset = %v, want 6", got)
	}
	// An older offset never moves the group backwards.
	if err := s.Commit(tctx(t), []connect.SourceOffset{{Partition: rs[1].SourcePartition, Offset: rs[1].SourceOffset}}); err != nil {
		t.Fatal(err)
	}
	if got := groupOffsets(t, c, "connect-pipe"); got[0] != 6 {
		t.Fatalf("group offset after a stale commit = %v, want 6", got)
	}
	s.Close()
	s = newSource(t, c, "topics", "in")
	if rs := pollN(t, s, 4); string(rs[0].Value.([]byte)) != "v6" {
		t.Fatalf("resumed at %s, want v6", rs[0].Value)
	}
}

func TestStartPositions(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(1, "in"))
	base := time.UnixMilli(1_700_000_000_000)
	var rs []*kgo.Record
	for i := 0; i < 5; i++ {
		rs = append(rs, &kgo.Record{Topic: "in", Value: []byte("v" + strconv.Itoa(i)), Timestamp: base.Add(time.Duration(i) * time.Minute)})
	}
	c.Produce(t, rs...)

	s := newSource(t, c, "topics", "in", "group.id", "g-ts", "start.timestamp", base.Add(150*time.Second).UTC().Format(time.RFC3339))
	if got := pollN(t, s, 2); string(got[0].Value.([]byte)) != "v3" {
		t.Fatalf("start.timestamp: first = %s, want v3", got[0].Value)
	}

	latest := newSource(t, c, "topics", "in", "group.id", "g-latest", "auto.offset.reset", "latest")
	// Wait until the group is joined and positioned at the end.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		latest.mu.Lock()
		n := len(latest.parts)
		latest.mu.Unlock()
		if n > 0 {
			break
		}
		latest.Poll(tctx(t))
	}
	c.Produce(t, &kgo.Record{Topic: "in", Value: []byte("new")})
	if got := pollN(t, latest, 1); string(got[0].Value.([]byte)) != "new" {
		t.Fatalf("latest: first = %s, want new", got[0].Value)
	}
}

func TestTopicsRegexAndReadCommitted(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(1, "app.a", "app.b", "other"))
	produceN(t, c, "app.a", 0, 1)
	produceN(t, c, "other", 100, 1)
	// An aborted transaction on app.b, then a committed one.
	tx := c.Client(t, kgo.TransactionalID("tx"))
	for _, commit := range []kgo.TransactionEndTry{kgo.TryAbort, kgo.TryCommit} {
		if err := tx.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := tx.ProduceSync(tctx(t), &kgo.Record{Topic: "app.b", Value: []byte(strconv.FormatBool(bool(commit)))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if err := tx.EndTransaction(tctx(t), commit); err != nil {
			t.Fatal(err)
		}
	}
	s := newSource(t, c, "topics.regex", "app\\..*", "isolation.level", "read_committed")
	rs := pollN(t, s, 2)
	seen := map[string]string{}
	for _, r := range rs {
		seen[r.Topic] = string(r.Value.([]byte))
	}
	if seen["app.a"] != "v0" || seen["app.b"] != "true" || len(seen) != 2 {
		t.Fatalf("read %v; want app.a and the committed app.b record only", seen)
	}
	// Nothing else arrives (the aborted record, the unmatched topic).
	extra, _ := s.Poll(tctx(t))
	if len(extra) != 0 {
		t.Fatalf("unexpected records: %v", extra)
	}
}

// Two tasks of one pipeline share the group. When the second joins, the
// first commits what the runtime finished in the partitions it gives up,
// and ignores later commits for partitions it no longer owns.
func TestRebalanceCommitsDoneAndDropsRevoked(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(4, "in"))
	var rs []*kgo.Record
	for p := int32(0); p < 4; p++ {
		for i := 0; i < 5; i++ {
			rs = append(rs, &kgo.Record{Topic: "in", Partition: p, Value: []byte("v")})
		}
	}
	cl := c.Client(t, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err := cl.ProduceSync(tctx(t), rs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	a := newSource(t, c, "topics", "in", "partition.assignment.strategy", "RangeAssignor")
	got := pollN(t, a, 20)
	// The runtime finished the first 3 records of every partition.
	for _, r := range got {
		if r.Origin.Offset < 3 {
			a.CommitRecord(tctx(t), r, true)
		}
	}
	b := newSource(t, c, "topics", "in", "partition.assignment.strategy", "RangeAssignor")
	ctx := tctx(t)
	for {
		b.Poll(ctx) // joins; the group rebalances
		b.mu.Lock()
		nb := len(b.parts)
		b.mu.Unlock()
		a.Poll(ctx)
		a.mu.Lock()
		na := len(a.parts)
		a.mu.Unlock()
		if na == 2 && nb == 2 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no rebalance: a has %d, b has %d partitions", na, nb)
		}
	}
	offs := groupOffsets(t, c, "connect-pipe")
	var revoked []int32
	for p := int32(0); p < 4; p++ {
		a.mu.Lock()
		_, mine := a.parts[tp{"in", p}]
		a.mu.Unlock()
		if !mine {
			revoked = append(revoked, p)
			if offs[p] != 3 {
				t.Errorf("revoked partition %d committed at %d, want 3 (done records)", p, offs[p])
			}
		}
	}
	// A late commit from the runtime for a revoked partition is ignored.
	late := connect.SourceOffset{Partition: map[string]any{"kafka_topic": "in", "kafka_partition": revoked[0]}, Offset: map[string]any{"kafka_offset": int64(5)}}
	if err := a.Commit(tctx(t), []connect.SourceOffset{late}); err != nil {
		t.Fatal(err)
	}
	if got := groupOffsets(t, c, "connect-pipe")[revoked[0]]; got != 3 {
		t.Fatalf("late commit moved revoked partition %d to %d", revoked[0], got)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, kv := range [][]string{
		{},
		{"topics", "a", "topics.regex", "b"},
		{"topics", "a", "start.timestamp", "yesterday"},
		{"topics", "a", "consumer.override.enable.auto.commit", "true"},
		{"topics", "a", "consumer.override.fetch.max.byte", "1"},
	} {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		cfg, err := ConfigDef().Parse(m)
		if err == nil {
			_, err = open(context.Background(), cfg, connect.TaskContext{Pipeline: "p", Worker: map[string]string{"bootstrap.servers": "127.0.0.1:1"}})
		}
		if err == nil || connect.AsConfigErrors(err) == nil {
			t.Errorf("%v: err = %v, want config errors", kv, err)
		}
	}
}

// Fetches fail for a while (a leader moving, a broker restarting): the
// source keeps polling and reads every record once the broker is back.
func TestFetchFailuresThenRecovery(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(1, "in"))
	produceN(t, c, "in", 0, 20)
	h := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Err: kerr.NotLeaderForPartition, Count: -1})
	s := newSource(t, c, "topics", "in")
	ctx := tctx(t)
	for i := 0; i < 2; i++ {
		rs, err := s.Poll(ctx)
		if len(rs) > 0 {
			t.Fatalf("records while every fetch fails: %d", len(rs))
		}
		if err != nil && !connect.IsRetriable(err) {
			t.Fatalf("poll during the outage: %v, want nothing or a retriable error", err)
		}
	}
	h.Remove()
	got := pollN(t, s, 20)
	for i, r := range got {
		if r.Origin.Offset != int64(i) {
			t.Fatalf("record %d has offset %d", i, r.Origin.Offset)
		}
	}
}
