package rocketmq

import (
	"context"
	"strings"
	"testing"

	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/sink/rocketmq/rocketmqtest"
)

var ectx = connect.WithEventContext(context.Background(), connect.EventContext{Pipeline: "inflow", Connector: "dts"})

func newServer(t *testing.T, cfg rocketmqtest.Config) *rocketmqtest.Server {
	t.Helper()
	s, err := rocketmqtest.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// props returns a plaintext sink config for the server plus extra keys.
func props(s *rocketmqtest.Server, kv ...string) map[string]string {
	p := map[string]string{keyEndpoint: s.Addr(), keyTopic: "orders", keyTLS: "false", keyStartTimeout: "5000"}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return p
}

func openTask(t *testing.T, p map[string]string, tc connect.TaskContext) *Task {
	t.Helper()
	cfg, err := ConfigDef().Parse(p)
	if err != nil {
		t.Fatal(err)
	}
	task, err := open(context.Background(), cfg, tc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = task.Close() })
	return task
}

// event is shaped like the RocketMQ-sourced event in Alibaba's message
// inflow example.
func event(i int, body string) *connect.Record {
	r := connect.NewRecord("orders", nil, map[string]any{
		"body":  body,
		"msgId": "msg-" + string(rune('a'+i)),
		"userProperties": map[string]any{
			"region": "cn-hangzhou",
		},
		"systemProperties": map[string]any{
			"KEYS": "order-" + string(rune('a'+i)), "TAGS": "TagA",
		},
		"aggregateId": "agg-" + string(rune('a'+i%2)),
		"seq":         int64(i),
	})
	r.Origin = connect.Origin{Topic: "dts", Partition: 0, Offset: int64(i)}
	return r
}

func TestAlibabaExample(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{Topics: []string{"orders"}})
	task := openTask(t, props(s,
		"message.body.form", "JSONPATH", "message.body.value", "$.data.body",
		"message.key.form", "JSONPATH", "message.key.value", "$.data.systemProperties.KEYS",
		"message.tag.form", "JSONPATH", "message.tag.value", "$.data.systemProperties.TAGS",
		"message.properties.form", "TEMPLATE",
		"message.properties.value", `{"userProperties":"$.data.userProperties","msgId":"$.data.msgId"}`,
		"message.properties.template", `{"EB_SYS_EMBED_OBJECT":"${userProperties}","UNIQ_KEY":"${msgId}"}`,
	), connect.TaskContext{})
	if err := task.Put(ectx, []*connect.Record{event(0, "hello"), event(1, `{"x":1}`)}); err != nil {
		t.Fatal(err)
	}
	if err := task.Flush(ectx); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	byBody := map[string]rocketmqtest.Message{}
	for _, m := range msgs {
		byBody[string(m.Body)] = m
	}
	m := byBody["hello"]
	if m.Topic != "orders" || m.Tag != "TagA" || len(m.Keys) != 1 || m.Keys[0] != "order-a" || m.Type != v2.MessageType_NORMAL {
		t.Fatalf("message = %+v", m)
	}
	if m.Properties["UNIQ_KEY"] != "msg-a" || m.Properties["region"] != "cn-hangzhou" || len(m.Properties) != 2 {
		t.Fatalf("properties = %v", m.Properties)
	}
	if _, ok := byBody[`{"x":1}`]; !ok {
		t.Fatalf("bodies = %v", byBody)
	}
}

func TestStartFailures(t *testing.T) {
	// unknown topic: the route query fails at once
	s := newServer(t, rocketmqtest.Config{Topics: []string{"other"}})
	cfg, _ := ConfigDef().Parse(props(s))
	_, err := open(context.Background(), cfg, connect.TaskContext{})
	if err == nil || !strings.Contains(err.Error(), s.Addr()) || !strings.Contains(err.Error(), "TOPIC_NOT_FOUND") {
		t.Fatalf("unknown topic: %v", err)
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		p    map[string]string
		want string
	}{
		{map[string]string{}, "rocketmq.endpoint"},
		{map[string]string{keyEndpoint: "h:1", keyTopic: "t", keyVersion: "4.x"}, "RocketMQ 4.x is not supported yet"},
		{map[string]string{keyEndpoint: "h:1", keyTopic: "t", keyVersion: "6"}, "must be 5.x"},
		{map[string]string{keyEndpoint: "h:1", keyTopic: "t", "message.body.form": "NONE"}, "message.body.form"},
		{map[string]string{keyEndpoint: "h:1", keyTopic: "t", "message.key.form": "ORIGINAL"}, "message.key.form"},
		{map[string]string{keyEndpoint: "h:1", keyTopic: "t", "message.body.form": "JSONPATH", "message.body.value": "$..x"}, "message.body.value"},
		{map[string]string{keyEndpoint: "h:1", keyTopic: "t", "message.properties.form": "CONSTANT", "message.properties.value": "x"}, "must be a JSON object"},
		{map[string]string{keyEndpoint: "h:1", keyTopic: "t", keyDelay: "10", "message.group.form": "CONSTANT", "message.group.value": "g"}, "either FIFO"},
		{map[string]string{keyEndpoint: "h:1", keyTopic: "t", keyDelay: "10", "message.delivery.timestamp.form": "CONSTANT", "message.delivery.timestamp.value": "1"}, "not both"},
		{map[string]string{keyEndpoint: "h:1", keyTopic: "t", "message.tga.form": "CONSTANT"}, `did you mean "message.tag.form"`},
		{map[string]string{keyEndpoint: "http://h:8080", keyTopic: "t"}, "without a scheme"},
		{map[string]string{keyEndpoint: "h:1", keyTopic: "t", "message.properties.form": "TEMPLATE", "message.properties.value": `{"u":"$.u"}`,
			"message.properties.template": `{"EB_SYS_EMBED_OBJECT":"${u}"`}, "message.properties.template"},
		{map[string]string{keyEndpoint: "h", keyTopic: "t"}, "want host:port"},
		{map[string]string{keyEndpoint: "h:1;h2:x", keyTopic: "t"}, "port must be a number"},
		{map[string]string{keyEndpoint: "h:1", keyTopic: "t", keyAccessKey: "ak", keySecretKey: "sk", keyToken: "sts-token"}, keyToken + ": is not supported"},
		{map[string]string{keyEndpoint: "h:1", keyTopic: "t", keyAccessKey: "ak"}, keySecretKey + ": is required when " + keyAccessKey},
		{map[string]string{keyEndpoint: "h:1", keyTopic: "t", keySecretKey: "sk"}, keyAccessKey + ": is required when " + keySecretKey},
	}
	for _, tc := range tests {
		_, err := ConfigDef().Parse(tc.p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v; want %q", tc.p, err, tc.want)
		}
	}
	_, err := ConfigDef().Parse(map[string]string{keyEndpoint: "h:1", keyTopic: "t", keyToken: "sts-s3cret"})
	if err == nil || strings.Contains(err.Error(), "sts-s3cret") {
		t.Fatalf("a rejected token must not be echoed: %v", err)
	}
	cfg, err := ConfigDef().Parse(map[string]string{keyEndpoint: "h:1", keyTopic: "t", keyAccessKey: "ak", keySecretKey: "s3cret"})
	if err != nil || strings.Contains(cfg.Password(keySecretKey).String(), "s3cret") {
		t.Fatal(err)
	}
}
