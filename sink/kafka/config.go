package kafka

import (
	"fmt"
	"strings"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/kafkaclient"
)

// Keys of the kafka sink. Producer settings keep the Java producer's names;
// any other producer key goes under producer.override.*. The worker's
// bootstrap.servers, security.protocol, sasl.*, ssl.* and producer.* keys
// apply first (TaskContext.Worker), as in Kafka Connect.
const (
	KeyExactlyOnce      = "exactly.once.support"
	KeyTxnBoundary      = "transaction.boundary"
	KeyTxnInterval      = "transaction.boundary.interval.ms"
	KeyOffsetsTopic     = "offsets.storage.topic"
	KeyBootstrapServers = "bootstrap.servers"
)

// producerKeys are the producer settings the sink declares directly (from
// sink.<key> in a pipeline file); defaults are the Java producer's, except
// where noted.
var producerKeys = []connect.ConfigKey{
	{Name: KeyBootstrapServers, Type: connect.TypeList, Importance: connect.High, Group: "Producer",
		Doc: "Brokers to write to. Default: the worker's bootstrap.servers. Set it to point a dead-letter queue at another cluster."},
	{Name: "acks", Default: "all", Importance: connect.High, Group: "Producer", Validator: connect.OneOf("all", "-1", "1", "0"),
		Doc: "Broker acknowledgements a write needs (Java acks). A record counts as delivered only when acknowledged."},
	{Name: "enable.idempotence", Type: connect.TypeBoolean, Default: "true", Group: "Producer",
		Doc: "Idempotent writes: broker-side de-duplication of retried sends (Java enable.idempotence). Needs acks=all."},
	{Name: "compression.type", Default: "none", Group: "Producer", Validator: connect.OneOf("none", "gzip", "snappy", "lz4", "zstd"),
		Doc: "Batch compression (Java compression.type)."},
	{Name: "linger.ms", Type: connect.TypeLong, Group: "Producer", Validator: connect.AtLeast(0),
		Doc: "How long to wait for more records before sending a batch (Java linger.ms). Default: franz-go's 0; Flush sends at once anyway."},
	{Name: "batch.size", Type: connect.TypeInt, Group: "Producer", Validator: connect.AtLeast(1),
		Doc: "Maximum bytes of one record batch (Java batch.size; franz-go ProducerBatchMaxBytes, default about 1 MB)."},
	{Name: "max.in.flight.requests.per.connection", Type: connect.TypeInt, Group: "Producer", Validator: connect.Between(1, 1000),
		Doc: "Produce requests in flight per broker (Java max.in.flight.requests.per.connection; at most 5 when idempotent). Default: franz-go's (5 idempotent, 1 otherwise)."},
	{Name: "client.id", Group: "Producer", Doc: "Client id sent to the brokers. Default: inlet-<pipeline>-<task>."},
	{Name: "delivery.timeout.ms", Type: connect.TypeLong, Group: "Producer", Validator: connect.AtLeast(1000),
		Doc: "How long a record may wait for acknowledgement before it fails as retriable and the pipeline's errors.retry.* policy takes over (Java delivery.timeout.ms, default 120000; Kafka Connect waits forever)."},
	{Name: "buffer.memory", Type: connect.TypeLong, Group: "Producer", Validator: connect.AtLeast(1),
		Doc: "Bytes of records buffered before Put blocks (Java buffer.memory, default 33554432): backpressure under a slow broker."},
	{Name: "max.buffered.records", Type: connect.TypeInt, Group: "Producer", Validator: connect.AtLeast(1),
		Doc: "Records buffered before Put blocks (inlet; franz-go MaxBufferedRecords, default 10000)."},
	{Name: "max.block.ms", Type: connect.TypeLong, Group: "Producer", Validator: connect.AtLeast(0),
		Doc: "How long Put waits for buffer space before the record fails as retriable (Java max.block.ms, default 60000)."},
	{Name: "request.timeout.ms", Type: connect.TypeLong, Group: "Producer", Validator: connect.AtLeast(1),
		Doc: "Broker-side produce timeout (Java request.timeout.ms)."},
	{Name: "retries", Type: connect.TypeLong, Group: "Producer", Validator: connect.AtLeast(0),
		Doc: "Send attempts per record before it fails (Java retries; default: until delivery.timeout.ms)."},
	{Name: "max.request.size", Type: connect.TypeInt, Group: "Producer", Validator: connect.AtLeast(1),
		Doc: "Largest request written to a broker (Java max.request.size)."},
	{Name: "transaction.timeout.ms", Type: connect.TypeLong, Group: "Exactly once", Validator: connect.AtLeast(1),
		Doc: "Transaction timeout with exactly.once.support=required (Java transaction.timeout.ms, default 60000)."},
}

