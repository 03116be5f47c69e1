package dts_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/source/dts"
	"github.com/inletdev/inlet/source/dts/dtstest"
	"github.com/twmb/franz-go/pkg/kgo"
)

func decode(t *testing.T, r dtstest.Record) *dts.Change {
	t.Helper()
	c, err := dts.NewDecoder().Decode(dtstest.MustEncode(r))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return c
}

func TestDecodeEveryValueType(t *testing.T) {
	g := dtstest.Gen{TS: 1655800000}
	c := decode(t, g.Update(7, "NEW", "PAID"))
	if c.Operation != dts.OpUpdate || c.ID != 1 || c.SourceTimestamp != 1655800000 {
		t.Fatalf("header: op %s id %d ts %d", c.Operation, c.ID, c.SourceTimestamp)
	}
	if c.Database != "shop" || c.Table != "orders" || c.Schema != "" {
		t.Fatalf("object name split: %q %q %q", c.Database, c.Schema, c.Table)
	}
	if c.SourceType != "MySQL" || c.SourceVersion != "5.7.35-log" || c.Tags["pk_uk_info"] != dtstest.OrdersPKUK {
		t.Fatalf("source %s %s tags %v", c.SourceType, c.SourceVersion, c.Tags)
	}
	if c.BornTimestamp != 1655800000*1000+7 || len(c.ProcessTimestamps) != 2 {
		t.Fatalf("born %d process %v", c.BornTimestamp, c.ProcessTimestamps)
	}
	want := map[string]any{
		"id":         int64(7),
		"order_no":   "NO-000007",
		"customer":   "张三",
		"amount":     json.Number("107.50"),
		"status":     "PAID",
		"weight":     1.25,
		"created_at": "2022-06-21 08:30:15.123456",
		"updated_at": "2022-06-21T08:30:15.5Z",
		"ship_date":  "2022-06-22",
		"ship_time":  "-838:59:59",
		"model_year": int64(2022),
		"note":       "café",
		"photo":      "AAEC/v8=",
		"location":   "AQEAAAAAAAAAAABeQAAAAAAAAD5A",
		"area":       "POINT(120 30)",
		"attrs":      `{"gift":true}`,
		"big":        json.Number("18446744073709551615"),
		"deleted_at": nil,
		"legacy":     nil,
		"tz_created": "2022-06-21 08:30:15 +08:00",
	}
	// shadow is NONE (no value at all): left out of the images.
	if len(c.Fields) != len(dtstest.OrdersFields) || len(c.After) != len(c.Fields)-1 || len(c.Before) != len(c.After) {
		t.Fatalf("%d after, %d before values for %d fields", len(c.After), len(c.Before), len(c.Fields))
	}
	for _, f := range c.Fields {
		got, ok := c.After[f.Name]
		if w, want := want[f.Name]; ok != want || !reflect.DeepEqual(got, w) {
			t.Errorf("column %s: got %#v (present %v), want %#v (present %v)", f.Name, got, ok, w, want)
		}
	}
	if c.Before["status"] != "NEW" {
		t.Errorf("before status = %v", c.Before["status"])
	}
}

func TestDecodeWithoutBornTimestamp(t *testing.T) {
	g := dtstest.Gen{TS: 1700000000}
	r := g.Insert(1)
	r.NoBornTimestamp = true
	full := dtstest.MustEncode(func() dtstest.Record { x := r; x.NoBornTimestamp = false; x.BornTimestamp = 0; return x }())
	short := dtstest.MustEncode(r)
	if len(short) >= len(full) {
		t.Fatalf("short encoding (%d bytes) not shorter than full (%d)", len(short), len(full))
	}
	c, err := dts.NewDecoder().Decode(short)
	if err != nil {
		t.Fatal(err)
	}
	if c.BornTimestamp != 0 || c.After["id"] != int64(1) {
		t.Fatalf("born %d id %v", c.BornTimestamp, c.After["id"])
	}
}

