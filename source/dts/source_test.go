package dts_test

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/source/dts"
	"github.com/inletdev/inlet/source/dts/dtstest"
)

func newCluster(t *testing.T) *dtstest.Cluster {
	t.Helper()
	c, err := dtstest.NewCluster(dtstest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func props(c *dtstest.Cluster, extra ...string) map[string]string {
	p := map[string]string{
		"dts.broker.url": c.Addr, "dts.topic": c.Topic, "dts.sid": c.Sid,
		"dts.user": c.User, "dts.password": c.Password, "dts.region": "cn-hangzhou", "dts.task.id": "dtstask1",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i]] = extra[i+1]
	}
	return p
}

type mapOffsets map[string]any

func (m mapOffsets) Offset(map[string]any) (map[string]any, error) {
	if m == nil {
		return nil, nil
	}
	return m, nil
}

func openSource(t *testing.T, p map[string]string, stored map[string]any) (connect.SourceTask, error) {
	t.Helper()
	return openSourceLog(t, p, stored, nil)
}

// openSourceLog is openSource with the task logging to log (nil: the
// default logger). The task is closed when the test ends.
func openSourceLog(t *testing.T, p map[string]string, stored map[string]any, log *slog.Logger) (connect.SourceTask, error) {
	t.Helper()
	r := connect.NewRegistry()
	dts.Register(r)
	pl, err := r.Lookup(connect.KindSource, "dts")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pl.Config.Parse(p)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	task, err := pl.NewSource(ctx, cfg, connect.TaskContext{Pipeline: "orders-stream", Offsets: mapOffsets(stored), Logger: log})
	if err == nil {
		t.Cleanup(func() { task.(interface{ Close() error }).Close() })
	}
	return task, err
}

// pollN polls until n records arrived (or fails after a timeout).
func pollN(t *testing.T, task connect.SourceTask, n int) []*connect.Record {
	t.Helper()
	var out []*connect.Record
	deadline := time.Now().Add(15 * time.Second)
	for len(out) < n {
		if time.Now().After(deadline) {
			t.Fatalf("got %d records, want %d", len(out), n)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		rs, err := task.Poll(ctx)
		cancel()
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Poll: %v", err)
		}
		out = append(out, rs...)
	}
	return out
}

func opID(r *connect.Record) (string, any) {
	v := r.Value.(map[string]any)
	return v["operationType"].(string), v["id"]
}

