package worker

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/props"
)

// Worker keys (Kafka Connect's WorkerConfig and StandaloneConfig).
const (
	KeyBootstrapServers  = "bootstrap.servers"
	KeyKeyConverter      = "key.converter"
	KeyValueConverter    = "value.converter"
	KeyHeaderConverter   = "header.converter"
	KeyShutdownTimeout   = "task.shutdown.graceful.timeout.ms"
	KeyFlushInterval     = "offset.flush.interval.ms"
	KeyFlushTimeout      = "offset.flush.timeout.ms"
	KeyOffsetFile        = "offset.storage.file.filename"
	KeyOffsetTopic       = "offset.storage.topic"
	KeyConfigProviders   = "config.providers"
	KeyOverridePolicy    = "connector.client.config.override.policy"
	defaultJSONConverter = "org.apache.kafka.connect.json.JsonConverter"
	defaultHeaderConv    = "org.apache.kafka.connect.storage.SimpleHeaderConverter"
)

var workerDef = connect.NewConfigDef(
	connect.ConfigKey{Name: KeyBootstrapServers, Type: connect.TypeList, Default: "localhost:9092", Importance: connect.High,
		Doc: "Kafka brokers the kafka source, sink and offset store connect to (Kafka's bootstrap.servers)."},
	connect.ConfigKey{Name: KeyKeyConverter, Type: connect.TypeClass, Default: defaultJSONConverter, Importance: connect.High,
		Doc: "Converter for record keys when a sink writes bytes or a source reads bytes; its settings go under key.converter.*. Kafka requires it; inlet defaults to JsonConverter."},
	connect.ConfigKey{Name: KeyValueConverter, Type: connect.TypeClass, Default: defaultJSONConverter, Importance: connect.High,
		Doc: "Converter for record values; its settings go under value.converter.*."},
	connect.ConfigKey{Name: KeyHeaderConverter, Type: connect.TypeClass, Default: defaultHeaderConv, Importance: connect.Low,
		Doc: "Converter for header values; its settings go under header.converter.*."},
	connect.ConfigKey{Name: KeyShutdownTimeout, Type: connect.TypeLong, Default: "5000", Validator: connect.AtLeast(0), Importance: connect.Low,
		Doc: "Time all tasks together get to drain, flush and commit on shutdown."},
	connect.ConfigKey{Name: KeyFlushInterval, Type: connect.TypeLong, Default: "60000", Validator: connect.AtLeast(1), Importance: connect.Low,
		Doc: "How often source offsets are stored (and SourceCommitter.Commit called)."},
	connect.ConfigKey{Name: KeyFlushTimeout, Type: connect.TypeLong, Default: "5000", Validator: connect.AtLeast(1), Importance: connect.Low,
		Doc: "Time one offset commit may take before it is abandoned and retried at the next interval."},
	connect.ConfigKey{Name: KeyOffsetFile, Importance: connect.High,
		Doc: "File that stores source offsets as JSON, written atomically (temp file, fsync, rename). Required unless offset.storage.topic is set."},
	connect.ConfigKey{Name: KeyOffsetTopic, Importance: connect.High,
		Doc: "Kafka topic that stores source offsets (Kafka Connect's compacted connect-offsets); needs the kafka offset store plugin."},
	connect.ConfigKey{Name: "offset.storage.partitions", Type: connect.TypeInt, Default: "25", Importance: connect.Low,
		Doc: "Partitions of offset.storage.topic when it is created."},
	connect.ConfigKey{Name: "offset.storage.replication.factor", Type: connect.TypeShort, Default: "3", Importance: connect.Low,
		Doc: "Replication factor of offset.storage.topic when it is created (-1 = broker default)."},
	connect.ConfigKey{Name: KeyConfigProviders, Type: connect.TypeList, Default: "", Importance: connect.Low,
		Doc: "Config provider aliases; each needs config.providers.<alias>.class (FileConfigProvider, DirectoryConfigProvider, EnvVarConfigProvider) and optional config.providers.<alias>.param.* keys."},
	connect.ConfigKey{Name: KeyOverridePolicy, Default: "All", Validator: connect.OneOf("All", "None", "Principal"), Importance: connect.Medium,
		Doc: "Which producer.override.*, consumer.override.*, admin.override.* keys pipelines may set: All, None, or Principal (only security.protocol, sasl.jaas.config, sasl.mechanism)."},
	connect.ConfigKey{Name: "topic.creation.enable", Type: connect.TypeBoolean, Default: "true", Importance: connect.Low,
		Doc: "Allow topic.creation.* in pipelines; given to the kafka sink through TaskContext.Worker."},
	connect.ConfigKey{Name: "client.dns.lookup", Default: "use_all_dns_ips", Importance: connect.Medium, Doc: "Given to the Kafka clients."},
	connect.ConfigKey{Name: "security.protocol", Default: "PLAINTEXT", Importance: connect.Medium, Doc: "Given to the Kafka clients."},
	connect.ConfigKey{Name: "listeners", Type: connect.TypeList, Default: "", Importance: connect.Low,
		Doc: "REST listeners, e.g. http://:8083 (Kafka's default); inlet serves the REST API only when this is set."},
	connect.ConfigKey{Name: "rest.advertised.host.name", Importance: connect.Low, Doc: "Host name the REST API advertises."},
	connect.ConfigKey{Name: "rest.advertised.port", Type: connect.TypeInt, Default: "0", Importance: connect.Low, Doc: "Port the REST API advertises."},
	connect.ConfigKey{Name: "rest.advertised.listener", Importance: connect.Low, Doc: "Listener (http or https) the REST API advertises."},
	connect.ConfigKey{Name: "admin.listeners", Type: connect.TypeList, Importance: connect.Low, Doc: "Listeners for /admin; empty = the main listeners."},
	connect.ConfigKey{Name: "access.control.allow.origin", Importance: connect.Low, Doc: "CORS Access-Control-Allow-Origin of the REST API."},
	connect.ConfigKey{Name: "access.control.allow.methods", Importance: connect.Low, Doc: "CORS Access-Control-Allow-Methods of the REST API."},
	connect.ConfigKey{Name: "response.http.headers.config", Importance: connect.Low, Doc: "Extra REST response headers."},
	connect.ConfigKey{Name: "rest.auth.basic.users.file", Importance: connect.Medium,
		Doc: "Properties file of user=password pairs; when set, the REST API requires HTTP basic auth."},
	connect.ConfigKey{Name: "config.storage.dir", Importance: connect.Low,
		Doc: "Directory where pipelines created or changed over REST are kept across restarts (default: <offset.storage.file.filename>.pipelines)."},
	connect.ConfigKey{Name: "plugin.path", Type: connect.TypeList, Importance: connect.Low,
		Doc: "Accepted and ignored: inlet's plugins are compiled in."},
	connect.ConfigKey{Name: "plugin.discovery", Importance: connect.Low, Doc: "Accepted and ignored: inlet's plugins are compiled in."},
).
	AllowPrefix("config.providers.", "config provider classes and parameters").
	AllowPrefix("key.converter.", "settings of the worker's key converter").
	AllowPrefix("value.converter.", "settings of the worker's value converter").
	AllowPrefix("header.converter.", "settings of the worker's header converter").
	AllowPrefix("producer.", "worker-wide producer settings for the kafka sink").
	AllowPrefix("consumer.", "worker-wide consumer settings for the kafka source").
	AllowPrefix("admin.", "worker-wide admin client settings").
	AllowPrefix("ssl.", "TLS settings of the Kafka clients").
	AllowPrefix("sasl.", "SASL settings of the Kafka clients").
	AllowPrefix("listeners.", "per-listener REST settings, e.g. listeners.https.ssl.*").
	Reject("group.id", "distributed mode is not supported: inlet runs standalone (use offset.storage.topic to keep offsets in Kafka)").
	Reject("config.storage.topic", "distributed mode is not supported: inlet runs standalone").
	Reject("status.storage.topic", "distributed mode is not supported: inlet runs standalone").
	Reject("rest.host.name", "removed in Kafka 4.0: use listeners").
	Reject("rest.port", "removed in Kafka 4.0: use listeners").
	Reject("internal.key.converter", "removed in Kafka 4.0: internal data is always schemaless JSON").
	Reject("internal.value.converter", "removed in Kafka 4.0: internal data is always schemaless JSON").
	Reject("metrics.sample.window.ms", "inlet exports Prometheus metrics; there are no sampling windows to configure").
	Reject("metrics.num.samples", "inlet exports Prometheus metrics; there are no sampling windows to configure").
	Reject("metrics.recording.level", "inlet exports Prometheus metrics; every metric is always recorded").
	Check(func(c connect.Config) connect.ConfigErrors {
		if c.String(KeyOffsetFile) == "" && c.String(KeyOffsetTopic) == "" {
			return connect.ConfigErrors{{Key: KeyOffsetFile, Reason: "missing: standalone mode stores offsets in this file (or set offset.storage.topic)"}}
		}
		return nil
	})

