package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/worker"
	"github.com/inletdev/inlet/converters"
	"github.com/inletdev/inlet/internal/kafkatest"
	kafkasink "github.com/inletdev/inlet/sink/kafka"
	"github.com/twmb/franz-go/pkg/kfake"
)

// These tests run the kafka sink under the real runtime (connect/worker):
// the default sink of a source pipeline, its dead-letter queue, exactly
// once across restarts with the Kafka offset store, and the error policy
// when the broker is down.

type genSource struct {
	next, count int
	part        map[string]any
}

func (g *genSource) Poll(ctx context.Context) ([]*connect.Record, error) {
	if g.next >= g.count {
		<-ctx.Done()
		return nil, nil
	}
	var out []*connect.Record
	for ; g.next < g.count && len(out) < 50; g.next++ {
		r := connect.NewRecord("out", "k"+strconv.Itoa(g.next), "v"+strconv.Itoa(g.next))
		r.SourcePartition = g.part
		r.SourceOffset = map[string]any{"i": int64(g.next)}
		out = append(out, r)
	}
	return out, nil
}

type failOn string

func (f failOn) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	if r.Value == string(f) {
		return nil, fmt.Errorf("cannot handle %v", r.Value)
	}
	return r, nil
}

func registry() *connect.Registry {
	r := connect.NewRegistry()
	converters.Register(r)
	kafkasink.Register(r)
	r.Register(connect.Plugin{Kind: connect.KindSource, Name: "gen",
		Config: connect.NewConfigDef(connect.ConfigKey{Name: "count", Type: connect.TypeInt, Default: "10"}),
		NewSource: func(_ context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
			g := &genSource{count: cfg.Int("count"), part: map[string]any{"gen": "0"}}
			off, err := tc.Offsets.Offset(g.part)
			if err != nil {
				return nil, err
			}
			if off != nil {
				g.next = int(off["i"].(int64)) + 1
			}
			return g, nil
		}})
	r.Register(connect.Plugin{Kind: connect.KindTransform, Name: "FailOn",
		Config:       connect.NewConfigDef(connect.ConfigKey{Name: "value"}),
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) { return failOn(cfg.String("value")), nil }})
	return r
}

func startWorker(t *testing.T, props map[string]string) (*worker.Worker, func() error) {
	t.Helper()
	base := map[string]string{
		"key.converter": "org.apache.kafka.connect.storage.StringConverter", "value.converter": "org.apache.kafka.connect.storage.StringConverter",
		"offset.flush.interval.ms": "200",
	}
	if props["offset.storage.topic"] == "" {
		base["offset.storage.file.filename"] = filepath.Join(t.TempDir(), "offsets.json")
	}
	for k, v := range props {
		base[k] = v
	}
	wc, err := worker.ParseWorkerConfig("worker.properties", base)
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(wc, registry(), worker.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { stop() })
	return w, stop
}

