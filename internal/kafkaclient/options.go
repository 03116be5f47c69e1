package kafkaclient

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Config is a parsed client configuration: the franz-go options plus the
// few values the connectors act on themselves.
type Config struct {
	Role Role
	Opts []kgo.Opt
	// Ignored lists keys accepted without effect (JVM-only settings), with
	// the reason, so the connector can log them once at debug level.
	Ignored []string

	Brokers []string

	// Producer.
	Acks       int16 // -1 = all
	Idempotent bool
	// MaxBlock bounds how long a send may wait for buffer space
	// (max.block.ms); the sink turns the wait into a retriable error.
	MaxBlock time.Duration
	// DeliveryTimeout bounds how long a record may wait for its
	// acknowledgement (delivery.timeout.ms, Java's default 120 s; Kafka
	// Connect waits forever, but a bounded wait lets the pipeline's
	// errors.retry.* policy decide). The producing code enforces it.
	DeliveryTimeout    time.Duration
	TransactionTimeout time.Duration

	// Consumer.
	GroupID         string
	AutoOffsetReset string // earliest, latest or none
	ReadCommitted   bool
	MaxPollRecords  int
}

type roles uint8

const (
	rProducer roles = 1 << iota
	rConsumer
	rAdmin
	rAll = rProducer | rConsumer | rAdmin
)

func (r Role) bit() roles {
	switch r {
	case Producer:
		return rProducer
	case Consumer:
		return rConsumer
	}
	return rAdmin
}

type builder struct {
	cfg    *Config
	props  Props
	errs   connect.ConfigErrors
	secure security
}

type keyDef struct {
	roles roles
	// apply handles a value; nil with ignore != "" means accepted, no effect.
	apply  func(b *builder, s Setting) error
	ignore string
}

