// Package datagen is a source of deterministic synthetic records, for
// demos, benchmarks and tests.
//
// Record n depends only on the seed and n, so a run is reproducible and a
// restart continues with exactly the records that would have come next:
// the source offset is {"seq": n} under the partition {"datagen": <topic>}.
//
// Kinds (key `kind`):
//
//   - json: schemaless JSON-shaped values (map[string]any) with a string key.
//   - outbox: Debezium PostgreSQL change events (op "c") of Debezium's
//     documented outbox table, public.outboxevent (id uuid, aggregatetype,
//     aggregateid, type varchar NOT NULL, payload jsonb), as the connector
//     emits them: key Struct <prefix>.public.outboxevent.Key, value Struct
//     <prefix>.public.outboxevent.Envelope (version 2) with before, after
//     (<prefix>.public.outboxevent.Value), source
//     (io.debezium.connector.postgresql.Source), transaction, op, ts_ms,
//     ts_us, ts_ns. Feed them to the outbox EventRouter.
//
// Times are synthetic (from 2026-03-01T12:00:00Z, 10 ms apart), not the wall
// clock, so output is byte-for-byte stable.
package datagen

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/inletdev/inlet/connect"
)

// Keys.
const (
	KindKey         = "kind"
	TopicKey        = "topic"
	TopicPrefixKey  = "topic.prefix"
	RateKey         = "rate"
	CountKey        = "count"
	SeedKey         = "seed"
	PollRecordsKey  = "poll.records"
	PayloadBytesKey = "payload.bytes"
	AggregatesKey   = "aggregate.types"

	KindJSON   = "json"
	KindOutbox = "outbox"

	// DebeziumVersion is what source.version says.
	DebeziumVersion = "3.6.1.Final"
	// baseMillis is the synthetic clock's start, 2026-03-01T12:00:00Z.
	baseMillis = 1772366400000
)

// Config declares datagen's keys.
func Config() *connect.ConfigDef {
	return connect.NewConfigDef(
		connect.ConfigKey{Name: KindKey, Default: KindJSON, Validator: connect.OneOf(KindJSON, KindOutbox), Importance: connect.High,
			Doc: "json: schemaless JSON values; outbox: Debezium PostgreSQL change events of public.outboxevent."},
		connect.ConfigKey{Name: TopicKey, Default: "", Importance: connect.High,
			Doc: "Topic of the records. Default: datagen (json) or <topic.prefix>.public.outboxevent (outbox), Debezium's topic name."},
		connect.ConfigKey{Name: TopicPrefixKey, Default: "dbserver1", Validator: connect.NonEmpty(),
			Doc: "Debezium's topic.prefix: the logical server name in topics, schema names and source.name (outbox)."},
		connect.ConfigKey{Name: RateKey, Type: connect.TypeDouble, Default: "0", Validator: connect.AtLeast(0), Importance: connect.High,
			Doc: "Records per second; 0 = as fast as the pipeline takes them."},
		connect.ConfigKey{Name: CountKey, Type: connect.TypeLong, Default: "0", Validator: connect.AtLeast(0), Importance: connect.High,
			Doc: "Records in all (sequence numbers 0 … count-1, across restarts); 0 = endless. Once done, the source idles."},
		connect.ConfigKey{Name: SeedKey, Type: connect.TypeLong, Default: "1",
			Doc: "Seed: the same seed gives the same records."},
		connect.ConfigKey{Name: PollRecordsKey, Type: connect.TypeInt, Default: "1000", Validator: connect.Between(1, 100000), Importance: connect.Low,
			Doc: "Most records one poll returns."},
		connect.ConfigKey{Name: PayloadBytesKey, Type: connect.TypeInt, Default: "120", Validator: connect.Between(0, 1<<20),
			Doc: "Approximate size of each outbox payload (the jsonb column), in bytes."},
		connect.ConfigKey{Name: AggregatesKey, Type: connect.TypeList, Default: "order,customer,shipment", Validator: connect.NonEmpty(),
			Doc: "Values of the outbox aggregatetype column (routing: outbox.event.<aggregatetype>)."},
	)
}

