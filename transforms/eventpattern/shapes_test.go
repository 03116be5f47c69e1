package eventpattern

import (
	"context"
	"math"
	"sync"
	"testing"

	"github.com/inletdev/inlet/connect"
)

func shapesRecord(schema, image map[string]any) *connect.Record {
	return &connect.Record{Topic: "t", Value: map[string]any{"schema": schema, "afterImage": image, "op": "UPDATE"},
		Headers: connect.Headers{{Key: "ce_specversion", Value: "1.0"}, {Key: "ce_id", Value: "1"}}}
}

// A schema shared by records is cached after its second walk; the filter
// then decides as before, and objects that are not JSON-shaped (a NaN the
// full view refuses) are still found under the same member.
func TestShapeCacheSharedObjects(t *testing.T) {
	f := NewFilter(MustCompile(`{"data":{"schema":{"table":["orders"]},"afterImage":{"status":["PAID"]}}}`))
	ctx := context.Background()
	schema := map[string]any{"table": "orders", "fields": []any{map[string]any{"name": "id"}}}
	for i := range 3 {
		out, err := f.Apply(ctx, shapesRecord(schema, map[string]any{"status": "PAID", "n": int64(i)}))
		if err != nil || out == nil {
			t.Fatalf("record %d: %v %v, want kept", i, out, err)
		}
	}
	if s := f.shapes.slots[slotOf("schema")].shaped.Load(); s == nil || s.addr == 0 {
		t.Fatal("the shared schema is not cached")
	}
	if out, err := f.Apply(ctx, shapesRecord(schema, map[string]any{"status": "NEW"})); err != nil || out != nil {
		t.Fatalf("%v %v, want dropped", out, err)
	}
	// Another schema under the same member, and a shared image, with a
	// value the CloudEvents view refuses: an error, cached or not.
	bad := map[string]any{"table": "orders", "x": math.NaN()}
	image := map[string]any{"status": "PAID", "f": math.Inf(1)}
	for i := range 3 {
		if out, err := f.Apply(ctx, shapesRecord(bad, map[string]any{"status": "PAID"})); err == nil {
			t.Fatalf("NaN in the schema, record %d: %v, want an error", i, out)
		}
		if out, err := f.Apply(ctx, shapesRecord(schema, image)); err == nil {
			t.Fatalf("Inf in the image, record %d: %v, want an error", i, out)
		}
	}
}

// The cache is shared by the filter's callers (go test -race).
func TestShapeCacheConcurrent(t *testing.T) {
	f := NewFilter(MustCompile(`{"data":{"schema":{"table":["orders"]}}}`))
	schemas := []map[string]any{{"table": "orders", "n": int64(1)}, {"table": "orders", "n": int64(2)}, {"table": "other"}}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				s := schemas[(i/7+g)%len(schemas)]
				out, err := f.Apply(context.Background(), shapesRecord(s, map[string]any{"i": int64(i)}))
				if err != nil || (out != nil) != (s["table"] == "orders") {
					t.Errorf("schema %v: %v %v", s, out, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
