package outbox

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/javare"
)

// Configuration keys, with Debezium's names (EventRouterConfigDefinition).
const (
	KeyOpInvalidBehavior   = "table.op.invalid.behavior"
	KeyFieldEventID        = "table.field.event.id"
	KeyFieldEventKey       = "table.field.event.key"
	KeyFieldEventType      = "table.field.event.type"
	KeyFieldEventTimestamp = "table.field.event.timestamp"
	KeyFieldPayload        = "table.field.event.payload"
	KeyFieldSchemaVersion  = "table.field.event.schema.version"
	KeyPlacement           = "table.fields.additional.placement"
	KeyAdditionalMissing   = "table.field.additional.missing"
	KeyRouteByField        = "route.by.field"
	KeyRouteTopicRegex     = "route.topic.regex"
	KeyRouteReplacement    = "route.topic.replacement"
	KeyTombstoneOnEmpty    = "route.tombstone.on.empty.payload"
	KeyExpandJSON          = "table.expand.json.payload"
	KeyJSONNullBehavior    = "table.json.payload.null.behavior"
	KeyJSONEmptyArray      = "table.json.payload.empty.array.behavior"
	KeyFieldNameAdjustment = "field.name.adjustment.mode"
	KeyTracingField        = "tracing.span.context.field"
	KeyTracingOperation    = "tracing.operation.name"
	KeyTracingContextOnly  = "tracing.with.context.field.only"

	// Legacy names, accepted with a deprecation warning.
	KeyLegacyErrorOnMissing = "table.fields.additional.error.on.missing"
	KeyLegacyOpInvalid      = "debezium.op.invalid.behavior"
	KeyLegacyPayloadID      = "table.field.event.payload.id"
)

// Placement is where table.fields.additional.placement puts a column.
type Placement uint8

// The three placements Debezium knows.
const (
	PlaceHeader Placement = iota + 1
	PlaceEnvelope
	PlacePartition
)

func (p Placement) String() string {
	switch p {
	case PlaceHeader:
		return "header"
	case PlaceEnvelope:
		return "envelope"
	case PlacePartition:
		return "partition"
	}
	return "unknown"
}

// placement is one item of table.fields.additional.placement.
type placement struct {
	column string
	where  Placement
	alias  string
}

type invalidOp uint8

const (
	opWarn invalidOp = iota
	opError
	opFatal
)

type nameAdjust uint8

const (
	adjustNone nameAdjust = iota
	adjustAvro
	adjustAvroUnicode
)

// settings is the parsed configuration.
type settings struct {
	opInvalid      invalidOp
	idCol          string
	keyCol         string
	legacyKeyCol   string // table.field.event.payload.id fallback, "" = none
	tsCol          string // "" = envelope ts_ms
	payloadCol     string
	versionCol     string // "" = none
	placements     []placement
	missingIgnore  bool
	routeBy        string
	regex          string
	replacement    string
	tombstoneEmpty bool
	expand         bool
	nullAsBytes    bool // table.json.payload.null.behavior=optional_bytes
	emptyAsString  bool // table.json.payload.empty.array.behavior=optional_string
	adjust         nameAdjust
	tracingCol     string
	tracingOp      string
	tracingOnly    bool
	hasEnvelope    bool
	headerPlaced   int

	// oracle holds the column names to use for change events whose
	// source.connector is "oracle" (Debezium's connector-specific defaults
	// provider); nil when every such key is set explicitly.
	oracle map[string]string
}

