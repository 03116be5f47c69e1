package rocketmq

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"
	"google.golang.org/protobuf/proto"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/sink/rocketmq/rocketmqtest"
)

// propsMapping: properties from $.data.props, headers copied too (so keys
// can clash, and message.properties must win).
var propsMapping = []string{"message.body.form", "CONSTANT", "message.body.value", "b",
	"message.properties.form", "JSONPATH", "message.properties.value", "$.data.props", "message.headers.as.properties", "true"}

func propsRecord(props map[string]any, headers ...connect.Header) *connect.Record {
	r := connect.NewRecord("t", nil, map[string]any{"props": props})
	r.Headers = headers
	return r
}

func header(k string, v any) connect.Header { return connect.Header{Key: k, Value: v} }

// TestUserPropertiesWire: the batched path's properties, which travel as
// encoded unknown fields, decode (proto.Marshal of the message, Unmarshal
// into a new v2.Message) to exactly the map the mapping produced: empty
// keys and values, special characters, JSON values, duplicate keys (the
// last added wins, message.properties over headers), more properties than
// an insertion sort handles. The bytes are those of protobuf-go's own
// deterministic marshal of that map, and the official path (batch size 1)
// builds the same properties.
func TestUserPropertiesWire(t *testing.T) {
	many := map[string]any{}
	var manyHeaders []connect.Header
	wantMany := map[string]string{}
	for i := 45; i >= 0; i-- { // added in reverse order
		k := fmt.Sprintf("k%02d", i)
		many[k], wantMany[k] = fmt.Sprint("v", i), fmt.Sprint("v", i)
		manyHeaders = append(manyHeaders, header(k, "header"), header(fmt.Sprintf("h%02d", i), "first"), header(fmt.Sprintf("h%02d", i), fmt.Sprint("h", i)))
		wantMany[fmt.Sprintf("h%02d", i)] = fmt.Sprint("h", i)
	}
	for _, tc := range []struct {
		name string
		rec  *connect.Record
		want map[string]string
	}{
		{"special", propsRecord(map[string]any{
			"": "empty key", "empty": "", "quote": "a\"b\\c\n\t", "nul": "x\x00y", "utf8": "é€😀", "😀": "emoji key",
			"num": 1.5, "int": int64(-7), "bool": true, "null": nil, "obj": map[string]any{"a": []any{int64(1), nil}}, "clash": "from props",
		}, header("clash", "from header"), header("dup", "first"), header("dup", "second"), header("h-bytes", []byte("raw")), header("h-nil", nil)),
			map[string]string{"": "empty key", "empty": "", "quote": "a\"b\\c\n\t", "nul": "x\x00y", "utf8": "é€😀", "😀": "emoji key",
				"num": "1.5", "int": "-7", "bool": "true", "null": "null", "obj": `{"a":[1,null]}`, "clash": "from props",
				"dup": "second", "h-bytes": "raw"}},
		{"only empty", propsRecord(map[string]any{"": ""}), map[string]string{"": ""}},
		{"many", propsRecord(many, manyHeaders...), wantMany},
		{"long", propsRecord(map[string]any{strings.Repeat("k", 300): strings.Repeat("v", 70000)}),
			map[string]string{strings.Repeat("k", 300): strings.Repeat("v", 70000)}},
		{"none", propsRecord(nil), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			batched := goldenTask(t, time.Now(), propsMapping...)
			official := goldenTask(t, time.Now(), append([]string{keyBatchSize, "1"}, propsMapping...)...)
			// two records per Put, so the second's properties follow the
			// first's in the slab
			recs := []*connect.Record{tc.rec, tc.rec}
			jobs := make([]job, len(recs))
			batched.prepare(connect.EventContext{}, recs, jobs)
			ojobs := make([]job, len(recs))
			official.prepare(connect.EventContext{}, recs, ojobs)
			for i := range jobs {
				pb := jobs[i].pb
				if jobs[i].err != nil || pb == nil || ojobs[i].err != nil || ojobs[i].msg == nil {
					t.Fatalf("record %d: %v / %v", i, jobs[i].err, ojobs[i].err)
				}
				if pb.UserProperties != nil {
					t.Errorf("record %d: a UserProperties map was built: %v", i, pb.UserProperties)
				}
				got, err := sentProperties(pb)
				if err != nil || !maps.Equal(got, tc.want) {
					t.Errorf("record %d: decoded %q (%v), want %q", i, got, err, tc.want)
				}
				if o := ojobs[i].msg.GetProperties(); !maps.Equal(o, tc.want) {
					t.Errorf("record %d: the official path has %q, want %q", i, o, tc.want)
				}
				own, err := proto.MarshalOptions{Deterministic: true}.Marshal(&v2.Message{UserProperties: tc.want})
				if raw := pb.ProtoReflect().GetUnknown(); err != nil || string(raw) != string(own) {
					t.Errorf("record %d: encoded\n%x\nprotobuf-go encodes the map as\n%x (%v)", i, raw, own, err)
				}
				if req := proto.Size(&v2.SendMessageRequest{Messages: []*v2.Message{pb}}); jobs[i].size < req {
					t.Errorf("record %d: size estimate %d below the request's %d bytes", i, jobs[i].size, req)
				}
			}
		})
	}
}

