package dtstorocketmq_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/builtin"
	"github.com/inletdev/inlet/connect/worker"
	"github.com/inletdev/inlet/internal/props"
	"github.com/inletdev/inlet/sink/rocketmq"
	"github.com/inletdev/inlet/sink/rocketmq/rocketmqtest"
	"github.com/inletdev/inlet/source/dts/dtstest"
	"github.com/inletdev/inlet/transforms/eventpattern"
)

// env is everything the example's ${env:...} references need.
type env struct {
	dts   *dtstest.Cluster
	mq    *rocketmqtest.Server
	fn    *function
	dir   string
	ckpt  int64
	extra map[string]string // pipeline overrides for the test
}

// function is the Function Compute stand-in: it records each batch it
// gets and adds "enrichedBy" to every afterImage.
type function struct {
	srv     *httptest.Server
	mu      sync.Mutex
	batches []batchSeen
}

type batchSeen struct {
	size int
	at   time.Time
}

func newFunction(t testing.TB) *function {
	f := &function{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer fc-token" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var evs []map[string]any
		if err := json.Unmarshal(body, &evs); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.batches = append(f.batches, batchSeen{len(evs), time.Now()})
		f.mu.Unlock()
		for _, ev := range evs {
			if data, ok := ev["data"].(map[string]any); ok {
				if after, ok := data["afterImage"].(map[string]any); ok {
					after["enrichedBy"] = "fc"
				}
			}
		}
		json.NewEncoder(w).Encode(evs)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *function) seen() []batchSeen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]batchSeen(nil), f.batches...)
}

