package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inletdev/inlet/connect"
)

// task runs one task of a pipeline on three goroutines the worker owns: a
// poll goroutine feeding a bounded channel, the task loop (batch →
// converters → transforms → converters) and the delivery goroutine (Put →
// Flush → offsets), which works on batch n while the loop transforms
// batch n+1. Batches are delivered in order, one at a time.
type task struct {
	w     *Worker
	pl    *pipeline
	plan  *plan
	id    int
	cfg   connect.Config // this task's share of the connector's config
	log   *slog.Logger
	m     taskMetrics
	clock Clock

	gate       *gate
	stopC      chan struct{}
	stopOnce   sync.Once
	done       chan struct{}
	hardCtx    context.Context // cancelled when the graceful budget is spent
	hardCancel context.CancelFunc

	source       connect.SourceTask
	sink         connect.SinkTask
	dlq          connect.SinkTask
	srcBytes     bool
	sinkBytes    bool
	dlqBytes     bool
	keyConv      connect.Converter
	valConv      connect.Converter
	hdrConv      connect.HeaderConverter
	committer    connect.SourceCommitter
	recCommitter connect.RecordCommitter
	tracker      *offsetTracker
	putStage     string
	sinkLabel    string
	srcLabel     string

	in       chan []*connect.Record
	pollErr  chan error
	retryCtx context.Context // done when the task is asked to stop

	// Batches between the task loop, which transforms them, and the
	// delivery goroutine, which puts them (see delivery.go).
	ready chan *batch
	free  chan *batch

	mu          sync.Mutex
	state       State
	err         error
	lastErr     string
	lastErrTime time.Time
	progress    []connect.Progress
	rateAt      time.Time
	rateCount   int64
	rate        float64

	polled, delivered, skipped atomic.Int64
}

const (
	fateDelivered uint8 = iota
	fateDropped
	fateDead
)

func newTask(w *Worker, pl *pipeline, pn *plan, id int, cfg connect.Config, paused bool) *task {
	hard, cancel := context.WithCancel(context.WithoutCancel(w.baseCtx()))
	t := &task{
		w: w, pl: pl, plan: pn, id: id, cfg: cfg, clock: w.clock,
		log:   w.log.With("pipeline", pn.name, "task", id),
		m:     w.metrics.forTask(pn.name, id, pn.kind == connect.KindSource),
		gate:  newGate(paused),
		stopC: make(chan struct{}), done: make(chan struct{}),
		hardCtx: hard, hardCancel: cancel,
		state:   StateUnassigned,
		tracker: newOffsetTracker(pn.name),
	}
	return t
}

func (t *task) setState(s State, err error) {
	t.mu.Lock()
	t.state = s
	if err != nil {
		t.err = err
		t.lastErr, t.lastErrTime = err.Error(), t.clock.Now()
	} else if s == StateRunning || s == StatePaused {
		t.err = nil
	}
	t.mu.Unlock()
	t.w.metrics.setStatus(t.plan.name, t.id, s)
}

// settleState sets RUNNING or PAUSED from the gate once the task is open.
// The gate is read under t.mu: Pause and Resume set the gate first and
// then look at the state under t.mu, so whichever comes second sees the
// other's work and the status never contradicts the gate (a pipeline
// paused while its task was STARTING must not show RUNNING).
func (t *task) settleState() {
	t.mu.Lock()
	paused, _, _ := t.gate.state()
	s := StateRunning
	if paused {
		s = StatePaused
	}
	t.state, t.err = s, nil
	t.mu.Unlock()
	t.w.metrics.setStatus(t.plan.name, t.id, s)
}

func (t *task) noteError(err error) {
	t.mu.Lock()
	t.lastErr, t.lastErrTime = err.Error(), t.clock.Now()
	t.mu.Unlock()
}

func (t *task) status() TaskStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	d := t.delivered.Load()
	if t.rateAt.IsZero() {
		t.rateAt, t.rateCount = now, d
	} else if el := now.Sub(t.rateAt); el >= time.Second {
		t.rate = float64(d-t.rateCount) / el.Seconds()
		t.rateAt, t.rateCount = now, d
	}
	ts := TaskStatus{
		ID: t.id, State: t.state, WorkerID: t.w.cfg.WorkerID,
		RecordsPolled: t.polled.Load(), RecordsDelivered: d, RecordsSkipped: t.skipped.Load(),
		RecordsPerSecond: t.rate, LastError: t.lastErr, LastErrorTime: t.lastErrTime,
		Progress: append([]connect.Progress(nil), t.progress...),
	}
	if t.state == StateFailed || (t.state == StateRestarting && t.err != nil) {
		ts.Trace = trace(t.err)
	}
	return ts
}

func (t *task) reportProgress(p connect.Progress) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.progress {
		if t.progress[i].Phase == p.Phase && t.progress[i].Item == p.Item {
			t.progress[i] = p
			return
		}
	}
	t.progress = append(t.progress, p)
}