// TestUserPropertiesInvalidUTF8: a property protobuf cannot carry (key or
// value not valid UTF-8) fails its own record, permanently, naming the
// key and the property; the other records of the Put are sent. Through
// the map, protobuf refuses to marshal it, which failed every message of
// the request, retriably.
func TestUserPropertiesInvalidUTF8(t *testing.T) {
	if _, err := proto.Marshal(&v2.Message{UserProperties: map[string]string{"k": "\xff"}}); err == nil {
		t.Fatal("protobuf marshalled an invalid UTF-8 map value; the check in addProperty may be unneeded")
	}
	recs := []*connect.Record{
		propsRecord(map[string]any{"ok": "fine"}, header("h", "fine")),
		propsRecord(nil, header("bin", []byte{0xff, 'x'})),
		propsRecord(map[string]any{"v": "a\xffb"}),
		propsRecord(map[string]any{"k\xfe": "v"}),
		propsRecord(map[string]any{"ok": "fine too"}),
	}
	for i, r := range recs {
		r.Origin.Offset = int64(i)
	}
	// A binary header is not refused: it becomes Base64 text
	// (TestBinaryHeaderAsBase64).
	wantErr := []string{"", "",
		`message.properties: the value of property "v" is not valid UTF-8`, `message.properties: the key of property "k\xfe" is not valid UTF-8`, ""}
	check := func(t *testing.T, i int, err error) {
		t.Helper()
		if wantErr[i] == "" {
			if err != nil {
				t.Errorf("record %d: %v", i, err)
			}
			return
		}
		if err == nil || !connect.IsPermanent(err) || !strings.Contains(err.Error(), wantErr[i]) || !errors.Is(err, errInvalidUTF8) {
			t.Errorf("record %d: error %v, want a permanent one containing %q", i, err, wantErr[i])
		}
	}
	for _, batch := range []string{"100", "1"} {
		t.Run("prepare batch="+batch, func(t *testing.T) {
			task := goldenTask(t, time.Now(), append([]string{keyBatchSize, batch}, propsMapping...)...)
			jobs := make([]job, len(recs))
			task.prepare(connect.EventContext{}, recs, jobs)
			for i := range jobs {
				check(t, i, jobs[i].err)
			}
		})
	}
	t.Run("put", func(t *testing.T) {
		s := newServer(t, rocketmqtest.Config{})
		task := openTask(t, props(s, propsMapping...), connect.TaskContext{})
		err := task.Put(ectx, recs)
		var re connect.RecordErrors
		if !errors.As(err, &re) || len(re) != 2 {
			t.Fatalf("Put: %v, want 2 record errors", err)
		}
		for _, e := range re {
			i := int(e.Record.Origin.Offset)
			check(t, i, e.Err)
		}
		if n := s.Len(); n != 3 {
			t.Errorf("%d messages stored, want the 3 valid ones", n)
		}
	})
}

