package dtstorocketmq_test

import (
	"context"
	"testing"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/source/dts"
	"github.com/inletdev/inlet/source/dts/dtstest"
	"github.com/inletdev/inlet/transforms/outbox"
	"github.com/inletdev/inlet/transforms/unwrap"
)

// transform looks a Debezium SMT up by its Java class name, as a
// Debezium .properties file names it.
func transform(t *testing.T, class string, props map[string]string) connect.Transformation {
	t.Helper()
	r := registry()
	if _, err := r.Lookup(connect.KindTransform, class); err != nil {
		unwrap.Register(r)
		outbox.Register(r)
	}
	p, err := r.Lookup(connect.KindTransform, class)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := p.Config.Parse(props)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := p.NewTransform(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func debeziumRecord(t *testing.T, r dtstest.Record, offset int64) *connect.Record {
	t.Helper()
	c, err := dts.NewDecoder().Decode(dtstest.MustEncode(r))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := dts.NewBuilder(dts.BuilderConfig{Topic: "dts", Format: dts.FormatDebezium}).Record(c, offset)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// dts.output.format=debezium: Debezium's ExtractNewRecordState unwraps DTS
// changes to the row state.
func TestDebeziumFormatUnwrap(t *testing.T) {
	g := dtstest.Gen{TS: 1700000000}
	tr := transform(t, "io.debezium.transforms.ExtractNewRecordState", map[string]string{"add.fields": "op,table"})
	out, err := tr.Apply(context.Background(), debeziumRecord(t, g.Update(7, "NEW", "PAID"), 1))
	if err != nil {
		t.Fatal(err)
	}
	row, ok := out.Value.(map[string]any)
	if !ok || row["status"] != "PAID" || row["order_no"] != "NO-000007" || row["__op"] != "u" || row["__table"] != "orders" {
		t.Fatalf("unwrapped value %#v", out.Value)
	}
	if out.Topic != "dts.shop.orders" {
		t.Errorf("topic %q", out.Topic)
	}
}

// dts.output.format=debezium: Debezium's outbox EventRouter routes inserts
// into an outbox table captured by DTS.
func TestDebeziumFormatOutbox(t *testing.T) {
	g := dtstest.Gen{TS: 1700000000}
	r := dtstest.Record{ID: 1, SourceTimestamp: g.TS, Operation: dts.OpInsert, ObjectName: "shop.outboxevent",
		PKUK: `{"PRIMARY":["id"]}`,
		Fields: []dts.Field{{Name: "id", DataTypeNumber: 253}, {Name: "aggregatetype", DataTypeNumber: 253},
			{Name: "aggregateid", DataTypeNumber: 253}, {Name: "type", DataTypeNumber: 253}, {Name: "payload", DataTypeNumber: 245}},
		After: []dtstest.Value{dtstest.Text("5f0b8c1e-0000-4000-8000-000000000001"), dtstest.Text("Order"), dtstest.Text("order-7"),
			dtstest.Text("OrderPaid"), dtstest.TextObject("JSON", `{"orderId":7,"status":"PAID"}`)},
	}
	tr := transform(t, "io.debezium.transforms.outbox.EventRouter", map[string]string{})
	out, err := tr.Apply(context.Background(), debeziumRecord(t, r, 1))
	if err != nil {
		t.Fatal(err)
	}
	if out == nil || out.Topic != "outbox.event.Order" || out.Key != "order-7" {
		t.Fatalf("routed record %+v", out)
	}
	if s, _ := out.Value.(string); s != `{"orderId":7,"status":"PAID"}` {
		t.Errorf("payload %#v", out.Value)
	}
}
