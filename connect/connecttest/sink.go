package connecttest

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inletdev/inlet/connect"
)

// Sink is an in-memory connect.SinkTask that collects records. Put buffers
// them; Flush makes them "durable" (Records). Failures can be injected for
// Put and Flush, for whole calls or for chosen records. Its methods are safe
// for concurrent use, so a test may inspect it while the runtime runs.
type Sink struct {
	mu       sync.Mutex
	cond     *sync.Cond
	pending  []*connect.Record
	flushed  []*connect.Record
	puts     int
	flushes  int
	closed   int
	putErrs  []error
	flushErr []error
	failRec  func(*connect.Record) error
	bytes    bool
	config   connect.Config
	putDelay time.Duration
}

// NewSink returns an empty collecting sink.
func NewSink() *Sink {
	s := &Sink{}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// WithBytes makes the sink a connect.BytesSink that wants bytes (the
// runtime then applies the pipeline's converters before Put).
func (s *Sink) WithBytes(b bool) *Sink { s.mu.Lock(); s.bytes = b; s.mu.Unlock(); return s }

// WantsBytes implements connect.BytesSink.
func (s *Sink) WantsBytes() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.bytes }

// FailPut makes the next Put calls fail with these errors, one per call; the
// batch of a failed call is not accepted.
func (s *Sink) FailPut(errs ...error) {
	s.mu.Lock()
	s.putErrs = append(s.putErrs, errs...)
	s.mu.Unlock()
}

// FailFlush makes the next Flush calls fail with these errors, one per call;
// a failed Flush keeps the pending records pending.
func (s *Sink) FailFlush(errs ...error) {
	s.mu.Lock()
	s.flushErr = append(s.flushErr, errs...)
	s.mu.Unlock()
}

// FailRecords makes Put reject each record for which f returns an error,
// reporting them in a connect.RecordErrors; the other records are accepted.
// f(nil) is never called. Pass nil to stop.
func (s *Sink) FailRecords(f func(*connect.Record) error) {
	s.mu.Lock()
	s.failRec = f
	s.mu.Unlock()
}

// SlowPut makes every Put sleep d (or until its ctx is done), to create
// backpressure.
func (s *Sink) SlowPut(d time.Duration) { s.mu.Lock(); s.putDelay = d; s.mu.Unlock() }

// Put buffers records until Flush.
func (s *Sink) Put(ctx context.Context, records []*connect.Record) error {
	s.mu.Lock()
	delay := s.putDelay
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.puts++
	if len(s.putErrs) > 0 {
		err := s.putErrs[0]
		s.putErrs = s.putErrs[1:]
		return err
	}
	var rerrs connect.RecordErrors
	for _, r := range records {
		if s.failRec != nil {
			if err := s.failRec(r); err != nil {
				rerrs = append(rerrs, connect.RecordError{Record: r, Err: err})
				continue
			}
		}
		s.pending = append(s.pending, r)
	}
	if len(rerrs) > 0 {
		return rerrs
	}
	return nil
}

// Flush makes every pending record durable.
func (s *Sink) Flush(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushes++
	if len(s.flushErr) > 0 {
		err := s.flushErr[0]
		s.flushErr = s.flushErr[1:]
		return err
	}
	s.flushed = append(s.flushed, s.pending...)
	s.pending = s.pending[:0]
	s.cond.Broadcast()
	return nil
}

// Close counts its calls; it is idempotent.
func (s *Sink) Close() error { s.mu.Lock(); s.closed++; s.mu.Unlock(); return nil }

// Records returns the flushed records, in order.
func (s *Sink) Records() []*connect.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*connect.Record(nil), s.flushed...)
}

// Pending returns records put but not yet flushed.
func (s *Sink) Pending() []*connect.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*connect.Record(nil), s.pending...)
}

// Len is how many records have been flushed.
func (s *Sink) Len() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.flushed) }

// Calls returns how many times Put, Flush and Close were called.
func (s *Sink) Calls() (puts, flushes, closes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.puts, s.flushes, s.closed
}

// Config is the configuration the sink was opened with, when it was made by
// a plugin registered with RegisterSink.
func (s *Sink) Config() connect.Config { s.mu.Lock(); defer s.mu.Unlock(); return s.config }

// WaitFor waits until at least n records are flushed or timeout passes, and
// reports whether they were.
func (s *Sink) WaitFor(n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	// sync.Cond has no timeout: wake the waiter when the deadline passes
	stop := time.AfterFunc(timeout, func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer stop.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.flushed) < n {
		if !time.Now().Before(deadline) {
			return false
		}
		s.cond.Wait()
	}
	return true
}

// Discard is a sink that counts records and drops them, allocation-free, for
// benchmarks. Safe for concurrent use.
type Discard struct {
	records atomic.Int64
	flushes atomic.Int64
}

// NewDiscard returns a discarding sink.
func NewDiscard() *Discard { return &Discard{} }

// Put counts the records.
func (d *Discard) Put(_ context.Context, records []*connect.Record) error {
	d.records.Add(int64(len(records)))
	return nil
}

// Flush counts its calls.
func (d *Discard) Flush(context.Context) error { d.flushes.Add(1); return nil }

// Count is how many records Put has seen.
func (d *Discard) Count() int64 { return d.records.Load() }

// Flushes is how many times Flush was called.
func (d *Discard) Flushes() int64 { return d.flushes.Load() }