// Register adds datagen to r.
func Register(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind: connect.KindSource, Name: "datagen",
		Aliases: []string{"DatagenSource"},
		Doc:     "Deterministic synthetic records at a given rate and count: JSON values or Debezium change events of an outbox table. Resumes by sequence number.",
		Config:  Config(),
		NewSource: func(_ context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
			opt := Options{
				Kind: cfg.String(KindKey), Topic: cfg.String(TopicKey), TopicPrefix: cfg.String(TopicPrefixKey),
				Rate: cfg.Double(RateKey), Count: cfg.Long(CountKey), Seed: cfg.Long(SeedKey),
				PollRecords: cfg.Int(PollRecordsKey), PayloadBytes: cfg.Int(PayloadBytesKey), Aggregates: cfg.List(AggregatesKey),
				Now: tc.Now,
			}
			s := New(opt)
			if tc.Offsets != nil {
				off, err := tc.Offsets.Offset(s.Partition())
				if err != nil {
					return nil, fmt.Errorf("datagen: read committed offset: %w", err)
				}
				if off != nil {
					seq, ok := toInt64(off["seq"])
					if !ok || seq < 0 {
						return nil, fmt.Errorf("datagen: committed offset %v has no valid \"seq\"", off)
					}
					s.next = seq + 1
					if tc.Logger != nil {
						tc.Logger.Info("datagen: resuming", "topic", s.topic, "seq", s.next)
					}
				}
			}
			return s, nil
		},
	})
}

// Options configure a Source; zero values take the ConfigDef defaults.
type Options struct {
	Kind         string
	Topic        string
	TopicPrefix  string
	Rate         float64 // records/s, 0 = unlimited
	Count        int64   // 0 = endless
	Seed         int64
	PollRecords  int
	PayloadBytes int
	Aggregates   []string
	Now          func() time.Time // the rate's clock; nil = time.Now
}

// Source generates records. Poll is called by one goroutine.
type Source struct {
	opt       Options
	topic     string
	partition map[string]any
	schemas   *outboxSchemas

	next      int64 // sequence number of the next record
	started   time.Time
	startSeq  int64
	closeOnce sync.Once
	done      chan struct{}
}

// New returns a source starting at sequence 0.
func New(opt Options) *Source {
	if opt.Kind == "" {
		opt.Kind = KindJSON
	}
	if opt.TopicPrefix == "" {
		opt.TopicPrefix = "dbserver1"
	}
	if opt.PollRecords <= 0 {
		opt.PollRecords = 1000
	}
	if len(opt.Aggregates) == 0 {
		opt.Aggregates = []string{"order", "customer", "shipment"}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Source{opt: opt, topic: opt.Topic, done: make(chan struct{})}
	if s.topic == "" {
		if opt.Kind == KindOutbox {
			s.topic = opt.TopicPrefix + ".public.outboxevent"
		} else {
			s.topic = "datagen"
		}
	}
	if opt.Kind == KindOutbox {
		s.schemas = newOutboxSchemas(opt.TopicPrefix)
	}
	s.partition = map[string]any{"datagen": s.topic}
	return s
}

// Partition is the source partition of every record.
func (s *Source) Partition() map[string]any { return s.partition }

// Poll returns the next records, pacing them to the rate; once count
// records exist it waits for ctx.
func (s *Source) Poll(ctx context.Context) ([]*connect.Record, error) {
	n := int64(s.opt.PollRecords)
	if s.opt.Count > 0 {
		n = min(n, s.opt.Count-s.next)
		if n <= 0 {
			return nil, s.idle(ctx, 0)
		}
	}
	if s.opt.Rate > 0 {
		now := s.opt.Now()
		if s.started.IsZero() {
			s.started, s.startSeq = now, s.next
		}
		// records due by now since the start, at the rate
		due := int64(now.Sub(s.started).Seconds()*s.opt.Rate) + 1 - (s.next - s.startSeq)
		if due <= 0 {
			wait := time.Duration(float64(s.next-s.startSeq)/s.opt.Rate*float64(time.Second)) - now.Sub(s.started)
			return nil, s.idle(ctx, max(wait, time.Millisecond))
		}
		n = min(n, due)
	}
	out := make([]*connect.Record, n)
	for i := range out {
		out[i] = s.Record(s.next)
		s.next++
	}
	return out, nil
}

// idle waits d (0 = until ctx is done or the source is closed).
func (s *Source) idle(ctx context.Context, d time.Duration) error {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ctx.Done():
	case <-s.done:
	case <-timeout:
	}
	return nil
}

