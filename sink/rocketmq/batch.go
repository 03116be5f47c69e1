package rocketmq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	rmq "github.com/apache/rocketmq-clients/golang/v5"
	rmqos "github.com/apache/rocketmq-clients/golang/v5/pkg/os"
	"github.com/apache/rocketmq-clients/golang/v5/pkg/utils"
	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"
	"github.com/dchest/siphash"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The official Producer (v5.1.3) sends one message per SendMessage call;
// its batching code (send0/send1) is unexported. The protocol takes many
// messages per request, and per message most of the CPU is the RPC itself
// (client, gRPC, the broker's side), so the sink sends NORMAL and FIFO
// messages itself, in batches, with the module's public pieces:
//
//   - the producer's own rmq.Client (captured through WithClientFunc) signs
//     every request and gives its client ID, so the broker sees the batches
//     come from the client the producer registered (route query, settings
//     handshake, heartbeats, all still done by the official Producer);
//   - rmq.NewRpcClient connections, one per broker endpoint (the same
//     constructor, TLS switch and zap silencing as the client's own);
//   - the messages are built as publishing_message.go's toProtobuf does.
//
// Like the client, a broker whose request failed is isolated: its queues
// are skipped by later sends while another broker is available. The client
// lifts isolation when a heartbeat to the broker succeeds; here it ends
// after isolation (10 s, the heartbeat interval) or when a send to it
// succeeds.

// defaultMaxBodySize is the client's body limit before the broker's
// settings arrive (producer.go); a larger body cannot be sent either way.
const defaultMaxBodySize = 4 << 20

// FIFO queue choice: the client's publishingLoadBalancer hashes the group
// with these SipHash keys, so a group goes to the same queue on both paths.
const (
	sipK0 = 506097522914230528
	sipK1 = 1084818905618843912
)

// batcher sends messages many per request. One batcher serves every task
// that shares a pooled producer; it is safe for concurrent use.
type batcher struct {
	cli         rmq.Client
	namespace   string
	accessPoint *v2.Endpoints
	timeout     time.Duration
	maxAttempts int
	host        string
	log         *slog.Logger

	// routeTTL is how long a route is used before it is queried again (the
	// client refreshes its own every 30 s); backoff is the wait before
	// attempt n+1 after TOO_MANY_REQUESTS. Fields so tests can shorten them.
	routeTTL  time.Duration
	backoff   func(attempt int) time.Duration
	isolation time.Duration

	refresh  sync.Mutex // one route query at a time
	mu       sync.Mutex
	routes   map[string]*route
	conns    map[string]rmq.RpcClient
	dialing  map[string]*dial
	isolated map[string]time.Time // target → until when it is skipped
	closed   bool
}

// route is a topic's queues as the broker last answered, immutable but for
// the round-robin counter.
type route struct {
	queues  []*v2.MessageQueue
	targets []string // connection target per queue; "" when it has no address
	fetched time.Time
	next    atomic.Uint32
}

// dial is a connection being made; others wanting the same target wait.
type dial struct {
	done chan struct{}
	c    rmq.RpcClient
	err  error
}

func newBatcher(cli rmq.Client, key producerKey, log *slog.Logger) (*batcher, error) {
	ap, err := utils.ParseTarget(key.endpoint)
	if err != nil {
		return nil, fmt.Errorf("rocketmq: endpoint %s: %w", key.endpoint, err)
	}
	return &batcher{
		cli: cli, namespace: key.namespace, accessPoint: ap,
		timeout: key.timeout, maxAttempts: max(1, int(key.maxAttempts)),
		host: rmqos.Hostname(), log: log,
		routeTTL: 30 * time.Second, backoff: throttleBackoff, isolation: 10 * time.Second,
		routes: map[string]*route{}, conns: map[string]rmq.RpcClient{}, dialing: map[string]*dial{},
		isolated: map[string]time.Time{},
	}, nil
}

// throttleBackoff doubles from 20 ms up to 1 s. The client would use the
// broker's BackoffPolicy here, which it keeps to itself.
func throttleBackoff(attempt int) time.Duration {
	return min(20*time.Millisecond<<min(attempt-1, 10), time.Second)
}

// close drops every connection; later sends fail.
func (b *batcher) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for t, c := range b.conns {
		_ = c.GracefulStop()
		delete(b.conns, t)
	}
}

// resource is the topic as a request names it; messages of one batch
// share it (and their born time), so each costs fewer allocations.
func (b *batcher) resource(topic string) *v2.Resource {
	return &v2.Resource{Name: topic, ResourceNamespace: b.namespace}
}

