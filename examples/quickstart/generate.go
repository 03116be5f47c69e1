// Package quickstart holds inlet's quickstart: a records file of Debezium
// outbox change events, a pipeline that routes them with the outbox
// EventRouter, and a worker file. See README.md.
package quickstart

import (
	"context"
	"errors"
	"io/fs"
	"os"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/converters"
	filesink "github.com/inletdev/inlet/sink/file"
	"github.com/inletdev/inlet/source/datagen"
)

// Generate writes n change events to path ("-" = stdout), replacing the
// file: the file sink appends, as Kafka's FileStreamSink does, which would
// double a regenerated file.
func Generate(path string, n int, seed int64) error {
	if path != "-" {
		if err := os.Truncate(path, 0); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	src := datagen.New(datagen.Options{Kind: datagen.KindOutbox, Seed: seed, PayloadBytes: 160})
	conv := converters.NewJSONConverter(converters.DefaultJSONOptions())
	sink, err := filesink.Open(path, filesink.FormatRecords, nil)
	if err != nil {
		return err
	}
	defer sink.Close()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		r := src.Record(int64(i))
		key, err := conv.FromConnect(r.Topic, nil, r.KeySchema, r.Key)
		if err != nil {
			return err
		}
		value, err := conv.FromConnect(r.Topic, nil, r.ValueSchema, r.Value)
		if err != nil {
			return err
		}
		// as read from partition 0 of the Debezium topic
		rec := &connect.Record{Topic: r.Topic, Partition: 0, Key: key, Value: value, Timestamp: r.Timestamp,
			Origin: connect.Origin{Topic: r.Topic, Partition: 0, Offset: int64(i)}}
		if err := sink.Put(ctx, []*connect.Record{rec}); err != nil {
			return err
		}
	}
	return sink.Flush(ctx)
}