// start runs the task on a worker-owned goroutine. A run that fails is
// restarted under the pipeline's restart policy (errors.restart.*): the
// task is RESTARTING, with the failure's trace, while it waits.
func (t *task) start() {
	t.w.wg.Add(1)
	go func() {
		defer t.w.wg.Done()
		defer close(t.done)
		restarts := 0
		for {
			began := t.clock.Now()
			err := t.run()
			if err == nil || errors.Is(err, context.Canceled) {
				t.setState(StateUnassigned, nil)
				return
			}
			t.m.errors.Inc()
			pol := t.plan.restart
			if pol.reset > 0 && t.clock.Now().Sub(began) >= pol.reset {
				restarts = 0 // a long healthy run: this is a new failure, not a repeat
			}
			if restarts >= pol.max || t.stopAsked() {
				t.setState(StateFailed, err)
				if pol.max > 0 {
					t.log.Error("task failed", "err", err, "restarts", restarts, "errors.restart.max.attempts", pol.max)
				} else {
					t.log.Error("task failed", "err", err)
				}
				return
			}
			restarts++
			d := pol.delay(restarts)
			t.setState(StateRestarting, err)
			t.m.restarts.Inc()
			t.log.Warn("task failed; restarting", "err", err, "restart", restarts, "of", pol.max, "in", d)
			if !t.wait(d) {
				// Stopped while waiting: it failed and was not restarted.
				t.setState(StateFailed, err)
				return
			}
		}
	}()
}

// stopAsked reports whether stop was called.
func (t *task) stopAsked() bool {
	select {
	case <-t.stopC:
		return true
	default:
		return t.hardCtx.Err() != nil
	}
}

// wait sleeps d on the task's clock; false if the task is stopped first.
func (t *task) wait(d time.Duration) bool {
	if d <= 0 {
		return !t.stopAsked()
	}
	tm := t.clock.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C():
		return true
	case <-t.stopC:
	case <-t.hardCtx.Done():
	}
	return false
}

// stop asks the task to stop gracefully and waits until it has, or until
// deadline; then it cancels the task's context and waits for it to return.
func (t *task) stop(deadline time.Time) {
	t.stopOnce.Do(func() { close(t.stopC) })
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-t.done:
		return
	case <-timer.C:
		t.log.Warn("task did not stop within task.shutdown.graceful.timeout.ms; cancelling it")
	}
	t.hardCancel()
	<-t.done
}

type offsetReader struct {
	w        *Worker
	ctx      context.Context
	pipeline string
}

func (o offsetReader) Offset(partition map[string]any) (map[string]any, error) {
	st, err := o.w.offsetStore(o.ctx)
	if err != nil {
		return nil, err
	}
	return st.Get(o.ctx, o.pipeline, partition)
}

func (t *task) open(ctx context.Context) error {
	p := t.plan
	tc := connect.TaskContext{
		Pipeline: p.name, Task: t.id, Logger: t.log,
		Offsets:  offsetReader{t.w, t.hardCtx, p.name},
		Progress: t.reportProgress,
		Worker:   copyProps(t.w.cfg.Props), // a copy: plugins may not share the worker's map
		Now:      t.clock.Now,
	}
	// A restarted run starts clean: nothing of the failed run is reused
	// (closeAll must not close its plugins twice; its DLQ records belong
	// to a batch that is polled again).
	t.source, t.sink, t.dlq = nil, nil, nil
	t.srcBytes, t.sinkBytes, t.dlqBytes = false, false, false
	t.committer, t.recCommitter = nil, nil
	if t.tracker.bad != nil {
		t.tracker = newOffsetTracker(p.name)
	}
	srcCfg, sinkCfg := p.srcCfg, p.sinkCfg
	if p.kind == connect.KindSource {
		srcCfg = t.cfg
	} else {
		sinkCfg = t.cfg
	}
	t.srcLabel, t.sinkLabel = p.source.Name, p.sink.Name
	var err error
	if t.sink, err = p.sink.NewSink(ctx, sinkCfg, tc); err != nil {
		t.sink = nil // never Close a half-made task
		return &TaskError{Pipeline: p.name, Task: t.id, Stage: StageStart, Plugin: "sink " + p.sink.Name, Err: err}
	}
	if t.source, err = p.source.NewSource(ctx, srcCfg, tc); err != nil {
		t.source = nil
		return &TaskError{Pipeline: p.name, Task: t.id, Stage: StageStart, Plugin: "source " + p.source.Name, Err: err}
	}
	if p.dlq != nil {
		dtc := tc
		dtc.Logger = t.log.With("dlq", p.dlq.topic)
		if t.dlq, err = p.dlq.plugin.NewSink(ctx, p.dlq.cfg, dtc); err != nil {
			t.dlq = nil
			return &TaskError{Pipeline: p.name, Task: t.id, Stage: StageStart, Plugin: "dead-letter queue sink " + p.dlq.plugin.Name, Err: err}
		}
		if b, ok := t.dlq.(connect.BytesSink); ok {
			t.dlqBytes = b.WantsBytes()
		}
	}
	if b, ok := t.source.(connect.BytesSource); ok {
		t.srcBytes = b.EmitsBytes()
	}
	if b, ok := t.sink.(connect.BytesSink); ok {
		t.sinkBytes = b.WantsBytes()
	}
	if t.srcBytes || t.sinkBytes || t.dlqBytes {
		if t.keyConv, t.valConv, t.hdrConv, err = p.newConverters(ctx); err != nil {
			return &TaskError{Pipeline: p.name, Task: t.id, Stage: StageStart, Plugin: "converters", Err: err}
		}
	}
	t.committer, _ = t.source.(connect.SourceCommitter)
	t.recCommitter, _ = t.source.(connect.RecordCommitter)
	t.putStage = StagePut
	if p.sink.Name == kafkaPlugin && p.kind == connect.KindSource {
		t.putStage = StageKafkaProduce
	}
	return nil
}

