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
