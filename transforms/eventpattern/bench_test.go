package eventpattern

import (
	"context"
	"testing"

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