func TestDecodePostgresAndDDL(t *testing.T) {
	g := dtstest.Gen{TS: 1700000000}
	c := decode(t, g.PGInsert(5, "Zoë"))
	if c.SourceType != "PostgreSQL" || c.Database != "appdb" || c.Schema != "public" || c.Table != "customers" {
		t.Fatalf("pg: %s %s.%s.%s", c.SourceType, c.Database, c.Schema, c.Table)
	}
	if c.After["name"] != "Zoë" || c.After["joined"] != "2023-01-02 03:04:05.600000 UTC" || c.Before != nil {
		t.Fatalf("pg values %#v before %v", c.After, c.Before)
	}
	d := decode(t, g.DDL("ALTER TABLE orders ADD COLUMN x INT"))
	if d.Operation != dts.OpDDL || d.DDL != "ALTER TABLE orders ADD COLUMN x INT" || d.Database != "shop" || d.Fields != nil {
		t.Fatalf("ddl: %+v", d)
	}
	h := decode(t, g.Heartbeat())
	if h.Operation != dts.OpHeartbeat || h.Operation.Emitted() || h.After != nil {
		t.Fatalf("heartbeat: %+v", h)
	}
}

func TestDecodeEscapedObjectName(t *testing.T) {
	g := dtstest.Gen{TS: 1}
	r := g.UpdateOther(1)
	r.ObjectName = `my\u002Edb.t\u002E1`
	c := decode(t, r)
	if c.Database != "my.db" || c.Table != "t.1" {
		t.Fatalf("got %q %q", c.Database, c.Table)
	}
}

func TestDecodeErrors(t *testing.T) {
	g := dtstest.Gen{TS: 1}
	good := dtstest.MustEncode(g.Insert(1))
	d := dts.NewDecoder()
	if _, err := d.Decode([]byte{0, 1}); !errors.Is(err, dts.ErrPlaceholder) {
		t.Errorf("placeholder: %v", err)
	}
	if !dts.IsPlaceholder(nil) || !dts.IsPlaceholder([]byte("ab")) || dts.IsPlaceholder([]byte("abc")) {
		t.Error("IsPlaceholder")
	}
	for _, n := range []int{3, 10, len(good) / 2, len(good) - 1} {
		_, err := d.Decode(good[:n])
		var de *dts.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("truncated to %d bytes: err %v, want a DecodeError", n, err)
		}
	}
	_, err := d.Decode(append(append([]byte{}, good...), 2, 4))
	if err == nil || !strings.Contains(err.Error(), "after bornTimestamp") {
		t.Errorf("trailing bytes: %v", err)
	}
	// The decoder still works after errors.
	if c, err := d.Decode(good); err != nil || c.ID != 1 {
		t.Fatalf("after errors: %v", err)
	}
}