// keys is every client key inlet knows, with the Java client's names.
var keys = map[string]keyDef{
	"bootstrap.servers": {rAll, func(b *builder, s Setting) error {
		bs := connect.SplitList(s.Value)
		if len(bs) == 0 {
			return fmt.Errorf("must list at least one host:port")
		}
		for _, h := range bs {
			if !strings.Contains(h, ":") {
				return fmt.Errorf("%q is not host:port", h)
			}
		}
		b.cfg.Brokers = bs
		b.add(kgo.SeedBrokers(bs...))
		return nil
	}, ""},
	"client.id": {rAll, func(b *builder, s Setting) error { b.add(kgo.ClientID(s.Value)); return nil }, ""},
	"client.dns.lookup": {rAll, func(b *builder, s Setting) error {
		// Go's dialer already tries every address a name resolves to.
		return oneOf(s.Value, "use_all_dns_ips", "resolve_canonical_bootstrap_servers_only")
	}, ""},
	"metadata.max.age.ms":                    {rAll, msOpt(func(d time.Duration) kgo.Opt { return kgo.MetadataMaxAge(d) }), ""},
	"connections.max.idle.ms":                {rAll, msOpt(func(d time.Duration) kgo.Opt { return kgo.ConnIdleTimeout(d) }), ""},
	"socket.connection.setup.timeout.ms":     {rAll, msOpt(func(d time.Duration) kgo.Opt { return kgo.DialTimeout(d) }), ""},
	"retry.backoff.ms":                       {rAll, msOpt(func(d time.Duration) kgo.Opt { return kgo.RetryBackoffFn(func(int) time.Duration { return d }) }), ""},
	"socket.connection.setup.timeout.max.ms": {rAll, nil, "franz-go backs off connection attempts itself"},
	"reconnect.backoff.ms":                   {rAll, nil, "franz-go backs off reconnects itself"},
	"reconnect.backoff.max.ms":               {rAll, nil, "franz-go backs off reconnects itself"},
	"retry.backoff.max.ms":                   {rAll, nil, "retry.backoff.ms sets a constant backoff"},
	"send.buffer.bytes":                      {rAll, nil, "the OS socket buffer sizes are used"},
	"receive.buffer.bytes":                   {rAll, nil, "the OS socket buffer sizes are used"},
	"metrics.sample.window.ms":               {rAll, nil, "JMX metrics do not exist in inlet"},
	"metrics.num.samples":                    {rAll, nil, "JMX metrics do not exist in inlet"},
	"metrics.recording.level":                {rAll, nil, "JMX metrics do not exist in inlet"},
	"metric.reporters":                       {rAll, nil, "JMX metrics do not exist in inlet"},
	"auto.include.jmx.reporter":              {rAll, nil, "JMX metrics do not exist in inlet"},
	"enable.metrics.push":                    {rAll, nil, "client telemetry is not pushed"},
	"request.timeout.ms": {rAll, func(b *builder, s Setting) error {
		d, err := ms(s.Value)
		if err != nil {
			return err
		}
		if b.cfg.Role == Producer {
			b.add(kgo.ProduceRequestTimeout(d))
		} else {
			b.add(kgo.RequestTimeoutOverhead(d))
		}
		return nil
	}, ""},

	// Security (security.go).
	"security.protocol":                     {rAll, func(b *builder, s Setting) error { return b.secure.protocol(s) }, ""},
	"sasl.mechanism":                        {rAll, func(b *builder, s Setting) error { b.secure.mechanism = s; return nil }, ""},
	"sasl.jaas.config":                      {rAll, func(b *builder, s Setting) error { b.secure.jaas = s; return nil }, ""},
	"ssl.truststore.location":               {rAll, func(b *builder, s Setting) error { b.secure.trustLoc = s; return nil }, ""},
	"ssl.truststore.certificates":           {rAll, func(b *builder, s Setting) error { b.secure.trustPEM = s; return nil }, ""},
	"ssl.truststore.type":                   {rAll, func(b *builder, s Setting) error { b.secure.trustType = s; return nil }, ""},
	"ssl.truststore.password":               {rAll, nil, "PEM truststores have no password"},
	"ssl.keystore.location":                 {rAll, func(b *builder, s Setting) error { b.secure.keyLoc = s; return nil }, ""},
	"ssl.keystore.type":                     {rAll, func(b *builder, s Setting) error { b.secure.keyType = s; return nil }, ""},
	"ssl.keystore.certificate.chain":        {rAll, func(b *builder, s Setting) error { b.secure.certChain = s; return nil }, ""},
	"ssl.keystore.key":                      {rAll, func(b *builder, s Setting) error { b.secure.keyPEM = s; return nil }, ""},
	"ssl.keystore.password":                 {rAll, nil, "PEM keystores are read unencrypted"},
	"ssl.key.password":                      {rAll, func(b *builder, s Setting) error { b.secure.keyPassword = s; return nil }, ""},
	"ssl.endpoint.identification.algorithm": {rAll, func(b *builder, s Setting) error { b.secure.endpointID = &s; return nil }, ""},
	"ssl.protocol":                          {rAll, func(b *builder, s Setting) error { return oneOfFold(s.Value, "TLS", "TLSv1.2", "TLSv1.3") }, ""},
	"ssl.enabled.protocols":                 {rAll, func(b *builder, s Setting) error { b.secure.protocols = s; return nil }, ""},
	"ssl.cipher.suites":                     {rAll, nil, "Go's TLS stack chooses secure cipher suites"},
	"ssl.secure.random.implementation":      {rAll, nil, "Go uses crypto/rand"},
	"ssl.keymanager.algorithm":              {rAll, nil, "JVM-only setting"},
	"ssl.trustmanager.algorithm":            {rAll, nil, "JVM-only setting"},
	"ssl.provider":                          {rAll, nil, "JVM-only setting"},
	"sasl.kerberos.service.name":            {rAll, nil, "only used by GSSAPI, which inlet does not support"},
	"sasl.login.class":                      {rAll, nil, "the login module in sasl.jaas.config decides"},
	"sasl.client.callback.handler.class":    {rAll, nil, "JVM-only setting"},

	// Producer.
	"acks": {rProducer, func(b *builder, s Setting) error {
		switch strings.ToLower(s.Value) {
		case "all", "-1":
			b.cfg.Acks = -1
			b.add(kgo.RequiredAcks(kgo.AllISRAcks()))
		case "1":
			b.cfg.Acks = 1
			b.add(kgo.RequiredAcks(kgo.LeaderAck()))
		case "0":
			b.cfg.Acks = 0
			b.add(kgo.RequiredAcks(kgo.NoAck()))
		default:
			return fmt.Errorf("must be all, -1, 1 or 0")
		}
		return nil
	}, ""},
	"enable.idempotence": {rProducer, func(b *builder, s Setting) error {
		v, err := boolean(s.Value)
		b.cfg.Idempotent = v
		return err
	}, ""},
	"compression.type": {rProducer, func(b *builder, s Setting) error {
		var c kgo.CompressionCodec
		switch strings.ToLower(s.Value) {
		case "none":
			c = kgo.NoCompression()
		case "gzip":
			c = kgo.GzipCompression()
		case "snappy":
			c = kgo.SnappyCompression()
		case "lz4":
			c = kgo.Lz4Compression()
		case "zstd":
			c = kgo.ZstdCompression()
		default:
			return fmt.Errorf("must be none, gzip, snappy, lz4 or zstd")
		}
		b.add(kgo.ProducerBatchCompression(c))
		return nil
	}, ""},
	"linger.ms": {rProducer, msOpt(func(d time.Duration) kgo.Opt { return kgo.ProducerLinger(d) }), ""},
	"batch.size": {rProducer, func(b *builder, s Setting) error {
		n, err := positive(s.Value)
		if err == nil {
			b.add(kgo.ProducerBatchMaxBytes(int32(n)))
		}
		return err
	}, ""},
	"max.request.size": {rProducer, func(b *builder, s Setting) error {
		n, err := positive(s.Value)
		if err == nil {
			b.add(kgo.BrokerMaxWriteBytes(int32(n)))
		}
		return err
	}, ""},
	"max.in.flight.requests.per.connection": {rProducer, func(b *builder, s Setting) error {
		n, err := positive(s.Value)
		if err == nil {
			b.add(kgo.MaxProduceRequestsInflightPerBroker(int(n)))
		}
		return err
	}, ""},
	"buffer.memory": {rProducer, func(b *builder, s Setting) error {
		n, err := positive(s.Value)
		if err == nil {
			b.add(kgo.MaxBufferedBytes(int(n)))
		}
		return err
	}, ""},
	"max.buffered.records": {rProducer, func(b *builder, s Setting) error {
		n, err := positive(s.Value)
		if err == nil {
			b.add(kgo.MaxBufferedRecords(int(n)))
		}
		return err
	}, ""},
	"delivery.timeout.ms": {rProducer, func(b *builder, s Setting) error {
		// Not franz-go's RecordDeliveryTimeout: that one counts from the
		// record's timestamp, and Connect records often carry old ones.
		d, err := ms(s.Value)
		b.cfg.DeliveryTimeout = d
		return err
	}, ""},
	"retries": {rProducer, func(b *builder, s Setting) error {
		n, err := strconv.ParseInt(strings.TrimSpace(s.Value), 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("expected a non-negative integer")
		}
		if n < 1<<31-1 { // Java's default MAX_INT means "until delivery.timeout.ms"
			b.add(kgo.RecordRetries(int(n)))
		}
		return nil
	}, ""},
	"max.block.ms": {rProducer, func(b *builder, s Setting) error {
		d, err := ms(s.Value)
		b.cfg.MaxBlock = d
		return err
	}, ""},
	"transaction.timeout.ms": {rProducer, func(b *builder, s Setting) error {
		d, err := ms(s.Value)
		b.cfg.TransactionTimeout = d
		return err
	}, ""},
	"transactional.id": {rProducer, func(*builder, Setting) error {
		return fmt.Errorf("inlet sets it: exactly.once.support=required uses <pipeline>-<task>")
	}, ""},
	"partitioner.class": {rProducer, func(*builder, Setting) error {
		return fmt.Errorf("inlet always uses the Java client's default partitioner (murmur2 of the key, sticky for null keys); remove the key")
	}, ""},
	"partitioner.ignore.keys": {rProducer, func(*builder, Setting) error {
		return fmt.Errorf("not supported: keyed records are always hashed as the Java default partitioner does")
	}, ""},
	"partitioner.adaptive.partitioning.enable": {rProducer, nil, "null-key records always use franz-go's adaptive sticky partitioner"},
	"partitioner.availability.timeout.ms":      {rProducer, nil, "null-key records always use franz-go's adaptive sticky partitioner"},
	"interceptor.classes": {rProducer | rConsumer, func(*builder, Setting) error {
		return fmt.Errorf("Java interceptors cannot run in inlet; use a transform instead")
	}, ""},
	"key.serializer":       {rProducer, nil, "inlet serializes with the pipeline's key.converter"},
	"value.serializer":     {rProducer, nil, "inlet serializes with the pipeline's value.converter"},
	"metadata.max.idle.ms": {rProducer, nil, "franz-go keeps metadata for topics it produces to"},

	// Consumer.
	"group.id":          {rConsumer, func(b *builder, s Setting) error { b.cfg.GroupID = strings.TrimSpace(s.Value); return nil }, ""},
	"group.instance.id": {rConsumer, func(b *builder, s Setting) error { b.add(kgo.InstanceID(s.Value)); return nil }, ""},
	"auto.offset.reset": {rConsumer, func(b *builder, s Setting) error {
		v := strings.ToLower(strings.TrimSpace(s.Value))
		b.cfg.AutoOffsetReset = v
		return oneOf(v, "earliest", "latest", "none")
	}, ""},
	"isolation.level": {rConsumer, func(b *builder, s Setting) error {
		v := strings.ToLower(strings.TrimSpace(s.Value))
		b.cfg.ReadCommitted = v == "read_committed"
		return oneOf(v, "read_uncommitted", "read_committed")
	}, ""},
	"enable.auto.commit": {rConsumer, func(b *builder, s Setting) error {
		if v, err := boolean(s.Value); err != nil || v {
			return fmt.Errorf("must be false: inlet commits consumer offsets only after the sink flushed the records")
		}
		return nil
	}, ""},
	"auto.commit.interval.ms":   {rConsumer, nil, "auto commit is off; offsets are committed after the sink flushed"},
	"fetch.min.bytes":           {rConsumer, intOpt(func(n int32) kgo.Opt { return kgo.FetchMinBytes(n) }), ""},
	"fetch.max.bytes":           {rConsumer, intOpt(func(n int32) kgo.Opt { return kgo.FetchMaxBytes(n) }), ""},
	"max.partition.fetch.bytes": {rConsumer, intOpt(func(n int32) kgo.Opt { return kgo.FetchMaxPartitionBytes(n) }), ""},
	"fetch.max.wait.ms":         {rConsumer, msOpt(func(d time.Duration) kgo.Opt { return kgo.FetchMaxWait(d) }), ""},
	"session.timeout.ms":        {rConsumer, msOpt(func(d time.Duration) kgo.Opt { return kgo.SessionTimeout(d) }), ""},
	"heartbeat.interval.ms":     {rConsumer, msOpt(func(d time.Duration) kgo.Opt { return kgo.HeartbeatInterval(d) }), ""},
	"max.poll.interval.ms":      {rConsumer, msOpt(func(d time.Duration) kgo.Opt { return kgo.RebalanceTimeout(d) }), ""},
	"max.poll.records": {rConsumer, func(b *builder, s Setting) error {
		n, err := positive(s.Value)
		b.cfg.MaxPollRecords = int(n)
		return err
	}, ""},
	"client.rack": {rConsumer, func(b *builder, s Setting) error { b.add(kgo.Rack(s.Value)); return nil }, ""},
	"partition.assignment.strategy": {rConsumer, func(b *builder, s Setting) error {
		var bs []kgo.GroupBalancer
		for _, c := range connect.SplitList(s.Value) {
			switch c[strings.LastIndexByte(c, '.')+1:] {
			case "RangeAssignor":
				bs = append(bs, kgo.RangeBalancer())
			case "RoundRobinAssignor":
				bs = append(bs, kgo.RoundRobinBalancer())
			case "StickyAssignor":
				bs = append(bs, kgo.StickyBalancer())
			case "CooperativeStickyAssignor":
				bs = append(bs, kgo.CooperativeStickyBalancer())
			default:
				return fmt.Errorf("%q: must be RangeAssignor, RoundRobinAssignor, StickyAssignor or CooperativeStickyAssignor", c)
			}
		}
		if len(bs) > 0 {
			b.add(kgo.Balancers(bs...))
		}
		return nil
	}, ""},
	"check.crcs":               {rConsumer, nil, "franz-go always validates CRCs"},
	"exclude.internal.topics":  {rConsumer, nil, "internal topics are never matched by topics.regex"},
	"allow.auto.create.topics": {rConsumer, nil, "the consumer never creates topics"},
	"key.deserializer":         {rConsumer, nil, "inlet parses with the pipeline's key.converter"},
	"value.deserializer":       {rConsumer, nil, "inlet parses with the pipeline's value.converter"},
}

