package rocketmq_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/connecttest"
	"github.com/inletdev/inlet/connect/worker"
	"github.com/inletdev/inlet/sink/rocketmq"
	"github.com/inletdev/inlet/sink/rocketmq/rocketmqtest"
)

// instantClock fires retry-sized timers at once, advancing virtual time,
// so EventBridge's 512-second waits take no time; longer timers (the
// offset flush interval) never fire.
type instantClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

type timer struct{ c chan time.Time }

func (t timer) C() <-chan time.Time { return t.c }
func (t timer) Stop() bool          { return true }

func (c *instantClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *instantClock) NewTimer(d time.Duration) worker.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := timer{make(chan time.Time, 1)}
	if d <= 1000*time.Second {
		c.now = c.now.Add(d)
		if d > 0 {
			c.sleeps = append(c.sleeps, d)
		}
		t.c <- c.now
	}
	return t
}

func (c *instantClock) waited() (total time.Duration, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range c.sleeps {
		total += d
	}
	return total, len(c.sleeps)
}

// TestThroughTheRuntime runs a pipeline in the real worker: a numbered
// source, the rocketmq sink, EXPONENTIAL_DECAY_RETRY, tolerance all and a
// RocketMQ dead-letter topic configured by overlay keys. Record 3 fails
// twice (retried, delivered), record 7 is refused for good (dead-lettered
// at once), record 12 fails every time (176 retries, ~23.9 virtual hours,
// then dead-lettered).
func TestThroughTheRuntime(t *testing.T) {
	for _, tc := range []struct {
		policy           string
		minWait, maxWait time.Duration
		minSleeps        int
	}{
		// record 3: one retry (its first refusal rejects the batch of five,
		// its second is its own request in the same Put, see batch.go);
		// record 12: every retry of the policy
		{"EXPONENTIAL_DECAY_RETRY", 86015*time.Second + time.Second, 86015*time.Second + time.Second, 177},
		{"BACKOFF_RETRY", 40 * time.Second, 80 * time.Second, 4},
	} {
		t.Run(tc.policy, func(t *testing.T) { throughTheRuntime(t, tc.policy, tc.minWait, tc.maxWait, tc.minSleeps) })
	}
}

func throughTheRuntime(t *testing.T, policy string, minWait, maxWait time.Duration, minSleeps int) {
	s, err := rocketmqtest.NewServer(rocketmqtest.Config{Topics: []string{"orders", "orders-dlq"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mu sync.Mutex
	fails3 := 0
	s.RejectIf(func(m rocketmqtest.Message) *rocketmqtest.Rejection {
		if m.Topic != "orders" {
			return nil
		}
		switch string(m.Body) {
		case "record-3":
			mu.Lock()
			defer mu.Unlock()
			if fails3 < 2 {
				fails3++
				return &rocketmqtest.Rejection{Code: v2.Code_INTERNAL_ERROR, Message: "transient"}
			}
		case "record-7":
			return &rocketmqtest.Rejection{Code: v2.Code_MESSAGE_PROPERTIES_TOO_LARGE, Message: "permanent"}
		case "record-12":
			return &rocketmqtest.Rejection{Code: v2.Code_INTERNAL_SERVER_ERROR, Message: "always"}
		}
		return nil
	})

	reg := connect.NewRegistry()
	src := connecttest.RegisterSource(reg, "numbers")
	rocketmq.Register(reg)
	clk := &instantClock{now: time.Unix(1_800_000_000, 0)}
	dir := t.TempDir()
	off := filepath.Join(dir, "offsets.json")
	w, err := worker.New(worker.WorkerConfig{OffsetFile: off, OffsetFlushInterval: time.Hour, OffsetFlushTimeout: 5 * time.Second,
		ShutdownTimeout: 10 * time.Second, Props: map[string]string{worker.KeyOffsetFile: off}},
		reg, worker.WithClock(clk), worker.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	pipeline := map[string]string{
		"connector.class":                                      "numbers",
		"count":                                                "20",
		"topic":                                                "orders",
		"batch.size":                                           "5",
		"sink.connector.class":                                 "rocketmq",
		"sink.rocketmq.endpoint":                               s.Addr(),
		"sink.rocketmq.topic":                                  "orders",
		"sink.rocketmq.tls.enable":                             "false",
		"sink.rocketmq.send.max.attempts":                      "1",
		"sink.message.body.form":                               "JSONPATH",
		"sink.message.body.value":                              "$.data",
		"sink.message.key.form":                                "JSONPATH",
		"sink.message.key.value":                               "$.id",
		"errors.retry.policy":                                  policy,
		"errors.tolerance":                                     "all",
		"errors.deadletterqueue.topic.name":                    "orders-dlq",
		"errors.deadletterqueue.rocketmq.topic":                "orders-dlq",
		"errors.deadletterqueue.message.body.form":             "ORIGINAL",
		"errors.deadletterqueue.message.body.value":            "",
		"errors.deadletterqueue.context.headers.enable":        "true",
		"errors.deadletterqueue.message.headers.as.properties": "true",
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := w.Create(ctx, "inflow", pipeline, worker.TargetRunning); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	count := func(topic string) map[string]int {
		out := map[string]int{}
		for _, m := range s.Messages() {
			if m.Topic == topic {
				out[string(m.Body)]++
			}
		}
		return out
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(count("orders")) < 18 || len(count("orders-dlq")) < 2 {
		if time.Now().After(deadline) {
			st, _ := w.Status("inflow")
			t.Fatalf("orders %v dlq %v status %+v", count("orders"), count("orders-dlq"), st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("worker: %v", err)
	}

	delivered := count("orders")
	for i := range 20 {
		b := "record-" + string(rune('0'+i/10)) + string(rune('0'+i%10))
		if i < 10 {
			b = "record-" + string(rune('0'+i))
		}
		want := 1
		if i == 7 || i == 12 {
			want = 0
		}
		if delivered[b] != want {
			t.Errorf("%s delivered %d times, want %d", b, delivered[b], want)
		}
	}
	dlq := s.Messages()
	n := 0
	for _, m := range dlq {
		if m.Topic != "orders-dlq" {
			continue
		}
		n++
		ev, err := connect.ParseJSON(m.Body)
		if err != nil {
			t.Fatalf("DLQ body %s: %v", m.Body, err)
		}
		if d := ev.(map[string]any)["data"]; d != "record-7" && d != "record-12" {
			t.Errorf("DLQ carries %v", d)
		}
		if m.Properties["__connect.errors.connector.name"] != "inflow" || m.Properties["__connect.errors.stage"] == "" {
			t.Errorf("DLQ message lacks the error context: %v", m.Properties)
		}
	}
	if n != 2 {
		t.Errorf("%d DLQ messages", n)
	}
	total, waits := clk.waited()
	if total < minWait || total > maxWait || waits < minSleeps {
		t.Errorf("virtual wait %v over %d sleeps, want %v–%v over at least %d; first sleeps %v", total, waits, minWait, maxWait, minSleeps, clk.sleeps[:min(8, len(clk.sleeps))])
	}
	mu.Lock()
	if fails3 != 2 {
		t.Errorf("record-3 was refused %d times, want 2", fails3)
	}
	mu.Unlock()
	if got := src.Last().CommittedOffset(); got != 19 {
		t.Errorf("committed offset %d, want 19 (every record delivered or dead-lettered)", got)
	}
}
