package rocketmq

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	rmq "github.com/apache/rocketmq-clients/golang/v5"
	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/sink/rocketmq/rocketmqtest"
)

// recordErrors returns Put's record errors, failing the test on any other
// error.
func recordErrors(t *testing.T, err error) connect.RecordErrors {
	t.Helper()
	if err == nil {
		return nil
	}
	var re connect.RecordErrors
	if !errors.As(err, &re) {
		t.Fatalf("Put returned %T %v, want connect.RecordErrors", err, err)
	}
	return re
}

// fullMapping is Alibaba's example mapping in a namespace.
var fullMapping = append([]string{keyNamespace, "MQ_INST_1"}, alibabaMapping...)

// TestBatchedLikeOfficial sends the same records one per request through
// the official Producer.Send (batch size 1) and batched, and compares what
// the broker got field by field: only the message ID and born time differ.
func TestBatchedLikeOfficial(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra []string
		typ   v2.MessageType
	}{
		{"normal", nil, v2.MessageType_NORMAL},
		{"fifo", []string{"message.group.form", "JSONPATH", "message.group.value", "$.data.aggregateId"}, v2.MessageType_FIFO},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, rocketmqtest.Config{})
			keys := append(append([]string{}, fullMapping...), tc.extra...)
			one := openTask(t, props(s, append(keys, keyBatchSize, "1")...), connect.TaskContext{})
			batched := openTask(t, props(s, append(keys, keyBatchSize, "100")...), connect.TaskContext{})
			recs := numbered(4, tc.name)
			if err := one.Put(ectx, recs); err != nil {
				t.Fatal(err)
			}
			official := s.Messages()
			s.Reset()
			if err := batched.Put(ectx, recs); err != nil {
				t.Fatal(err)
			}
			ours := s.Messages()
			if len(official) != 4 || len(ours) != 4 {
				t.Fatalf("%d and %d messages", len(official), len(ours))
			}
			byBody := map[string]rocketmqtest.Message{}
			for _, m := range official {
				byBody[string(m.Body)] = m
			}
			ids := map[string]bool{}
			for _, m := range ours {
				want, ok := byBody[string(m.Body)]
				if !ok {
					t.Fatalf("body %q only batched", m.Body)
				}
				if m.MessageID == "" || len(m.MessageID) != len(want.MessageID) || ids[m.MessageID] || m.BornTimestamp.IsZero() {
					t.Fatalf("message id %q (official %q), born %v", m.MessageID, want.MessageID, m.BornTimestamp)
				}
				ids[m.MessageID] = true
				if m.Type != tc.typ || m.Namespace != "MQ_INST_1" || m.Tag != "TagA" || len(m.Keys) != 1 || m.BornHost == "" || m.ClientID == "" {
					t.Fatalf("batched message %+v", m)
				}
				// what may differ: the ID, the born time, and the request
				for _, x := range []*rocketmqtest.Message{&m, &want} {
					x.MessageID, x.BornTimestamp, x.Request, x.Offset = "", time.Time{}, 0, 0
				}
				if !reflect.DeepEqual(m, want) {
					t.Errorf("batched  %+v\nofficial %+v", m, want)
				}
			}
			want := []int{4} // one request
			if tc.typ == v2.MessageType_FIFO {
				want = []int{2, 2} // one per group (agg-a, agg-b)
			}
			if got := s.Requests(); !reflect.DeepEqual(got, want) {
				t.Fatalf("requests %v, want %v", got, want)
			}
		})
	}
}

