package worker

import (
	"context"
	"sync"
)

// maxConcurrency bounds batch.transform.concurrency: each lane holds a
// batch, and past a few lanes a task only holds more memory.
const maxConcurrency = 16

// With batch.transform.concurrency = k > 1, a task transforms k batches at
// once. The task loop hands its batches to k lanes in turn (batch i to lane
// i mod k); each lane runs its batches through the whole chain on its own
// goroutine; a collector takes the lanes' batches back in the same turn
// and passes them to the delivery goroutine. The turn alone keeps the
// order, with no sequence numbers: batch i+1 is never read from its lane
// before batch i.
//
// Transforms, predicates and converters are then called concurrently,
// which their contracts allow (connect.Transformation, Predicate,
// Converter, HeaderConverter: "safe for concurrent use"); what the lanes buy is overlap: a transform that waits
// on a remote call (HttpFunction) no longer holds up every batch behind
// it, and a second core can work on the chain.
//
// A batch whose transform fails carries the error to the delivery
// goroutine (batch.err), which fails the task when it reaches it: every
// batch before it is delivered first, as with one lane, and the batches
// after it, transformed or not, are abandoned (their offsets are not
// stored, so they are polled again).
type lanes struct {
	in   []chan *batch // to each lane, from the task loop
	out  []chan *batch // from each lane, to the collector
	next int           // the lane the task loop hands its next batch to
	wg   sync.WaitGroup
}

// startLanes starts k lanes and the collector, which closes t.ready when
// the lanes are done. delivered is closed when the delivery goroutine has
// returned: nothing more is taken from the lanes then.
func (t *task) startLanes(ctx context.Context, k int, delivered <-chan struct{}) *lanes {
	l := &lanes{in: make([]chan *batch, k), out: make([]chan *batch, k)}
	for i := range k {
		// Unbuffered in: a batch waits in the task loop, not in a lane;
		// out holds one, so a lane can start its next batch while the
		// collector waits for an earlier lane.
		l.in[i], l.out[i] = make(chan *batch), make(chan *batch, 1)
		l.wg.Add(1)
		go func(in <-chan *batch, out chan<- *batch) {
			defer l.wg.Done()
			defer close(out)
			for b := range in {
				select {
				case <-delivered:
					// The task has failed: this batch would be abandoned;
					// do not call the transforms for it.
					return
				default:
				}
				b.err = t.transform(ctx, b)
				select {
				case out <- b:
				case <-delivered:
					return
				}
			}
		}(l.in[i], l.out[i])
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer close(t.ready)
		for i := 0; ; i = (i + 1) % k {
			b, ok := <-l.out[i]
			if !ok {
				// Batches went to the lanes in turn: when this lane has
				// no more, no later lane has one either.
				return
			}
			select {
			case t.ready <- b:
			case <-delivered:
				return
			}
		}
	}()
	return l
}

// hand gives b to the next lane. It fails when the delivery goroutine has
// ended or ctx is done.
func (l *lanes) hand(ctx context.Context, b *batch, delivered <-chan struct{}) error {
	select {
	case <-delivered: // preferred to a free lane: the batch would be abandoned
		return errDeliveryEnded
	default:
	}
	select {
	case l.in[l.next] <- b:
	case <-delivered:
		return errDeliveryEnded
	case <-ctx.Done():
		return ctx.Err()
	}
	l.next = (l.next + 1) % len(l.in)
	return nil
}

// close tells the lanes no more batches come; each finishes what it holds.
// run calls it once, after the task loop has returned.
func (l *lanes) close() {
	for _, c := range l.in {
		close(c)
	}
}

// wait returns when the lanes and the collector have returned.
func (l *lanes) wait() { l.wg.Wait() }
