package postgres

import (
	"math/big"

	"github.com/inletdev/inlet/connect"
)

type bigInt = big.Int

func opt(t connect.Type) *connect.Schema { return connect.PrimitiveSchema(t, true) }
func req(t connect.Type) *connect.Schema { return connect.PrimitiveSchema(t, false) }

// sourceSchema is io.debezium.connector.postgresql.Source, field order as
// Debezium 3.x writes it.
var sourceSchema = connect.StructOf("io.debezium.connector.postgresql.Source", false,
	connect.F("version", req(connect.String)),
	connect.F("connector", req(connect.String)),
	connect.F("name", req(connect.String)),
	connect.F("ts_ms", req(connect.Int64)),
	connect.F("snapshot", &connect.Schema{Type: connect.String, Optional: true, Name: connect.DebeziumEnum, Version: 1,
		Parameters: connect.Params{{Key: "allowed", Value: "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"}},
		Default:    "false"}),
	connect.F("db", req(connect.String)),
	connect.F("sequence", opt(connect.String)),
	connect.F("ts_us", opt(connect.Int64)),
	connect.F("ts_ns", opt(connect.Int64)),
	connect.F("schema", req(connect.String)),
	connect.F("table", req(connect.String)),
	connect.F("txId", opt(connect.Int64)),
	connect.F("lsn", opt(connect.Int64)),
	connect.F("xmin", opt(connect.Int64)),
	connect.F("origin", opt(connect.String)),
	connect.F("origin_lsn", opt(connect.Int64)),
)

func init() { sourceSchema.Version = 1 }

// blockSchema is the envelope's transaction block.
var blockSchema = func() *connect.Schema {
	s := connect.StructOf("event.block", true,
		connect.F("id", req(connect.String)),
		connect.F("total_order", req(connect.Int64)),
		connect.F("data_collection_order", req(connect.Int64)))
	s.Version = 1
	return s
}()

func envelopeSchema(name string, value *connect.Schema) *connect.Schema {
	s := connect.StructOf(name, false,
		connect.F("before", value),
		connect.F("after", value),
		connect.F("source", sourceSchema),
		connect.F("transaction", blockSchema),
		connect.F("op", req(connect.String)),
		connect.F("ts_ms", opt(connect.Int64)),
		connect.F("ts_us", opt(connect.Int64)),
		connect.F("ts_ns", opt(connect.Int64)))
	s.Version = 2
	return s
}

var (
	heartbeatKeySchema   = connect.StructOf("io.debezium.connector.common.ServerNameKey", false, connect.F("serverName", req(connect.String)))
	heartbeatValueSchema = connect.StructOf("io.debezium.connector.common.Heartbeat", false, connect.F("ts_ms", req(connect.Int64)))

	txKeySchema        = connect.StructOf("io.debezium.connector.common.TransactionMetadataKey", false, connect.F("id", req(connect.String)))
	txCollectionSchema = connect.StructOf("event.collection", false,
		connect.F("data_collection", req(connect.String)), connect.F("event_count", req(connect.Int64)))
	txValueSchema = connect.StructOf("io.debezium.connector.common.TransactionMetadataValue", false,
		connect.F("status", req(connect.String)),
		connect.F("id", req(connect.String)),
		connect.F("event_count", opt(connect.Int64)),
		connect.F("data_collections", connect.ArrayOf(txCollectionSchema, true)),
		connect.F("ts_ms", req(connect.Int64)))

	messageKeySchema         = connect.StructOf("io.debezium.connector.postgresql.MessageKey", false, connect.F("prefix", opt(connect.String)))
	messageSchema            = connect.StructOf("io.debezium.connector.postgresql.Message", false, connect.F("prefix", opt(connect.String)), connect.F("content", opt(connect.Bytes)))
	messageStringSchema      = connect.StructOf("io.debezium.connector.postgresql.Message", false, connect.F("prefix", opt(connect.String)), connect.F("content", opt(connect.String)))
	messageValueSchema       = messageValue(messageSchema)
	messageValueStringSchema = messageValue(messageStringSchema)
)

func messageValue(msg *connect.Schema) *connect.Schema {
	return connect.StructOf("io.debezium.connector.postgresql.MessageValue", false,
		connect.F("op", req(connect.String)),
		connect.F("ts_ms", opt(connect.Int64)),
		connect.F("source", sourceSchema),
		connect.F("transaction", blockSchema),
		connect.F("message", msg))
}
