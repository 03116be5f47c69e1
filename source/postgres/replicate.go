package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// run is the task's one replication loop: it (re)connects with backoff
// and runs sessions until the task is closed or an error is not retriable.
func (t *Task) run(ctx context.Context) error {
	res := parseResume(t.stored)
	t.confirmed.Store(uint64(res.commit)) // already durable
	t.committedLSN.Store(uint64(max(res.lsn, res.commit)))
	t.dec.resumeAt(res.commit, res.xid, res.lsn)
	backoff := 250 * time.Millisecond
	var pending []*connect.Record
	for attempt := 0; ; attempt++ {
		started := time.Now()
		var err error
		pending, err = t.session(ctx, res, attempt, pending)
		if ctx.Err() != nil {
			return nil
		}
		if err == nil { // initial_only: the snapshot is delivered, stop
			if len(pending) > 0 {
				if err := t.push(ctx, nil, pending); err != nil {
					return nil
				}
			}
			return nil
		}
		if !retriable(err) {
			return err
		}
		if time.Since(started) > time.Minute {
			backoff = 250 * time.Millisecond
		}
		t.log.Warn("replication connection lost, reconnecting", "error", err, "in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
		// after a reconnect, skip what this task already emitted
		res = resume{have: true, snapshotComplete: true, commit: t.dec.lastCommit, xid: -1}
		if t.dec.inTx {
			res.xid, res.lsn = int64(t.dec.xid), t.dec.lastLSN
		}
		t.dec.inTx = false
		t.dec.resumeAt(res.commit, res.xid, res.lsn)
	}
}

// session runs one connection: setup, snapshot if needed, then streaming.
// It returns the records not yet queued.
func (t *Task) session(ctx context.Context, res resume, attempt int, pending []*connect.Record) ([]*connect.Record, error) {
	s := t.s
	conn, err := s.dial(ctx)
	if err != nil {
		return pending, err
	}
	defer conn.Close(context.Background())
	if attempt > 0 {
		if err := s.preflight(ctx, conn); err != nil {
			return pending, err
		}
	}
	cat := &catalog{conn: conn}
	t.dec.resolver = cat

	st, err := s.waitForSlot(ctx, conn, t.log)
	if err != nil {
		return pending, err
	}
	repl, err := s.dialReplication(ctx)
	if err != nil {
		return pending, err
	}
	defer repl.Close(context.Background())

	needSnapshot := false
	if !t.snapshotDone {
		switch s.snapshotMode {
		case snapshotAlways:
			needSnapshot = true
		case snapshotInitial, snapshotInitialOnly:
			needSnapshot = !res.have || !res.snapshotComplete
		case snapshotWhenNeeded:
			needSnapshot = !res.have || !res.snapshotComplete || !st.exists
		}
	}
	if !needSnapshot && !st.exists && res.have {
		t.log.Warn("replication slot is missing although an offset is stored: changes made while it was gone are lost (snapshot.mode=when_needed would snapshot)", "slot", s.slot)
	}
	if needSnapshot {
		if st.exists {
			// A consistent snapshot needs the snapshot a new slot exports;
			// nothing streamed from the old slot was committed as complete.
			t.log.Info("dropping the replication slot to take a consistent snapshot from a new one", "slot", s.slot)
			if err := pglogrepl.DropReplicationSlot(ctx, repl, s.slot, pglogrepl.DropReplicationSlotOptions{Wait: true}); err != nil {
				return pending, sqlError("drop replication slot "+s.slot, err)
			}
		}
		cr, err := pglogrepl.CreateReplicationSlot(ctx, repl, s.slot, "pgoutput",
			pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication, SnapshotAction: "EXPORT_SNAPSHOT"})
		if err != nil {
			return pending, sqlError("create replication slot "+s.slot, err)
		}
		cp, err := pglogrepl.ParseLSN(cr.ConsistentPoint)
		if err != nil {
			return pending, fmt.Errorf("postgres: slot consistent point %q: %w", cr.ConsistentPoint, err)
		}
		t.log.Info("created replication slot", "slot", s.slot, "consistent_point", cr.ConsistentPoint, "snapshot", cr.SnapshotName)
		pending, err = t.snapshot(ctx, conn, cr.SnapshotName, LSN(cp), pending)
		if err != nil {
			return pending, err
		}
		t.snapshotDone = true
		res = resume{have: true, snapshotComplete: true, commit: LSN(cp), xid: -1}
		t.dec.resumeAt(LSN(cp), -1, 0)
		if uint64(cp) > t.confirmed.Load() {
			// nothing before the consistent point exists for this slot
			t.confirmed.Store(uint64(cp))
		}
		if s.snapshotMode == snapshotInitialOnly {
			return pending, nil
		}
	} else if !st.exists {
		_, err := pglogrepl.CreateReplicationSlot(ctx, repl, s.slot, "pgoutput",
			pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication, SnapshotAction: "NOEXPORT_SNAPSHOT"})
		if err != nil {
			return pending, sqlError("create replication slot "+s.slot, err)
		}
		t.log.Info("created replication slot", "slot", s.slot)
	} else if s.snapshotMode == snapshotInitialOnly && res.snapshotComplete {
		return pending, nil
	}
	if t.snapshotDone == false {
		t.snapshotDone = true
	}

	args := []string{"proto_version '1'", "publication_names '" + s.publication + "'"}
	if v := repl.ParameterStatus("server_version"); v != "" && v[0] >= '1' && len(v) >= 2 && v[:2] >= "14" {
		args = append(args, "messages 'true'")
	}
	start := res.commit
	if err := pglogrepl.StartReplication(ctx, repl, s.slot, pglogrepl.LSN(start),
		pglogrepl.StartReplicationOptions{Mode: pglogrepl.LogicalReplication, PluginArgs: args}); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "55006" {
			return pending, fmt.Errorf("%w: slot %q: %v; please make sure to use a distinct replication slot name for each connector", ErrSlotInUse, s.slot, err)
		}
		return pending, sqlError("start replication from slot "+s.slot+" at "+start.String(), err)
	}
	t.log.Info("streaming changes", "slot", s.slot, "publication", s.publication, "from", start.String())
	return t.stream(ctx, conn, repl, pending)
}