// Parse turns props into franz-go options for role. It reports every
// problem at once; each error names the key as the user wrote it.
func Parse(role Role, props Props) (*Config, error) {
	b := &builder{
		cfg:   &Config{Role: role, Acks: -1, Idempotent: true, MaxBlock: 60 * time.Second, DeliveryTimeout: 2 * time.Minute, AutoOffsetReset: "latest", MaxPollRecords: 500},
		props: props,
	}
	if !props.Has("bootstrap.servers") {
		// Kafka's default.
		props = props.Clone()
		props.Set("bootstrap.servers", "localhost:9092")
		b.props = props
	}
	for _, k := range props.Keys() {
		s := props[k]
		def, ok := keys[k]
		if !ok || def.roles&role.bit() == 0 {
			reason := fmt.Sprintf("unknown Kafka %s setting", roleName(role))
			if ok {
				reason = fmt.Sprintf("not a Kafka %s setting", roleName(role))
			} else if c := closest(k, role); c != "" {
				reason += fmt.Sprintf(" (did you mean %q?)", c)
			}
			b.errs = append(b.errs, keyErr(s, "%s", reason))
			continue
		}
		if def.apply == nil {
			b.cfg.Ignored = append(b.cfg.Ignored, s.From+": "+def.ignore)
			continue
		}
		if err := def.apply(b, s); err != nil {
			b.errs = append(b.errs, keyErr(s, "%v", err))
		}
	}
	if role == Producer {
		b.producerChecks()
	}
	if err := b.secure.apply(b); err != nil {
		b.errs = append(b.errs, connect.AsConfigErrors(err)...)
	}
	if len(b.errs) > 0 {
		b.errs.Sort()
		return nil, b.errs
	}
	return b.cfg, nil
}

