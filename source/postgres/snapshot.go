package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/jackc/pgx/v5"
)

// snapshot reads every captured table inside the snapshot the new slot
// exported, so the snapshot and the stream meet exactly at the slot's
// consistent point: no row is missed or read twice.
func (t *Task) snapshot(ctx context.Context, conn *pgx.Conn, snapName string, cp LSN, pending []*connect.Record) ([]*connect.Record, error) {
	s := t.s
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return pending, sqlError("begin snapshot transaction", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+strings.ReplaceAll(snapName, "'", "")+"'"); err != nil {
		return pending, sqlError("use the slot's exported snapshot "+snapName, err)
	}
	tables, err := s.capturedTables(ctx, conn)
	if err != nil {
		return pending, err
	}
	t.log.Info("snapshot starting", "tables", len(tables), "consistent_point", cp.String())
	started := time.Now()
	var total int64
	var prev *connect.Record // held back one row to mark first/last
	first := true
	var prevFirst, prevFirstInTable bool
	var tup []tupleCol
	emit := func(r *connect.Record, marker string) error {
		src := r.Value.(*connect.Struct).Values[2].(*connect.Struct)
		src.Values[4] = marker
		pending = append(pending, r)
		if len(pending) >= s.maxBatch {
			if err := t.push(ctx, nil, pending); err != nil {
				return err
			}
			pending = nil
		}
		return nil
	}
	for _, ct := range tables {
		rel, err := relationFromCatalog(ctx, conn, ct)
		if err != nil {
			return pending, err
		}
		tbl, err := t.dec.relation(ctx, rel)
		if err != nil {
			return pending, fmt.Errorf("postgres: snapshot %s.%s: %w", ct.schema, ct.name, err)
		}
		t.dec.tables[rel.OID] = tbl
		cols := make([]string, len(rel.Columns))
		for i, c := range rel.Columns {
			cols[i] = pgx.Identifier{c.name}.Sanitize()
		}
		item := ct.schema + "." + ct.name
		q := "SELECT " + strings.Join(cols, ", ") + " FROM " + pgx.Identifier{ct.schema, ct.name}.Sanitize()
		if len(cols) == 0 {
			continue
		}
		tStart, lastLog := time.Now(), time.Now()
		var done int64
		firstInTable := true
		mrr := conn.PgConn().Exec(ctx, q)
		for mrr.NextResult() {
			rr := mrr.ResultReader()
			for rr.NextRow() {
				off := map[string]any{"snapshot": true, "last_snapshot_record": false, "lsn": int64(cp), "ts_usec": t.now().UnixMicro()}
				r, tp, err := t.dec.snapshotRecord(tbl, rr.Values(), "true", off, tup)
				tup = tp
				if err != nil {
					_, _ = rr.Close()
					_ = mrr.Close()
					return pending, err
				}
				if prev != nil {
					marker := "true"
					switch {
					case prev.Topic != r.Topic:
						marker = "last_in_data_collection"
					case prevFirst:
						marker = "first"
					case prevFirstInTable:
						marker = "first_in_data_collection"
					}
					if err := emit(prev, marker); err != nil {
						_, _ = rr.Close()
						_ = mrr.Close()
						return pending, err
					}
				}
				prevFirst, prevFirstInTable = first, firstInTable
				first, firstInTable = false, false
				prev = r
				done++
				total++
				if now := time.Now(); now.Sub(lastLog) >= 10*time.Second {
					lastLog = now
					t.progress(item, done, ct.estimate, tStart, false)
				}
			}
			if _, err := rr.Close(); err != nil {
				_ = mrr.Close()
				return pending, sqlError("snapshot "+item, err)
			}
		}
		if err := mrr.Close(); err != nil {
			return pending, sqlError("snapshot "+item, err)
		}
		t.progress(item, done, max(ct.estimate, done), tStart, true)
	}
	if prev != nil {
		marker := "last"
		prev.SourceOffset["last_snapshot_record"] = true
		if err := emit(prev, marker); err != nil {
			return pending, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return pending, sqlError("end snapshot transaction", err)
	}
	t.log.Info("snapshot completed", "rows", total, "tables", len(tables), "duration", time.Since(started).Round(time.Millisecond))
	return pending, nil
}

// progress reports one table's snapshot progress to the log and the task status.
func (t *Task) progress(item string, done, total int64, start time.Time, completed bool) {
	elapsed := time.Since(start)
	rate := float64(done) / max(elapsed.Seconds(), 1e-3)
	args := []any{"table", item, "rows", done, "estimated_total", total, "rows_per_sec", int64(rate)}
	if !completed && total > done && rate > 0 {
		args = append(args, "eta", (time.Duration(float64(total-done)/rate) * time.Second).Round(time.Second))
	}
	if completed {
		t.log.Info("snapshot table done", args...)
	} else {
		t.log.Info("snapshot progress", args...)
	}
	t.tc.Progress(connect.Progress{Phase: "snapshot", Item: item, Done: done, Total: total, Completed: completed})
}

// relationFromCatalog describes a table as a pgoutput relation message
// would (columns in attnum order, without generated columns).
func relationFromCatalog(ctx context.Context, conn *pgx.Conn, ct capturedTable) (RelationInfo, error) {
	rel := RelationInfo{OID: ct.oid, Schema: ct.schema, Name: ct.name, ReplicaIdentity: ct.identity}
	rows, err := conn.Query(ctx, `SELECT attname, atttypid, atttypmod FROM pg_attribute
		WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`, ct.oid)
	if err != nil {
		return rel, sqlError("read columns of "+ct.schema+"."+ct.name, err)
	}
	for rows.Next() {
		var c relColumn
		if err := rows.Scan(&c.name, &c.typOID, &c.typMod); err != nil {
			return rel, sqlError("read columns", err)
		}
		rel.Columns = append(rel.Columns, c)
	}
	if err := rows.Err(); err != nil {
		return rel, sqlError("read columns", err)
	}
	return rel, nil
}