// Close wakes an idle Poll. It is idempotent.
func (s *Source) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	return nil
}

// Record returns record seq: the same for the same options and seq.
func (s *Source) Record(seq int64) *connect.Record {
	rng := newRand(s.opt.Seed, seq)
	var r *connect.Record
	if s.opt.Kind == KindOutbox {
		r = s.outboxRecord(seq, rng)
	} else {
		r = s.jsonRecord(seq, rng)
	}
	r.SourcePartition = s.partition
	r.SourceOffset = map[string]any{"seq": seq}
	return r
}

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Niklaus"}
	statuses   = []string{"placed", "paid", "packed", "shipped", "delivered"}
)

func (s *Source) jsonRecord(seq int64, rng *rand) *connect.Record {
	id := strconv.FormatInt(seq, 10)
	v := map[string]any{
		"id":       seq,
		"name":     firstNames[rng.intn(len(firstNames))],
		"amount":   float64(rng.intn(100000)) / 100,
		"quantity": int64(rng.intn(10) + 1),
		"status":   statuses[rng.intn(len(statuses))],
		"active":   rng.intn(2) == 0,
		"tags":     []any{"synthetic", statuses[rng.intn(len(statuses))]},
		"ts":       baseMillis + seq*10,
	}
	return &connect.Record{Topic: s.topic, Partition: connect.UnassignedPartition, Key: id, Value: v,
		Timestamp: time.UnixMilli(baseMillis + seq*10).UTC()}
}

// rand is splitmix64 seeded from (seed, seq): record n needs no state from
// record n-1, which is what makes a resume exact.
type rand struct{ x uint64 }

func newRand(seed, seq int64) *rand {
	r := &rand{x: uint64(seed)*0x9E3779B97F4A7C15 ^ uint64(seq)*0xD1B54A32D192ED03}
	r.next()
	return r
}

func (r *rand) next() uint64 {
	r.x += 0x9E3779B97F4A7C15
	z := r.x
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func (r *rand) intn(n int) int { return int(r.next() % uint64(n)) }

// uuid returns a version-4 UUID from the stream.
func (r *rand) uuid() string {
	a, b := r.next(), r.next()
	a = a&^0xF000 | 0x4000           // version 4
	b = b&^(0xC000<<48) | 0x8000<<48 // RFC 4122 variant
	const hex = "0123456789abcdef"
	var out [36]byte
	i := 0
	put := func(x uint64, nibbles int) {
		for k := nibbles - 1; k >= 0; k-- {
			out[i] = hex[(x>>(uint(k)*4))&0xF]
			i++
		}
	}
	put(a>>32, 8)
	out[i] = '-'
	i++
	put(a>>16, 4)
	out[i] = '-'
	i++
	put(a, 4)
	out[i] = '-'
	i++
	put(b>>48, 4)
	out[i] = '-'
	i++
	put(b, 12)
	return string(out[:])
}

func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case float64:
		if n != math.Trunc(n) {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		x, err := n.Int64()
		return x, err == nil
	case string:
		x, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
		return x, err == nil
	}
	return 0, false
}
