// Package rocketmq is the RocketMQ 5.x sink: it sends each record as one
// message to an ApsaraMQ for RocketMQ (or Apache RocketMQ 5.x) topic over
// gRPC with the official Go client, building body, keys, tag, user
// properties, message group and delivery time with EventBridge's
// transformation forms on the record's CloudEvents view. Messages go many
// per SendMessage request (batch.go). See README.md.
//
// A record counts as delivered only once the broker answered SendMessage
// with OK for it; Put returns the others as connect.RecordErrors, marking those a
// retry cannot fix with connect.Permanent, so the runtime's retry policy,
// dead-letter queue and error tolerance decide what happens next.
package rocketmq

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	rmq "github.com/apache/rocketmq-clients/golang/v5"
	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/forms"
)

// Name is the sink's registered name.
const Name = "rocketmq"

// Task is the sink task. Put and Flush are called from one goroutine; Put
// sends on up to rocketmq.send.parallelism goroutines of its own, which
// have all finished when it returns.
type Task struct {
	producer    *pooledProducer
	mapping     *mapping
	parallelism int
	batchSize   int
	batchBytes  int
	log         *slog.Logger

	// Scratch of prepare, which runs on Put's goroutine: the view of the
	// record being mapped, its user properties (draft.props), and how many
	// slab bytes (bodies and, on the batched path, encoded properties) the
	// last Put used, to size the next one's slabs.
	ev      forms.Event
	props   []prop
	bodies  int // slab bytes of the last Put's records that had a body
	records int

	closeOnce sync.Once
	closeErr  error
}

// New opens a sink task: it validates the mapping and starts (or shares)
// the producer, failing within rocketmq.startup.timeout.ms with an error
// naming the endpoint.
func New(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SinkTask, error) {
	return open(ctx, cfg, tc)
}

