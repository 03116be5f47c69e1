package eventpattern

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

// benchEvent is a DTS-style CloudEvent as the view builds it.
const benchEvent = `{"specversion":"1.0","id":"dts-4711","source":"acs.dts","type":"dts:ChangeRecord","subject":"shop.orders",
 "time":"2026-03-01T12:00:00Z","datacontenttype":"application/json","aliyunregionid":"cn-hangzhou",
 "data":{"id":4711,"topicPartition":{"topic":"dts_shop","partition":0},"schema":{"dbName":"shop","tableName":"orders","recordFields":[{"fieldName":"id"}]},
  "operation":"INSERT","beforeImage":null,"afterImage":{"id":4711,"status":"PAID","amount":129.5,"ip":"10.1.2.3","note":"fast shipping"}}}`

// Five conditions: source prefix, table name, operation list, a numeric range and a cidr.
const benchPattern = `{"source":[{"prefix":"acs."}],"data":{"schema":{"tableName":["orders"]},"operation":["INSERT","UPDATE"],
 "afterImage":{"amount":[{"numeric":[">",100,"<=",1000]}],"ip":[{"cidr":"10.0.0.0/8"}]}}}`

func BenchmarkMatch5Conditions(b *testing.B) {
	p := MustCompile(benchPattern)
	ev := event(b, benchEvent)
	if !p.Match(ev) {
		b.Fatal("the benchmark event must match")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if !p.Match(ev) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkMatch5ConditionsMiss(b *testing.B) {
	p := MustCompile(`{"source":[{"prefix":"acs."}],"data":{"schema":{"tableName":["orders"]},"operation":["INSERT","UPDATE"],
 "afterImage":{"amount":[{"numeric":[">",100,"<=",1000]}],"ip":[{"cidr":"192.168.0.0/16"}]}}}`)
	ev := event(b, benchEvent)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if p.Match(ev) {
			b.Fatal("match")
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile([]byte(benchPattern)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFilterRecord includes building the record's CloudEvents view.
func BenchmarkFilterRecord(b *testing.B) {
	f := NewFilter(MustCompile(`{"subject":["shop.orders"],"data":{"operation":["INSERT"],"amount":[{"numeric":[">",100]}]}}`))
	rec := &connect.Record{Topic: "shop.orders", Value: map[string]any{"operation": "INSERT", "amount": int64(129), "status": "PAID"},
		Origin: connect.Origin{Topic: "shop.orders", Offset: 7}}
	ctx := connect.WithEventContext(context.Background(), connect.EventContext{Pipeline: "p"})
	b.ReportAllocs()
	for b.Loop() {
		if out, _ := f.Apply(ctx, rec); out == nil {
			b.Fatal("dropped")
		}
	}
}

// BenchmarkFilterDTSRecords filters 100 binary-mode UPDATEs in turn, shaped
// as the dts source emits them: the table's schema and the topic partition
// shared by all, before and after images of their own. Besides ns/op it
// reports records per CPU-second of the process.
func BenchmarkFilterDTSRecords(b *testing.B) {
	f, rec := dtsLikeRecord()
	value := rec.Value.(map[string]any)
	recs := make([]*connect.Record, 100)
	for i := range recs {
		r := rec.Clone()
		v := make(map[string]any, len(value))
		for k, e := range value {
			v[k] = e
		}
		for _, k := range []string{"beforeImage", "afterImage"} {
			img := make(map[string]any)
			for ik, ie := range value[k].(map[string]any) {
				img[ik] = ie
			}
			img["id"] = int64(i)
			v[k] = img
		}
		v["id"] = int64(1000 + i)
		r.Value = v
		recs[i] = r
	}
	ctx := connect.WithEventContext(context.Background(), connect.EventContext{Pipeline: "p"})
	b.ReportAllocs()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		if out, _ := f.Apply(ctx, recs[i%len(recs)]); out == nil {
			b.Fatal("dropped")
		}
		i++
	}
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "records/cpu-s")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
