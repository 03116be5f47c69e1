// Package kafka is the kafka sink: it writes records to Kafka with
// franz-go, keeping topic, key, headers and timestamp, choosing partitions
// as the Java client does, creating topics as Kafka Connect does, and, with
// exactly.once.support=required, writing each batch and its source offsets
// in one transaction. It is the default sink of a source pipeline. The
// package also registers the Kafka-backed offset store (offset.storage.topic).
package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unsafe"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/kafkaclient"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Sink writes records to Kafka. Put and Flush are called from one goroutine
// (the SinkTask contract); franz-go's promises run on its own goroutines
// and only touch the mutex-guarded failure list.
type Sink struct {
	cl       *kgo.Client
	adm      *kadm.Client
	log      *slog.Logger
	maxBlock time.Duration
	delivery time.Duration
	topics   *topicMaker
	pipeline string

	// recCtx outlives Put: franz-go fails buffered records whose context
	// is done, so records must not carry Put's context.
	recCtx context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	failed connect.RecordErrors

	// live holds the contexts of records put since the last Flush; ending
	// them fails whatever franz-go has not sent yet (delivery.timeout.ms).
	live []*blockCtx

	// Exactly once: one transaction per Put…Flush batch.
	eos         bool
	offsetTopic string
	inTxn       bool
	txnOffsets  map[string]connect.SourceOffset // canonical partition → last offset
	txnOrder    []string
	txnStopped  map[string]bool // partitions whose offsets stop at a failed record
	txnBroken   bool            // a record of the transaction failed to send
}

var (
	_ connect.SinkTask  = (*Sink)(nil)
	_ connect.BytesSink = (*Sink)(nil)
)

