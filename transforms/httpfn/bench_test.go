package httpfn

import (
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

// DTSBatch returns n events shaped as the dts source makes them (about
// 1.9 KB of JSON each): a table's schema (column list, keys) shared by its
// records, before and after images of their own.
func DTSBatch(n int) []*connect.Record { return dtsRows(0, n) }

// dtsRows is DTSBatch of the rows first to first+n-1.
func dtsRows(first, n int) []*connect.Record {
	fields := []string{"id", "order_no", "customer", "amount", "status", "created_at", "updated_at", "note"}
	recordFields := make([]any, len(fields))
	for i, name := range fields {
		recordFields[i] = map[string]any{"fieldName": name, "rawDataTypeNum": int64(253), "isPrimaryKey": i == 0,
			"isUniqueKey": i == 1, "fieldPosition": int64(i)}
	}
	schema := map[string]any{"databaseName": "shop", "tableName": "orders", "schemaId": "(shop,shop,orders)",
		"recordFields":     recordFields,
		"primaryIndexInfo": map[string]any{"indexType": "PrimaryKey", "indexFields": []any{recordFields[0]}},
		"uniqueIndexInfo":  []any{map[string]any{"indexType": "UniqueKey", "indexName": "uk_order_no", "indexFields": []any{recordFields[1]}}},
		"databaseInfo":     map[string]any{"databaseType": "MySQL", "version": "5.7.35-log"}}
	tp := map[string]any{"hash": int64(0), "partition": int64(0), "topic": "cn_hangzhou_rm_bp1test_version2"}
	in := make([]*connect.Record, n)
	for j := range in {
		i := first + j
		image := func(status string) map[string]any {
			return map[string]any{"id": int64(i), "order_no": fmt.Sprintf("NO-%06d", i), "customer": "张三",
				"amount": json.Number("107.50"), "status": status, "created_at": "2022-06-21 08:30:15.123456",
				"updated_at": "2022-06-21 08:30:15", "note": nil}
		}
		r := connect.NewRecord("dts_topic", map[string]any{"id": int64(i)}, map[string]any{
			"id": int64(1000 + i), "topicPartition": tp, "offset": int64(5000 + i), "sourceTimestamp": int64(1655769600),
			"operationType": "UPDATE", "schema": schema, "beforeImage": image("NEW"), "afterImage": image("PAID")})
		r.Headers = connect.Headers{
			{Key: "ce_specversion", Value: "1.0"}, {Key: "ce_id", Value: fmt.Sprintf("22e92fb7f033286162de058d4c859060-%d", 1000+i)},
			{Key: "ce_source", Value: "dts-orders-to-rocketmq"}, {Key: "ce_type", Value: "dts:ConsumeMessage"},
			{Key: "ce_subject", Value: "acs:dts:cn-hangzhou::dtsabcdet1ro/dtse9gh4883283o991"}, {Key: "ce_time", Value: "2022-06-21T00:00:00Z"},
			{Key: "content-type", Value: "application/json; charset=utf-8"},
		}
		in[j] = r
	}
	return in
}

// BenchmarkEncodeDTS writes the request body of a batch of 100 DTS events
// (see BenchmarkApplyBatchDTS for the whole call).
func BenchmarkEncodeDTS(b *testing.B) {
	in := DTSBatch(100)
	ec := connect.EventContext{Pipeline: "p"}
	subjects := make([]subject, len(in))
	ids := inputIDs{byID: make(map[string]int, len(in))}
	var buf []byte
	var e encoder // as a Function's pool keeps it between calls
	b.ReportAllocs()
	cpu0 := CPUTime()
	for b.Loop() {
		clear(ids.byID)
		var err error
		if buf, _, err = e.encodeBatch(buf[:0], in, ec, subjects, &ids); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0, len(in))
}

// CPUTime is the process's user and system CPU time so far.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports records per CPU-second since cpu0, which other load
// on the machine does not distort as it does ns/op.
func reportCPU(b *testing.B, cpu0 time.Duration, perOp int) {
	b.ReportMetric(float64(b.N*perOp)/(CPUTime()-cpu0).Seconds(), "records/cpu-s")
}

// BenchmarkAnswerDTSStream is BenchmarkAnswerDTS over 50 batches of other
// rows in turn, as a source streams them: ids, offsets and order numbers
// differ in every batch (BenchmarkAnswerDTS repeats one batch, whose values
// the decoder then has interned).
func BenchmarkAnswerDTSStream(b *testing.B) {
	type batch struct {
		in       []*connect.Record
		body     []byte
		subjects []subject
		ids      inputIDs
	}
	batches := make([]batch, 50)
	for i := range batches {
		bt := &batches[i]
		bt.in = dtsRows(i*100, 100)
		bt.subjects = make([]subject, 100)
		bt.ids = inputIDs{byID: make(map[string]int, 100)}
		var err error
		if bt.body, _, err = new(encoder).encodeBatch(nil, bt.in, connect.EventContext{Pipeline: "p"}, bt.subjects, &bt.ids); err != nil {
			b.Fatal(err)
		}
	}
	f := &Function{url: "http://fn"}
	b.ReportAllocs()
	cpu0 := CPUTime()
	i := 0
	for b.Loop() {
		bt := &batches[i%len(batches)]
		i++
		if out, _, err := f.answer(bt.body, bt.in, bt.subjects, &bt.ids); err != nil || len(out) != len(bt.in) {
			b.Fatal(err, len(out))
		}
	}
	reportCPU(b, cpu0, 100)
}

// BenchmarkAnswerDTS turns an echoed batch of 100 DTS events into records.
func BenchmarkAnswerDTS(b *testing.B) {
	in := DTSBatch(100)
	subjects := make([]subject, len(in))
	ids := inputIDs{byID: make(map[string]int, len(in))}
	body, _, err := new(encoder).encodeBatch(nil, in, connect.EventContext{Pipeline: "p"}, subjects, &ids)
	if err != nil {
		b.Fatal(err)
	}
	f := &Function{url: "http://fn"}
	b.ReportAllocs()
	cpu0 := CPUTime()
	for b.Loop() {
		if out, _, err := f.answer(body, in, subjects, &ids); err != nil || len(out) != len(in) {
			b.Fatal(err, len(out))
		}
	}
	reportCPU(b, cpu0, len(in))
}
