package transforms

import (
	"context"
	"testing"

	"github.com/inletdev/inlet/connect"
)

// BenchmarkSMT applies each common SMT to a schema'd record (a five-field
// struct with a nested struct, as a Debezium row); derived schemas come
// from the per-schema cache, so this is the steady state.
func BenchmarkSMT(b *testing.B) {
	cases := []struct {
		name  string
		props map[string]string
	}{
		{"Cast$Value", map[string]string{"spec": "id:string,qty:int64"}},
		{"DropHeaders", map[string]string{"headers": "h1"}},
		{"ExtractField$Value", map[string]string{"field": "name"}},
		{"Flatten$Value", nil},
		{"HeaderFrom$Value", map[string]string{"fields": "id", "headers": "x-id", "operation": "copy"}},
		{"HoistField$Value", map[string]string{"field": "row"}},
		{"InsertField$Value", map[string]string{"topic.field": "topic", "timestamp.field": "ts_rec"}},
		{"InsertHeader", map[string]string{"header": "v", "value.literal": "1"}},
		{"MaskField$Value", map[string]string{"fields": "name"}},
		{"ReplaceField$Value", map[string]string{"exclude": "ts", "renames": "id:order_id"}},
		{"SetSchemaMetadata$Value", map[string]string{"schema.name": "x", "schema.version": "2"}},
		{"TimestampConverter$Value", map[string]string{"field": "ts", "target.type": "unix"}},
		{"TimestampRouter", nil},
		{"ValueToKey", map[string]string{"fields": "id"}},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			tr := build(b, bc.name, bc.props)
			in := schemaRecord()
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := tr.Apply(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

func BenchmarkTopicNameMatches(b *testing.B) {
	p, _ := NewTopicNameMatches(`shop\.public\..*`)
	r := connect.NewRecord("shop.public.orders", nil, nil)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = p.Test(r)
	}
}
