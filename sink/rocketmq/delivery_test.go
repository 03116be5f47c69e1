package rocketmq

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/connecttest"
	"github.com/inletdev/inlet/sink/rocketmq/rocketmqtest"
)

// policy gives the wait before retry n (1-based), false when none is left.
type policy func(n int) (time.Duration, bool)

// EventBridge's policies (eventbridge.md §3), as the runtime applies them.
var (
	backoffRetry policy = func(n int) (time.Duration, bool) {
		if n > 3 {
			return 0, false
		}
		return 10*time.Second + mrand.N(10*time.Second+1), true
	}
	exponentialDecayRetry policy = func(n int) (time.Duration, bool) {
		if n > 176 {
			return 0, false
		}
		if n <= 9 {
			return time.Second << (n - 1), true
		}
		return 512 * time.Second, true
	}
)

// fakeClock records the waits instead of sleeping.
type fakeClock struct{ waits []time.Duration }

func (c *fakeClock) total() (d time.Duration) {
	for _, w := range c.waits {
		d += w
	}
	return d
}

// deliver drives the task as the runtime does: Put, then retry the failed
// records under the policy (waiting on the fake clock); permanent failures
// and records out of retries are returned as dead letters.
func deliver(t *testing.T, task *Task, recs []*connect.Record, p policy, clk *fakeClock) (dead []*connect.Record) {
	t.Helper()
	pending := recs
	for n := 1; len(pending) > 0; n++ {
		err := task.Put(ectx, pending)
		if err == nil {
			break
		}
		var re connect.RecordErrors
		if !errors.As(err, &re) {
			t.Fatalf("Put returned %T %v, want connect.RecordErrors", err, err)
		}
		var retry []*connect.Record
		for _, e := range re {
			if connect.IsPermanent(e) {
				dead = append(dead, e.Record)
			} else {
				retry = append(retry, e.Record)
			}
		}
		d, ok := p(n)
		if !ok {
			return append(dead, retry...)
		}
		if len(retry) > 0 {
			clk.waits = append(clk.waits, d)
		}
		pending = retry
	}
	return dead
}

func numbered(n int, prefix string) []*connect.Record {
	out := make([]*connect.Record, n)
	for i := range out {
		out[i] = event(i, fmt.Sprintf("%s-%d", prefix, i))
	}
	return out
}

// exactlyOnce checks the server holds each body once.
func exactlyOnce(t *testing.T, s *rocketmqtest.Server, bodies ...string) {
	t.Helper()
	seen := map[string]int{}
	for _, m := range s.Messages() {
		seen[string(m.Body)]++
	}
	for _, b := range bodies {
		if seen[b] != 1 {
			t.Errorf("body %q stored %d times", b, seen[b])
		}
	}
	if len(seen) != len(bodies) {
		t.Errorf("%d distinct bodies stored, want %d", len(seen), len(bodies))
	}
}

func bodies(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	return out
}

var bodyPath = []string{"message.body.form", "JSONPATH", "message.body.value", "$.data.body"}

func TestRetryPolicies(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{})
	// one client attempt per send, so every broker error reaches the policy
	task := openTask(t, props(s, append(bodyPath, keyMaxAttempts, "1")...), connect.TaskContext{})
	for _, tc := range []struct {
		name     string
		p        policy
		firstMin time.Duration
		firstMax time.Duration
		total    time.Duration // when retries run out; 0 = check a range
	}{
		{"BACKOFF_RETRY", backoffRetry, 10 * time.Second, 20 * time.Second, 0},
		{"EXPONENTIAL_DECAY_RETRY", exponentialDecayRetry, time.Second, time.Second, 86015 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.Reset()
			// transient broker errors: two failed calls, then success
			s.FailNextSends(2, v2.Code_INTERNAL_ERROR, "disk busy")
			clk := &fakeClock{}
			recs := numbered(5, tc.name)
			if dead := deliver(t, task, recs, tc.p, clk); len(dead) != 0 {
				t.Fatalf("%d dead letters", len(dead))
			}
			if len(clk.waits) != 1 || clk.waits[0] < tc.firstMin || clk.waits[0] > tc.firstMax {
				t.Fatalf("waits = %v", clk.waits)
			}
			exactlyOnce(t, s, bodies(tc.name, 5)...)

			// a broker that keeps failing: retries run out, records are dead-lettered
			s.Reset()
			s.RejectIf(func(rocketmqtest.Message) *rocketmqtest.Rejection {
				return &rocketmqtest.Rejection{Code: v2.Code_INTERNAL_SERVER_ERROR, Message: "down"}
			})
			defer s.RejectIf(nil)
			clk = &fakeClock{}
			dead := deliver(t, task, numbered(3, "doomed"), tc.p, clk)
			if len(dead) != 3 || s.Len() != 0 {
				t.Fatalf("%d dead, %d stored", len(dead), s.Len())
			}
			if tc.total != 0 && clk.total() != tc.total {
				t.Fatalf("waited %v in all, want %v (%d waits)", clk.total(), tc.total, len(clk.waits))
			}
			if tc.total == 0 && (len(clk.waits) != 3 || clk.total() < 30*time.Second || clk.total() > 60*time.Second) {
				t.Fatalf("waits = %v", clk.waits)
			}
		})
	}
}

