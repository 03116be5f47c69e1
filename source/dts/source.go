package dts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/box"
)

// activeSids is the set of consumer groups consumed in this process. It is
// the one piece of package-level mutable state, on purpose: DTS allows one
// client per consumer group (a second one overwrites the group's committed
// position), and two pipelines of one worker are invisible to each other
// otherwise, since kadm's DescribeGroups only sees them once both joined.
var activeSids = struct {
	sync.Mutex
	m map[string]string // sid → pipeline
}{m: map[string]string{}}

func acquireSid(sid, pipeline string) (release func(), err error) {
	activeSids.Lock()
	defer activeSids.Unlock()
	if other, busy := activeSids.m[sid]; busy {
		return nil, fmt.Errorf("%w: pipeline %q already consumes consumer group %q in this worker; "+
			"DTS allows one client per consumer group, so use another consumer group (dts.sid) for pipeline %q",
			ErrSidInUse, other, sid, pipeline)
	}
	activeSids.m[sid] = pipeline
	var once sync.Once
	return func() {
		once.Do(func() {
			activeSids.Lock()
			delete(activeSids.m, sid)
			activeSids.Unlock()
		})
	}, nil
}

// task consumes partition 0 of a DTS topic as the only member of its
// consumer group. Poll runs on one goroutine; Commit may run concurrently.
type task struct {
	s       settings
	log     *slog.Logger
	cl      *kgo.Client
	dec     *Decoder
	change  Change // reused: each Change becomes a record at once
	bld     *Builder
	part    map[string]any
	release func()

	// Boxed forms of the SourceOffset values (see next): the arena for
	// offsets, and the last source second and cluster ID, which
	// consecutive records share.
	arena        box.Arena
	offTS        int64
	offTSValue   any
	clusterValue any // t.cluster, boxed: set wherever t.cluster is

	pending error // a decode error held back until the records before it are out

	mu sync.Mutex
	// consumedNext is the offset after the last record read (emitted or
	// not); emittedNext the offset after the last record emitted.
	consumedNext, emittedNext int64
	consumedTS                int64
	committed                 int64
	emittedAny                bool
	warnedPartition           bool
	closeOnce                 sync.Once

	// The Kafka cluster behind the endpoint (see cluster.go). cluster is
	// written by Poll under mu; the rest is Poll's own, except deliveredNext
	// and draining, which Commit keeps under mu.
	cluster        string
	watch          connWatch
	clusterChecked time.Time
	deliveredNext  int64 // the offset after the last record Commit saw delivered
	draining       bool  // old-cluster records may be undelivered: commit nothing new
	drainUntil     int64 // the old cluster's offset after its last emitted record
}

// newTask opens the source: claim the sid, check the group has no other
// member, find the start position, join the group.
func newTask(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
	s, err := parseSettings(cfg)
	if err != nil {
		return nil, err
	}
	log := tc.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("connector", "dts", "topic", s.topic, "sid", s.sid)
	release, err := acquireSid(s.sid, tc.Pipeline)
	if err != nil {
		return nil, err
	}
	t := &task{
		s:       s,
		log:     log,
		dec:     NewDecoder(),
		release: release,
		part:    map[string]any{"topic": s.topic, "partition": int64(0), "sid": s.sid},
	}
	source := tc.Pipeline
	if source == "" {
		source = "dts"
	}
	t.bld = NewBuilder(BuilderConfig{Topic: s.topic, Source: source, Subject: s.subject(), Format: s.format})
	if err := t.open(ctx, tc); err != nil {
		release()
		return nil, err
	}
	return t, nil
}

func (t *task) clientOpts() []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(t.s.broker),
		kgo.SASL(plain.Auth{User: SASLUser(t.s.user, t.s.sid), Pass: t.s.password}.AsMechanism()),
		kgo.ClientID(clientID),
		kgo.SessionTimeout(sessionTimeout),
		// DTS supports Kafka clients 0.11 to 2.7. kgo negotiates every
		// request's version down to what the broker announces (ApiVersions),
		// and this source uses nothing newer than 2.7 offers: classic group
		// membership, OffsetCommit metadata, ListOffsets by timestamp.
	}
}