func (b *builder) producerChecks() {
	idem, explicit := b.props["enable.idempotence"]
	switch {
	case b.cfg.Acks != -1 && explicit && b.cfg.Idempotent:
		b.errs = append(b.errs, keyErr(idem, "idempotence requires acks=all (acks is %q)", b.props.Get("acks")))
	case b.cfg.Acks != -1:
		// Java 3.x quietly disables idempotence when acks is not all and
		// enable.idempotence was not set; do the same.
		b.cfg.Idempotent = false
	}
	if !b.cfg.Idempotent {
		b.add(kgo.DisableIdempotentWrite())
	} else if s, ok := b.props["max.in.flight.requests.per.connection"]; ok {
		if n, _ := strconv.Atoi(strings.TrimSpace(s.Value)); n > 5 {
			b.errs = append(b.errs, keyErr(s, "must be at most 5 with enable.idempotence=true"))
		}
	}
	if !b.props.Has("buffer.memory") {
		// Java's default of 32 MiB bounds memory under a slow broker.
		b.add(kgo.MaxBufferedBytes(32 << 20))
	}
	if !b.props.Has("max.buffered.records") {
		b.add(kgo.MaxBufferedRecords(10000))
	}
}

func (b *builder) add(o kgo.Opt) { b.cfg.Opts = append(b.cfg.Opts, o) }

