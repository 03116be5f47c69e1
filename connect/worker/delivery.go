package worker

import (
	"context"
	"slices"

	"github.com/inletdev/inlet/connect"
)

// batchesInFlight is how many batches a task holds at once with one lane:
// one being gathered and transformed by the task loop, one waiting, one
// with the sink. Transforming the next batch while the sink waits for its
// endpoint is what lets a task use a second core; more would only hold
// memory. Each further lane (batch.transform.concurrency) adds one.
const batchesInFlight = 3

// batch is one batch on its way through a task, with what follows it
// from the transforms to the sink. The task loop fills it and hands it to
// the delivery goroutine through t.ready, which returns it through t.free:
// one goroutine owns it at a time.
type batch struct {
	raw []*connect.Record // as polled
	cur []*connect.Record // what the transforms made of them, for the sink
	src []int32           // per cur record: its raw index, or a group (see attribute)
	// Per raw record, when the source is a RecordCommitter:
	// fateDelivered, fateDropped or fateDead.
	fate []uint8
	// The raw records behind outputs a BatchTransformation made from
	// several inputs (src value -(i+1) is groups[i]).
	groups    [][]int32
	tolerated map[int32]bool    // raw records already dead-lettered or logged
	dlq       []*connect.Record // dead letters, sent before the batch counts as done
	// err is why a lane could not transform the batch (lanes.go): the
	// task fails when the delivery goroutine reaches it.
	err error
}

// reset empties b for reuse, dropping its references so delivered records
// can be collected.
func (b *batch) reset() {
	clear(b.raw)
	clear(b.cur[:cap(b.cur)])
	clear(b.dlq)
	clear(b.groups)
	b.raw, b.cur, b.src, b.fate, b.groups, b.dlq = b.raw[:0], b.cur[:0], b.src[:0], b.fate[:0], b.groups[:0], b.dlq[:0]
	b.err = nil
	if b.tolerated != nil {
		clear(b.tolerated)
	}
}

// deliverLoop is the task's delivery goroutine: it puts the batches the
// task loop hands over, in order, and stores offsets every
// offset.flush.interval.ms. It owns the offset tracker while it runs. It
// returns when t.ready is closed and drained, on a failure, or when the
// task is stopped while paused (the batches it holds are then abandoned:
// their offsets are not stored, so they are polled again).
func (t *task) deliverLoop(ctx context.Context) error {
	commitT := t.clock.NewTimer(t.w.cfg.OffsetFlushInterval)
	defer func() { commitT.Stop() }()
	commit := func() error {
		if err := t.commit(); err != nil {
			return err
		}
		commitT = t.clock.NewTimer(t.w.cfg.OffsetFlushInterval)
		return nil
	}
	for {
		select {
		case b, ok := <-t.ready:
			if !ok {
				return nil
			}
			if b.err != nil {
				// Every batch before it is delivered; it and those after
				// it are not, so their offsets stay.
				return b.err
			}
			// A paused pipeline moves nothing, not even a batch that was
			// transformed before the pause.
			for {
				paused, runC, _ := t.gate.state()
				if !paused {
					break
				}
				select {
				case <-runC:
				case <-commitT.C():
					if err := commit(); err != nil {
						return err
					}
				case <-t.retryCtx.Done():
					return nil // stopped while paused: abandon what is held
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			err := t.deliver(ctx, b)
			b.reset()
			t.free <- b // never blocks: there are only batchesInFlight batches
			if err != nil {
				return err
			}
			// A backlog keeps this goroutine busy batch after batch, so
			// the timer is checked here too: offsets move on while a
			// backlog drains, and a crash mid-drain repeats at most one
			// flush interval's worth.
			select {
			case <-commitT.C():
				if err := commit(); err != nil {
					return err
				}
			default:
			}
		case <-commitT.C():
			if err := commit(); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// attribute returns the src value for outputs made from the inputs srcs:
// the input's raw index when there is one, else a group of every raw
// record behind them, coded as -(group index + 1).
func (b *batch) attribute(srcs []int32) int32 {
	if len(srcs) == 1 {
		return srcs[0]
	}
	var members []int32
	for _, s := range srcs {
		members = b.appendMembers(members, s)
	}
	if !slices.IsSorted(members) { // inputs in poll order are already sorted
		slices.Sort(members)
	}
	members = slices.Compact(members)
	b.groups = append(b.groups, members)
	return -int32(len(b.groups))
}

// appendMembers appends the raw indexes behind a src value.
func (b *batch) appendMembers(dst []int32, s int32) []int32 {
	if s >= 0 {
		return append(dst, s)
	}
	return append(dst, b.groups[-s-1]...)
}

// setFate records what became of the raw records behind a src value.
func (b *batch) setFate(s int32, f uint8) {
	if s >= 0 {
		b.fate[s] = f
		return
	}
	for _, m := range b.groups[-s-1] {
		b.fate[m] = f
	}
}
