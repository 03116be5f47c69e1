// Package outboxkafka is the outbox scenario end to end: Debezium's
// outboxevent table in a throwaway PostgreSQL → pgoutput slot → the
// postgres source (Debezium change events) → the outbox EventRouter → the
// kafka sink → a kfake broker, configured by outbox-kafka.properties as a
// Debezium user writes it. The tests read Kafka with clients inlet does not
// share code with (kcat, a plain franz-go consumer).
package outboxkafka

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inletdev/inlet/cmd/inlet/cli"
	"github.com/inletdev/inlet/connect/builtin"
	"github.com/inletdev/inlet/connect/worker"
	"github.com/inletdev/inlet/internal/kafkatest"
	"github.com/inletdev/inlet/internal/pgtest"
)

// outboxDDL is the outbox table of Debezium's Outbox Event Router
// documentation (with id as its primary key, so change events have a key).
const outboxDDL = `CREATE TABLE public.outboxevent (
  id            uuid         NOT NULL PRIMARY KEY,
  aggregatetype varchar(255) NOT NULL,
  aggregateid   varchar(255) NOT NULL,
  type          varchar(255) NOT NULL,
  payload       jsonb
)`

// topics are the EventRouter's outbox.event.<aggregatetype> topics.
var topics = []string{"outbox.event.Order", "outbox.event.Customer"}

const partitions = 3 // topic.creation.default.partitions in the pipeline file

// row is one inserted outbox row and the transaction that inserted it.
type row struct {
	id, aggType, aggID, typ, payload string
	seq                              int
	txid                             int64
}

func startPostgres(t *testing.T) *pgtest.Cluster {
	t.Helper()
	c := pgtest.New(t)
	c.MustExec(t, "postgres", "CREATE DATABASE orderdb")
	c.MustExec(t, "orderdb", outboxDDL)
	return c
}

// inserter writes outbox rows one transaction each, as a service does.
type inserter struct {
	conn *pgx.Conn
	mu   sync.Mutex
	rows []row
}

func newInserter(t *testing.T, c *pgtest.Cluster) *inserter {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.ConnString("orderdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return &inserter{conn: conn}
}

func (in *inserter) insert(ctx context.Context) (row, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	seq := len(in.rows)
	r := row{id: uuid(), seq: seq, aggID: strconv.Itoa(seq % 17)}
	if seq%2 == 0 {
		r.aggType, r.typ = "Order", "OrderCreated"
		r.payload = fmt.Sprintf(`{"id": %d, "customerId": %d, "lineItems": [{"item": "Debezium in Action", "quantity": 2, "totalPrice": 39.98}]}`, seq, seq%17)
	} else {
		r.aggType, r.typ = "Customer", "CustomerUpdated"
		r.payload = fmt.Sprintf(`{"id": %d, "name": "Jane %d", "vip": %t}`, seq%17, seq, seq%3 == 0)
	}
	err := in.conn.QueryRow(ctx, `INSERT INTO public.outboxevent VALUES ($1, $2, $3, $4, $5) RETURNING txid_current()`,
		r.id, r.aggType, r.aggID, r.typ, r.payload).Scan(&r.txid)
	if err != nil {
		return r, fmt.Errorf("insert row %d: %w", seq, err)
	}
	in.rows = append(in.rows, r)
	return r, nil
}

func (in *inserter) all() []row {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]row(nil), in.rows...)
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// render copies this directory's properties file src into dir with the
// given keys replaced (or appended), so the tests run the example files
// with only the addresses and paths changed.
func render(t *testing.T, dir, src string, set map[string]string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	done := map[string]bool{}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if k, _, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
			if v, ok := set[k]; ok {
				l = k + "=" + v
				done[k] = true
			}
		}
		out = append(out, l)
	}
	for k, v := range set {
		if !done[k] {
			out = append(out, k+"="+v)
		}
	}
	path := filepath.Join(dir, src)
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool, logs func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s\n%s", what, logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func slotActive(c *pgtest.Cluster) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Exec(ctx, "orderdb", "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'debezium' AND active) THEN RAISE EXCEPTION 'no active slot'; END IF; END$$") == nil
}