// TestDecodeSequenceSharesOnlyEqualColumns: a Decoder shares the last
// record's column list and tag map while they repeat; whatever the previous
// record was, each record's columns and tags are those of a fresh decode.
func TestDecodeSequenceSharesOnlyEqualColumns(t *testing.T) {
	base := benchRecord()
	fewer := benchRecord()
	fewer.Fields, fewer.Before, fewer.After = fewer.Fields[:5], fewer.Before[:5], fewer.After[:5]
	more := benchRecord()
	more.Fields = append(append([]dts.Field{}, more.Fields...), dts.Field{Name: "extra", DataTypeNumber: 3})
	more.Before = append(append([]dtstest.Value{}, more.Before...), dtstest.Int(1))
	more.After = append(append([]dtstest.Value{}, more.After...), dtstest.Int(2))
	retyped := benchRecord()
	retyped.Fields = append([]dts.Field{}, retyped.Fields...)
	retyped.Fields[6].DataTypeNumber = 12
	renamed := benchRecord()
	renamed.Fields = append([]dts.Field{}, renamed.Fields...)
	renamed.Fields[7].Name = "remark"
	retagged := benchRecord()
	retagged.PKUK = `{"PRIMARY":["order_no"]}`
	untagged := benchRecord()
	untagged.PKUK = ""
	// Timestamps and DateTimes rendered at a column are reused only for
	// equal parts, in either image, whatever the value type was before.
	moved := benchRecord()
	moved.Before = append([]dtstest.Value{}, moved.Before...)
	moved.After = append([]dtstest.Value{}, moved.After...)
	moved.Before[5], moved.After[5] = dtstest.DateTime(2024, 1, 2, 3, 4, 5, 6), dtstest.DateTime(2024, 1, 2, 3, 4, 5, 7)
	moved.Before[6], moved.After[6] = dtstest.Timestamp(1700000001, 0), dtstest.Timestamp(1700000001, 5)
	swapped := benchRecord()
	swapped.Before = append([]dtstest.Value{}, swapped.Before...)
	swapped.After = append([]dtstest.Value{}, swapped.After...)
	swapped.Before[5], swapped.Before[6] = swapped.Before[6], swapped.Before[5]
	swapped.After[5], swapped.After[6] = dtstest.Timestamp(1700000000, 0), dtstest.DateTime(2023, 11, 14, 22, 13, 20, 0)
	g := dtstest.Gen{TS: 1700000000}
	seq := []dtstest.Record{base, base, fewer, base, more, more, base, retyped, renamed, base, retagged,
		untagged, base, g.PGInsert(3, "x"), g.DDL("DROP TABLE t"), base, g.Heartbeat(), fewer,
		moved, base, moved, swapped, swapped, base, g.Update(1, "A", "B"), base}
	d := dts.NewDecoder()
	var prev *dts.Change
	for i, r := range seq {
		value := dtstest.MustEncode(r)
		got, err := d.Decode(value)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		want := decode(t, r)
		if !reflect.DeepEqual(got.Fields, want.Fields) || !reflect.DeepEqual(got.Tags, want.Tags) ||
			!reflect.DeepEqual(got.After, want.After) || !reflect.DeepEqual(got.Before, want.Before) {
			t.Fatalf("record %d: fields %v tags %v after %v, want %v %v %v", i, got.Fields, got.Tags, got.After, want.Fields, want.Tags, want.After)
		}
		if prev != nil && len(prev.Fields) > 0 && reflect.DeepEqual(prev.Fields, got.Fields) &&
			&prev.Fields[0] != &got.Fields[0] {
			t.Errorf("record %d: equal columns not shared with the record before", i)
		}
		prev = got
	}
}

// TestDecodeRepeatedSchemaBytes: a record whose tags and columns are the
// last record's byte for byte skips them, and must decode exactly as a
// fresh decoder does, also when an earlier varint is padded (a longer
// encoding of the same number, which Avro readers accept), so that the
// bytes at the counted position are not the ones the reader is at.
func TestDecodeRepeatedSchemaBytes(t *testing.T) {
	base := dtstest.MustEncode(benchRecord())
	if base[0] != 0x00 && base[0] != 0x02 {
		t.Fatalf("version byte %#x: the test expects a one-byte version", base[0])
	}
	// The version varint, padded to two bytes.
	padded := append([]byte{base[0] | 0x80, 0x00}, base[1:]...)
	retagged := benchRecord()
	retagged.PKUK = `{"PRIMARY":["order_no"]}`
	other := dtstest.Gen{TS: 1700000000}
	d := dts.NewDecoder()
	for i, value := range [][]byte{base, base, padded, padded, base, dtstest.MustEncode(retagged), base,
		dtstest.MustEncode(other.PGInsert(3, "x")), base, padded,
		// Every value type, before images repeating the last one's in part.
		dtstest.MustEncode(other.Update(1, "A", "B")), dtstest.MustEncode(other.Update(2, "B", "C")),
		dtstest.MustEncode(other.Delete(2)), dtstest.MustEncode(other.Update(2, "C", "C")), base} {
		got, err := d.Decode(value)
		if err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		want, err := dts.NewReadAllDecoder().Decode(value)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("value %d: decoded after earlier values\n%+v\nwant\n%+v", i, got, want)
		}
	}
}