// TestBatchRejected: a batch the broker refuses because of one message is
// sent again one per request, so the good ones are delivered and the bad
// one fails on its own, permanently.
func TestBatchRejected(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{MaxBodySize: 1024})
	task := openTask(t, props(s, bodyPath...), connect.TaskContext{})
	recs := numbered(6, "ok")
	big := event(9, strings.Repeat("x", 2000)) // above the broker's body limit
	recs = append(recs[:3], append([]*connect.Record{big}, recs[3:]...)...)
	re := recordErrors(t, task.Put(ectx, recs))
	if len(re) != 1 || re[0].Record != big || !connect.IsPermanent(re[0]) || !strings.Contains(re[0].Error(), "MESSAGE_BODY_TOO_LARGE") {
		t.Fatalf("errors %v", re)
	}
	exactlyOnce(t, s, bodies("ok", 6)...)
	// a permanent refusal is not retried as a batch: one batch, then one
	// request per message
	if got := s.Requests(); !reflect.DeepEqual(got, []int{7, 1, 1, 1, 1, 1, 1, 1}) {
		t.Fatalf("requests %v", got)
	}

	// an injected failure of the batch: every message gets its own request
	// and is delivered
	s.Reset()
	task1 := openTask(t, props(s, append(bodyPath, keyMaxAttempts, "1")...), connect.TaskContext{})
	s.FailNextSends(1, v2.Code_INTERNAL_ERROR, "disk busy")
	if err := task1.Put(ectx, numbered(4, "again")); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, s, bodies("again", 4)...)
	if got := s.Requests(); !reflect.DeepEqual(got, []int{4, 1, 1, 1, 1}) {
		t.Fatalf("requests %v", got)
	}

	// an answer about the whole request is not resent per message
	s.Reset()
	s.FailNextSends(1, v2.Code_UNAUTHORIZED, "who are you")
	re = recordErrors(t, task1.Put(ectx, numbered(4, "denied")))
	if len(re) != 4 || connect.IsPermanent(re[0]) || !reflect.DeepEqual(s.Requests(), []int{4}) {
		t.Fatalf("errors %v, requests %v", re, s.Requests())
	}
}

// TestBatchEntryStatus: an OK answer whose entry for one message is not OK
// delivers the others only.
func TestBatchEntryStatus(t *testing.T) {
	resp := &v2.SendMessageResponse{Status: &v2.Status{Code: v2.Code_OK}, Entries: []*v2.SendResultEntry{
		{Status: &v2.Status{Code: v2.Code_OK}},
		{Status: &v2.Status{Code: v2.Code_MESSAGE_PROPERTIES_TOO_LARGE, Message: "too many properties"}},
		{},
	}}
	errs := entryErrors(resp, 4)
	if errs[0] != nil || errs[1] == nil || errs[2] == nil || errs[3] == nil {
		t.Fatalf("errors %v", errs)
	}
	if !connect.IsPermanent(sendErr("t", errs[1])) || connect.IsPermanent(sendErr("t", errs[3])) {
		t.Fatalf("classification: %v, %v", sendErr("t", errs[1]), sendErr("t", errs[3]))
	}
}

// TestBatchEntryRejected: the endpoint answers OK but refuses one message
// in its entry; that record fails with the entry's status, the others are
// delivered.
func TestBatchEntryRejected(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{})
	task := openTask(t, props(s, bodyPath...), connect.TaskContext{})
	s.RejectEntryIf(func(m rocketmqtest.Message) *rocketmqtest.Rejection {
		if string(m.Body) == "ok-2" {
			return &rocketmqtest.Rejection{Code: v2.Code_MESSAGE_PROPERTIES_TOO_LARGE, Message: "too many properties"}
		}
		return nil
	})
	recs := numbered(5, "ok")
	re := recordErrors(t, task.Put(ectx, recs))
	if len(re) != 1 || re[0].Record != recs[2] || !connect.IsPermanent(re[0]) || !strings.Contains(re[0].Error(), "MESSAGE_PROPERTIES_TOO_LARGE") {
		t.Fatalf("errors %v", re)
	}
	exactlyOnce(t, s, "ok-0", "ok-1", "ok-3", "ok-4")
	if got := s.Requests(); !reflect.DeepEqual(got, []int{5}) {
		t.Fatalf("requests %v: an entry's verdict needs no resend", got)
	}
}

