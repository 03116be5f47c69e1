package kafka

import (
	"context"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
)

// kcat (librdkafka) reads what the sink wrote: a client we did not write
// checks keys, headers and values.
func TestKcatReadsWhatSinkWrote(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("INLET_CI") == "1" {
			t.Fatal("kcat is not installed; .ci/run installs the Debian package kcat")
		}
		t.Skip("kcat not found: install it (apt-get install -y kcat) to run this test")
	}
	c := kafkatest.Start(t, kfake.SeedTopics(3, "orders"))
	s := newSink(t, c.Worker())
	recs := []*connect.Record{
		{Topic: "orders", Partition: -1, Key: []byte("order-1"), Value: []byte(`{"id":1}`),
			Headers: connect.Headers{{Key: "id", Value: []byte("ev-1")}, {Key: "type", Value: []byte("OrderCreated")}}},
		{Topic: "orders", Partition: -1, Key: []byte("order-2"), Value: []byte(`{"id":2}`),
			Headers: connect.Headers{{Key: "id", Value: []byte("ev-2")}}},
		{Topic: "orders", Partition: -1, Key: []byte("order-3"), Value: []byte("plain text")},
	}
	if err := s.Put(ctx(t), recs); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx(t)); err != nil {
		t.Fatal(err)
	}
	kctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(kctx, kcat, "-C", "-b", c.Addr, "-t", "orders", "-o", "beginning", "-e", "-q",
		"-f", "%k|%h|%s|%p\n").CombinedOutput()
	if err != nil {
		t.Fatalf("kcat: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	sort.Strings(lines)
	want := []string{
		`order-1|id=ev-1,type=OrderCreated|{"id":1}|` + strconv.Itoa(JavaPartition([]byte("order-1"), 3)),
		`order-2|id=ev-2|{"id":2}|` + strconv.Itoa(JavaPartition([]byte("order-2"), 3)),
		`order-3||plain text|` + strconv.Itoa(JavaPartition([]byte("order-3"), 3)),
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("kcat read:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}
