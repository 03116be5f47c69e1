package rocketmq

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/sink/rocketmq/rocketmqtest"
)

// sendOne opens a task with the extra keys, puts one record and returns the
// message the server stored, or the record's error.
func sendOne(t *testing.T, s *rocketmqtest.Server, tc connect.TaskContext, r *connect.Record, kv ...string) (rocketmqtest.Message, error) {
	t.Helper()
	task := openTask(t, props(s, kv...), tc)
	before := s.Len()
	err := task.Put(ectx, []*connect.Record{r})
	if err != nil {
		if s.Len() != before {
			t.Fatalf("a failed record was stored")
		}
		return rocketmqtest.Message{}, err
	}
	msgs := s.Messages()
	if len(msgs) != before+1 {
		t.Fatalf("%d messages stored, want one more than %d", len(msgs), before)
	}
	return msgs[len(msgs)-1], nil
}

func richRecord() *connect.Record {
	r := connect.NewRecord("orders", nil, map[string]any{
		"body":     "hello",
		"obj":      map[string]any{"b": int64(2), "a": "x"},
		"keys":     []any{"k1", "k2", int64(3)},
		"key":      "k",
		"tag":      "TagA",
		"group":    "agg-7",
		"due":      int64(1795000000000),
		"dueText":  "2026-11-22T02:00:00Z",
		"badDue":   "tomorrow",
		"empty":    "",
		"props":    map[string]any{"p1": "v1", "n": int64(5), "o": map[string]any{"z": true}},
		"notProps": "text",
	})
	r.Origin = connect.Origin{Topic: "dts", Partition: 2, Offset: 9}
	r.Headers = r.Headers.Add("h1", nil, "from header").Add("h2", nil, []byte("bytes")).Add("h3", nil, int32(42)).
		Add("none", nil, nil).Add("__connect.errors.stage", connect.StringSchema, "TASK_PUT")
	return r
}

