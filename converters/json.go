package converters

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/inletdev/inlet/connect"
)

// JSON converter keys (Kafka's JsonConverterConfig).
const (
	SchemasEnableKey     = "schemas.enable"
	SchemasCacheSizeKey  = "schemas.cache.size"
	DecimalFormatKey     = "decimal.format"
	ReplaceNullKey       = "replace.null.with.default"
	jsonConverterName    = "JsonConverter"
	decimalFormatBase64  = "BASE64"
	decimalFormatNumeric = "NUMERIC"
)

// JSONConfig declares the JsonConverter's keys, with Kafka's defaults.
func JSONConfig() *connect.ConfigDef {
	return connect.NewConfigDef(
		connect.ConfigKey{Name: SchemasEnableKey, Type: connect.TypeBoolean, Default: "true", Importance: connect.High,
			Doc: `Include the schema with each value: {"schema":…,"payload":…} (Kafka's schemas.enable). Reading requires that envelope when true.`},
		connect.ConfigKey{Name: SchemasCacheSizeKey, Type: connect.TypeInt, Default: "1000", Validator: connect.AtLeast(0),
			Doc: "How many schemas' JSON (and parsed schemas) to cache, per converter (Kafka's schemas.cache.size)."},
		connect.ConfigKey{Name: DecimalFormatKey, Type: connect.TypeString, Default: decimalFormatBase64,
			Validator: connect.OneOf(decimalFormatBase64, decimalFormatNumeric),
			Doc:       "How Decimal values are written: BASE64 (two's-complement bytes, Base64) or NUMERIC (a JSON number). Both are read."},
		connect.ConfigKey{Name: ReplaceNullKey, Type: connect.TypeBoolean, Default: "true",
			Doc: "Write (and read) a null field that has a schema default as that default, as Kafka 3.6+ does; false keeps nulls."},
	)
}

// JSONOptions configures a JSONConverter built in code.
type JSONOptions struct {
	SchemasEnable          bool
	SchemasCacheSize       int  // 0 = no cache
	DecimalNumeric         bool // decimal.format=NUMERIC
	ReplaceNullWithDefault bool
	IsKey                  bool // names key.converter.* in error messages
}

// DefaultJSONOptions are Kafka's defaults.
func DefaultJSONOptions() JSONOptions {
	return JSONOptions{SchemasEnable: true, SchemasCacheSize: 1000, ReplaceNullWithDefault: true}
}

// JSONConverter is Kafka's org.apache.kafka.connect.json.JsonConverter. It
// writes JSON by hand into a pooled buffer, in schema field order, and
// caches each schema's JSON per *Schema (schemas are immutable and shared
// between records, as in Kafka). It is safe for concurrent use.
type JSONConverter struct {
	opt JSONOptions

	mu      sync.RWMutex
	schemas map[*connect.Schema][]byte     // schema → its JSON
	parsed  map[string]*connect.Schema     // schema JSON → parsed schema
	recent  atomic.Pointer[[]recentSchema] // last schema texts read, newest first
	shapes  [smallMap + 1]shapes           // sorted keys of recent schemaless maps, by size
	scratch sync.Pool                      // *scratch for schemaless reads
}

// recentSchemas is how many schema texts ToConnect recognizes by their
// bytes alone (a stream usually carries one schema per table).
const recentSchemas = 4

// NewJSONConverter returns a converter with the given options.
func NewJSONConverter(opt JSONOptions) *JSONConverter {
	return &JSONConverter{opt: opt, schemas: map[*connect.Schema][]byte{}, parsed: map[string]*connect.Schema{}}
}

func newJSONFromConfig(cfg connect.Config, isKey bool) *JSONConverter {
	return NewJSONConverter(JSONOptions{
		SchemasEnable:          cfg.Bool(SchemasEnableKey),
		SchemasCacheSize:       cfg.Int(SchemasCacheSizeKey),
		DecimalNumeric:         strings.EqualFold(cfg.String(DecimalFormatKey), decimalFormatNumeric),
		ReplaceNullWithDefault: cfg.Bool(ReplaceNullKey),
		IsKey:                  isKey,
	})
}

var bufPool = sync.Pool{New: func() any { return &encoder{buf: make([]byte, 0, 4096)} }}

// encoder is the per-call state; its output buffer is reused through
// bufPool.
type encoder struct {
	c   *JSONConverter
	buf []byte
}

// FromConnect serializes a key or value. A nil value with a nil schema is a
// tombstone (nil bytes); with a schema, Kafka writes the envelope with a
// null payload (schemas.enable=true) or "null".
func (c *JSONConverter) FromConnect(_ string, _ connect.Headers, schema *connect.Schema, value any) ([]byte, error) {
	if schema == nil && value == nil {
		return nil, nil
	}
	e := bufPool.Get().(*encoder)
	e.c, e.buf = c, e.buf[:0]
	// The buffer travels as a local slice, not through e: a store into the
	// pooled (heap) encoder on every append would pay a GC write barrier.
	b := e.buf
	var err error
	if c.opt.SchemasEnable {
		b = append(b, `{"schema":`...)
		if schema == nil {
			b = append(b, "null"...)
		} else {
			sj, serr := c.schemaJSON(schema)
			if serr != nil {
				err = serr
			}
			b = append(b, sj...)
		}
		b = append(b, `,"payload":`...)
		if err == nil {
			b, err = e.value(b, schema, value)
		}
		b = append(b, '}')
	} else {
		b, err = e.value(b, schema, value)
	}
	var out []byte
	if err == nil {
		out = make([]byte, len(b))
		copy(out, b)
	}
	if cap(b) <= 1<<20 { // do not pin huge buffers in the pool
		e.c, e.buf = nil, b[:0]
		bufPool.Put(e)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FromHeader serializes a header value, as Kafka's JsonConverter does when
// used as a header converter.
func (c *JSONConverter) FromHeader(topic, _ string, schema *connect.Schema, value any) ([]byte, error) {
	return c.FromConnect(topic, nil, schema, value)
}

// ToHeader parses a header value.
func (c *JSONConverter) ToHeader(topic, _ string, data []byte) (*connect.Schema, any, error) {
	return c.ToConnect(topic, nil, data)
}

// schemaJSON returns the cached JSON of s, building it on first use.
func (c *JSONConverter) schemaJSON(s *connect.Schema) ([]byte, error) {
	c.mu.RLock()
	b, ok := c.schemas[s]
	c.mu.RUnlock()
	if ok {
		return b, nil
	}
	e := &encoder{c: c}
	sj, err := e.schema(nil, s)
	if err != nil {
		return nil, err
	}
	if c.opt.SchemasCacheSize > 0 {
		c.mu.Lock()
		if len(c.schemas) >= c.opt.SchemasCacheSize {
			for k := range c.schemas { // evict one entry: the cache is a bound, not an LRU
				delete(c.schemas, k)
				break
			}
		}
		c.schemas[s] = sj
		c.mu.Unlock()
	}
	return sj, nil
}

// String names the converter and its settings, for logs.
func (c *JSONConverter) String() string {
	return fmt.Sprintf("JsonConverter(schemas.enable=%v)", c.opt.SchemasEnable)
}

func (c *JSONConverter) prefix() string {
	if c.opt.IsKey {
		return "key.converter."
	}
	return "value.converter."
}