// WorkerConfigDef returns the keys a worker file accepts (for docs).
func WorkerConfigDef() *connect.ConfigDef { return workerDef }

// WorkerKeys returns the names of every declared worker key (the keys that
// INLET_<KEY> environment variables can set even when the file does not).
func WorkerKeys() []string {
	var out []string
	for _, k := range workerDef.Keys() {
		out = append(out, k.Name)
	}
	return out
}

// WorkerConfig is a parsed worker configuration.
type WorkerConfig struct {
	// File is where the settings came from, for error messages ("" = none).
	File string
	// Props is every setting, with config provider references resolved.
	Props map[string]string
	// Config is Props parsed against the worker's ConfigDef.
	Config connect.Config

	OffsetFile          string
	OffsetTopic         string
	OffsetFlushInterval time.Duration
	OffsetFlushTimeout  time.Duration
	ShutdownTimeout     time.Duration
	// WorkerID names this worker in status answers (host name by default).
	WorkerID string
}

// LoadWorkerConfig reads a worker .properties file (with INLET_* overrides)
// and parses it. Errors name the file and the keys.
func LoadWorkerConfig(path string) (WorkerConfig, error) {
	m, err := props.LoadWorker(path, WorkerKeys())
	if err != nil {
		return WorkerConfig{}, err
	}
	return ParseWorkerConfig(path, m)
}

