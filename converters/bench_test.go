package converters

import (
	"testing"

	"github.com/inletdev/inlet/connect"
)

// The figures in docs/bench/converters.md come from these benchmarks.
//
// "ChangeEvent" is the reference Debezium insert (debezium.md 2.4): its
// JSON payload (the envelope's "payload", what the event itself weighs) is
// about 600 bytes; with schemas.enable the cached schema adds 2.9 KB.
// "BigColumn" carries a 600-byte jsonb column inside the event instead,
// which is escape-dense (a quote every few bytes) and so the costlier case.

func BenchmarkJSONFromConnectChangeEventWithSchema(b *testing.B) {
	benchWithSchema(b, referencePayload)
}

func BenchmarkJSONFromConnectBigColumnWithSchema(b *testing.B) {
	benchWithSchema(b, payload600())
}

func benchWithSchema(b *testing.B, column string) {
	c := NewJSONConverter(DefaultJSONOptions())
	_, value := changeEvent(column)
	out, err := c.FromConnect("t", nil, envelopeSchema, value)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	b.ResetTimer()
	stop := cpuClock(b)
	for i := 0; i < b.N; i++ {
		if _, err := c.FromConnect("t", nil, envelopeSchema, value); err != nil {
			b.Fatal(err)
		}
	}
	stop()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkJSONFromConnectChangeEventSchemaless(b *testing.B) {
	benchSchemaless(b, referencePayload)
}

func BenchmarkJSONFromConnectBigColumnSchemaless(b *testing.B) {
	benchSchemaless(b, payload600())
}

func benchSchemaless(b *testing.B, column string) {
	opt := DefaultJSONOptions()
	opt.SchemasEnable = false
	c := NewJSONConverter(opt)
	value := schemalessEvent(column)
	out, err := c.FromConnect("t", nil, nil, value)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	b.ResetTimer()
	stop := cpuClock(b)
	for i := 0; i < b.N; i++ {
		if _, err := c.FromConnect("t", nil, nil, value); err != nil {
			b.Fatal(err)
		}
	}
	stop()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkJSONFromConnectChangeEventStructNoSchema(b *testing.B) {
	// schemas.enable=false with a Struct value: the payload alone
	opt := DefaultJSONOptions()
	opt.SchemasEnable = false
	c := NewJSONConverter(opt)
	_, value := changeEvent(referencePayload)
	b.ReportAllocs()
	stop := cpuClock(b)
	for i := 0; i < b.N; i++ {
		if _, err := c.FromConnect("t", nil, envelopeSchema, value); err != nil {
			b.Fatal(err)
		}
	}
	stop()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkJSONToConnectChangeEventWithSchema(b *testing.B) {
	c := NewJSONConverter(DefaultJSONOptions())
	_, value := changeEvent(referencePayload)
	data, _ := c.FromConnect("t", nil, envelopeSchema, value)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	stop := cpuClock(b)
	for i := 0; i < b.N; i++ {
		if _, _, err := c.ToConnect("t", nil, data); err != nil {
			b.Fatal(err)
		}
	}
	stop()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkJSONToConnectSchemaless(b *testing.B) {
	opt := DefaultJSONOptions()
	opt.SchemasEnable = false
	c := NewJSONConverter(opt)
	data, _ := c.FromConnect("t", nil, nil, schemalessEvent(referencePayload))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	stop := cpuClock(b)
	for i := 0; i < b.N; i++ {
		if _, _, err := c.ToConnect("t", nil, data); err != nil {
			b.Fatal(err)
		}
	}
	stop()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkStringConverter(b *testing.B) {
	c, _ := NewStringConverter("UTF-8")
	v := payload600()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.FromConnect("t", nil, connect.StringSchema, v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSimpleHeaderConverterRoundTrip(b *testing.B) {
	var c SimpleHeaderConverter
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		data, _ := c.FromHeader("t", "h", connect.Int64Schema, int64(1772366400391))
		if _, _, err := c.ToHeader("t", "h", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONToConnectSmallRow reads the 166-byte schemaless outbox row
// of examples/quickstart's BenchmarkRouteByField.
func BenchmarkJSONToConnectSmallRow(b *testing.B) {
	opt := DefaultJSONOptions()
	opt.SchemasEnable = false
	c := NewJSONConverter(opt)
	data := []byte(`{"op":"c","ts_ms":1772366400391,"after":{"id":"17","aggregatetype":"order","aggregateid":"A-17","type":"Created","payload":"{\"amount\":17.50,\"currency\":\"EUR\"}"}}`)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	stop := cpuClock(b)
	for i := 0; i < b.N; i++ {
		if _, _, err := c.ToConnect("t", nil, data); err != nil {
			b.Fatal(err)
		}
	}
	stop()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