// protoMessage builds the wire form of d into w, as the client does
// (publishing_message.go toProtobuf): a new message ID, one born time per
// batch, identity encoding. The user properties are encoded into s's body
// slab and attached as unknown fields (props.go). Only NORMAL and FIFO
// messages come here.
func (b *batcher) protoMessage(d *draft, topic *v2.Resource, born *timestamppb.Timestamp, w *wire, s *slabs) error {
	if len(d.body) > defaultMaxBodySize {
		// the client's own check, worded as the client words it (sendErr)
		return fmt.Errorf("message body size exceeds the threshold, max size=%d bytes", defaultMaxBodySize)
	}
	sp := &w.sp
	sp.Keys = d.keys
	sp.MessageId = ids.next(born.GetSeconds()) // the client's format (msgid.go)
	sp.BornTimestamp = born
	sp.BornHost = b.host
	sp.BodyEncoding = v2.Encoding_IDENTITY
	sp.MessageType = v2.MessageType_NORMAL
	if d.tag != "" {
		w.tag = d.tag
		sp.Tag = &w.tag
	}
	if d.group != "" {
		w.group = d.group
		sp.MessageType = v2.MessageType_FIFO
		sp.MessageGroup = &w.group
	}
	if d.hasAt {
		sp.DeliveryTimestamp = timestamppb.New(d.at)
	}
	w.msg.Topic = topic
	w.msg.SystemProperties = sp
	w.msg.Body = d.body
	if len(d.props) > 0 {
		start := len(s.body)
		s.body = appendUserProperties(s.body, d.props)
		// capped, as bodies are, so that nothing appended later lands in it
		w.msg.ProtoReflect().SetUnknown(s.body[start:len(s.body):len(s.body)])
	}
	return nil
}

// wireSize bounds a message's share of an encoded SendMessageRequest from
// above, without encoding it (proto.Size walks the whole message, a few
// per cent of the pipeline's CPU): every field counted with the longest tag
// and length prefix it can have, 10 bytes each. TestWireSize checks it
// against proto.Size.
func wireSize(m *v2.Message) int {
	const f = 10 // tag + length prefix, or a varint, or a timestamp's parts
	sp := m.GetSystemProperties()
	n := 2*f + // the message itself, in the request
		3*f + len(m.GetTopic().GetName()) + len(m.GetTopic().GetResourceNamespace()) +
		f + len(m.GetBody()) +
		f + // system properties
		f + len(sp.GetMessageId()) + f + len(sp.GetBornHost()) + f + len(sp.GetTag()) + f + len(sp.GetMessageGroup()) +
		3*f + // encoding, type, trace context's absence
		2*3*f // born and delivery timestamps
	for _, k := range sp.GetKeys() {
		n += f + len(k)
	}
	for k, v := range m.GetUserProperties() {
		n += 3*f + len(k) + len(v)
	}
	return n + len(m.ProtoReflect().GetUnknown()) // the batched path's properties, exactly
}

// send delivers msgs, all of one topic and type (FIFO: of one group, in
// order), as one request, and returns one error per message, classified by
// sendErr: nil when the broker said OK for it. When the request fails with
// an answer that can be about one bad message, the messages are sent again
// one per request, so each gets its own verdict; with ordered set, the
// first failure stops the rest (they fail retriably as not sent), so
// nothing overtakes a failed message.
func (b *batcher) send(ctx context.Context, topic string, msgs []*v2.Message, ordered bool) []error {
	errs := make([]error, len(msgs))
	perMsg, err := b.request(ctx, topic, msgs)
	if err == nil {
		for i, e := range perMsg {
			if e != nil {
				errs[i] = sendErr(topic, e)
			}
		}
		return errs
	}
	if len(msgs) == 1 || !messageSpecific(err) || ctx.Err() != nil {
		for i := range errs {
			errs[i] = sendErr(topic, err)
		}
		return errs
	}
	var failed error
	for i := range msgs {
		if failed != nil && ordered {
			errs[i] = notSent(failed)
			continue
		}
		one, err := b.request(ctx, topic, msgs[i:i+1])
		if err == nil {
			err = one[0]
		}
		if err != nil {
			errs[i], failed = sendErr(topic, err), err
		}
	}
	return errs
}

// messageSpecific says whether a failed batch is worth resending one
// message per request: a broker status that may concern one message. A
// transport error (endpoint down, timeout), throttling, auth or a missing
// topic would give every message the same answer again.
func messageSpecific(err error) bool {
	st, ok := rmq.AsErrRpcStatus(err)
	if !ok {
		return false
	}
	return !batchLevelCodes[v2.Code(st.GetCode())]
}

