package worker

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

// A record that cannot be dead-lettered must fail the task, not vanish.
func TestDeadLetterFailureFailsTask(t *testing.T) {
	e := newEnv(t)
	e.reg.Register(connect.Plugin{Kind: connect.KindSink, Name: "brokendlq",
		NewSink: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SinkTask, error) {
			return brokenSink{}, nil
		}})
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "5", "batch.size", "1",
		"transforms", "f", "transforms.f.type", "Fail", "transforms.f.value", "v2",
		"errors.tolerance", "all", "errors.deadletterqueue.topic.name", "dlq",
		"errors.deadletterqueue.connector.class", "brokendlq"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "failure", func() bool { return taskState(w, "p") == StateFailed })
	err := stop()
	if err == nil || !strings.Contains(err.Error(), StageDeadLetter) || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("got %v", err)
	}
	if p := storedPos(t, w, "p"); p != 1 {
		t.Fatalf("offset %d: must stay before the record that could not be dead-lettered", p)
	}
	if got := counterValue(w.metrics.dlqFail.WithLabelValues("p", "0")); got != 1 {
		t.Fatalf("dlq failures %v", got)
	}
}

type brokenSink struct{}

func (brokenSink) Put(context.Context, []*connect.Record) error { return errors.New("disk full") }
func (brokenSink) Flush(context.Context) error                  { return nil }

func TestErrorLogging(t *testing.T) {
	e := newEnv(t)
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	w, _ := e.newWorker(WithLogger(log))
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "3",
		"transforms", "f", "transforms.f.type", "Fail", "transforms.f.value", "v1",
		"errors.tolerance", "all", "errors.log.enable", "true", "errors.log.include.messages", "true"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "2 delivered", func() bool { return len(e.values()) == 2 })
	stop()
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, want := range []string{"tolerated", "stage=TRANSFORMATION", "cannot transform v1", "value=v1", "pipeline=p"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type recCommitSource struct {
	*memSource
	mu    sync.Mutex
	calls map[string]bool
}

func (s *recCommitSource) CommitRecord(ctx context.Context, r *connect.Record, delivered bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[r.Value.(string)] = delivered
	return nil
}

func TestCommitRecordFates(t *testing.T) {
	e := newEnv(t)
	var src *recCommitSource
	e.reg.Register(connect.Plugin{Kind: connect.KindSource, Name: "rc",
		NewSource: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
			ms := &memSource{e: e, topic: "t", part: map[string]any{"p": 1}}
			for i := 0; i < 4; i++ {
				ms.recs = append(ms.recs, ms.record(i))
			}
			src = &recCommitSource{memSource: ms, calls: map[string]bool{}}
			return src, nil
		}})
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("connector.class", "rc",
		"transforms", "drop,f", "transforms.drop.type", "Drop", "transforms.drop.predicate", "is1",
		"predicates", "is1", "predicates.is1.type", "ValueIs", "predicates.is1.value", "v1",
		"transforms.f.type", "Fail", "transforms.f.value", "v2", "errors.tolerance", "all"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "2 delivered", func() bool { return len(e.values()) == 2 })
	stop()
	src.mu.Lock()
	defer src.mu.Unlock()
	want := map[string]bool{"v0": true, "v1": false, "v2": false, "v3": true}
	for k, v := range want {
		got, ok := src.calls[k]
		if !ok || got != v {
			t.Errorf("CommitRecord(%s) = %v (called %v), want %v", k, got, ok, v)
		}
	}
}

// A sink connector's pipeline reads from source.connector.class with the
// source.* keys, prefix cut.
func TestSinkPipelineWithNamedSource(t *testing.T) {
	e := newEnv(t)
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "s", map[string]string{
		"connector.class": "com.example.CollectSinkConnector", "source.connector.class": "mem", "source.count": "4", "source.topic": "x",
	}, TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "4", func() bool { return len(e.values()) == 4 })
	st, _ := w.Status("s")
	stop()
	if st.Type != "sink" {
		t.Fatalf("type %q", st.Type)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.delivered[0].Topic != "x" {
		t.Fatalf("source.topic not applied: %q", e.delivered[0].Topic)
	}
}

