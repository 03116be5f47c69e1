package connect

import "context"

// OffsetStore persists the source offsets of every pipeline of a worker.
// The worker uses a file store (offset.storage.file.filename) unless a
// plugin of KindOffsetStore is configured (offset.storage.topic, for the
// Kafka-backed store). Keys are Kafka Connect's: the pipeline name plus the
// source partition map, compared by structure, not bytes.
type OffsetStore interface {
	// Get returns the stored offset for one source partition, or nil.
	Get(ctx context.Context, pipeline string, partition map[string]any) (map[string]any, error)
	// Put stores offsets durably; a nil Offset deletes (resets) the partition.
	// When Put returns nil the offsets survive a crash.
	Put(ctx context.Context, pipeline string, offsets []SourceOffset) error
	// List returns every stored offset of a pipeline (for the REST offsets call).
	List(ctx context.Context, pipeline string) ([]SourceOffset, error)
}

// KindOffsetStore is a plugin that provides an OffsetStore; its constructor
// is Plugin.NewOffsetStore and it gets the worker's configuration.
const KindOffsetStore Kind = KindHeaderConverter + 1
