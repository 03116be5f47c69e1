package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/inletdev/inlet/connect"
)

func pipe(kv ...string) map[string]string {
	m := map[string]string{"name": "p", "connector.class": "mem", "sink.connector.class": "memsink"}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "<unset>" {
			delete(m, kv[i])
			continue
		}
		m[kv[i]] = kv[i+1]
	}
	return m
}

func storedPos(t testing.TB, w *Worker, name string) int64 {
	offs, err := w.Offsets(context.Background(), name)
	if err != nil {
		return -2
	}
	if len(offs) == 0 {
		return -1
	}
	return offs[0].Offset["pos"].(int64)
}

func TestChainSemantics(t *testing.T) {
	e := newEnv(t)
	w, _ := e.newWorker()
	stop := run(t, w)
	// up applies unless the value is v1 (negate), drop removes v3 and ends
	// its chain (tag never sees it), tag applies to all.
	err := w.Create(context.Background(), "p", pipe("count", "6",
		"transforms", "up,drop,tag",
		"transforms.up.type", "com.example.Upper$Value",
		"transforms.up.predicate", "isV1",
		"transforms.up.negate", "true",
		"transforms.drop.type", "org.apache.kafka.connect.transforms.Filter",
		"transforms.drop.predicate", "isV3",
		"transforms.tag.type", "Tag",
		"transforms.tag.tag", "x",
		"predicates", "isV1,isV3",
		"predicates.isV1.type", "ValueIs",
		"predicates.isV1.value", "v1",
		"predicates.isV3.type", "ValueIs",
		"predicates.isV3.value", "U(v3)",
	), TargetRunning)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "5 records", func() bool { return len(e.values()) >= 5 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	want := []string{"U(v0)+x", "v1+x", "U(v2)+x", "U(v4)+x", "U(v5)+x"}
	if got := e.values(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
	// The dropped record's offset counts as done.
	if p := storedPos(t, w, "p"); p != 5 {
		t.Fatalf("stored offset %d, want 5", p)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.commits) == 0 || e.commits[len(e.commits)-1][0].Offset["pos"] != int64(5) {
		t.Fatalf("SourceCommitter.Commit not called with the stored offset: %v", e.commits)
	}
}

func TestConfigErrorsNameEveryKey(t *testing.T) {
	e := newEnv(t)
	w, _ := e.newWorker()
	err := w.Create(context.Background(), "p", map[string]string{
		"connector.class":      "mem",
		"tasks.max":            "two",
		"sink.connector.class": "needy",
		"transforms":           "a,b",
		"transforms.a.type":    "com.example.Nope",
		"transforms.b.type":    "Upper",
		"transforms.b.negate":  "true",
		"transforms.c.type":    "Upper",
		"predicates.zz.type":   "ValueIs",
		"batch.size":           "0",
		"errors.tolerance":     "some",
		"sink.bogus":           "1",
		"value.converter":      "NoSuchConverter",
	}, TargetRunning)
	var ci *ConfigInvalidError
	if !errors.As(err, &ci) {
		t.Fatalf("want ConfigInvalidError, got %v", err)
	}
	keys := map[string]bool{}
	for _, ce := range ci.Errors {
		keys[ce.Key] = true
	}
	for _, k := range []string{"tasks.max", "sink.path", "transforms.a.type", "transforms.b.negate", "transforms.c.type",
		"predicates.zz.type", "batch.size", "errors.tolerance", "sink.bogus", "value.converter"} {
		if !keys[k] {
			t.Errorf("no error names %s; got:\n%v", k, err)
		}
	}
	if !strings.Contains(err.Error(), "negate is set but the transform has no predicate") {
		t.Errorf("negate error unclear: %v", err)
	}
	if names := w.Names(); len(names) != 0 {
		t.Fatalf("invalid pipeline was created: %v", names)
	}
}

func TestDefaultKafkaSideMissingIsClear(t *testing.T) {
	e := newEnv(t)
	w, _ := e.newWorker()
	err := w.Create(context.Background(), "p", map[string]string{"connector.class": "mem"}, TargetRunning)
	if err == nil || !strings.Contains(err.Error(), `no sink "kafka" plugin`) || !strings.Contains(err.Error(), "sink.connector.class") {
		t.Fatalf("unclear error: %v", err)
	}
	err = w.Create(context.Background(), "q", map[string]string{"connector.class": "memsink", "topics": "a"}, TargetRunning)
	if err == nil || !strings.Contains(err.Error(), `no source "kafka" plugin`) {
		t.Fatalf("unclear error: %v", err)
	}
}

func TestBatchingBySizeAndInterval(t *testing.T) {
	e := newEnv(t)
	clk := newFakeClock()
	w, _ := e.newWorker(WithClock(clk))
	stop := run(t, w)
	defer stop()
	if err := w.Create(context.Background(), "p", pipe("count", "23", "batch.size", "5", "batch.interval.ms", "10000"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "4 full batches", func() bool { e.mu.Lock(); defer e.mu.Unlock(); return len(e.batches) == 4 })
	waitFor(t, "the batch timer", func() bool { return clk.pending(10*time.Second) == 1 })
	time.Sleep(20 * time.Millisecond)
	e.mu.Lock()
	if !reflect.DeepEqual(e.batches, []int{5, 5, 5, 5}) {
		t.Fatalf("batches %v before the interval", e.batches)
	}
	e.mu.Unlock()
	clk.advance(9999 * time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	if n := len(e.values()); n != 20 {
		t.Fatalf("%d records delivered before the interval passed", n)
	}
	clk.advance(time.Millisecond)
	waitFor(t, "the last batch", func() bool { return len(e.values()) == 23 })
	e.mu.Lock()
	defer e.mu.Unlock()
	if !reflect.DeepEqual(e.batches, []int{5, 5, 5, 5, 3}) {
		t.Fatalf("batches %v", e.batches)
	}
}

func TestBatchIntervalZeroDeliversAtOnce(t *testing.T) {
	e := newEnv(t)
	w, _ := e.newWorker()
	stop := run(t, w)
	defer stop()
	if err := w.Create(context.Background(), "p", pipe("count", "3", "batch.size", "100"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "3 records without waiting for a full batch", func() bool { return len(e.values()) == 3 })
}

func TestKafkaRetryDelays(t *testing.T) {
	p := retryPolicy{timeout: -1, maxDelay: 2 * time.Second}
	start := time.Unix(0, 0)
	for n, want := range []time.Duration{300 * time.Millisecond, 600 * time.Millisecond, 1200 * time.Millisecond} {
		d, ok := p.next(n+1, start, start)
		if !ok || d != want {
			t.Fatalf("retry %d: %v %v, want %v", n+1, d, ok, want)
		}
	}
	for n := 4; n < 40; n++ {
		d, ok := p.next(n, start, start)
		if !ok || d < 0 || d >= 2*time.Second {
			t.Fatalf("retry %d: %v not in [0, max)", n, d)
		}
	}
	p = retryPolicy{timeout: time.Second, maxDelay: time.Minute}
	d, ok := p.next(3, start, start.Add(900*time.Millisecond))
	if !ok || d != 100*time.Millisecond {
		t.Fatalf("deadline not respected: %v %v", d, ok)
	}
	if _, ok := p.next(4, start, start.Add(time.Second)); ok {
		t.Fatal("retried past the deadline")
	}
	if _, ok := (retryPolicy{maxDelay: time.Minute}).next(1, start, start); ok {
		t.Fatal("errors.retry.timeout=0 must not retry")
	}
}

func TestEventBridgePolicies(t *testing.T) {
	start := time.Unix(0, 0)
	b := retryPolicy{policy: PolicyBackoff, maxDelay: time.Minute}
	for n := 1; n <= 3; n++ {
		d, ok := b.next(n, start, start)
		if !ok || d < 10*time.Second || d > 20*time.Second {
			t.Fatalf("BACKOFF_RETRY retry %d: %v %v", n, d, ok)
		}
	}
	if _, ok := b.next(4, start, start); ok {
		t.Fatal("BACKOFF_RETRY retried a 4th time")
	}
	x := retryPolicy{policy: PolicyExponential, maxDelay: time.Minute}
	var total time.Duration
	n := 0
	for ; ; n++ {
		d, ok := x.next(n+1, start, start.Add(total))
		if !ok {
			break
		}
		if n < 9 && d != time.Second<<n || n >= 9 && d != 512*time.Second {
			t.Fatalf("retry %d waits %v", n+1, d)
		}
		total += d
	}
	if n != 176 || total != 86015*time.Second {
		t.Fatalf("EXPONENTIAL_DECAY_RETRY: %d retries, %v total; want 176, 86015s", n, total)
	}
}

func TestExponentialPolicyRunsInstantlyWithFakeClock(t *testing.T) {
	e := newEnv(t)
	clk := newFakeClock()
	clk.auto = func(d time.Duration) bool { return d < time.Hour }
	reg := prometheus.NewRegistry()
	w, _ := e.newWorker(WithClock(clk), WithMetrics(reg))
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "4",
		"transforms", "f", "transforms.f.type", "Fail", "transforms.f.value", "v2", "transforms.f.retriable.times", "-1",
		"errors.retry.policy", "EXPONENTIAL_DECAY_RETRY", "errors.tolerance", "all",
		"errors.deadletterqueue.topic.name", "dlq", "errors.deadletterqueue.dlq", "true",
	), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "3 delivered", func() bool { return len(e.values()) == 3 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var sum time.Duration
	n := 0
	for _, d := range clk.sleepLog() {
		if d >= time.Second {
			sum += d
			n++
		}
	}
	if n != 176 || sum != 86015*time.Second {
		t.Fatalf("%d sleeps, %v: want 176 sleeps, 86015s", n, sum)
	}
	if got := counterValue(w.metrics.retries.WithLabelValues("p", "0")); got != 176 {
		t.Fatalf("inlet_task_retries_total = %v", got)
	}
	if d := e.dlqRecords(); len(d) != 1 || d[0].Value != "v2" {
		t.Fatalf("dlq %v", d)
	}
}

func TestRetriableTransformSucceeds(t *testing.T) {
	e := newEnv(t)
	clk := newFakeClock()
	clk.auto = func(d time.Duration) bool { return d < time.Hour }
	w, _ := e.newWorker(WithClock(clk))
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "3",
		"transforms", "f", "transforms.f.type", "Fail", "transforms.f.value", "v1", "transforms.f.retriable.times", "2",
		"errors.retry.timeout", "-1"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "3 delivered", func() bool { return len(e.values()) == 3 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	sl := clk.sleepLog()
	if len(sl) < 2 || sl[0] != 300*time.Millisecond || sl[1] != 600*time.Millisecond {
		t.Fatalf("backoff %v, want 300ms, 600ms", sl)
	}
}

func TestToleranceNoneFailsTaskAndKeepsOffsets(t *testing.T) {
	e := newEnv(t)
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "30", "batch.size", "7",
		"transforms", "f", "transforms.f.type", "Fail", "transforms.f.value", "v17"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "task failure", func() bool { return taskState(w, "p") == StateFailed })
	st, _ := w.Status("p")
	tr := st.Tasks[0].Trace
	for _, s := range []string{"TRANSFORMATION", "transforms.f (Fail)", "pos:17", "cannot transform v17"} {
		if !strings.Contains(tr, s) {
			t.Errorf("trace lacks %q:\n%s", s, tr)
		}
	}
	err := stop()
	if err == nil || !strings.Contains(err.Error(), "TRANSFORMATION") {
		t.Fatalf("Run must report the failed task, got %v", err)
	}
	// v14..v20 form the failing batch: nothing of it was delivered or committed.
	if p := storedPos(t, w, "p"); p != 13 {
		t.Fatalf("stored offset %d, want 13 (the end of the last flushed batch)", p)
	}
	for _, v := range e.values() {
		if v == "v17" || v == "v14" {
			t.Fatalf("records of the failed batch were delivered: %v", e.values())
		}
	}
}

func TestToleranceAllDeadLettersOriginalWithHeaders(t *testing.T) {
	e := newEnv(t)
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "5",
		"transforms", "up,f", "transforms.up.type", "Upper", "transforms.f.type", "Fail", "transforms.f.value", "U(v3)",
		"errors.tolerance", "all", "errors.log.enable", "true", "errors.log.include.messages", "true",
		"errors.deadletterqueue.topic.name", "dead", "errors.deadletterqueue.context.headers.enable", "true",
		"errors.deadletterqueue.dlq", "true"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "4 delivered", func() bool { return len(e.values()) == 4 })
	waitFor(t, "1 dead-lettered", func() bool { return len(e.dlqRecords()) == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	d := e.dlqRecords()[0]
	if d.Value != "v3" || d.Topic != "dead" {
		t.Fatalf("DLQ record is not the original as polled: topic %q value %v", d.Topic, d.Value)
	}
	want := map[string]string{
		"__connect.errors.topic":                "t",
		"__connect.errors.partition":            "-1",
		"__connect.errors.connector.name":       "p",
		"__connect.errors.task.id":              "0",
		"__connect.errors.stage":                "TRANSFORMATION",
		"__connect.errors.class.name":           "transforms.f (Fail)",
		"__connect.errors.exception.class.name": "*errors.errorString",
		"__connect.errors.exception.message":    "cannot transform U(v3)",
	}
	for k, v := range want {
		h, ok := d.Headers.Last(k)
		if !ok || h.Value != v {
			t.Errorf("header %s = %v, want %q", k, h.Value, v)
		}
	}
	if h, ok := d.Headers.Last("__connect.errors.exception.stacktrace"); !ok || !strings.Contains(fmt.Sprint(h.Value), "cannot transform") {
		t.Errorf("stacktrace header %v", h.Value)
	}
	if p := storedPos(t, w, "p"); p != 4 {
		t.Fatalf("offset %d, want 4: a dead-lettered record counts as done", p)
	}
	if got := counterValue(w.metrics.skipped.WithLabelValues("p", "0")); got != 1 {
		t.Fatalf("skipped metric %v", got)
	}
	if got := counterValue(w.metrics.dlqReq.WithLabelValues("p", "0")); got != 1 {
		t.Fatalf("dlq metric %v", got)
	}
}

func TestPutRecordErrorsRetriedThenDeadLettered(t *testing.T) {
	e := newEnv(t)
	clk := newFakeClock()
	clk.auto = func(d time.Duration) bool { return d < time.Hour }
	e.failPut = func(r *connect.Record, attempt int) error {
		switch r.Value {
		case "v2":
			if attempt < 3 {
				return errors.New("busy")
			}
		case "v4":
			return errors.New("rejected")
		}
		return nil
	}
	w, _ := e.newWorker(WithClock(clk))
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "6", "errors.retry.timeout", "10000",
		"errors.tolerance", "all", "errors.deadletterqueue.topic.name", "dead",
		"errors.deadletterqueue.context.headers.enable", "true", "errors.deadletterqueue.dlq", "true"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "5 delivered", func() bool { return len(e.values()) == 5 })
	waitFor(t, "1 dead", func() bool { return len(e.dlqRecords()) == 1 })
	stop()
	got := e.values()
	seen := map[string]int{}
	for _, v := range got {
		seen[v]++
	}
	for _, v := range []string{"v0", "v1", "v2", "v3", "v5"} {
		if seen[v] != 1 {
			t.Fatalf("%s delivered %d times: %v", v, seen[v], got)
		}
	}
	d := e.dlqRecords()[0]
	if h, _ := d.Headers.Last("__connect.errors.stage"); d.Value != "v4" || h.Value != "TASK_PUT" {
		t.Fatalf("dlq %v stage %v", d.Value, h.Value)
	}
}

func TestPermanentPutErrorNotRetried(t *testing.T) {
	e := newEnv(t)
	e.failPut = func(r *connect.Record, attempt int) error {
		if r.Value == "v1" {
			return connect.Permanent(errors.New("too large"))
		}
		return nil
	}
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "3", "errors.retry.timeout", "-1"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "failure", func() bool { return taskState(w, "p") == StateFailed })
	stop()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.putCount["v1"] != 1 {
		t.Fatalf("permanent error retried: %d puts", e.putCount["v1"])
	}
	st, _ := w.Status("p")
	if !strings.Contains(st.Tasks[0].Trace, "TASK_PUT (sink memsink)") {
		t.Fatalf("trace: %s", st.Tasks[0].Trace)
	}
}

func TestPollErrors(t *testing.T) {
	e := newEnv(t)
	clk := newFakeClock()
	clk.auto = func(d time.Duration) bool { return d < time.Hour }
	e.pollErrs = []error{connect.Retriable(errors.New("blip")), connect.Retriable(errors.New("blip"))}
	w, _ := e.newWorker(WithClock(clk))
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "2", "errors.retry.timeout", "5000"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "records after retried polls", func() bool { return len(e.values()) == 2 })
	stop()

	e2 := newEnv(t)
	e2.pollErrs = []error{errors.New("broken")}
	w2, _ := e2.newWorker()
	stop2 := run(t, w2)
	if err := w2.Create(context.Background(), "p", pipe("count", "2"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "poll failure", func() bool { return taskState(w2, "p") == StateFailed })
	if err := stop2(); err == nil || !strings.Contains(err.Error(), "TASK_POLL") {
		t.Fatalf("got %v", err)
	}
}

func TestBatchTransformation(t *testing.T) {
	e := newEnv(t)
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "2", "transforms", "s", "transforms.s.type", "Split"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "4 records", func() bool { return len(e.values()) == 4 })
	stop()
	if got := e.values(); !reflect.DeepEqual(got, []string{"v0a", "v0b", "v1a", "v1b"}) {
		t.Fatal(got)
	}
	if p := storedPos(t, w, "p"); p != 1 {
		t.Fatalf("offset %d", p)
	}
}

func TestPauseResumeStopAndOffsets(t *testing.T) {
	e := newEnv(t)
	e.blockPoll = make(chan struct{})
	w, _ := e.newWorker()
	stop := run(t, w)
	defer stop()
	ctx := context.Background()
	if err := w.Create(ctx, "p", pipe("count", "50"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	if err := w.Create(ctx, "p", pipe("count", "50"), TargetRunning); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate create: %v", err)
	}
	waitFor(t, "running", func() bool { return taskState(w, "p") == StateRunning })
	if err := w.Pause(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	close(e.blockPoll) // the source could now produce everything
	time.Sleep(50 * time.Millisecond)
	if n := len(e.values()); n != 0 {
		t.Fatalf("paused pipeline moved %d records", n)
	}
	if st, _ := w.Status("p"); st.Connector.State != StatePaused || st.Tasks[0].State != StatePaused {
		t.Fatalf("status %+v", st)
	}
	if err := w.AlterOffsets(ctx, "p", nil); !errors.Is(err, ErrNotStopped) {
		t.Fatalf("alter while paused: %v", err)
	}
	if err := w.Resume(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "all records", func() bool { return len(e.values()) == 50 })
	if err := w.Stop(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if st, _ := w.Status("p"); st.Connector.State != StateStopped || len(st.Tasks) != 0 {
		t.Fatalf("status %+v", st)
	}
	if p := storedPos(t, w, "p"); p != 49 {
		t.Fatalf("stop did not commit: %d", p)
	}
	if err := w.AlterOffsets(ctx, "p", []connect.SourceOffset{{Partition: map[string]any{"src": "mem"}, Offset: map[string]any{"pos": 44}}}); err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	e.delivered = nil
	e.mu.Unlock()
	if err := w.Resume(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "replay after alter", func() bool { return len(e.values()) == 5 })
	if got := e.values(); got[0] != "v45" {
		t.Fatalf("resumed at %v", got)
	}
	w.Stop(ctx, "p")
	if err := w.ResetOffsets(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if offs, _ := w.Offsets(ctx, "p"); len(offs) != 0 {
		t.Fatalf("reset left %v", offs)
	}
	if err := w.Delete(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Status("p"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("status of deleted: %v", err)
	}
}

func TestRestartFailedTaskAndUpdate(t *testing.T) {
	e := newEnv(t)
	w, _ := e.newWorker()
	stop := run(t, w)
	defer stop()
	ctx := context.Background()
	cfg := pipe("count", "5", "transforms", "f", "transforms.f.type", "Fail", "transforms.f.value", "v2")
	if err := w.Create(ctx, "p", cfg, TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "failed", func() bool { return taskState(w, "p") == StateFailed })
	// Fix the config: Update restarts with the new one and resumes from the stored offset.
	cfg["transforms.f.value"] = "never"
	created, err := w.Update(ctx, "p", cfg)
	if err != nil || created {
		t.Fatal(created, err)
	}
	waitFor(t, "all records", func() bool { return len(e.values()) == 5 })
	if c, _ := w.Config("p"); c["transforms.f.value"] != "never" {
		t.Fatal(c)
	}
	if err := w.RestartTask(ctx, "p", 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "running", func() bool { return taskState(w, "p") == StateRunning })
	if err := w.Restart(ctx, "p", true, true); err != nil {
		t.Fatal(err)
	}
	if err := w.RestartTask(ctx, "p", 7); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	created, err = w.Update(ctx, "new", pipe("name", "new", "count", "1"))
	if err != nil || !created {
		t.Fatal(created, err)
	}
}

func TestShutdownCommitsAndRestartResumes(t *testing.T) {
	e := newEnv(t)
	w, path := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "40", "batch.size", "3"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "40", func() bool { return len(e.values()) == 40 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// A second worker on the same offsets file sees nothing new.
	e2 := newEnv(t)
	wc := WorkerConfig{OffsetFile: path, Props: map[string]string{}}
	w2, err := New(wc, e2.reg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	stop2 := run(t, w2)
	if err := w2.Create(context.Background(), "p", pipe("count", "45"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the 5 new records", func() bool { return len(e2.values()) == 5 })
	stop2()
	if got := e2.values(); got[0] != "v40" {
		t.Fatalf("reprocessed: %v", got)
	}
}

func TestFileStore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "off.json")
	s, err := NewFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	part := map[string]any{"server": "db1", "lsn_part": 1, "nested": map[string]any{"b": 2, "a": []any{1, "x"}}}
	if err := s.Put(ctx, "p1", []connect.SourceOffset{{Partition: part, Offset: map[string]any{"lsn": uint64(123456789012), "f": 1.5}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "p2", []connect.SourceOffset{{Partition: map[string]any{"x": "y"}, Offset: map[string]any{"n": 1}}}); err != nil {
		t.Fatal(err)
	}
	// A leftover temp file from a crash mid-write does not matter.
	os.WriteFile(filepath.Join(dir, ".off.json.tmp-123"), []byte("{garbage"), 0o600)
	s2, err := NewFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	// Same structure, other key order and number types: same key.
	same := map[string]any{"nested": map[string]any{"a": []any{int64(1), "x"}, "b": 2.0}, "lsn_part": int32(1), "server": "db1"}
	got, err := s2.Get(ctx, "p1", same)
	if err != nil || got["lsn"] != int64(123456789012) || got["f"] != 1.5 {
		t.Fatalf("got %v %v", got, err)
	}
	if got, _ := s2.Get(ctx, "p2", same); got != nil {
		t.Fatal("pipelines share keys")
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"key": [`) || !strings.Contains(string(data), `"p1",`) {
		t.Fatalf("file format: %s", data)
	}
	// Reset removes the entry; the file is rewritten whole.
	if err := s2.Put(ctx, "p1", []connect.SourceOffset{{Partition: same}}); err != nil {
		t.Fatal(err)
	}
	s3, _ := NewFileStore(path)
	if l, _ := s3.List(ctx, "p1"); len(l) != 0 {
		t.Fatal(l)
	}
	if l, _ := s3.List(ctx, "p2"); len(l) != 1 {
		t.Fatal(l)
	}
	entries, _ := os.ReadDir(dir)
	for _, de := range entries {
		if strings.HasPrefix(de.Name(), ".off.json.tmp") && de.Name() != ".off.json.tmp-123" {
			t.Fatalf("temp file left behind: %s", de.Name())
		}
	}
	// A write that fails leaves the old file intact.
	if err := s3.Put(ctx, "p2", []connect.SourceOffset{{Partition: map[string]any{"x": "y"}, Offset: map[string]any{"bad": make(chan int)}}}); err == nil {
		t.Fatal("unencodable offset accepted")
	}
	s4, err := NewFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s4.Get(ctx, "p2", map[string]any{"x": "y"}); got["n"] != int64(1) {
		t.Fatal(got)
	}
	os.WriteFile(path, []byte("not json"), 0o600)
	if _, err := NewFileStore(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("corrupt file error must name it: %v", err)
	}
}

func TestMetricsAndStatusFigures(t *testing.T) {
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	w, _ := e.newWorker(WithMetrics(reg))
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "10", "transforms", "d", "transforms.d.type", "Drop",
		"transforms.d.predicate", "is3", "predicates", "is3", "predicates.is3.type", "ValueIs", "predicates.is3.value", "v3"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "9", func() bool { return len(e.values()) == 9 })
	st, _ := w.Status("p")
	stop()
	if st.Tasks[0].RecordsPolled != 10 || st.Tasks[0].RecordsDelivered != 9 || st.Type != "source" {
		t.Fatalf("status figures %+v", st)
	}
	for name, want := range map[string]float64{
		"inlet_source_record_poll_total":    10,
		"inlet_source_record_write_total":   9,
		"inlet_offset_commit_success_total": 1,
	} {
		mfs, _ := reg.Gather()
		found := false
		for _, mf := range mfs {
			if mf.GetName() == name {
				found = true
				if v := mf.Metric[0].GetCounter().GetValue(); v != want {
					t.Errorf("%s = %v, want %v", name, v, want)
				}
			}
		}
		if !found {
			t.Errorf("metric %s missing", name)
		}
	}
	mfs, _ := reg.Gather()
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	for _, n := range []string{"inlet_put_batch_time_seconds", "inlet_transform_batch_time_seconds", "inlet_batch_size", "inlet_task_status", "inlet_offset_commit_time_seconds"} {
		if !names[n] {
			t.Errorf("metric %s missing", n)
		}
	}
	// Every batch went through the transforms once, as many as were put.
	var puts, transforms uint64
	for _, mf := range mfs {
		switch mf.GetName() {
		case "inlet_put_batch_time_seconds":
			puts = mf.Metric[0].GetHistogram().GetSampleCount()
		case "inlet_transform_batch_time_seconds":
			transforms = mf.Metric[0].GetHistogram().GetSampleCount()
		}
	}
	if transforms == 0 || transforms != puts {
		t.Errorf("inlet_transform_batch_time_seconds counted %d batches, put %d", transforms, puts)
	}
}

func TestValidateAnswer(t *testing.T) {
	e := newEnv(t)
	w, _ := e.newWorker()
	vals := w.Validate(pipe("transforms", "t", "transforms.t.type", "Tag", "sink.connector.class", "needy"))
	byName := map[string]connect.ConfigValue{}
	for _, v := range vals {
		byName[v.Key.Name] = v
	}
	if v := byName["transforms.t.tag"]; len(v.Errors) == 0 {
		t.Fatalf("missing required transform key not reported: %+v", v)
	}
	if v := byName["sink.path"]; len(v.Errors) == 0 {
		t.Fatalf("missing required sink key not reported: %+v", vals)
	}
	if v, ok := byName["batch.size"]; !ok || v.Value != "100" {
		t.Fatalf("runtime keys missing: %+v", v)
	}
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}