func TestKafkaSideKeysAndOverridePolicy(t *testing.T) {
	e := newEnv(t)
	var got connect.Config
	e.reg.Register(connect.Plugin{Kind: connect.KindSink, Name: "kafka",
		Config: connect.NewConfigDef(connect.ConfigKey{Name: "exactly.once.support"}).AllowPrefix("producer.override.", "").AllowPrefix("topic.creation.", ""),
		NewSink: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SinkTask, error) {
			got = cfg
			return &memSink{e: e}, nil
		}})
	w, _ := e.newWorker()
	stop := run(t, w)
	cfg := map[string]string{"name": "p", "connector.class": "mem", "count": "1",
		"producer.override.linger.ms": "5", "topic.creation.default.partitions": "3", "exactly.once.support": "requested"}
	if err := w.Create(context.Background(), "p", cfg, TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "1", func() bool { return len(e.values()) == 1 })
	stop()
	if got.Raw("producer.override.linger.ms") != "5" || got.Raw("topic.creation.default.partitions") != "3" || got.String("exactly.once.support") != "requested" {
		t.Fatalf("kafka sink got %v", got.Originals())
	}
	// With a policy of None the same file is refused, naming the key.
	wc := WorkerConfig{OffsetFile: t.TempDir() + "/o.json", Props: map[string]string{KeyOverridePolicy: "None"}}
	w2, _ := New(wc, e.reg, quiet())
	err := w2.Create(context.Background(), "p", cfg, TargetRunning)
	if err == nil || !strings.Contains(err.Error(), "producer.override.linger.ms") || !strings.Contains(err.Error(), "override.policy=None") {
		t.Fatalf("got %v", err)
	}
	// The kafka-only keys are refused when another sink is named.
	cfg["sink.connector.class"] = "memsink"
	delete(cfg, "name")
	err = w.Create(context.Background(), "q", cfg, TargetRunning)
	if err == nil || !strings.Contains(err.Error(), "applies only when records go to the kafka sink") {
		t.Fatalf("got %v", err)
	}
}

func TestConverterConfigComesFromOneLevel(t *testing.T) {
	e := newEnv(t)
	var seen []map[string]string
	e.reg.Register(connect.Plugin{Kind: connect.KindConverter, Name: "Conv",
		Config: connect.NewConfigDef(connect.ConfigKey{Name: "a"}, connect.ConfigKey{Name: "b"}),
		NewConverter: func(cfg connect.Config, isKey bool) (connect.Converter, error) {
			seen = append(seen, cfg.Originals())
			return nil, nil
		}})
	wc := WorkerConfig{Props: map[string]string{"value.converter": "Conv", "value.converter.a": "worker"}}
	p, err := buildPlan(e.reg, wc, pipe())
	if err != nil {
		t.Fatal(err)
	}
	if p.valConv.plugin == nil || p.valConv.cfg.Raw("a") != "worker" {
		t.Fatalf("worker converter settings not used: %+v", p.valConv)
	}
	p, err = buildPlan(e.reg, wc, pipe("value.converter", "Conv", "value.converter.b", "pipe"))
	if err != nil {
		t.Fatal(err)
	}
	if p.valConv.cfg.Raw("a") != "" || p.valConv.cfg.Raw("b") != "pipe" {
		t.Fatalf("a pipeline's own converter must not inherit the worker's keys: %v", p.valConv.cfg.Originals())
	}
	if _, err := buildPlan(e.reg, wc, pipe("value.converter", "Nope")); err == nil || !strings.Contains(err.Error(), "value.converter") {
		t.Fatalf("unknown pipeline converter: %v", err)
	}
}

type stuckSink struct{ calls int }

func (s *stuckSink) Put(ctx context.Context, recs []*connect.Record) error {
	s.calls++
	if s.calls == 1 {
		return nil
	}
	<-ctx.Done() // a destination that hangs
	return ctx.Err()
}
func (s *stuckSink) Flush(ctx context.Context) error { return nil }

func TestShutdownTimeoutCancelsStuckSink(t *testing.T) {
	e := newEnv(t)
	e.reg.Register(connect.Plugin{Kind: connect.KindSink, Name: "stuck",
		NewSink: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SinkTask, error) {
			return &stuckSink{}, nil
		}})
	dir := t.TempDir()
	wc := WorkerConfig{OffsetFile: dir + "/o.json", ShutdownTimeout: 200 * time.Millisecond, OffsetFlushInterval: time.Hour}
	w, err := New(wc, e.reg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "10", "batch.size", "3", "sink.connector.class", "stuck"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("a shutdown that had to cancel a stuck sink is not a task failure: %v", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("shutdown took %v with a 200ms budget", el)
	}
	if p := storedPos(t, w, "p"); p != 2 {
		t.Fatalf("offset %d, want 2 (only the first batch was delivered)", p)
	}
}