func TestPermanentAndTransientErrors(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{})
	task := openTask(t, props(s, append(bodyPath, keyMaxAttempts, "1")...), connect.TaskContext{})
	s.RejectIf(func(m rocketmqtest.Message) *rocketmqtest.Rejection {
		if string(m.Body) == "poison" {
			return &rocketmqtest.Rejection{Code: v2.Code_ILLEGAL_MESSAGE_PROPERTY_KEY, Message: "bad property"}
		}
		return nil
	})
	recs := []*connect.Record{event(0, "fine"), event(1, "poison")}
	err := task.Put(ectx, recs)
	var re connect.RecordErrors
	if !errors.As(err, &re) || len(re) != 1 || re[0].Record != recs[1] || !connect.IsPermanent(re[0]) || !strings.Contains(err.Error(), "ILLEGAL_MESSAGE_PROPERTY_KEY") {
		t.Fatalf("err = %v", err)
	}
	s.RejectIf(nil)
	for _, code := range []v2.Code{v2.Code_INTERNAL_ERROR, v2.Code_TOO_MANY_REQUESTS, v2.Code_UNAUTHORIZED, v2.Code_TOPIC_NOT_FOUND, v2.Code_PROXY_TIMEOUT} {
		s.FailNextSends(1, code, "x")
		err := task.Put(ectx, []*connect.Record{event(2, "again")})
		if !errors.As(err, &re) || connect.IsPermanent(re[0]) {
			t.Errorf("%v: err = %v, want a retriable record error", code, err)
		}
	}
	exactlyOnce(t, s, "fine")
}

func TestThrottlingIsRetriedByTheClient(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{})
	task := openTask(t, props(s, append(bodyPath, keyMaxAttempts, "3")...), connect.TaskContext{})
	s.FailNextSends(2, v2.Code_TOO_MANY_REQUESTS, "slow down")
	if err := task.Put(ectx, []*connect.Record{event(0, "throttled")}); err != nil {
		t.Fatal(err)
	}
	if n := s.Calls("SendMessage"); n != 3 {
		t.Fatalf("%d send calls, want 3", n)
	}
	exactlyOnce(t, s, "throttled")
}

func TestSlowBroker(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{})
	task := openTask(t, props(s, append(bodyPath, keyMaxAttempts, "1", keySendTimeout, "200")...), connect.TaskContext{})
	s.SetSendDelay(2 * time.Second)
	start := time.Now()
	err := task.Put(ectx, []*connect.Record{event(0, "slow")})
	if err == nil || connect.IsPermanent(err) || time.Since(start) > 1500*time.Millisecond {
		t.Fatalf("err = %v after %v, want a retriable timeout well before the broker answers", err, time.Since(start))
	}
	s.SetSendDelay(0)
	if dead := deliver(t, task, []*connect.Record{event(0, "slow")}, exponentialDecayRetry, &fakeClock{}); len(dead) != 0 {
		t.Fatal(dead)
	}
	exactlyOnce(t, s, "slow")
}

func TestDroppedConnections(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{})
	task := openTask(t, props(s, bodyPath...), connect.TaskContext{})
	clk := &fakeClock{}
	if dead := deliver(t, task, numbered(10, "before"), exponentialDecayRetry, clk); len(dead) != 0 {
		t.Fatal(dead)
	}
	if n := s.DropConnections(); n == 0 {
		t.Fatal("no connection to drop")
	}
	if dead := deliver(t, task, numbered(10, "after"), exponentialDecayRetry, clk); len(dead) != 0 {
		t.Fatal(dead)
	}
	exactlyOnce(t, s, append(bodies("before", 10), bodies("after", 10)...)...)
}

func TestFIFOOrderUnderFailures(t *testing.T) {
	// ga-04 is refused as many times as it takes to fail it in one Put:
	// once alone (batch size 1), or as part of its batch and then alone.
	for _, tc := range []struct {
		batch    string
		refusals int
	}{{"1", 1}, {"100", 2}} {
		t.Run("batch="+tc.batch, func(t *testing.T) { fifoOrderUnderFailures(t, tc.batch, tc.refusals) })
	}
}