func highWatermarks(k *kafkatest.Cluster) (n int64) {
	for _, topic := range topics {
		for _, p := range k.PartitionInfos(topic) {
			if p != nil {
				n += p.HighWatermark
			}
		}
	}
	return n
}

// javaMurmur2 is org.apache.kafka.common.utils.Utils.murmur2, written here
// from the Java source rather than taken from the sink, so the test checks
// the sink's partitioner instead of trusting it.
func javaMurmur2(data []byte) int32 {
	const seed, m = uint32(0x9747b28c), uint32(0x5bd1e995)
	n := len(data)
	h := seed ^ uint32(n)
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> 24
		k *= m
		h *= m
		h ^= k
	}
	tail := n &^ 3
	switch n % 4 {
	case 3:
		h ^= uint32(data[tail+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[tail+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[tail])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// javaPartition is the Java client's default partition for a keyed record.
func javaPartition(key string, n int) int32 {
	return int32(int(javaMurmur2([]byte(key))&0x7fffffff) % n)
}

func TestJavaMurmur2(t *testing.T) {
	// Kafka's UtilsTest.testMurmur2 vectors.
	for s, want := range map[string]int32{
		"21": -973932308, "foobar": -790332482, "a-little-bit-long-string": -985981536,
		"a-little-bit-longer-string": -1486304829, "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	} {
		if got := javaMurmur2([]byte(s)); got != want {
			t.Errorf("murmur2(%q) = %d, want %d", s, got, want)
		}
	}
}

// jsonEqual compares two JSON texts as values (numbers by their text).
func jsonEqual(a, b string) bool {
	decode := func(s string) (any, bool) {
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		var v any
		return v, d.Decode(&v) == nil
	}
	va, ok1 := decode(a)
	vb, ok2 := decode(b)
	return ok1 && ok2 && reflect.DeepEqual(va, vb)
}

// kcatRecord is one line of `kcat -C -J`.
type kcatRecord struct {
	Topic     string   `json:"topic"`
	Partition int32    `json:"partition"`
	Offset    int64    `json:"offset"`
	TS        int64    `json:"ts"`
	Headers   []string `json:"headers"`
	Key       *string  `json:"key"`
	Payload   *string  `json:"payload"`
}

func (r kcatRecord) header(name string) (string, bool) {
	for i := 0; i+1 < len(r.Headers); i += 2 {
		if r.Headers[i] == name {
			return r.Headers[i+1], true
		}
	}
	return "", false
}

func needKcat(t *testing.T) string {
	t.Helper()
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		if pgtest.InCI() {
			t.Fatal("kcat is not installed; .ci/run installs the Debian package kcat")
		}
		t.Skip("kcat not found: install it (apt-get install -y kcat) to run this test")
	}
	return kcat
}

func readWithKcat(t *testing.T, kcat, addr, topic string, extra ...string) []kcatRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	args := append([]string{"-C", "-b", addr, "-t", topic, "-o", "beginning", "-e", "-q", "-J"}, extra...)
	cmd := exec.CommandContext(ctx, kcat, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kcat -t %s: %v\n%s", topic, err, stderr.String())
	}
	var recs []kcatRecord
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r kcatRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("kcat line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs
}

// TestOutboxToKafkaReadByKcat runs outbox-kafka.properties in the real
// worker (builtin plugins, worker.properties) and reads both outbox topics
// with kcat: every row is one record on outbox.event.<aggregatetype>, key
// aggregateid, headers id and eventType, value the payload JSON, in the
// partition the Java client picks for the key, in insert order per key.
func TestOutboxToKafkaReadByKcat(t *testing.T) {
	kcat := needKcat(t)
	pg := startPostgres(t)
	k := kafkatest.Start(t)
	dir := t.TempDir()
	wf := render(t, dir, "worker.properties", map[string]string{
		"bootstrap.servers": k.Addr, "offset.storage.file.filename": filepath.Join(dir, "offsets"), "offset.flush.interval.ms": "200",
	})
	pf := render(t, dir, "outbox-kafka.properties", map[string]string{"database.port": strconv.Itoa(pg.Port)})

	wc, err := worker.LoadWorkerConfig(wf)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	w, err := worker.New(wc, builtin.NewRegistry(), worker.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	}()
	m, err := worker.ReadPipelineFile(pf)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Create(ctx, m["name"], m, worker.TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the replication slot", 20*time.Second, func() bool { return slotActive(pg) }, logs.String)

	const n = 200
	start := time.Now().Add(-time.Second).UnixMilli()
	in := newInserter(t, pg)
	for i := 0; i < n; i++ {
		if _, err := in.insert(ctx); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, fmt.Sprintf("%d records in Kafka", n), 30*time.Second, func() bool { return highWatermarks(k) >= n }, logs.String)
	end := time.Now().Add(time.Second).UnixMilli()

	rows := map[string]row{}
	for _, r := range in.all() {
		rows[r.id] = r
	}
	seen := map[string]bool{}
	for _, topic := range topics {
		lastSeq := map[string]int{} // aggregateid → seq of its previous event
		for _, rec := range readWithKcat(t, kcat, k.Addr, topic) {
			id, ok := rec.header("id")
			r, known := rows[id]
			where := fmt.Sprintf("%s[%d]@%d", rec.Topic, rec.Partition, rec.Offset)
			switch {
			case !ok || !known:
				t.Fatalf("%s: header id %q is not an inserted row (headers %v)", where, id, rec.Headers)
			case seen[id]:
				t.Fatalf("%s: row %s delivered twice", where, id)
			case "outbox.event."+r.aggType != topic:
				t.Errorf("%s: row of aggregatetype %s on topic %s", where, r.aggType, topic)
			case rec.Key == nil || *rec.Key != r.aggID:
				t.Errorf("%s: key %v, want aggregateid %q", where, rec.Key, r.aggID)
			case rec.Partition != javaPartition(r.aggID, partitions):
				t.Errorf("%s: key %q in partition %d, the Java client's partitioner picks %d", where, r.aggID, rec.Partition, javaPartition(r.aggID, partitions))
			case rec.Payload == nil || !jsonEqual(*rec.Payload, r.payload):
				t.Errorf("%s: value %v, want the payload %s", where, rec.Payload, r.payload)
			case rec.TS < start || rec.TS > end:
				t.Errorf("%s: timestamp %d outside the test's run [%d, %d]", where, rec.TS, start, end)
			}
			if et, _ := rec.header("eventType"); et != r.typ {
				t.Errorf("%s: header eventType %q, want the type column %q", where, et, r.typ)
			}
			if prev, ok := lastSeq[r.aggID]; ok && prev > r.seq {
				t.Errorf("%s: aggregate %s event %d after %d: per-key order lost", where, r.aggID, r.seq, prev)
			}
			lastSeq[r.aggID] = r.seq
			seen[id] = true
		}
	}
	if len(seen) != n {
		t.Fatalf("kcat read %d distinct rows, want %d", len(seen), n)
	}
	// Debezium's documented shape, once, for the log of a -v run.
	one := readWithKcat(t, kcat, k.Addr, "outbox.event.Customer")[0]
	t.Logf("kcat: topic=%s partition=%d key=%s headers=%v value=%s", one.Topic, one.Partition, *one.Key, one.Headers, *one.Payload)
}

// syncBuffer is a bytes.Buffer safe for the worker's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var _ io.Writer = (*syncBuffer)(nil)

// TestFilesValidate: `inlet validate` accepts the example files as
// shipped, with both workers, so a renamed or dropped key shows up here.
func TestFilesValidate(t *testing.T) {
	for _, wf := range []string{"worker.properties", "worker-eos.properties"} {
		var out, errs bytes.Buffer
		code := cli.Run(context.Background(), builtin.NewRegistry(), []string{"validate", "--worker", wf, "outbox-kafka.properties"}, &out, &errs)
		if code != cli.ExitOK || !strings.Contains(out.String(), `pipeline "outbox-kafka" OK`) {
			t.Errorf("inlet validate --worker %s outbox-kafka.properties: exit %d\n%s%s", wf, code, out.String(), errs.String())
		}
	}
}