func TestBatchEndpointDown(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{})
	task := openTask(t, props(s, append(bodyPath, keyMaxAttempts, "2", keySendTimeout, "500")...), connect.TaskContext{})
	if err := task.Put(ectx, numbered(3, "up")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	start := time.Now()
	recs := numbered(5, "down")
	re := recordErrors(t, task.Put(ectx, recs))
	if len(re) != 5 {
		t.Fatalf("%d errors, want 5: %v", len(re), re)
	}
	for i, e := range re {
		if e.Record != recs[i] || connect.IsPermanent(e) {
			t.Fatalf("error %d: %v", i, e)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestBatchThrottled(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{})
	task := openTask(t, props(s, append(bodyPath, keyMaxAttempts, "3")...), connect.TaskContext{})
	var mu sync.Mutex
	var waits []int
	task.producer.batch.backoff = func(n int) time.Duration {
		mu.Lock()
		waits = append(waits, n)
		mu.Unlock()
		return 30 * time.Millisecond
	}
	s.FailNextSends(2, v2.Code_TOO_MANY_REQUESTS, "slow down")
	start := time.Now()
	if err := task.Put(ectx, numbered(10, "throttled")); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 60*time.Millisecond || !reflect.DeepEqual(waits, []int{1, 2}) {
		t.Fatalf("took %v, backoffs %v", d, waits)
	}
	if got := s.Requests(); !reflect.DeepEqual(got, []int{10, 10, 10}) {
		t.Fatalf("requests %v", got)
	}
	exactlyOnce(t, s, bodies("throttled", 10)...)

	// the backoff ends with the context
	s.Reset()
	task.producer.batch.backoff = func(int) time.Duration { return time.Minute }
	s.FailNextSends(3, v2.Code_TOO_MANY_REQUESTS, "slow down")
	ctx, cancel := context.WithTimeout(ectx, 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	re := recordErrors(t, task.Put(ctx, numbered(3, "late")))
	if len(re) != 3 || connect.IsPermanent(re[0]) || time.Since(start) > 5*time.Second {
		t.Fatalf("errors %v after %v", re, time.Since(start))
	}
	if s.Len() != 0 {
		t.Fatal("stored after giving up")
	}
}

// TestBatchRouteRefresh: the batched path queries the route again after
// its TTL and follows the topic to the broker it names.
func TestBatchRouteRefresh(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{})
	other := newServer(t, rocketmqtest.Config{})
	task := openTask(t, props(s, bodyPath...), connect.TaskContext{})
	if err := task.Put(ectx, numbered(3, "first")); err != nil {
		t.Fatal(err)
	}
	queries := s.Calls("QueryRoute")
	if err := task.Put(ectx, numbered(3, "cached")); err != nil {
		t.Fatal(err)
	}
	if s.Calls("QueryRoute") != queries {
		t.Fatal("route queried again within its TTL")
	}
	task.producer.batch.routeTTL = 20 * time.Millisecond
	s.SetBroker(other.Addr())
	time.Sleep(30 * time.Millisecond)
	if err := task.Put(ectx, numbered(3, "moved")); err != nil {
		t.Fatal(err)
	}
	if s.Calls("QueryRoute") != queries+1 {
		t.Fatalf("%d route queries, want %d", s.Calls("QueryRoute"), queries+1)
	}
	exactlyOnce(t, other, bodies("moved", 3)...)
	exactlyOnce(t, s, append(bodies("first", 3), bodies("cached", 3)...)...)
}

// TestBatchRouteRefreshFails: when the route cannot be queried again, the
// batched path keeps sending on the route it has.
func TestBatchRouteRefreshFails(t *testing.T) {
	access := newServer(t, rocketmqtest.Config{})
	broker := newServer(t, rocketmqtest.Config{})
	access.SetBroker(broker.Addr()) // the access point names another broker
	task := openTask(t, props(access, append(bodyPath, keySendTimeout, "500")...), connect.TaskContext{})
	if err := task.Put(ectx, numbered(2, "before")); err != nil {
		t.Fatal(err)
	}
	task.producer.batch.routeTTL = 10 * time.Millisecond
	access.Close()
	time.Sleep(20 * time.Millisecond)
	if err := task.Put(ectx, numbered(2, "after")); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, broker, "before-0", "before-1", "after-0", "after-1")
	if access.Len() != 0 {
		t.Fatal("the access point stored messages")
	}
}

// TestBatchIsolation: a broker whose request failed is skipped by the
// next sends while another broker works, and tried again after the
// isolation.
func TestBatchIsolation(t *testing.T) {
	access := newServer(t, rocketmqtest.Config{})
	bad := newServer(t, rocketmqtest.Config{})
	good := newServer(t, rocketmqtest.Config{})
	access.SetBrokers(bad.Addr(), good.Addr()) // queues 0, 2 on bad; 1, 3 on good
	task := openTask(t, props(access, append(bodyPath, keyMaxAttempts, "2")...), connect.TaskContext{})
	bad.FailNextSends(100, v2.Code_INTERNAL_ERROR, "disk full")
	var want []string
	for i := range 6 {
		if err := task.Put(ectx, numbered(2, fmt.Sprint("put", i))); err != nil {
			t.Fatal(err)
		}
		want = append(want, bodies(fmt.Sprint("put", i), 2)...)
	}
	exactlyOnce(t, good, want...)
	// round-robin would start every other request on bad: 3 calls
	if n := bad.Calls("SendMessage"); n != 1 {
		t.Fatalf("%d calls to the failing broker, want 1 (then isolated)", n)
	}
	// the isolation ends (as after 10 s): bad is tried again
	bt := task.producer.batch
	bt.mu.Lock()
	for target := range bt.isolated {
		bt.isolated[target] = time.Now()
	}
	bt.mu.Unlock()
	for i := range 2 {
		if err := task.Put(ectx, numbered(2, fmt.Sprint("later", i))); err != nil {
			t.Fatal(err)
		}
	}
	if n := bad.Calls("SendMessage"); n < 2 {
		t.Fatalf("%d calls to the failing broker after its isolation", n)
	}
}

// TestBatchFIFO: each group's messages go in order, in requests of at most
// the batch size, one group per request; a failure holds back the rest of
// its group only.
func TestBatchFIFO(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{})
	task := openTask(t, props(s, append(bodyPath, keyBatchSize, "4", keyMaxAttempts, "1",
		"message.group.form", "JSONPATH", "message.group.value", "$.data.group")...), connect.TaskContext{})
	var recs []*connect.Record
	for i := range 30 {
		g := "g" + string(rune('a'+i%3))
		recs = append(recs, connect.NewRecord("orders", nil, map[string]any{"group": g, "body": fmt.Sprintf("%s-%02d", g, i/3)}))
	}
	if err := task.Put(ectx, recs); err != nil {
		t.Fatal(err)
	}
	perGroup := map[string][]int{} // requests' sizes per group
	last := map[string]string{}
	seen := map[int]string{}
	for _, m := range s.Messages() {
		if g, ok := seen[m.Request]; ok && g != m.Group {
			t.Fatalf("request %d mixes groups %s and %s", m.Request, g, m.Group)
		}
		if _, ok := seen[m.Request]; !ok {
			perGroup[m.Group] = append(perGroup[m.Group], s.Requests()[m.Request-1])
		}
		seen[m.Request] = m.Group
		if string(m.Body) <= last[m.Group] {
			t.Fatalf("group %s: %s after %s", m.Group, m.Body, last[m.Group])
		}
		last[m.Group] = string(m.Body)
	}
	for _, g := range []string{"ga", "gb", "gc"} {
		if !reflect.DeepEqual(perGroup[g], []int{4, 4, 2}) {
			t.Fatalf("group %s requests %v", g, perGroup[g])
		}
	}

	// gb-05 refused: gb-04 delivered, gb-05 fails, gb-06..09 held back
	s.Reset()
	s.RejectIf(func(m rocketmqtest.Message) *rocketmqtest.Rejection {
		if string(m.Body) == "gb-05" {
			return &rocketmqtest.Rejection{Code: v2.Code_INTERNAL_ERROR, Message: "once"}
		}
		return nil
	})
	re := recordErrors(t, task.Put(ectx, recs))
	s.RejectIf(nil)
	if len(re) != 5 || !strings.Contains(re[0].Error(), "INTERNAL_ERROR") || !strings.Contains(re[1].Error(), "earlier message of its group failed") {
		t.Fatalf("errors %v", re)
	}
	for _, e := range re {
		if connect.IsPermanent(e) {
			t.Fatalf("permanent: %v", e)
		}
	}
	n := 0
	for _, m := range s.Messages() {
		if m.Group == "gb" {
			n++
		}
	}
	if n != 5 || s.Len() != 25 {
		t.Fatalf("%d of gb stored, %d in all", n, s.Len())
	}
}

