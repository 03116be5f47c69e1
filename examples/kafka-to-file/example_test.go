package kafkatofile

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect/builtin"
	"github.com/inletdev/inlet/connect/worker"
	"github.com/inletdev/inlet/internal/kafkatest"
	"github.com/inletdev/inlet/internal/props"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func produce(t *testing.T, c *kafkatest.Cluster, from, to int) {
	var rs []*kgo.Record
	for i := from; i < to; i++ {
		rs = append(rs, &kgo.Record{Topic: "orders", Key: []byte("order-" + strconv.Itoa(i)),
			Value:   []byte(`{"id":` + strconv.Itoa(i) + `}`),
			Headers: []kgo.RecordHeader{{Key: "type", Value: []byte("OrderCreated")}}})
	}
	c.Produce(t, rs...)
}

// run runs the example's worker and pipeline files (with the broker and
// paths pointed at the test's) until the file holds want lines.
func run(t *testing.T, c *kafkatest.Cluster, dir string, want int) []map[string]any {
	wm, err := props.ReadFile("worker.properties")
	if err != nil {
		t.Fatal(err)
	}
	wm["bootstrap.servers"] = c.Addr
	wm["offset.storage.file.filename"] = filepath.Join(dir, "offsets")
	wc, err := worker.ParseWorkerConfig("worker.properties", wm)
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(wc, builtin.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	pm, err := props.ReadFile("pipeline.properties")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "orders.records")
	pm["file"] = out
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	if err := w.Create(ctx, pm["name"], pm, worker.TargetRunning); err != nil {
		t.Fatal(err)
	}
	var lines []map[string]any
	deadline := time.Now().Add(20 * time.Second)
	for len(lines) < want && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		lines = readLines(t, out)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("worker: %v", err)
	}
	return readLines(t, out)
}

func readLines(t *testing.T, path string) []map[string]any {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestKafkaToFile(t *testing.T) {
	c := kafkatest.Start(t, kfake.SeedTopics(1, "orders"))
	dir := t.TempDir()
	produce(t, c, 0, 3)
	lines := run(t, c, dir, 3)
	if len(lines) != 3 {
		t.Fatalf("file has %d records, want 3", len(lines))
	}
	first := lines[0]
	if first["topic"] != "orders" || first["key"] != "order-0" || first["offset"] != 0.0 {
		t.Fatalf("first line = %v", first)
	}
	if p, _ := first["payload"].(map[string]any); p["id"] != 0.0 {
		t.Fatalf("payload = %v", first["payload"])
	}
	if h, _ := first["headers"].([]any); len(h) != 2 || h[0] != "type" || h[1] != "OrderCreated" {
		t.Fatalf("headers = %v", first["headers"])
	}
	// A restart resumes from the group's committed offset: only new orders
	// are appended.
	produce(t, c, 3, 5)
	lines = run(t, c, dir, 5)
	if len(lines) != 5 {
		t.Fatalf("after a restart the file has %d records, want 5 (no duplicates)", len(lines))
	}
	for i, l := range lines {
		if l["key"] != "order-"+strconv.Itoa(i) {
			t.Fatalf("line %d key = %v", i, l["key"])
		}
	}
}
