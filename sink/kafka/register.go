package kafka

import (
	"context"
	"strings"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/kafkaclient"
)

// Register adds the kafka sink and the kafka offset store to r.
func Register(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind: connect.KindSink, Name: "kafka",
		Doc:     "Writes records to Kafka (franz-go): topic, key, headers and timestamp kept; partitions chosen as the Java client does; Kafka Connect topic creation; exactly.once.support=required writes each batch and its source offsets in one transaction. The default sink of a source pipeline.",
		Config:  ConfigDef(),
		NewSink: New,
		// The exactly-once prerequisites on the worker are checked at
		// validation time too, not only when the task opens.
		CheckWorker: checkWorker,
	})
	r.Register(connect.Plugin{
		Kind: connect.KindOffsetStore, Name: "kafka",
		Doc:            "Source offsets in a compacted Kafka topic (the worker's offset.storage.topic), in Kafka Connect's format, so offsets move between Kafka Connect and inlet.",
		Config:         OffsetStoreConfigDef(),
		NewOffsetStore: NewOffsetStore,
	})
}

// OffsetStoreConfigDef declares the worker keys the offset store reads;
// the worker's client settings (bootstrap.servers, security.protocol,
// sasl.*, ssl.*, producer.*, consumer.*) come through the prefixes.
func OffsetStoreConfigDef() *connect.ConfigDef {
	d := connect.NewConfigDef(
		connect.ConfigKey{Name: "offset.storage.topic", Required: true, Importance: connect.High, Validator: connect.NonEmpty(),
			Doc: "Compacted topic holding source offsets (Kafka Connect's offset.storage.topic); created if missing."},
		connect.ConfigKey{Name: "offset.storage.partitions", Type: connect.TypeInt, Default: "25", Validator: connect.AtLeast(1),
			Doc: "Partitions of the offsets topic when it is created."},
		connect.ConfigKey{Name: "offset.storage.replication.factor", Type: connect.TypeShort, Default: "3",
			Doc: "Replication factor of the offsets topic when it is created (-1 = broker default)."},
		connect.ConfigKey{Name: "bootstrap.servers", Type: connect.TypeList, Default: "localhost:9092", Doc: "Brokers."},
		connect.ConfigKey{Name: "security.protocol", Default: "PLAINTEXT", Doc: "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL."},
		connect.ConfigKey{Name: "client.dns.lookup", Doc: "Accepted for compatibility."},
	)
	for _, p := range []string{"sasl.", "ssl.", "producer.", "consumer."} {
		d.AllowPrefix(p, "Kafka client settings for the offsets topic.")
	}
	return d
}

// NewOffsetStore opens the Kafka-backed offset store from the worker keys.
func NewOffsetStore(ctx context.Context, cfg connect.Config) (connect.OffsetStore, error) {
	worker := cfg.Originals()
	if !cfg.Has("bootstrap.servers") {
		worker["bootstrap.servers"] = strings.Join(cfg.List("bootstrap.servers"), ",")
	}
	return kafkaclient.OpenOffsetStore(ctx, worker, cfg.String("offset.storage.topic"), kafkaclient.OffsetStoreOptions{
		Partitions:  int32(cfg.Int("offset.storage.partitions")),
		Replication: int16(cfg.Int("offset.storage.replication.factor")),
	})
}

// checkWorker reports the exactly-once settings that need the worker's
// offset.storage.topic (the same rule New applies when the task opens).
func checkWorker(cfg connect.Config, worker map[string]string) connect.ConfigErrors {
	if !strings.EqualFold(strings.TrimSpace(cfg.String(KeyExactlyOnce)), "required") {
		return nil
	}
	workerTopic := strings.TrimSpace(worker["offset.storage.topic"])
	own := strings.TrimSpace(cfg.String(KeyOffsetsTopic))
	switch {
	case workerTopic == "":
		return connect.ConfigErrors{{Key: KeyExactlyOnce, Value: "required", Reason: "needs offset.storage.topic in the worker configuration: the transactions write the source offsets there and the task resumes from them"}}
	case own != "" && own != workerTopic:
		return connect.ConfigErrors{{Key: KeyOffsetsTopic, Value: own, Reason: "must equal the worker's offset.storage.topic (" + workerTopic + "): the task resumes from the offsets the worker reads there"}}
	}
	return nil
}