// TestFIFOQueueLikeClient: a group maps to the queue the client's load
// balancer picks, so both paths put a group on one queue.
func TestFIFOQueueLikeClient(t *testing.T) {
	for _, n := range []int{1, 3, 8, 16} {
		r := &route{}
		for i := range n {
			r.queues = append(r.queues, &v2.MessageQueue{Id: int32(i), Broker: &v2.Broker{Name: fmt.Sprint("b", i%2)}})
			r.targets = append(r.targets, fmt.Sprint("t", i%2))
		}
		plb, err := rmq.NewPublishingLoadBalancer(r.queues)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 200 {
			g := fmt.Sprintf("order-%d", i*7919)
			want, err := plb.TakeMessageQueueByMessageGroup(&g)
			if err != nil {
				t.Fatal(err)
			}
			got := r.candidates(&g, 3, never)
			if len(got) != 1 || r.queues[got[0]] != want[0] {
				t.Fatalf("%d queues, group %s: queue %v, client %d", n, g, got, want[0].Id)
			}
		}
	}
	// normal messages: distinct brokers per send, rotating
	r := &route{}
	for i := range 4 {
		r.queues = append(r.queues, &v2.MessageQueue{Id: int32(i), Broker: &v2.Broker{Name: fmt.Sprint("b", i%2)}})
		r.targets = append(r.targets, fmt.Sprint("t", i%2))
	}
	a, b := r.candidates(nil, 3, never), r.candidates(nil, 3, never)
	if len(a) != 2 || r.queues[a[0]].Broker.Name == r.queues[a[1]].Broker.Name || a[0] == b[0] {
		t.Fatalf("candidates %v then %v", a, b)
	}
	// an isolated broker is skipped, unless every broker is
	t1 := func(target string) bool { return target == "t1" }
	for range 4 {
		if c := r.candidates(nil, 3, t1); len(c) != 1 || r.targets[c[0]] != "t0" {
			t.Fatalf("with t1 isolated: %v", c)
		}
	}
	if c := r.candidates(nil, 3, func(string) bool { return true }); len(c) != 2 {
		t.Fatalf("all isolated: %v", c)
	}
}

