package dts_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/source/dts/dtstest"
)

// syncBuffer is a log sink the task's goroutines may write concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// openLogged opens a source task that logs to log.
func openLogged(t *testing.T, p map[string]string, stored map[string]any, log *syncBuffer) connect.SourceTask {
	t.Helper()
	task, err := openSourceLog(t, p, stored, slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	return task
}

// pollIDs polls until n records arrived, retrying retriable errors as the
// runtime does (the endpoint is down for a while during a switch), and
// returns their DTS record ids.
func pollIDs(t *testing.T, task connect.SourceTask, n int) ([]int64, []*connect.Record) {
	t.Helper()
	var ids []int64
	var recs []*connect.Record
	deadline := time.Now().Add(40 * time.Second)
	for len(ids) < n {
		if time.Now().After(deadline) {
			t.Fatalf("got records %v, want %d", ids, n)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		rs, err := task.Poll(ctx)
		cancel()
		if err != nil && !errors.Is(err, context.DeadlineExceeded) && !connect.IsRetriable(err) {
			t.Fatalf("Poll: %v", err)
		}
		for _, r := range rs {
			_, id := opID(r)
			ids = append(ids, id.(int64))
			recs = append(recs, r)
		}
	}
	return ids, recs
}

// TestSourceClusterSwitch: the DTS endpoint moves to another Kafka cluster
// (a disaster-recovery switch) whose offsets differ: the new cluster holds
// the stream from record 3 on, so the old position (offset 5) would be
// record 8 there, and records 6 and 7 would be skipped. The source notices
// the new cluster ID, re-seeks by the last source second read (record 5's)
// and goes on: record 5 again (same second, at-least-once), then 6, 7, 8.
// Old-cluster offsets are never committed to the new cluster, and a restart
// whose stored offset names the old cluster seeks by its timestamp.
func TestSourceClusterSwitch(t *testing.T) {
	ctx := context.Background()
	const t0 = 1700000000
	rec := func(id int64) dtstest.Record {
		g := dtstest.Gen{ID: id - 1, TS: t0 + id} // one record per second
		return g.Insert(id)
	}
	a, err := dtstest.NewCluster(dtstest.Options{ClusterID: "dts-dr-cluster-a"})
	if err != nil {
		t.Fatal(err)
	}
	aClosed := false
	defer func() {
		if !aClosed {
			a.Close()
		}
	}()
	if _, err := a.Produce(ctx, rec(1), rec(2), rec(3), rec(4), rec(5)); err != nil { // offsets 0-4
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	task := openLogged(t, props(a), nil, logs)
	ids, before := pollIDs(t, task, 5)
	if !slicesEqual(ids, []int64{1, 2, 3, 4, 5}) {
		t.Fatalf("cluster A: ids %v", ids)
	}
	if c := before[4].SourceOffset["cluster"]; c != "dts-dr-cluster-a" {
		t.Fatalf("source offset %v does not name the cluster", before[4].SourceOffset)
	}
	committer := task.(connect.SourceCommitter)
	if err := committer.Commit(ctx, []connect.SourceOffset{{Partition: before[4].SourcePartition, Offset: before[4].SourceOffset}}); err != nil {
		t.Fatal(err)
	}

	// The switch: A goes away, B answers on the same address.
	_, port, _ := net.SplitHostPort(a.Addr)
	a.Close()
	aClosed = true
	// While the endpoint is down, polls fail retriably and hand on nothing.
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		pctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		rs, err := task.Poll(pctx)
		cancel()
		if len(rs) != 0 || err != nil && !errors.Is(err, context.DeadlineExceeded) && !connect.IsRetriable(err) {
			t.Fatalf("while the endpoint is down: %d records, error %v", len(rs), err)
		}
	}
	p, _ := strconv.Atoi(port)
	b, err := dtstest.NewCluster(dtstest.Options{ClusterID: "dts-dr-cluster-b", Port: p})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Produce(ctx, rec(3), rec(4), rec(5), rec(6), rec(7), rec(8)); err != nil { // offsets 0-5
		t.Fatal(err)
	}
	ids, after := pollIDs(t, task, 4)
	if !slicesEqual(ids, []int64{5, 6, 7, 8}) {
		t.Fatalf("after the switch: ids %v, want [5 6 7 8] (5 again: the last second read is re-read)", ids)
	}
	out := logs.String()
	if n := strings.Count(out, "switched to another Kafka cluster"); n != 1 {
		t.Errorf("%d switch warnings, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "switched to another Kafka cluster") ||
		!strings.Contains(out, "dts-dr-cluster-a") || !strings.Contains(out, "dts-dr-cluster-b") ||
		!strings.Contains(out, "sourceTimestamp="+strconv.Itoa(t0+5)) {
		t.Fatalf("no warning naming both clusters and the re-read second:\n%s", out)
	}
	if o := after[3].SourceOffset; o["cluster"] != "dts-dr-cluster-b" || o["offset"] != int64(6) {
		t.Fatalf("record 8's source offset %v, want offset 6 of dts-dr-cluster-b", o)
	}

	// A delivered old-cluster offset is not committed to B; B's own is.
	adm := admin(t, b)
	if err := committer.Commit(ctx, []connect.SourceOffset{{Partition: before[4].SourcePartition, Offset: before[4].SourceOffset}}); err != nil {
		t.Fatal(err)
	}
	if got, err := adm.FetchOffsets(ctx, b.Sid); err == nil {
		if o, ok := got.Lookup(b.Topic, 0); ok && o.At >= 0 {
			t.Fatalf("an offset of cluster A was committed to B: %d", o.At)
		}
	}
	if err := committer.Commit(ctx, []connect.SourceOffset{{Partition: after[3].SourcePartition, Offset: after[3].SourceOffset}}); err != nil {
		t.Fatal(err)
	}
	got, err := adm.FetchOffsets(ctx, b.Sid)
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := got.Lookup(b.Topic, 0); !ok || o.At != 6 || o.Metadata != strconv.Itoa(t0+8) {
		t.Fatalf("committed to B: %+v, want offset 6 with metadata %d", o, t0+8)
	}

	// A restart whose stored offset still names cluster A seeks B by its
	// source second (record 4's), not by offset 4 (record 7 in B).
	task.(interface{ Close() error }).Close() // Close is idempotent: the cleanup's call does nothing
	task2 := openLogged(t, props(b), map[string]any{"offset": int64(4), "sourceTimestamp": int64(t0 + 4), "cluster": "dts-dr-cluster-a"}, logs)
	if ids, _ := pollIDs(t, task2, 5); !slicesEqual(ids, []int64{4, 5, 6, 7, 8}) {
		t.Fatalf("restart with a stored offset of cluster A: ids %v, want [4 5 6 7 8]", ids)
	}
}

func slicesEqual(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSourceClusterSwitchHoldsCommits: records read from the old cluster
// are still on their way to the sink when the cluster switches, and the new
// cluster has only heartbeats from the re-read second on. Until Commit sees
// the old records delivered, nothing of the new cluster is committed (a
// restart from the group's position would skip them); then the position
// after the heartbeats is.
func TestSourceClusterSwitchHoldsCommits(t *testing.T) {
	ctx := context.Background()
	const t0 = 1700000000
	gen := func(id int64) *dtstest.Gen { return &dtstest.Gen{ID: id - 1, TS: t0 + id} }
	a, err := dtstest.NewCluster(dtstest.Options{ClusterID: "dts-hold-a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Produce(ctx, gen(1).Insert(1), gen(2).Insert(2), gen(3).Insert(3)); err != nil { // offsets 0-2
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	task := openLogged(t, props(a), nil, logs)
	_, old := pollIDs(t, task, 3) // emitted, not yet delivered
	_, port, _ := net.SplitHostPort(a.Addr)
	a.Close()
	p, _ := strconv.Atoi(port)
	b, err := dtstest.NewCluster(dtstest.Options{ClusterID: "dts-hold-b", Port: p})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// B: record 2, then heartbeats of seconds 3 and 4 (offsets 0-2).
	if _, err := b.Produce(ctx, gen(2).Insert(2), gen(3).Heartbeat(), gen(4).Heartbeat()); err != nil {
		t.Fatal(err)
	}
	poll := func() {
		pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		rs, _ := task.Poll(pctx)
		cancel()
		if len(rs) != 0 {
			t.Fatalf("cluster B has no row changes from second %d on, got %d records", t0+3, len(rs))
		}
	}
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(logs.String(), "switched to another Kafka cluster"); poll() {
		if time.Now().After(deadline) {
			t.Fatalf("no switch to cluster B:\n%s", logs.String())
		}
	}
	committer := task.(connect.SourceCommitter)
	committed := func() int64 {
		got, err := admin(t, b).FetchOffsets(ctx, b.Sid)
		if err != nil {
			return -1
		}
		if o, ok := got.Lookup(b.Topic, 0); ok {
			return o.At
		}
		return -1
	}
	// Record 2 of A delivered, record 3 not yet: nothing is committed to B.
	if err := committer.Commit(ctx, []connect.SourceOffset{{Partition: old[1].SourcePartition, Offset: old[1].SourceOffset}}); err != nil {
		t.Fatal(err)
	}
	if at := committed(); at >= 0 {
		t.Fatalf("committed %d to B while a record of A was undelivered", at)
	}
	// Record 3 of A delivered: B's position after the heartbeats is (once
	// the source has read them).
	for deadline := time.Now().Add(10 * time.Second); ; poll() {
		if err := committer.Commit(ctx, []connect.SourceOffset{{Partition: old[2].SourcePartition, Offset: old[2].SourceOffset}}); err != nil {
			t.Fatal(err)
		}
		at := committed()
		if at == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("committed %d to B, want 3 (after the heartbeats)", at)
		}
	}
}