func roleName(r Role) string {
	switch r {
	case Producer:
		return "producer"
	case Consumer:
		return "consumer"
	}
	return "admin client"
}

func closest(k string, role Role) string {
	best, bd := "", 4
	for name, def := range keys {
		if def.roles&role.bit() == 0 {
			continue
		}
		if d := connect.Levenshtein(k, name); d < bd || d == bd && name < best {
			best, bd = name, d
		}
	}
	return best
}

// KnownKey reports whether key is a Kafka client setting for role (used by
// plugins to validate *.override.* keys at config time).
func KnownKey(role Role, key string) bool {
	d, ok := keys[key]
	return ok && d.roles&role.bit() != 0
}

func ms(s string) (time.Duration, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("expected milliseconds (a non-negative integer)")
	}
	return time.Duration(n) * time.Millisecond, nil
}

func msOpt(f func(time.Duration) kgo.Opt) func(*builder, Setting) error {
	return func(b *builder, s Setting) error {
		d, err := ms(s.Value)
		if err == nil {
			b.add(f(d))
		}
		return err
	}
}

func intOpt(f func(int32) kgo.Opt) func(*builder, Setting) error {
	return func(b *builder, s Setting) error {
		n, err := positive(s.Value)
		if err == nil {
			b.add(f(int32(n)))
		}
		return err
	}
}

func positive(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("expected a positive 32-bit integer")
	}
	return n, nil
}

func boolean(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("expected true or false")
}

func oneOf(v string, choices ...string) error {
	for _, c := range choices {
		if v == c {
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(choices, ", "))
}

func oneOfFold(v string, choices ...string) error {
	for _, c := range choices {
		if strings.EqualFold(strings.TrimSpace(v), c) {
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(choices, ", "))
}

func isSecret(k string) bool {
	return k == "sasl.jaas.config" || strings.HasSuffix(k, ".password") || k == "ssl.keystore.key"
}
