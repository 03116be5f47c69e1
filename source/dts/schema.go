package dts

import _ "embed"

//go:embed dts-record.avsc
var recordSchemaJSON string

// RecordSchema returns the DTS Avro schema set (dts-record.avsc, a copy of
// LioRoger/subscribe_example avro/Record.avsc): a JSON array of 14 named
// types whose last is com.alibaba.dts.formats.avro.Record. Decode does not
// need it; writers (the dtstest producer) and cross-checks do.
func RecordSchema() string { return recordSchemaJSON }
