package outboxkafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/inletdev/inlet/internal/kafkatest"
	"github.com/inletdev/inlet/internal/proctest"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The kill tests run the real `inlet standalone` binary on the example
// files, insert outbox rows continuously, kill -9 the worker at random
// points and restart it, then count what reached Kafka.

func TestMain(m *testing.M) { os.Exit(proctest.RunMain(m)) }

// insertContinuously inserts n rows, one transaction each, pausing every
// between rows, until n or the first error.
func insertContinuously(in *inserter, n int, every time.Duration) <-chan error {
	errc := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		for i := 0; i < n; i++ {
			if _, err := in.insert(ctx); err != nil {
				errc <- err
				return
			}
			time.Sleep(every)
		}
		errc <- nil
	}()
	return errc
}

// deliveries counts the records per outbox row id (header id) on both
// topics; committed reads with isolation.level=read_committed.
func deliveries(t *testing.T, k *kafkatest.Cluster, committed bool) (map[string]int, int) {
	t.Helper()
	counts, total := map[string]int{}, 0
	for _, topic := range topics {
		for _, r := range readTopic(t, k, topic, committed) {
			for _, h := range r.Headers {
				if h.Key == "id" {
					counts[string(h.Value)]++
				}
			}
			total++
		}
	}
	return counts, total
}

// waitDelivered waits until every inserted row is in Kafka.
func waitDelivered(t *testing.T, k *kafkatest.Cluster, rows []row, committed bool, p *proctest.Proc) {
	t.Helper()
	waitFor(t, fmt.Sprintf("all %d rows in Kafka (read_committed=%v)", len(rows), committed), 40*time.Second, func() bool {
		if highWatermarks(k) < int64(len(rows)) {
			return false
		}
		counts, _ := deliveries(t, k, committed)
		for _, r := range rows {
			if counts[r.id] == 0 {
				return false
			}
		}
		return true
	}, p.Logs)
}