// New opens the sink. With exactly.once.support=required it initializes
// its transactional producer before returning, which fences any older
// instance of the same task and aborts its open transaction: the source,
// opened after the sink, then reads only committed offsets.
func New(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SinkTask, error) {
	s, err := open(ctx, cfg, tc)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func open(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (*Sink, error) {
	st, err := parseSettings(cfg, tc)
	if err != nil {
		return nil, err
	}
	log := tc.Logger
	if log == nil {
		log = slog.Default()
	}
	extra := []kgo.Opt{
		kgo.RecordPartitioner(newPartitioner()),
		// The Java producer asks the broker to auto-create missing topics
		// (when the broker allows it); do the same.
		kgo.AllowAutoTopicCreation(),
	}
	if st.eos {
		extra = append(extra, kgo.TransactionalID(fmt.Sprintf("%s-%d", tc.Pipeline, tc.Task)))
	}
	pc, err := kafkaclient.Parse(kafkaclient.Producer, st.producer)
	if err != nil {
		return nil, err
	}
	if st.eos && pc.TransactionTimeout > 0 {
		extra = append(extra, kgo.TransactionTimeout(pc.TransactionTimeout))
	}
	for _, ig := range pc.Ignored {
		log.Debug("kafka sink: setting has no effect in inlet", "setting", ig)
	}
	opts := append(append(append([]kgo.Opt{}, pc.Opts...), kgo.WithLogger(kafkaclient.Logger(log))), extra...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka sink: %w", err)
	}
	recCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Sink{
		cl: cl, log: log, maxBlock: pc.MaxBlock, delivery: pc.DeliveryTimeout, pipeline: tc.Pipeline,
		recCtx: recCtx, cancel: cancel,
		eos: st.eos, offsetTopic: st.offsetTopic,
	}
	if st.creation != nil || st.eos {
		acl, _, err := kafkaclient.NewClient(kafkaclient.Admin, st.admin, log)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("kafka sink: admin client: %w", err)
		}
		s.adm = kadm.NewClient(acl)
		if st.creation != nil {
			s.topics = &topicMaker{tc: st.creation, adm: s.adm, ready: map[string]bool{}}
		}
	}
	if st.eos {
		if err := s.openTxn(ctx, tc.Worker); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// WantsBytes: the runtime serializes keys, values and headers with the
// pipeline's converters before Put.
func (s *Sink) WantsBytes() bool { return true }

// Put hands records to the producer without waiting for the broker. It
// blocks only while the producer's buffer is full (buffer.memory,
// max.buffered.records), at most max.block.ms: that is the backpressure
// that keeps memory bounded under a slow broker. Records that cannot be
// sent at all (not bytes, no topic) are returned as RecordErrors.
func (s *Sink) Put(ctx context.Context, records []*connect.Record) error {
	if len(records) == 0 {
		return nil
	}
	if s.eos && !s.inTxn {
		if err := s.begin(); err != nil {
			return err
		}
	}
	bc, release := s.blockContext(ctx)
	defer release()
	var errs connect.RecordErrors
	// One allocation for the batch's franz-go records; each lives until
	// its promise ran, and the slab with them.
	b := &putBatch{s: s, slab: make([]kgo.Record, len(records)), recs: append([]*connect.Record(nil), records...)}
	slab := b.slab
	for i, r := range records {
		kr := &slab[i]
		err := s.toKafka(r, kr)
		if err == nil {
			err = s.topics.ensure(ctx, r.Topic)
		}
		if err != nil {
			errs = append(errs, connect.RecordError{Record: r, Err: err})
			if s.eos {
				s.stopOffsets(r)
			}
			continue
		}
		if s.eos {
			s.noteOffset(r)
		}
		s.cl.Produce(bc, kr, b.promise)
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// blockContext returns the context Put's records are produced with. It
// ends only if Put waits for buffer space longer than max.block.ms or ctx
// ends while Put runs: franz-go keeps a record's context until the record
// is acknowledged and fails unsent records whose context is done, so it
// must not end merely because Put returned. It is not derived from ctx for
// the same reason (and so nothing registers with ctx per Put).
func (s *Sink) blockContext(ctx context.Context) (context.Context, func()) {
	bc := &blockCtx{done: make(chan struct{})}
	s.live = append(s.live, bc)
	stopCtx := context.AfterFunc(ctx, func() { bc.end(ctx.Err()) })
	var timer *time.Timer
	if s.maxBlock > 0 {
		timer = time.AfterFunc(s.maxBlock, func() { bc.end(errMaxBlock) })
	}
	return bc, func() {
		stopCtx()
		if timer != nil {
			timer.Stop()
		}
	}
}

var (
	errMaxBlock        = fmt.Errorf("waited max.block.ms for buffer space (the broker is slow or down): %w", context.DeadlineExceeded)
	errDeliveryTimeout = fmt.Errorf("not acknowledged within delivery.timeout.ms (the broker is slow or down): %w", context.DeadlineExceeded)
)

type blockCtx struct {
	context.Context
	once sync.Once
	done chan struct{}
	err  error
}

func (b *blockCtx) end(err error) {
	b.once.Do(func() {
		b.err = err
		close(b.done)
	})
}

func (b *blockCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (b *blockCtx) Done() <-chan struct{}       { return b.done }
func (b *blockCtx) Value(any) any               { return nil }
func (b *blockCtx) Err() error {
	select {
	case <-b.done:
		return b.err
	default:
		return nil
	}
}

// putBatch maps franz-go's promises back to the records of one Put
// without a closure per record: a record's index is its position in slab.
type putBatch struct {
	s    *Sink
	slab []kgo.Record
	recs []*connect.Record // a copy: the runtime may reuse its slice
}

func (b *putBatch) promise(kr *kgo.Record, err error) {
	if err == nil {
		return
	}
	i := (uintptr(unsafe.Pointer(kr)) - uintptr(unsafe.Pointer(&b.slab[0]))) / unsafe.Sizeof(b.slab[0])
	r := b.recs[i]
	s := b.s
	s.mu.Lock()
	s.failed = append(s.failed, connect.RecordError{Record: r, Err: classify(fmt.Errorf("kafka sink: produce to %q: %w", r.Topic, err))})
	s.mu.Unlock()
}

// toKafka converts one record. Keys, values and header values must be
// bytes (or strings): the runtime ran the converters already.
func (s *Sink) toKafka(r *connect.Record, kr *kgo.Record) error {
	if r.Topic == "" {
		return connect.Permanent(errors.New("kafka sink: record has no topic"))
	}
	key, err := asBytes(r.Key, "key")
	if err != nil {
		return err
	}
	val, err := asBytes(r.Value, "value")
	if err != nil {
		return err
	}
	// kr is zeroed (a fresh slab): set fields one by one rather than copy
	// a whole kgo.Record, which is large.
	kr.Topic, kr.Key, kr.Value, kr.Timestamp = r.Topic, key, val, r.Timestamp
	kr.Partition = -1
	if r.Partition >= 0 {
		kr.Partition = r.Partition
	}
	if len(r.Headers) > 0 {
		kr.Headers = make([]kgo.RecordHeader, len(r.Headers))
		for i, h := range r.Headers {
			hv, err := asBytes(h.Value, "header "+h.Key)
			if err != nil {
				return err
			}
			kr.Headers[i] = kgo.RecordHeader{Key: h.Key, Value: hv}
		}
	}
	return nil
}

func asBytes(v any, what string) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		return x, nil
	case string:
		return []byte(x), nil
	}
	return nil, connect.Permanent(fmt.Errorf("%w: %s is %T; set a key.converter/value.converter/header.converter that produces bytes", ErrNotBytes, what, v))
}

// Flush returns once the broker acknowledged every record given to Put
// (acks per the producer settings), or names the records that failed.
// Under exactly-once it also writes the batch's source offsets and commits
// the transaction; any failure aborts it and fails the whole batch.
func (s *Sink) Flush(ctx context.Context) error {
	if s.eos {
		return s.commitTxn(ctx)
	}
	if err := s.flush(ctx); err != nil {
		// Some records are still in flight; the runtime retries the batch
		// (duplicates at worst, never loss).
		return connect.Retriable(fmt.Errorf("kafka sink: flush: %w", err))
	}
	s.mu.Lock()
	failed := s.failed
	s.failed = nil
	s.mu.Unlock()
	if len(failed) > 0 {
		return failed
	}
	return nil
}

// flush waits for every record put so far. After delivery.timeout.ms it
// fails the records franz-go has not sent (their promises report them);
// records already on the wire cannot be failed safely with idempotence, so
// it waits for those up to ctx.
func (s *Sink) flush(ctx context.Context) error {
	live := s.live
	s.live = nil
	if s.delivery <= 0 {
		return s.cl.Flush(ctx)
	}
	dctx, cancel := context.WithTimeout(ctx, s.delivery)
	err := s.cl.Flush(dctx)
	cancel()
	if err == nil || ctx.Err() != nil {
		return err
	}
	for _, bc := range live {
		bc.end(errDeliveryTimeout)
	}
	return s.cl.Flush(ctx)
}

// Close aborts an open transaction and closes the clients.
func (s *Sink) Close() error {
	if s.eos && s.inTxn {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.abort(ctx)
		cancel()
	}
	s.cancel()
	s.cl.Close()
	if s.adm != nil {
		s.adm.Close()
	}
	return nil
}
