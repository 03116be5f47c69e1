package postgres

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

// staticResolver is a catalog in a map, for decoding without a database.
type staticResolver map[uint32]TableMeta

func (r staticResolver) Table(_ context.Context, rel RelationInfo) (TableMeta, error) {
	return r[rel.OID], nil
}

// pgout builds pgoutput messages, as the server sends them.
type pgout []byte

func (b pgout) u8(v byte) pgout    { return append(b, v) }
func (b pgout) u16(v uint16) pgout { return binary.BigEndian.AppendUint16(b, v) }
func (b pgout) u32(v uint32) pgout { return binary.BigEndian.AppendUint32(b, v) }
func (b pgout) u64(v uint64) pgout { return binary.BigEndian.AppendUint64(b, v) }
func (b pgout) str(s string) pgout { return append(append(b, s...), 0) }

// tuple encodes values: nil = NULL, "\x00u" = unchanged TOAST, else text.
func (b pgout) tuple(vals ...any) pgout {
	b = b.u16(uint16(len(vals)))
	for _, v := range vals {
		switch v := v.(type) {
		case nil:
			b = b.u8('n')
		case string:
			if v == "\x00u" {
				b = b.u8('u')
				continue
			}
			b = b.u8('t').u32(uint32(len(v)))
			b = append(b, v...)
		}
	}
	return b
}

func relationMsg() []byte {
	b := pgout{'R'}.u32(16384).str("public").str("outbox").u8('d').u16(4)
	b = b.u8(1).str("id").u32(oidUUID).u32(0xffffffff)
	b = b.u8(0).str("aggregatetype").u32(oidVarchar).u32(0xffffffff)
	b = b.u8(0).str("payload").u32(oidJSONB).u32(0xffffffff)
	b = b.u8(0).str("total").u32(oidNumeric).u32(uint32((10<<16 | 2) + 4))
	return b
}

var outboxMeta = staticResolver{16384: {NotNull: map[string]bool{"id": true, "aggregatetype": true}, PrimaryKey: []string{"id"}}}

func testDecoder(t testing.TB, props map[string]string) *Decoder {
	base := map[string]string{"database.hostname": "h", "database.user": "u", "database.dbname": "shopdb", "topic.prefix": "shop"}
	for k, v := range props {
		base[k] = v
	}
	cfg, err := ConfigDef().Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSettings(cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.UnixMicro(1772366400391507) }
	return newDecoder(s, "shopdb", outboxMeta, slog.New(slog.NewTextHandler(io.Discard, nil)), now, nil)
}