// ParseWorkerConfig resolves the config provider references in props (the
// worker's own providers, as Kafka does since KIP-421) and parses them.
// file names the source in errors ("" if none).
func ParseWorkerConfig(file string, m map[string]string) (WorkerConfig, error) {
	wc := WorkerConfig{File: file}
	fail := func(err error) (WorkerConfig, error) {
		ces := connect.AsConfigErrors(err)
		if ces == nil {
			return wc, err
		}
		for _, ce := range ces {
			if ce.File == "" {
				ce.File = file
			}
		}
		return wc, &ConfigInvalidError{Errors: ces}
	}
	res, err := props.NewResolver(m)
	if err != nil {
		return fail(err)
	}
	resolved, err := res.Resolve(m)
	if err != nil {
		return fail(err)
	}
	cfg, err := workerDef.Parse(resolved)
	if err != nil {
		return fail(err)
	}
	wc.Props = resolved
	wc.Config = cfg
	wc.OffsetFile = cfg.String(KeyOffsetFile)
	wc.OffsetTopic = cfg.String(KeyOffsetTopic)
	wc.OffsetFlushInterval = time.Duration(cfg.Long(KeyFlushInterval)) * time.Millisecond
	wc.OffsetFlushTimeout = time.Duration(cfg.Long(KeyFlushTimeout)) * time.Millisecond
	wc.ShutdownTimeout = time.Duration(cfg.Long(KeyShutdownTimeout)) * time.Millisecond
	wc.WorkerID, _ = os.Hostname()
	if h := cfg.String("rest.advertised.host.name"); h != "" {
		wc.WorkerID = h
	}
	if p := cfg.Int("rest.advertised.port"); p > 0 {
		wc.WorkerID = fmt.Sprintf("%s:%d", wc.WorkerID, p)
	}
	if wc.WorkerID == "" {
		wc.WorkerID = "standalone"
	}
	return wc, nil
}

func (wc WorkerConfig) withDefaults() WorkerConfig {
	if wc.Props == nil {
		wc.Props = map[string]string{}
	}
	if wc.OffsetFlushInterval <= 0 {
		wc.OffsetFlushInterval = 60 * time.Second
	}
	if wc.OffsetFlushTimeout <= 0 {
		wc.OffsetFlushTimeout = 5 * time.Second
	}
	if wc.ShutdownTimeout <= 0 {
		wc.ShutdownTimeout = 5 * time.Second
	}
	if wc.WorkerID == "" {
		wc.WorkerID = "standalone"
	}
	return wc
}

// setting returns a worker setting or its declared default.
func (wc WorkerConfig) setting(key string) string {
	if v, ok := wc.Props[key]; ok {
		return strings.TrimSpace(v)
	}
	k, _ := workerDef.Key(key)
	return k.Default
}

// ReadPipelineFile reads a pipeline (connector) file: Java .properties,
// or JSON (a POST /connectors body or a flat map), as connect-standalone
// accepts. ${...} references stay unresolved until the pipeline starts.
func ReadPipelineFile(path string) (map[string]string, error) {
	return props.ReadFile(path)
}

// ReadPipelineFileState is ReadPipelineFile that also returns the target
// state a JSON POST /connectors body asks for with "initial_state"
// (TargetRunning when the file does not say).
func ReadPipelineFileState(path string) (map[string]string, TargetState, error) {
	m, st, err := props.ReadFileState(path)
	if err != nil {
		return nil, "", err
	}
	if st == "" {
		st = string(TargetRunning)
	}
	return m, TargetState(st), nil
}
