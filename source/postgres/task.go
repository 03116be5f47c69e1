package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inletdev/inlet/connect"
)

// Task is the connector's one task. One goroutine (run) owns the
// connections: it snapshots, streams, answers keepalives and reconnects;
// Poll takes the records it queued; Commit records what may be confirmed.
type Task struct {
	s   *settings
	tc  connect.TaskContext
	log *slog.Logger
	now func() time.Time

	queue chan []*connect.Record // bounded: max.queue.size records in batches
	done  chan struct{}          // closed when run returns
	err   error                  // why run stopped (read after done)

	cancel context.CancelFunc
	wg     sync.WaitGroup

	// confirmed is the LSN the runtime has durably committed: the only LSN
	// ever sent to the server as flushed.
	confirmed atomic.Uint64
	// committedLSN is the highest "lsn" of a committed offset: when it
	// reaches the last emitted event, every event was delivered.
	committedLSN atomic.Uint64

	dec *Decoder
	// resume position read from the stored offset at open
	stored        map[string]any
	closeOnce     sync.Once
	snapshotDone  bool
	streamingOnly bool // initial_only finished: nothing more to do
	rest          []*connect.Record
}

// Open validates the configuration, checks the server (wal_level,
// privileges, publication) so common mistakes fail at once with a clear
// error, and starts the replication loop.
func Open(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (*Task, error) {
	s, err := newSettings(cfg)
	if err != nil {
		return nil, err
	}
	if tc.Logger == nil {
		tc.Logger = slog.Default()
	}
	if tc.Now == nil {
		tc.Now = time.Now
	}
	if tc.Progress == nil {
		tc.Progress = func(connect.Progress) {}
	}
	t := &Task{s: s, tc: tc, log: tc.Logger.With("connector", "postgres", "server", s.prefix), now: tc.Now,
		done: make(chan struct{})}
	batches := s.maxQueue / s.maxBatch
	if batches < 1 {
		batches = 1
	}
	t.queue = make(chan []*connect.Record, batches)

	if tc.Offsets != nil {
		off, err := tc.Offsets.Offset(map[string]any{"server": s.prefix})
		if err != nil {
			return nil, fmt.Errorf("postgres: read the stored offset: %w", err)
		}
		t.stored = off
	}

	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := s.dial(pctx)
	if err != nil {
		return nil, err
	}
	err = s.preflight(pctx, conn)
	if err == nil {
		err = s.ensurePublication(pctx, conn)
	}
	if err == nil {
		_, err = s.waitForSlot(ctx, conn, tc.Logger)
	}
	_ = conn.Close(context.Background())
	if err != nil {
		return nil, err
	}

	var headers connect.Headers
	if s.extendedHeaders {
		runID := make([]byte, 16)
		_, _ = rand.Read(runID)
		headers = connect.Headers{
			{Key: "__debezium.context.connectorLogicalName", Schema: connect.StringSchema, Value: s.prefix},
			{Key: "__debezium.context.taskId", Schema: connect.StringSchema, Value: strconv.Itoa(tc.Task)},
			{Key: "__debezium.context.connectorName", Schema: connect.StringSchema, Value: tc.Pipeline},
			{Key: "__debezium.context.runId", Schema: connect.StringSchema, Value: hex.EncodeToString(runID)},
		}
	}
	t.dec = newDecoder(s, s.dbname, nil, t.log, t.now, headers)

	runCtx, runCancel := context.WithCancel(context.Background())
	t.cancel = runCancel
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer close(t.done)
		t.err = t.run(runCtx)
	}()
	return t, nil
}

// Poll returns up to max.batch.size records, waiting up to poll.interval.ms
// for the first.
func (t *Task) Poll(ctx context.Context) ([]*connect.Record, error) {
	out := t.rest
	t.rest = nil
	if len(out) == 0 {
		timer := time.NewTimer(t.s.pollInterval)
		defer timer.Stop()
		select {
		case b := <-t.queue:
			out = b
		case <-t.done:
			select {
			case b := <-t.queue:
				out = b
			default:
				if t.err != nil {
					return nil, t.err
				}
				// initial_only finished: idle until stopped
				<-ctx.Done()
				return nil, nil
			}
		case <-timer.C:
			return nil, nil
		case <-ctx.Done():
			return nil, nil
		}
	}
	for len(out) < t.s.maxBatch {
		select {
		case b := <-t.queue:
			out = append(out, b...)
			continue
		default:
		}
		break
	}
	if len(out) > t.s.maxBatch {
		t.rest = out[t.s.maxBatch:]
		out = out[:t.s.maxBatch:t.s.maxBatch]
	}
	return out, nil
}

// Commit is called once the runtime has durably stored offsets: only now
// may the slot's confirmed LSN move, and only up to them.
func (t *Task) Commit(_ context.Context, offsets []connect.SourceOffset) error {
	for _, o := range offsets {
		if fmt.Sprint(o.Partition["server"]) != t.s.prefix || o.Offset == nil {
			continue
		}
		if v, ok := toInt64(o.Offset["lsn"]); ok {
			storeMax(&t.committedLSN, uint64(v))
		}
		if lsn, ok := confirmable(o.Offset); ok {
			storeMax(&t.confirmed, uint64(lsn))
		}
	}
	return nil
}

func storeMax(a *atomic.Uint64, v uint64) {
	for {
		cur := a.Load()
		if v <= cur || a.CompareAndSwap(cur, v) {
			return
		}
	}
}

// confirmable returns the LSN an offset allows to confirm: lsn_commit, the
// end of the last transaction fully delivered (Debezium's rule), or the
// slot's consistent point after a snapshot.
func confirmable(off map[string]any) (LSN, bool) {
	if v, ok := toInt64(off["lsn_commit"]); ok {
		return LSN(v), true
	}
	if b, _ := off["snapshot"].(bool); b {
		return 0, false
	}
	if v, ok := toInt64(off["lsn"]); ok {
		return LSN(v), true
	}
	return 0, false
}

func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case uint64:
		if n > math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	return 0, false
}

// Close stops the replication loop (sending a last status update with the
// committed LSN) and drops the slot if slot.drop.on.stop is set.
func (t *Task) Close() error {
	var err error
	t.closeOnce.Do(func() {
		t.cancel()
		t.wg.Wait()
		if t.s.slotDropOnStop {
			err = t.dropSlot()
		}
	})
	return err
}

func (t *Task) dropSlot() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := t.s.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	for {
		_, err = conn.Exec(ctx, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", t.s.slot)
		if err == nil || ctx.Err() != nil {
			break
		}
		// the walsender may still be exiting: the slot is active for a moment
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return sqlError("drop replication slot "+t.s.slot, err)
	}
	return nil
}

// resume describes where streaming restarts, from the stored offset.
type resume struct {
	have             bool
	snapshotComplete bool
	commit           LSN
	xid              int64
	lsn              LSN
}

func parseResume(off map[string]any) resume {
	if off == nil {
		return resume{xid: -1}
	}
	r := resume{have: true, xid: -1}
	if b, _ := off["snapshot"].(bool); b {
		last, _ := off["last_snapshot_record"].(bool)
		r.snapshotComplete = last
		if v, ok := toInt64(off["lsn"]); ok {
			r.commit = LSN(v)
		}
		return r
	}
	r.snapshotComplete = true
	if v, ok := toInt64(off["lsn_commit"]); ok {
		r.commit = LSN(v)
	}
	if v, ok := toInt64(off["lsn"]); ok {
		r.lsn = LSN(v)
	}
	if v, ok := toInt64(off["txId"]); ok {
		r.xid = v
	}
	return r
}