func open(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (*Task, error) {
	m, errs := newMapping(cfg, tc.Now)
	if errs != nil {
		return nil, errs
	}
	log := tc.Logger
	if log == nil {
		log = slog.Default()
	}
	key := producerKey{
		endpoint:    cfg.String(keyEndpoint),
		namespace:   cfg.String(keyNamespace),
		accessKey:   cfg.String(keyAccessKey),
		secret:      cfg.Password(keySecretKey).Value(),
		token:       cfg.Password(keyToken).Value(),
		tls:         cfg.Bool(keyTLS),
		timeout:     time.Duration(cfg.Int(keySendTimeout)) * time.Millisecond,
		maxAttempts: int32(cfg.Int(keyMaxAttempts)),
	}
	p, err := acquireProducer(ctx, key, m.topic, time.Duration(cfg.Int(keyStartTimeout))*time.Millisecond)
	if err != nil {
		return nil, err
	}
	t := &Task{producer: p, mapping: m, parallelism: cfg.Int(keyParallelism),
		batchSize: cfg.Int(keyBatchSize), batchBytes: cfg.Int(keyBatchBytes), log: log}
	log.Info("rocketmq sink started", "endpoint", key.endpoint, "topic", m.topic, "namespace", key.namespace, "tls", key.tls, "batch_size", t.batchSize)
	return t, nil
}

// job is one record on its way to the broker.
type job struct {
	rec   *connect.Record
	msg   *rmq.Message // for the official client; nil on the batched path
	pb    *v2.Message  // wire form, for the batched path
	size  int          // pb's share of a request, in bytes
	group string       // FIFO message group, "" when none
	err   error
}

// wire is a message's wire form, allocated for a whole Put at once.
type wire struct {
	msg        v2.Message
	sp         v2.SystemProperties
	tag, group string // what sp's optional fields point at
}

// unit is what one goroutine sends, in order: a FIFO group's records
// (ordered), a request's worth of normal records, or one delay record.
type unit struct {
	idx      []int
	ordered  bool
	official bool // through the official Producer.Send, one per request
}

// Put maps and sends the records and returns when the broker has answered
// for each. Records of one message group are sent one request after
// another in order, and after the first failure in a group the rest of
// that group is not sent (they fail too, retriably), so a retry cannot
// reorder them. Other requests are sent concurrently.
func (t *Task) Put(ctx context.Context, records []*connect.Record) error {
	if len(records) == 0 {
		return nil
	}
	jobs := make([]job, len(records))
	t.prepare(connect.EventContextFrom(ctx), records, jobs)
	units := t.plan(jobs)
	sem := make(chan struct{}, t.parallelism)
	var wg sync.WaitGroup
	for _, u := range units {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			for _, i := range u.idx {
				jobs[i].err = fmt.Errorf("rocketmq: not sent: %w", ctx.Err())
			}
			continue
		}
		wg.Add(1)
		go func(u unit) {
			defer func() { <-sem; wg.Done() }()
			t.run(ctx, jobs, u)
		}(u)
	}
	wg.Wait()

	var errs connect.RecordErrors
	for i := range jobs {
		if jobs[i].err != nil {
			errs = append(errs, connect.RecordError{Record: jobs[i].rec, Err: jobs[i].err})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// prepare maps each record to its message and, for the batched path, its
// wire form: one born time per Put, as one batch. (Mapping on several
// goroutines was tried: no faster in the pipeline benchmark.) The Put's
// bodies, keys and wire forms are cut from a few shared allocations, and
// one view is reused for every record.
func (t *Task) prepare(ec connect.EventContext, records []*connect.Record, jobs []job) {
	born := timestamppb.Now()
	topic := t.producer.batch.resource(t.mapping.topic)
	per := t.bodyPer()
	s := slabs{body: make([]byte, 0, slabSize(per, len(records))), keys: make([]string, 0, len(records))}
	var wires []wire
	// Known before mapping: every message goes through the official client.
	official := t.batchSize <= 1 || t.mapping.delay > 0
	bodies, n := 0, 0 // what the next Put sizes its slab by
	for i, r := range records {
		j := &jobs[i]
		j.rec = r
		if per > 0 && cap(s.body)-len(s.body) < per {
			// Nearly full: a new slab for the rest, rather than letting
			// append copy every body so far into a larger one.
			s.body = make([]byte, 0, slabSize(per, len(records)-i))
		}
		if err := t.ev.Reset(r, ec); err != nil {
			j.err = connect.Permanent(fmt.Errorf("rocketmq: %w", err))
			continue
		}
		d := draft{props: t.props[:0]}
		if official {
			d.msg = new(rmq.Message)
		}
		j.err = t.mapping.message(r, &t.ev, &s, &d)
		t.props = d.props[:0] // keep what it grew to for the next record
		if j.err != nil {
			continue
		}
		j.group = d.group
		if !official && (d.group != "" || !d.hasAt) {
			if len(wires) == 0 {
				wires = make([]wire, len(records)-i)
			}
			w := &wires[0]
			wires = wires[1:]
			if err := t.producer.batch.protoMessage(&d, topic, born, w, &s); err != nil {
				j.err = sendErr(t.mapping.topic, err)
				continue
			}
			j.pb, j.size = &w.msg, wireSize(&w.msg)
			bodies, n = bodies+len(d.body)+len(w.msg.ProtoReflect().GetUnknown()), n+1
			continue
		}
		j.msg = t.mapping.clientMessage(&d)
		bodies, n = bodies+len(d.body), n+1
	}
	t.ev = forms.Event{} // keep no record alive after Put
	clear(t.props[:cap(t.props)])
	t.bodies, t.records = bodies, n
}

// bodyPer is the slab bytes per record of the last Put, 0 before the first.
func (t *Task) bodyPer() int {
	if t.records == 0 {
		return 0
	}
	return t.bodies / t.records
}

// slabSize is the capacity of a body slab for n bodies of per bytes, plus
// an eighth.
func slabSize(per, n int) int { return n*per + n*per/8 }

// plan groups the prepared jobs into units: one per FIFO group; normal
// messages in requests of at most batchSize messages and batchBytes bytes;
// delay messages (brokers take timer messages one at a time) and, with a
// batch size of 1, every message alone through the official client.
func (t *Task) plan(jobs []job) []unit {
	var units []unit
	groupUnit := map[string]int{}
	var normal []int
	for i := range jobs {
		if jobs[i].err != nil {
			continue
		}
		switch g := jobs[i].group; {
		case g != "":
			if u, ok := groupUnit[g]; ok {
				units[u].idx = append(units[u].idx, i)
				continue
			}
			groupUnit[g] = len(units)
			units = append(units, unit{idx: []int{i}, ordered: true, official: jobs[i].pb == nil})
		case jobs[i].pb != nil:
			normal = append(normal, i)
		default:
			units = append(units, unit{idx: []int{i}, official: true})
		}
	}
	for _, c := range t.chunks(jobs, normal) {
		units = append(units, unit{idx: c})
	}
	return units
}

// chunks cuts idx into requests of at most batchSize messages and
// batchBytes bytes (a larger message goes alone).
func (t *Task) chunks(jobs []job, idx []int) [][]int {
	var out [][]int
	start, bytes := 0, 0
	for k, i := range idx {
		s := jobs[i].size
		if k > start && (k-start >= t.batchSize || bytes+s > t.batchBytes) {
			out = append(out, idx[start:k])
			start, bytes = k, 0
		}
		bytes += s
	}
	if start < len(idx) {
		out = append(out, idx[start:])
	}
	return out
}

// run sends one unit and records each job's result.
func (t *Task) run(ctx context.Context, jobs []job, u unit) {
	topic := t.mapping.topic
	var failed error
	if u.official {
		for _, i := range u.idx {
			if failed != nil {
				jobs[i].err = notSent(failed)
				continue
			}
			if _, err := t.producer.p.Send(ctx, jobs[i].msg); err != nil {
				jobs[i].err = sendErr(topic, err)
				failed = err
			}
		}
		return
	}
	for _, c := range t.chunks(jobs, u.idx) {
		if failed != nil {
			for _, i := range c {
				jobs[i].err = notSent(failed)
			}
			continue
		}
		msgs := make([]*v2.Message, len(c))
		for k, i := range c {
			msgs[k] = jobs[i].pb
		}
		for k, err := range t.producer.batch.send(ctx, topic, msgs, u.ordered) {
			jobs[c[k]].err = err
			if err != nil && u.ordered && failed == nil {
				failed = err
			}
		}
	}
}

// Flush has nothing to do: Put returns only once the broker has answered
// for every record it was given.
func (t *Task) Flush(context.Context) error { return nil }

// Close releases the producer (the last task using it stops it). It is
// idempotent.
func (t *Task) Close() error {
	t.closeOnce.Do(func() { t.closeErr = t.producer.release() })
	return t.closeErr
}

// Register adds the rocketmq sink to r.
func Register(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind: connect.KindSink,
		Name: Name,
		Aliases: []string{
			// EventBridge's name for the RocketMQ sink connector
			"SinkRocketMQ",
		},
		Doc: "Sends each record as a message to a RocketMQ 5.x topic (ApsaraMQ for RocketMQ) over gRPC, with body, keys, tag, " +
			"properties, message group and delivery time built by EventBridge's transformation forms.",
		Config:  ConfigDef(),
		NewSink: New,
	})
}
