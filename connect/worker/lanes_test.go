package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/converters"
)

// rendezvousT holds record wait until record until has been through it
// (on another lane), or fails wait after patience: with one lane, where
// batches are transformed one after the other, wait's batch never lets
// until's batch in.
type rendezvousT struct {
	wait, until string
	patience    time.Duration
	seen        chan struct{}
	once        sync.Once
}

func (x *rendezvousT) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) {
	switch fmt.Sprint(r.Value) {
	case x.until:
		x.once.Do(func() { close(x.seen) })
	case x.wait:
		select {
		case <-x.seen:
		case <-time.After(x.patience):
			return nil, fmt.Errorf("%s waited %v for %s: the batches were not transformed at once", x.wait, x.patience, x.until)
		}
	}
	return r, nil
}

// jitterT sleeps up to 2 ms on the first record of each batch, so that
// lanes finish their batches out of order.
type jitterT struct{}

func (jitterT) ApplyBatch(ctx context.Context, recs []*connect.Record) ([]*connect.Record, error) {
	time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
	return recs, nil
}

func (jitterT) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) { return r, nil }

func lanesEnv(t *testing.T, wait, until string, patience time.Duration) *env {
	e := newEnv(t)
	rv := &rendezvousT{wait: wait, until: until, patience: patience, seen: make(chan struct{})}
	e.reg.Register(connect.Plugin{Kind: connect.KindTransform, Name: "Rendezvous",
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) { return rv, nil }})
	e.reg.Register(connect.Plugin{Kind: connect.KindTransform, Name: "Jitter",
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) { return jitterT{}, nil }})
	return e
}

// TestLanesTransformBatchesAtOnce: batch 1 (v0–v4) is held in the
// transform until batch 2's v7 has been through it. Two lanes deliver
// everything, in order; one lane cannot, and the record fails.
func TestLanesTransformBatchesAtOnce(t *testing.T) {
	for _, tc := range []struct {
		lanes string
		ok    bool
	}{{"2", true}, {"1", false}} {
		t.Run("lanes="+tc.lanes, func(t *testing.T) {
			e := lanesEnv(t, "v2", "v7", time.Second)
			w, _ := e.newWorker()
			stop := run(t, w)
			defer stop()
			if err := w.Create(context.Background(), "p", pipe("batch.transform.concurrency", tc.lanes, "batch.interval.ms", "15000", "count", "20", "batch.size", "5",
				"transforms", "r", "transforms.r.type", "Rendezvous"), TargetRunning); err != nil {
				t.Fatal(err)
			}
			if !tc.ok {
				waitFor(t, "task failure", func() bool { return taskState(w, "p") == StateFailed })
				st, _ := w.Status("p")
				if tr := st.Tasks[0].Trace; !strings.Contains(tr, "were not transformed at once") {
					t.Fatalf("trace:\n%s", tr)
				}
				return
			}
			waitFor(t, "20 records delivered", func() bool { return len(e.values()) == 20 })
			if got := e.values(); !slices.Equal(got, seq(0, 20)) {
				t.Fatalf("delivered %v, want poll order", got)
			}
		})
	}
}

// TestLanesKeepTheOrder: four lanes finish their batches in random order;
// the sink gets every record once, in poll order, and the offset stored is
// the last.
func TestLanesKeepTheOrder(t *testing.T) {
	e := lanesEnv(t, "", "", 0)
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("batch.transform.concurrency", "4", "batch.interval.ms", "15000", "count", "600", "batch.size", "3",
		"transforms", "j", "transforms.j.type", "Jitter"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "600 records delivered", func() bool { return len(e.values()) == 600 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got := e.values(); !slices.Equal(got, seq(0, 600)) {
		t.Fatalf("delivered out of poll order or more than once: %v", got)
	}
	if p := storedPos(t, w, "p"); p != 599 {
		t.Fatalf("stored offset %d, want 599", p)
	}
}

// TestLanesTransformFailureAbandonsLaterBatches: with three lanes, batch 2
// (v5–v9) fails at v7 (errors.tolerance=none) while batch 1 waits in its
// transform until batch 3 has been transformed. Batch 1 is delivered and
// its offsets stored; batch 3, transformed but after the failure, never
// reaches the sink.
func TestLanesTransformFailureAbandonsLaterBatches(t *testing.T) {
	e := lanesEnv(t, "v2", "v12", 10*time.Second)
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("batch.transform.concurrency", "3", "batch.interval.ms", "15000", "count", "20", "batch.size", "5",
		"transforms", "r,f", "transforms.r.type", "Rendezvous", "transforms.f.type", "Fail", "transforms.f.value", "v7"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	failedAfterFirstBatch(t, e, w, stop)
}

// holdT holds record value until release is closed; entered is closed
// when it begins to.
type holdT struct {
	value            string
	entered, release chan struct{}
}

func (h holdT) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) {
	if fmt.Sprint(r.Value) == h.value {
		close(h.entered)
		<-h.release
	}
	return r, nil
}

// TestLanesStopDeliversWhatTheLanesHold: a graceful stop while a lane
// still transforms batch 2 waits for it: it is delivered, in order, and
// the stored offset is the last record delivered.
func TestLanesStopDeliversWhatTheLanesHold(t *testing.T) {
	e := newEnv(t)
	h := holdT{value: "v7", entered: make(chan struct{}), release: make(chan struct{})}
	e.reg.Register(connect.Plugin{Kind: connect.KindTransform, Name: "Hold",
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) { return h, nil }})
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("batch.transform.concurrency", "2", "batch.interval.ms", "15000", "count", "20", "batch.size", "5",
		"transforms", "h", "transforms.h.type", "Hold"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("v7 never reached the transform")
	}
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(100 * time.Millisecond) // the stop is under way
	close(h.release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	got := e.values()
	if len(got) < 10 || !slices.Equal(got, seq(0, len(got))) {
		t.Fatalf("delivered %v, want v0… in order, at least through batch 2 (v9)", got)
	}
	if p := storedPos(t, w, "p"); p != int64(len(got)-1) {
		t.Fatalf("stored offset %d, want %d (the last record delivered)", p, len(got)-1)
	}
}

// TestLanesConfig: the key takes 1 to 16 lanes.
func TestLanesConfig(t *testing.T) {
	e := newEnv(t)
	w, _ := e.newWorker()
	stop := run(t, w)
	defer stop()
	for _, v := range []string{"0", "17", "two"} {
		err := w.Create(context.Background(), "p", pipe("batch.transform.concurrency", v, "count", "1"), TargetRunning)
		if err == nil || !strings.Contains(err.Error(), `batch.transform.concurrency="`+v+`"`) {
			t.Errorf("batch.transform.concurrency=%s: got %v, want a config error naming the key", v, err)
		}
	}
}

// seq is v<from> … v<to-1>.
func seq(from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("v%d", i))
	}
	return out
}

