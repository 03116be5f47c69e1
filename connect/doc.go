// Package connect is inlet's plugin API: records, schemas, the interfaces
// that sources, sinks, transforms, predicates and converters implement, the
// ConfigDef that declares a plugin's keys, and the Registry that names them.
// It imports only the standard library.
//
// # Records and values
//
// A [Record] is passed by pointer. Transforms never mutate the record they
// are given: they call [Record.Clone] (a shallow copy, cheap) and change the
// copy. Headers are an ordered slice; Clone caps it so that an append on the
// copy never writes into the original's backing array.
//
// Keys and values come in two shapes, chosen with speed in mind:
//
//   - Schema'd: the record carries a *[Schema]. A STRUCT value is a *[Struct]
//     holding its values in a slice in schema field order (the order Debezium
//     emits). Field access by position is an index; by name it is a short
//     linear scan (a map for wide structs). No per-field allocation, no
//     reflection, and the JSON converter can write fields in order.
//   - Schemaless: the schema is nil and the value is a plain Go value as
//     encoding/json would produce it with integers kept: map[string]any,
//     []any, string, bool, int64 (or any Go integer), float64, []byte, nil.
//
// Go types for schema'd values, by [Type]:
//
//	INT8 int8, INT16 int16, INT32 int32, INT64 int64, FLOAT32 float32,
//	FLOAT64 float64, BOOLEAN bool, STRING string, BYTES []byte,
//	ARRAY []any, MAP map[string]any (string keys) or []MapEntry (other keys),
//	STRUCT *Struct.
//
// Logical types (by schema name) change the Go type: Decimal is a [Decimal],
// Date, Time and Timestamp are time.Time (UTC). Debezium's semantic types
// (io.debezium.time.MicroTimestamp, io.debezium.data.Json, ...) keep the Go
// type of their base type: a MicroTimestamp is an int64.
//
// # Plugins
//
// A plugin is a [Plugin] value registered in a [Registry]: a kind, a name,
// aliases (Java class names, so Kafka Connect and Debezium files run
// unchanged), a [ConfigDef], and a constructor. Interfaces are small;
// optional capabilities are separate interfaces found by type assertion, as
// database/sql/driver does:
//
//	SourceTask      Poll                  + optional SourceCommitter, RecordCommitter, io.Closer
//	SinkTask        Put, Flush            + optional io.Closer
//	Transformation  Apply                 + optional BatchTransformation (+ BatchProvenance), io.Closer
//	Predicate       Test
//	Converter       FromConnect, ToConnect
//	HeaderConverter FromHeader, ToHeader
//
// # Invariants the runtime enforces
//
//   - A source offset is committed only after the sink has durably accepted
//     (Flush returned nil) every record polled before it, or the record was
//     dropped by a transform, or sent to the dead-letter queue.
//   - A failed record is retried, dead-lettered, or stops the task; it is
//     never dropped silently, and offsets never move past it.
//   - PASSWORD values print as [hidden] everywhere.
package connect