func setup(t testing.TB) *env {
	t.Helper()
	c, err := dtstest.NewCluster(dtstest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	mq, err := rocketmqtest.NewServer(rocketmqtest.Config{Topics: []string{"orders-paid", "orders-dlq"}, AccessKey: "ak", SecretKey: "sk"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mq.Close)
	e := &env{dts: c, mq: mq, fn: newFunction(t), dir: t.TempDir(), ckpt: 1655769600, extra: map[string]string{
		// EXPONENTIAL_DECAY_RETRY retries for about a day (1, 2, 4 … 512 s);
		// errors.retry.timeout bounds it so the test dead-letters after the
		// retries at 1 s and 2 s.
		"errors.retry.timeout": "4000",
	}}
	for k, v := range map[string]string{
		"DTS_BROKER_URL": c.Addr, "DTS_TOPIC": c.Topic, "DTS_SID": c.Sid, "DTS_USER": c.User, "DTS_PASSWORD": c.Password,
		"DTS_CHECKPOINT":      strconv.FormatInt(e.ckpt, 10),
		"ENRICH_FUNCTION_URL": e.fn.srv.URL, "ENRICH_FUNCTION_TOKEN": "fc-token",
		"ROCKETMQ_ENDPOINT": mq.Addr(), "ROCKETMQ_ACCESS_KEY": "ak", "ROCKETMQ_SECRET_KEY": "sk", "ROCKETMQ_TLS": "false",
	} {
		t.Setenv(k, v)
	}
	return e
}

// start runs a worker with the example's files, as `inlet standalone
// worker.properties dts-to-rocketmq.properties` would.
func (e *env) start(t testing.TB) (*worker.Worker, func()) {
	t.Helper()
	wm, err := props.ReadFile("worker.properties")
	if err != nil {
		t.Fatal(err)
	}
	wm["offset.storage.file.filename"] = filepath.Join(e.dir, "offsets")
	wm["offset.flush.interval.ms"] = "500"
	wc, err := worker.ParseWorkerConfig("worker.properties", wm)
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(wc, registry())
	if err != nil {
		t.Fatal(err)
	}
	pm, err := props.ReadFile("dts-to-rocketmq.properties")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range e.extra {
		pm[k] = v
	}
	if !strings.Contains(pm["transforms"], "enrich") {
		for k := range pm {
			if strings.HasPrefix(k, "transforms.enrich.") {
				delete(pm, k)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	if err := w.Create(ctx, pm["name"], pm, worker.TargetRunning); err != nil {
		cancel()
		t.Fatalf("creating the example pipeline: %v", err)
	}
	stop := func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Logf("worker stopped: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("worker did not stop")
		}
	}
	return w, stop
}

// registry is the built-in registry. Plugins whose packages have not yet
// added their line to connect/builtin are registered here, so the test
// runs the same plugins either way.
func registry() *connect.Registry {
	r := builtin.NewRegistry()
	if _, err := r.Lookup(connect.KindSink, "rocketmq"); err != nil {
		rocketmq.Register(r)
	}
	if _, err := r.Lookup(connect.KindTransform, "EventPatternFilter"); err != nil {
		eventpattern.Register(r)
	}
	return r
}

func waitMessages(t testing.TB, mq *rocketmqtest.Server, topic string, n int, within time.Duration) []rocketmqtest.Message {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		// Len is cheap; copy the messages only once enough may be there.
		if mq.Len() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d messages in all after %s, want %d on %s", mq.Len(), within, n, topic)
			}
			time.Sleep(20 * time.Millisecond)
			continue
		}
		var got []rocketmqtest.Message
		for _, m := range mq.Messages() {
			if m.Topic == topic {
				got = append(got, m)
			}
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages on %s after %s, want %d", len(got), topic, within, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func byKey(ms []rocketmqtest.Message) map[string][]rocketmqtest.Message {
	out := map[string][]rocketmqtest.Message{}
	for _, m := range ms {
		k := strings.Join(m.Keys, ",")
		out[k] = append(out[k], m)
	}
	return out
}

func orderNo(id int64) string { return fmt.Sprintf("NO-%06d", id) }

func TestExamplePipeline(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	g := dtstest.Gen{TS: e.ckpt - 3600}
	// Before the checkpoint: must never arrive.
	if _, err := e.dts.Produce(ctx, g.Begin(), g.Update(900, "NEW", "PAID"), g.Commit()); err != nil {
		t.Fatal(err)
	}
	// From the checkpoint on: two matching UPDATEs among filtered changes.
	g.TS = e.ckpt
	if _, err := e.dts.Produce(ctx, g.Begin(), g.Insert(1), g.Update(1, "NEW", "PAID"), g.UpdateOther(1), g.Delete(2),
		g.Commit(), g.Heartbeat(), g.DDL("ALTER TABLE orders ADD COLUMN note2 TEXT"), g.Begin(), g.Update(3, "PAID", "SHIPPED"), g.Commit()); err != nil {
		t.Fatal(err)
	}
	w, stop := e.start(t)

	// 1. The right rows, with the right body, key, tag and properties.
	msgs := waitMessages(t, e.mq, "orders-paid", 2, 20*time.Second)
	keys := byKey(msgs)
	m1 := keys[orderNo(1)]
	if len(msgs) != 2 || len(m1) != 1 || len(keys[orderNo(3)]) != 1 {
		t.Fatalf("messages by key %v, want one each for %s and %s (nothing before the checkpoint, nothing filtered)", keys, orderNo(1), orderNo(3))
	}
	var body map[string]any
	if err := json.Unmarshal(m1[0].Body, &body); err != nil {
		t.Fatalf("body %s: %v", m1[0].Body, err)
	}
	if body["status"] != "PAID" || body["order_no"] != orderNo(1) || body["customer"] != "张三" || body["enrichedBy"] != "fc" ||
		body["amount"] != 101.5 || body["updated_at"] != "2022-06-21T08:30:15.5Z" {
		t.Errorf("body = %s, want the after image with readable values, enriched by the function", m1[0].Body)
	}
	if m1[0].Tag != "PAID" || keys[orderNo(3)][0].Tag != "SHIPPED" {
		t.Errorf("tags %q %q", m1[0].Tag, keys[orderNo(3)][0].Tag)
	}
	p := m1[0].Properties
	if p["database"] != "shop" || p["table"] != "orders" || p["operation"] != "UPDATE" || p["sourceTimestamp"] != strconv.FormatInt(e.ckpt, 10) ||
		len(p["eventId"]) < 34 {
		t.Errorf("properties = %v", p)
	}

	// 2. Batches: 250 matching rows at once go out as 100, 100, then the
	// last 50 only when batch.interval.ms (3 s) has passed.
	before := len(e.fn.seen())
	var recs []dtstest.Record
	for i := int64(100); i < 350; i++ {
		recs = append(recs, g.Update(i, "NEW", "PAID"))
	}
	start := time.Now()
	if _, err := e.dts.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	waitMessages(t, e.mq, "orders-paid", 252, 30*time.Second)
	seen := e.fn.seen()[before:]
	var sizes []int
	for _, b := range seen {
		sizes = append(sizes, b.size)
		if b.size > 100 {
			t.Errorf("a batch of %d events, batch.size is 100", b.size)
		}
	}
	if len(seen) < 3 || seen[0].size != 100 || seen[1].size != 100 || seen[0].at.Sub(start) > 2500*time.Millisecond {
		t.Errorf("batch sizes %v (first after %s), want full batches of 100 pushed before the interval", sizes, seen[0].at.Sub(start))
	}
	if last := seen[len(seen)-1]; last.size == 100 || last.at.Sub(start) < 2500*time.Millisecond {
		t.Errorf("last batch of %d after %s, want the remainder pushed by the 3 s interval", last.size, last.at.Sub(start))
	}

	// 3. A second pipeline on the same consumer group is refused.
	dup, _ := props.ReadFile("dts-to-rocketmq.properties")
	for k, v := range e.extra {
		dup[k] = v
	}
	dup["name"] = "dup"
	if err := w.Create(ctx, "dup", dup, worker.TargetRunning); err == nil {
		deadline := time.Now().Add(10 * time.Second)
		for {
			st, _ := w.Status("dup")
			trace := st.Connector.Trace
			for _, ts := range st.Tasks {
				trace += ts.Trace
			}
			if strings.Contains(trace, "already consumes consumer group") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("second pipeline on sid %s: status %+v, want it failed as a second client of the group", e.dts.Sid, st)
			}
			time.Sleep(50 * time.Millisecond)
		}
		_ = w.Delete(ctx, "dup")
	} else if !strings.Contains(err.Error(), "already consumes consumer group") {
		t.Fatalf("second pipeline: %v", err)
	}

	// 4. A broker failure for one message: retried, then dead-lettered with
	// the raw event; the other message goes through.
	e.mq.RejectIf(func(m rocketmqtest.Message) *rocketmqtest.Rejection {
		if m.Topic == "orders-paid" && len(m.Keys) == 1 && m.Keys[0] == orderNo(500) {
			return &rocketmqtest.Rejection{Code: v2.Code_INTERNAL_SERVER_ERROR, Message: "broker disk failure"}
		}
		return nil
	})
	attempts := e.mq.SendAttempts()
	if _, err := e.dts.Produce(ctx, g.Update(500, "NEW", "PAID"), g.Update(501, "NEW", "PAID")); err != nil {
		t.Fatal(err)
	}
	// The dead-lettered message must be the raw (untransformed) event of
	// order 500, and only that one: order 501 shares the function's batch,
	// but the function's answer keeps each event's id, so the runtime
	// knows which input each output came from.
	deadline := time.Now().Add(40 * time.Second)
	for got500 := false; !got500; {
		if time.Now().After(deadline) {
			t.Fatal("order 500 was not dead-lettered")
		}
		time.Sleep(50 * time.Millisecond)
		for _, m := range e.mq.Messages() {
			if m.Topic != "orders-dlq" {
				continue
			}
			var raw map[string]any
			if err := json.Unmarshal(m.Body, &raw); err != nil {
				t.Fatalf("DLQ body %s: %v", m.Body, err)
			}
			data, _ := raw["data"].(map[string]any)
			after, _ := data["afterImage"].(map[string]any)
			no := after["order_no"]
			if raw["type"] != "dts:ConsumeMessage" || no != orderNo(500) || after["enrichedBy"] != nil || m.Tag != "dead-letter" {
				t.Fatalf("DLQ message tag %q body %s, want the raw (untransformed) CloudEvent of order 500", m.Tag, m.Body)
			}
			got500 = got500 || no == orderNo(500)
		}
	}
	if got := e.mq.SendAttempts() - attempts; got < 3 {
		t.Errorf("%d send attempts, want the failing message retried", got)
	}
	waitMessages(t, e.mq, "orders-paid", 253, 10*time.Second)
	if n := len(byKey(waitMessages(t, e.mq, "orders-paid", 253, time.Second))[orderNo(501)]); n != 1 {
		t.Errorf("order 501 delivered %d times", n)
	}
	e.mq.RejectIf(nil)
	stop()

	// 5. Restart: rows written while the worker was down arrive, nothing
	// before the last committed offset comes again (the checkpoint is not
	// reused), nothing is lost.
	var down []dtstest.Record
	g.TS += 60
	for i := int64(600); i < 605; i++ {
		down = append(down, g.Update(i, "NEW", "PAID"))
	}
	if _, err := e.dts.Produce(ctx, down...); err != nil {
		t.Fatal(err)
	}
	_, stop2 := e.start(t)
	defer stop2()
	msgs = waitMessages(t, e.mq, "orders-paid", 258, 20*time.Second)
	time.Sleep(3500 * time.Millisecond) // a full batch interval: anything re-sent would show
	msgs = waitMessages(t, e.mq, "orders-paid", 258, time.Second)
	keys = byKey(msgs)
	for _, id := range []int64{1, 3, 100, 349, 501, 600, 604} {
		if n := len(keys[orderNo(id)]); n != 1 {
			t.Errorf("order %d delivered %d times, want once", id, n)
		}
	}
	if len(keys[orderNo(900)]) != 0 || len(keys[orderNo(500)]) != 0 {
		t.Error("a row before the checkpoint, or the dead-lettered one, reached orders-paid")
	}
	if len(msgs) != 258 {
		t.Errorf("%d messages on orders-paid, want 258 (2 + 250 + 1 + 5), no duplicates after the restart", len(msgs))
	}
}
