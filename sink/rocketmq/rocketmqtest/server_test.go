package rocketmqtest

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

func sign(ak, sk, date string) metadata.MD {
	h := hmac.New(sha1.New, []byte(sk))
	h.Write([]byte(date))
	return metadata.Pairs("x-mq-date-time", date,
		"authorization", "MQv2-HMAC-SHA1 Credential="+ak+"//Rocketmq, SignedHeaders=x-mq-date-time, Signature="+hex.EncodeToString(h.Sum(nil)))
}

func TestVerify(t *testing.T) {
	date := "20261122T010203Z"
	if err := Verify(sign("ak", "sk", date), "ak", "sk"); err != nil {
		t.Fatal(err)
	}
	for name, md := range map[string]metadata.MD{
		"wrong secret": sign("ak", "other", date),
		"wrong key":    sign("bk", "sk", date),
		"no header":    metadata.Pairs("x-mq-date-time", date),
		"bad scheme":   metadata.Pairs("x-mq-date-time", date, "authorization", "Basic x"),
	} {
		if err := Verify(md, "ak", "sk"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func dial(t testing.TB, s *Server) v2.MessagingServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return v2.NewMessagingServiceClient(conn)
}

func msg(topic, body string) *v2.Message {
	return &v2.Message{Topic: &v2.Resource{Name: topic}, Body: []byte(body),
		SystemProperties: &v2.SystemProperties{MessageId: body, MessageType: v2.MessageType_NORMAL}}
}

func TestServerRules(t *testing.T) {
	s, err := NewServer(Config{Topics: []string{"t"}, AccessKey: "ak", SecretKey: "sk", MaxBodySize: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := dial(t, s)
	ctx := metadata.NewOutgoingContext(context.Background(), sign("ak", "sk", "20261122T010203Z"))
	code := func(m ...*v2.Message) v2.Code {
		resp, err := c.SendMessage(ctx, &v2.SendMessageRequest{Messages: m})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetStatus().GetCode()
	}
	if got := code(msg("t", "ok")); got != v2.Code_OK {
		t.Fatalf("ok: %v", got)
	}
	if got := code(msg("u", "x")); got != v2.Code_TOPIC_NOT_FOUND {
		t.Fatalf("unknown topic: %v", got)
	}
	if got := code(msg("t", "")); got != v2.Code_MESSAGE_BODY_EMPTY {
		t.Fatalf("empty: %v", got)
	}
	if got := code(msg("t", "123456789")); got != v2.Code_MESSAGE_BODY_TOO_LARGE {
		t.Fatalf("large: %v", got)
	}
	fifo := msg("t", "f")
	fifo.SystemProperties.MessageType = v2.MessageType_FIFO
	if got := code(fifo); got != v2.Code_ILLEGAL_MESSAGE_GROUP {
		t.Fatalf("fifo without group: %v", got)
	}
	s.FailNextSends(2, v2.Code_TOO_MANY_REQUESTS, "slow down")
	if a, b, d := code(msg("t", "a")), code(msg("t", "b")), code(msg("t", "c")); a != v2.Code_TOO_MANY_REQUESTS || b != a || d != v2.Code_OK {
		t.Fatalf("injected: %v %v %v", a, b, d)
	}
	s.RejectIf(func(m Message) *Rejection {
		if string(m.Body) == "poison" {
			return &Rejection{Code: v2.Code_ILLEGAL_MESSAGE_PROPERTY_KEY, Message: "no"}
		}
		return nil
	})
	if got := code(msg("t", "poison")); got != v2.Code_ILLEGAL_MESSAGE_PROPERTY_KEY {
		t.Fatalf("reject: %v", got)
	}
	unsigned, err := c.SendMessage(context.Background(), &v2.SendMessageRequest{Messages: []*v2.Message{msg("t", "x")}})
	if err != nil || unsigned.GetStatus().GetCode() != v2.Code_UNAUTHORIZED || s.AuthFailures() != 1 {
		t.Fatalf("unsigned: %v %v %d", unsigned, err, s.AuthFailures())
	}
	got := s.Messages()
	if len(got) != 2 || string(got[0].Body) != "ok" || string(got[1].Body) != "c" || got[1].Offset != 1 {
		t.Fatalf("messages = %+v", got)
	}
	if s.SendAttempts() != 10 || s.Calls("SendMessage") != 10 {
		t.Fatalf("attempts %d calls %d", s.SendAttempts(), s.Calls("SendMessage"))
	}
	route, _ := c.QueryRoute(ctx, &v2.QueryRouteRequest{Topic: &v2.Resource{Name: "t"}})
	if len(route.GetMessageQueues()) != 4 || route.GetMessageQueues()[0].GetBroker().GetEndpoints().GetAddresses()[0].GetPort() == 0 {
		t.Fatalf("route = %v", route)
	}
}

// TestStoreAndEntries: a request's entries answer each message in order
// (rejected entries too), stored messages keep acceptance order, offsets
// count per topic across requests, and Messages is a copy.
func TestStoreAndEntries(t *testing.T) {
	s, err := NewServer(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := dial(t, s)
	s.RejectEntryIf(func(m Message) *Rejection {
		if strings.HasPrefix(string(m.Body), "r") {
			return &Rejection{Code: v2.Code_ILLEGAL_MESSAGE_PROPERTY_KEY, Message: "no " + string(m.Body)}
		}
		return nil
	})
	send := func(ms ...*v2.Message) *v2.SendMessageResponse {
		t.Helper()
		resp, err := c.SendMessage(metadata.AppendToOutgoingContext(context.Background(), "x-mq-client-id", "cid"), &v2.SendMessageRequest{Messages: ms})
		if err != nil || resp.GetStatus().GetCode() != v2.Code_OK {
			t.Fatal(err, resp.GetStatus())
		}
		return resp
	}
	resp := send(msg("a", "a0"), msg("b", "r1"), msg("b", "b0"), msg("a", "r2"), msg("a", "a1"), msg("b", "b1"), msg("a", "a2"))
	type entry struct {
		id     string
		code   v2.Code
		offset int64
	}
	want := []entry{{"a0", v2.Code_OK, 0}, {"r1", v2.Code_ILLEGAL_MESSAGE_PROPERTY_KEY, 0}, {"b0", v2.Code_OK, 0}, {"r2", v2.Code_ILLEGAL_MESSAGE_PROPERTY_KEY, 0},
		{"a1", v2.Code_OK, 1}, {"b1", v2.Code_OK, 1}, {"a2", v2.Code_OK, 2}}
	if len(resp.GetEntries()) != len(want) {
		t.Fatalf("%d entries, want %d", len(resp.GetEntries()), len(want))
	}
	for i, e := range resp.GetEntries() {
		if got := (entry{e.GetMessageId(), e.GetStatus().GetCode(), e.GetOffset()}); got != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got, want[i])
		}
	}
	send(msg("b", "b2"), msg("a", "a3"))
	got := s.Messages()
	var order []string
	for _, m := range got {
		order = append(order, fmt.Sprintf("%s@%d/%d", m.Body, m.Offset, m.Request))
		if m.ClientID != "cid" || m.Properties == nil {
			t.Errorf("message %s: client %q, properties %v", m.Body, m.ClientID, m.Properties)
		}
	}
	if o := strings.Join(order, " "); o != "a0@0/1 b0@0/1 a1@1/1 b1@1/1 a2@2/1 b2@2/2 a3@3/2" || s.Len() != 7 {
		t.Fatalf("stored %s (Len %d)", o, s.Len())
	}
	got[0].Body = []byte("changed")
	if again := s.Messages(); string(again[0].Body) != "a0" || len(again) != 7 {
		t.Fatalf("Messages is not a copy: %s", again[0].Body)
	}
	if s.SendAttempts() != 9 || fmt.Sprint(s.Requests()) != "[7 2]" {
		t.Fatalf("attempts %d, requests %v", s.SendAttempts(), s.Requests())
	}
	s.Reset()
	if s.Len() != 0 || len(s.Messages()) != 0 || s.SendAttempts() != 0 {
		t.Fatalf("after Reset: %d messages", s.Len())
	}
	send(msg("a", "a4"))
	if m := s.Messages(); len(m) != 1 || m[0].Offset != 4 {
		t.Fatalf("after Reset: %+v", m)
	}
}

func TestSlowAndDropped(t *testing.T) {
	s, _ := NewServer(Config{})
	defer s.Close()
	c := dial(t, s)
	s.SetSendDelay(time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.SendMessage(ctx, &v2.SendMessageRequest{Messages: []*v2.Message{msg("t", "slow")}}); err == nil {
		t.Fatal("slow answer came in time")
	}
	s.SetSendDelay(0)
	if s.Len() != 0 {
		t.Fatal("a call the client gave up on was stored")
	}
	if _, err := c.SendMessage(context.Background(), &v2.SendMessageRequest{Messages: []*v2.Message{msg("t", "a")}}); err != nil {
		t.Fatal(err)
	}
	if n := s.DropConnections(); n != 1 {
		t.Fatalf("dropped %d connections", n)
	}
	// gRPC reconnects on its own; the next call may fail once.
	var err error
	for range 50 {
		if _, err = c.SendMessage(context.Background(), &v2.SendMessageRequest{Messages: []*v2.Message{msg("t", "b")}}); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || s.Len() != 2 {
		t.Fatalf("after drop: %v, %d messages", err, s.Len())
	}
	if err := s.WaitFor(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer wcancel()
	if err := s.WaitFor(wctx, 3); err == nil || !strings.Contains(err.Error(), "2 of 3") {
		t.Fatal(err)
	}
}

// BenchmarkEndpoint is the endpoint's own limit: SendMessage calls of one
// message each over one gRPC connection, as many in flight as the
// benchmark's parallelism allows, without the RocketMQ client.
func BenchmarkEndpoint(b *testing.B) {
	s, _ := NewServer(Config{})
	defer s.Close()
	c := dial(b, s)
	body := []byte(`{"orderId":1001,"amount":"99.50","status":"PAID"}`)
	b.SetParallelism(8) // 16 in flight on 2 cores, as the sink benchmark
	b.ReportAllocs()
	cpu0 := cpuNow()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m := &v2.Message{Topic: &v2.Resource{Name: "t"}, Body: body, SystemProperties: &v2.SystemProperties{MessageId: "m", MessageType: v2.MessageType_NORMAL}}
			resp, err := c.SendMessage(context.Background(), &v2.SendMessageRequest{Messages: []*v2.Message{m}})
			if err != nil || resp.GetStatus().GetCode() != v2.Code_OK {
				b.Fatal(err, resp)
			}
		}
	})
	b.ReportMetric(float64((cpuNow()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkSendMessage is the endpoint's own work per message, without
// gRPC: SendMessage called directly with requests of 100 messages, as the
// sink's batched path sends them (body, key, tag, five properties). It is
// what the endpoint adds to the pipeline benchmarks' CPU besides decoding.
// ns/op is per message.
func BenchmarkSendMessage(b *testing.B) {
	s, err := NewServer(Config{Topics: []string{"orders", "other"}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const size = 100
	req := dtsRequest(size)
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("x-mq-client-id", "client-1"))
	b.ReportAllocs()
	cpu0 := cpuNow()
	for sent := 0; sent < b.N; sent += size {
		if sent%100_000 == 0 {
			s.Reset() // keep the stored messages from growing without end
		}
		resp, err := s.SendMessage(ctx, req)
		if err != nil || resp.GetStatus().GetCode() != v2.Code_OK || len(resp.GetEntries()) != size {
			b.Fatal(err, resp.GetStatus())
		}
	}
	b.ReportMetric(float64((cpuNow()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	if s.Len() == 0 {
		b.Fatal("nothing stored")
	}
}

// cpuNow is the process's CPU time: on a shared machine wall time per op
// swings with other load, CPU time per op much less.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// FuzzVerify: the authorization header parser never panics and accepts
// only the right signature.
func FuzzVerify(f *testing.F) {
	f.Add("MQv2-HMAC-SHA1 Credential=ak//Rocketmq, SignedHeaders=x-mq-date-time, Signature=00", "20261122T010203Z")
	f.Add("MQv2-HMAC-SHA1 ,,,==", "")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, auth, date string) {
		md := metadata.Pairs("authorization", auth, "x-mq-date-time", date)
		if err := Verify(md, "ak", "sk"); err == nil {
			want := sign("ak", "sk", date).Get("authorization")[0]
			if !strings.Contains(auth, want[strings.Index(want, "Signature="):]) {
				t.Fatalf("accepted %q for date %q", auth, date)
			}
		}
	})
}

func TestBatchRules(t *testing.T) {
	s, err := NewServer(Config{MaxBodySize: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := dial(t, s)
	code := func(m ...*v2.Message) v2.Code {
		resp, err := c.SendMessage(metadata.AppendToOutgoingContext(context.Background(), "x-mq-client-id", "cid"), &v2.SendMessageRequest{Messages: m})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetStatus().GetCode()
	}
	fifo := func(body, group string) *v2.Message {
		m := msg("t", body)
		m.SystemProperties.MessageType = v2.MessageType_FIFO
		m.SystemProperties.MessageGroup = &group
		return m
	}
	delay := msg("t", "d")
	delay.SystemProperties.MessageType = v2.MessageType_DELAY
	for name, tc := range map[string]struct {
		msgs []*v2.Message
		want v2.Code
	}{
		"batch":            {[]*v2.Message{msg("t", "a"), msg("t", "b")}, v2.Code_OK},
		"bodies too large": {[]*v2.Message{msg("t", "123456"), msg("t", "123456")}, v2.Code_PAYLOAD_TOO_LARGE},
		"delay in a batch": {[]*v2.Message{msg("t", "a"), delay}, v2.Code_ILLEGAL_DELIVERY_TIME},
		"one delay":        {[]*v2.Message{delay}, v2.Code_OK},
		"mixed types":      {[]*v2.Message{msg("t", "a"), fifo("f", "g")}, v2.Code_BAD_REQUEST},
		"mixed groups":     {[]*v2.Message{fifo("f", "g"), fifo("f", "h")}, v2.Code_ILLEGAL_MESSAGE_GROUP},
		"one group":        {[]*v2.Message{fifo("f", "g"), fifo("f", "g")}, v2.Code_OK},
		"no message id":    {[]*v2.Message{{Topic: &v2.Resource{Name: "t"}, Body: []byte("x"), SystemProperties: &v2.SystemProperties{}}}, v2.Code_ILLEGAL_MESSAGE_ID},
	} {
		if got := code(tc.msgs...); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	if got := s.Requests(); len(got) != 8 {
		t.Fatalf("requests %v", got)
	}
	for _, m := range s.Messages() {
		if m.ClientID != "cid" || m.Request == 0 {
			t.Fatalf("message %+v", m)
		}
	}
	// the same request number for the messages of one call
	var batch []Message
	for _, m := range s.Messages() {
		if m.Group == "" && m.Type == v2.MessageType_NORMAL {
			batch = append(batch, m)
		}
	}
	if len(batch) != 2 || batch[0].Request != batch[1].Request || s.Requests()[batch[0].Request-1] != 2 {
		t.Fatalf("batch %+v, requests %v", batch, s.Requests())
	}

	// a refusal in one message's entry: the call is OK, the rest stored
	s.RejectEntryIf(func(m Message) *Rejection {
		if string(m.Body) == "bad" {
			return &Rejection{Code: v2.Code_MESSAGE_CORRUPTED, Message: "no"}
		}
		return nil
	})
	before := s.Len()
	resp, err := c.SendMessage(context.Background(), &v2.SendMessageRequest{Messages: []*v2.Message{msg("t", "good"), msg("t", "bad")}})
	if err != nil || resp.GetStatus().GetCode() != v2.Code_OK || len(resp.GetEntries()) != 2 ||
		resp.GetEntries()[0].GetStatus().GetCode() != v2.Code_OK || resp.GetEntries()[1].GetStatus().GetCode() != v2.Code_MESSAGE_CORRUPTED || s.Len() != before+1 {
		t.Fatalf("entry refusal: %v %v, %d stored", resp, err, s.Len()-before)
	}
	s.RejectEntryIf(nil)

	other, _ := NewServer(Config{})
	defer other.Close()
	s.SetBroker(other.Addr())
	route, _ := c.QueryRoute(context.Background(), &v2.QueryRouteRequest{Topic: &v2.Resource{Name: "t"}})
	if a := route.GetMessageQueues()[0].GetBroker().GetEndpoints().GetAddresses()[0]; fmt.Sprintf("%s:%d", a.Host, a.Port) != other.Addr() {
		t.Fatalf("route names %v, want %s", a, other.Addr())
	}
	s.SetBrokers(other.Addr(), s.Addr())
	route, _ = c.QueryRoute(context.Background(), &v2.QueryRouteRequest{Topic: &v2.Resource{Name: "t"}})
	for i, q := range route.GetMessageQueues() {
		a := q.GetBroker().GetEndpoints().GetAddresses()[0]
		want := []string{other.Addr(), s.Addr()}[i%2]
		if fmt.Sprintf("%s:%d", a.Host, a.Port) != want || q.GetBroker().GetName() != fmt.Sprint("broker-", i%2) {
			t.Fatalf("queue %d on %s %v, want %s", i, q.GetBroker().GetName(), a, want)
		}
	}
}
