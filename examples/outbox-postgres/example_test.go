package outboxpostgres

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inletdev/inlet/internal/pgtest"
)

// TestOutboxThroughTheRuntime runs outbox-postgres.properties in the real
// worker (inlet standalone): inserts become EventRouter events in the
// records file; after a stop (SIGTERM) and a restart, only new rows are
// delivered, because the runtime committed the offsets and the source
// confirmed them to the slot.
func TestOutboxThroughTheRuntime(t *testing.T) {
	c := pgtest.New(t)
	ctx := context.Background()
	if err := c.Exec(ctx, "postgres", "CREATE DATABASE orderdb"); err != nil {
		t.Fatal(err)
	}
	c.MustExec(t, "orderdb", `CREATE SCHEMA inventory;
		CREATE TABLE inventory.outboxevent (id uuid NOT NULL PRIMARY KEY, aggregatetype varchar(255) NOT NULL,
		  aggregateid varchar(255) NOT NULL, type varchar(255) NOT NULL, payload jsonb)`)

	dir := t.TempDir()
	bin := filepath.Join(dir, "inlet")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/inlet").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	pipeline, err := os.ReadFile("outbox-postgres.properties")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.jsonl")
	p := strings.Replace(string(pipeline), "database.port=5432", fmt.Sprintf("database.port=%d", c.Port), 1)
	p = strings.Replace(p, "sink.file=out.jsonl", "sink.file="+out, 1)
	pf := filepath.Join(dir, "outbox-postgres.properties")
	wf := filepath.Join(dir, "worker.properties")
	must(t, os.WriteFile(pf, []byte(p), 0o644))
	must(t, os.WriteFile(wf, []byte("offset.storage.file.filename="+filepath.Join(dir, "offsets")+"\noffset.flush.interval.ms=200\n"), 0o644))

	run := func(insert string, want int) []map[string]any {
		t.Helper()
		cmd := exec.Command(bin, "standalone", wf, pf)
		var logs strings.Builder
		cmd.Stdout, cmd.Stderr = &logs, &logs
		must(t, cmd.Start())
		defer func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() }()
		waitFor(t, 20*time.Second, &logs, func() bool {
			return c.Exec(ctx, "orderdb", "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'debezium' AND active) THEN RAISE EXCEPTION 'no'; END IF; END$$") == nil
		})
		c.MustExec(t, "orderdb", insert)
		var lines []map[string]any
		waitFor(t, 20*time.Second, &logs, func() bool {
			lines = readLines(t, out)
			return len(lines) >= want
		})
		time.Sleep(700 * time.Millisecond) // let offsets flush and the LSN be confirmed
		must(t, cmd.Process.Signal(syscall.SIGTERM))
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Fatalf("inlet did not stop on SIGTERM\n%s", logs.String())
		}
		return readLines(t, out)
	}

	lines := run(`INSERT INTO inventory.outboxevent VALUES
		('406c07f3-26f0-4eea-a50c-109940064b8f', 'Order', '1', 'OrderCreated', '{"id": 1, "customerId": 123}'),
		('ab720dd3-176d-40a6-96f3-6cf961d7df6a', 'Customer', '123', 'CustomerUpdated', '{"id": 123}')`, 2)
	if len(lines) != 2 {
		t.Fatalf("first run wrote %d records, want 2", len(lines))
	}
	if lines[0]["topic"] != "outbox.event.Order" || lines[1]["topic"] != "outbox.event.Customer" {
		t.Errorf("topics %v, %v", lines[0]["topic"], lines[1]["topic"])
	}
	if b, _ := json.Marshal(lines[0]["payload"]); string(b) != `{"customerId":123,"id":1}` {
		t.Errorf("payload %s", b)
	}
	if h := fmt.Sprint(lines[0]["headers"]); !strings.Contains(h, "id 406c07f3-26f0-4eea-a50c-109940064b8f") {
		t.Errorf("headers %s lack the event id", h)
	}
	lines = run(`INSERT INTO inventory.outboxevent VALUES ('0b3f1c3e-1111-4c3b-8e21-0d6a7b9c1e43', 'Order', '2', 'OrderCreated', '{"id": 2}')`, 3)
	if len(lines) != 3 {
		t.Fatalf("after restart the file has %d records, want 3 (no replay of delivered rows)", len(lines))
	}
	if b, _ := json.Marshal(lines[2]["payload"]); string(b) != `{"id":2}` {
		t.Errorf("third payload %s", b)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, d time.Duration, logs *strings.Builder, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func readLines(t *testing.T, path string) []map[string]any {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("bad line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}
