package quickstart

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/converters"
	filesink "github.com/inletdev/inlet/sink/file"
	"github.com/inletdev/inlet/source/datagen"
	filesource "github.com/inletdev/inlet/source/file"
)

// convert plays the runtime's part for a BytesSink / BytesSource pair.
func toBytes(t *testing.T, conv connect.Converter, hc connect.HeaderConverter, r *connect.Record) *connect.Record {
	t.Helper()
	c := r.Clone()
	var err error
	if c.Key, err = conv.FromConnect(r.Topic, nil, r.KeySchema, r.Key); err != nil {
		t.Fatal(err)
	}
	if c.Value, err = conv.FromConnect(r.Topic, nil, r.ValueSchema, r.Value); err != nil {
		t.Fatal(err)
	}
	c.Headers = nil
	for _, h := range r.Headers {
		b, err := hc.FromHeader(r.Topic, h.Key, h.Schema, h.Value)
		if err != nil {
			t.Fatal(err)
		}
		c.Headers = c.Headers.Add(h.Key, nil, b)
	}
	c.KeySchema, c.ValueSchema = nil, nil
	return c
}

func fromBytes(t *testing.T, conv connect.Converter, hc connect.HeaderConverter, r *connect.Record) *connect.Record {
	t.Helper()
	c := r.Clone()
	var err error
	if c.KeySchema, c.Key, err = conv.ToConnect(r.Topic, nil, r.Key.([]byte)); err != nil {
		t.Fatal(err)
	}
	if c.ValueSchema, c.Value, err = conv.ToConnect(r.Topic, nil, r.Value.([]byte)); err != nil {
		t.Fatal(err)
	}
	c.Headers = nil
	for _, h := range r.Headers {
		s, v, err := hc.ToHeader(r.Topic, h.Key, h.Value.([]byte))
		if err != nil {
			t.Fatal(err)
		}
		c.Headers = c.Headers.Add(h.Key, s, v)
	}
	return c
}

// A records file keeps schemaless JSON, and schema'd Debezium events,
// exactly: sink format=records → file → source format=records, with the
// JsonConverter on both sides as the runtime applies it.
func TestRecordsFormatRoundTripIsLossless(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rt.records")
	ctx := context.Background()
	hc := converters.SimpleHeaderConverter{}
	plain := converters.DefaultJSONOptions()
	plain.SchemasEnable = false
	schemaless := converters.NewJSONConverter(plain)
	withSchema := converters.NewJSONConverter(converters.DefaultJSONOptions())

	in1 := &connect.Record{Topic: "json", Partition: 3, Key: "k-1",
		Value: map[string]any{"id": int64(7), "price": 49.9, "whole": 1.0, "tags": []any{"a", nil, true, int64(-2)},
			"nested": map[string]any{"s": "line\nbreak \"quoted\" é", "big": int64(9007199254740993)}},
		Headers:   connect.Headers{{Key: "trace", Value: "abc"}, {Key: "n", Value: int8(42)}},
		Timestamp: time.UnixMilli(1772366400123).UTC()}
	in2 := datagen.New(datagen.Options{Kind: datagen.KindOutbox, PayloadBytes: 300}).Record(5)

	sink, err := filesink.Open(path, filesink.FormatRecords, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Put(ctx, []*connect.Record{toBytes(t, schemaless, hc, in1), toBytes(t, withSchema, hc, in2)}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	sink.Close()

	src, err := filesource.Open(filesource.Options{File: path, Records: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	recs, err := src.Poll(pctx)
	if err != nil || len(recs) != 2 {
		t.Fatalf("read %d records, %v", len(recs), err)
	}
	out1 := fromBytes(t, schemaless, hc, recs[0])
	out2 := fromBytes(t, withSchema, hc, recs[1])

	if out1.Topic != "json" || out1.Partition != 3 || !out1.Timestamp.Equal(in1.Timestamp) ||
		out1.Key != "k-1" || !reflect.DeepEqual(out1.Value, in1.Value) {
		t.Fatalf("schemaless record changed:\n in %+v\nout %+v", in1, out1)
	}
	if h, _ := out1.Headers.Last("n"); h.Value != int8(42) || h.Schema.Type != connect.Int8 {
		t.Fatalf("typed header: %+v", h)
	}
	if h, _ := out1.Headers.Last("trace"); h.Value != "abc" {
		t.Fatalf("string header: %+v", h)
	}
	if out2.ValueSchema.Name != in2.ValueSchema.Name || !reflect.DeepEqual(out2.Value.(*connect.Struct).Values[1].(*connect.Struct).Values, in2.Value.(*connect.Struct).Values[1].(*connect.Struct).Values) {
		t.Fatalf("change event changed:\n in %v\nout %v", in2.Value, out2.Value)
	}
	b1, _ := withSchema.FromConnect("t", nil, in2.ValueSchema, in2.Value)
	b2, _ := withSchema.FromConnect("t", nil, out2.ValueSchema, out2.Value)
	if string(b1) != string(b2) {
		t.Fatal("the change event does not serialize to the same bytes after the round trip")
	}
}
