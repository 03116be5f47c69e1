package postgres

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/jackc/pgx/v5"
)

// TestStreamThroughputVsPgRecvlogical is the throughput benchmark of the
// issue: N pre-inserted outbox rows (~300-byte jsonb payload) streamed from
// a slot into change-event records, against pg_recvlogical draining an
// identical slot to /dev/null in the same run. It is gated because it takes
// a while: INLET_PG_BENCH_ROWS=1000000 go test -run ThroughputVs -v ./source/postgres/
func TestStreamThroughputVsPgRecvlogical(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("INLET_PG_BENCH_ROWS"))
	if n <= 0 {
		t.Skip("set INLET_PG_BENCH_ROWS (e.g. 1000000) to run the streaming benchmark")
	}
	e := newEnv(t, `CREATE TABLE outbox(id uuid PRIMARY KEY, aggregatetype varchar(255) NOT NULL, aggregateid varchar(255) NOT NULL,
		type varchar(255) NOT NULL, payload jsonb);
		CREATE PUBLICATION dbz_publication FOR ALL TABLES;`)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, e.c.ConnString(e.db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, slot := range []string{"bench_recv", "bench_inlet", "bench_recv2"} {
		if _, err := conn.Exec(ctx, "SELECT pg_create_logical_replication_slot($1, 'pgoutput')", slot); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'bench_%' AND NOT active")
	})
	start := time.Now()
	for done := 0; done < n; done += 100000 {
		batch := min(100000, n-done)
		if _, err := conn.Exec(ctx, `INSERT INTO outbox SELECT gen_random_uuid(), 'order', 'A-' || g, 'OrderPlaced',
			jsonb_build_object('orderId', g, 'customer', 'customer-' || g, 'note', repeat('x', 180),
				'items', jsonb_build_array(jsonb_build_object('sku', 'SKU-1', 'qty', 2), jsonb_build_object('sku', 'SKU-2', 'qty', 1)))
			FROM generate_series($1::int, $2::int) g`, done+1, done+batch); err != nil {
			t.Fatal(err)
		}
	}
	var endLSN string
	var payloadLen float64
	if err := conn.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text, avg(length(payload::text)) FROM outbox").Scan(&endLSN, &payloadLen); err != nil {
		t.Fatal(err)
	}
	t.Logf("inserted %d rows (avg payload %.0f bytes) in %v; end LSN %s", n, payloadLen, time.Since(start).Round(time.Millisecond), endLSN)

	// baseline: pg_recvlogical to /dev/null, up to the end LSN; run before
	// and after inlet so neither side gets the warmer caches
	recv := filepath.Join(e.c.BinDir, "pg_recvlogical")
	drain := func(slot string) time.Duration {
		start := time.Now()
		cmd := exec.Command(recv, "-h", e.c.Host, "-p", strconv.Itoa(e.c.Port), "-U", e.c.User, "-d", e.db, "--slot", slot,
			"--start", "--no-loop", "-E", endLSN, "-o", "proto_version=1", "-o", "publication_names=dbz_publication", "-f", "/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pg_recvlogical: %v: %s", err, out)
		}
		return time.Since(start)
	}
	base1 := drain("bench_recv")

	// inlet: the same stream into Debezium change events
	runtime.GC()
	if path := os.Getenv("INLET_PG_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	start = time.Now()
	task := e.mustOpen("slot.name", "bench_inlet", "snapshot.mode", "no_data", "publication.autocreate.mode", "disabled",
		"extended.headers.enabled", "false")
	got := 0
	pctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	var last *connect.Record
	for got < n {
		rs, err := task.Poll(pctx)
		if err != nil {
			t.Fatal(err)
		}
		got += len(rs)
		if len(rs) > 0 {
			last = rs[len(rs)-1]
			if got%100000 < len(rs) { // commit now and then, as the runtime would
				e.commitAll(task, rs)
			}
		}
	}
	ours := time.Since(start)
	_ = last
	rss := peakRSS()
	pprof.StopCPUProfile()
	base2 := drain("bench_recv2")
	base := (base1 + base2) / 2
	t.Logf("pg_recvlogical runs: %v before, %v after", base1.Round(time.Millisecond), base2.Round(time.Millisecond))
	baseRate := float64(n) / base.Seconds()
	ourRate := float64(n) / ours.Seconds()
	t.Logf("pg_recvlogical (mean): %d rows in %v = %.0f rows/s", n, base.Round(time.Millisecond), baseRate)
	t.Logf("inlet postgres: %d rows in %v = %.0f rows/s (%.0f%% of the mean baseline), peak RSS %s", n, ours.Round(time.Millisecond), ourRate, 100*ourRate/baseRate, rss)
	if b := peakRSSBytes(); b > 200<<20 {
		t.Errorf("peak RSS %s exceeds 200 MB: memory is not bounded by max.queue.size", rss)
	}
}

func peakRSSBytes() int64 {
	var kb int64
	_, _ = fmt.Sscanf(peakRSS(), "%d kB", &kb)
	return kb * 1024
}

func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return fmt.Sprint("?")
}