func create(t *testing.T, w *worker.Worker, kv ...string) {
	t.Helper()
	m := map[string]string{"connector.class": "gen"}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	if err := w.Create(context.Background(), "p", m, worker.TargetRunning); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, d time.Duration, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func hwm(c *kafkatest.Cluster, topic string) (n int64) {
	for _, p := range c.PartitionInfos(topic) {
		if p != nil {
			n += p.HighWatermark
		}
	}
	return n
}

func TestWorkerDeadLetterQueueToKafka(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(2, "out", "dead"))
	w, stop := startWorker(t, c.Worker())
	create(t, w, "count", "10", "transforms", "f", "transforms.f.type", "FailOn", "transforms.f.value", "v3",
		"errors.tolerance", "all", "errors.deadletterqueue.topic.name", "dead", "errors.deadletterqueue.context.headers.enable", "true")
	waitFor(t, "9 records and 1 dead letter", 20*time.Second, func() bool { return hwm(c, "out") == 9 && hwm(c, "dead") == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	d := c.ReadAll(t, "dead", false)[0]
	if string(d.Value) != "v3" || string(d.Key) != "k3" {
		t.Fatalf("dead letter key/value = %q/%q, want the original k3/v3", d.Key, d.Value)
	}
	hs := map[string]string{}
	for _, h := range d.Headers {
		hs[h.Key] = string(h.Value)
	}
	if hs["__connect.errors.stage"] != "TRANSFORMATION" || hs["__connect.errors.connector.name"] != "p" || hs["__connect.errors.exception.message"] != "cannot handle v3" {
		t.Fatalf("dead letter headers = %v", hs)
	}
	for _, r := range c.ReadAll(t, "out", false) {
		if string(r.Value) == "v3" {
			t.Fatal("the failed record reached the main topic")
		}
	}
}

func TestWorkerExactlyOnceAcrossRestarts(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(3, "out"))
	wp := c.Worker("offset.storage.topic", "offs", "offset.storage.replication.factor", "1", "offset.storage.partitions", "2")
	for round, count := range []int{100, 250} {
		w, stop := startWorker(t, wp)
		create(t, w, "count", strconv.Itoa(count), "exactly.once.support", "required", "batch.size", "30")
		waitFor(t, fmt.Sprintf("round %d", round), 20*time.Second, func() bool { return len(c.ReadAll(t, "out", true)) >= count })
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	for _, r := range c.ReadAll(t, "out", true) {
		seen[string(r.Value)]++
	}
	for i := 0; i < 250; i++ {
		if n := seen["v"+strconv.Itoa(i)]; n != 1 {
			t.Fatalf("v%d seen %d times", i, n)
		}
	}
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// The broker is down when the pipeline starts. With the default retry
// policy the runtime retries until it comes up, and nothing is lost.
func TestWorkerBrokerDownAtStart(t *testing.T) {
	addr := freePort(t)
	w, stop := startWorker(t, map[string]string{"bootstrap.servers": addr})
	create(t, w, "count", "40", "sink.delivery.timeout.ms", "1000")
	time.Sleep(1500 * time.Millisecond)
	_, port, _ := net.SplitHostPort(addr)
	pn, _ := strconv.Atoi(port)
	c := kafkatest.Start(t, kfake.Ports(pn), kfake.SeedTopics(2, "out"))
	waitFor(t, "40 records after the broker came up", 30*time.Second, func() bool { return hwm(c, "out") >= 40 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range c.ReadAll(t, "out", false) {
		seen[string(r.Value)] = true
	}
	for i := 0; i < 40; i++ {
		if !seen["v"+strconv.Itoa(i)] {
			t.Fatalf("v%d lost", i)
		}
	}
}

// With a bounded retry policy and a broker that never comes, the task
// fails (errors.tolerance=none) and the offsets do not move.
func TestWorkerBrokerDownFailsAfterRetryTimeout(t *testing.T) {
	w, stop := startWorker(t, map[string]string{"bootstrap.servers": freePort(t)})
	create(t, w, "count", "5", "sink.delivery.timeout.ms", "1000", "errors.retry.timeout", "1500", "errors.retry.delay.max.ms", "200")
	waitFor(t, "task FAILED", 30*time.Second, func() bool {
		st, err := w.Status("p")
		return err == nil && len(st.Tasks) == 1 && st.Tasks[0].State == worker.StateFailed
	})
	offs, err := w.Offsets(context.Background(), "p")
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if len(offs) != 0 {
		t.Fatalf("offsets moved past undelivered records: %v", offs)
	}
	stop()
}

// An exactly-once pipeline with a Kafka dead-letter queue: the DLQ is a
// second kafka sink instance built from the same config, so it must not be
// transactional too (it would take over the transactional id and fence the
// main sink). The runtime drops exactly.once.support from the DLQ's base
// config; the DLQ writes are at-least-once, the main topic exactly once.
func TestWorkerExactlyOnceWithDeadLetterQueue(t *testing.T) {
	for _, overlay := range [][]string{nil, {"errors.deadletterqueue.exactly.once.support", "requested"}} {
		testExactlyOnceWithDeadLetterQueue(t, overlay)
	}
}

func testExactlyOnceWithDeadLetterQueue(t *testing.T, overlay []string) {
	c := kafkatest.Start(t, kfake.SeedTopics(2, "out", "dead"))
	w, stop := startWorker(t, c.Worker("offset.storage.topic", "offs", "offset.storage.replication.factor", "1", "offset.storage.partitions", "1"))
	create(t, w, append([]string{"count", "20", "exactly.once.support", "required",
		"transforms", "f", "transforms.f.type", "FailOn", "transforms.f.value", "v7",
		"errors.tolerance", "all", "errors.deadletterqueue.topic.name", "dead"}, overlay...)...)
	waitFor(t, "19 committed records and 1 dead letter", 20*time.Second, func() bool {
		return hwm(c, "dead") == 1 && len(c.ReadAll(t, "out", true)) == 19
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if st, _ := w.Status("p"); len(st.Tasks) == 1 && st.Tasks[0].State == worker.StateFailed {
		t.Fatalf("task failed: %+v", st.Tasks[0])
	}
}
