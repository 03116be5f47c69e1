package postgres

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
)

// Debezium option values, lower-cased.
const (
	snapshotInitial     = "initial"
	snapshotAlways      = "always"
	snapshotNever       = "never"
	snapshotNoData      = "no_data"
	snapshotInitialOnly = "initial_only"
	snapshotWhenNeeded  = "when_needed"

	decimalPrecise = "precise"
	decimalDouble  = "double"
	decimalString  = "string"

	timeAdaptive       = "adaptive"
	timeAdaptiveMicros = "adaptive_time_microseconds"
	timeConnect        = "connect"

	binaryBytes        = "bytes"
	binaryBase64       = "base64"
	binaryBase64URL    = "base64-url-safe"
	binaryHex          = "hex"
	intervalNumeric    = "numeric"
	intervalString     = "string"
	autocreateAll      = "all_tables"
	autocreateDisabled = "disabled"
	autocreateFiltered = "filtered"
	autocreateNoTables = "no_tables"
)

// ConfigDef declares the connector's keys with Debezium's names and
// defaults. Debezium keys inlet does not implement are rejected by name.
func ConfigDef() *connect.ConfigDef {
	d := connect.NewConfigDef(
		connect.ConfigKey{Name: "database.hostname", Required: true, Importance: connect.High, Group: "Connection",
			Doc: "Host of the PostgreSQL server. Same as Debezium's database.hostname."},
		connect.ConfigKey{Name: "database.port", Type: connect.TypeInt, Default: "5432", Validator: connect.Between(1, 65535), Group: "Connection",
			Doc: "Port of the PostgreSQL server."},
		connect.ConfigKey{Name: "database.user", Required: true, Importance: connect.High, Group: "Connection",
			Doc: "User to connect as; needs the REPLICATION attribute (or superuser) and SELECT on the captured tables."},
		connect.ConfigKey{Name: "database.password", Type: connect.TypePassword, Group: "Connection", Doc: "Password of database.user."},
		connect.ConfigKey{Name: "database.dbname", Required: true, Importance: connect.High, Group: "Connection",
			Doc: "Database to capture (one per connector)."},
		connect.ConfigKey{Name: "database.sslmode", Default: "prefer", Group: "Connection",
			Validator: connect.OneOf("disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
			Doc:       "libpq sslmode: disable, allow, prefer, require, verify-ca or verify-full."},
		connect.ConfigKey{Name: "database.sslrootcert", Group: "Connection", Doc: "File with the CA certificates that verify the server."},
		connect.ConfigKey{Name: "database.sslcert", Group: "Connection", Doc: "File with the client certificate."},
		connect.ConfigKey{Name: "database.sslkey", Group: "Connection", Doc: "File with the client private key."},
		connect.ConfigKey{Name: "database.sslpassword", Type: connect.TypePassword, Group: "Connection", Doc: "Password of database.sslkey."},
		connect.ConfigKey{Name: "topic.prefix", Required: true, Importance: connect.High, Validator: connect.NonEmpty(),
			Doc: "Logical name of the server: prefixes every topic (<prefix>.<schema>.<table>) and names the source partition {server: <prefix>}."},
		connect.ConfigKey{Name: "plugin.name", Default: "pgoutput", Validator: pluginValidator,
			Doc: "Logical decoding plugin. Only pgoutput (built into PostgreSQL 10+) is supported; Debezium's default decoderbufs is not."},
		connect.ConfigKey{Name: "slot.name", Default: "debezium", Validator: identValidator,
			Doc: "Replication slot; created (logical, pgoutput) when missing. One slot per connector."},
		connect.ConfigKey{Name: "slot.drop.on.stop", Type: connect.TypeBoolean, Default: "false",
			Doc: "Drop the slot when the task stops (tests only: the position is lost)."},
		connect.ConfigKey{Name: "slot.max.retries", Type: connect.TypeInt, Default: "6", Validator: connect.AtLeast(0),
			Doc: "How many times to retry when the slot is active for another client."},
		connect.ConfigKey{Name: "slot.retry.delay.ms", Type: connect.TypeLong, Default: "10000", Validator: connect.AtLeast(0),
			Doc: "Delay between those retries."},
		connect.ConfigKey{Name: "publication.name", Default: "dbz_publication", Validator: identValidator,
			Doc: "Publication pgoutput streams; created per publication.autocreate.mode when missing."},
		connect.ConfigKey{Name: "publication.autocreate.mode", Default: autocreateAll,
			Validator: connect.OneOf(autocreateAll, autocreateDisabled, autocreateFiltered, autocreateNoTables),
			Doc:       "all_tables (CREATE PUBLICATION … FOR ALL TABLES), filtered (FOR TABLE <captured tables>), no_tables, or disabled (the publication must exist)."},
		connect.ConfigKey{Name: "schema.include.list", Validator: regexListValidator, Doc: "Regexes of schemas to capture (whole-name match)."},
		connect.ConfigKey{Name: "schema.exclude.list", Validator: regexListValidator, Doc: "Regexes of schemas not to capture."},
		connect.ConfigKey{Name: "table.include.list", Validator: regexListValidator, Doc: "Regexes of tables (schema.table) to capture."},
		connect.ConfigKey{Name: "table.exclude.list", Validator: regexListValidator, Doc: "Regexes of tables (schema.table) not to capture."},
		connect.ConfigKey{Name: "column.include.list", Validator: regexListValidator, Doc: "Regexes of columns (schema.table.column) to include in change events."},
		connect.ConfigKey{Name: "column.exclude.list", Validator: regexListValidator, Doc: "Regexes of columns (schema.table.column) to leave out."},
		connect.ConfigKey{Name: "message.key.columns", Validator: keyColumnsValidator,
			Doc: "Custom keys: <table regex>:<column>[,<column>];… (replaces the primary key as the record key)."},
		connect.ConfigKey{Name: "snapshot.mode", Default: snapshotInitial,
			Validator: connect.OneOf(snapshotInitial, snapshotAlways, snapshotNever, snapshotNoData, snapshotInitialOnly, snapshotWhenNeeded),
			Doc:       "initial (snapshot when there is no offset), always, initial_only (snapshot, then stop), no_data (never is its old name), when_needed."},
		connect.ConfigKey{Name: "heartbeat.interval.ms", Type: connect.TypeInt, Default: "0", Validator: connect.AtLeast(0),
			Doc: "Emit a heartbeat record this often (0 = off). Committing it advances the slot while captured tables are idle."},
		connect.ConfigKey{Name: "heartbeat.action.query", Doc: "SQL run on each heartbeat, e.g. an upsert into a published table, for databases that make no decodable WAL."},
		connect.ConfigKey{Name: "topic.heartbeat.prefix", Default: "__debezium-heartbeat", Doc: "Heartbeat topic: <this>.<topic.prefix>."},
		connect.ConfigKey{Name: "tombstones.on.delete", Type: connect.TypeBoolean, Default: "true", Doc: "Follow each delete event with a tombstone (null value)."},
		connect.ConfigKey{Name: "decimal.handling.mode", Default: decimalPrecise, Validator: connect.OneOf(decimalPrecise, decimalDouble, decimalString),
			Doc: "numeric as Connect Decimal (precise), float64 (double) or string."},
		connect.ConfigKey{Name: "time.precision.mode", Default: timeAdaptive,
			Validator: connect.All(connect.OneOf(timeAdaptive, timeAdaptiveMicros, timeConnect, "isostring", "microseconds", "nanoseconds", "structured"), supportedTimeMode),
			Doc:       "adaptive (Debezium types by column precision), adaptive_time_microseconds, or connect (Kafka's Date/Time/Timestamp, ms)."},
		connect.ConfigKey{Name: "binary.handling.mode", Default: binaryBytes, Validator: connect.OneOf(binaryBytes, binaryBase64, binaryBase64URL, binaryHex),
			Doc: "bytea as bytes, or a base64, base64-url-safe or hex string."},
		connect.ConfigKey{Name: "interval.handling.mode", Default: intervalNumeric, Validator: connect.OneOf(intervalNumeric, intervalString),
			Doc: "interval as io.debezium.time.MicroDuration (numeric) or ISO-8601 io.debezium.time.Interval (string)."},
		connect.ConfigKey{Name: "money.fraction.digits", Type: connect.TypeShort, Default: "2", Validator: connect.AtLeast(0), Doc: "Scale of money values."},
		connect.ConfigKey{Name: "unavailable.value.placeholder", Default: "__debezium_unavailable_value",
			Doc: "Value put in place of unchanged TOASTed columns that PostgreSQL does not send."},
		connect.ConfigKey{Name: "skipped.operations", Type: connect.TypeList, Default: "t", Validator: connect.OneOf("c", "u", "d", "t", "none"),
			Doc: "Operations not to emit: c, u, d, t (truncate), or none."},
		connect.ConfigKey{Name: "provide.transaction.metadata", Type: connect.TypeBoolean, Default: "false",
			Doc: "Emit BEGIN/END records to <prefix>.<topic.transaction> and fill each event's transaction block."},
		connect.ConfigKey{Name: "topic.transaction", Default: "transaction", Doc: "Suffix of the transaction metadata topic."},
		connect.ConfigKey{Name: "logical.decoding.message.prefix.include.list", Validator: regexListValidator,
			Doc: "Regexes of pg_logical_emit_message prefixes to emit (op=m, topic <prefix>.message); default all."},
		connect.ConfigKey{Name: "logical.decoding.message.prefix.exclude.list", Validator: regexListValidator,
			Doc: "Regexes of logical message prefixes not to emit."},
		connect.ConfigKey{Name: "max.batch.size", Type: connect.TypeInt, Default: "2048", Validator: connect.AtLeast(1), Doc: "Most records one poll returns."},
		connect.ConfigKey{Name: "max.queue.size", Type: connect.TypeInt, Default: "8192", Validator: connect.AtLeast(1),
			Doc: "Most records buffered between the replication loop and poll; reading from the server pauses when full. Must exceed max.batch.size."},
		connect.ConfigKey{Name: "poll.interval.ms", Type: connect.TypeLong, Default: "500", Validator: connect.AtLeast(0),
			Doc: "How long a poll waits for the first record."},
		connect.ConfigKey{Name: "status.update.interval.ms", Type: connect.TypeInt, Default: "10000", Validator: connect.AtLeast(1),
			Doc: "Standby status update (and confirmed LSN) cadence."},
		connect.ConfigKey{Name: "extended.headers.enabled", Type: connect.TypeBoolean, Default: "true",
			Doc: "Add the __debezium.context.* headers (connectorLogicalName, taskId, connectorName)."},
		connect.ConfigKey{Name: "schema.name.adjustment.mode", Default: "none", Validator: connect.OneOf("none"),
			Doc: "Only none: names are used as they are."},
		connect.ConfigKey{Name: "field.name.adjustment.mode", Default: "none", Validator: connect.OneOf("none"),
			Doc: "Only none: column names are used as they are."},
		connect.ConfigKey{Name: "event.processing.failure.handling.mode", Default: "fail", Validator: connect.OneOf("fail"),
			Doc: "Only fail: an event that cannot be decoded stops the task (inlet never skips data silently)."},
		connect.ConfigKey{Name: "lsn.flush.mode", Default: "connector", Validator: connect.OneOf("connector"),
			Doc: "Only connector: the LSN is confirmed after offsets are committed."},
		connect.ConfigKey{Name: "include.unknown.datatypes", Type: connect.TypeBoolean, Default: "true", Validator: mustBeTrue,
			Doc: "Always true in inlet: columns of unknown types are emitted as strings (with a warning once) instead of being dropped."},
	)
	for _, k := range rejectedKeys {
		d.Reject(k.key, k.reason)
	}
	d.Check(func(c connect.Config) connect.ConfigErrors {
		if c.Int("max.queue.size") <= c.Int("max.batch.size") {
			return connect.ConfigErrors{{Key: "max.queue.size", Value: c.Raw("max.queue.size"),
				Reason: fmt.Sprintf("must be larger than max.batch.size (%d)", c.Int("max.batch.size"))}}
		}
		return nil
	})
	return d
}

var rejectedKeys = []struct{ key, reason string }{
	{"snapshot.isolation.mode", "not supported: inlet snapshots under REPEATABLE READ with the snapshot the slot exports"},
	{"snapshot.fetch.size", "not supported: inlet streams snapshot rows without a cursor, so there is no fetch size"},
	{"snapshot.max.threads", "not supported: inlet snapshots tables one after the other"},
	{"snapshot.select.statement.overrides", "not supported by inlet"},
	{"snapshot.delay.ms", "not supported by inlet"},
	{"snapshot.include.collection.list", "not supported: use table.include.list"},
	{"snapshot.lock.timeout.ms", "not supported: inlet takes no table locks"},
	{"snapshot.mode.class", "custom snapshot modes are not supported"},
	{"snapshot.mode.custom.name", "custom snapshot modes are not supported"},
	{"snapshot.mode.configuration.based.snapshot.data", "configuration_based snapshot mode is not supported"},
	{"snapshot.mode.configuration.based.snapshot.schema", "configuration_based snapshot mode is not supported"},
	{"snapshot.mode.configuration.based.start.stream", "configuration_based snapshot mode is not supported"},
	{"slot.stream.params", "not supported: inlet sets pgoutput's parameters itself"},
	{"slot.failover", "not supported by inlet"},
	{"publish.via.partition.root", "not supported by inlet"},
	{"hstore.handling.mode", "not supported: hstore columns are emitted as strings"},
	{"xmin.fetch.interval.ms", "not supported: source.xmin is always null"},
	{"database.initial.statements", "not supported by inlet"},
	{"database.tcpKeepAlive", "not supported: inlet always enables TCP keepalive"},
	{"topic.delimiter", "not supported: topics are always <prefix>.<schema>.<table>"},
	{"column.propagate.source.type", "not supported by inlet"},
	{"datatype.propagate.source.type", "not supported by inlet"},
	{"column.mask.hash", "column masking is not supported by inlet"},
	{"column.truncate.to", "column truncation is not supported by inlet"},
	{"converters", "custom Debezium converters are not supported"},
	{"signal.data.collection", "signals and incremental snapshots are not supported by inlet"},
	{"signal.enabled.channels", "signals and incremental snapshots are not supported by inlet"},
	{"incremental.snapshot.chunk.size", "incremental snapshots are not supported by inlet"},
	{"read.only", "incremental snapshots are not supported by inlet"},
	{"offset.mismatch.strategy", "not supported: inlet trusts the stored offset"},
	{"lsn.flush.timeout.ms", "not supported by inlet"},
	{"lsn.flush.timeout.action", "not supported by inlet"},
	{"flush.lsn.source", "deprecated in Debezium and not supported: the LSN is always flushed after offsets are committed"},
	{"replica.identity.autoset.values", "not supported: set REPLICA IDENTITY with ALTER TABLE"},
	{"retriable.restart.connector.wait.ms", "not supported: inlet reconnects with its own backoff"},
	{"errors.max.retries", "not supported on the connector: use the pipeline's errors.retry.timeout"},
	{"post.processors", "post processors (reselect) are not supported by inlet"},
	{"notification.enabled.channels", "notifications are not supported by inlet"},
	{"custom.metric.tags", "not supported by inlet"},
	{"schema.history.internal", "not used by the PostgreSQL connector"},
	{"database.server.name", "removed in Debezium 2.0: use topic.prefix"},
	{"database.history.kafka.topic", "not used by the PostgreSQL connector"},
}

func pluginValidator(v any) error {
	s, _ := v.(string)
	if !strings.EqualFold(s, "pgoutput") {
		return fmt.Errorf("only pgoutput is supported (inlet decodes pgoutput, built into PostgreSQL 10+; %q needs a server-side plugin inlet cannot read): set plugin.name=pgoutput", s)
	}
	return nil
}

var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

func identValidator(v any) error {
	s, _ := v.(string)
	if !identRE.MatchString(s) {
		return fmt.Errorf("must be a lower-case PostgreSQL identifier (letters, digits, underscore; at most 63 characters)")
	}
	return nil
}

func supportedTimeMode(v any) error {
	s, _ := v.(string)
	switch strings.ToLower(s) {
	case timeAdaptive, timeAdaptiveMicros, timeConnect:
		return nil
	}
	return fmt.Errorf("time.precision.mode %q is not supported by inlet: use adaptive, adaptive_time_microseconds or connect", s)
}

func mustBeTrue(v any) error {
	if b, _ := v.(bool); !b {
		return fmt.Errorf("inlet never drops columns of unknown types: they are emitted as strings (with a warning once)")
	}
	return nil
}

func regexListValidator(v any) error {
	s, _ := v.(string)
	_, err := compileList(s)
	return err
}

// compileList compiles a comma list of regexes, each anchored to match a
// whole name as Debezium's filters do.
func compileList(s string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range connect.SplitList(s) {
		if p == "" {
			continue
		}
		re, err := regexp.Compile("^(?:" + p + ")$")
		if err != nil {
			return nil, fmt.Errorf("%q is not a valid regular expression (RE2 syntax): %v", p, err)
		}
		out = append(out, re)
	}
	return out, nil
}

func keyColumnsValidator(v any) error {
	s, _ := v.(string)
	_, err := parseKeyColumns(s)
	return err
}

type keyColumns struct {
	table   *regexp.Regexp
	columns []string
}

// parseKeyColumns parses message.key.columns: <table regex>:<col>[,<col>];…
func parseKeyColumns(s string) ([]keyColumns, error) {
	var out []keyColumns
	for _, item := range strings.Split(s, ";") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		i := strings.LastIndexByte(item, ':')
		if i <= 0 || i == len(item)-1 {
			return nil, fmt.Errorf("%q: expected <table regex>:<column>[,<column>]", item)
		}
		re, err := regexp.Compile("^(?:" + strings.TrimSpace(item[:i]) + ")$")
		if err != nil {
			return nil, fmt.Errorf("%q: invalid table regex: %v", item, err)
		}
		cols := connect.SplitList(item[i+1:])
		for _, c := range cols {
			if c == "" {
				return nil, fmt.Errorf("%q: empty column name", item)
			}
		}
		out = append(out, keyColumns{table: re, columns: cols})
	}
	return out, nil
}

