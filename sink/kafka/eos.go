package kafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/kafkaclient"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Exactly once (KIP-618 semantics, standalone too). The runtime's contract
// is Put then Flush per batch, with each record's source offset on it; the
// sink turns every Put…Flush into one transaction holding the records and,
// written last, the highest source offset of each source partition in the
// batch, to the worker's offsets topic in Kafka Connect's format. Commit
// makes both visible at once; a crash before it leaves neither for a
// read_committed reader, and the restarted task (same transactional id)
// fences the old producer, aborts its transaction and resumes from the
// committed offsets, which the worker's Kafka offset store reads with
// read_committed.

func (s *Sink) openTxn(ctx context.Context, worker map[string]string) error {
	parts, rf := int32(25), int16(3)
	if v := worker["offset.storage.partitions"]; v != "" {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32); err == nil {
			parts = int32(n)
		}
	}
	if v := worker["offset.storage.replication.factor"]; v != "" {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 16); err == nil {
			rf = int16(n)
		}
	}
	if err := kafkaclient.EnsureOffsetsTopic(ctx, s.adm, s.offsetTopic, parts, rf); err != nil {
		return err
	}
	// Initializing the producer id bumps the epoch of the transactional id:
	// an older instance is fenced and its open transaction aborted now,
	// before the source reads its starting offsets.
	if _, _, err := s.cl.ProducerID(ctx); err != nil {
		return classify(fmt.Errorf("kafka sink: init transactional producer %s-…: %w", s.pipeline, err))
	}
	return nil
}

func (s *Sink) begin() error {
	if err := s.cl.BeginTransaction(); err != nil {
		return classify(fmt.Errorf("kafka sink: begin transaction: %w", err))
	}
	s.inTxn = true
	s.txnOffsets = map[string]connect.SourceOffset{}
	s.txnOrder = s.txnOrder[:0]
	s.txnStopped = map[string]bool{}
	s.txnBroken = false
	return nil
}

// noteOffset records r's source offset as its partition's latest, unless
// an earlier record of that partition failed in this batch: offsets never
// move past a record that was not delivered.
func (s *Sink) noteOffset(r *connect.Record) {
	if r.SourceOffset == nil {
		return
	}
	k := kafkaclient.CanonicalKey("", r.SourcePartition)
	if s.txnStopped[k] {
		return
	}
	if _, ok := s.txnOffsets[k]; !ok {
		s.txnOrder = append(s.txnOrder, k)
	}
	s.txnOffsets[k] = connect.SourceOffset{Partition: r.SourcePartition, Offset: r.SourceOffset}
}

func (s *Sink) stopOffsets(r *connect.Record) {
	if r.SourceOffset != nil {
		s.txnStopped[kafkaclient.CanonicalKey("", r.SourcePartition)] = true
	}
}

func (s *Sink) commitTxn(ctx context.Context) error {
	if !s.inTxn {
		return nil
	}
	for _, k := range s.txnOrder {
		o := s.txnOffsets[k]
		rec, err := kafkaclient.OffsetRecord(s.offsetTopic, s.pipeline, o)
		if err != nil {
			_ = s.abort(ctx)
			return connect.Permanent(fmt.Errorf("kafka sink: %w", err))
		}
		rec.Context = s.recCtx
		s.cl.Produce(ctx, rec, func(_ *kgo.Record, err error) {
			if err != nil {
				s.mu.Lock()
				s.failed = append(s.failed, connect.RecordError{Err: fmt.Errorf("write source offsets to %q: %w", s.offsetTopic, err)})
				s.mu.Unlock()
			}
		})
	}
	ferr := s.flushTxn(ctx)
	s.mu.Lock()
	failed := s.failed
	s.failed = nil
	s.mu.Unlock()
	if ferr == nil && len(failed) > 0 {
		ferr = failed[0].Err
	}
	if ferr != nil {
		// One transaction: if any record failed, none may become visible,
		// so the whole batch fails (not RecordErrors) and is retried.
		aerr := s.abort(ctx)
		return classify(errors.Join(fmt.Errorf("kafka sink: transaction aborted, batch not delivered: %w", ferr), aerr))
	}
	if err := s.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		if isFenced(err) {
			s.inTxn = false
			return classify(err)
		}
		aerr := s.abort(ctx)
		return classify(errors.Join(fmt.Errorf("kafka sink: commit transaction: %w", err), aerr))
	}
	s.inTxn = false
	return nil
}

// flushTxn is flush plus a watch for fencing: franz-go can leave records
// buffered forever once its producer id failed fatally (seen when the
// fence lands while a topic's metadata is loading), so while Flush waits
// we ask for the producer id, which reports that failure at once. Asking
// cannot fence the newer instance: the broker rejects an InitProducerID
// that carries our stale epoch (KIP-360).
func (s *Sink) flushTxn(ctx context.Context) error {
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var fenced error
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-fctx.Done():
				return
			case <-tick.C:
			}
			pctx, pcancel := context.WithTimeout(fctx, time.Second)
			_, _, err := s.cl.ProducerID(pctx)
			pcancel()
			if err != nil && isFenced(err) {
				fenced = err
				cancel()
				return
			}
		}
	}()
	err := s.flush(fctx)
	cancel()
	<-done
	if fenced != nil {
		return fenced
	}
	return err
}

func (s *Sink) abort(ctx context.Context) error {
	s.inTxn = false
	if err := s.cl.AbortBufferedRecords(ctx); err != nil {
		return fmt.Errorf("kafka sink: abort buffered records: %w", err)
	}
	if err := s.cl.EndTransaction(ctx, kgo.TryAbort); err != nil && !errors.Is(err, kerr.OperationNotAttempted) {
		return fmt.Errorf("kafka sink: abort transaction: %w", err)
	}
	return nil
}
