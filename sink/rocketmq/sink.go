// Package rocketmq is the RocketMQ 5.x sink: it sends each record as one
// message to an ApsaraMQ for RocketMQ (or Apache RocketMQ 5.x) topic over
// gRPC with the official Go client, building body, keys, tag, user
// properties, message group and delivery time with EventBridge's
// transformation forms on the record's CloudEvents view. See README.md.
//
// A record counts as delivered only once the broker answered SendMessage
// with OK; Put returns the others as connect.RecordErrors, marking those a
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
	log         *slog.Logger

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
	log.Info("rocketmq sink started", "endpoint", key.endpoint, "topic", m.topic, "namespace", key.namespace, "tls", key.tls)
	return &Task{producer: p, mapping: m, parallelism: cfg.Int(keyParallelism), log: log}, nil
}

// job is one record on its way to the broker.
type job struct {
	rec *connect.Record
	msg *rmq.Message
	err error
}

// Put maps and sends the records and returns when the broker has answered
// for each. Records of one message group are sent one after another in
// order, and after the first failure in a group the rest of that group is
// not sent (they fail too, retriably), so a retry cannot reorder them.
// Other records are sent concurrently.
func (t *Task) Put(ctx context.Context, records []*connect.Record) error {
	if len(records) == 0 {
		return nil
	}
	ec := connect.EventContextFrom(ctx)
	jobs := make([]job, len(records))
	// lanes: each FIFO group is one lane, every other record its own lane.
	var lanes [][]int
	groupLane := map[string]int{}
	for i, r := range records {
		jobs[i].rec = r
		ev, err := forms.NewEvent(r, ec)
		if err != nil {
			jobs[i].err = connect.Permanent(fmt.Errorf("rocketmq: %w", err))
			continue
		}
		msg, err := t.mapping.message(r, ev)
		if err != nil {
			jobs[i].err = err
			continue
		}
		jobs[i].msg = msg
		if g := msg.GetMessageGroup(); g != nil {
			if l, ok := groupLane[*g]; ok {
				lanes[l] = append(lanes[l], i)
				continue
			}
			groupLane[*g] = len(lanes)
		}
		lanes = append(lanes, []int{i})
	}

	sem := make(chan struct{}, t.parallelism)
	var wg sync.WaitGroup
	for _, lane := range lanes {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			for _, i := range lane {
				jobs[i].err = fmt.Errorf("rocketmq: not sent: %w", ctx.Err())
			}
			continue
		}
		wg.Add(1)
		go func(lane []int) {
			defer func() { <-sem; wg.Done() }()
			var failed error
			for _, i := range lane {
				if failed != nil {
					jobs[i].err = fmt.Errorf("rocketmq: not sent because an earlier message of its group failed (kept in order): %w", failed)
					continue
				}
				if _, err := t.producer.p.Send(ctx, jobs[i].msg); err != nil {
					jobs[i].err = sendErr(t.mapping.topic, err)
					failed = err
				}
			}
		}(lane)
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
