// Package kafka is the kafka source: a consumer-group reader (franz-go)
// that is the default source of a sink pipeline, as Kafka Connect's sink
// tasks are. Records keep their bytes, headers and timestamp and carry
// their Kafka coordinates (Origin, and the source partition
// {"kafka_topic","kafka_partition"} with offset {"kafka_offset"}, the next
// offset to read, as Kafka Connect's offsets REST API shows sink offsets).
// Group offsets move only in Commit, after the sink flushed the records.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/kafkaclient"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Source reads a consumer group. Poll runs on one goroutine; Commit,
// CommitRecord and franz-go's rebalance callbacks may run on others, so the
// partition state is guarded by mu.
type Source struct {
	cl      *kgo.Client
	log     *slog.Logger
	group   string
	maxPoll int

	mu    sync.Mutex
	parts map[tp]*partState // assigned partitions only
	keys  map[tp]map[string]any
}

type tp struct {
	topic     string
	partition int32
}

type partState struct {
	committed int64 // highest offset committed to the group (next to read); -1 = none known
	done      int64 // next offset after the last record the runtime finished; -1 = none
}

var (
	_ connect.SourceTask      = (*Source)(nil)
	_ connect.SourceCommitter = (*Source)(nil)
	_ connect.RecordCommitter = (*Source)(nil)
	_ connect.BytesSource     = (*Source)(nil)
)

// New opens the source and joins the group.
func New(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
	return open(ctx, cfg, tc)
}

func open(_ context.Context, cfg connect.Config, tc connect.TaskContext) (*Source, error) {
	own := map[string]string{}
	for _, k := range ownKeys {
		if cfg.Has(k) {
			own[k] = cfg.Raw(k)
		}
	}
	props := kafkaclient.Layer(kafkaclient.Consumer, tc.Worker, "", own, "consumer.override.", cfg.Prefixed("consumer.override."))
	if !props.Has(KeyGroupID) {
		props.Set(KeyGroupID, "connect-"+tc.Pipeline)
	}
	if !props.Has(KeyOffsetReset) {
		props.Set(KeyOffsetReset, cfg.String(KeyOffsetReset)) // Connect's earliest, not Java's latest
	}
	if !props.Has("client.id") {
		props.Set("client.id", fmt.Sprintf("inlet-%s-%d", tc.Pipeline, tc.Task))
	}
	if !props.Has(KeyIsolation) {
		props.Set(KeyIsolation, cfg.String(KeyIsolation))
	}
	pc, err := kafkaclient.Parse(kafkaclient.Consumer, props)
	if err != nil {
		return nil, err
	}
	log := tc.Logger
	if log == nil {
		log = slog.Default()
	}
	for _, ig := range pc.Ignored {
		log.Debug("kafka source: setting has no effect in inlet", "setting", ig)
	}
	if pc.GroupID == "" {
		return nil, &connect.ConfigError{Key: KeyGroupID, Reason: "must not be empty"}
	}
	s := &Source{log: log, group: pc.GroupID, maxPoll: pc.MaxPollRecords, parts: map[tp]*partState{}, keys: map[tp]map[string]any{}}
	reset := kgo.NewOffset().AtStart()
	switch pc.AutoOffsetReset {
	case "latest":
		reset = kgo.NewOffset().AtEnd()
	case "none":
		reset = kgo.NoResetOffset()
	}
	if ts := cfg.String(KeyStartTimestamp); ts != "" {
		t, _ := parseTimestamp(ts) // checked by the ConfigDef
		reset = kgo.NewOffset().AfterMilli(t.UnixMilli())
	}
	opts := append([]kgo.Opt{}, pc.Opts...)
	opts = append(opts,
		kgo.WithLogger(kafkaclient.Logger(log)),
		kgo.ConsumerGroup(pc.GroupID),
		kgo.DisableAutoCommit(), // offsets move only in Commit / on revocation
		kgo.ConsumeResetOffset(reset),
		kgo.OnPartitionsAssigned(s.assigned),
		kgo.OnPartitionsRevoked(s.revoked),
		kgo.OnPartitionsLost(s.lost),
	)
	if pc.ReadCommitted {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	if re := cfg.String(KeyTopicsRegex); re != "" {
		// Java matches the whole name; anchor so RE2 does too.
		if _, err := regexp.Compile(re); err != nil {
			return nil, &connect.ConfigError{Key: KeyTopicsRegex, Value: re, Reason: err.Error()}
		}
		opts = append(opts, kgo.ConsumeRegex(), kgo.ConsumeTopics("^(?:"+re+")$"))
	} else {
		opts = append(opts, kgo.ConsumeTopics(cfg.List(KeyTopics)...))
	}
	s.cl, err = kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka source: %w", err)
	}
	return s, nil
}