// waitForSlot retries while the slot is active for another client.
func (s *settings) waitForSlot(ctx context.Context, conn *pgx.Conn, log interface {
	Warn(string, ...any)
}) (slotState, error) {
	for i := 0; ; i++ {
		st, err := s.slotState(ctx, conn)
		if err != nil || !st.active {
			return st, err
		}
		if i >= s.slotMaxRetries {
			return st, fmt.Errorf("%w: slot %q in database %q is streaming to another connection; please make sure to use a distinct replication slot name for each connector (or stop the other client)", ErrSlotInUse, s.slot, s.dbname)
		}
		log.Warn("replication slot is active for another client, retrying", "slot", s.slot, "attempt", i+1, "of", s.slotMaxRetries)
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(s.slotRetryDelay):
		}
	}
}

// stream reads the replication stream until the connection fails or ctx
// is done. Reading pauses while the queue is full (backpressure), but
// status updates keep flowing so the server does not time the client out.
func (t *Task) stream(ctx context.Context, conn *pgx.Conn, repl *pgconn.PgConn, pending []*connect.Record) ([]*connect.Record, error) {
	s := t.s
	netConn := repl.Conn()
	// wake a blocked read when the task closes
	stop := context.AfterFunc(ctx, func() { _ = netConn.SetReadDeadline(time.Now()) })
	defer stop()
	defer func() {
		if ctx.Err() != nil {
			// a last status update so the slot keeps what was committed
			_ = t.sendStatus(context.Background(), repl)
		}
	}()

	nextStatus := time.Now().Add(s.statusInterval)
	var nextBeat time.Time
	if s.heartbeat > 0 {
		nextBeat = time.Now().Add(s.heartbeat)
	}
	var walEnd LSN // server WAL end from the last keepalive, when nothing is in flight
	lastSent, lastSentAt := ^uint64(0), time.Time{}
	var deadline, pendingSince time.Time
	for {
		if ctx.Err() != nil {
			return pending, nil
		}
		wake := nextStatus
		if !nextBeat.IsZero() && nextBeat.Before(wake) {
			wake = nextBeat
		}
		if len(pending) > 0 {
			// hand the batch over soon even if the stream goes quiet
			if w := pendingSince.Add(handOver); w.Before(wake) {
				wake = w
			}
		}
		if !wake.Equal(deadline) {
			deadline = wake
			_ = netConn.SetReadDeadline(wake)
		}
		msg, err := repl.ReceiveMessage(context.Background())
		now := time.Now()
		if err != nil {
			if ctx.Err() != nil {
				return pending, nil
			}
			var ne net.Error
			if !(errors.As(err, &ne) && ne.Timeout()) && !pgconn.Timeout(err) {
				return pending, fmt.Errorf("postgres: replication stream: %w", err)
			}
		} else {
			switch m := msg.(type) {
			case *pgproto3.CopyData:
				if len(m.Data) == 0 {
					break
				}
				switch m.Data[0] {
				case pglogrepl.PrimaryKeepaliveMessageByteID:
					ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(m.Data[1:])
					if err != nil {
						return pending, fmt.Errorf("postgres: keepalive: %w", err)
					}
					if !t.dec.inTx {
						walEnd = LSN(ka.ServerWALEnd)
						// Every event emitted so far is committed and no
						// transaction is open: the WAL up to the server's
						// position holds nothing for us, so confirming it
						// loses nothing (and lets a shutting-down server,
						// which waits for this, stop).
						if len(pending) == 0 && LSN(t.committedLSN.Load()) >= t.dec.emitted && walEnd > LSN(t.confirmed.Load()) {
							storeMax(&t.confirmed, uint64(walEnd))
						}
					}
					if ka.ReplyRequested {
						nextStatus = now
					}
				case pglogrepl.XLogDataByteID:
					xld, err := pglogrepl.ParseXLogData(m.Data[1:])
					if err != nil {
						return pending, fmt.Errorf("postgres: XLogData: %w", err)
					}
					pending, err = t.dec.Decode(ctx, LSN(xld.WALStart), xld.WALData, pending)
					if err != nil {
						return pending, err
					}
				}
			case *pgproto3.ErrorResponse:
				return pending, fmt.Errorf("postgres: replication stream: %w", pgconn.ErrorResponseToPgError(m))
			case *pgproto3.CopyDone:
				return pending, fmt.Errorf("postgres: the server ended the replication stream")
			}
		}
		if !nextBeat.IsZero() && !now.Before(nextBeat) {
			nextBeat = now.Add(s.heartbeat)
			if !t.dec.inTx {
				pending = append(pending, t.dec.heartbeat(walEnd))
			}
			if s.heartbeatQuery != "" {
				if _, err := conn.Exec(ctx, s.heartbeatQuery); err != nil {
					return pending, sqlError("heartbeat.action.query", err)
				}
			}
		}
		// confirm a newly committed LSN soon, but at most every 100 ms
		if !now.Before(nextStatus) || t.confirmed.Load() != lastSent && now.Sub(lastSentAt) > 100*time.Millisecond {
			lastSent, lastSentAt = t.confirmed.Load(), now
			if err := t.sendStatus(ctx, repl); err != nil {
				return pending, err
			}
			nextStatus = now.Add(s.statusInterval)
		}
		// Records are handed over in batches: when max.batch.size is
		// reached, or handOver after the first one (a wake-up per record
		// would cost more than decoding it).
		if len(pending) > 0 {
			if pendingSince.IsZero() {
				pendingSince = now
			}
			if len(pending) >= s.maxBatch || now.Sub(pendingSince) >= handOver {
				select {
				case t.queue <- pending:
					pending, pendingSince = nil, time.Time{}
				default:
					if len(pending) >= s.maxBatch {
						if err := t.push(ctx, repl, pending); err != nil {
							return nil, err
						}
						pending, pendingSince = nil, time.Time{}
						nextStatus = time.Now().Add(s.statusInterval)
					}
				}
			}
		}
	}
}

// handOver is the longest a decoded record waits for more to batch with.
const handOver = time.Millisecond

// push queues a batch, blocking while the queue is full but still sending
// status updates.
func (t *Task) push(ctx context.Context, repl *pgconn.PgConn, batch []*connect.Record) error {
	tick := time.NewTicker(t.s.statusInterval)
	defer tick.Stop()
	for {
		select {
		case t.queue <- batch:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if repl != nil {
				if err := t.sendStatus(ctx, repl); err != nil {
					return err
				}
			}
		}
	}
}

// sendStatus reports the committed LSN as written, flushed and applied:
// the server may recycle WAL up to it and restarts the slot there.
func (t *Task) sendStatus(ctx context.Context, repl *pgconn.PgConn) error {
	lsn := pglogrepl.LSN(t.confirmed.Load())
	err := pglogrepl.SendStandbyStatusUpdate(ctx, repl, pglogrepl.StandbyStatusUpdate{
		WALWritePosition: lsn, WALFlushPosition: lsn, WALApplyPosition: lsn, ClientTime: time.Now()})
	if err != nil {
		return fmt.Errorf("postgres: send standby status update: %w", err)
	}
	return nil
}