// TestLanesWithConverters: four lanes parse JSON bytes with the pipeline's
// key and value converters, transform, and write JSON again, several
// batches at once on the same converter instances (run it with -race, as
// .ci/run does). Every record reaches the sink once, in order, intact.
func TestLanesWithConverters(t *testing.T) {
	e := lanesEnv(t, "", "", 0)
	converters.Register(e.reg)
	var mu sync.Mutex
	var got []*connect.Record
	vals := make([]string, 500)
	for i := range vals {
		// shapes that vary, so the converters' shape caches change hands
		switch i % 3 {
		case 0:
			vals[i] = fmt.Sprintf(`{"id":%d,"name":"n%d"}`, i, i)
		case 1:
			vals[i] = fmt.Sprintf(`{"id":%d,"tags":["a","b"],"amount":1.5}`, i)
		default:
			vals[i] = fmt.Sprintf(`{"id":%d,"nested":{"x":%d,"y":null}}`, i, i)
		}
	}
	e.reg.Register(connect.Plugin{Kind: connect.KindSource, Name: "bytessrc",
		NewSource: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
			return &bytesSource{vals: vals, part: map[string]any{"p": 0}}, nil
		}})
	e.reg.Register(connect.Plugin{Kind: connect.KindSink, Name: "bytessink",
		NewSink: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SinkTask, error) {
			return &bytesSink{mu: &mu, got: &got}, nil
		}})
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", map[string]string{
		"name": "p", "connector.class": "bytessrc", "sink.connector.class": "bytessink",
		"batch.transform.concurrency": "4", "batch.size": "7",
		"key.converter": "JsonConverter", "key.converter.schemas.enable": "false",
		"value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
		"transforms": "j", "transforms.j.type": "Jitter",
	}, TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "500 records", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == len(vals) })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, r := range got {
		var want any
		if err := json.Unmarshal([]byte(vals[i]), &want); err != nil {
			t.Fatal(err)
		}
		var have any
		if err := json.Unmarshal(r.Value.([]byte), &have); err != nil || !reflect.DeepEqual(have, want) || string(r.Key.([]byte)) != fmt.Sprintf(`"k%d"`, i) {
			t.Fatalf("record %d: key %s value %s (%v), want key \"k%d\" value %s", i, r.Key, r.Value, err, i, vals[i])
		}
	}
}

// TestLanesDeadLetterInOrder: with three lanes and errors.tolerance=all,
// the records two transforms refuse (v7, v13) go to the DLQ as polled, the
// others reach the sink in order, and the stored offset is the last. (The
// jitter comes last: a batch transform that cannot say which input an
// output came from makes its outputs the whole run's, see
// applyBatchStage.)
func TestLanesDeadLetterInOrder(t *testing.T) {
	e := lanesEnv(t, "", "", 0)
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("batch.transform.concurrency", "3", "batch.interval.ms", "15000", "count", "20", "batch.size", "4",
		"transforms", "f,g,j", "transforms.j.type", "Jitter", "transforms.f.type", "Fail", "transforms.f.value", "v7",
		"transforms.g.type", "Fail", "transforms.g.value", "v13",
		"errors.tolerance", "all", "errors.deadletterqueue.topic.name", "dead", "errors.deadletterqueue.dlq", "true"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "18 delivered, 2 dead-lettered", func() bool { return len(e.values()) == 18 && len(e.dlqRecords()) == 2 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	want := slices.DeleteFunc(seq(0, 20), func(v string) bool { return v == "v7" || v == "v13" })
	if got := e.values(); !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
	if d := e.dlqRecords(); d[0].Value != "v7" || d[1].Value != "v13" || d[0].Topic != "dead" {
		t.Fatalf("dead letters %v %v, want v7 then v13 on topic dead", d[0], d[1])
	}
	if p := storedPos(t, w, "p"); p != 19 {
		t.Fatalf("stored offset %d, want 19", p)
	}
}
