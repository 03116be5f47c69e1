package rocketmq

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"
	"google.golang.org/protobuf/proto"

	"github.com/inletdev/inlet/connect"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/prepare.golden")

// goldenTask is a task whose prepare can run without a broker: the mapping
// of the given keys and a batcher that only builds wire forms.
func goldenTask(tb testing.TB, now time.Time, kv ...string) *Task {
	tb.Helper()
	p := map[string]string{keyEndpoint: "127.0.0.1:1", keyTopic: "orders", keyNamespace: "ns1"}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	c, err := ConfigDef().Parse(p)
	if err != nil {
		tb.Fatal(err)
	}
	m, errs := newMapping(c, func() time.Time { return now })
	if errs != nil {
		tb.Fatal(errs)
	}
	return &Task{
		producer:  &pooledProducer{batch: &batcher{namespace: c.String(keyNamespace), host: "golden-host"}},
		mapping:   m,
		batchSize: c.Int(keyBatchSize), batchBytes: c.Int(keyBatchBytes), parallelism: 1,
	}
}

// dtsRecord is a change event as the example pipeline's sink gets it: a
// binary-mode CloudEvent (ce_* headers) whose data is the DTS object, with
// numbers as json.Number when it came back from the HTTP function
// (numbers=true) or as the DTS source's Go types.
func dtsRecord(i int, numbers bool) *connect.Record {
	num := func(n int64) any {
		if numbers {
			return json.Number(fmt.Sprint(n))
		}
		return n
	}
	schema := map[string]any{"databaseName": "shop", "tableName": "orders", "schemaId": "(shop,shop,orders)",
		"recordFields": []any{map[string]any{"fieldName": "id", "isPrimaryKey": true, "rawDataTypeNum": num(8)}}}
	after := map[string]any{"id": num(int64(i)), "order_no": fmt.Sprintf("NO-%06d", i), "customer": "Alice \"A\" <x>\u00e9\n",
		"amount": "99.50", "status": []string{"PAID", "NEW"}[i%2], "created_at": "2023-11-14 22:13:20", "updated_at": num(1700000000),
		"note": nil, "ratio": 0.25, "flag": true, "tags": []any{"a", num(2), nil}}
	if numbers {
		after["enrichedBy"] = "fc"
	}
	r := &connect.Record{
		Topic: "dts-topic",
		Value: map[string]any{"id": num(int64(1000 + i)), "offset": num(int64(i)), "sourceTimestamp": num(1700000000 + int64(i)),
			"operationType": "UPDATE", "schema": schema, "beforeImage": nil, "afterImage": after,
			"topicPartition": map[string]any{"topic": "dts-topic", "partition": num(0)}},
		Headers: connect.Headers{{Key: "ce_specversion", Value: "1.0"}, {Key: "ce_id", Value: fmt.Sprintf("dts-id-%d", i)},
			{Key: "ce_source", Value: "inflow"}, {Key: "ce_type", Value: "dts:ConsumeMessage"},
			{Key: "ce_subject", Value: "acs:dts:cn-hangzhou:1:dtsabc"}, {Key: "ce_time", Value: "2023-11-14T22:13:20Z"},
			{Key: "content-type", Value: "application/json"}, {Key: "trace", Value: []byte("t-1")}},
		Origin: connect.Origin{Topic: "dts-topic", Partition: 0, Offset: int64(i)},
	}
	return r
}