func never(string) bool { return false }

// TestDelayNotBatched: delay messages go one per request through the
// official client (the test endpoint refuses them in batches).
func TestDelayNotBatched(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{})
	task := openTask(t, props(s, append(bodyPath, keyDelay, "60000")...), connect.TaskContext{})
	if err := task.Put(ectx, numbered(5, "later")); err != nil {
		t.Fatal(err)
	}
	if got := s.Requests(); !reflect.DeepEqual(got, []int{1, 1, 1, 1, 1}) {
		t.Fatalf("requests %v", got)
	}
	for _, m := range s.Messages() {
		if m.Type != v2.MessageType_DELAY || m.DeliveryTimestamp.IsZero() {
			t.Fatalf("message %+v", m)
		}
	}
}

// TestBatchSigned: batch requests carry the producer's signature and
// client ID; the endpoint checks every one.
func TestBatchSigned(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{AccessKey: "LTAI5t", SecretKey: "s3cret"})
	task := openTask(t, props(s, append(bodyPath, keyAccessKey, "LTAI5t", keySecretKey, "s3cret")...), connect.TaskContext{})
	if err := task.Put(ectx, numbered(5, "signed")); err != nil {
		t.Fatal(err)
	}
	if s.AuthFailures() != 0 || !reflect.DeepEqual(s.Requests(), []int{5}) {
		t.Fatalf("%d auth failures, requests %v", s.AuthFailures(), s.Requests())
	}
	if id := s.Messages()[0].ClientID; id != task.producer.batch.cli.GetClientID() {
		t.Fatalf("client id %q, want the producer's %q", id, task.producer.batch.cli.GetClientID())
	}
	exactlyOnce(t, s, bodies("signed", 5)...)
}