func TestMappingForms(t *testing.T) {
	s := newServer(t, rocketmqtest.Config{})
	now := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	tc := connect.TaskContext{Now: func() time.Time { return now }}
	// Keep the shared producer open across the subtests: the client takes
	// a second to start, and the last task to close a producer stops it.
	openTask(t, props(s), connect.TaskContext{})
	type check func(t *testing.T, m rocketmqtest.Message)
	body := func(want string) check {
		return func(t *testing.T, m rocketmqtest.Message) {
			if string(m.Body) != want {
				t.Errorf("body = %s, want %s", m.Body, want)
			}
		}
	}
	tests := []struct {
		name  string
		kv    []string
		check check
		err   string // record error, permanent
	}{
		{"body ORIGINAL (default)", nil, func(t *testing.T, m rocketmqtest.Message) {
			if !strings.HasPrefix(string(m.Body), `{"data":{"badDue":"tomorrow",`) || !strings.Contains(string(m.Body), `"id":"dts-2-9"`) {
				t.Errorf("body = %s", m.Body)
			}
		}, ""},
		{"body JSONPATH string unquoted", []string{"message.body.form", "JSONPATH", "message.body.value", "$.data.body"}, body("hello"), ""},
		{"body JSONPATH object compact", []string{"message.body.form", "JSONPATH", "message.body.value", "$.data.obj"}, body(`{"a":"x","b":2}`), ""},
		{"body JSONPATH number", []string{"message.body.form", "JSONPATH", "message.body.value", "$.data.due"}, body("1795000000000"), ""},
		{"body JSONPATH not found", []string{"message.body.form", "JSONPATH", "message.body.value", "$.data.nope"}, nil, "message.body: JSONPath $.data.nope found nothing in the event"},
		{"body JSONPATH empty", []string{"message.body.form", "JSONPATH", "message.body.value", "$.data.empty"}, nil, "empty body"},
		{"body CONSTANT", []string{"message.body.form", "CONSTANT", "message.body.value", "fixed"}, body("fixed"), ""},
		{"body TEMPLATE", []string{"message.body.form", "TEMPLATE", "message.body.value", `{"b":"$.data.body","o":"$.data.obj","m":"$.data.nope"}`,
			"message.body.template", `{"text":"${b}","obj":${o},"missing":"${m}","dflt":"${m:-none}","lit":"$${b}"}`},
			body(`{"text":"hello","obj":{"a":"x","b":2},"missing":"","dflt":"none","lit":"${b}"}`), ""},

		{"key NONE", nil, func(t *testing.T, m rocketmqtest.Message) {
			if len(m.Keys) != 0 || m.Tag != "" || len(m.Properties) != 0 || m.Group != "" || m.Type != v2.MessageType_NORMAL {
				t.Errorf("message = %+v", m)
			}
		}, ""},
		{"key JSONPATH", []string{"message.key.form", "JSONPATH", "message.key.value", "$.data.key"}, func(t *testing.T, m rocketmqtest.Message) {
			if !slices.Equal(m.Keys, []string{"k"}) {
				t.Errorf("keys = %v", m.Keys)
			}
		}, ""},
		{"key JSONPATH array → several keys", []string{"message.key.form", "JSONPATH", "message.key.value", "$.data.keys"}, func(t *testing.T, m rocketmqtest.Message) {
			if !slices.Equal(m.Keys, []string{"k1", "k2", "3"}) {
				t.Errorf("keys = %v", m.Keys)
			}
		}, ""},
		{"key JSONPATH not found → no key", []string{"message.key.form", "JSONPATH", "message.key.value", "$.data.nope"}, func(t *testing.T, m rocketmqtest.Message) {
			if len(m.Keys) != 0 {
				t.Errorf("keys = %v", m.Keys)
			}
		}, ""},
		{"key CONSTANT", []string{"message.key.form", "CONSTANT", "message.key.value", "fixed-key"}, func(t *testing.T, m rocketmqtest.Message) {
			if !slices.Equal(m.Keys, []string{"fixed-key"}) {
				t.Errorf("keys = %v", m.Keys)
			}
		}, ""},
		{"key TEMPLATE", []string{"message.key.form", "TEMPLATE", "message.key.value", `{"g":"$.data.group","t":"$.data.tag"}`, "message.key.template", "${g}/${t}"}, func(t *testing.T, m rocketmqtest.Message) {
			if !slices.Equal(m.Keys, []string{"agg-7/TagA"}) {
				t.Errorf("keys = %v", m.Keys)
			}
		}, ""},

		{"tag JSONPATH", []string{"message.tag.form", "JSONPATH", "message.tag.value", "$.data.tag"}, func(t *testing.T, m rocketmqtest.Message) {
			if m.Tag != "TagA" {
				t.Errorf("tag = %q", m.Tag)
			}
		}, ""},
		{"tag not found → none", []string{"message.tag.form", "JSONPATH", "message.tag.value", "$.data.nope"}, func(t *testing.T, m rocketmqtest.Message) {
			if m.Tag != "" {
				t.Errorf("tag = %q", m.Tag)
			}
		}, ""},
		{"tag CONSTANT", []string{"message.tag.form", "CONSTANT", "message.tag.value", "T"}, func(t *testing.T, m rocketmqtest.Message) {
			if m.Tag != "T" {
				t.Errorf("tag = %q", m.Tag)
			}
		}, ""},
		{"tag TEMPLATE", []string{"message.tag.form", "TEMPLATE", "message.tag.value", `{"t":"$.data.tag"}`, "message.tag.template", "x-${t}"}, func(t *testing.T, m rocketmqtest.Message) {
			if m.Tag != "x-TagA" {
				t.Errorf("tag = %q", m.Tag)
			}
		}, ""},

		{"properties JSONPATH", []string{"message.properties.form", "JSONPATH", "message.properties.value", "$.data.props"}, func(t *testing.T, m rocketmqtest.Message) {
			if !maps.Equal(m.Properties, map[string]string{"p1": "v1", "n": "5", "o": `{"z":true}`}) {
				t.Errorf("properties = %v", m.Properties)
			}
		}, ""},
		{"properties JSONPATH not object", []string{"message.properties.form", "JSONPATH", "message.properties.value", "$.data.notProps"}, nil, "selected a string, want a JSON object"},
		{"properties CONSTANT", []string{"message.properties.form", "CONSTANT", "message.properties.value", `{"env":"prod"}`}, func(t *testing.T, m rocketmqtest.Message) {
			if !maps.Equal(m.Properties, map[string]string{"env": "prod"}) {
				t.Errorf("properties = %v", m.Properties)
			}
		}, ""},
		{"properties TEMPLATE", []string{"message.properties.form", "TEMPLATE", "message.properties.value", `{"t":"$.data.tag","k":"$.data.key"}`,
			"message.properties.template", `{"tag":"${t}","key":"${k}","none":"${nope}"}`}, func(t *testing.T, m rocketmqtest.Message) {
			if !maps.Equal(m.Properties, map[string]string{"tag": "TagA", "key": "k", "none": ""}) {
				t.Errorf("properties = %v", m.Properties)
			}
		}, ""},
		{"properties TEMPLATE rendering invalid JSON", []string{"message.properties.form", "TEMPLATE", "message.properties.value", `{"t":"$.data.tag"}`,
			"message.properties.template", `{"tag":${t}}`}, nil, "not valid JSON"},

		{"group → FIFO", []string{"message.group.form", "JSONPATH", "message.group.value", "$.data.group"}, func(t *testing.T, m rocketmqtest.Message) {
			if m.Group != "agg-7" || m.Type != v2.MessageType_FIFO {
				t.Errorf("group %q type %v", m.Group, m.Type)
			}
		}, ""},
		{"group not found", []string{"message.group.form", "JSONPATH", "message.group.value", "$.data.nope"}, nil, "a FIFO message needs a group"},
		{"delay", []string{keyDelay, "60000"}, func(t *testing.T, m rocketmqtest.Message) {
			if m.Type != v2.MessageType_DELAY || !m.DeliveryTimestamp.Equal(now.Add(time.Minute)) {
				t.Errorf("type %v delivery %v", m.Type, m.DeliveryTimestamp)
			}
		}, ""},
		{"delivery timestamp epoch ms", []string{"message.delivery.timestamp.form", "JSONPATH", "message.delivery.timestamp.value", "$.data.due"}, func(t *testing.T, m rocketmqtest.Message) {
			if m.Type != v2.MessageType_DELAY || m.DeliveryTimestamp.UnixMilli() != 1795000000000 {
				t.Errorf("type %v delivery %v", m.Type, m.DeliveryTimestamp)
			}
		}, ""},
		{"delivery timestamp RFC 3339", []string{"message.delivery.timestamp.form", "JSONPATH", "message.delivery.timestamp.value", "$.data.dueText"}, func(t *testing.T, m rocketmqtest.Message) {
			if !m.DeliveryTimestamp.Equal(time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)) {
				t.Errorf("delivery %v", m.DeliveryTimestamp)
			}
		}, ""},
		{"delivery timestamp not found → at once", []string{"message.delivery.timestamp.form", "JSONPATH", "message.delivery.timestamp.value", "$.data.nope"}, func(t *testing.T, m rocketmqtest.Message) {
			if m.Type != v2.MessageType_NORMAL || !m.DeliveryTimestamp.IsZero() {
				t.Errorf("type %v delivery %v", m.Type, m.DeliveryTimestamp)
			}
		}, ""},
		{"delivery timestamp invalid", []string{"message.delivery.timestamp.form", "JSONPATH", "message.delivery.timestamp.value", "$.data.badDue"}, nil, "neither epoch milliseconds nor RFC 3339"},
		{"headers as properties", []string{keyHeaders, "true", "message.properties.form", "CONSTANT", "message.properties.value", `{"h1":"from properties"}`}, func(t *testing.T, m rocketmqtest.Message) {
			if !maps.Equal(m.Properties, map[string]string{"h1": "from properties", "h2": "bytes", "h3": "42", "__connect.errors.stage": "TASK_PUT"}) {
				t.Errorf("properties = %v", m.Properties)
			}
		}, ""},
		{"namespace", []string{keyNamespace, "MQ_INST_1"}, func(t *testing.T, m rocketmqtest.Message) {
			if m.Namespace != "MQ_INST_1" {
				t.Errorf("namespace %q", m.Namespace)
			}
		}, ""},
	}
	for _, tc2 := range tests {
		t.Run(tc2.name, func(t *testing.T) {
			m, err := sendOne(t, s, tc, richRecord(), tc2.kv...)
			if tc2.err != "" {
				var re connect.RecordErrors
				if !errors.As(err, &re) || len(re) != 1 || !connect.IsPermanent(re[0]) || !strings.Contains(err.Error(), tc2.err) {
					t.Fatalf("err = %v, want a permanent record error with %q", err, tc2.err)
				}
				if !strings.Contains(err.Error(), `topic "dts" partition 2 offset 9`) {
					t.Errorf("error does not name the record: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc2.check(t, m)
		})
	}
}