// ConfigDef declares the sink's keys.
func ConfigDef() *connect.ConfigDef {
	d := connect.NewConfigDef(producerKeys...)
	d.Define(connect.ConfigKey{Name: KeyExactlyOnce, Default: "requested", Group: "Exactly once", Importance: connect.High,
		Validator: connect.OneOf("requested", "required"),
		Doc:       "required: each batch and its source offsets are written in one Kafka transaction (transactional id <pipeline>-<task>), so a read_committed consumer sees every record once even if the worker dies. Needs the worker's offset.storage.topic, from which the task resumes. requested (Kafka Connect's default) writes without transactions."})
	d.Define(connect.ConfigKey{Name: KeyTxnBoundary, Default: "poll", Group: "Exactly once", Validator: connect.OneOf("poll"),
		Doc: "Where transactions end. Only poll (Kafka Connect's default) is supported: one transaction per batch (batch.size / batch.interval.ms). interval and connector are rejected."})
	d.Define(connect.ConfigKey{Name: KeyTxnInterval, Type: connect.TypeLong, Group: "Exactly once",
		Doc: "Only meaningful with transaction.boundary=interval, which inlet does not support; setting it is an error. Use batch.interval.ms to size transactions."})
	d.Define(connect.ConfigKey{Name: KeyOffsetsTopic, Group: "Exactly once",
		Doc: "The offsets topic the exactly-once transactions write to. Default and only accepted value: the worker's offset.storage.topic, because the task resumes from the offsets the worker reads there."})
	d.AllowPrefix("producer.override.", "Any Java producer setting, e.g. producer.override.compression.type=zstd; wins over the worker's producer.* and the keys above.")
	d.AllowPrefix("admin.override.", "Admin client settings for topic creation (security keys), over the worker's admin.* keys.")
	d.AllowPrefix(tcPrefix, "Kafka Connect topic creation: topic.creation.groups, topic.creation.<group>.include / .exclude (regex lists), .partitions, .replication.factor (default group: both required) and any topic config, e.g. topic.creation.default.cleanup.policy=compact.")
	d.Check(func(c connect.Config) connect.ConfigErrors {
		var errs connect.ConfigErrors
		if c.Has(KeyTxnInterval) {
			errs = append(errs, &connect.ConfigError{Key: KeyTxnInterval, Value: c.Raw(KeyTxnInterval), Reason: "only transaction.boundary=poll is supported; size transactions with batch.size / batch.interval.ms"})
		}
		for k, v := range c.Prefixed("producer.override.") {
			if !kafkaclient.KnownKey(kafkaclient.Producer, k) {
				errs = append(errs, &connect.ConfigError{Key: "producer.override." + k, Value: v, Reason: "unknown Kafka producer setting"})
			}
		}
		for k, v := range c.Prefixed("admin.override.") {
			if !kafkaclient.KnownKey(kafkaclient.Admin, k) {
				errs = append(errs, &connect.ConfigError{Key: "admin.override." + k, Value: v, Reason: "unknown Kafka admin client setting"})
			}
		}
		_, tcErrs := parseTopicCreation(c.Prefixed(tcPrefix))
		errs = append(errs, tcErrs...)
		return errs
	})
	return d
}

// settings is the parsed sink configuration.
type settings struct {
	producer    kafkaclient.Props
	admin       kafkaclient.Props
	eos         bool
	offsetTopic string
	creation    *topicCreation
}

func parseSettings(cfg connect.Config, tc connect.TaskContext) (*settings, error) {
	own := map[string]string{}
	for _, k := range producerKeys {
		if cfg.Has(k.Name) {
			own[k.Name] = cfg.Raw(k.Name)
		}
	}
	s := &settings{
		producer: kafkaclient.Layer(kafkaclient.Producer, tc.Worker, "", own, "producer.override.", cfg.Prefixed("producer.override.")),
		admin:    kafkaclient.Layer(kafkaclient.Admin, tc.Worker, "", pick(own, KeyBootstrapServers), "admin.override.", cfg.Prefixed("admin.override.")),
		eos:      strings.EqualFold(cfg.String(KeyExactlyOnce), "required"),
	}
	if !s.producer.Has("client.id") {
		s.producer.Set("client.id", fmt.Sprintf("inlet-%s-%d", tc.Pipeline, tc.Task))
	}
	var errs connect.ConfigErrors
	tcKeys := cfg.Prefixed(tcPrefix)
	if len(tcKeys) > 0 && strings.EqualFold(strings.TrimSpace(tc.Worker["topic.creation.enable"]), "false") {
		errs = append(errs, &connect.ConfigError{Key: "topic.creation.default.partitions", Reason: "the worker sets topic.creation.enable=false; remove the topic.creation.* keys or enable it"})
	} else {
		var tcErrs connect.ConfigErrors
		s.creation, tcErrs = parseTopicCreation(tcKeys)
		errs = append(errs, tcErrs...)
	}
	if s.eos {
		workerTopic := strings.TrimSpace(tc.Worker["offset.storage.topic"])
		own := strings.TrimSpace(cfg.String(KeyOffsetsTopic))
		switch {
		case workerTopic == "":
			errs = append(errs, &connect.ConfigError{Key: KeyExactlyOnce, Value: "required", Reason: "needs offset.storage.topic in the worker configuration: the transactions write the source offsets there and the task resumes from them"})
		case own != "" && own != workerTopic:
			errs = append(errs, &connect.ConfigError{Key: KeyOffsetsTopic, Value: own, Reason: fmt.Sprintf("must equal the worker's offset.storage.topic (%s): the task resumes from the offsets the worker reads there", workerTopic)})
		}
		s.offsetTopic = workerTopic
		for _, k := range []string{"acks", "enable.idempotence"} {
			if v, ok := s.producer[k]; ok && !(strings.EqualFold(v.Value, "all") || v.Value == "-1" || strings.EqualFold(v.Value, "true")) {
				errs = append(errs, &connect.ConfigError{Key: v.From, Value: v.Value, Reason: "exactly.once.support=required needs acks=all and enable.idempotence=true"})
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return s, nil
}

func pick(m map[string]string, keys ...string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}
