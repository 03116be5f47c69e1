package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"

	"github.com/inletdev/inlet/connect"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// OffsetStore is Kafka Connect's KafkaOffsetBackingStore: source offsets in
// a compacted topic, keyed ["<pipeline>",{partition}]. Every Get and List
// first reads the topic to its end (read_committed), as Java does, so
// offsets written by someone else (an exactly-once sink's transactions, a
// previous worker) are seen. It is safe for concurrent use.
type OffsetStore struct {
	topic string
	prod  *kgo.Client
	cons  *kgo.Client
	adm   *kadm.Client

	mu   sync.Mutex // serializes reads of the topic and guards data, seen
	data map[string]storedOffset
	seen map[int32]int64 // partition → last offset consumed
}

type storedOffset struct {
	pipeline string
	offset   connect.SourceOffset
}

// OffsetStoreOptions configures topic creation.
type OffsetStoreOptions struct {
	Partitions  int32 // offset.storage.partitions (Kafka Connect: 25)
	Replication int16 // offset.storage.replication.factor (3; -1 = broker default)
	Logger      *slog.Logger
}

// OpenOffsetStore creates the topic if needed (compacted), checks that an
// existing one is compacted, and reads it to the end. props are the
// worker's client settings (Layer with Producer; the consumer uses the same
// shared keys).
func OpenOffsetStore(ctx context.Context, worker map[string]string, topic string, o OffsetStoreOptions) (*OffsetStore, error) {
	if topic == "" {
		return nil, &connect.ConfigError{Key: "offset.storage.topic", Reason: "must name the offsets topic"}
	}
	pprops := Layer(Producer, worker, "", nil, "", nil)
	pprops.Set("acks", "all")
	pprops.Set("enable.idempotence", "true")
	prod, _, err := NewClient(Producer, pprops, o.Logger)
	if err != nil {
		return nil, err
	}
	s := &OffsetStore{topic: topic, prod: prod, adm: kadm.NewClient(prod), data: map[string]storedOffset{}, seen: map[int32]int64{}}
	if err := s.ensureTopic(ctx, o); err != nil {
		prod.Close()
		return nil, err
	}
	parts, err := s.adm.ListEndOffsets(ctx, topic)
	if err != nil {
		prod.Close()
		return nil, fmt.Errorf("kafkaclient: offsets topic %q: %w", topic, err)
	}
	start := map[int32]kgo.Offset{}
	parts.Each(func(l kadm.ListedOffset) { start[l.Partition] = kgo.NewOffset().AtStart() })
	cprops := Layer(Consumer, worker, "", nil, "", nil)
	s.cons, _, err = NewClient(Consumer, cprops, o.Logger,
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: start}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Control records make the end of a transaction visible, so we know
		// we reached the last stable offset even when it is a marker.
		kgo.KeepControlRecords(),
	)
	if err != nil {
		prod.Close()
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.readToEnd(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *OffsetStore) ensureTopic(ctx context.Context, o OffsetStoreOptions) error {
	if o.Partitions == 0 {
		o.Partitions = 25
	}
	if o.Replication == 0 {
		o.Replication = 3
	}
	compact := "compact"
	resp, err := s.adm.CreateTopic(ctx, o.Partitions, o.Replication, map[string]*string{"cleanup.policy": &compact}, s.topic)
	if err == nil {
		err = resp.Err
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, kerr.TopicAlreadyExists):
	default:
		return fmt.Errorf("kafkaclient: create offsets topic %q (%d partitions, replication %d): %w", s.topic, o.Partitions, o.Replication, err)
	}
	rc, err := s.adm.DescribeTopicConfigs(ctx, s.topic)
	if err != nil {
		return fmt.Errorf("kafkaclient: describe offsets topic %q: %w", s.topic, err)
	}
	for _, r := range rc {
		for _, c := range r.Configs {
			if c.Key == "cleanup.policy" && c.Value != nil && *c.Value != "compact" {
				return fmt.Errorf("kafkaclient: offsets topic %q has cleanup.policy=%s; it must be compact or old offsets are deleted", s.topic, *c.Value)
			}
		}
	}
	return nil
}

