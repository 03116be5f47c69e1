package connect

import (
	"context"
	"log/slog"
	"time"
)

// SourceTask produces records. One goroutine calls Poll at a time; Commit
// and CommitRecord may run on another goroutine, concurrently with Poll.
type SourceTask interface {
	// Poll returns the next records. It should block until it has some, or
	// until ctx is done (then it returns ctx.Err() or nil, nil promptly).
	// Returning no records and no error is fine; the runtime polls again.
	// An error that IsRetriable is retried under the pipeline's retry policy;
	// any other error fails the task.
	Poll(ctx context.Context) ([]*Record, error)
}

// SourceCommitter is an optional SourceTask extension. Commit is called
// after the runtime has durably stored offsets, with the last committed
// offset of each source partition: everything up to and including them has
// reached the sink. Sources that acknowledge upstream (a replication slot's
// confirmed LSN, a consumer group's offset) do it here and nowhere earlier.
type SourceCommitter interface {
	Commit(ctx context.Context, offsets []SourceOffset) error
}

// RecordCommitter is an optional SourceTask extension, Kafka Connect's
// commitRecord: called once per polled record when it has been delivered,
// dropped by a transform, or dead-lettered (delivered == false).
type RecordCommitter interface {
	CommitRecord(ctx context.Context, r *Record, delivered bool) error
}

// SourceOffset is a source partition and the offset reached in it.
type SourceOffset struct {
	Partition map[string]any
	Offset    map[string]any
}

// SinkTask delivers records. Put and Flush are called from one goroutine.
type SinkTask interface {
	// Put hands records to the sink. It may deliver them at once or buffer
	// them until Flush. An error that is a *RecordErrors names the records
	// that failed (the others were accepted); any other error means none of
	// the batch can be assumed accepted.
	Put(ctx context.Context, records []*Record) error
	// Flush returns once every record passed to Put is durably accepted by
	// the destination (for Kafka: acknowledged by the broker). Only then does
	// the runtime commit their source offsets. Errors as for Put.
	Flush(ctx context.Context) error
}

// Transformation is a single-message transform (SMT). Apply returns the
// transformed record, or nil to drop it. It must not change r or anything
// reachable from it: clone on write. It must be safe for concurrent use.
type Transformation interface {
	Apply(ctx context.Context, r *Record) (*Record, error)
}

// BatchTransformation is an optional Transformation extension. When a
// transform implements it the runtime calls ApplyBatch with each batch
// instead of Apply per record. It may return any number of records for its
// inputs (split, merge, enrich), which Kafka Connect cannot do. Offsets of
// the inputs are committed once every output is delivered.
type BatchTransformation interface {
	ApplyBatch(ctx context.Context, records []*Record) ([]*Record, error)
}

// Predicate decides whether a transform applies (Kafka Connect's Predicate).
// It must be safe for concurrent use (see Transformation).
type Predicate interface {
	Test(r *Record) bool
}

// Converter turns Connect data into bytes and back (Kafka's Converter).
// It must be safe for concurrent use: a task with
// batch.transform.concurrency > 1 converts several batches at once.
type Converter interface {
	// FromConnect serializes a key or value; topic and headers are context
	// (schema registries use them); nil value → nil bytes.
	FromConnect(topic string, headers Headers, schema *Schema, value any) ([]byte, error)
	// ToConnect parses bytes; nil bytes → nil schema and value.
	ToConnect(topic string, headers Headers, data []byte) (*Schema, any, error)
}

// HeaderConverter turns one header value into bytes and back. It must be
// safe for concurrent use, as Converter.
type HeaderConverter interface {
	FromHeader(topic, key string, schema *Schema, value any) ([]byte, error)
	ToHeader(topic, key string, data []byte) (*Schema, any, error)
}

// BytesSink is an optional SinkTask extension: a sink that writes bytes
// (Kafka, a records file) returns true and the runtime serializes key,
// value and headers with the pipeline's converters before Put, so converter
// errors are attributed to the converter stage. Other sinks get Connect data.
type BytesSink interface {
	WantsBytes() bool
}

// BytesSource is an optional SourceTask extension: a source that reads
// bytes (Kafka, a records file) returns true and the runtime parses keys,
// values and headers that are []byte with the pipeline's converters.
type BytesSource interface {
	EmitsBytes() bool
}

// TaskContext is what the runtime gives a task when it opens. It is a
// struct, not an interface, so fields can be added without breaking plugins.
type TaskContext struct {
	Pipeline string
	Task     int
	Logger   *slog.Logger

	// Offsets reads the last committed offsets of the task's pipeline.
	Offsets OffsetReader

	// Progress reports long-running work (snapshots, backfills) to the
	// task status and metrics. Never nil when the runtime opens a task.
	Progress func(Progress)

	// Worker holds the worker's settings that plugins may need, e.g.
	// bootstrap.servers for the Kafka connectors (flat keys).
	Worker map[string]string

	// Now is the runtime's clock (tests replace it). Never nil when the
	// runtime opens a task.
	Now func() time.Time
}

// OffsetReader looks up committed source offsets.
type OffsetReader interface {
	// Offset returns the stored offset for a source partition, or nil.
	Offset(partition map[string]any) (map[string]any, error)
}

// Progress is a report on long-running work, e.g. one table of a snapshot.
type Progress struct {
	Phase     string // e.g. "snapshot"
	Item      string // e.g. "public.outboxevent"
	Done      int64
	Total     int64 // estimate; 0 = unknown
	Completed bool
}