// FuzzUserProperties: whatever keys and values, the batched path's encoded
// properties decode to the map the same additions give (last wins), in
// protobuf-go's own bytes, or the record fails because a key or value is
// not valid UTF-8 (which protobuf-go then also refuses to marshal).
func FuzzUserProperties(f *testing.F) {
	f.Add("a", "1", "", "", "a", "2")
	f.Add("k", "\xff", "ä", "€", "\x00", "\n")
	f.Add("z", "v", "y", "", "x", strings.Repeat("long", 40))
	b := &batcher{host: "fuzz"}
	topic := b.resource("t")
	f.Fuzz(func(t *testing.T, k1, val1, k2, val2, k3, val3 string) {
		var d draft
		want := map[string]string{}
		var invalid bool
		for _, p := range []prop{{k1, val1}, {k2, val2}, {k3, val3}} {
			if err := d.addProperty(p.k, p.v); err != nil {
				if !errors.Is(err, errInvalidUTF8) {
					t.Fatal(err)
				}
				invalid = true
				if _, err := proto.Marshal(&v2.Message{UserProperties: map[string]string{p.k: p.v}}); err == nil {
					t.Fatalf("protobuf takes %q=%q, which addProperty refused", p.k, p.v)
				}
				continue
			}
			want[p.k] = p.v
		}
		if invalid {
			return // the record fails; nothing is encoded
		}
		d.body = []byte("b")
		var w wire
		if err := b.protoMessage(&d, topic, nil, &w, &slabs{}); err != nil {
			t.Fatal(err)
		}
		got, err := sentProperties(&w.msg)
		if err != nil || !maps.Equal(got, want) {
			t.Fatalf("decoded %q (%v), want %q", got, err, want)
		}
		own, err := proto.MarshalOptions{Deterministic: true}.Marshal(&v2.Message{UserProperties: want})
		if raw := w.msg.ProtoReflect().GetUnknown(); err != nil || string(raw) != string(own) {
			t.Fatalf("encoded %x, protobuf-go encodes %x (%v)", raw, own, err)
		}
		if est, req := wireSize(&w.msg), proto.Size(&v2.SendMessageRequest{Messages: []*v2.Message{&w.msg}}); est < req {
			t.Fatalf("size estimate %d below the request's %d bytes", est, req)
		}
	})
}

// TestSystemPropertiesInvalidUTF8: a message key, tag or group that is not
// valid UTF-8 fails its own record, permanently, naming the config key, as
// a property does; protobuf would refuse to marshal the whole request.
func TestSystemPropertiesInvalidUTF8(t *testing.T) {
	if _, err := proto.Marshal(&v2.SystemProperties{Tag: new("\xff")}); err == nil {
		t.Fatal("protobuf marshalled an invalid UTF-8 tag; the check may be unneeded")
	}
	for _, tc := range []struct{ key, want string }{
		{"message.key", `message.key: message key "a\xffb"`},
		{"message.tag", `message.tag: tag "a\xffb"`},
		{"message.group", `message.group: message group "a\xffb"`},
	} {
		t.Run(tc.key, func(t *testing.T) {
			for _, batch := range []string{"100", "1"} {
				task := goldenTask(t, time.Now(), keyBatchSize, batch, "message.body.form", "CONSTANT", "message.body.value", "b",
					tc.key+".form", "JSONPATH", tc.key+".value", "$.data.v")
				recs := []*connect.Record{connect.NewRecord("t", nil, map[string]any{"v": "fine"}),
					connect.NewRecord("t", nil, map[string]any{"v": "a\xffb"})}
				jobs := make([]job, len(recs))
				task.prepare(connect.EventContext{}, recs, jobs)
				if jobs[0].err != nil {
					t.Errorf("batch %s: valid record: %v", batch, jobs[0].err)
				}
				if err := jobs[1].err; err == nil || !connect.IsPermanent(err) || !errors.Is(err, errInvalidUTF8) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("batch %s: error %v, want a permanent one containing %q", batch, err, tc.want)
				}
			}
		})
	}
}

// TestBinaryHeaderAsBase64: with message.headers.as.properties, a header
// whose bytes are not UTF-8 arrives as their Base64 text, one that is
// UTF-8 as its text, on both paths.
func TestBinaryHeaderAsBase64(t *testing.T) {
	for _, batch := range []string{"100", "1"} {
		s := newServer(t, rocketmqtest.Config{})
		task := openTask(t, props(s, append([]string{keyBatchSize, batch}, propsMapping...)...), connect.TaskContext{})
		r := propsRecord(nil, header("bin", []byte{0xff, 'x'}), header("txt", []byte("héllo")))
		if err := task.Put(ectx, []*connect.Record{r}); err != nil {
			t.Fatalf("batch %s: %v", batch, err)
		}
		msgs := s.Messages()
		if len(msgs) != 1 || msgs[0].Properties["bin"] != "/3g=" || msgs[0].Properties["txt"] != "héllo" {
			t.Fatalf("batch %s: properties %v, want bin=/3g= (Base64) and txt=héllo", batch, msgs[0].Properties)
		}
	}
}