// request sends one SendMessageRequest, retrying on the next candidate
// queue up to maxAttempts (after a backoff when throttled, at once
// otherwise, never for a verdict a retry cannot change). A nil error means
// the broker answered OK for the request; the slice then holds each
// message's own result.
func (b *batcher) request(ctx context.Context, topic string, msgs []*v2.Message) ([]error, error) {
	r, err := b.route(ctx, topic)
	if err != nil {
		return nil, err
	}
	sp := msgs[0].GetSystemProperties()
	cands := r.candidates(sp.MessageGroup, b.maxAttempts, b.isIsolated)
	if len(cands) == 0 {
		return nil, rmq.ErrNoAvailableBrokers
	}
	req := &v2.SendMessageRequest{Messages: msgs}
	var last error
	for attempt := 1; attempt <= b.maxAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			if last == nil {
				last = err
			}
			break
		}
		q := cands[(attempt-1)%len(cands)]
		if !utils.MatchMessageType(r.queues[q], sp.GetMessageType()) {
			// the client's check and wording (sendErr makes it permanent)
			return nil, errors.New("current message type not match with topic accept message types")
		}
		resp, err := b.call(ctx, r.targets[q], req)
		if err == nil {
			if resp.GetStatus().GetCode() == v2.Code_OK {
				b.isolate(r.targets[q], false)
				return entryErrors(resp, len(msgs)), nil
			}
			err = &rmq.ErrRpcStatus{Code: int32(resp.GetStatus().GetCode()), Message: resp.GetStatus().GetMessage()}
		}
		last = err
		st, isStatus := rmq.AsErrRpcStatus(err)
		if (isStatus && !permanentCodes[v2.Code(st.GetCode())]) || (!isStatus && ctx.Err() == nil) {
			b.isolate(r.targets[q], true) // the broker failed, not the messages or the caller
		}
		if isStatus {
			code := v2.Code(st.GetCode())
			if permanentCodes[code] {
				break
			}
			if code == v2.Code_TOO_MANY_REQUESTS && attempt < b.maxAttempts {
				t := time.NewTimer(b.backoff(attempt))
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
				}
			}
		}
	}
	return nil, last
}

// entryErrors reads the per-message results of an OK answer (the client
// ignores them): a message counts as stored only with an OK entry of its
// own.
func entryErrors(resp *v2.SendMessageResponse, n int) []error {
	errs := make([]error, n)
	entries := resp.GetEntries()
	for i := range errs {
		if i >= len(entries) {
			errs[i] = fmt.Errorf("the broker answered OK for a request of %d messages but gave results for %d: message %d is not known to be stored", n, len(entries), i+1)
			continue
		}
		if st := entries[i].GetStatus(); st.GetCode() != v2.Code_OK {
			errs[i] = &rmq.ErrRpcStatus{Code: int32(st.GetCode()), Message: st.GetMessage()}
		}
	}
	return errs
}

// isolate marks target as failing (skipped by later sends until the
// isolation ends) or as working again.
func (b *batcher) isolate(target string, failed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if failed {
		b.isolated[target] = time.Now().Add(b.isolation)
	} else if len(b.isolated) > 0 {
		delete(b.isolated, target)
	}
}

func (b *batcher) isIsolated(target string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	until, ok := b.isolated[target]
	return ok && time.Now().Before(until)
}

// call makes one signed SendMessage call within the request timeout.
func (b *batcher) call(ctx context.Context, target string, req *v2.SendMessageRequest) (*v2.SendMessageResponse, error) {
	if target == "" {
		return nil, errors.New("the route names a broker without an address")
	}
	c, err := b.conn(ctx, target)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(b.cli.Sign(ctx), b.timeout)
	defer cancel()
	return c.SendMessage(cctx, req)
}

