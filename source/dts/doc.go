// Package dts is the source for Alibaba Cloud DTS change tracking (the new
// version, which speaks the Kafka protocol): it consumes partition 0 of the
// tracked topic as the only member of the consumer group (dts.sid) and
// turns each INSERT, UPDATE, DELETE and DDL record into a connect.Record.
//
// Decoding (decode.go, pure and fuzzed) is apart from consuming
// (source.go). Each Kafka value is one raw Avro datum of
// com.alibaba.dts.formats.avro.Record (dts-record.avsc), read field by
// field with hamba/avro's Reader, with or without the trailing
// bornTimestamp; values of at most two bytes are placeholders
// and are skipped. BEGIN, COMMIT, HEARTBEAT and the other control
// operations move the position on and are not emitted, as in EventBridge.
//
// # Records
//
// With dts.output.format=eventbridge (the default) the value is the data
// object of EventBridge's DTS event, schemaless: id, topicPartition, offset,
// sourceTimestamp, operationType, schema (databaseName, tableName,
// schemaName for three-part names, schemaId, recordFields,
// primaryIndexInfo, uniqueIndexInfo, databaseInfo), beforeImage and
// afterImage. The CloudEvents attributes are binary-mode headers, so
// event patterns, JSONPath and templates see the whole event:
// ce_specversion 1.0, ce_id "<md5 of the topic>-<DTS record id>", ce_source
// (the pipeline name, as EventBridge uses the stream's name), ce_type
// dts:ConsumeMessage, ce_subject acs:dts:<dts.region>::<dts.task.id>/<sid>,
// ce_time (sourceTimestamp, RFC 3339) and content-type
// application/json; charset=utf-8. The key is the primary key (else the
// first unique key) as {"col": value}; the timestamp is sourceTimestamp.
//
// Deliberate differences from EventBridge's published sample: row images
// are objects keyed by column name ({"id": 7, "status": "PAID"}) instead
// of positional lists of Java value objects, so single columns can be
// matched ($.data.afterImage.status) and read; schema leaves out nameIndex
// (the same field objects again), foreignIndexInfo and normalIndexInfo
// (DTS records carry no such information) and totalRows.
//
// With dts.output.format=debezium the value is a schemaless Debezium
// envelope {before, after, source, op, ts_ms} (op c/u/d; source has
// connector "dts", db, schema, table, ts_ms, txId, pos, id, offset) on topic
// <dts.topic>.<db>.<table>, and DDL is a schema-change value {source,
// databaseName, schemaName, ddl, tableChanges: []} on <dts.topic>; no
// CloudEvents headers. Debezium SMTs that accept schemaless values
// (ExtractNewRecordState, the outbox EventRouter) apply.
//
// # Column values
//
// Values are plain JSON values, never Java byte-buffer dumps:
//
//	Integer                  int64, or json.Number when wider (BIGINT UNSIGNED)
//	Decimal                  json.Number with DTS's exact text ("107.50")
//	Float                    float64 (NaN and ±Infinity as text)
//	Character                text decoded from its MySQL charset (utf8mb4,
//	                         latin1 = Windows-1252, gbk, gb18030, big5, sjis,
//	                         euc-kr, utf16, ...); charset binary → Base64;
//	                         unknown charset or invalid bytes → the SDK's
//	                         lossless <charset>_'<hex>'
//	Timestamp                RFC 3339 in UTC, microseconds kept: 2022-06-21T08:30:15.5Z
//	DateTime                 DATETIME 2022-06-21 08:30:15.123456 (fraction only when
//	                         non-zero), DATE 2022-06-22, TIME -838:59:59, YEAR 2022 (number)
//	TimestampWithTimeZone    the DateTime text, a space, the zone: 2022-06-21 08:30:15 +08:00
//	BinaryObject/Geometry    Base64 (WKB for geometries)
//	TextObject/TextGeometry  the text (JSON columns stay JSON text)
//	EmptyObject NULL, null   JSON null
//	EmptyObject NONE         the column is left out of the image
//
// # Position
//
// The first run of a consumer group (no committed offset, nothing stored by
// the runtime) starts at dts.checkpoint, looked up by timestamp in seconds
// as DTS expects; a checkpoint outside the data held fails with
// ErrCheckpointOutOfRange. Later runs resume at the later of the runtime's
// stored offset and the group's committed offset. Offsets are committed to
// the group only in Commit, after the sink flushed, as offset+1 with the
// source timestamp (seconds) as metadata, like the DTS SDK. One client per
// consumer group: a second pipeline with the same sid in this process, or a
// group that already has a member, is refused with ErrSidInUse; members with
// this source's client id, left by a killed worker, are waited out (their
// session ends within 10 s) instead.
//
// A disaster-recovery switch moves the endpoint to another Kafka cluster
// whose offsets differ. Like the DTS SDK, the source watches the cluster
// ID (after every new broker connection, after fetch errors and every
// 30 s), and when it changes logs a warning, drops what it fetched, and
// re-reads the new cluster from the source second (offsets for times, in
// seconds) of the last record it read: records of that second are
// delivered again (at-least-once), none is skipped. Source offsets name
// their cluster: old-cluster offsets are never committed to the new one,
// and a restart whose stored offset names another cluster seeks by its
// sourceTimestamp instead of its offset.
package dts