// EmitsBytes: keys, values and headers are the bytes as stored; the
// runtime parses them with the pipeline's converters.
func (s *Source) EmitsBytes() bool { return true }

// pollWait bounds one Poll so the runtime sees an empty poll now and then.
const pollWait = time.Second

// Poll returns up to max.poll.records records.
func (s *Source) Poll(ctx context.Context) ([]*connect.Record, error) {
	pctx, cancel := context.WithTimeout(ctx, pollWait)
	defer cancel()
	fs := s.cl.PollRecords(pctx, s.maxPoll)
	if fs.IsClientClosed() {
		return nil, ErrClosed
	}
	var ferr error
	fs.EachError(func(t string, p int32, err error) {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return
		}
		if ferr == nil {
			ferr = classify(fmt.Errorf("kafka source: fetch topic %q partition %d: %w", t, p, err))
		}
	})
	n := fs.NumRecords()
	if n == 0 {
		return nil, ferr
	}
	out := make([]*connect.Record, 0, n)
	// One allocation for every record struct of the poll.
	block := make([]connect.Record, n)
	s.mu.Lock()
	fs.EachRecord(func(r *kgo.Record) {
		k := tp{r.Topic, r.Partition}
		part, ok := s.keys[k]
		if !ok {
			// Shared by every record of the partition: records are never
			// changed after hand-off, so one map serves them all.
			part = map[string]any{"kafka_topic": r.Topic, "kafka_partition": r.Partition}
			s.keys[k] = part
		}
		c := &block[len(out)]
		*c = connect.Record{
			Topic: r.Topic, Partition: r.Partition, Key: nilIfEmpty(r.Key), Value: nilIfEmpty(r.Value),
			Timestamp:       r.Timestamp,
			SourcePartition: part,
			SourceOffset:    map[string]any{"kafka_offset": r.Offset + 1},
			Origin:          connect.Origin{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset},
		}
		if len(r.Headers) > 0 {
			hs := make(connect.Headers, len(r.Headers))
			for i, h := range r.Headers {
				hs[i] = connect.Header{Key: h.Key, Value: h.Value}
			}
			c.Headers = hs
		}
		out = append(out, c)
	})
	s.mu.Unlock()
	return out, nil
}

// nilIfEmpty keeps Kafka's null (nil) apart from empty bytes; both arrive
// as they were stored.
func nilIfEmpty(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// CommitRecord notes that the runtime finished a record (delivered, dropped
// or dead-lettered), so a revoked partition can commit up to it. The
// runtime calls it in poll order.
func (s *Source) CommitRecord(_ context.Context, r *connect.Record, _ bool) error {
	if !r.Origin.IsSet() {
		return nil
	}
	s.mu.Lock()
	if st, ok := s.parts[tp{r.Origin.Topic, r.Origin.Partition}]; ok && r.Origin.Offset+1 > st.done {
		st.done = r.Origin.Offset + 1
	}
	s.mu.Unlock()
	return nil
}

// Commit commits the group offsets the runtime stored, per partition.
// Offsets of partitions this task no longer owns are skipped (the new
// owner commits them), and an offset never moves backwards.
func (s *Source) Commit(ctx context.Context, offsets []connect.SourceOffset) error {
	commit := map[string]map[int32]kgo.EpochOffset{}
	var bad error
	s.mu.Lock()
	for _, o := range offsets {
		topic, part, off, err := decodeOffset(o)
		if err != nil {
			bad = err
			continue
		}
		st, ok := s.parts[tp{topic, part}]
		if !ok || off <= st.committed {
			continue
		}
		if commit[topic] == nil {
			commit[topic] = map[int32]kgo.EpochOffset{}
		}
		commit[topic][part] = kgo.EpochOffset{Epoch: -1, Offset: off}
	}
	s.mu.Unlock()
	if err := s.commit(ctx, commit); err != nil {
		return err
	}
	return bad
}

func (s *Source) commit(ctx context.Context, offs map[string]map[int32]kgo.EpochOffset) error {
	if len(offs) == 0 {
		return nil
	}
	var cerr error
	s.cl.CommitOffsetsSync(ctx, offs, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			cerr = err
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if e := kerr.ErrorForCode(p.ErrorCode); e != nil {
					if cerr == nil {
						cerr = fmt.Errorf("topic %q partition %d: %w", t.Topic, p.Partition, e)
					}
					continue
				}
				if st, ok := s.parts[tp{t.Topic, p.Partition}]; ok {
					st.committed = max(st.committed, offs[t.Topic][p.Partition].Offset)
				}
			}
		}
	})
	if cerr != nil {
		return classify(fmt.Errorf("kafka source: commit offsets of group %q: %w", s.group, cerr))
	}
	return nil
}