// readToEnd consumes until every partition reached its last stable offset
// as listed now. Callers hold mu.
func (s *OffsetStore) readToEnd(ctx context.Context) error {
	ends, err := s.adm.ListCommittedOffsets(ctx, s.topic)
	if err != nil {
		return fmt.Errorf("kafkaclient: list end of offsets topic %q: %w", s.topic, err)
	}
	if err := ends.Error(); err != nil {
		return fmt.Errorf("kafkaclient: list end of offsets topic %q: %w", s.topic, err)
	}
	starts, err := s.adm.ListStartOffsets(ctx, s.topic)
	if err != nil {
		return fmt.Errorf("kafkaclient: list start of offsets topic %q: %w", s.topic, err)
	}
	want := map[int32]int64{} // partition → last offset we must see
	ends.Each(func(l kadm.ListedOffset) {
		if st, ok := starts.Lookup(s.topic, l.Partition); ok && st.Offset >= l.Offset {
			return // empty
		}
		if seen, ok := s.seen[l.Partition]; l.Offset > 0 && (!ok || seen < l.Offset-1) {
			want[l.Partition] = l.Offset - 1
		}
	})
	for len(want) > 0 {
		fs := s.cons.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("kafkaclient: reading offsets topic %q: %w", s.topic, err)
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) {
			ferr = fmt.Errorf("kafkaclient: reading offsets topic %q partition %d: %w", t, p, err)
		})
		if ferr != nil {
			return ferr
		}
		fs.EachRecord(func(r *kgo.Record) {
			s.seen[r.Partition] = r.Offset
			if w, ok := want[r.Partition]; ok && r.Offset >= w {
				delete(want, r.Partition)
			}
			if r.Attrs.IsControl() {
				return
			}
			s.apply(r)
		})
	}
	return nil
}

func (s *OffsetStore) apply(r *kgo.Record) {
	pipeline, part, err := DecodeOffsetKey(r.Key)
	if err != nil {
		return // not ours: Kafka Connect ignores keys it cannot parse too
	}
	k := CanonicalKey(pipeline, part)
	off, err := DecodeOffsetValue(r.Value)
	if err != nil || off == nil {
		delete(s.data, k)
		return
	}
	s.data[k] = storedOffset{pipeline, connect.SourceOffset{Partition: part, Offset: off}}
}

// Get returns the stored offset of one source partition, or nil.
func (s *OffsetStore) Get(ctx context.Context, pipeline string, partition map[string]any) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.readToEnd(ctx); err != nil {
		return nil, err
	}
	return s.data[CanonicalKey(pipeline, partition)].offset.Offset, nil
}

// List returns every stored offset of a pipeline.
func (s *OffsetStore) List(ctx context.Context, pipeline string) ([]connect.SourceOffset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.readToEnd(ctx); err != nil {
		return nil, err
	}
	var out []connect.SourceOffset
	for _, v := range s.data {
		if v.pipeline == pipeline {
			out = append(out, v.offset)
		}
	}
	return out, nil
}

// Put writes offsets and returns once the broker acknowledged all of them
// (acks=all); a nil Offset writes a tombstone.
func (s *OffsetStore) Put(ctx context.Context, pipeline string, offsets []connect.SourceOffset) error {
	if len(offsets) == 0 {
		return nil
	}
	recs := make([]*kgo.Record, 0, len(offsets))
	for _, o := range offsets {
		r, err := OffsetRecord(s.topic, pipeline, o)
		if err != nil {
			return err
		}
		recs = append(recs, r)
	}
	if err := s.prod.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return connect.Retriable(fmt.Errorf("kafkaclient: write offsets of pipeline %q to %q: %w", pipeline, s.topic, err))
	}
	s.mu.Lock()
	for _, r := range recs {
		s.apply(r)
	}
	s.mu.Unlock()
	return nil
}

// Close releases the clients.
func (s *OffsetStore) Close() error {
	if s.cons != nil {
		s.cons.Close()
	}
	s.prod.Close()
	return nil
}

// OffsetRecord builds the offsets-topic record of one source offset. The
// exactly-once sink writes the same records inside its transactions.
func OffsetRecord(topic, pipeline string, o connect.SourceOffset) (*kgo.Record, error) {
	k, err := EncodeOffsetKey(pipeline, o.Partition)
	if err != nil {
		return nil, err
	}
	v, err := EncodeOffsetValue(o.Offset)
	if err != nil {
		return nil, err
	}
	// Partitioned by murmur2 of the key like Java, so a key always lands in
	// one partition and compaction keeps its last value.
	return &kgo.Record{Topic: topic, Key: k, Value: v}, nil
}

// ParseInt16 parses a replication factor setting.
func ParseInt16(s string) (int16, error) {
	n, err := strconv.ParseInt(s, 10, 16)
	return int16(n), err
}

// EnsureOffsetsTopic creates a compacted offsets topic if it is missing and
// checks that an existing one is compacted.
func EnsureOffsetsTopic(ctx context.Context, adm *kadm.Client, topic string, partitions int32, replication int16) error {
	s := &OffsetStore{topic: topic, adm: adm}
	return s.ensureTopic(ctx, OffsetStoreOptions{Partitions: partitions, Replication: replication})
}