func fifoOrderUnderFailures(t *testing.T, batch string, refusals int) {
	s := newServer(t, rocketmqtest.Config{})
	task := openTask(t, props(s, append(bodyPath, keyMaxAttempts, "1", keyBatchSize, batch,
		"message.group.form", "JSONPATH", "message.group.value", "$.data.group")...), connect.TaskContext{})
	s.SetSendDelay(2 * time.Millisecond) // let the groups interleave
	var recs []*connect.Record
	for i := range 30 {
		g := "g" + string(rune('a'+i%3))
		r := connect.NewRecord("orders", nil, map[string]any{"group": g, "body": fmt.Sprintf("%s-%02d", g, i/3)})
		recs = append(recs, r)
	}
	refused := 0
	s.RejectIf(func(m rocketmqtest.Message) *rocketmqtest.Rejection {
		if string(m.Body) == "ga-04" && refused < refusals {
			refused++
			return &rocketmqtest.Rejection{Code: v2.Code_INTERNAL_ERROR, Message: "once"}
		}
		return nil
	})
	err := task.Put(ectx, recs)
	var re connect.RecordErrors
	if !errors.As(err, &re) || len(re) != 6 {
		t.Fatalf("err = %v, want ga-04..ga-09 failed", err)
	}
	if !strings.Contains(re[1].Error(), "earlier message of its group failed") {
		t.Fatalf("second failure = %v", re[1])
	}
	retry := make([]*connect.Record, len(re))
	for i, e := range re {
		retry[i] = e.Record
	}
	if err := task.Put(ectx, retry); err != nil {
		t.Fatal(err)
	}
	last := map[string]string{}
	count := map[string]int{}
	for _, m := range s.Messages() {
		if m.Type != v2.MessageType_FIFO {
			t.Fatalf("type %v", m.Type)
		}
		b := string(m.Body)
		if b <= last[m.Group] {
			t.Fatalf("group %s: %s after %s", m.Group, b, last[m.Group])
		}
		last[m.Group] = b
		count[m.Group]++
	}
	if count["ga"] != 10 || count["gb"] != 10 || count["gc"] != 10 {
		t.Fatalf("counts %v", count)
	}
}

func TestAuthentication(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{AccessKey: "LTAI5t", SecretKey: "s3cret"})
	task := openTask(t, props(s, append(bodyPath, keyAccessKey, "LTAI5t", keySecretKey, "s3cret")...), connect.TaskContext{})
	if err := task.Put(ectx, []*connect.Record{event(0, "signed")}); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, s, "signed")
	if s.AuthFailures() != 0 {
		t.Fatalf("%d auth failures", s.AuthFailures())
	}
	cfg, _ := ConfigDef().Parse(props(s, keyAccessKey, "LTAI5t", keySecretKey, "wrong"))
	_, err := open(context.Background(), cfg, connect.TaskContext{})
	if err == nil || !strings.Contains(err.Error(), "UNAUTHORIZED") || !strings.Contains(err.Error(), s.Addr()) {
		t.Fatalf("wrong secret: %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatal("the secret leaked into the error")
	}
}

func TestStartNeverHangs(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{NoSettings: true})
	cfg, _ := ConfigDef().Parse(props(s, keyStartTimeout, "1000"))
	start := time.Now()
	_, err := open(context.Background(), cfg, connect.TaskContext{})
	if err == nil || !strings.Contains(err.Error(), "did not start within 1s") || !strings.Contains(err.Error(), s.Addr()) || time.Since(start) > 3*time.Second {
		t.Fatalf("no settings: %v after %v", err, time.Since(start))
	}

	gone := newServer(t, rocketmqtest.Config{})
	gone.Close()
	cfg, _ = ConfigDef().Parse(props(gone, keyStartTimeout, "1000"))
	start = time.Now()
	_, err = open(context.Background(), cfg, connect.TaskContext{})
	if err == nil || !strings.Contains(err.Error(), gone.Addr()) || time.Since(start) > 3*time.Second {
		t.Fatalf("no endpoint: %v after %v", err, time.Since(start))
	}
}

func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

func TestTLS(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{TLS: selfSigned(t)})
	p := props(s, bodyPath...)
	p[keyTLS] = "true"
	task := openTask(t, p, connect.TaskContext{})
	if err := task.Put(ectx, []*connect.Record{event(0, "over tls")}); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, s, "over tls")

	// While a TLS producer is alive, a plaintext one cannot start: the
	// client has one process-wide switch.
	plain := newServer(t, rocketmqtest.Config{})
	cfg, _ := ConfigDef().Parse(props(plain))
	if _, err := open(context.Background(), cfg, connect.TaskContext{}); err == nil || !strings.Contains(err.Error(), "process-wide TLS switch") {
		t.Fatalf("mixed TLS: %v", err)
	}
}