// TestBatchBytes: requests stay within rocketmq.send.batch.max.bytes, so a
// broker with a small batch limit refuses none.
func TestBatchBytes(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{MaxBodySize: 64 << 10})
	task := openTask(t, props(s, append(bodyPath, keyBatchBytes, "65536")...), connect.TaskContext{})
	var recs []*connect.Record
	var want []string
	for i := range 20 {
		b := fmt.Sprintf("%02d-%s", i, strings.Repeat("x", 10<<10))
		recs = append(recs, event(i, b))
		want = append(want, b)
	}
	if err := task.Put(ectx, recs); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, s, want...)
	reqs := s.Requests()
	total := 0
	for _, n := range reqs {
		if n > 6 {
			t.Fatalf("requests %v: more than 64 KiB in one", reqs)
		}
		total += n
	}
	if total != 20 {
		t.Fatalf("requests %v: something was refused and sent again", reqs)
	}
}

func TestBatchConfig(t *testing.T) {
	for _, tc := range []struct{ k, v, want string }{
		{keyBatchSize, "0", keyBatchSize},
		{keyBatchSize, "10001", keyBatchSize},
		{keyBatchBytes, "100", keyBatchBytes},
		{keyBatchBytes, "8388608", keyBatchBytes},
	} {
		_, err := ConfigDef().Parse(map[string]string{keyEndpoint: "h:1", keyTopic: "t", tc.k: tc.v})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%s: %v", tc.k, tc.v, err)
		}
	}
	cfg, err := ConfigDef().Parse(map[string]string{keyEndpoint: "h:1", keyTopic: "t"})
	if err != nil || cfg.Int(keyBatchSize) != 100 || cfg.Int(keyBatchBytes) != 4<<20 {
		t.Fatalf("defaults: %v %d %d", err, cfg.Int(keyBatchSize), cfg.Int(keyBatchBytes))
	}
}

// TestWireSize: the estimate is never below the encoded size, so a request
// stays within rocketmq.send.batch.max.bytes, and not far above it.
func TestWireSize(t *testing.T) {
	b := &batcher{namespace: "MQ_INST_1", host: "host-1"}
	born := timestamppb.Now()
	for i := range 200 {
		d := &draft{body: []byte(strings.Repeat("b", i*37))}
		if i%2 == 0 {
			d.keys = []string{strings.Repeat("k", i), "k2"}
		}
		if i%3 == 0 {
			d.tag = strings.Repeat("g", i%200)
		}
		if i%5 == 0 {
			d.group = strings.Repeat("grp", i)
		}
		for j := range i % 20 {
			if err := d.addProperty(fmt.Sprint("key-", j, strings.Repeat("p", i)), strings.Repeat("v", j*i)); err != nil {
				t.Fatal(err)
			}
		}
		w := new(wire)
		if err := b.protoMessage(d, b.resource(strings.Repeat("t", i%50+1)), born, w, &slabs{}); err != nil {
			t.Fatal(err)
		}
		pb := &w.msg
		req := proto.Size(&v2.SendMessageRequest{Messages: []*v2.Message{pb, pb}})
		if est := 2 * wireSize(pb); est < req || est > req+2000 {
			t.Fatalf("message %d: estimate %d for a request of %d bytes", i, est, req)
		}
	}
}