func (t *task) open(ctx context.Context, tc connect.TaskContext) error {
	admCl, err := kgo.NewClient(t.clientOpts()...)
	if err != nil {
		return fmt.Errorf("dts: client for %s: %w", t.s.broker, err)
	}
	adm := kadm.NewClient(admCl)
	defer adm.Close()

	if err := t.waitGroupFree(ctx, adm); err != nil {
		return err
	}

	md, err := adm.BrokerMetadata(ctx)
	if err != nil {
		return t.connErr("reading the cluster ID of", err)
	}
	t.cluster, t.clusterChecked, t.consumedTS = md.Cluster, time.Now(), -1
	t.clusterValue = md.Cluster // boxed once, for every record's offset
	start, err := t.startOffset(ctx, adm, tc)
	if err != nil {
		return err
	}
	t.consumedNext, t.emittedNext, t.deliveredNext, t.committed = start, start, start, -1
	t.cl, err = t.newConsumer()
	return err
}

// newConsumer joins the group with a client that starts partition 0 at
// t.consumedNext.
func (t *task) newConsumer() (*kgo.Client, error) {
	opts := append(t.clientOpts(),
		kgo.ConsumerGroup(t.s.sid),
		kgo.ConsumeTopics(t.s.topic),
		// Offsets are committed only in Commit, after the sink flushed.
		kgo.DisableAutoCommit(),
		// Partition 0 starts where this task decided (checkpoint, stored or
		// committed offset), and after a rebalance where it left off.
		kgo.AdjustFetchOffsetsFn(func(_ context.Context, offs map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
			if ps, ok := offs[t.s.topic]; ok {
				if _, ok := ps[0]; ok {
					t.mu.Lock()
					ps[0] = kgo.NewOffset().At(t.consumedNext)
					t.mu.Unlock()
				}
			}
			return offs, nil
		}),
		kgo.FetchMaxWait(500*time.Millisecond),
		// A position whose data expired while the task ran must stop the
		// task (Poll reports it), as it does at startup: by default the
		// client would jump to the earliest data held and skip records.
		kgo.ConsumeResetOffset(kgo.NoResetOffset()),
		// Records fetched over a new connection may come from another
		// cluster: Poll checks the cluster ID before handing them on.
		kgo.WithHooks(&t.watch),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("dts: consumer for %s: %w", t.s.broker, err)
	}
	return cl, nil
}

// currentClient is the consumer, for callers other than Poll (which
// replaces it on a cluster switch).
func (t *task) currentClient() *kgo.Client {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cl
}

// clientID names this source's group members, so that a member left
// behind by a killed worker can be told from another client.
const clientID = "inlet-dts"

// sessionTimeout is the group session timeout: the Kafka 2.x clients'
// default (DTS serves clients 0.11 to 2.7). It bounds how long a restart
// after a crash waits for the dead member's session to end.
const sessionTimeout = 10 * time.Second