func TestSourceCheckpointCommitResume(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	g := dtstest.Gen{TS: 1655769600}                            // 2022-06-21 00:00:00 UTC
	old := []dtstest.Record{g.Begin(), g.Insert(1), g.Commit()} // ids 1-3, before the checkpoint
	g.TS += 3600
	batch1 := []dtstest.Record{g.Begin(), g.Insert(2), g.Update(2, "NEW", "PAID"), g.Commit(), g.Heartbeat(), g.DDL("ALTER TABLE orders ADD x INT")}
	if _, err := c.Produce(ctx, old...); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Produce(ctx, batch1...); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ProduceRaw(ctx, g.TS, []byte{0}); err != nil { // a placeholder
		t.Fatal(err)
	}
	// 2022-06-21 09:00:00 +08:00 is 01:00:00 UTC: the second group.
	task, err := openSource(t, props(c, "dts.checkpoint", "2022-06-21 09:00:00 +08:00"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rs := pollN(t, task, 3)
	var got []string
	for _, r := range rs {
		op, id := opID(r)
		got = append(got, op+":"+itoa(id))
	}
	if strings.Join(got, ",") != "INSERT:5,UPDATE:6,DDL:9" {
		t.Fatalf("first run emitted %v, want INSERT:5,UPDATE:6,DDL:9 (checkpoint start, BEGIN/COMMIT/HEARTBEAT/placeholder skipped)", got)
	}
	if rs[0].Origin.Offset != 4 || rs[0].SourceOffset["offset"] != int64(5) {
		t.Fatalf("first record origin %+v offset %v", rs[0].Origin, rs[0].SourceOffset)
	}
	if h, _ := rs[1].Headers.Last("ce_subject"); h.Value != "acs:dts:cn-hangzhou::dtstask1/"+c.Sid {
		t.Errorf("ce_subject = %v", h.Value)
	}

	// Deliver only the first two: commit the UPDATE's offset.
	committer := task.(connect.SourceCommitter)
	if err := committer.Commit(ctx, []connect.SourceOffset{{Partition: rs[1].SourcePartition, Offset: rs[1].SourceOffset}}); err != nil {
		t.Fatal(err)
	}
	adm := admin(t, c)
	offs, err := adm.FetchOffsets(ctx, c.Sid)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := offs.Lookup(c.Topic, 0)
	if o.At != 6 || o.Metadata != "1655773200" {
		t.Fatalf("committed %d metadata %q, want 6 (after the UPDATE at offset 5) and the source timestamp 1655773200", o.At, o.Metadata)
	}
	task.(interface{ Close() error }).Close()

	// Restart with a different checkpoint: it is ignored, the group resumes
	// after the last committed offset, and the undelivered DDL comes again.
	g.TS += 60
	if _, err := c.Produce(ctx, g.Insert(3)); err != nil {
		t.Fatal(err)
	}
	task2, err := openSource(t, props(c, "dts.checkpoint", "1655769600"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rs = pollN(t, task2, 2)
	if op, id := opID(rs[0]); op != "DDL" || id != int64(9) {
		t.Fatalf("resume started at %s %v, want the DDL (id 9)", op, id)
	}
	if op, id := opID(rs[1]); op != "INSERT" || id != int64(10) {
		t.Fatalf("then %s %v, want INSERT 10", op, id)
	}
	// All emitted records delivered: the commit moves past trailing skipped ones too.
	if _, err := c.Produce(ctx, g.Heartbeat(), g.Heartbeat()); err != nil {
		t.Fatal(err)
	}
	pctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	if more, _ := task2.Poll(pctx); len(more) != 0 {
		t.Fatalf("heartbeats emitted: %v", more)
	}
	cancel()
	if err := task2.(connect.SourceCommitter).Commit(ctx, []connect.SourceOffset{{Partition: rs[1].SourcePartition, Offset: rs[1].SourceOffset}}); err != nil {
		t.Fatal(err)
	}
	offs, _ = adm.FetchOffsets(ctx, c.Sid)
	if o, _ := offs.Lookup(c.Topic, 0); o.At != 13 {
		t.Fatalf("committed %d after heartbeats, want 13", o.At)
	}
}

func itoa(v any) string {
	n, _ := v.(int64)
	return strconv.FormatInt(n, 10)
}

func admin(t *testing.T, c *dtstest.Cluster) *kadm.Client {
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addr), kgo.SASL(plain.Auth{User: c.SASLUser(), Pass: c.Password}.AsMechanism()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

func TestSourceCheckpointOutOfRange(t *testing.T) {
	c := newCluster(t)
	g := dtstest.Gen{TS: 1700000000}
	if _, err := c.Produce(context.Background(), g.Insert(1), g.Insert(2)); err != nil {
		t.Fatal(err)
	}
	for _, cp := range []string{"1600000000", "2030-01-01 00:00:00 UTC"} {
		_, err := openSource(t, props(c, "dts.checkpoint", cp), nil)
		if !errors.Is(err, dts.ErrCheckpointOutOfRange) || !strings.Contains(err.Error(), "dts.checkpoint") {
			t.Errorf("checkpoint %s: %v, want a checkpoint-out-of-range error naming dts.checkpoint", cp, err)
		}
	}
	// A zone-less date-time is a config error naming the key.
	_, err := openSource(t, props(c, "dts.checkpoint", "2022-06-21 00:00:00"), nil)
	if err == nil || !strings.Contains(err.Error(), "dts.checkpoint") || !strings.Contains(err.Error(), "time zone") {
		t.Errorf("zone-less checkpoint: %v", err)
	}
}

func TestSourceOneClientPerGroup(t *testing.T) {
	c := newCluster(t)
	g := dtstest.Gen{TS: 1700000000}
	if _, err := c.Produce(context.Background(), g.Insert(1)); err != nil {
		t.Fatal(err)
	}
	task, err := openSource(t, props(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	pollN(t, task, 1) // joined the group
	_, err = openSource(t, props(c), nil)
	if !errors.Is(err, dts.ErrSidInUse) || !strings.Contains(err.Error(), "in this worker") {
		t.Fatalf("second pipeline, same sid: %v", err)
	}
	task.(interface{ Close() error }).Close()

	// Another process's client in the group.
	other, err := kgo.NewClient(kgo.SeedBrokers(c.Addr), kgo.SASL(plain.Auth{User: c.SASLUser(), Pass: c.Password}.AsMechanism()),
		kgo.ConsumerGroup(c.Sid), kgo.ConsumeTopics(c.Topic), kgo.ClientID("java-sdk"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	other.PollFetches(ctx)
	cancel()
	_, err = openSource(t, props(c), nil)
	if !errors.Is(err, dts.ErrSidInUse) || !strings.Contains(err.Error(), "java-sdk") {
		t.Fatalf("group with another member: %v", err)
	}
}

func TestSourceBadPasswordAndUserSuffix(t *testing.T) {
	c := newCluster(t)
	_, err := openSource(t, props(c, "dts.password", "wrong"), nil)
	if err == nil || !strings.Contains(err.Error(), c.SASLUser()) || !strings.Contains(err.Error(), "dts.password") {
		t.Fatalf("bad password: %v", err)
	}
	// A user that already carries the sid is not suffixed twice.
	if _, err := openSource(t, props(c, "dts.user", c.SASLUser()), nil); err != nil {
		t.Fatalf("user with sid: %v", err)
	}
	if dts.SASLUser("acct", "sid1") != "acct-sid1" || dts.SASLUser("acct-sid1", "sid1") != "acct-sid1" {
		t.Error("SASLUser")
	}
}

func TestSourceCorruptRecordStopsTask(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	g := dtstest.Gen{TS: 1700000000}
	if _, err := c.Produce(ctx, g.Insert(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ProduceRaw(ctx, g.TS, []byte("not avro at all")); err != nil {
		t.Fatal(err)
	}
	task, err := openSource(t, props(c), map[string]any{"offset": float64(0)}) // stored offset, via JSON
	if err != nil {
		t.Fatal(err)
	}
	var got []*connect.Record
	var perr error
	deadline := time.Now().Add(10 * time.Second)
	for perr == nil && time.Now().Before(deadline) {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		rs, err := task.Poll(pctx)
		cancel()
		got = append(got, rs...)
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			perr = err
		}
	}
	if len(got) != 1 || perr == nil || !strings.Contains(perr.Error(), "partition 0 offset 1") {
		t.Fatalf("got %d records, error %v; want the INSERT, then an error naming offset 1", len(got), perr)
	}
}

// BenchmarkSourcePoll reads b.N emitted rows through the source task from
// kfake (SASL/PLAIN): consuming, decoding and building the events.
func BenchmarkSourcePoll(b *testing.B) {
	c, err := dtstest.NewCluster(dtstest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	g := dtstest.Gen{TS: 1700000000}
	ctx := context.Background()
	var recs []dtstest.Record
	for i := 0; i < b.N; i++ {
		recs = append(recs, g.Update(int64(i), "NEW", "PAID"))
		if len(recs) == 2000 || i == b.N-1 {
			if _, err := c.Produce(ctx, recs...); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	t := &testing.T{}
	task, err := openSource(t, props(c), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer task.(interface{ Close() error }).Close()
	b.ReportAllocs()
	b.ResetTimer()
	n, polls := 0, 0
	var first time.Duration
	for n < b.N {
		rs, err := task.Poll(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			first = b.Elapsed()
		}
		n += len(rs)
		polls++
	}
	b.Logf("%d rows in %d polls; first poll (joining the group) took %v", n, polls, first)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestSourceExpiredPositionStopsTask: when the data after the task's
// position expires while it runs (DTS retention, or records deleted), the
// task stops with an error naming the lost offset. It used to let the Kafka
// client jump to the earliest data still held and go on, skipping records.
func TestSourceExpiredPositionStopsTask(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	g := dtstest.Gen{TS: 1700000000}
	if _, err := c.Produce(ctx, g.Insert(1), g.Insert(2)); err != nil { // offsets 0, 1
		t.Fatal(err)
	}
	// Hold the first fetch from offset 2 until offsets 2 and 3 are deleted.
	deleted := make(chan struct{})
	var held atomic.Bool
	kf := c.Kfake()
	kf.ControlKey(int16(kmsg.Fetch), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		kf.KeepControl()
		req := kreq.(*kmsg.FetchRequest)
		for _, tp := range req.Topics {
			for _, p := range tp.Partitions {
				if p.FetchOffset >= 2 && held.CompareAndSwap(false, true) {
					kf.SleepControl(func() { <-deleted })
					kf.DropControl()
				}
			}
		}
		return nil, nil, false
	})
	task, err := openSource(t, props(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rs := pollN(t, task, 2); len(rs) != 2 {
		t.Fatalf("first poll: %d records", len(rs))
	}
	if _, err := c.Produce(ctx, g.Insert(3), g.Insert(4)); err != nil { // offsets 2, 3
		t.Fatal(err)
	}
	del := make(kadm.Offsets)
	del.Add(kadm.Offset{Topic: c.Topic, Partition: 0, At: 4})
	if _, err := admin(t, c).DeleteRecords(ctx, del); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Produce(ctx, g.Insert(5)); err != nil { // offset 4
		t.Fatal(err)
	}
	close(deleted)

	var got []*connect.Record
	var perr error
	deadline := time.Now().Add(10 * time.Second)
	for perr == nil && time.Now().Before(deadline) {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		rs, err := task.Poll(pctx)
		cancel()
		got = append(got, rs...)
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			perr = err
		}
	}
	if len(got) != 0 || !errors.Is(perr, dts.ErrCheckpointOutOfRange) || connect.IsRetriable(perr) ||
		!strings.Contains(perr.Error(), "offset 2") || !strings.Contains(perr.Error(), c.Sid) {
		t.Fatalf("after the expiry: %d records, error %v; want no record and a permanent error naming offset 2 and the consumer group", len(got), perr)
	}
	// The error stays: the task does not skip ahead on a later poll.
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if rs, err := task.Poll(pctx); len(rs) != 0 || !errors.Is(err, dts.ErrCheckpointOutOfRange) {
		t.Fatalf("next poll: %d records, %v", len(rs), err)
	}
}
