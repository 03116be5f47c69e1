// Package rocketmqtest is an in-process RocketMQ 5.x endpoint for tests: a
// gRPC server implementing apache.rocketmq.v2.MessagingService well enough
// for the official Go producer (github.com/apache/rocketmq-clients/golang/v5)
// — QueryRoute, the Telemetry settings handshake, SendMessage, Heartbeat and
// NotifyClientTermination. It records every accepted message, checks request
// signatures when credentials are set, and injects failures: error status
// codes (including TOO_MANY_REQUESTS throttling), per-message rejections,
// slow answers and dropped connections. It decodes SendMessage requests
// itself, cheaply (the endpoint shares the process with the benchmarks it
// serves) and as strictly as protobuf-go: a request proto.Unmarshal
// refuses gets the same gRPC error.
//
// It listens on 127.0.0.1 on a free port. The route it returns names itself
// as the only broker, so a client needs nothing but Addr().
package rocketmqtest

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Config sets up a Server. The zero value serves plaintext, accepts every
// topic and every request.
type Config struct {
	// Topics the server knows; a route query for any other gets
	// TOPIC_NOT_FOUND. Empty: every topic exists.
	Topics []string
	// Queues per topic (default 4).
	Queues int
	// AccessKey and SecretKey, when set, make the server check the
	// authorization header of every request: "MQv2-HMAC-SHA1
	// Credential=<AccessKey>//Rocketmq, SignedHeaders=x-mq-date-time,
	// Signature=<hex HMAC-SHA1(SecretKey, x-mq-date-time)>". A request that
	// fails the check gets UNAUTHORIZED.
	AccessKey, SecretKey string
	// TLS, when set, makes the server speak TLS (the Go client does not
	// verify certificates, so any certificate does).
	TLS *tls.Config
	// NoSettings makes the server never answer the settings handshake, as
	// an endpoint that is not really a RocketMQ proxy: the client's Start
	// then waits forever.
	NoSettings bool
	// MaxBodySize is sent to clients in the settings and enforced
	// (MESSAGE_BODY_TOO_LARGE), and bounds the bodies of a batch together
	// (PAYLOAD_TOO_LARGE), as a broker's maxMessageSize does; default 4 MiB.
	MaxBodySize int32
}

// Message is one message the server accepted.
type Message struct {
	Topic, Namespace  string
	MessageID         string
	Tag               string // "" when none
	Keys              []string
	Group             string // FIFO message group, "" when none
	Type              v2.MessageType
	DeliveryTimestamp time.Time // zero when none
	BornTimestamp     time.Time
	Properties        map[string]string
	Body              []byte
	Offset            int64 // position in the queue, from 0
	Queue             int32
	BornHost          string
	Encoding          v2.Encoding
	// ClientID is the request's x-mq-client-id header: the client that
	// sent it.
	ClientID string
	// Request numbers the SendMessage call that carried the message (from
	// 1, in arrival order, counting refused calls): messages with the same
	// number came in one request.
	Request int
}

// Rejection is a status the server answers instead of OK.
type Rejection struct {
	Code    v2.Code
	Message string
}

// Server is the test endpoint. Its methods are safe for concurrent use.
type Server struct {
	v2.UnimplementedMessagingServiceServer

	cfg  Config
	lis  *trackingListener
	grpc *grpc.Server
	port int

	mu sync.Mutex
	// The accepted messages in acceptance order: one slice per request,
	// kept as the request's decoder built it, so storing a message copies
	// nothing and a growing store is never copied over (Messages joins
	// them and decodes their properties).
	stored     [][]storedMessage
	nStored    int
	offsets    map[string]int64
	failNext   []Rejection
	reject     func(Message) *Rejection
	rejectOne  func(Message) *Rejection
	sendDelay  time.Duration
	calls      map[string]int
	authFailed int
	attempts   int
	requests   []int    // messages per SendMessage call
	brokers    []string // host:port the route names, queue i on brokers[i%len]; none = this server

	closed atomic.Bool
}

// NewServer starts a server on 127.0.0.1 with a free port.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Queues <= 0 {
		cfg.Queues = 4
	}
	if cfg.MaxBodySize <= 0 {
		cfg.MaxBodySize = 4 << 20
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("rocketmqtest: listen: %w", err)
	}
	// The server's codec decodes SendMessage requests itself (see
	// wire.go) and leaves every other message to the proto codec.
	opts := []grpc.ServerOption{grpc.ForceServerCodecV2(newWireCodec())}
	if cfg.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(cfg.TLS)))
	}
	s := &Server{
		cfg:     cfg,
		lis:     &trackingListener{Listener: l, conns: map[net.Conn]struct{}{}},
		grpc:    grpc.NewServer(opts...),
		port:    l.Addr().(*net.TCPAddr).Port,
		offsets: map[string]int64{},
		calls:   map[string]int{},
	}
	s.grpc.RegisterService(serviceDesc(), s)
	go func() { _ = s.grpc.Serve(s.lis) }()
	return s, nil
}

