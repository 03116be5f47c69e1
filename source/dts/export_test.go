package dts

import (
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/inletdev/inlet/connect"
)

// PollTask is a task without a client, for benchmarks of Poll's work per
// fetched record (decode, build, source offset).
type PollTask struct{ t *task }

// NewPollTask returns a task for topic, as newTask sets it up.
func NewPollTask(topic, cluster string) PollTask {
	t := &task{
		log:     slog.Default(),
		dec:     NewDecoder(),
		part:    map[string]any{"topic": topic, "partition": int64(0), "sid": "sid"},
		cluster: cluster, clusterValue: cluster,
		bld: NewBuilder(BuilderConfig{Topic: topic, Source: "s", Subject: "acs:dts:cn-hangzhou::t/s"}),
	}
	return PollTask{t}
}

// Next is what Poll does with one fetched record.
func (p PollTask) Next(kr *kgo.Record) (*connect.Record, error) { return p.t.next(kr) }

// NewReadAllDecoder returns a Decoder that reads every byte: no skipping of
// tags, columns or after-image values that repeat earlier bytes.
func NewReadAllDecoder() *Decoder { return &Decoder{readAll: true} }
