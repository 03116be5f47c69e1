package quickstart

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inletdev/inlet/cmd/inlet/cli"
	"github.com/inletdev/inlet/connect/builtin"
)

// The committed records file is exactly what the generator writes.
func TestRecordsFileIsReproducible(t *testing.T) {
	p := filepath.Join(t.TempDir(), "outbox.records")
	if err := Generate(p, 20, 1); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile("outbox.records")
	got, _ := os.ReadFile(p)
	if !bytes.Equal(got, want) {
		t.Fatal("outbox.records differs from `go run ./examples/quickstart/gen -n 20 -o examples/quickstart/outbox.records`")
	}
}

// syncBuffer collects stderr while the worker writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// setup copies the quickstart into dir, pointing the pipeline at a copy of
// the records file, a records file as output, and a private offsets file.
func setup(t *testing.T, dir string) (worker, pipeline, in, out, offsets string) {
	in = filepath.Join(dir, "outbox.records")
	data, err := os.ReadFile("outbox.records")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return setupFiles(t, dir, in)
}

// setupFiles writes the worker and pipeline files into dir, reading in.
func setupFiles(t testing.TB, dir, in string) (worker, pipeline, _, out, offsets string) {
	out, offsets = filepath.Join(dir, "out.records"), filepath.Join(dir, "offsets.json")
	w, _ := os.ReadFile("worker.properties")
	p, _ := os.ReadFile("pipeline.properties")
	ws := strings.Replace(string(w), "/tmp/inlet-quickstart.offsets", offsets, 1)
	ps := strings.Replace(string(p), "file=examples/quickstart/outbox.records", "file="+in, 1)
	ps = strings.Replace(ps, "sink.file=-", "sink.file="+out, 1)
	if ws == string(w) || !strings.Contains(ps, in) || !strings.Contains(ps, out) {
		t.Fatal("the quickstart files changed; update this test")
	}
	worker, pipeline = filepath.Join(dir, "worker.properties"), filepath.Join(dir, "pipeline.properties")
	os.WriteFile(worker, []byte(ws), 0o644)
	os.WriteFile(pipeline, []byte(ps), 0o644)
	return worker, pipeline, in, out, offsets
}

type outRecord struct {
	Topic   string          `json:"topic"`
	Headers []string        `json:"headers"`
	Key     json.RawMessage `json:"key"`
	Payload struct {
		Schema  struct{ Name string } `json:"schema"`
		Payload string                `json:"payload"`
	} `json:"payload"`
}

func readOut(t *testing.T, path string) []outRecord {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []outRecord
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		var r outRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// run starts the worker as `inlet standalone` does, waits until the output
// holds want records, then cancels it (the CLI's SIGTERM) and returns its
// exit code.
func run(t *testing.T, worker, pipeline, out string, want int) int {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- cli.Run(ctx, builtin.NewRegistry(), []string{"standalone", worker, pipeline}, &bytes.Buffer{}, &stderr)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for len(readOut(t, out)) < want {
		select {
		case c := <-code:
			t.Fatalf("worker exited early with %d:\n%s", c, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			<-code
			t.Fatalf("only %d of %d records after 20 s:\n%s", len(readOut(t, out)), want, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // nothing more should arrive
	cancel()
	select {
	case c := <-code:
		return c
	case <-time.After(15 * time.Second):
		t.Fatalf("worker did not stop within 15 s of SIGTERM:\n%s", stderr.String())
	}
	return -1
}

func TestQuickstartRoutesAndResumes(t *testing.T) {
	dir := t.TempDir()
	worker, pipeline, in, out, offsets := setup(t, dir)
	if c := run(t, worker, pipeline, out, 20); c != 0 {
		t.Fatalf("exit code %d", c)
	}
	recs := readOut(t, out)
	if len(recs) != 20 {
		t.Fatalf("first run wrote %d records, want 20", len(recs))
	}
	for _, r := range recs {
		if !strings.HasPrefix(r.Topic, "outbox.event.") || len(r.Headers) != 4 || r.Headers[0] != "id" || r.Headers[2] != "eventType" ||
			r.Payload.Schema.Name != "io.debezium.data.Json" || !json.Valid([]byte(r.Payload.Payload)) {
			t.Fatalf("not an EventRouter output: %+v", r)
		}
	}
	if _, err := os.Stat(offsets); err != nil {
		t.Fatalf("no offsets saved at shutdown: %v", err)
	}
	// Three more change events arrive; the second run must write only them.
	more := filepath.Join(dir, "more.records")
	if err := Generate(more, 23, 1); err != nil {
		t.Fatal(err)
	}
	all, _ := os.ReadFile(more)
	lines := strings.SplitAfter(string(all), "\n")
	f, _ := os.OpenFile(in, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(strings.Join(lines[20:], ""))
	f.Close()
	if c := run(t, worker, pipeline, out, 23); c != 0 {
		t.Fatalf("second exit code %d", c)
	}
	recs = readOut(t, out)
	if len(recs) != 23 {
		t.Fatalf("after the second run the output has %d records, want 23 (20 + 3 new, none twice)", len(recs))
	}
	seen := map[string]bool{}
	for _, r := range recs {
		id := r.Headers[1]
		if seen[id] {
			t.Fatalf("event %s delivered twice", id)
		}
		seen[id] = true
	}
}