// oracleDefaults is Debezium's Oracle provider: upper-case default column
// names, used only for keys the configuration leaves unset.
func oracleDefaults(c connect.Config) map[string]string {
	m := map[string]string{}
	for key, col := range map[string]string{KeyFieldEventID: "ID", KeyFieldEventKey: "AGGREGATEID", KeyFieldPayload: "PAYLOAD", KeyRouteByField: "AGGREGATETYPE"} {
		if !c.Has(key) && !(key == KeyFieldEventKey && c.Has(KeyLegacyPayloadID)) {
			m[key] = col
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

func enumKey(name, def, doc string, choices ...string) connect.ConfigKey {
	return connect.ConfigKey{Name: name, Type: connect.TypeString, Default: def, Validator: connect.OneOf(choices...), Doc: doc, Recommended: choices}
}

func strKey(name, def, doc string) connect.ConfigKey {
	return connect.ConfigKey{Name: name, Type: connect.TypeString, Default: def, Doc: doc}
}

// ConfigDef declares every EventRouter key with Debezium's defaults.
func ConfigDef() *connect.ConfigDef {
	d := connect.NewConfigDef(
		enumKey(KeyOpInvalidBehavior, "warn", "What to do with an update (op=u) of the outbox table: warn or error log it and drop it, fatal fails the record. Debezium's table.op.invalid.behavior.", "warn", "error", "fatal"),
		strKey(KeyFieldEventID, "id", "Column whose value becomes the header id (with the column's schema)."),
		strKey(KeyFieldEventKey, "aggregateid", "Column whose value and schema become the record key."),
		strKey(KeyFieldEventType, "type", "Accepted for Debezium compatibility and has no effect, as in Debezium (its router never reads it); setting it logs a warning. To carry the type column, place it: table.fields.additional.placement=type:header:eventType."),
		strKey(KeyFieldEventTimestamp, "", "Column that supplies the record timestamp: an INT64 io.debezium.time.Timestamp, MicroTimestamp or NanoTimestamp (schemaless: epoch ms or RFC 3339 text). Unset: the envelope ts_ms."),
		strKey(KeyFieldPayload, "payload", "Column holding the event payload."),
		strKey(KeyFieldSchemaVersion, "", "INT32 column whose value becomes the schema version of the envelope-shaped value. Needs an envelope placement: set without one it is a configuration error."),
		connect.ConfigKey{Name: KeyPlacement, Type: connect.TypeList, Default: "", Validator: validatePlacements,
			Doc: "Extra columns to place, as column:header|envelope|partition[:alias], comma-separated. Placement words are case-insensitive; a column may be placed twice."},
		enumKey(KeyAdditionalMissing, "error", "A placed column absent from the row: error fails the record, ignore skips that placement.", "error", "ignore"),
		strKey(KeyRouteByField, "aggregatetype", "STRING column whose value is the provisional topic (and is spliced into the envelope schema name)."),
		connect.ConfigKey{Name: KeyRouteTopicRegex, Type: connect.TypeString, Default: "(?<routedByValue>.*)", Validator: validRegex,
			Doc: "Java regular expression that must match the whole route value; when it does, the topic is route.topic.replacement. Otherwise the topic is the route value."},
		strKey(KeyRouteReplacement, "outbox.event.${routedByValue}", "Topic replacement in Java Matcher.replaceFirst syntax (${name}, $1, \\$). The case of the route value is kept."),
		connect.ConfigKey{Name: KeyTombstoneOnEmpty, Type: connect.TypeBoolean, Default: "false", Doc: "A null or blank payload (or zero-length bytes) produces a tombstone: key, topic and headers set, value and value schema null."},
		connect.ConfigKey{Name: KeyExpandJSON, Type: connect.TypeBoolean, Default: "false", Doc: "Parse a STRING payload as JSON and infer a Connect schema, as Debezium does. A payload that cannot be expanded is kept as the string, with a warning naming the JSON path."},
		enumKey(KeyJSONNullBehavior, "ignore", "JSON null members during expansion: ignore drops them, optional_bytes keeps them as OPTIONAL_BYTES nulls. Only with table.expand.json.payload=true: set without it, it is a configuration error.", "ignore", "optional_bytes"),
		enumKey(KeyJSONEmptyArray, "ignore", "Empty JSON arrays during expansion: ignore drops them, optional_string keeps them as arrays of OPTIONAL_STRING. Only with table.expand.json.payload=true: set without it, it is a configuration error.", "ignore", "optional_string"),
		enumKey(KeyFieldNameAdjustment, "none", "Renames expanded member names: avro replaces characters Avro does not allow with _, avro_unicode with _uXXXX. Only with table.expand.json.payload=true: set without it, it is a configuration error.", "none", "avro", "avro_unicode"),
		strKey(KeyTracingField, "tracingspancontext", "Column holding the serialised parent span context (java.util.Properties text with traceparent/tracestate)."),
		strKey(KeyTracingOperation, "debezium-read", "Name of Debezium's processing span. inlet records no spans (no OpenTelemetry SDK): it propagates the W3C trace context into headers and logs this name at debug level."),
		connect.ConfigKey{Name: KeyTracingContextOnly, Type: connect.TypeBoolean, Default: "true", Doc: "Trace only rows whose context column is present and non-null. Debezium's EventRouter forces true when the key is unset; false starts a new trace (random traceparent) for rows without a context."},
		connect.ConfigKey{Name: KeyLegacyErrorOnMissing, Type: connect.TypeBoolean, Default: "true", Deprecated: KeyAdditionalMissing, Doc: "Deprecated (Debezium 2.5-3.5): true = table.field.additional.missing=error, false = ignore."},
		connect.ConfigKey{Name: KeyLegacyOpInvalid, Type: connect.TypeString, Default: "warn", Deprecated: KeyOpInvalidBehavior, Validator: connect.OneOf("warn", "error", "fatal"), Doc: "Deprecated (Debezium 1.x) name of table.op.invalid.behavior."},
		strKey(KeyLegacyPayloadID, "aggregateid", "Deprecated (removed in Debezium 2.0): key column used when table.field.event.key is unset or its value is null."),
	)
	d.Check(checkConfig)
	return d
}

// validatePlacements applies Debezium's validator (2 or 3 parts per item)
// and, unlike Debezium, rejects unknown placement words and empty parts at
// configure time instead of failing on the first record.
func validatePlacements(v any) error {
	items, _ := v.([]string)
	_, err := parsePlacements(items)
	return err
}

func parsePlacements(items []string) ([]placement, error) {
	var out []placement
	for _, item := range items {
		parts := strings.Split(item, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Errorf("A comma-separated list of valid String pairs or trios is expected but got: [%s] (item %q)", strings.Join(items, ", "), item)
		}
		p := placement{column: strings.TrimSpace(parts[0])}
		if p.column == "" {
			return nil, fmt.Errorf("item %q: the column name is empty", item)
		}
		switch strings.ToLower(strings.TrimSpace(parts[1])) {
		case "header":
			p.where = PlaceHeader
		case "envelope":
			p.where = PlaceEnvelope
		case "partition":
			p.where = PlacePartition
		default:
			return nil, fmt.Errorf("item %q: unknown placement %q, expected header, envelope or partition", item, strings.TrimSpace(parts[1]))
		}
		p.alias = p.column
		if len(parts) == 3 {
			p.alias = strings.TrimSpace(parts[2])
			if p.alias == "" {
				return nil, fmt.Errorf("item %q: the alias is empty", item)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func validRegex(v any) error {
	s, _ := v.(string)
	if _, err := javare.Compile(s); err != nil {
		return err
	}
	return nil
}

// checkConfig runs the cross-key checks.
func checkConfig(c connect.Config) connect.ConfigErrors {
	var errs connect.ConfigErrors
	if re, err := javare.Compile(c.String(KeyRouteTopicRegex)); err == nil {
		if _, err := javare.CompileReplacement(c.String(KeyRouteReplacement), re); err != nil {
			errs = append(errs, &connect.ConfigError{Key: KeyRouteReplacement, Value: c.Raw(KeyRouteReplacement), Reason: err.Error()})
		}
	}
	if c.Has(KeyLegacyErrorOnMissing) && c.Has(KeyAdditionalMissing) {
		legacy := c.Bool(KeyLegacyErrorOnMissing)
		cur := strings.EqualFold(c.String(KeyAdditionalMissing), "error")
		if legacy != cur {
			errs = append(errs, &connect.ConfigError{Key: KeyLegacyErrorOnMissing, Value: c.Raw(KeyLegacyErrorOnMissing),
				Reason: fmt.Sprintf("contradicts %s=%s; remove the deprecated key", KeyAdditionalMissing, c.String(KeyAdditionalMissing))})
		}
	}
	if c.Has(KeyLegacyOpInvalid) && c.Has(KeyOpInvalidBehavior) && !strings.EqualFold(c.String(KeyLegacyOpInvalid), c.String(KeyOpInvalidBehavior)) {
		errs = append(errs, &connect.ConfigError{Key: KeyLegacyOpInvalid, Value: c.Raw(KeyLegacyOpInvalid),
			Reason: fmt.Sprintf("contradicts %s=%s; remove the deprecated key", KeyOpInvalidBehavior, c.String(KeyOpInvalidBehavior))})
	}
	ps, _ := parsePlacements(c.List(KeyPlacement))
	seen := map[string]bool{}
	for _, p := range ps {
		if p.where != PlaceEnvelope {
			continue
		}
		if p.alias == "payload" {
			errs = append(errs, &connect.ConfigError{Key: KeyPlacement, Value: c.Raw(KeyPlacement),
				Reason: fmt.Sprintf("envelope alias %q clashes with the envelope's payload field; choose another alias", p.alias)})
		} else if seen[p.alias] {
			errs = append(errs, &connect.ConfigError{Key: KeyPlacement, Value: c.Raw(KeyPlacement),
				Reason: fmt.Sprintf("two envelope placements use the field name %q (Kafka Connect rejects duplicate field names); give one an alias", p.alias)})
		}
		seen[p.alias] = true
	}
	// Keys that only shape something another key turns on would otherwise
	// be accepted and do nothing.
	if c.Has(KeyFieldSchemaVersion) && c.String(KeyFieldSchemaVersion) != "" && len(seen) == 0 {
		errs = append(errs, &connect.ConfigError{Key: KeyFieldSchemaVersion, Value: c.Raw(KeyFieldSchemaVersion),
			Reason: "has no effect without an envelope placement: the version is set on the envelope-shaped value, so add a column:envelope item to " + KeyPlacement + " or remove it"})
	}
	if !c.Bool(KeyExpandJSON) {
		for _, k := range []string{KeyJSONNullBehavior, KeyJSONEmptyArray, KeyFieldNameAdjustment} {
			if c.Has(k) {
				errs = append(errs, &connect.ConfigError{Key: k, Value: c.Raw(k),
					Reason: "applies only to JSON payload expansion: set " + KeyExpandJSON + "=true or remove it"})
			}
		}
	}
	for _, k := range []string{KeyFieldEventID, KeyFieldEventKey, KeyFieldPayload, KeyRouteByField} {
		if c.String(k) == "" {
			errs = append(errs, &connect.ConfigError{Key: k, Reason: "must name a column"})
		}
	}
	return errs
}

// newSettings turns a parsed Config into settings, logging a deprecation
// warning for each legacy key in use.
func newSettings(c connect.Config, log *slog.Logger) (settings, error) {
	s := settings{
		idCol:          c.String(KeyFieldEventID),
		keyCol:         c.String(KeyFieldEventKey),
		tsCol:          c.String(KeyFieldEventTimestamp),
		payloadCol:     c.String(KeyFieldPayload),
		versionCol:     c.String(KeyFieldSchemaVersion),
		routeBy:        c.String(KeyRouteByField),
		regex:          c.String(KeyRouteTopicRegex),
		replacement:    c.String(KeyRouteReplacement),
		tombstoneEmpty: c.Bool(KeyTombstoneOnEmpty),
		expand:         c.Bool(KeyExpandJSON),
		tracingCol:     c.String(KeyTracingField),
		tracingOp:      c.String(KeyTracingOperation),
		tracingOnly:    c.Bool(KeyTracingContextOnly),
	}
	if c.Has(KeyFieldEventType) {
		// Debezium declares the key but its router never reads it; files
		// that set it must keep working, so warn instead of rejecting.
		log.Warn("configuration key has no effect: place the column with "+KeyPlacement+" instead (e.g. "+c.String(KeyFieldEventType)+":header:eventType)",
			"key", KeyFieldEventType, "value", c.String(KeyFieldEventType))
	}
	if !c.Has(KeyTracingContextOnly) {
		s.tracingOnly = true // Debezium's EventRouter forces it when unset
	}
	beh := c.String(KeyOpInvalidBehavior)
	if c.Has(KeyLegacyOpInvalid) {
		log.Warn("deprecated configuration key, use its replacement", "key", KeyLegacyOpInvalid, "replacement", KeyOpInvalidBehavior)
		if !c.Has(KeyOpInvalidBehavior) {
			beh = c.String(KeyLegacyOpInvalid)
		}
	}
	switch strings.ToLower(beh) {
	case "error":
		s.opInvalid = opError
	case "fatal":
		s.opInvalid = opFatal
	}
	s.missingIgnore = strings.EqualFold(c.String(KeyAdditionalMissing), "ignore")
	if c.Has(KeyLegacyErrorOnMissing) {
		log.Warn("deprecated configuration key, use its replacement", "key", KeyLegacyErrorOnMissing, "replacement", KeyAdditionalMissing)
		if !c.Has(KeyAdditionalMissing) {
			s.missingIgnore = !c.Bool(KeyLegacyErrorOnMissing)
		}
	}
	if c.Has(KeyLegacyPayloadID) {
		log.Warn("deprecated configuration key, use its replacement", "key", KeyLegacyPayloadID, "replacement", KeyFieldEventKey)
		if c.Has(KeyFieldEventKey) {
			s.legacyKeyCol = c.String(KeyLegacyPayloadID)
		} else {
			s.keyCol = c.String(KeyLegacyPayloadID)
		}
	}
	s.nullAsBytes = strings.EqualFold(c.String(KeyJSONNullBehavior), "optional_bytes")
	s.emptyAsString = strings.EqualFold(c.String(KeyJSONEmptyArray), "optional_string")
	switch strings.ToLower(c.String(KeyFieldNameAdjustment)) {
	case "avro":
		s.adjust = adjustAvro
	case "avro_unicode":
		s.adjust = adjustAvroUnicode
	}
	s.oracle = oracleDefaults(c)
	ps, err := parsePlacements(c.List(KeyPlacement))
	if err != nil {
		return s, connect.ConfigErrors{{Key: KeyPlacement, Value: c.Raw(KeyPlacement), Reason: err.Error()}}
	}
	s.placements = ps
	for _, p := range ps {
		switch p.where {
		case PlaceEnvelope:
			s.hasEnvelope = true
		case PlaceHeader:
			s.headerPlaced++
		}
	}
	return s, nil
}
