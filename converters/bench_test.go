package converters

import (
	"testing"

	"github.com/inletdev/inlet/connect"
)

// The figures in docs/bench/converters.md come from these benchmarks.

func BenchmarkJSONFromConnectChangeEventWithSchema(b *testing.B) {
	c := NewJSONConverter(DefaultJSONOptions())
	_, value := changeEvent(payload600())
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
	opt := DefaultJSONOptions()
	opt.SchemasEnable = false
	c := NewJSONConverter(opt)
	value := schemalessEvent(payload600())
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
	_, value := changeEvent(payload600())
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
	_, value := changeEvent(payload600())
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
	data, _ := c.FromConnect("t", nil, nil, schemalessEvent(payload600()))
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