// overlay builds the dead-letter-queue sink's config as the runtime does:
// the sink's keys overlaid with errors.deadletterqueue.<key>.
func overlay(sink map[string]string, pipeline map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range sink {
		out[k] = v
	}
	for k, v := range pipeline {
		if rest, ok := strings.CutPrefix(k, "errors.deadletterqueue."); ok && rest != "topic.name" && rest != "context.headers.enable" {
			out[rest] = v
		}
	}
	return out
}

func TestDeadLetterQueueTopic(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{Topics: []string{"orders", "orders-dlq"}})
	sinkKeys := props(s, append(bodyPath, "message.tag.form", "JSONPATH", "message.tag.value", "$.data.systemProperties.TAGS")...)
	pipeline := map[string]string{
		"errors.tolerance":                          "all",
		"errors.deadletterqueue.topic.name":         "orders-dlq",
		"errors.deadletterqueue.rocketmq.topic":     "orders-dlq",
		"errors.deadletterqueue.message.body.form":  "ORIGINAL",
		"errors.deadletterqueue.message.body.value": "",
		"errors.deadletterqueue.message.tag.form":   "CONSTANT",
		"errors.deadletterqueue.message.tag.value":  "dead",
	}
	main := openTask(t, sinkKeys, connect.TaskContext{})
	dlq := openTask(t, overlay(sinkKeys, pipeline), connect.TaskContext{})

	noBody := event(1, "")
	delete(noBody.Value.(map[string]any), "body")
	recs := []*connect.Record{event(0, "good"), noBody, event(2, "poison")}
	s.RejectIf(func(m rocketmqtest.Message) *rocketmqtest.Rejection {
		if string(m.Body) == "poison" {
			return &rocketmqtest.Rejection{Code: v2.Code_MESSAGE_BODY_TOO_LARGE, Message: "too large"}
		}
		return nil
	})
	dead := deliver(t, main, recs, exponentialDecayRetry, &fakeClock{})
	if len(dead) != 2 {
		t.Fatalf("%d dead letters, want 2", len(dead))
	}
	// The runtime sends the records as polled (here: unchanged) to the DLQ.
	if err := dlq.Put(ectx, dead); err != nil {
		t.Fatal(err)
	}
	var dlqMsgs []rocketmqtest.Message
	for _, m := range s.Messages() {
		if m.Topic == "orders-dlq" {
			dlqMsgs = append(dlqMsgs, m)
		}
	}
	if len(dlqMsgs) != 2 {
		t.Fatalf("%d DLQ messages", len(dlqMsgs))
	}
	for _, m := range dlqMsgs {
		ev, err := connect.ParseJSON(m.Body)
		if err != nil || m.Tag != "dead" {
			t.Fatalf("DLQ message %s (tag %q): %v", m.Body, m.Tag, err)
		}
		data := ev.(map[string]any)["data"].(map[string]any)
		if _, ok := data["systemProperties"]; !ok || ev.(map[string]any)["specversion"] != "1.0" {
			t.Fatalf("DLQ body is not the raw event: %s", m.Body)
		}
	}
	// without the overlay's empty value the DLQ config says what is wrong
	bad := overlay(sinkKeys, map[string]string{"errors.deadletterqueue.message.body.form": "ORIGINAL"})
	if _, err := ConfigDef().Parse(bad); err == nil || !strings.Contains(err.Error(), "message.body.value") || !strings.Contains(err.Error(), "takes no value") {
		t.Fatalf("overlay without clearing the value: %v", err)
	}
}

func TestContract(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{})
	// The producer is shared per endpoint and outlives tasks while another
	// task holds it; hold one so the leak check sees only the task's own
	// goroutines (the client library's cannot be stopped, see client.go).
	// The same goes for the batched path's connection to the broker: a
	// first Put opens it before the contract counts goroutines.
	holder := openTask(t, props(s), connect.TaskContext{})
	if err := holder.Put(ectx, numbered(1, "warm-up")); err != nil {
		t.Fatal(err)
	}
	connecttest.TestSinkTask(t, func(ctx context.Context) (connect.SinkTask, error) {
		cfg, err := ConfigDef().Parse(props(s, bodyPath...))
		if err != nil {
			return nil, err
		}
		return New(ctx, cfg, connect.TaskContext{})
	}, numbered(5, "contract"))
	if s.Len() < 5 {
		t.Fatalf("%d messages", s.Len())
	}
}

func TestRegister(t *testing.T) {
	r := connect.NewRegistry()
	Register(r)
	for _, n := range []string{"rocketmq", "RocketMQ", "SinkRocketMQ"} {
		if p, err := r.Lookup(connect.KindSink, n); err != nil || p.Name != Name {
			t.Errorf("%s: %v", n, err)
		}
	}
}