// Addr is host:port, the producer's endpoint.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Close stops the server at once, closing every connection and stream.
func (s *Server) Close() {
	if s.closed.CompareAndSwap(false, true) {
		s.grpc.Stop()
	}
}

// Messages returns a copy of the accepted messages, in acceptance order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, s.nStored)
	for _, c := range s.stored {
		for i := range c {
			c[i].properties() // once: the decoded map is stored
			out = append(out, c[i].Message)
		}
	}
	return out
}

// Len is the number of accepted messages.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nStored
}

// WaitFor waits until at least n messages were accepted, or ctx is done.
func (s *Server) WaitFor(ctx context.Context, n int) error {
	for {
		if s.Len() >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("rocketmqtest: %d of %d messages after waiting: %w", s.Len(), n, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Reset forgets the accepted messages and the call counts.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stored, s.nStored, s.calls, s.authFailed, s.attempts, s.requests = nil, 0, map[string]int{}, 0, 0, nil
}

// Requests returns the number of messages of every SendMessage call so
// far, in arrival order, refused calls included.
func (s *Server) Requests() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.requests...)
}

// SetBroker makes route answers name addr (host:port, e.g. another
// Server's Addr) as the broker of every queue, as a proxy does when a
// topic moves; "" names this server again.
func (s *Server) SetBroker(addr string) {
	if addr == "" {
		s.SetBrokers()
		return
	}
	s.SetBrokers(addr)
}

// SetBrokers spreads the queues of route answers over several brokers
// (host:port each, named broker-0, broker-1, …): queue i is on
// addrs[i%len(addrs)]. None names this server again.
func (s *Server) SetBrokers(addrs ...string) {
	s.mu.Lock()
	s.brokers = append([]string(nil), addrs...)
	s.mu.Unlock()
}

// FailNextSends makes the next n SendMessage calls answer code (e.g.
// v2.Code_TOO_MANY_REQUESTS for throttling, v2.Code_INTERNAL_ERROR), each
// rejecting every message of the call.
func (s *Server) FailNextSends(n int, code v2.Code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failNext = append(s.failNext, Rejection{code, message})
	}
}

// RejectIf installs a per-message check: a message for which f returns a
// rejection is refused with it (e.g. a poison body). nil removes it.
func (s *Server) RejectIf(f func(Message) *Rejection) {
	s.mu.Lock()
	s.reject = f
	s.mu.Unlock()
}

// RejectEntryIf installs a per-message check answered in the message's own
// result entry: the call still answers OK and stores the other messages,
// and a message for which f returns a rejection gets it as its entry's
// status and is not stored. (The official client reads only the call's
// status, so it takes such a message as sent.) nil removes it.
func (s *Server) RejectEntryIf(f func(Message) *Rejection) {
	s.mu.Lock()
	s.rejectOne = f
	s.mu.Unlock()
}

// SetSendDelay makes every SendMessage wait d before answering (a slow
// broker); the wait ends early if the client gives up.
func (s *Server) SetSendDelay(d time.Duration) {
	s.mu.Lock()
	s.sendDelay = d
	s.mu.Unlock()
}

// DropConnections closes every open client connection at the TCP level, as
// a broker restart or a network cut would; it returns how many it closed.
// Clients reconnect on their own.
func (s *Server) DropConnections() int { return s.lis.dropAll() }

// Calls returns how many times a method ("SendMessage", "QueryRoute",
// "Telemetry", "Heartbeat", ...) was called, including refused calls.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// SendAttempts is the number of messages the server was asked to store,
// accepted or not.
func (s *Server) SendAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// AuthFailures is the number of requests refused as UNAUTHORIZED.
func (s *Server) AuthFailures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authFailed
}

func (s *Server) count(method string) {
	s.mu.Lock()
	s.calls[method]++
	s.mu.Unlock()
}