// conn returns the connection to target, dialling it once for all callers.
// A broken connection is kept: gRPC reconnects it on its own.
func (b *batcher) conn(ctx context.Context, target string) (rmq.RpcClient, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, errClosed
	}
	if c := b.conns[target]; c != nil {
		b.mu.Unlock()
		return c, nil
	}
	d := b.dialing[target]
	if d == nil {
		d = &dial{done: make(chan struct{})}
		b.dialing[target] = d
		b.mu.Unlock()
		// The client dials blocking, up to its dial timeout; bound it by
		// the request timeout as every other wait here.
		c, err := rmq.NewRpcClient(target, rmq.WithRpcClientConnOption(rmq.WithDialTimeout(b.timeout)))
		b.mu.Lock()
		delete(b.dialing, target)
		switch {
		case err != nil:
			err = fmt.Errorf("connecting to %s: %w", target, err)
		case b.closed:
			_ = c.GracefulStop()
			c, err = nil, errClosed
		default:
			b.conns[target] = c
		}
		d.c, d.err = c, err
		close(d.done)
		b.mu.Unlock()
		return c, err
	}
	b.mu.Unlock()
	select {
	case <-d.done:
		return d.c, d.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// route returns the topic's route, querying it when it is missing or older
// than routeTTL. When a refresh fails the old route stays in use.
func (b *batcher) route(ctx context.Context, topic string) (*route, error) {
	b.mu.Lock()
	r := b.routes[topic]
	b.mu.Unlock()
	if r != nil && time.Since(r.fetched) < b.routeTTL {
		return r, nil
	}
	b.refresh.Lock()
	defer b.refresh.Unlock()
	b.mu.Lock()
	r = b.routes[topic]
	b.mu.Unlock()
	if r != nil && time.Since(r.fetched) < b.routeTTL {
		return r, nil
	}
	nr, err := b.queryRoute(ctx, topic)
	if err != nil {
		if r == nil {
			return nil, err
		}
		b.log.Warn("rocketmq: route refresh failed, using the previous route", "topic", topic, "error", err)
		nr = &route{queues: r.queues, targets: r.targets}
	}
	nr.fetched = time.Now()
	if r != nil {
		nr.next.Store(r.next.Load())
	}
	b.mu.Lock()
	b.routes[topic] = nr
	b.mu.Unlock()
	return nr, nil
}

func (b *batcher) queryRoute(ctx context.Context, topic string) (*route, error) {
	c, err := b.conn(ctx, endpointTarget(b.accessPoint))
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(b.cli.Sign(ctx), b.timeout)
	defer cancel()
	resp, err := c.QueryRoute(cctx, &v2.QueryRouteRequest{
		Topic:     &v2.Resource{Name: topic, ResourceNamespace: b.namespace},
		Endpoints: b.accessPoint,
	})
	if err != nil {
		return nil, fmt.Errorf("route query: %w", err)
	}
	if resp.GetStatus().GetCode() != v2.Code_OK {
		return nil, fmt.Errorf("route query: %w", &rmq.ErrRpcStatus{Code: int32(resp.GetStatus().GetCode()), Message: resp.GetStatus().GetMessage()})
	}
	if len(resp.GetMessageQueues()) == 0 {
		return nil, rmq.ErrNoAvailableBrokers
	}
	r := &route{queues: resp.GetMessageQueues()}
	for _, q := range r.queues {
		r.targets = append(r.targets, endpointTarget(q.GetBroker().GetEndpoints()))
	}
	return r, nil
}

// endpointTarget names a connection as the client's manager does
// (client_manager.go getRpcClient): IP endpoints through the client's
// "ip" resolver, a domain name as one of its addresses.
func endpointTarget(e *v2.Endpoints) string {
	if len(e.GetAddresses()) == 0 {
		return ""
	}
	switch e.GetScheme() {
	case v2.AddressScheme_IPv4, v2.AddressScheme_IPv6:
		return rmq.DefaultScheme + ":///" + utils.EndpointsToString(e)
	}
	return utils.ParseAddress(utils.SelectAnAddress(e))
}

// candidates are the queue indexes to try, attempt n taking the n-th
// (cyclically). A FIFO group has exactly its hashed queue, as in the
// client; other messages take queues round-robin, one per broker, skipping
// isolated brokers unless every broker is (client: TakeMessageQueues).
func (r *route) candidates(group *string, attempts int, isolated func(target string) bool) []int {
	n := len(r.queues)
	if n == 0 {
		return nil
	}
	if group != nil {
		h := int64(siphash.Hash(sipK0, sipK1, []byte(*group)))
		return []int{utils.Mod64(h, n)}
	}
	next := int(r.next.Add(1))
	out := make([]int, 0, min(attempts, n))
	for _, skip := range []bool{true, false} {
		seen := map[string]bool{}
		for i := 0; i < n && len(out) < attempts; i++ {
			q := (next + i) % n
			name := r.queues[q].GetBroker().GetName()
			if seen[name] || (skip && isolated(r.targets[q])) {
				continue
			}
			seen[name] = true
			out = append(out, q)
		}
		if len(out) > 0 {
			break
		}
	}
	return out
}