// committedTxID reads the source offset the file store holds: the
// transaction id (Debezium's txId) of the last event whose offset was
// committed, 0 when nothing was committed yet.
func committedTxID(t *testing.T, path string) int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Offsets []struct {
			Value map[string]any `json:"value"`
		} `json:"offsets"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("offsets file %s: %v\n%s", path, err, data)
	}
	var tx int64
	for _, o := range doc.Offsets {
		if v, ok := o.Value["txId"].(float64); ok && int64(v) > tx {
			tx = int64(v)
		}
	}
	return tx
}

func randomPause(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int64N(int64(hi-lo)))
}

// TestAtLeastOnceUnderSIGKILL: the default delivery guarantee. The worker
// is killed twice mid-stream; afterwards every row is in Kafka, and each
// run delivered only rows after the offset it resumed from (replays come
// from the committed LSN, as in Kafka Connect), each once. Rows are
// inserted one transaction each by one session, so transaction ids order
// them as their commit LSNs do, and the offset's txId marks the position.
func TestAtLeastOnceUnderSIGKILL(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d", seed)
	pg := startPostgres(t)
	k := kafkatest.Start(t)
	dir := t.TempDir()
	offsets := filepath.Join(dir, "offsets")
	wf := render(t, dir, "worker.properties", map[string]string{
		// offset.flush.interval.ms stays at the file's 1000, so kills land
		// while delivered records wait for their offsets to be stored
		"bootstrap.servers": k.Addr, "offset.storage.file.filename": offsets, "listeners": "",
	})
	pf := render(t, dir, "outbox-kafka.properties", map[string]string{"database.port": strconv.Itoa(pg.Port)})
	p := proctest.New(t, dir, "standalone", wf, pf)
	p.Start()
	waitFor(t, "the replication slot", 20*time.Second, func() bool { return slotActive(pg) }, p.Logs)

	const n = 400
	in := newInserter(t, pg)
	inserted := insertContinuously(in, n, 10*time.Millisecond)
	type kill struct {
		committedTx int64
		inKafka     map[string]int
	}
	var kills []kill
	// atRisk counts rows in Kafka whose transaction comes after the offset
	// in the offsets file: delivered, not yet committed.
	atRisk := func(inKafka map[string]int, committed int64) (n int) {
		for _, r := range in.all() {
			if inKafka[r.id] > 0 && r.txid > committed {
				n++
			}
		}
		return n
	}
	replayed := 0
	for i := 0; i < 2; i++ {
		time.Sleep(randomPause(rng, 700*time.Millisecond, 1800*time.Millisecond))
		if i == 1 {
			// The second kill waits (up to 5 s) until some delivered rows
			// are not committed yet, so a replay always happens.
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				inKafka, _ := deliveries(t, k, false)
				if atRisk(inKafka, committedTxID(t, offsets)) > 0 {
					break
				}
			}
		}
		p.Kill9()
		time.Sleep(300 * time.Millisecond) // let the broker finish requests it already read
		kl := kill{committedTx: committedTxID(t, offsets)}
		kl.inKafka, _ = deliveries(t, k, false)
		risk := atRisk(kl.inKafka, kl.committedTx)
		replayed += risk
		t.Logf("kill %d: %d rows inserted, %d in Kafka, committed offset txId %d, %d delivered rows after it (to be replayed)",
			i+1, len(in.all()), len(kl.inKafka), kl.committedTx, risk)
		kills = append(kills, kl)
		p.Start()
	}
	if err := <-inserted; err != nil {
		t.Fatal(err)
	}
	rows := in.all()
	waitDelivered(t, k, rows, false, p)
	p.Stop()

	counts, total := deliveries(t, k, false)
	// What each run delivered: the difference between the records in Kafka
	// at its end and at its start. Run i+1 started from the offset
	// committed when run i was killed, so it may deliver only rows whose
	// transaction came after that offset, each once; the last run, stopped
	// gracefully, must deliver every one of them (a skipped row would mean
	// the slot was confirmed past the stored offset).
	byTx := map[string]int64{}
	for _, r := range rows {
		byTx[r.id] = r.txid
	}
	prev := map[string]int{}
	for i := 0; i <= len(kills); i++ {
		now := counts
		if i < len(kills) {
			now = kills[i].inKafka
		}
		from := int64(0) // the first run started with no offset
		if i > 0 {
			from = kills[i-1].committedTx
		}
		delivered := 0
		for id, c := range now {
			switch d := c - prev[id]; {
			case d < 0:
				t.Errorf("run %d: row %s vanished from Kafka", i+1, id)
			case d > 1:
				t.Errorf("run %d delivered row %s (txId %d) %d times", i+1, id, byTx[id], d)
			case d == 1 && byTx[id] <= from:
				t.Errorf("run %d delivered row %s (txId %d) although the offset it started from (txId %d) covers it", i+1, id, byTx[id], from)
			case d == 1:
				delivered++
			}
		}
		if i == len(kills) {
			for _, r := range rows {
				if r.txid > from && now[r.id]-prev[r.id] != 1 {
					t.Errorf("the last run, started from txId %d, did not deliver row %d (txId %d)", from, r.seq, r.txid)
				}
			}
		}
		t.Logf("run %d: started from txId %d, delivered %d rows", i+1, from, delivered)
		prev = now
	}
	dups := 0
	for _, r := range rows {
		if c := counts[r.id]; c == 0 {
			t.Errorf("row %d (txId %d) lost", r.seq, r.txid)
		} else {
			dups += c - 1
		}
	}
	if len(counts) != len(rows) {
		t.Errorf("Kafka holds %d distinct ids, %d rows were inserted", len(counts), len(rows))
	}
	if replayed == 0 {
		t.Errorf("no kill found delivered rows after the committed offset, so no replay was tested (seed %d)", seed)
	}
	t.Logf("at-least-once: %d rows, %d records in Kafka, %d replayed duplicates, 2 kills", len(rows), total, dups)
	if t.Failed() || os.Getenv("INLET_EXAMPLE_LOGS") == "1" {
		t.Log(p.Logs())
	}
}

// TestExactlyOnceUnderSIGKILL: exactly.once.support=required with the
// worker's offsets in Kafka (worker-eos.properties). The worker is killed
// three times: at a random point, at the worst point (its transaction
// holds the batch's records and source offsets and the commit request has
// just reached the broker, which never processes it), and at a random point
// again. A read_committed consumer then sees every row exactly once.
func TestExactlyOnceUnderSIGKILL(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 2))
	t.Logf("seed %d", seed)
	pg := startPostgres(t)
	k := kafkatest.Start(t)
	dir := t.TempDir()
	wf := render(t, dir, "worker-eos.properties", map[string]string{
		"bootstrap.servers": k.Addr, "offset.flush.interval.ms": "200", "listeners": "",
		"config.storage.dir": filepath.Join(dir, "pipelines"),
	})
	pf := render(t, dir, "outbox-kafka.properties", map[string]string{
		"database.port": strconv.Itoa(pg.Port), "exactly.once.support": "required",
	})
	p := proctest.New(t, dir, "standalone", wf, pf)

	// Armed with a process, the next commit request (EndTxn, commit=true)
	// kills it and is dropped with the connection, as if the worker died
	// just after sending it.
	var armed atomic.Pointer[os.Process]
	killedAtCommit := make(chan struct{}, 1)
	k.ControlKey(int16(kmsg.EndTxn), func(req kmsg.Request) (kmsg.Response, error, bool) {
		k.KeepControl()
		proc := armed.Load()
		if proc == nil || !req.(*kmsg.EndTxnRequest).Commit || !armed.CompareAndSwap(proc, nil) {
			return nil, nil, false
		}
		_ = proc.Signal(syscall.SIGKILL)
		killedAtCommit <- struct{}{}
		return nil, errors.New("worker killed before its commit was processed"), true
	})

	p.Start()
	waitFor(t, "the replication slot", 20*time.Second, func() bool { return slotActive(pg) }, p.Logs)

	const n = 400
	in := newInserter(t, pg)
	inserted := insertContinuously(in, n, 10*time.Millisecond)
	for i := 0; i < 3; i++ {
		time.Sleep(randomPause(rng, 400*time.Millisecond, 1300*time.Millisecond))
		if i == 1 {
			armed.Store(p.Cmd.Process)
			select {
			case <-killedAtCommit:
			case <-time.After(15 * time.Second):
				t.Fatalf("no transaction committed within 15 s\n%s", p.Logs())
			}
			p.Reap()
			t.Logf("kill %d (before the commit of a transaction): %d rows inserted", i+1, len(in.all()))
		} else {
			p.Kill9()
			t.Logf("kill %d: %d rows inserted", i+1, len(in.all()))
		}
		p.Start()
	}
	if err := <-inserted; err != nil {
		t.Fatal(err)
	}
	rows := in.all()
	waitDelivered(t, k, rows, true, p)
	p.Stop()

	counts, total := deliveries(t, k, true)
	for _, r := range rows {
		if c := counts[r.id]; c != 1 {
			t.Errorf("row %d (txId %d) seen %d times by a read_committed consumer, want exactly once", r.seq, r.txid, c)
		}
	}
	if len(counts) != len(rows) {
		t.Errorf("read_committed: %d distinct ids, %d rows were inserted", len(counts), len(rows))
	}
	// librdkafka's read_committed consumer agrees (when kcat is installed;
	// TestOutboxToKafkaReadByKcat already demands it under INLET_CI=1).
	if kcat, err := exec.LookPath("kcat"); err == nil {
		seen := map[string]int{}
		for _, topic := range topics {
			for _, rec := range readWithKcat(t, kcat, k.Addr, topic, "-X", "isolation.level=read_committed") {
				id, _ := rec.header("id")
				seen[id]++
			}
		}
		for _, r := range rows {
			if seen[r.id] != 1 {
				t.Errorf("kcat (read_committed) saw row %d %d times, want exactly once", r.seq, seen[r.id])
			}
		}
		if len(seen) != len(rows) {
			t.Errorf("kcat (read_committed) saw %d distinct ids, %d rows were inserted", len(seen), len(rows))
		}
	}
	_, raw := deliveries(t, k, false)
	if raw <= total {
		t.Errorf("the log holds %d records and read_committed %d: the kill before a commit left no aborted records, so it tested nothing", raw, total)
	}
	t.Logf("exactly-once: %d rows, %d records read_committed, %d in the log (%d aborted), 3 kills", len(rows), total, raw, raw-total)
	if t.Failed() || os.Getenv("INLET_EXAMPLE_LOGS") == "1" {
		t.Log(p.Logs())
	}
}

// readTopic reads topic from the start up to the end offsets listed now
// (high watermarks, or last stable offsets for read_committed) with a
// plain franz-go consumer, closed before it returns. Control records are
// not returned.
func readTopic(t *testing.T, k *kafkatest.Cluster, topic string, committed bool) []*kgo.Record {
	t.Helper()
	ends := map[int32]int64{}
	for _, p := range k.PartitionInfos(topic) {
		if p == nil {
			continue
		}
		end := p.HighWatermark
		if committed {
			end = p.LastStableOffset
		}
		if end > p.LogStartOffset {
			ends[p.Partition] = end
		}
	}
	if len(ends) == 0 {
		return nil
	}
	opts := []kgo.Opt{kgo.SeedBrokers(k.Addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.KeepControlRecords()}
	if committed {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(ends) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %s (read_committed=%v): timed out with partitions %v left", topic, committed, ends)
		}
		fs.EachError(func(_ string, p int32, err error) { t.Fatalf("read %s[%d]: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			if e, ok := ends[r.Partition]; ok && r.Offset >= e-1 {
				delete(ends, r.Partition)
			}
			if !r.Attrs.IsControl() {
				out = append(out, r)
			}
		})
	}
	return out
}
