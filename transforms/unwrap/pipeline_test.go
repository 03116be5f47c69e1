package unwrap_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/connecttest"
	"github.com/inletdev/inlet/connect/worker"
	"github.com/inletdev/inlet/transforms"
	"github.com/inletdev/inlet/transforms/unwrap"
)

// TestDebeziumPipelineFile runs transform lines as a Debezium user writes
// them (legacy unwrap options, a RegexRouter, a negated TopicNameMatches
// predicate) through the worker, from a change-event source to a sink.
func TestDebeziumPipelineFile(t *testing.T) {
	rowSchema := connect.StructOf("shop.public.orders.Value", true, connect.F("id", connect.Int32Schema), connect.F("status", connect.OptionalStringSchema))
	srcSchema := connect.StructOf("io.debezium.connector.postgresql.Source", false, connect.F("table", connect.StringSchema))
	envSchema := connect.StructOf("shop.public.orders.Envelope", false,
		connect.F("before", rowSchema), connect.F("after", rowSchema), connect.F("source", srcSchema), connect.F("op", connect.StringSchema))
	src := &connect.Struct{Schema: srcSchema, Values: []any{"orders"}}
	row := func(id int32, status string) *connect.Struct {
		return &connect.Struct{Schema: rowSchema, Values: []any{id, status}}
	}
	env := func(op string, before, after *connect.Struct) *connect.Record {
		var b, a any
		if before != nil {
			b = before
		}
		if after != nil {
			a = after
		}
		return &connect.Record{Topic: "shop.public.orders", Partition: -1, ValueSchema: envSchema,
			Value: &connect.Struct{Schema: envSchema, Values: []any{b, a, src, op}}}
	}
	hbSchema := connect.StructOf("io.debezium.connector.common.Heartbeat", false, connect.F("ts_ms", connect.Int64Schema))
	records := []*connect.Record{
		env("c", nil, row(1, "new")),
		env("d", row(1, "new"), nil),
		{Topic: "shop.public.orders", Partition: -1}, // the delete's tombstone
		{Topic: "__debezium-heartbeat.shop", Partition: -1, ValueSchema: hbSchema, Value: &connect.Struct{Schema: hbSchema, Values: []any{int64(1)}}},
	}
	for i, r := range records {
		r.SourcePartition, r.SourceOffset = map[string]any{"slot": "s"}, map[string]any{"lsn": int64(i)}
	}

	reg := connect.NewRegistry()
	transforms.Register(reg)
	unwrap.Register(reg)
	reg.Register(connect.Plugin{Kind: connect.KindSource, Name: "cdc", Config: connect.NewConfigDef(),
		NewSource: func(context.Context, connect.Config, connect.TaskContext) (connect.SourceTask, error) {
			return connecttest.NewSource(records...), nil
		}})
	sinks := connecttest.RegisterSink(reg, "collect")

	path := filepath.Join(t.TempDir(), "offsets.json")
	w, err := worker.New(worker.WorkerConfig{OffsetFile: path, OffsetFlushInterval: time.Hour, ShutdownTimeout: 5 * time.Second,
		Props: map[string]string{worker.KeyOffsetFile: path}}, reg, worker.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	props := map[string]string{
		"connector.class":                        "cdc",
		"sink.connector.class":                   "collect",
		"transforms":                             "unwrap,route",
		"transforms.unwrap.type":                 "io.debezium.transforms.ExtractNewRecordState",
		"transforms.unwrap.drop.tombstones":      "false",
		"transforms.unwrap.delete.handling.mode": "rewrite",
		"transforms.unwrap.add.fields":           "op,table",
		"transforms.route.type":                  "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.route.regex":                 `.*\.([^.]+)`,
		"transforms.route.replacement":           "cdc_$1",
		"transforms.route.predicate":             "heartbeat",
		"transforms.route.negate":                "true",
		"predicates":                             "heartbeat",
		"predicates.heartbeat.type":              "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
		"predicates.heartbeat.pattern":           `__debezium-heartbeat\..*`,
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = w.Create(ctx, "p", props, worker.TargetRunning)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	for time.Now().Before(deadline) && (sinks.Last() == nil || sinks.Last().Len() < 4) {
		time.Sleep(10 * time.Millisecond)
	}
	if sinks.Last() == nil {
		t.Fatal("no sink was opened")
	}
	got := sinks.Last().Records()
	if len(got) != 4 {
		t.Fatalf("delivered %d records, want 4: %v", len(got), got)
	}
	wantTopics := []string{"cdc_orders", "cdc_orders", "cdc_orders", "__debezium-heartbeat.shop"}
	for i, r := range got {
		if r.Topic != wantTopics[i] {
			t.Errorf("record %d topic %q, want %q", i, r.Topic, wantTopics[i])
		}
	}
	ins := got[0].Value.(*connect.Struct)
	if v, _ := ins.Lookup("__op"); v != "c" {
		t.Errorf("insert __op = %v", v)
	}
	if v, _ := ins.Lookup("__table"); v != "orders" {
		t.Errorf("insert __table = %v", v)
	}
	if v, _ := ins.Lookup("__deleted"); v != "false" {
		t.Errorf("insert __deleted = %v", v)
	}
	del := got[1].Value.(*connect.Struct)
	if v, _ := del.Lookup("__deleted"); v != "true" {
		t.Errorf("delete __deleted = %v", v)
	}
	if got[2].Value != nil {
		t.Errorf("the tombstone must be kept (drop.tombstones=false): %v", got[2].Value)
	}
	if got[3].ValueSchema != hbSchema {
		t.Errorf("the heartbeat must pass through unchanged")
	}
}