func decodeAll(t testing.TB, d *Decoder, msgs ...[]byte) []*connect.Record {
	t.Helper()
	var out []*connect.Record
	var err error
	for i, m := range msgs {
		if out, err = d.Decode(context.Background(), LSN(26872300+i*8), m, out); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	return out
}

const pgCommitTime = 1772366400250118 - pgEpochMicros

func begin(xid uint32) []byte { return pgout{'B'}.u64(26872400).u64(pgCommitTime).u32(xid) }
func commit() []byte          { return pgout{'C'}.u8(0).u64(26872400).u64(26872450).u64(pgCommitTime) }

func TestDecodeInsertMatchesDebezium(t *testing.T) {
	d := testDecoder(t, nil)
	ins := pgout{'I'}.u32(16384).u8('N').tuple("5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43", "order", `{"items": 2, "total": 49.90}`, "49.90")
	rs := decodeAll(t, d, relationMsg(), begin(771), ins, commit())
	if len(rs) != 1 {
		t.Fatalf("%d records", len(rs))
	}
	r := rs[0]
	if r.Topic != "shop.public.outbox" || r.KeySchema.Name != "shop.public.outbox.Key" {
		t.Fatalf("topic %s key schema %v", r.Topic, r.KeySchema)
	}
	got, err := jsonOf(r.ValueSchema, r.Value)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"before":null,"after":{"id":"5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43","aggregatetype":"order","payload":"{\"items\": 2, \"total\": 49.90}","total":"E34="},` +
		`"source":{"version":"3.6.1.Final","connector":"postgresql","name":"shop","ts_ms":1772366400250,"snapshot":"false","db":"shopdb",` +
		`"sequence":"[null,\"26872316\"]","ts_us":1772366400250118,"ts_ns":1772366400250118000,"schema":"public","table":"outbox",` +
		`"txId":771,"lsn":26872316,"xmin":null,"origin":null,"origin_lsn":null},"transaction":null,"op":"c",` +
		`"ts_ms":1772366400391,"ts_us":1772366400391507,"ts_ns":1772366400391507000}`
	if got != want {
		t.Errorf("value JSON\n got %s\nwant %s", got, want)
	}
	names := []string{}
	for _, f := range r.ValueSchema.Fields {
		names = append(names, f.Name)
	}
	if fmtList(names) != "before,after,source,transaction,op,ts_ms,ts_us,ts_ns" {
		t.Errorf("envelope fields %v", names)
	}
	if r.SourceOffset["lsn"] != int64(26872316) || r.SourceOffset["txId"] != int64(771) || r.SourcePartition["server"] != "shop" {
		t.Errorf("offset %v partition %v", r.SourceOffset, r.SourcePartition)
	}
	f, _ := r.ValueSchema.Fields[1].Schema.Field("aggregatetype")
	if f.Schema.Optional {
		t.Error("NOT NULL column should be required")
	}
}

func TestDecodeDeleteTombstoneAndSkippedOps(t *testing.T) {
	d := testDecoder(t, map[string]string{"skipped.operations": "c"})
	ins := pgout{'I'}.u32(16384).u8('N').tuple("5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43", "order", nil, nil)
	del := pgout{'D'}.u32(16384).u8('K').tuple("5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43", nil, nil, nil)
	trunc := pgout{'T'}.u32(1).u8(0).u32(16384)
	rs := decodeAll(t, d, relationMsg(), begin(1), ins, del, trunc, commit())
	if len(rs) != 3 || op(rs[0]) != "d" || rs[1].Value != nil || op(rs[2]) != "t" {
		t.Fatalf("records: %d", len(rs))
	}
	b := before(rs[0])
	if b.Get("aggregatetype") != "" || b.Get("payload") != nil {
		t.Errorf("before under REPLICA IDENTITY DEFAULT: %v", b.Values)
	}
	if rs[2].Key != nil {
		t.Error("truncate must have a null key")
	}
}

func TestDecodeResumeSkipsDeliveredPartOfTransaction(t *testing.T) {
	d := testDecoder(t, nil)
	d.resumeAt(100, 9, 26872300+3*8)
	ins := func(id string) []byte {
		return pgout{'I'}.u32(16384).u8('N').tuple(id, "x", nil, nil)
	}
	// messages at 26872300 + i*8: R, B, I(1) @+16, I(2) @+24 (delivered), I(3) @+32, C
	rs := decodeAll(t, d, relationMsg(), begin(9), ins("1"), ins("2"), ins("3"), commit())
	if len(rs) != 1 || after(rs[0]).Get("id") != "3" {
		t.Fatalf("got %d records", len(rs))
	}
}

func TestDecodeTransactionMetadata(t *testing.T) {
	d := testDecoder(t, map[string]string{"provide.transaction.metadata": "true"})
	ins := pgout{'I'}.u32(16384).u8('N').tuple("a", "x", nil, nil)
	rs := decodeAll(t, d, relationMsg(), begin(5), ins, ins, commit())
	if len(rs) != 4 || rs[0].Topic != "shop.transaction" || rs[3].Topic != "shop.transaction" {
		t.Fatalf("%d records", len(rs))
	}
	end := rs[3].Value.(*connect.Struct)
	if end.Get("status") != "END" || end.Get("event_count") != int64(2) || end.Get("id") != "5:26872308" {
		t.Errorf("END = %v", end.Values)
	}
	block := rs[2].Value.(*connect.Struct).Get("transaction").(*connect.Struct)
	if block.Get("total_order") != int64(2) || block.Get("data_collection_order") != int64(2) {
		t.Errorf("block = %v", block.Values)
	}
	if rs[3].SourceOffset["lsn_commit"] != int64(26872450) {
		t.Errorf("END offset %v", rs[3].SourceOffset)
	}
}

func TestDecodeLogicalMessage(t *testing.T) {
	d := testDecoder(t, nil)
	m := pgout{'M'}.u8(0).u64(777).str("outbox").u32(5)
	m = append(m, "hello"...)
	rs := decodeAll(t, d, m)
	if len(rs) != 1 || rs[0].Topic != "shop.message" {
		t.Fatalf("%v", rs)
	}
	v := rs[0].Value.(*connect.Struct)
	if v.Get("op") != "m" || string(v.Get("message").(*connect.Struct).Get("content").([]byte)) != "hello" {
		t.Errorf("message value %v", v.Values)
	}
	if v.Get("source").(*connect.Struct).Get("txId") != nil {
		t.Error("non-transactional message has a txId")
	}
}

func TestDecodeErrorsNameTheLSN(t *testing.T) {
	d := testDecoder(t, nil)
	bad := pgout{'I'}.u32(16384).u8('N').tuple("a", "x", nil, "not-a-number")
	var err error
	_, err = d.Decode(context.Background(), 1, relationMsg(), nil)
	if err == nil {
		_, err = d.Decode(context.Background(), 0x1_0000_0002, bad, nil)
	}
	if err == nil || err.Error() != `postgres: decode change at LSN 1/2 table public.outbox column "total": expected a decimal number (value "not-a-number")` {
		t.Fatalf("err = %v", err)
	}
}

func TestConverters(t *testing.T) {
	cases := []struct {
		conv converter
		in   string
		want any
	}{
		{convTimestamptz, "2026-03-01 12:00:00.123456+00", "2026-03-01T12:00:00.123456Z"},
		{convTimestamptz, "2026-03-01 00:30:00-05:30", "2026-03-01T06:00:00Z"},
		{convTimestampMicros, "1969-12-31 23:59:59.5", int64(-500000)},
		{convTimestampMillis, "1969-12-31 23:59:59.5", int64(-500)},
		{convDate, "1970-01-02", int32(1)},
		{convTimetz, "10:15:30+02", "08:15:30Z"},
		{convIntervalMicros, "PT0S", int64(0)},
		{convIntervalMicros, "P-1M", int64(-2629800e6)},
		{convIntervalString, "P1Y2M3DT4H5M6.78S", "P1Y2M3DT4H5M6.78S"},
		{convNumericString, "NaN", "NAN"},
	}
	for _, c := range cases {
		got, err := c.conv([]byte(c.in))
		if err != nil || got != c.want {
			t.Errorf("%q: got %#v, %v; want %#v", c.in, got, err, c.want)
		}
	}
	for _, n := range []int64{0, 1, 127, 128, -1, -128, -129, 4990, -4990} {
		b := twosComplement(bigOf(n))
		if back := fromTwos(b); back != n {
			t.Errorf("twos(%d) = %x -> %d", n, b, back)
		}
	}
}

// FuzzDecodePgoutput feeds arbitrary bytes to the decoder after a valid
// relation: it must return errors, never panic.
func FuzzDecodePgoutput(f *testing.F) {
	f.Add([]byte(pgout{'I'}.u32(16384).u8('N').tuple("5f1b7c2e", "order", `{"a":1}`, "49.90")))
	f.Add([]byte(pgout{'U'}.u32(16384).u8('O').tuple("a", "b", nil, "1").u8('N').tuple("b", "\x00u", nil, "2")))
	f.Add([]byte(pgout{'D'}.u32(16384).u8('K').tuple("a", nil, nil, nil)))
	f.Add([]byte(pgout{'T'}.u32(2).u8(0).u32(16384).u32(1)))
	f.Add([]byte(pgout{'M'}.u8(1).u64(1).str("p").u32(1).u8('x')))
	f.Add(relationMsg())
	f.Add(begin(1))
	f.Add(commit())
	f.Fuzz(func(t *testing.T, data []byte) {
		d := testDecoder(t, map[string]string{"provide.transaction.metadata": "true"})
		if _, err := d.Decode(context.Background(), 1, relationMsg(), nil); err != nil {
			t.Fatal(err)
		}
		_, _ = d.Decode(context.Background(), 2, begin(1), nil)
		_, _ = d.Decode(context.Background(), 3, data, nil)
	})
}

// FuzzConvertText feeds arbitrary text to every value converter.
func FuzzConvertText(f *testing.F) {
	for _, s := range []string{"2026-03-01 12:00:00.123456+00", "{1,NULL,\"a\\\"b\"}", "P1Y2M3DT4H5M6.78S", "12:34:56.789", "\\xdeadbeef", "49.90", "t"} {
		f.Add(s)
	}
	d := testDecoder(f, nil)
	convs := []converter{convBool, convInt(16), convInt(32), convInt(64), convFloat32, convFloat64, convNumericDouble, convVariableScale,
		func(b []byte) (any, error) { return convDecimal(b, 2) }, d.convBytea, convDate, convDateConnect, convTimeMicros, convTimeMillis,
		convTimeConnect, convTimetz, convTimestampMicros, convTimestampMillis, convTimestampConnect, convTimestamptz,
		convIntervalMicros, convIntervalString, func(b []byte) (any, error) { return parseArray(b, convInt(32)) },
		func(b []byte) (any, error) { return parseArray(b, convString) }, d.moneyType().conv}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range convs {
			_, _ = c([]byte(s))
		}
	})
}

// BenchmarkDecodeOutboxInsert measures pgoutput → Debezium change event for
// one outbox row (~300-byte jsonb payload), without I/O.
func BenchmarkDecodeOutboxInsert(b *testing.B) {
	d := testDecoder(b, nil)
	payload := `{"items": [{"qty": 2, "sku": "SKU-1"}, {"qty": 1, "sku": "SKU-2"}], "note": "` + string(make([]byte, 0)) +
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" +
		`", "orderId": 1, "customer": "customer-1"}`
	ins := []byte(pgout{'I'}.u32(16384).u8('N').tuple("5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43", "order", payload, "49.90"))
	ctx := context.Background()
	out := decodeAll(b, d, relationMsg(), begin(1))
	b.ReportAllocs()
	b.SetBytes(int64(len(ins)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, _ = d.Decode(ctx, LSN(i), ins, out[:0])
	}
}