func decodeOffset(o connect.SourceOffset) (string, int32, int64, error) {
	topic, _ := o.Partition["kafka_topic"].(string)
	part, ok1 := toInt64(o.Partition["kafka_partition"])
	off, ok2 := toInt64(o.Offset["kafka_offset"])
	if topic == "" || !ok1 || !ok2 {
		return "", 0, 0, fmt.Errorf("%w: partition %v offset %v", ErrBadOffset, o.Partition, o.Offset)
	}
	return topic, int32(part), off, nil
}

func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case int:
		return int64(n), true
	case float64:
		return int64(n), n == float64(int64(n))
	case interface{ Int64() (int64, error) }:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

func (s *Source) assigned(_ context.Context, cl *kgo.Client, ps map[string][]int32) {
	committed := cl.CommittedOffsets()
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, parts := range ps {
		for _, p := range parts {
			st := &partState{committed: -1, done: -1}
			if eo, ok := committed[t][p]; ok {
				st.committed = eo.Offset
			}
			s.parts[tp{t, p}] = st
		}
	}
	s.log.Info("kafka source: partitions assigned", "group", s.group, "partitions", fmtParts(ps))
}

// revoked commits what the runtime finished in the revoked partitions
// (Kafka Connect commits on revocation too), then forgets them: records of
// theirs still in the pipeline are delivered but never committed by this
// task, and the new owner reads from the committed offset.
func (s *Source) revoked(ctx context.Context, _ *kgo.Client, ps map[string][]int32) {
	offs := map[string]map[int32]kgo.EpochOffset{}
	s.mu.Lock()
	for t, parts := range ps {
		for _, p := range parts {
			if st, ok := s.parts[tp{t, p}]; ok && st.done > st.committed {
				if offs[t] == nil {
					offs[t] = map[int32]kgo.EpochOffset{}
				}
				offs[t][p] = kgo.EpochOffset{Epoch: -1, Offset: st.done}
			}
		}
	}
	s.mu.Unlock()
	if err := s.commit(ctx, offs); err != nil {
		s.log.Warn("kafka source: commit on revocation failed; the new owner re-reads those records", "group", s.group, "err", err)
	}
	s.forget(ps)
	s.log.Info("kafka source: partitions revoked", "group", s.group, "partitions", fmtParts(ps))
}

func (s *Source) lost(_ context.Context, _ *kgo.Client, ps map[string][]int32) {
	s.forget(ps)
	s.log.Warn("kafka source: partitions lost (group session expired); their records are re-read by the next owner", "group", s.group, "partitions", fmtParts(ps))
}

func (s *Source) forget(ps map[string][]int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, parts := range ps {
		for _, p := range parts {
			delete(s.parts, tp{t, p})
		}
	}
}

func fmtParts(ps map[string][]int32) string {
	var b strings.Builder
	for t, parts := range ps {
		fmt.Fprintf(&b, "%s%v ", t, parts)
	}
	return strings.TrimSpace(b.String())
}

// Close leaves the group.
func (s *Source) Close() error {
	s.cl.Close()
	return nil
}