func goldenRecords() []*connect.Record {
	recs := []*connect.Record{dtsRecord(1, true), dtsRecord(2, true), dtsRecord(3, false), richRecord(), event(4, "hello"), event(5, `{"x":1}`)}
	structured := connect.NewRecord("ce", nil, []byte(`{"specversion":"1.0","id":"s-1","source":"src","type":"t","data":{"b":"text","k":["x","y"],"g":"grp","due":"2026-11-22T02:00:00Z","status":"OK"}}`))
	structured.Headers = connect.Headers{{Key: "content-type", Value: "application/cloudevents+json; charset=utf-8"}}
	schemaful := &connect.Record{Topic: "s", ValueSchema: connect.StringSchema, Value: "schema'd text", Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
	empty := connect.NewRecord("e", nil, map[string]any{"body": "", "afterImage": map[string]any{}, "status": ""})
	return append(recs, structured, schemaful, empty, connect.NewRecord("n", nil, nil))
}

// goldenMappings cover every form of every field the sink maps.
var goldenMappings = []struct {
	name string
	kv   []string
}{
	{"example", []string{
		"message.body.form", "JSONPATH", "message.body.value", "$.data.afterImage",
		"message.key.form", "JSONPATH", "message.key.value", "$.data.afterImage.order_no",
		"message.tag.form", "JSONPATH", "message.tag.value", "$.data.afterImage.status",
		"message.properties.form", "TEMPLATE",
		"message.properties.value", `{"db":"$.data.schema.databaseName","table":"$.data.schema.tableName","op":"$.data.operationType","ts":"$.data.sourceTimestamp","id":"$.id"}`,
		"message.properties.template", `{"database":"${db}","table":"${table}","operation":"${op}","sourceTimestamp":"${ts}","eventId":"${id}"}`}},
	{"dlq", []string{"message.body.form", "ORIGINAL", "message.key.form", "JSONPATH", "message.key.value", "$.id",
		"message.tag.form", "CONSTANT", "message.tag.value", "dead-letter", "message.headers.as.properties", "true"}},
	{"alibaba", alibabaMapping},
	{"templates", []string{
		"message.body.form", "TEMPLATE", "message.body.value", `{"a":"$.data.afterImage","o":"$.data.operationType","lit":7,"s":"plain"}`,
		"message.body.template", `op=${o} lit=${lit} s=${s} missing=${nope:-dflt}/${nope} a=${a} $${x}`,
		"message.key.form", "TEMPLATE", "message.key.value", `{"t":"$.data.schema.tableName","id":"$.data.afterImage.id"}`, "message.key.template", "${t}:${id}",
		"message.tag.form", "TEMPLATE", "message.tag.value", `{"s":"$.data.afterImage.status"}`, "message.tag.template", "${s}",
		"message.properties.form", "TEMPLATE", "message.properties.value", `{"c":"$.data.afterImage.customer","n":"$.data.afterImage.id","m":"$.data.missing"}`,
		"message.properties.template", `{"cust":"${c}","two":"${n}-${n}","none":"${m}","dflt":"${m:-d}","lit":"x"}`}},
	{"text template properties", []string{
		"message.body.form", "CONSTANT", "message.body.value", "fixed body",
		"message.key.form", "JSONPATH", "message.key.value", "$.data.afterImage.tags",
		"message.properties.form", "TEMPLATE", "message.properties.value", `{"id":"$.data.afterImage.id","m":"$.data.missing"}`,
		"message.properties.template", `{"id":${id:-0},"nested":{"x":1},"m":"${m}"}`}},
	{"json properties", []string{
		"message.body.form", "JSONPATH", "message.body.value", "$.data",
		"message.key.form", "JSONPATH", "message.key.value", "$.data.keys",
		"message.tag.form", "JSONPATH", "message.tag.value", "$.data.tag",
		"message.properties.form", "JSONPATH", "message.properties.value", "$.data.props", "message.headers.as.properties", "true"}},
	{"constant properties", []string{
		"message.body.form", "JSONPATH", "message.body.value", "$.data.body",
		"message.properties.form", "CONSTANT", "message.properties.value", `{"a":"1","b":2,"c":{"d":null}}`}},
	{"fifo", []string{
		"message.body.form", "JSONPATH", "message.body.value", "$.data.afterImage.order_no",
		"message.group.form", "JSONPATH", "message.group.value", "$.data.afterImage.status",
		"message.key.form", "JSONPATH", "message.key.value", "$.data.k"}},
	{"delivery", []string{
		"message.body.form", "JSONPATH", "message.body.value", "$.data.afterImage.customer",
		"message.delivery.timestamp.form", "JSONPATH", "message.delivery.timestamp.value", "$.data.afterImage.updated_at"}},
	{"delivery text", []string{
		"message.body.form", "JSONPATH", "message.body.value", "$.data.b",
		"message.delivery.timestamp.form", "JSONPATH", "message.delivery.timestamp.value", "$.data.due"}},
	{"delay", []string{"message.delay.ms", "1500", "message.tag.form", "JSONPATH", "message.tag.value", "$.type"}},
	{"batch size 1", []string{"rocketmq.send.batch.size", "1",
		"message.body.form", "JSONPATH", "message.body.value", "$.data.afterImage",
		"message.key.form", "JSONPATH", "message.key.value", "$.data.afterImage.order_no",
		"message.properties.form", "TEMPLATE", "message.properties.value", `{"t":"$.data.schema.tableName"}`,
		"message.properties.template", `{"table":"${t}"}`}},
}

// TestPrepareGolden pins the messages prepare builds (body, keys, tag,
// properties, group, type, delivery time; everything but the message ID
// and born time, which change per send) for every mapping form on every
// record shape, so that making prepare cheaper cannot change a byte.
// go test -run TestPrepareGolden -update rewrites the file.
func TestPrepareGolden(t *testing.T) {
	now := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	recs := goldenRecords()
	var out strings.Builder
	msgIDs := map[string]bool{}
	for _, gm := range goldenMappings {
		task := goldenTask(t, now, gm.kv...)
		// twice: a task's second Put must build the same messages as its
		// first (nothing of one Put may leak into the next)
		var rounds [2]string
		for round := range rounds {
			jobs := make([]job, len(recs))
			task.prepare(connect.EventContext{Pipeline: "inflow", Connector: "dts"}, recs, jobs)
			var b strings.Builder
			for i := range jobs {
				fmt.Fprintf(&b, "--- %s / record %d (%s)\n%s", gm.name, i, recs[i].Topic, dumpJob(&jobs[i]))
				if pb := jobs[i].pb; pb != nil {
					id := pb.GetSystemProperties().GetMessageId()
					if _, _, ok := parseID(id); !ok || msgIDs[id] {
						t.Errorf("%s: message ID %q: not V1 or made twice", gm.name, id)
					}
					msgIDs[id] = true
				}
			}
			rounds[round] = b.String()
		}
		if rounds[1] != rounds[0] {
			t.Errorf("%s: the second prepare differs from the first:\n%s", gm.name, rounds[1])
		}
		out.WriteString(rounds[0])
	}
	const file = "testdata/prepare.golden"
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("prepare's messages differ from %s at line %d:\n got %s\nwant %s", file, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("prepare's messages differ from %s: %d lines, want %d", file, len(gl), len(wl))
	}
}

// dumpJob renders what prepare built for one record: the wire form for
// the batched path, the client message for the official one.
func dumpJob(j *job) string {
	var b strings.Builder
	if j.err != nil {
		fmt.Fprintf(&b, "error (permanent=%v): %v\n", connect.IsPermanent(j.err), j.err)
		return b.String()
	}
	if j.pb != nil {
		sp := j.pb.GetSystemProperties()
		if sp.GetMessageId() == "" || sp.GetBornTimestamp() == nil {
			b.WriteString("MISSING message id or born time\n")
		}
		fmt.Fprintf(&b, "wire topic=%q ns=%q size=%d host=%q enc=%v type=%v\n", j.pb.GetTopic().GetName(), j.pb.GetTopic().GetResourceNamespace(),
			j.size, sp.GetBornHost(), sp.GetBodyEncoding(), sp.GetMessageType())
		props, err := sentProperties(j.pb)
		if err != nil {
			fmt.Fprintf(&b, "MARSHAL ERROR %v\n", err)
		}
		dumpFields(&b, j.pb.GetBody(), sp.GetKeys(), sp.Tag, props, sp.MessageGroup, func() *time.Time {
			if sp.DeliveryTimestamp == nil {
				return nil
			}
			t := sp.GetDeliveryTimestamp().AsTime()
			return &t
		}())
		return b.String()
	}
	m := j.msg
	fmt.Fprintf(&b, "client topic=%q\n", m.Topic)
	dumpFields(&b, m.Body, m.GetKeys(), m.GetTag(), m.GetProperties(), m.GetMessageGroup(), m.GetDeliveryTimestamp())
	return b.String()
}

// sentProperties are the user properties a receiver gets from m: m
// marshalled as gRPC does and decoded into a new message (the batched path
// carries them as encoded unknown fields, which only a decode shows as the
// map).
func sentProperties(m *v2.Message) (map[string]string, error) {
	raw, err := proto.Marshal(m)
	if err != nil {
		return nil, err
	}
	var got v2.Message
	if err := proto.Unmarshal(raw, &got); err != nil {
		return nil, err
	}
	return got.GetUserProperties(), nil
}

func dumpFields(b *strings.Builder, body []byte, keys []string, tag *string, props map[string]string, group *string, at *time.Time) {
	fmt.Fprintf(b, "body=%q\nkeys=%q\n", body, keys)
	if tag != nil {
		fmt.Fprintf(b, "tag=%q\n", *tag)
	}
	ks := make([]string, 0, len(props))
	for k := range props {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	for _, k := range ks {
		fmt.Fprintf(b, "prop %q=%q\n", k, props[k])
	}
	if group != nil {
		fmt.Fprintf(b, "group=%q\n", *group)
	}
	if at != nil {
		fmt.Fprintf(b, "deliver at %s\n", at.UTC().Format(time.RFC3339Nano))
	}
}

// TestPrepareSlabs: bodies cut from shared slabs are each their own, at
// capped capacity, whatever the sizes do from one Put to the next (the
// slabs are sized from the last Put and renewed when nearly full).
func TestPrepareSlabs(t *testing.T) {
	task := goldenTask(t, time.Now(), "message.body.form", "JSONPATH", "message.body.value", "$.data.b",
		"message.key.form", "JSONPATH", "message.key.value", "$.data.k")
	for round, sizes := range [][]int{{10, 10, 10}, {1, 5000, 3, 70000, 2, 2, 9000}, {100, 100, 100, 100}, {0, 64, 0}} {
		recs := make([]*connect.Record, len(sizes))
		for i, n := range sizes {
			recs[i] = connect.NewRecord("t", nil, map[string]any{"b": strings.Repeat(string(rune('a'+i)), n), "k": []any{"x", fmt.Sprint(i)}})
		}
		jobs := make([]job, len(recs))
		task.prepare(connect.EventContext{}, recs, jobs)
		for i, n := range sizes {
			j := &jobs[i]
			if n == 0 {
				if j.err == nil {
					t.Errorf("round %d record %d: an empty body was accepted", round, i)
				}
				continue
			}
			b, keys := j.pb.GetBody(), j.pb.GetSystemProperties().GetKeys()
			if j.err != nil || string(b) != strings.Repeat(string(rune('a'+i)), n) || cap(b) != len(b) ||
				len(keys) != 2 || keys[1] != fmt.Sprint(i) || cap(keys) != 2 {
				t.Fatalf("round %d record %d: err %v, body of %d bytes (cap %d), keys %q (cap %d)", round, i, j.err, len(b), cap(b), keys, cap(keys))
			}
		}
	}
}
