package converters

import (
	"fmt"

	"github.com/inletdev/inlet/connect"
)

// ByteArrayConverter is Kafka's
// org.apache.kafka.connect.converters.ByteArrayConverter: bytes pass
// through. The schema must be nil or BYTES and the value []byte; it reads
// optional bytes. Safe for concurrent use.
type ByteArrayConverter struct{}

// FromConnect passes bytes through.
func (ByteArrayConverter) FromConnect(_ string, _ connect.Headers, schema *connect.Schema, value any) ([]byte, error) {
	if schema != nil && schema.Type != connect.Bytes {
		return nil, dataErr("ByteArrayConverter", "Invalid schema type for ByteArrayConverter: %s", schema.Type.UpperName())
	}
	if value == nil {
		return nil, nil
	}
	b, ok := value.([]byte)
	if !ok {
		return nil, dataErr("ByteArrayConverter", "ByteArrayConverter is not compatible with objects of type %T", value)
	}
	return b, nil
}

// ToConnect returns the bytes with an optional BYTES schema.
func (ByteArrayConverter) ToConnect(_ string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return connect.OptionalBytesSchema, nil, nil
	}
	return connect.OptionalBytesSchema, data, nil
}

// FromHeader passes header bytes through.
func (c ByteArrayConverter) FromHeader(topic, _ string, schema *connect.Schema, value any) ([]byte, error) {
	return c.FromConnect(topic, nil, schema, value)
}

// ToHeader returns header bytes as optional BYTES.
func (c ByteArrayConverter) ToHeader(topic, _ string, data []byte) (*connect.Schema, any, error) {
	return c.ToConnect(topic, nil, data)
}

// Debezium's ByteBufferConverter keys.
const (
	DelegateKey    = "delegate.converter.type"
	delegatePrefix = "delegate.converter.type."
)

// ByteBufferConfig declares ByteBufferConverter's keys.
func ByteBufferConfig() *connect.ConfigDef {
	return connect.NewConfigDef(connect.ConfigKey{
		Name: DelegateKey, Type: connect.TypeClass,
		Doc: "Converter for values that are not bytes (Debezium's delegate.converter.type), e.g. org.apache.kafka.connect.json.JsonConverter. " +
			"Its own keys are set as delegate.converter.type.<key>. Without it such values are an error.",
	}).AllowPrefix(delegatePrefix, "Keys for the delegate converter, prefix removed (e.g. delegate.converter.type.schemas.enable=false).")
}

// ByteBufferConverter is Debezium's io.debezium.converters.ByteBufferConverter
// (renamed BinaryDataConverter in 2.0): bytes with a BYTES schema or no
// schema pass through; anything else goes to the delegate converter. It reads
// optional bytes. Safe for concurrent use if the delegate is.
type ByteBufferConverter struct {
	// Delegate handles values that are not bytes; nil makes them an error.
	Delegate Converter
}

// Converter is a key/value converter that can also convert headers.
type Converter interface {
	connect.Converter
	connect.HeaderConverter
}

// FromConnect passes bytes through or hands the value to the delegate.
func (c *ByteBufferConverter) FromConnect(topic string, headers connect.Headers, schema *connect.Schema, value any) ([]byte, error) {
	if schema != nil && schema.Type != connect.Bytes {
		if c.Delegate != nil {
			return c.Delegate.FromConnect(topic, headers, schema, value)
		}
		return nil, dataErr("ByteBufferConverter", "A schema of type '%s' requires a %s to be configured", schema.Type.UpperName(), DelegateKey)
	}
	if value == nil {
		return nil, nil
	}
	b, ok := value.([]byte)
	if !ok {
		if c.Delegate != nil {
			return c.Delegate.FromConnect(topic, headers, schema, value)
		}
		return nil, dataErr("ByteBufferConverter", "A value of type '%T' requires a %s to be configured", value, DelegateKey)
	}
	return b, nil
}

// ToConnect returns the bytes with an optional BYTES schema.
func (c *ByteBufferConverter) ToConnect(_ string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return connect.OptionalBytesSchema, nil, nil
	}
	return connect.OptionalBytesSchema, data, nil
}

// FromHeader is FromConnect for one header.
func (c *ByteBufferConverter) FromHeader(topic, key string, schema *connect.Schema, value any) ([]byte, error) {
	if (schema != nil && schema.Type != connect.Bytes) || (value != nil && !isBytes(value)) {
		if c.Delegate != nil {
			return c.Delegate.FromHeader(topic, key, schema, value)
		}
	}
	return c.FromConnect(topic, nil, schema, value)
}

// ToHeader returns header bytes as optional BYTES.
func (c *ByteBufferConverter) ToHeader(topic, _ string, data []byte) (*connect.Schema, any, error) {
	return c.ToConnect(topic, nil, data)
}

func isBytes(v any) bool { _, ok := v.([]byte); return ok }

// newDelegate builds a delegate converter from this package by any of its
// names (a delegate from another package cannot be reached without a
// registry, and plugins do not import each other).
func newDelegate(class string, props map[string]string, isKey bool) (Converter, error) {
	for _, p := range plugins() {
		if p.Kind != connect.KindConverter || p.Name == "ByteBufferConverter" {
			continue
		}
		r := connect.NewRegistry()
		r.Register(p)
		if _, err := r.Lookup(connect.KindConverter, class); err != nil {
			continue
		}
		cfg, err := p.Config.Parse(props)
		if err != nil {
			return nil, fmt.Errorf("converters: ByteBufferConverter delegate %s: %w", class, err)
		}
		conv, err := p.NewConverter(cfg, isKey)
		if err != nil {
			return nil, err
		}
		full, ok := conv.(Converter)
		if !ok {
			return nil, fmt.Errorf("converters: ByteBufferConverter delegate %s cannot convert headers", class)
		}
		return full, nil
	}
	return nil, fmt.Errorf("converters: ByteBufferConverter: %s=%q is not a converter inlet has (use JsonConverter, StringConverter or ByteArrayConverter)", DelegateKey, class)
}
