// Package outbox is Debezium's outbox EventRouter
// (io.debezium.transforms.outbox.EventRouter; also EventRouter and
// outbox.EventRouter). It turns the change event of an outbox-table insert
// into the event that the row describes:
//
//   - the topic is outbox.event.<aggregatetype>, with the case kept;
//   - the key is the aggregateid column, with its schema;
//   - the header "id" holds the event id, with the column's schema;
//   - the value is the payload column;
//   - the timestamp is the envelope's ts_ms, or the
//     table.field.event.timestamp column if that option is set.
//
// Every Debezium option is accepted with Debezium's name, default and
// meaning, and Router.Apply runs Debezium's steps in Debezium's order. The
// legacy keys table.fields.additional.error.on.missing,
// debezium.op.invalid.behavior and table.field.event.payload.id work too:
// each logs a deprecation warning naming its replacement, and a legacy key
// that contradicts its replacement is a configuration error. When a change
// event comes from Debezium's Oracle connector (source.connector=oracle),
// unset column keys default to the Oracle provider's upper-case names.
//
// # Where inlet differs from Debezium, on purpose
//
// Where Debezium crashes or leaves the failure to a later stage, inlet
// returns an error. Configuration errors name the key. They cover an
// unknown placement word, an empty column or alias, two envelope fields
// with one name, a regex that Go cannot run, and a replacement that names a
// missing group. Record errors wrap ErrUnroutable and carry the record's
// coordinates (topic/partition/offset, or the source offset, i.e. the LSN).
// They cover:
//
//   - a route value that is null or not a string, or a topic that comes out empty;
//   - a missing id, key or route column;
//   - a timestamp column that is not an INT64 with one of Debezium's three
//     timestamp names (a timestamptz column, Kafka Connect's Timestamp);
//   - a truncate (op=t);
//   - an .Envelope value without op, or with an after that is not a row;
//   - a partition or schema-version column that is not INT32, and a
//     negative partition.
//
// The runtime's error policy decides what happens next: retry,
// dead-letter queue or a failed task. Records that Debezium drops on
// purpose are still dropped and counted (Router.Dropped): tombstones,
// deletes, and updates under warn or error.
//
// Other choices:
//
//   - A zero-length byte payload counts as empty for
//     route.tombstone.on.empty.payload, as the option's documentation
//     intends. Debezium prints a byte array as "[B@…", which is never
//     empty.
//   - JSON expansion infers schemas as Debezium's JsonSchemaData does.
//     Object arrays merge fields in document order; Debezium uses a
//     HashSet. Renamed members keep their values. Every failure names its
//     JSON path. A top-level array, text after the JSON value, or an
//     integer wider than int64 counts as an expansion failure: a WARN, and
//     the string is kept.
//   - Envelope schemas are cached per (row schema, route value, version).
//     Debezium caches them per payload schema, so its cached name carries
//     the route value of the first record.
//   - Tracing runs without an OpenTelemetry SDK. The parent context in the
//     tracing column (java.util.Properties text) is copied into the
//     traceparent, tracestate and baggage headers. These are STRING headers
//     placed before "id", and they replace headers with the same name. A row
//     that is traced but has no valid context starts a new trace with
//     random ids. tracing.operation.name appears only in debug logs,
//     because inlet records no spans.
//
// # Schemaless change events (an inlet extension)
//
// Debezium returns records without a value schema unchanged. inlet also
// routes map values (JsonConverter with schemas.enable=false) that have a
// string "op", using the same steps and messages; a missing map key stands
// for "not a valid field name". Key, headers and value carry no schema.
// The envelope shape is a map[string]any holding payload and the aliases.
// A partition must be an integral number in [0, 2^31). A timestamp column
// may hold epoch milliseconds (any integral number) or RFC 3339 text; with
// no schema there is no logical name to give the unit. Expansion yields
// map[string]any and []any, with integers as int64 (json.Number when
// wider) and other numbers as float64. It keeps nulls, empty arrays and
// top-level arrays, because it needs no schema inference.
//
// # Cost
//
// Field positions and output schemas are derived once per input *Schema and
// cached. Topics are cached per route value. On the default path a routed
// record costs one allocation: the record copy and its headers.
package outbox
