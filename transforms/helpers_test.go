package transforms

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/connecttest"
)

var (
	nestedSchema = connect.StructOf("shop.Nested", true,
		connect.F("a", connect.StringSchema),
		connect.F("b", connect.OptionalInt32Schema))
	qtySchema   = &connect.Schema{Type: connect.Int32, Optional: true, Default: int32(7)}
	valueSchema = connect.StructOf("shop.public.orders.Value", false,
		connect.F("id", connect.Int64Schema),
		connect.F("name", connect.OptionalStringSchema),
		connect.F("qty", qtySchema),
		connect.F("ts", connect.TimestampSchema(true)),
		connect.F("nested", nestedSchema))
	keySchema = connect.StructOf("shop.public.orders.Key", false, connect.F("id", connect.Int64Schema))
	ts0       = time.Date(2024, 3, 5, 10, 20, 30, 123_000_000, time.UTC)
)

// schemaRecord is a schema'd record with a null "qty" (default 7).
func schemaRecord() *connect.Record {
	v := &connect.Struct{Schema: valueSchema, Values: []any{int64(42), "widget", nil, ts0,
		&connect.Struct{Schema: nestedSchema, Values: []any{"x", int32(3)}}}}
	k := &connect.Struct{Schema: keySchema, Values: []any{int64(42)}}
	return &connect.Record{Topic: "shop.public.orders", Partition: 2, KeySchema: keySchema, Key: k, ValueSchema: valueSchema, Value: v,
		Timestamp: ts0, Headers: connect.Headers{{Key: "h1", Value: "v1"}, {Key: "h2", Value: "v2"}}}
}

func mapRecord() *connect.Record {
	return &connect.Record{Topic: "orders", Partition: connect.UnassignedPartition,
		Key:       map[string]any{"id": int64(1)},
		Value:     map[string]any{"id": int64(1), "name": "widget", "qty": nil, "nested": map[string]any{"a": "x", "b": int64(3)}},
		Timestamp: ts0, Headers: connect.Headers{{Key: "h1", Value: "v1"}}}
}

func registry() *connect.Registry {
	r := connect.NewRegistry()
	Register(r)
	return r
}

// build looks a transform up by name, parses props and builds it.
func build(t testing.TB, name string, props map[string]string) connect.Transformation {
	t.Helper()
	tr, err := tryBuild(name, props)
	if err != nil {
		t.Fatalf("building %s %v: %v", name, props, err)
	}
	return tr
}

func tryBuild(name string, props map[string]string) (connect.Transformation, error) {
	p, err := registry().Lookup(connect.KindTransform, name)
	if err != nil {
		return nil, err
	}
	cfg, err := p.Config.Parse(props)
	if err != nil {
		return nil, err
	}
	return p.NewTransform(cfg)
}

func apply(t testing.TB, tr connect.Transformation, r *connect.Record) *connect.Record {
	t.Helper()
	out, err := tr.Apply(context.Background(), r)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return out
}

func applyErr(t testing.TB, tr connect.Transformation, r *connect.Record) error {
	t.Helper()
	_, err := tr.Apply(context.Background(), r)
	if err == nil {
		t.Fatalf("Apply: want an error, got none")
	}
	return err
}

func wantErr(t testing.TB, err error, substr string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), substr) {
		t.Fatalf("error = %v, want it to contain %q", err, substr)
	}
}

// contract runs connecttest's transform contract (no mutation, no panic,
// concurrency) on schema'd and schemaless inputs.
func contract(t *testing.T, name string, props map[string]string, inputs ...*connect.Record) {
	t.Helper()
	if len(inputs) == 0 {
		inputs = []*connect.Record{schemaRecord(), mapRecord()}
	}
	connecttest.TestTransformation(t, func() (connect.Transformation, error) { return tryBuild(name, props) }, inputs)
}

func fieldNames(s *connect.Schema) []string {
	var out []string
	for _, f := range s.Fields {
		out = append(out, f.Name)
	}
	return out
}