// TestDecodeErrorNamesField: an error names the Record field being read,
// whether the Avro Reader found it (a short datum, an overlong varint) or
// the decoder did (a length past the datum, an enum out of range).
func TestDecodeErrorNamesField(t *testing.T) {
	// header writes the fields before sourcePosition, then more.
	header := func(more func(w *avro.Writer)) []byte {
		var buf bytes.Buffer
		w := avro.NewWriter(&buf, 64)
		w.WriteInt(1)           // version
		w.WriteLong(7)          // id
		w.WriteLong(1700000000) // sourceTimestamp
		more(w)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	strs := func(w *avro.Writer) {
		w.WriteString("pos")  // sourcePosition
		w.WriteString("safe") // safeSourcePosition
		w.WriteString("")     // sourceTxid
	}
	for _, tc := range []struct {
		name, field, reason string
		datum               []byte
	}{
		{"string past the end", "sourcePosition", "ends early", header(func(w *avro.Writer) {
			w.WriteLong(5)
			w.Write([]byte("ab"))
		})},
		{"string longer than the datum", "sourcePosition", "length 1000", header(func(w *avro.Writer) { w.WriteLong(1000) })},
		{"negative length", "safeSourcePosition", "length -3", header(func(w *avro.Writer) {
			w.WriteString("pos")
			w.WriteLong(-3)
		})},
		{"varint cut short", "id", "ends early", []byte{0x02, 0x80, 0x80}},
		// hamba/avro's Reader stops after 10 bytes and, finding no more in
		// the datum, reports it as the end rather than an overflow.
		{"varint over 10 bytes", "sourceTimestamp", "", append([]byte{0x02, 0x02}, bytes.Repeat([]byte{0xff}, 12)...)},
		{"int wider than 32 bits", "version", "does not fit in 32 bits", func() []byte {
			var buf bytes.Buffer
			w := avro.NewWriter(&buf, 64)
			w.WriteLong(1 << 40) // version is an Avro int
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		}()},
		{"source type out of range", "source.sourceType", "enum index 40", header(func(w *avro.Writer) {
			strs(w)
			w.WriteInt(40)
		})},
		{"operation out of range", "operation", "enum index 99", header(func(w *avro.Writer) {
			strs(w)
			w.WriteInt(0)
			w.WriteString("8.0")
			w.WriteInt(99)
		})},
		{"objectName branch", "objectName", "union branch 5", header(func(w *avro.Writer) {
			strs(w)
			w.WriteInt(0)
			w.WriteString("8.0")
			w.WriteInt(0)
			w.WriteLong(5)
		})},
		{"tags block count", "tags", "block count", header(func(w *avro.Writer) {
			strs(w)
			w.WriteInt(0)
			w.WriteString("8.0")
			w.WriteInt(0)
			w.WriteLong(0) // objectName null
			w.WriteLong(0) // processTimestamps null
			w.WriteLong(1 << 40)
		})},
	} {
		_, err := dts.NewDecoder().Decode(tc.datum)
		var de *dts.DecodeError
		if !errors.As(err, &de) || de.Field != tc.field || !strings.Contains(de.Reason, tc.reason) {
			t.Errorf("%s: err %v, want field %s, reason containing %q", tc.name, err, tc.field, tc.reason)
		}
	}
}

func TestBuilderEventBridge(t *testing.T) {
	g := dtstest.Gen{TS: 1654847757}
	c := decode(t, g.Update(7, "NEW", "PAID"))
	b := dts.NewBuilder(dts.BuilderConfig{Topic: "cn_hz_version2", Source: "orders-stream", Subject: "acs:dts:cn-hangzhou::task1/sid1"})
	r, err := b.Record(c, 42)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := connect.CloudEvent(r, connect.EventContext{})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"specversion": "1.0", "type": "dts:ConsumeMessage", "source": "orders-stream",
		"subject": "acs:dts:cn-hangzhou::task1/sid1", "time": "2022-06-10T07:55:57Z",
		"datacontenttype": "application/json; charset=utf-8",
	} {
		if ev[k] != want {
			t.Errorf("attribute %s = %v, want %q", k, ev[k], want)
		}
	}
	if id, _ := ev["id"].(string); !strings.HasSuffix(id, "-1") || len(id) != 34 {
		t.Errorf("id %q, want <32 hex>-1", id)
	}
	raw, _ := json.Marshal(ev["data"])
	var data struct {
		ID             int64 `json:"id"`
		Offset         int64 `json:"offset"`
		TopicPartition struct {
			Topic     string
			Partition int
		} `json:"topicPartition"`
		SourceTimestamp int64  `json:"sourceTimestamp"`
		OperationType   string `json:"operationType"`
		Schema          struct {
			DatabaseName, TableName, SchemaID string
			RecordFields                      []struct {
				FieldName                 string
				RawDataTypeNum            int
				IsPrimaryKey, IsUniqueKey bool
				FieldPosition             int
			}
			PrimaryIndexInfo struct {
				IndexType   string
				IndexFields []struct{ FieldName string }
			}
			DatabaseInfo struct{ DatabaseType, Version string }
		} `json:"schema"`
		BeforeImage, AfterImage map[string]any
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	if data.ID != 1 || data.Offset != 42 || data.TopicPartition.Topic != "cn_hz_version2" || data.SourceTimestamp != 1654847757 ||
		data.OperationType != "UPDATE" || data.Schema.DatabaseName != "shop" || data.Schema.TableName != "orders" ||
		data.Schema.SchemaID != "(shop,shop,orders)" || data.Schema.DatabaseInfo.DatabaseType != "MySQL" {
		t.Fatalf("data: %s", raw)
	}
	f0, f1 := data.Schema.RecordFields[0], data.Schema.RecordFields[1]
	if f0.FieldName != "id" || !f0.IsPrimaryKey || f0.RawDataTypeNum != 8 || f1.FieldName != "order_no" || !f1.IsUniqueKey || f1.IsPrimaryKey || f1.FieldPosition != 1 {
		t.Fatalf("recordFields: %+v %+v", f0, f1)
	}
	if pk := data.Schema.PrimaryIndexInfo; pk.IndexType != "PrimaryKey" || len(pk.IndexFields) != 1 || pk.IndexFields[0].FieldName != "id" {
		t.Fatalf("primaryIndexInfo: %+v", pk)
	}
	if data.AfterImage["status"] != "PAID" || data.BeforeImage["status"] != "NEW" || data.AfterImage["customer"] != "张三" {
		t.Fatalf("images: %v / %v", data.BeforeImage, data.AfterImage)
	}
	if _, ok := data.AfterImage["shadow"]; ok {
		t.Error("a NONE column must be left out of the image")
	}
	if v, ok := data.AfterImage["legacy"]; !ok || v != nil {
		t.Error("a NULL column must be null")
	}
	if k, _ := r.Key.(map[string]any); k["id"] != int64(7) || len(k) != 1 {
		t.Errorf("key = %#v, want {id: 7}", r.Key)
	}
	if r.Origin.Offset != 42 || r.Timestamp.Unix() != 1654847757 {
		t.Errorf("origin %+v timestamp %v", r.Origin, r.Timestamp)
	}
	// Records of one table share its schema description.
	r2, _ := b.Record(decode(t, g.Insert(8)), 43)
	if reflect.ValueOf(r2.Value.(map[string]any)["schema"]).Pointer() != reflect.ValueOf(r.Value.(map[string]any)["schema"]).Pointer() {
		t.Error("schema description not cached per table")
	}
	if v := r2.Value.(map[string]any); v["beforeImage"] != nil {
		t.Errorf("INSERT beforeImage = %v", v["beforeImage"])
	}
}

func TestBuilderDDLAndDebezium(t *testing.T) {
	g := dtstest.Gen{TS: 1700000000}
	b := dts.NewBuilder(dts.BuilderConfig{Topic: "t", Format: dts.FormatEventBridge})
	r, err := b.Record(decode(t, g.DDL("DROP TABLE x")), 1)
	if err != nil {
		t.Fatal(err)
	}
	v := r.Value.(map[string]any)
	if v["operationType"] != "DDL" || v["afterImage"].(map[string]any)["ddl"] != "DROP TABLE x" {
		t.Fatalf("ddl event: %v", v)
	}
	if _, err := b.Record(decode(t, g.Begin()), 2); err == nil {
		t.Error("BEGIN must not build a record")
	}

	dbz := dts.NewBuilder(dts.BuilderConfig{Topic: "t", Format: dts.FormatDebezium})
	r, err = dbz.Record(decode(t, g.Update(3, "NEW", "PAID")), 9)
	if err != nil {
		t.Fatal(err)
	}
	v = r.Value.(map[string]any)
	src := v["source"].(map[string]any)
	if v["op"] != "u" || v["before"].(map[string]any)["status"] != "NEW" || v["after"].(map[string]any)["status"] != "PAID" ||
		src["db"] != "shop" || src["table"] != "orders" || src["ts_ms"] != int64(1700000000000) || r.Topic != "t.shop.orders" {
		t.Fatalf("debezium: topic %s value %v", r.Topic, v)
	}
	if r.Headers.Has("ce_specversion") {
		t.Error("debezium records carry no CloudEvents headers")
	}
	r, _ = dbz.Record(decode(t, g.Delete(3)), 10)
	if v := r.Value.(map[string]any); v["op"] != "d" || v["after"] != nil || r.Key.(map[string]any)["id"] != int64(3) {
		t.Fatalf("debezium delete: %v key %v", v, r.Key)
	}
	// Each table keeps its own topic (built once per table).
	for i, want := range []string{"t.appdb.public.customers", "t.shop.orders", "t.appdb.public.customers"} {
		rec := g.PGInsert(4, "x")
		if i == 1 {
			rec = g.Insert(4)
		}
		r, err := dbz.Record(decode(t, rec), 12)
		if err != nil {
			t.Fatal(err)
		}
		if r.Topic != want {
			t.Fatalf("debezium record %d: topic %q, want %q", i, r.Topic, want)
		}
	}
	r, _ = dbz.Record(decode(t, g.DDL("CREATE TABLE y (a int)")), 11)
	if v := r.Value.(map[string]any); v["ddl"] != "CREATE TABLE y (a int)" || v["databaseName"] != "shop" || r.Topic != "t" {
		t.Fatalf("debezium ddl: %v", v)
	}
}

// TestBuilderCorruptKeyTag: a pk_uk_info tag that does not parse fails the
// record (it used to be emitted without a key, silently).
func TestBuilderCorruptKeyTag(t *testing.T) {
	g := dtstest.Gen{TS: 1700000000}
	rec := g.Insert(1)
	rec.PKUK = `{"PRIMARY":"id"`
	b := dts.NewBuilder(dts.BuilderConfig{Topic: "t"})
	r, err := b.Record(decode(t, rec), 7)
	if err == nil || !strings.Contains(err.Error(), "pk_uk_info") || !strings.Contains(err.Error(), "shop.orders") {
		t.Fatalf("Record = %+v, %v; want an error naming the table and pk_uk_info", r, err)
	}
	rec.PKUK = ""
	if r, err := b.Record(decode(t, rec), 8); err != nil || r.Key != nil {
		t.Fatalf("no tag: key %v, %v; want no key and no error", r.Key, err)
	}
}

func FuzzDecode(f *testing.F) {
	g := dtstest.Gen{TS: 1700000000}
	short := g.Insert(2)
	short.NoBornTimestamp = true
	for _, r := range []dtstest.Record{g.Insert(1), g.Update(1, "A", "B"), g.Delete(1), g.DDL("DROP TABLE t"),
		g.Heartbeat(), g.PGInsert(3, "x"), short} {
		f.Add(dtstest.MustEncode(r))
	}
	f.Add([]byte{})
	f.Add([]byte{0x02, 0x02, 0x02})
	d := dts.NewDecoder()
	b := dts.NewBuilder(dts.BuilderConfig{Topic: "t"})
	var reused dts.Change
	f.Fuzz(func(t *testing.T, data []byte) {
		// DecodeInto with a Change that earlier inputs filled, by a
		// Decoder that decoded them (and kept what it shares between
		// records), must agree with a fresh Decoder that reads every byte.
		errInto := d.DecodeInto(&reused, data)
		c, err := dts.NewReadAllDecoder().Decode(data)
		if (err == nil) != (errInto == nil) {
			t.Fatalf("Decode error %v, DecodeInto error %v", err, errInto)
		}
		if err == nil && (!reflect.DeepEqual(c.After, reused.After) || !reflect.DeepEqual(c.Before, reused.Before) ||
			!(reflect.DeepEqual(c.Fields, reused.Fields) || len(c.Fields)+len(reused.Fields) == 0) ||
			!reflect.DeepEqual(c.Tags, reused.Tags) || c.ID != reused.ID) {
			t.Fatalf("DecodeInto after earlier inputs and a fresh Decode disagree:\n%+v\n%+v", reused, *c)
		}
		if err != nil {
			if c != nil {
				t.Fatal("a Change with an error")
			}
			return
		}
		if c.Operation.Emitted() {
			r, err := b.Record(c, 1)
			if err != nil {
				if strings.Contains(err.Error(), "pk_uk_info") {
					return // a corrupt key tag fails the record
				}
				t.Fatal(err)
			}
			if _, err := connect.CloudEvent(r, connect.EventContext{}); err != nil {
				t.Fatalf("a decoded record has no CloudEvents view: %v", err)
			}
		}
	})
}

// A realistic mid-size row: 8 columns of common types.
func benchRecord() dtstest.Record {
	return dtstest.Record{
		ID: 123456789, SourceTimestamp: 1700000000, Operation: dts.OpUpdate, ObjectName: "shop.orders",
		PKUK: `{"PRIMARY":["id"]}`,
		Fields: []dts.Field{{Name: "id", DataTypeNumber: 8}, {Name: "order_no", DataTypeNumber: 253},
			{Name: "customer", DataTypeNumber: 253}, {Name: "amount", DataTypeNumber: 246}, {Name: "status", DataTypeNumber: 247},
			{Name: "created_at", DataTypeNumber: 12}, {Name: "updated_at", DataTypeNumber: 7}, {Name: "note", DataTypeNumber: 15}},
		Before: []dtstest.Value{dtstest.Int(42), dtstest.Text("NO-000042"), dtstest.Text("Alice"), dtstest.Decimal("99.50", 10, 2),
			dtstest.TextObject("ENUM", "NEW"), dtstest.DateTime(2023, 11, 14, 22, 13, 20, 0), dtstest.Timestamp(1700000000, 0), dtstest.Null()},
		After: []dtstest.Value{dtstest.Int(42), dtstest.Text("NO-000042"), dtstest.Text("Alice"), dtstest.Decimal("99.50", 10, 2),
			dtstest.TextObject("ENUM", "PAID"), dtstest.DateTime(2023, 11, 14, 22, 13, 20, 0), dtstest.Timestamp(1700000001, 0), dtstest.Text("ok")},
		BornTimestamp: 1700000000123,
	}
}

// BenchmarkDecode decodes DTS records into emitted records (EventBridge
// shape with CloudEvents headers): the source's per-record work.
func BenchmarkDecode(b *testing.B) {
	value := dtstest.MustEncode(benchRecord())
	d := dts.NewDecoder()
	bld := dts.NewBuilder(dts.BuilderConfig{Topic: "cn_hangzhou_version2", Source: "s", Subject: "acs:dts:cn-hangzhou::t/s"})
	b.ReportAllocs()
	b.SetBytes(int64(len(value)))
	b.ResetTimer()
	cpu0 := cpuTime()
	var c dts.Change
	for i := 0; i < b.N; i++ {
		if err := d.DecodeInto(&c, value); err != nil {
			b.Fatal(err)
		}
		if _, err := bld.Record(&c, int64(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	// CPU time of the process (GC included): the per-core figure, which
	// other load on a shared machine does not distort as it does wall time.
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "records/cpu-s")
}

// BenchmarkDecodeOnly is the Avro decoding alone.
func BenchmarkDecodeOnly(b *testing.B) {
	value := dtstest.MustEncode(benchRecord())
	d := dts.NewDecoder()
	b.ReportAllocs()
	b.SetBytes(int64(len(value)))
	cpu0 := cpuTime()
	var c dts.Change
	for i := 0; i < b.N; i++ {
		if err := d.DecodeInto(&c, value); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "records/cpu-s")
}

// BenchmarkCloudEventView is what every event-pattern filter and
// EventBridge-form sink pays per record: the CloudEvents view of an
// emitted record (connect.CloudEvent, a JSON copy of the value).
func BenchmarkCloudEventView(b *testing.B) {
	c, err := dts.NewDecoder().Decode(dtstest.MustEncode(benchRecord()))
	if err != nil {
		b.Fatal(err)
	}
	r, err := dts.NewBuilder(dts.BuilderConfig{Topic: "t", Source: "s", Subject: "x"}).Record(c, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := connect.CloudEvent(r, connect.EventContext{}); err != nil {
			b.Fatal(err)
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBuild is building the emitted record from a decoded change.
func BenchmarkBuild(b *testing.B) {
	c, err := dts.NewDecoder().Decode(dtstest.MustEncode(benchRecord()))
	if err != nil {
		b.Fatal(err)
	}
	bld := dts.NewBuilder(dts.BuilderConfig{Topic: "t", Source: "s", Subject: "x"})
	b.ReportAllocs()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := bld.Record(c, int64(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "records/cpu-s")
}

// BenchmarkPollRecord is Poll's work per fetched record without the Kafka
// client: decode, build the record, attach its source partition and offset.
func BenchmarkPollRecord(b *testing.B) {
	value := dtstest.MustEncode(benchRecord())
	p := dts.NewPollTask("cn_hangzhou_version2", "cluster-1")
	kr := &kgo.Record{Topic: "cn_hangzhou_version2", Value: value}
	b.ReportAllocs()
	b.SetBytes(int64(len(value)))
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		kr.Offset = int64(i)
		r, err := p.Next(kr)
		if err != nil || r == nil {
			b.Fatal(r, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "records/cpu-s")
}

// BenchmarkPollRecordRows is BenchmarkPollRecord over 1,000 different
// rows, as the example pipeline sends them: the id, order number, status
// and update time change from row to row, so values repeated from the
// last row are only the ones real rows of a table also share.
func BenchmarkPollRecordRows(b *testing.B) {
	var values [][]byte
	for i := range 1000 {
		r := benchRecord()
		r.ID = int64(1000 + i)
		id := int64(1_000_000 + i*7919)
		status := []string{"NEW", "PAID", "SHIPPED"}[i%3]
		r.Before = []dtstest.Value{dtstest.Int(id), dtstest.Text(fmt.Sprintf("NO-%06d", id)), dtstest.Text("Alice"), dtstest.Decimal(fmt.Sprintf("%d.50", i%200), 10, 2),
			dtstest.TextObject("ENUM", status), dtstest.DateTime(2023, 11, 14, 22, 13, int32(i%60), 0), dtstest.Timestamp(1700000000+int64(i), 0), dtstest.Null()}
		r.After = append([]dtstest.Value{}, r.Before...)
		r.After[4], r.After[6], r.After[7] = dtstest.TextObject("ENUM", "PAID"), dtstest.Timestamp(1700000000+int64(i)+5, 0), dtstest.Text("ok")
		values = append(values, dtstest.MustEncode(r))
	}
	pollRows(b, values)
}

// BenchmarkPollRecordRowsTxn is BenchmarkPollRecordRows over the rows of
// one large transaction, where a statement's NOW() gives every row the
// same time: 1,000 INSERTs with equal created_at and updated_at (no before
// image to take them from), and a bulk UPDATE setting updated_at, equal in
// every after image and different from each row's before image.
func BenchmarkPollRecordRowsTxn(b *testing.B) {
	row := func(i int) []dtstest.Value {
		id := int64(1_000_000 + i*7919)
		return []dtstest.Value{dtstest.Int(id), dtstest.Text(fmt.Sprintf("NO-%06d", id)), dtstest.Text("Alice"),
			dtstest.Decimal(fmt.Sprintf("%d.50", i%200), 10, 2), dtstest.TextObject("ENUM", "NEW"),
			dtstest.DateTime(2023, 11, 14, 22, 13, int32(i%60), 0), dtstest.Timestamp(1700000000+int64(i), 0), dtstest.Null()}
	}
	for _, op := range []dts.Operation{dts.OpInsert, dts.OpUpdate} {
		b.Run(strings.ToLower(op.String()), func(b *testing.B) {
			var values [][]byte
			for i := range 1000 {
				r := benchRecord()
				r.ID, r.Operation = int64(1000+i), op
				r.Before, r.After = row(i), row(i)
				if op == dts.OpInsert {
					r.Before = nil
					r.After[5], r.After[6] = dtstest.DateTime(2023, 11, 14, 22, 13, 20, 0), dtstest.Timestamp(1700000000, 0)
				} else {
					r.After[4], r.After[6] = dtstest.TextObject("ENUM", "PAID"), dtstest.Timestamp(1700090000, 0)
				}
				values = append(values, dtstest.MustEncode(r))
			}
			pollRows(b, values)
		})
	}
}

// pollRows runs Poll's per-record work over values, round and round.
func pollRows(b *testing.B, values [][]byte) {
	p := dts.NewPollTask("cn_hangzhou_version2", "cluster-1")
	kr := &kgo.Record{Topic: "cn_hangzhou_version2"}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		kr.Offset, kr.Value = int64(i), values[i%len(values)]
		r, err := p.Next(kr)
		if err != nil || r == nil {
			b.Fatal(r, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "records/cpu-s")
}