func (t *task) closeAll() {
	for _, c := range []any{t.source, t.sink, t.dlq} {
		if cl, ok := c.(io.Closer); ok {
			if err := cl.Close(); err != nil {
				t.log.Warn("close failed", "err", err)
			}
		}
	}
}

func (t *task) run() (err error) {
	t.setState(StateStarting, nil)
	defer t.closeAll()
	if err := t.open(t.hardCtx); err != nil {
		return err
	}
	t.settleState()
	ec := connect.EventContext{Pipeline: t.plan.name, Connector: t.plan.source.Name}
	ctx := connect.WithEventContext(t.hardCtx, ec)
	// Retry sleeps end as soon as a stop is asked for: a batch waiting out a
	// 512-second backoff is abandoned (its offsets were never stored, so it
	// is delivered again after a restart) instead of holding up shutdown.
	retryCtx, cancelRetry := context.WithCancel(t.hardCtx)
	defer cancelRetry()
	go func() {
		select {
		case <-t.stopC:
			cancelRetry()
		case <-retryCtx.Done():
		}
	}()
	t.retryCtx = retryCtx

	pollCtx, cancelPoll := context.WithCancel(t.hardCtx)
	defer cancelPoll()
	t.in = make(chan []*connect.Record, 4) // bounded: a slow sink stops polling
	t.pollErr = make(chan error, 1)
	var pollWG sync.WaitGroup
	pollWG.Add(1)
	go func() {
		defer pollWG.Done()
		t.pollLoop(pollCtx)
	}()
	inFlight := batchesInFlight + t.plan.concurrency - 1
	t.ready, t.free = make(chan *batch, 1), make(chan *batch, inFlight)
	for range inFlight {
		t.free <- &batch{}
	}
	delivered := make(chan struct{})
	var derr error
	go func() {
		defer close(delivered)
		if derr = t.deliverLoop(ctx); derr != nil {
			// The task has failed: a transform waiting out a retry backoff
			// on a later batch must not hold that up (its batch is
			// abandoned, as on a stop).
			cancelRetry()
		}
	}()
	var ln *lanes
	if t.plan.concurrency > 1 {
		ln = t.startLanes(ctx, t.plan.concurrency, delivered)
	}
	err = t.loop(ctx, cancelPoll, delivered, ln)
	cancelPoll()
	// The batches handed over before the loop ended come before anything
	// that failed in it: they are delivered (or abandoned on a stop while
	// paused, or when the budget runs out) before the task returns. With
	// lanes, the collector closes t.ready once they have all come out.
	if ln != nil {
		ln.close()
	} else {
		close(t.ready)
	}
	<-delivered
	if ln != nil {
		ln.wait()
	}
	if derr != nil || errors.Is(err, errDeliveryEnded) {
		// The delivery goroutine failed on an earlier batch than anything
		// the loop saw: its error is the task's.
		err = derr
	}
	// Let the poll goroutine finish: it may be blocked sending to the full
	// channel. What it polled but was not delivered is polled again after a
	// restart, because its offsets were never stored.
	for range t.in {
	}
	pollWG.Wait()
	// Whatever happened, store the offsets of what was flushed: they are
	// correct (never past an unflushed or failed record) and save rework.
	if cerr := t.commit(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// pollLoop calls Poll until ctx is done, feeding t.in.
func (t *task) pollLoop(ctx context.Context) {
	defer close(t.in)
	attempt := 0
	var firstFail time.Time
	empty := 0
	for {
		paused, runC, _ := t.gate.state()
		if paused {
			select {
			case <-runC:
			case <-ctx.Done():
				return
			}
			continue
		}
		recs, err := t.source.Poll(ctx)
		if err != nil && ctx.Err() == nil {
			te := &TaskError{Pipeline: t.plan.name, Task: t.id, Stage: StagePoll, Plugin: "source " + t.srcLabel, Err: err}
			t.noteError(err)
			if !connect.IsRetriable(err) {
				t.pollErr <- te
				return
			}
			attempt++
			if attempt == 1 {
				firstFail = t.clock.Now()
			}
			d, ok := t.plan.retry.nextTransient(attempt, firstFail, t.clock.Now())
			if !ok {
				te.Attempts = attempt
				if !t.plan.tolerateAll {
					t.pollErr <- te
					return
				}
				// Tolerated: log, count, and keep polling after a pause.
				t.m.errors.Inc()
				t.log.Warn("poll failed; tolerated, polling again", "err", err, "attempts", attempt)
				attempt, d = 0, t.plan.retry.maxDelay
			} else {
				t.m.retries.Inc()
			}
			if sleep(ctx, t.clock, d) != nil {
				return
			}
			continue
		}
		attempt = 0
		if len(recs) == 0 {
			if ctx.Err() != nil {
				return
			}
			// Poll should block; a source that returns nothing at once
			// must not spin a core.
			empty++
			if empty > 3 {
				if sleep(ctx, t.clock, time.Duration(min(empty, 100))*time.Millisecond) != nil {
					return
				}
			}
			continue
		}
		empty = 0
		t.m.polled.Add(float64(len(recs)))
		t.polled.Add(int64(len(recs)))
		select {
		case t.in <- recs:
		case <-ctx.Done():
			// The loop has ended (failure or stop) and reads no more; these
			// records were never delivered, so their offsets were never
			// committed and a restart polls them again.
			return
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// loop gathers batches, runs them through the transforms and hands them
// to the delivery goroutine until the poll goroutine ends; with lanes
// (ln != nil) it hands them to the lanes, which transform them. delivered
// is closed when the delivery goroutine has returned (on a failure it
// takes no more batches).
func (t *task) loop(ctx context.Context, cancelPoll context.CancelFunc, delivered <-chan struct{}, ln *lanes) error {
	p := t.plan
	bs := p.batchSize
	b := <-t.free
	var carry []*connect.Record
	var batchT Timer
	var batchC <-chan time.Time
	stopBatchTimer := func() {
		if batchT != nil {
			batchT.Stop()
			batchT, batchC = nil, nil
		}
	}
	defer stopBatchTimer()
	in := t.in
	stopC := t.stopC
	stopping := false
	deliver := func() error {
		stopBatchTimer()
		if len(b.raw) == 0 {
			return nil
		}
		if ln != nil {
			if err := ln.hand(ctx, b, delivered); err != nil {
				return err
			}
		} else {
			if err := t.transform(ctx, b); err != nil {
				return err
			}
			// Hand the batch over and take an empty one: the next batch
			// is transformed while this one is with the sink.
			select {
			case t.ready <- b:
			case <-delivered:
				return errDeliveryEnded
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		select {
		case b = <-t.free:
		case <-delivered:
			return errDeliveryEnded
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	}
	for {
		paused, runC, pausedC := t.gate.state()
		if paused {
			// Move nothing until resumed: records already polled wait here,
			// and their offsets are not stored, so a stop now loses nothing
			// (they are polled again after a restart).
			if stopping {
				return nil
			}
			select {
			case <-runC:
			case <-stopC:
				stopping, stopC = true, nil
				cancelPoll()
			case <-delivered:
				return errDeliveryEnded
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		if len(carry) > 0 {
			n := min(bs-len(b.raw), len(carry))
			b.raw = append(b.raw, carry[:n]...)
			carry = carry[n:]
		}
		if len(b.raw) >= bs || (len(b.raw) > 0 && in == nil) {
			if err := deliver(); err != nil {
				return err
			}
			continue
		}
		if in == nil {
			select {
			case err := <-t.pollErr:
				return err
			default:
				return nil
			}
		}
		if len(b.raw) > 0 && p.batchInterval == 0 {
			// Interval 0: deliver what has gathered, without waiting.
			select {
			case recs, ok := <-in:
				if !ok {
					in = nil
				} else {
					carry = recs
				}
			default:
				if err := deliver(); err != nil {
					return err
				}
			}
			continue
		}
		if len(b.raw) > 0 && batchC == nil {
			batchT = t.clock.NewTimer(p.batchInterval)
			batchC = batchT.C()
		}
		select {
		case recs, ok := <-in:
			if !ok {
				in = nil
			} else {
				carry = recs
			}
		case <-batchC:
			batchT, batchC = nil, nil
			if err := deliver(); err != nil {
				return err
			}
		case <-stopC:
			// Stop polling; the poll goroutine closes in, and what was
			// polled is drained, delivered and committed.
			stopping, stopC = true, nil
			cancelPoll()
		case <-pausedC:
		case <-delivered:
			return errDeliveryEnded
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// transform runs one batch through the source converters, the transforms
// and the sink converters. What is left for the sink is in b.cur.
func (t *task) transform(ctx context.Context, b *batch) error {
	p := t.plan
	t.m.batchSize.Observe(float64(len(b.raw)))
	t0 := time.Now()
	defer func() { t.m.transformTime.Observe(time.Since(t0).Seconds()) }()
	cur, src := b.cur[:0], b.src[:0]
	for i, r := range b.raw {
		cur = append(cur, r)
		src = append(src, int32(i))
	}
	if t.recCommitter != nil {
		for range b.raw {
			b.fate = append(b.fate, fateDelivered)
		}
	}
	var err error
	if t.srcBytes {
		if cur, src, err = t.convertIn(ctx, b, cur, src); err != nil {
			return err
		}
	}
	for _, st := range p.stages {
		if len(cur) == 0 {
			break
		}
		if cur, src, err = t.applyStage(ctx, st, b, cur, src); err != nil {
			return err
		}
	}
	if t.sinkBytes && len(cur) > 0 {
		if cur, src, err = t.convertOut(ctx, b, cur, src); err != nil {
			return err
		}
	}
	b.cur, b.src = cur, src
	return nil
}

// deliver puts a transformed batch to the sink and flushes it, sends its
// dead letters, then marks its records done for the offsets.
func (t *task) deliver(ctx context.Context, b *batch) error {
	if len(b.cur) > 0 {
		if err := t.put(ctx, b, b.cur, b.src); err != nil {
			return err
		}
	}
	if len(b.dlq) > 0 {
		if err := t.flushDLQ(ctx, b); err != nil {
			return err
		}
	}
	// Every record of the batch is delivered, dropped or dead-lettered:
	// only now may the offsets move past them.
	for _, r := range b.raw {
		t.tracker.done(r)
	}
	if t.recCommitter != nil {
		for i, r := range b.raw {
			if err := t.recCommitter.CommitRecord(ctx, r, b.fate[i] == fateDelivered); err != nil {
				t.log.Warn("CommitRecord failed", "err", err, "record", r.Coordinates())
			}
		}
	}
	return nil
}

// applyStage runs one transform over the batch, in place.
func (t *task) applyStage(ctx context.Context, st *stage, b *batch, cur []*connect.Record, src []int32) ([]*connect.Record, []int32, error) {
	if st.bt != nil {
		return t.applyBatchStage(ctx, st, b, cur, src)
	}
	j := 0
	for i, r := range cur {
		// Kafka Connect: the stage applies iff there is no predicate or
		// negate XOR test; otherwise the record passes unchanged.
		if st.pred != nil && st.pred.Test(r) == st.negate {
			cur[j], src[j] = r, src[i]
			j++
			continue
		}
		out, err := st.t.Apply(ctx, r)
		if err != nil {
			out, err = t.retryApply(ctx, st, r, err)
			if err != nil && t.retryCtx.Err() != nil && errors.Is(err, context.Canceled) {
				// A retry wait cut short by a stop: not the record's fault;
				// the batch is abandoned and polled again after a restart.
				// Any other failure during a graceful stop goes through the
				// tolerance like at any other time.
				return nil, nil, err
			}
			if err != nil {
				if ferr := t.tolerate(ctx, b, StageTransformation, st.label, src[i], err); ferr != nil {
					return nil, nil, ferr
				}
				continue
			}
		}
		if out == nil {
			// Dropped: the chain ends for this record, and its offset
			// still counts as done.
			if t.recCommitter != nil {
				b.setFate(src[i], fateDropped)
			}
			continue
		}
		cur[j], src[j] = out, src[i]
		j++
	}
	clear(cur[j:])
	return cur[:j], src[:j], nil
}

func (t *task) retryApply(ctx context.Context, st *stage, r *connect.Record, err error) (*connect.Record, error) {
	start := t.clock.Now()
	for n := 1; connect.IsRetriable(err); n++ {
		d, ok := t.plan.retry.next(n, start, t.clock.Now())
		if !ok {
			return nil, withAttempts(err, n)
		}
		t.m.retries.Inc()
		if serr := t.retryWait(d); serr != nil {
			return nil, serr
		}
		var out *connect.Record
		if out, err = st.t.Apply(ctx, r); err == nil {
			return out, nil
		}
	}
	return nil, err
}

// applyBatchStage runs a BatchTransformation stage. Records the stage does
// not apply to (its predicate says no) keep their place. Each maximal run
// of consecutive records it applies to goes to one ApplyBatch call, and
// that call's outputs take the run's place. This is the only placement
// that keeps the order per-record semantics gives without knowing which
// input an output came from (a BatchTransformation may merge or split): an
// output can sit nowhere but between the unselected neighbours of its run.
// With no predicate the whole batch is one run (one call). The price: a
// transform that merges sees the batch cut at every record its predicate
// skips.
//
// Attribution, for the DLQ and CommitRecord: outputs of a one-record run
// belong to that record. A transform that implements
// connect.BatchProvenance says which input each output came from, and
// such an output belongs to that input alone. Any other output of a
// longer run belongs to all of the run's inputs (a group, see attribute),
// so if it fails every input of the run is dead-lettered (or named in the
// task's error) rather than a guessed one. Offsets are unaffected: every
// input of a batch counts as done only once every output of the batch is
// delivered.
func (t *task) applyBatchStage(ctx context.Context, st *stage, b *batch, cur []*connect.Record, src []int32) ([]*connect.Record, []int32, error) {
	if st.pred == nil {
		return t.applyBatchRun(ctx, st, b, cur, src, nil, nil)
	}
	sel := make([]bool, len(cur))
	some := false
	for i, r := range cur {
		// Kafka Connect: the stage applies iff negate XOR test.
		sel[i] = st.pred.Test(r) != st.negate
		some = some || sel[i]
	}
	if !some {
		return cur, src, nil
	}
	res := make([]*connect.Record, 0, len(cur))
	resSrc := make([]int32, 0, len(cur))
	for i := 0; i < len(cur); {
		if !sel[i] {
			res, resSrc = append(res, cur[i]), append(resSrc, src[i])
			i++
			continue
		}
		j := i + 1
		for j < len(cur) && sel[j] {
			j++
		}
		var err error
		if res, resSrc, err = t.applyBatchRun(ctx, st, b, cur[i:j], src[i:j], res, resSrc); err != nil {
			return nil, nil, err
		}
		i = j
	}
	return res, resSrc, nil
}

// applyBatchRun calls ApplyBatch on run (retrying retriable errors) and
// appends its outputs, attributed to the run's inputs, to res.
func (t *task) applyBatchRun(ctx context.Context, st *stage, b *batch, run []*connect.Record, runSrc []int32, res []*connect.Record, resSrc []int32) ([]*connect.Record, []int32, error) {
	outs, from, err := applyBatch(ctx, st, run)
	if err != nil && connect.IsRetriable(err) {
		start := t.clock.Now()
		for n := 1; err != nil && connect.IsRetriable(err); n++ {
			d, ok := t.plan.retry.next(n, start, t.clock.Now())
			if !ok {
				err = withAttempts(err, n)
				break
			}
			t.m.retries.Inc()
			if serr := t.retryWait(d); serr != nil {
				return nil, nil, serr
			}
			outs, from, err = applyBatch(ctx, st, run)
		}
	}
	if err != nil {
		for _, s := range runSrc {
			if ferr := t.tolerate(ctx, b, StageTransformation, st.label, s, err); ferr != nil {
				return nil, nil, ferr
			}
		}
		return res, resSrc, nil
	}
	n := 0
	for _, o := range outs {
		if o != nil {
			n++
		}
	}
	if n == 0 {
		// Every input dropped: the chain ends for them.
		if t.recCommitter != nil {
			for _, s := range runSrc {
				b.setFate(s, fateDropped)
			}
		}
		return res, resSrc, nil
	}
	if len(from) != len(outs) {
		from = nil // the transform cannot tell: every output is the run's
	}
	whole := int32(0) // the run's group, made on first use
	haveWhole := false
	var produced []bool // per input of the run: has an output of its own
	if t.recCommitter != nil && from != nil {
		produced = make([]bool, len(run))
	}
	if res == nil {
		res, resSrc = make([]*connect.Record, 0, n), make([]int32, 0, n)
	}
	for i, o := range outs {
		if o == nil {
			continue
		}
		if from != nil && from[i] >= 0 && from[i] < len(run) {
			res, resSrc = append(res, o), append(resSrc, runSrc[from[i]])
			if produced != nil {
				produced[from[i]] = true
			}
			continue
		}
		if !haveWhole {
			whole, haveWhole = b.attribute(runSrc), true
		}
		res, resSrc = append(res, o), append(resSrc, whole)
	}
	if produced != nil && !haveWhole {
		// Every output has its own input: an input with none was dropped.
		for i, p := range produced {
			if !p {
				b.setFate(runSrc[i], fateDropped)
			}
		}
	}
	return res, resSrc, nil
}

// applyBatch calls the stage's ApplyBatch, or ApplyBatchFrom when the
// transform can say which input each output came from (from is nil when
// it cannot).
func applyBatch(ctx context.Context, st *stage, run []*connect.Record) ([]*connect.Record, []int, error) {
	if bp, ok := st.bt.(connect.BatchProvenance); ok {
		return bp.ApplyBatchFrom(ctx, run)
	}
	outs, err := st.bt.ApplyBatch(ctx, run)
	return outs, nil, err
}

// retryWait sleeps d before a retry, then, if the pipeline was paused
// meanwhile, until it is resumed: a paused pipeline moves nothing, and a
// retry is a new attempt to move records (Kafka Connect, too, redelivers a
// failed put only once the task runs again). It returns an error when the
// task is asked to stop first; the batch is then abandoned, not marked
// done, and polled again after a restart.
func (t *task) retryWait(d time.Duration) error {
	if err := sleep(t.retryCtx, t.clock, d); err != nil {
		return err
	}
	for {
		paused, runC, _ := t.gate.state()
		if !paused {
			return nil
		}
		select {
		case <-runC:
		case <-t.retryCtx.Done():
			return t.retryCtx.Err()
		}
	}
}

type attemptsErr struct {
	error
	n int
}

func (a attemptsErr) Unwrap() error { return a.error }

func withAttempts(err error, n int) error { return attemptsErr{err, n} }

func attemptsOf(err error) int {
	var a attemptsErr
	if errors.As(err, &a) {
		return a.n
	}
	return 1
}

// tolerate applies errors.tolerance to one failed record, given by its
// src value (the raw records behind it: one, or the inputs a batch
// transform merged): with none the task fails (a *TaskError naming stage,
// plugin and record); with all each record behind it is logged,
// dead-lettered if a DLQ is set, and skipped, once per batch however many
// of its outputs failed.
func (t *task) tolerate(ctx context.Context, b *batch, stageName, plugin string, idx int32, err error) error {
	if cerr := t.hardCtx.Err(); cerr != nil {
		// The shutdown budget ran out and cancelled the call: not the
		// record's fault; its offset is not stored and it is redelivered.
		return cerr
	}
	t.m.errors.Inc()
	t.noteError(err)
	members := b.appendMembers(nil, idx)
	if !t.plan.tolerateAll {
		coords := b.raw[members[0]].Coordinates()
		if len(members) > 1 {
			coords += fmt.Sprintf(" and the %d records after it that a batch transform merged with it", len(members)-1)
		}
		return &TaskError{Pipeline: t.plan.name, Task: t.id, Stage: stageName, Plugin: plugin, Record: coords, Attempts: attemptsOf(err), Err: err}
	}
	for _, m := range members {
		if b.tolerated == nil {
			b.tolerated = map[int32]bool{}
		}
		if b.tolerated[m] {
			continue // another output of the same record failed too
		}
		b.tolerated[m] = true
		orig := b.raw[m]
		t.m.skipped.Inc()
		t.skipped.Add(1)
		if t.plan.logErrors {
			attrs := []any{"stage", stageName, "plugin", plugin, "err", err}
			if t.plan.logMessages {
				attrs = append(attrs, "record", orig.Coordinates(), "key", fmt.Sprint(orig.Key), "value", fmt.Sprint(orig.Value),
					"headers", fmt.Sprint(orig.Headers), "source_partition", orig.SourcePartition, "source_offset", orig.SourceOffset)
			}
			t.log.Error("record failed; tolerated (errors.tolerance=all)", attrs...)
		}
		if t.recCommitter != nil {
			b.fate[m] = fateDead
		}
		if t.plan.dlq != nil {
			b.dlq = append(b.dlq, t.dlqRecord(orig, stageName, plugin, err))
		}
	}
	return nil
}

// dlqRecord is the original record as polled, sent to the DLQ topic, with
// Kafka Connect's __connect.errors.* headers when enabled.
func (t *task) dlqRecord(orig *connect.Record, stageName, plugin string, err error) *connect.Record {
	d := orig.Clone()
	d.Topic = t.plan.dlq.topic
	d.Partition = connect.UnassignedPartition
	if !t.plan.dlq.headers {
		return d
	}
	topic, part, off := orig.Topic, orig.Partition, ""
	if orig.Origin.IsSet() {
		topic, part, off = orig.Origin.Topic, orig.Origin.Partition, strconv.FormatInt(orig.Origin.Offset, 10)
	}
	root := rootCause(err)
	h := d.Headers
	h = h.Add("__connect.errors.topic", connect.StringSchema, topic)
	h = h.Add("__connect.errors.partition", connect.StringSchema, strconv.Itoa(int(part)))
	if off != "" {
		h = h.Add("__connect.errors.offset", connect.StringSchema, off)
	}
	h = h.Add("__connect.errors.connector.name", connect.StringSchema, t.plan.name)
	h = h.Add("__connect.errors.task.id", connect.StringSchema, strconv.Itoa(t.id))
	h = h.Add("__connect.errors.stage", connect.StringSchema, stageName)
	h = h.Add("__connect.errors.class.name", connect.StringSchema, plugin)
	h = h.Add("__connect.errors.exception.class.name", connect.StringSchema, fmt.Sprintf("%T", root))
	h = h.Add("__connect.errors.exception.message", connect.StringSchema, err.Error())
	h = h.Add("__connect.errors.exception.stacktrace", connect.StringSchema, trace(err))
	d.Headers = h
	return d
}

func (t *task) flushDLQ(ctx context.Context, b *batch) error {
	recs := b.dlq
	if t.dlqBytes {
		conv := make([]*connect.Record, 0, len(recs))
		for _, r := range recs {
			c, err := t.toBytes(r)
			if err != nil {
				t.m.dlqFail.Inc()
				return &TaskError{Pipeline: t.plan.name, Task: t.id, Stage: StageDeadLetter, Plugin: "dead-letter queue converters", Record: r.Coordinates(), Err: err}
			}
			conv = append(conv, c)
		}
		recs = conv
	}
	t.m.dlqReq.Add(float64(len(recs)))
	start := t.clock.Now()
	for n := 1; ; n++ {
		err := t.dlq.Put(ctx, recs)
		if err == nil {
			err = t.dlq.Flush(ctx)
		}
		if err == nil {
			return nil
		}
		t.noteError(err)
		d, ok := t.plan.retry.next(n, start, t.clock.Now())
		if connect.IsPermanent(err) || !ok {
			t.m.dlqFail.Add(float64(len(recs)))
			// A record that cannot be dead-lettered must not be dropped.
			return &TaskError{Pipeline: t.plan.name, Task: t.id, Stage: StageDeadLetter, Plugin: "dead-letter queue sink " + t.plan.dlq.plugin.Name + " topic " + t.plan.dlq.topic, Attempts: n, Err: err}
		}
		t.m.retries.Inc()
		if err := t.retryWait(d); err != nil {
			return err
		}
	}
}

// put hands the batch to the sink and flushes it, retrying failures under
// the policy (all but Permanent errors); records still failing go through
// the tolerance.
func (t *task) put(ctx context.Context, b *batch, recs []*connect.Record, src []int32) error {
	var start time.Time
	attempt := 0
	for {
		attempt++
		t0 := time.Now()
		err := t.sink.Put(ctx, recs)
		var re connect.RecordErrors
		if err == nil || errors.As(err, &re) {
			ferr := t.sink.Flush(ctx)
			if ferr != nil {
				var fre connect.RecordErrors
				if err == nil || errors.As(ferr, &fre) {
					if err == nil {
						err = ferr
					} else {
						err = append(re, fre...)
					}
				} else {
					err = ferr
				}
			}
		}
		t.m.putTime.Observe(time.Since(t0).Seconds())
		if err == nil {
			t.m.delivered.Add(float64(len(recs)))
			t.delivered.Add(int64(len(recs)))
			// Lag from the batch's last record: one gauge write per batch.
			if ts := recs[len(recs)-1].Timestamp; !ts.IsZero() {
				t.m.lag.Set(t.clock.Now().Sub(ts).Seconds())
			}
			return nil
		}
		t.noteError(err)
		failed := recs
		re = nil
		if errors.As(err, &re) && len(re) > 0 {
			idx := make(map[*connect.Record]int, len(recs))
			for i, r := range recs {
				idx[r] = i
			}
			var fs []*connect.Record
			var fsrc []int32
			for _, e := range re {
				if i, ok := idx[e.Record]; ok {
					fs, fsrc = append(fs, recs[i]), append(fsrc, src[i])
				}
			}
			if len(fs) > 0 {
				ok := len(recs) - len(fs)
				t.m.delivered.Add(float64(ok))
				t.delivered.Add(int64(ok))
				failed, src = fs, fsrc
			}
		}
		// Decide per record: a record whose own error is permanent skips the
		// retries, but must not take its batch-mates' retries with it.
		if len(re) > 0 {
			var keep []*connect.Record
			var keepSrc []int32
			var keepRE connect.RecordErrors
			for i, r := range failed {
				rerr := err
				for _, e := range re {
					if e.Record == r {
						rerr = e.Err
					}
				}
				if connect.IsPermanent(rerr) {
					if ferr := t.tolerate(ctx, b, t.putStage, "sink "+t.sinkLabel, src[i], withAttempts(rerr, attempt)); ferr != nil {
						return ferr
					}
					continue
				}
				keep, keepSrc = append(keep, r), append(keepSrc, src[i])
				keepRE = append(keepRE, connect.RecordError{Record: r, Err: rerr})
			}
			if len(keep) == 0 {
				return nil
			}
			failed, src, re, err = keep, keepSrc, keepRE, keepRE
		}
		if attempt == 1 {
			start = t.clock.Now()
		}
		next := t.plan.retry.next
		if connect.IsRetriable(err) {
			next = t.plan.retry.nextTransient
		}
		d, ok := next(attempt, start, t.clock.Now())
		if connect.IsPermanent(err) || !ok {
			for i, r := range failed {
				rerr := err
				for _, e := range re {
					if e.Record == r {
						rerr = e.Err
					}
				}
				if ferr := t.tolerate(ctx, b, t.putStage, "sink "+t.sinkLabel, src[i], withAttempts(rerr, attempt)); ferr != nil {
					return ferr
				}
			}
			return nil
		}
		t.m.retries.Inc()
		if err := t.retryWait(d); err != nil {
			return err
		}
		recs = failed
	}
}

// commit stores the offsets of every record done so far, then tells the
// source (SourceCommitter) what was stored.
func (t *task) commit() error {
	if t.tracker.bad != nil {
		return &TaskError{Pipeline: t.plan.name, Task: t.id, Stage: StageCommit, Plugin: "source " + t.srcLabel, Err: t.tracker.bad}
	}
	pending := t.tracker.pending()
	if len(pending) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.hardCtx), t.w.cfg.OffsetFlushTimeout)
	defer cancel()
	t0 := time.Now()
	st, err := t.w.offsetStore(ctx)
	if err == nil {
		err = st.Put(ctx, t.plan.name, pending)
	}
	t.m.commitTime.Observe(time.Since(t0).Seconds())
	if err != nil {
		// Kept for the next try; not fatal (Kafka Connect logs and retries).
		t.m.commitFail.Inc()
		t.noteError(err)
		t.log.Warn("offset commit failed; retrying at the next interval", "err", err)
		return nil
	}
	t.m.commitOK.Inc()
	t.tracker.stored(pending)
	if t.committer != nil {
		var all []connect.SourceOffset
		for _, p := range t.tracker.parts {
			all = append(all, connect.SourceOffset{Partition: p.partition, Offset: p.offset})
		}
		if err := t.committer.Commit(ctx, all); err != nil {
			t.noteError(err)
			t.log.Warn("source commit failed", "err", err)
		}
	}
	return nil
}

func copyProps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