// waitGroupFree enforces one client per consumer group. A member with
// another client id is another client: refused at once. Members with this
// source's client id are taken for this pipeline's previous process, killed
// before it could leave the group (kill -9, OOM, power loss): the broker
// ends their session within sessionTimeout, so a restart waits for that
// (plus a margin) instead of failing; if they are still there afterwards
// they are alive, i.e. the same pipeline runs in another worker, and the
// start is refused.
func (t *task) waitGroupFree(ctx context.Context, adm *kadm.Client) error {
	deadline := time.Now().Add(sessionTimeout + 5*time.Second)
	warned := false
	for {
		groups, err := adm.DescribeGroups(ctx, t.s.sid)
		if err != nil {
			return t.connErr("describing consumer group", err)
		}
		g, ok := groups[t.s.sid]
		if !ok {
			return nil
		}
		if g.Err != nil && !errors.Is(g.Err, kerr.GroupIDNotFound) {
			return t.connErr("describing consumer group", g.Err)
		}
		if len(g.Members) == 0 {
			return nil
		}
		own := true
		for _, m := range g.Members {
			own = own && m.ClientID == clientID
		}
		if !own || time.Now().After(deadline) {
			hint := "stop the other client, or wait for its session to time out"
			if own {
				hint = fmt.Sprintf("its session did not end within %v, so it is alive: is this pipeline running in another worker?", sessionTimeout+5*time.Second)
			}
			return fmt.Errorf("%w: consumer group %q already has %d active member(s) (first: client %q on %s); "+
				"DTS allows one client per consumer group: %s",
				ErrSidInUse, t.s.sid, len(g.Members), g.Members[0].ClientID, g.Members[0].ClientHost, hint)
		}
		if !warned {
			warned = true
			t.log.Warn("the consumer group still has a member from an earlier run of this source (stopped without leaving the group?); "+
				"waiting for its session to end", "members", len(g.Members), "host", g.Members[0].ClientHost, "wait_max", sessionTimeout+5*time.Second)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("dts: waiting for consumer group %q to be free: %w", t.s.sid, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// connErr explains connection failures, naming the SASL user on auth errors.
func (t *task) connErr(what string, err error) error {
	if errors.Is(err, kerr.SaslAuthenticationFailed) || errors.Is(err, kerr.IllegalSaslState) || errors.Is(err, kerr.UnsupportedSaslMechanism) {
		return fmt.Errorf("dts: %s at %s: SASL/PLAIN login as %q failed; check %s and %s: %w",
			what, t.s.broker, SASLUser(t.s.user, t.s.sid), KeyUser, KeyPassword, err)
	}
	return connect.Retriable(fmt.Errorf("dts: %s %q at %s as SASL user %q: %w (if this persists, check %s, %s and %s)",
		what, t.s.sid, t.s.broker, SASLUser(t.s.user, t.s.sid), err, KeyBrokerURL, KeyUser, KeyPassword))
}

// startOffset decides where partition 0 starts. A position stored by the
// runtime or committed to the group wins (the later of the two: both are
// written only after the sink flushed); only a group that has neither is on
// its first run, and starts at dts.checkpoint (or the earliest data held).
func (t *task) startOffset(ctx context.Context, adm *kadm.Client, tc connect.TaskContext) (int64, error) {
	earliest, end, err := t.bounds(ctx, adm)
	if err != nil {
		return 0, err
	}
	resume := int64(-1)
	var from string
	if tc.Offsets != nil {
		stored, err := tc.Offsets.Offset(t.part)
		if err != nil {
			return 0, fmt.Errorf("dts: reading the stored offset: %w", err)
		}
		if c := offsetCluster(stored); c != "" && c != t.cluster {
			// Written before a cluster switch: its offset means nothing
			// here; its source timestamp does (see cluster.go).
			ts, ok := offsetOf(map[string]any{"offset": stored["sourceTimestamp"]})
			if !ok {
				ts = -1
			}
			t.log.Warn("the stored position is from another Kafka cluster (a DTS disaster-recovery switch): re-reading from its source second",
				"stored_cluster", c, "cluster", t.cluster, "sourceTimestamp", ts)
			t.consumedTS = ts
			return t.seekTimestamp(ctx, adm, ts)
		}
		if n, ok := offsetOf(stored); ok {
			resume, from = n, "stored offset"
			if ts, ok := offsetOf(map[string]any{"offset": stored["sourceTimestamp"]}); ok {
				t.consumedTS = ts
			}
		}
	}
	committed, err := adm.FetchOffsets(ctx, t.s.sid)
	if errors.Is(err, kerr.GroupIDNotFound) {
		committed, err = nil, nil // a new group: its first run
	}
	if err != nil {
		return 0, t.connErr("fetching committed offsets of", err)
	}
	if c, ok := committed.Lookup(t.s.topic, 0); ok && c.Err == nil && c.At >= 0 && c.At > resume {
		resume, from = c.At, "committed offset"
		if ts, ok := metadataTS(c.Metadata); ok {
			t.consumedTS = ts
		}
	}
	if resume >= 0 {
		if resume < earliest || resume > end {
			return 0, fmt.Errorf("%w: the %s %d of consumer group %q is outside the offsets %d..%d that topic %q still holds; "+
				"reset the group's offset in the DTS console or use a new consumer group with %s",
				ErrCheckpointOutOfRange, from, resume, t.s.sid, earliest, end, t.s.topic, KeyCheckpoint)
		}
		t.log.Info("resuming after the last committed position", "from", from, "offset", resume)
		return resume, nil
	}
	if t.s.checkpoint < 0 {
		t.log.Info("first run of the consumer group without a checkpoint: starting at the earliest data held", "offset", earliest)
		return earliest, nil
	}
	return t.seekCheckpoint(ctx, adm, earliest, end)
}

// seekCheckpoint finds the first record at or after the checkpoint. DTS
// reads an offsets-for-times timestamp as Unix seconds (a Kafka broker
// would read milliseconds), so the seconds go into the request as they are.
func (t *task) seekCheckpoint(ctx context.Context, adm *kadm.Client, earliest, end int64) (int64, error) {
	cp := t.s.checkpoint
	when := time.Unix(cp, 0).UTC().Format(time.DateTime) + " UTC"
	if earliest == end {
		return 0, fmt.Errorf("%w: %s=%d (%s): topic %q holds no data yet", ErrCheckpointOutOfRange, KeyCheckpoint, cp, when, t.s.topic)
	}
	offset, found, err := t.lookupTime(ctx, adm, cp)
	if err != nil {
		return 0, err
	}
	switch {
	case offset < 0 || offset >= end:
		return 0, fmt.Errorf("%w: %s=%d (%s) is after the newest data of topic %q; pick an earlier time",
			ErrCheckpointOutOfRange, KeyCheckpoint, cp, when, t.s.topic)
	case offset == earliest && found > cp:
		return 0, fmt.Errorf("%w: %s=%d (%s) is before the earliest data topic %q still holds (from %s UTC); pick a later time",
			ErrCheckpointOutOfRange, KeyCheckpoint, cp, when, t.s.topic, time.Unix(found, 0).UTC().Format(time.DateTime))
	}
	t.log.Info("first run of the consumer group: starting at the checkpoint", "checkpoint", cp, "offset", offset)
	t.consumedTS = cp
	return offset, nil
}

// bounds returns the first offset partition 0 holds and the one after its
// last record.
func (t *task) bounds(ctx context.Context, adm *kadm.Client) (earliest, end int64, err error) {
	starts, err := adm.ListStartOffsets(ctx, t.s.topic)
	if err != nil {
		return 0, 0, t.connErr("listing offsets of", err)
	}
	ends, err := adm.ListEndOffsets(ctx, t.s.topic)
	if err != nil {
		return 0, 0, t.connErr("listing offsets of", err)
	}
	so, ok := starts.Lookup(t.s.topic, 0)
	eo, ok2 := ends.Lookup(t.s.topic, 0)
	if !ok || !ok2 {
		return 0, 0, fmt.Errorf("dts: topic %q has no partition 0 at %s; check %s", t.s.topic, t.s.broker, KeyTopic)
	}
	if err := errors.Join(so.Err, eo.Err); err != nil {
		return 0, 0, t.connErr("listing offsets of", err)
	}
	return so.Offset, eo.Offset, nil
}

// lookupTime finds the first record at or after ts. DTS reads an
// offsets-for-times timestamp as Unix seconds (a Kafka broker would read
// milliseconds), so the seconds go into the request as they are. found is
// that record's timestamp in seconds.
func (t *task) lookupTime(ctx context.Context, adm *kadm.Client, ts int64) (offset, found int64, err error) {
	listed, err := adm.ListOffsetsAfterMilli(ctx, ts, t.s.topic)
	if err != nil {
		return 0, 0, t.connErr("seeking by source timestamp in", err)
	}
	lo, ok := listed.Lookup(t.s.topic, 0)
	if !ok || lo.Err != nil {
		return 0, 0, t.connErr("seeking by source timestamp in", errors.Join(lo.Err, errors.New("no answer for partition 0")))
	}
	// The answer's timestamp is the found record's: seconds in kfake's
	// emulation and, presumably, on DTS; read it as milliseconds when it is
	// too large to be seconds, so either form compares right.
	found = lo.Timestamp
	if found > maxCheckpoint {
		found /= 1000
	}
	return lo.Offset, found, nil
}

// offsetOf reads the "offset" of a stored source offset, which may have
// been through JSON.
func offsetOf(m map[string]any) (int64, bool) {
	switch v := m["offset"].(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case float64:
		if v == math.Trunc(v) {
			return int64(v), true
		}
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// maxPollRecords bounds one Poll.
const maxPollRecords = 10000

// Poll returns the INSERT, UPDATE, DELETE and DDL records read. BEGIN,
// COMMIT, HEARTBEAT and placeholder values are read and counted but not
// emitted. A record that does not decode stops the task (after the records
// before it are handed on): it is never skipped.
func (t *task) Poll(ctx context.Context) ([]*connect.Record, error) {
	if t.pending != nil {
		return nil, t.pending
	}
	fetches := t.cl.PollRecords(ctx, maxPollRecords)
	// Records kgo handed over are past its fetch position: hand them on
	// even if ctx ended meanwhile, or they would be skipped until a restart.
	if fetches.NumRecords() == 0 && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if fetches.IsClientClosed() {
		return nil, errors.New("dts: consumer closed")
	}
	var ferr, lost error
	fetches.EachError(func(topic string, p int32, err error) {
		if errors.Is(err, kerr.OffsetOutOfRange) && lost == nil {
			t.mu.Lock()
			next := t.consumedNext
			t.mu.Unlock()
			lost = fmt.Errorf("%w: consumer group %q: offset %d of topic %q partition %d is no longer held (the DTS data expired or was deleted while the task ran), "+
				"so the records from there to the earliest data held are lost to this group; reset the group's offset in the DTS console or use a new consumer group with %s: %w",
				ErrCheckpointOutOfRange, t.s.sid, next, topic, p, KeyCheckpoint, err)
			return
		}
		if ferr == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			ferr = t.connErr("consuming consumer group", fmt.Errorf("topic %q partition %d: %w", topic, p, err))
		}
	})
	// Records fetched over a new connection are handed on only while the
	// cluster behind the endpoint is still the one the offsets belong to
	// (see cluster.go).
	if id, changed, err := t.clusterChanged(ctx, ferr != nil || lost != nil); err != nil {
		if fetches.NumRecords() == 0 {
			return nil, err // nothing to doubt (e.g. the endpoint is down); checked again next time
		}
		return nil, t.refetch(err)
	} else if changed {
		return nil, t.switchCluster(ctx, id)
	}
	out := make([]*connect.Record, 0, fetches.NumRecords())
	t.mu.Lock()
	defer t.mu.Unlock()
	fetches.EachRecord(func(kr *kgo.Record) {
		if t.pending != nil {
			return
		}
		r, err := t.next(kr)
		if err != nil {
			t.pending = fmt.Errorf("dts: record at topic %q partition 0 offset %d: %w", kr.Topic, kr.Offset, err)
			return
		}
		if r != nil {
			out = append(out, r)
		}
	})
	// Records fetched before the lost position are handed on first.
	if lost != nil && t.pending == nil {
		t.pending = lost
	}
	if len(out) == 0 && t.pending != nil {
		return nil, t.pending
	}
	if len(out) == 0 && ferr != nil {
		return nil, ferr
	}
	return out, nil
}

// next reads one fetched record: the record to emit, or nil for one that
// only moves the position on (a placeholder, BEGIN, COMMIT, HEARTBEAT, a
// re-fetched or foreign-partition record). t.mu is held.
func (t *task) next(kr *kgo.Record) (*connect.Record, error) {
	if kr.Partition != 0 {
		if !t.warnedPartition {
			t.warnedPartition = true
			t.log.Warn("ignoring a partition other than 0: DTS topics have exactly one", "partition", kr.Partition)
		}
		return nil, nil
	}
	if kr.Offset < t.consumedNext {
		return nil, nil // re-fetched after a rebalance; already handed on
	}
	if IsPlaceholder(kr.Value) {
		t.consumedNext = kr.Offset + 1
		return nil, nil
	}
	c := &t.change
	if err := t.dec.DecodeInto(c, kr.Value); err != nil {
		return nil, err
	}
	t.consumedNext, t.consumedTS = kr.Offset+1, c.SourceTimestamp
	if !c.Operation.Emitted() {
		return nil, nil
	}
	r, err := t.bld.Record(c, kr.Offset)
	if err != nil {
		return nil, err
	}
	// One partition map for every record: the runtime's offset tracker
	// recognises it by identity.
	r.SourcePartition = t.part
	// Kafka's convention: the committed offset is the next to read. The
	// offset map is the record's own (the runtime keeps the last delivered
	// record's); its numbers are boxed in the arena and the cluster ID
	// once per cluster, so the map is its only allocation.
	if c.SourceTimestamp != t.offTS || t.offTSValue == nil {
		t.offTS, t.offTSValue = c.SourceTimestamp, t.arena.Int64(c.SourceTimestamp)
	}
	r.SourceOffset = map[string]any{"offset": t.arena.Int64(kr.Offset + 1), "sourceTimestamp": t.offTSValue, "cluster": t.clusterValue}
	t.emittedNext, t.emittedAny = kr.Offset+1, true
	return r, nil
}

// Commit commits the delivered position to the consumer group, with the
// record's source timestamp (seconds) as metadata as the DTS SDK does, so
// both the SDK (which re-seeks by that timestamp) and plain Kafka clients
// resume correctly.
//
// BEGIN, COMMIT and HEARTBEAT records are never emitted, so no delivered
// record carries their offsets. Offsets are ordered, so committing a later
// emitted record passes the skipped ones before it; and when everything
// emitted so far is delivered (the offset equals the last emitted record's),
// the commit moves on to the last record read, skipped ones included. A
// stream of heartbeats therefore keeps the group's position current, and
// nothing is passed that was not delivered. Offsets read from another Kafka
// cluster, before a switch, are never committed (see cluster.go).
func (t *task) Commit(ctx context.Context, offsets []connect.SourceOffset) error {
	t.mu.Lock()
	cluster := t.cluster
	t.mu.Unlock()
	next, oldNext := int64(-1), int64(-1)
	var ts int64
	for _, o := range offsets {
		if o.Partition["topic"] != t.s.topic || o.Partition["sid"] != t.s.sid {
			continue
		}
		if c := offsetCluster(o.Offset); c != "" && c != cluster {
			// Read before a cluster switch: never committed to the new
			// cluster, but it tells how far the old records are delivered.
			if n, ok := offsetOf(o.Offset); ok && n > oldNext {
				oldNext = n
			}
			continue
		}
		if n, ok := offsetOf(o.Offset); ok && n > next {
			next = n
			if v, ok := offsetOf(map[string]any{"offset": o.Offset["sourceTimestamp"]}); ok {
				ts = v
			}
		}
	}
	t.mu.Lock()
	if t.cluster != cluster || t.cl == nil {
		t.mu.Unlock()
		return nil // the cluster switched meanwhile: next time
	}
	if t.draining && (next >= 0 || oldNext >= t.drainUntil) {
		t.draining = false // delivery is in order: the old records are out
	}
	if t.draining {
		t.mu.Unlock()
		return nil
	}
	if next > t.deliveredNext {
		t.deliveredNext = next
	}
	// Nothing emitted yet, or all of it delivered: skipped records after it
	// may pass too.
	if (!t.emittedAny || next >= t.emittedNext) && t.consumedNext > next {
		next, ts = t.consumedNext, t.consumedTS
	}
	if next <= t.committed {
		t.mu.Unlock()
		return nil
	}
	cl := t.cl
	t.mu.Unlock()

	meta := strconv.FormatInt(max(ts, 0), 10) // -1: no record read yet, start unknown
	ctx = kgo.PreCommitFnContext(ctx, func(req *kmsg.OffsetCommitRequest) error {
		for i := range req.Topics {
			for j := range req.Topics[i].Partitions {
				req.Topics[i].Partitions[j].Metadata = &meta
			}
		}
		return nil
	})
	var cerr error
	cl.CommitOffsetsSync(ctx, map[string]map[int32]kgo.EpochOffset{t.s.topic: {0: {Epoch: -1, Offset: next}}},
		func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
			if err != nil {
				cerr = err
				return
			}
			for _, tp := range resp.Topics {
				for _, p := range tp.Partitions {
					if e := kerr.ErrorForCode(p.ErrorCode); e != nil && cerr == nil {
						cerr = e
					}
				}
			}
		})
	if cerr != nil {
		return connect.Retriable(fmt.Errorf("dts: committing offset %d to consumer group %q: %w", next, t.s.sid, cerr))
	}
	t.mu.Lock()
	if next > t.committed {
		t.committed = next
	}
	t.mu.Unlock()
	t.log.Debug("committed", "offset", next, "sourceTimestamp", ts)
	return nil
}

// Close leaves the consumer group and frees the sid for another pipeline.
func (t *task) Close() error {
	t.closeOnce.Do(func() {
		if cl := t.currentClient(); cl != nil {
			cl.Close()
		}
		t.release()
	})
	return nil
}
