package forms

import (
	"syscall"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

// BenchmarkMessageMapping is the RocketMQ sink's per-record work in
// Alibaba's example: build the CloudEvents view, then body, key, tag and the
// custom-property template.
func BenchmarkMessageMapping(b *testing.B) {
	r := &connect.Record{
		Topic: "orders",
		Value: map[string]any{
			"topic": "orders",
			"body":  `{"orderId":1001,"amount":"99.50","status":"PAID"}`,
			"msgId": "7F00000100207A2E0000000000000000",
			"userProperties": map[string]any{
				"region": "cn-hangzhou", "traceId": "0a1b2c3d",
			},
			"systemProperties": map[string]any{
				"KEYS": "order-1001", "TAGS": "TagA", "UNIQ_KEY": "AC14C305069E1B28CDFA3181CDA2****",
			},
		},
		Origin: connect.Origin{Topic: "orders", Partition: 1, Offset: 7},
	}
	ec := connect.EventContext{Pipeline: "inflow", Connector: "dts"}
	body := MustCompile(Spec{Form: JSONPath, Value: "$.data.body"})
	key := MustCompile(Spec{Form: JSONPath, Value: "$.data.systemProperties.KEYS"})
	tag := MustCompile(Spec{Form: JSONPath, Value: "$.data.systemProperties.TAGS"})
	props := MustCompile(Spec{Form: Templated,
		Value:    `{"userProperties":"$.data.userProperties","msgId":"$.data.msgId"}`,
		Template: `{"EB_SYS_EMBED_OBJECT":"${userProperties}","UNIQ_KEY":"${msgId}"}`})
	n := 0
	count := func(k, v string) error { n++; return nil }
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		ev, err := NewEvent(r, ec)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok, _ := body.Eval(ev); !ok {
			b.Fatal("no body")
		}
		key.Eval(ev)
		tag.Eval(ev)
		if err := props.Members(ev, count); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
	if n == 0 {
		b.Fatal("no properties")
	}
}

// cpuTimer measures the process's CPU time (user + system) over a
// benchmark loop. On a shared machine wall time per op swings with the
// load of other processes; CPU time per op shows the work itself.
type cpuTimer struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuTimer { return cpuTimer{cpuNow()} }

// report adds cpu-ns/op and records/cpu-s (records per second of one core).
func (c cpuTimer) report(b *testing.B) {
	d := cpuNow() - c.start
	if d <= 0 || b.N == 0 {
		return
	}
	perOp := float64(d.Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp, "cpu-ns/op")
	b.ReportMetric(1e9/perOp, "records/cpu-s")
}

// BenchmarkEvalOnly is the same without building the CloudEvents view.
func BenchmarkEvalOnly(b *testing.B) {
	r := connect.NewRecord("orders", nil, map[string]any{
		"body": "hello", "msgId": "m1",
		"userProperties":   map[string]any{"region": "cn-hangzhou"},
		"systemProperties": map[string]any{"KEYS": "k", "TAGS": "t"},
	})
	ev, _ := NewEvent(r, connect.EventContext{})
	body := MustCompile(Spec{Form: JSONPath, Value: "$.data.body"})
	key := MustCompile(Spec{Form: JSONPath, Value: "$.data.systemProperties.KEYS"})
	tag := MustCompile(Spec{Form: JSONPath, Value: "$.data.systemProperties.TAGS"})
	tmpl := MustCompile(Spec{Form: Templated, Value: `{"id":"$.data.msgId"}`, Template: `id=${id}`})
	b.ReportAllocs()
	for b.Loop() {
		body.Eval(ev)
		key.Eval(ev)
		tag.Eval(ev)
		tmpl.Eval(ev)
	}
}

// BenchmarkDTSMapping is the message inflow case: a binary-mode record as
// the DTS source emits it (ce_* headers, the EventBridge DTS data object as
// the value), mapped with body = the whole event (ORIGINAL, ~1.3 KB of
// JSON), key = a template over database, table and id, tag = the
// operation, and a property template.
func BenchmarkDTSMapping(b *testing.B) {
	field := func(name string, num int64, pk bool) map[string]any {
		return map[string]any{"fieldName": name, "rawDataTypeNum": num, "isPrimaryKey": pk, "isUniqueKey": false, "fieldPosition": int64(0)}
	}
	schema := map[string]any{
		"recordFields": []any{field("id", 8, true), field("status", 253, false), field("amount", 246, false)},
		"schemaId":     "(shop,shop,orders)", "databaseName": "shop", "tableName": "orders",
		"databaseInfo": map[string]any{"databaseType": "MySQL", "version": "5.7.35-log"}, "totalRows": int64(0),
	}
	r := &connect.Record{
		Topic: "cn_hangzhou_rm_1234_dts_version2",
		Value: map[string]any{
			"id": int64(321), "offset": int64(1001), "sourceTimestamp": int64(1654847757), "operationType": "INSERT",
			"topicPartition": map[string]any{"hash": int64(0), "partition": int64(0), "topic": "cn_hangzhou_rm_1234_dts_version2"},
			"schema":         schema,
			"afterImage": map[string]any{"recordSchema": schema, "size": int64(3),
				"values": []any{map[string]any{"data": int64(1001)}, map[string]any{"data": "PAID", "charset": "utf8mb4"}, map[string]any{"data": "99.50"}}},
		},
		Headers: connect.Headers{{Key: "ce_specversion", Value: "1.0"}, {Key: "ce_id", Value: "12f701a43741d404fa9a7be89d9acae0-321"},
			{Key: "ce_source", Value: "inflow"}, {Key: "ce_type", Value: "dts:ConsumeMessage"},
			{Key: "ce_subject", Value: "acs:dts:cn-hangzhou:12345:kk123abc60g782/dtsabcdet1ro"}, {Key: "ce_time", Value: "2022-06-10T07:55:57Z"},
			{Key: "content-type", Value: "application/json; charset=utf-8"}},
	}
	ec := connect.EventContext{Pipeline: "inflow", Connector: "dts"}
	body := MustCompile(Spec{Form: Original})
	key := MustCompile(Spec{Form: Templated, Value: `{"db":"$.data.schema.databaseName","t":"$.data.schema.tableName","id":"$.data.afterImage.values[0].data"}`, Template: "${db}.${t}:${id}"})
	tag := MustCompile(Spec{Form: JSONPath, Value: "$.data.operationType"})
	props := MustCompile(Spec{Form: Templated, Value: `{"t":"$.data.schema.tableName","ts":"$.data.sourceTimestamp"}`, Template: `{"table":"${t}","sourceTimestamp":"${ts}"}`})
	size := 0
	count := func(k, v string) error { return nil }
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		ev, err := NewEvent(r, ec)
		if err != nil {
			b.Fatal(err)
		}
		s, _, _ := body.Eval(ev)
		size = len(s)
		key.Eval(ev)
		tag.Eval(ev)
		if err := props.Members(ev, count); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
	b.ReportMetric(float64(size), "body-bytes")
}
