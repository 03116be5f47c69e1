// Package converters holds Kafka Connect's converters, which turn Connect
// data (a schema and a value) into bytes and back: JsonConverter (with
// Kafka's exact {"schema","payload"} envelope), StringConverter,
// ByteArrayConverter, Debezium's ByteBufferConverter and the default header
// converter, SimpleHeaderConverter. Each is registered under its Java class
// name, so Kafka Connect and Debezium files run unchanged.
//
// Output is byte-for-byte what Kafka writes (key order, Java number text,
// Base64 decimals) except where Kafka's output is unspecified: map keys
// are written sorted, where Java follows a HashMap's order.
package converters

import (
	"github.com/inletdev/inlet/connect"
)

// Register adds every converter in this package to r.
func Register(r *connect.Registry) {
	for _, p := range plugins() {
		r.Register(p)
	}
}

func plugins() []connect.Plugin {
	jsonConv := func(cfg connect.Config, isKey bool) (connect.Converter, error) {
		return newJSONFromConfig(cfg, isKey), nil
	}
	strConv := func(cfg connect.Config, _ bool) (connect.Converter, error) {
		return NewStringConverter(cfg.String(EncodingKey))
	}
	byteBuf := func(cfg connect.Config, isKey bool) (*ByteBufferConverter, error) {
		c := &ByteBufferConverter{}
		if class := cfg.String(DelegateKey); class != "" {
			d, err := newDelegate(class, cfg.Prefixed(delegatePrefix), isKey)
			if err != nil {
				return nil, err
			}
			c.Delegate = d
		}
		return c, nil
	}
	const (
		jsonClass   = "org.apache.kafka.connect.json.JsonConverter"
		stringClass = "org.apache.kafka.connect.storage.StringConverter"
		bytesClass  = "org.apache.kafka.connect.converters.ByteArrayConverter"
		bbClass     = "io.debezium.converters.ByteBufferConverter"
		bdClass     = "io.debezium.converters.BinaryDataConverter"
		simpleClass = "org.apache.kafka.connect.storage.SimpleHeaderConverter"
	)
	const (
		jsonDoc   = `Kafka's JsonConverter: JSON with an optional {"schema","payload"} envelope (schemas.enable).`
		stringDoc = "Kafka's StringConverter: the value's string form; reads an optional string."
		bytesDoc  = "Kafka's ByteArrayConverter: bytes pass through."
		bbDoc     = "Debezium's ByteBufferConverter (BinaryDataConverter): bytes pass through, other values go to delegate.converter.type."
	)
	return []connect.Plugin{
		{Kind: connect.KindConverter, Name: "JsonConverter", Aliases: []string{jsonClass}, Doc: jsonDoc,
			Config: JSONConfig(), NewConverter: jsonConv},
		{Kind: connect.KindHeaderConverter, Name: "JsonConverter", Aliases: []string{jsonClass}, Doc: jsonDoc,
			Config: JSONConfig(), NewHeaderConverter: func(cfg connect.Config) (connect.HeaderConverter, error) {
				return newJSONFromConfig(cfg, false), nil
			}},
		{Kind: connect.KindConverter, Name: "StringConverter", Aliases: []string{stringClass}, Doc: stringDoc,
			Config: StringConfig(), NewConverter: strConv},
		{Kind: connect.KindHeaderConverter, Name: "StringConverter", Aliases: []string{stringClass}, Doc: stringDoc,
			Config: StringConfig(), NewHeaderConverter: func(cfg connect.Config) (connect.HeaderConverter, error) {
				return NewStringConverter(cfg.String(EncodingKey))
			}},
		{Kind: connect.KindConverter, Name: "ByteArrayConverter", Aliases: []string{bytesClass}, Doc: bytesDoc,
			NewConverter: func(connect.Config, bool) (connect.Converter, error) { return ByteArrayConverter{}, nil }},
		{Kind: connect.KindHeaderConverter, Name: "ByteArrayConverter", Aliases: []string{bytesClass}, Doc: bytesDoc,
			NewHeaderConverter: func(connect.Config) (connect.HeaderConverter, error) { return ByteArrayConverter{}, nil }},
		{Kind: connect.KindConverter, Name: "ByteBufferConverter", Aliases: []string{bbClass, bdClass}, Doc: bbDoc,
			Config: ByteBufferConfig(), NewConverter: func(cfg connect.Config, isKey bool) (connect.Converter, error) {
				return byteBuf(cfg, isKey)
			}},
		{Kind: connect.KindHeaderConverter, Name: "ByteBufferConverter", Aliases: []string{bbClass, bdClass}, Doc: bbDoc,
			Config: ByteBufferConfig(), NewHeaderConverter: func(cfg connect.Config) (connect.HeaderConverter, error) {
				return byteBuf(cfg, false)
			}},
		{Kind: connect.KindHeaderConverter, Name: "SimpleHeaderConverter", Aliases: []string{simpleClass},
			Doc:                "Kafka's default header converter: values as text, read back with Values.parseString type guessing.",
			NewHeaderConverter: func(connect.Config) (connect.HeaderConverter, error) { return SimpleHeaderConverter{}, nil }},
	}
}