// settings is the parsed configuration.
type settings struct {
	host, user, dbname, sslmode    string
	sslrootcert, sslcert, sslkey   string
	password, sslpassword          string
	port                           int
	prefix                         string
	slot, publication, autocreate  string
	slotDropOnStop                 bool
	slotMaxRetries                 int
	slotRetryDelay                 time.Duration
	schemaInc, schemaExc           []*regexp.Regexp
	tableInc, tableExc             []*regexp.Regexp
	columnInc, columnExc           []*regexp.Regexp
	msgInc, msgExc                 []*regexp.Regexp
	keyColumns                     []keyColumns
	snapshotMode                   string
	heartbeat                      time.Duration
	heartbeatQuery, heartbeatTopic string
	tombstones                     bool
	decimalMode, timeMode, binMode string
	intervalMode                   string
	moneyScale                     int
	placeholder                    string
	skip                           map[byte]bool
	txMetadata                     bool
	txTopic                        string
	maxBatch, maxQueue             int
	pollInterval, statusInterval   time.Duration
	extendedHeaders                bool
	skippedOperationsExplicitlySet bool
}

func newSettings(c connect.Config) (*settings, error) {
	s := &settings{
		host: c.String("database.hostname"), port: c.Int("database.port"), user: c.String("database.user"),
		password: c.Password("database.password").Value(), dbname: c.String("database.dbname"),
		sslmode: strings.ToLower(c.String("database.sslmode")), sslrootcert: c.String("database.sslrootcert"),
		sslcert: c.String("database.sslcert"), sslkey: c.String("database.sslkey"),
		sslpassword: c.Password("database.sslpassword").Value(),
		prefix:      c.String("topic.prefix"), slot: c.String("slot.name"), publication: c.String("publication.name"),
		autocreate: strings.ToLower(c.String("publication.autocreate.mode")), slotDropOnStop: c.Bool("slot.drop.on.stop"),
		slotMaxRetries: c.Int("slot.max.retries"), slotRetryDelay: time.Duration(c.Long("slot.retry.delay.ms")) * time.Millisecond,
		snapshotMode:   strings.ToLower(c.String("snapshot.mode")),
		heartbeat:      time.Duration(c.Int("heartbeat.interval.ms")) * time.Millisecond,
		heartbeatQuery: c.String("heartbeat.action.query"),
		heartbeatTopic: c.String("topic.heartbeat.prefix") + "." + c.String("topic.prefix"),
		tombstones:     c.Bool("tombstones.on.delete"),
		decimalMode:    strings.ToLower(c.String("decimal.handling.mode")), timeMode: strings.ToLower(c.String("time.precision.mode")),
		binMode: strings.ToLower(c.String("binary.handling.mode")), intervalMode: strings.ToLower(c.String("interval.handling.mode")),
		moneyScale: c.Int("money.fraction.digits"), placeholder: c.String("unavailable.value.placeholder"),
		txMetadata: c.Bool("provide.transaction.metadata"), txTopic: c.String("topic.prefix") + "." + c.String("topic.transaction"),
		maxBatch: c.Int("max.batch.size"), maxQueue: c.Int("max.queue.size"),
		pollInterval:                   time.Duration(c.Long("poll.interval.ms")) * time.Millisecond,
		statusInterval:                 time.Duration(c.Int("status.update.interval.ms")) * time.Millisecond,
		extendedHeaders:                c.Bool("extended.headers.enabled"),
		skip:                           map[byte]bool{},
		skippedOperationsExplicitlySet: c.Has("skipped.operations"),
	}
	if s.snapshotMode == snapshotNever {
		s.snapshotMode = snapshotNoData
	}
	for _, op := range c.List("skipped.operations") {
		if op = strings.ToLower(op); op != "none" {
			s.skip[op[0]] = true
		}
	}
	var err error
	lists := []struct {
		key string
		dst *[]*regexp.Regexp
	}{
		{"schema.include.list", &s.schemaInc}, {"schema.exclude.list", &s.schemaExc},
		{"table.include.list", &s.tableInc}, {"table.exclude.list", &s.tableExc},
		{"column.include.list", &s.columnInc}, {"column.exclude.list", &s.columnExc},
		{"logical.decoding.message.prefix.include.list", &s.msgInc},
		{"logical.decoding.message.prefix.exclude.list", &s.msgExc},
	}
	var errs connect.ConfigErrors
	for _, l := range lists {
		if *l.dst, err = compileList(c.String(l.key)); err != nil {
			errs = append(errs, &connect.ConfigError{Key: l.key, Value: c.String(l.key), Reason: err.Error()})
		}
	}
	if s.keyColumns, err = parseKeyColumns(c.String("message.key.columns")); err != nil {
		errs = append(errs, &connect.ConfigError{Key: "message.key.columns", Value: c.String("message.key.columns"), Reason: err.Error()})
	}
	if len(s.tableInc) > 0 && len(s.tableExc) > 0 {
		errs = append(errs, &connect.ConfigError{Key: "table.exclude.list", Reason: "cannot be used together with table.include.list"})
	}
	if len(s.schemaInc) > 0 && len(s.schemaExc) > 0 {
		errs = append(errs, &connect.ConfigError{Key: "schema.exclude.list", Reason: "cannot be used together with schema.include.list"})
	}
	if len(s.columnInc) > 0 && len(s.columnExc) > 0 {
		errs = append(errs, &connect.ConfigError{Key: "column.exclude.list", Reason: "cannot be used together with column.include.list"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return s, nil
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// captured reports whether schema.table passes the schema and table filters.
func (s *settings) captured(schema, table string) bool {
	if len(s.schemaInc) > 0 && !matchAny(s.schemaInc, schema) || matchAny(s.schemaExc, schema) {
		return false
	}
	full := schema + "." + table
	if len(s.tableInc) > 0 && !matchAny(s.tableInc, full) || matchAny(s.tableExc, full) {
		return false
	}
	return true
}

// columnIncluded reports whether schema.table.column passes the column filters.
func (s *settings) columnIncluded(schema, table, column string) bool {
	full := schema + "." + table + "." + column
	if len(s.columnInc) > 0 {
		return matchAny(s.columnInc, full)
	}
	return !matchAny(s.columnExc, full)
}

// messageIncluded reports whether a logical decoding message prefix passes.
func (s *settings) messageIncluded(prefix string) bool {
	if len(s.msgInc) > 0 {
		return matchAny(s.msgInc, prefix)
	}
	return !matchAny(s.msgExc, prefix)
}

// customKey returns the message.key.columns entry for schema.table, if any.
func (s *settings) customKey(schema, table string) []string {
	full := schema + "." + table
	for _, k := range s.keyColumns {
		if k.table.MatchString(full) {
			return k.columns
		}
	}
	return nil
}