// checkAuth verifies the request signature; nil when it is fine or no
// credentials are configured.
func (s *Server) checkAuth(ctx context.Context) *v2.Status {
	if s.cfg.AccessKey == "" && s.cfg.SecretKey == "" {
		return nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	if err := Verify(md, s.cfg.AccessKey, s.cfg.SecretKey); err != nil {
		s.mu.Lock()
		s.authFailed++
		s.mu.Unlock()
		return &v2.Status{Code: v2.Code_UNAUTHORIZED, Message: err.Error()}
	}
	return nil
}

// Verify checks a request's RocketMQ v2 signature headers against the
// credentials.
func Verify(md metadata.MD, accessKey, secretKey string) error {
	first := func(k string) string {
		if v := md.Get(k); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	auth, date := first("authorization"), first("x-mq-date-time")
	if auth == "" || date == "" {
		return errors.New("missing authorization or x-mq-date-time header")
	}
	scheme, rest, _ := strings.Cut(auth, " ")
	if scheme != "MQv2-HMAC-SHA1" {
		return fmt.Errorf("unknown authorization scheme %q", scheme)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	ak, _, _ := strings.Cut(fields["Credential"], "/")
	if ak != accessKey {
		return fmt.Errorf("unknown access key %q", ak)
	}
	if fields["SignedHeaders"] != "x-mq-date-time" {
		return fmt.Errorf("unexpected signed headers %q", fields["SignedHeaders"])
	}
	h := hmac.New(sha1.New, []byte(secretKey))
	h.Write([]byte(date))
	want := hex.EncodeToString(h.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return ErrSignature
	}
	return nil
}

func (s *Server) knownTopic(name string) bool {
	if len(s.cfg.Topics) == 0 {
		return true
	}
	for _, t := range s.cfg.Topics {
		if t == name {
			return true
		}
	}
	return false
}

// broker names the broker of queue i and its endpoints.
func (s *Server) broker(i int) *v2.Broker {
	s.mu.Lock()
	brokers := s.brokers
	s.mu.Unlock()
	host, port, n := "127.0.0.1", s.port, 0
	if len(brokers) > 0 {
		n = i % len(brokers)
		if h, p, err := net.SplitHostPort(brokers[n]); err == nil {
			if pn, err := strconv.Atoi(p); err == nil {
				host, port = h, pn
			}
		}
	}
	return &v2.Broker{Name: "broker-" + strconv.Itoa(n), Id: 0,
		Endpoints: &v2.Endpoints{Scheme: v2.AddressScheme_IPv4, Addresses: []*v2.Address{{Host: host, Port: int32(port)}}}}
}

// QueryRoute answers Queues queues that accept every message type, on this
// server as the only broker unless SetBrokers named others.
func (s *Server) QueryRoute(ctx context.Context, req *v2.QueryRouteRequest) (*v2.QueryRouteResponse, error) {
	s.count("QueryRoute")
	if st := s.checkAuth(ctx); st != nil {
		return &v2.QueryRouteResponse{Status: st}, nil
	}
	topic := req.GetTopic()
	if !s.knownTopic(topic.GetName()) {
		return &v2.QueryRouteResponse{Status: &v2.Status{Code: v2.Code_TOPIC_NOT_FOUND, Message: "topic " + topic.GetName() + " does not exist"}}, nil
	}
	var qs []*v2.MessageQueue
	for i := range s.cfg.Queues {
		qs = append(qs, &v2.MessageQueue{
			Topic: topic, Id: int32(i), Permission: v2.Permission_READ_WRITE,
			Broker:             s.broker(i),
			AcceptMessageTypes: []v2.MessageType{v2.MessageType_NORMAL, v2.MessageType_FIFO, v2.MessageType_DELAY, v2.MessageType_TRANSACTION},
		})
	}
	return &v2.QueryRouteResponse{Status: &v2.Status{Code: v2.Code_OK}, MessageQueues: qs}, nil
}

// Heartbeat answers OK (it also lifts the client's endpoint isolation).
func (s *Server) Heartbeat(ctx context.Context, _ *v2.HeartbeatRequest) (*v2.HeartbeatResponse, error) {
	s.count("Heartbeat")
	if st := s.checkAuth(ctx); st != nil {
		return &v2.HeartbeatResponse{Status: st}, nil
	}
	return &v2.HeartbeatResponse{Status: &v2.Status{Code: v2.Code_OK}}, nil
}

// NotifyClientTermination answers OK.
func (s *Server) NotifyClientTermination(ctx context.Context, _ *v2.NotifyClientTerminationRequest) (*v2.NotifyClientTerminationResponse, error) {
	s.count("NotifyClientTermination")
	return &v2.NotifyClientTerminationResponse{Status: &v2.Status{Code: v2.Code_OK}}, nil
}

// Telemetry answers each Settings command with the server's settings (the
// handshake the client's Start waits for) and keeps the stream open.
func (s *Server) Telemetry(stream grpc.BidiStreamingServer[v2.TelemetryCommand, v2.TelemetryCommand]) error {
	s.count("Telemetry")
	if st := s.checkAuth(stream.Context()); st != nil {
		return stream.Send(&v2.TelemetryCommand{Status: st})
	}
	for {
		cmd, err := stream.Recv()
		if err != nil {
			return nil // client gone or stream closed
		}
		got := cmd.GetSettings()
		if got == nil || s.cfg.NoSettings {
			continue
		}
		settings := &v2.Settings{
			ClientType:     got.ClientType,
			AccessPoint:    got.AccessPoint,
			RequestTimeout: durationpb.New(3 * time.Second),
		}
		if got.GetClientType() == v2.ClientType_PRODUCER {
			settings.PubSub = &v2.Settings_Publishing{Publishing: &v2.Publishing{
				Topics: got.GetPublishing().GetTopics(), MaxBodySize: s.cfg.MaxBodySize, ValidateMessageType: true,
			}}
		} else {
			settings.PubSub = &v2.Settings_Subscription{Subscription: got.GetSubscription()}
		}
		if err := stream.Send(&v2.TelemetryCommand{Status: &v2.Status{Code: v2.Code_OK}, Command: &v2.TelemetryCommand_Settings{Settings: settings}}); err != nil {
			return nil
		}
	}
}

// SendMessage stores the request's messages, or refuses them all with the
// first failure that applies: an injected failure, a bad signature, a
// batch rule (see batchRules), an unknown topic, a per-message rejection or
// a broker rule (empty or too large body, FIFO without a group, no message
// ID). Refused calls store nothing. Each stored message gets an OK entry.
//
// Calls over gRPC do not come here but to send, by the server's own
// decoder; this is for a request at hand (it keeps req's slices and maps).
func (s *Server) SendMessage(ctx context.Context, req *v2.SendMessageRequest) (*v2.SendMessageResponse, error) {
	in := make([]storedMessage, len(req.GetMessages()))
	for i, m := range req.GetMessages() {
		sp, msg := m.GetSystemProperties(), &in[i].Message
		msg.Topic, msg.Namespace = m.GetTopic().GetName(), m.GetTopic().GetResourceNamespace()
		msg.MessageID, msg.Tag, msg.Keys = sp.GetMessageId(), sp.GetTag(), sp.GetKeys()
		msg.Group, msg.Type = sp.GetMessageGroup(), sp.GetMessageType()
		msg.Properties, msg.Body = m.GetUserProperties(), m.GetBody()
		msg.BornHost, msg.Encoding = sp.GetBornHost(), sp.GetBodyEncoding()
		if ts := sp.GetDeliveryTimestamp(); ts != nil {
			msg.DeliveryTimestamp, in[i].delayed = ts.AsTime(), true
		}
		if ts := sp.GetBornTimestamp(); ts != nil {
			msg.BornTimestamp = ts.AsTime()
		}
	}
	return s.send(ctx, in)
}

// send is SendMessage for the decoded messages in, which it stores as they
// are (the slice and what it points to are the call's own).
func (s *Server) send(ctx context.Context, in []storedMessage) (*v2.SendMessageResponse, error) {
	s.mu.Lock()
	s.calls["SendMessage"]++
	delay := s.sendDelay
	s.attempts += len(in)
	s.requests = append(s.requests, len(in))
	reqNo := len(s.requests)
	s.mu.Unlock()
	var clientID string // (ValueFromIncomingContext does not copy the whole metadata)
	if v := metadata.ValueFromIncomingContext(ctx, "x-mq-client-id"); len(v) > 0 {
		clientID = v[0]
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	fail := func(code v2.Code, msg string) (*v2.SendMessageResponse, error) {
		return &v2.SendMessageResponse{Status: &v2.Status{Code: code, Message: msg}}, nil
	}
	if st := s.checkAuth(ctx); st != nil {
		return &v2.SendMessageResponse{Status: st}, nil
	}
	s.mu.Lock()
	if len(s.failNext) > 0 {
		r := s.failNext[0]
		s.failNext = s.failNext[1:]
		s.mu.Unlock()
		return fail(r.Code, r.Message)
	}
	reject, rejectOne := s.reject, s.rejectOne
	s.mu.Unlock()

	if st := batchRules(in, s.cfg.MaxBodySize); st != nil {
		return &v2.SendMessageResponse{Status: st}, nil
	}
	// The request's messages were decoded into the slice that is then
	// stored as it is: no copies.
	msgs := in
	known := "" // the last topic found known: a request is mostly of one
	for i := range msgs {
		msg := &msgs[i]
		topic := msg.Topic
		if topic != known || i == 0 {
			if !s.knownTopic(topic) {
				return fail(v2.Code_TOPIC_NOT_FOUND, "topic "+topic+" does not exist")
			}
			known = topic
		}
		if len(msg.Body) == 0 {
			return fail(v2.Code_MESSAGE_BODY_EMPTY, "message body is empty")
		}
		if len(msg.Body) > int(s.cfg.MaxBodySize) {
			return fail(v2.Code_MESSAGE_BODY_TOO_LARGE, fmt.Sprintf("body of %d bytes exceeds %d", len(msg.Body), s.cfg.MaxBodySize))
		}
		if msg.Type == v2.MessageType_FIFO && msg.Group == "" {
			return fail(v2.Code_ILLEGAL_MESSAGE_GROUP, "FIFO message without a message group")
		}
		if msg.MessageID == "" {
			return fail(v2.Code_ILLEGAL_MESSAGE_ID, "message without a message id")
		}
		msg.ClientID, msg.Request = clientID, reqNo
		// The properties stay undecoded until a test looks (Messages), or
		// a hook does: the endpoint's CPU counts in the pipeline benchmarks.
		if reject != nil || rejectOne != nil {
			msg.properties()
		}
		if reject != nil {
			if r := reject(msg.Message); r != nil {
				return fail(r.Code, r.Message)
			}
		}
	}
	ok := &v2.Status{Code: v2.Code_OK}
	entries := make([]v2.SendResultEntry, len(msgs)) // one allocation for all
	resp := &v2.SendMessageResponse{Status: ok, Entries: make([]*v2.SendResultEntry, len(msgs))}
	s.mu.Lock()
	kept := msgs[:0] // the stored ones, moved down over those rejected
	topic, next, started := "", int64(0), false
	for i := range msgs {
		e := &entries[i]
		resp.Entries[i] = e
		e.MessageId = msgs[i].MessageID
		if rejectOne != nil {
			if r := rejectOne(msgs[i].Message); r != nil {
				e.Status = &v2.Status{Code: r.Code, Message: r.Message}
				continue
			}
		}
		if !started || msgs[i].Topic != topic {
			if started {
				s.offsets[topic] = next
			}
			topic, next, started = msgs[i].Topic, s.offsets[msgs[i].Topic], true
		}
		msgs[i].Offset = next
		next++
		e.Status, e.Offset = ok, msgs[i].Offset
		if len(kept) == i {
			kept = kept[:i+1] // nothing rejected so far: already in place
		} else {
			kept = append(kept, msgs[i])
		}
	}
	if started {
		s.offsets[topic] = next
	}
	if len(kept) > 0 {
		s.stored = append(s.stored, kept)
		s.nStored += len(kept)
	}
	s.mu.Unlock()
	return resp, nil
}

// batchRules refuses a request of several messages that a broker would
// not take as one batch: bodies above MaxBodySize together (a broker's
// maxMessageSize bounds a whole batch), a delay (timer) message, or
// messages of different types or FIFO groups (the official client never
// sends such a request either).
func batchRules(msgs []storedMessage, maxBody int32) *v2.Status {
	if len(msgs) < 2 {
		return nil
	}
	total := 0
	first := &msgs[0]
	for i := range msgs {
		m := &msgs[i]
		total += len(m.Body)
		switch {
		case m.Type == v2.MessageType_DELAY || m.delayed:
			return &v2.Status{Code: v2.Code_ILLEGAL_DELIVERY_TIME, Message: "a delay message cannot be sent in a batch"}
		case m.Type != first.Type:
			return &v2.Status{Code: v2.Code_BAD_REQUEST, Message: "messages of a batch must have one type"}
		case m.Group != first.Group:
			return &v2.Status{Code: v2.Code_ILLEGAL_MESSAGE_GROUP, Message: "FIFO messages of a batch must have one message group"}
		}
	}
	if total > int(maxBody) {
		return &v2.Status{Code: v2.Code_PAYLOAD_TOO_LARGE, Message: fmt.Sprintf("batch of %d messages, %d body bytes, exceeds %d", len(msgs), total, maxBody)}
	}
	return nil
}

// trackingListener remembers accepted connections so they can be dropped.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[tc] = struct{}{}
	l.mu.Unlock()
	return tc, nil
}

func (l *trackingListener) dropAll() int {
	l.mu.Lock()
	conns := make([]net.Conn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	return len(conns)
}

type trackedConn struct {
	net.Conn
	l    *trackingListener
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}
