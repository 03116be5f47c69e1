// Package outboxfile is Debezium's documented outbox example as an inlet
// pipeline: a records file holding the raw change event of an
// inventory.outboxevent insert, the outbox EventRouter, a records file out.
package outboxfile

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/magiconair/properties"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/builtin"
)

// pipelines maps each pipeline file to the records it must produce.
var pipelines = map[string]string{
	"outbox.properties":            "expected/outbox.jsonl",
	"outbox-header.properties":     "expected/outbox-header.jsonl",
	"outbox-envelope.properties":   "expected/outbox-envelope.jsonl",
	"outbox-schemaless.properties": "expected/outbox-schemaless.jsonl",
}

// record is one format=records line (kcat -J style, as the file sink
// writes it), with key and payload as the bytes they stand for: a JSON
// string is its text, any other JSON value its exact JSON text.
type record struct {
	Topic     string
	Partition int32
	Offset    int64
	Ts        int64
	Headers   []string
	Key       []byte
	Payload   []byte
}

func readRecords(t *testing.T, path string) []record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l struct {
			Topic     string          `json:"topic"`
			Partition int32           `json:"partition"`
			Offset    int64           `json:"offset"`
			Ts        int64           `json:"ts"`
			Headers   []string        `json:"headers"`
			Key       json.RawMessage `json:"key"`
			Payload   json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, record{Topic: l.Topic, Partition: l.Partition, Offset: l.Offset, Ts: l.Ts, Headers: l.Headers,
			Key: rawBytes(t, l.Key), Payload: rawBytes(t, l.Payload)})
	}
	return out
}

func rawBytes(t *testing.T, raw json.RawMessage) []byte {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		return []byte(s)
	}
	return raw
}

// chain is the part of a pipeline file the direct test runs: converters
// and transforms, built from the registry exactly as the file names them.
type chain struct {
	key, value connect.Converter
	header     connect.HeaderConverter
	transforms []connect.Transformation
}

func loadChain(t *testing.T, reg *connect.Registry, file string) chain {
	t.Helper()
	p, err := properties.LoadFile(file, properties.UTF8)
	if err != nil {
		t.Fatal(err)
	}
	m := p.Map()
	prefixed := func(prefix string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			if rest, ok := strings.CutPrefix(k, prefix); ok {
				out[rest] = v
			}
		}
		return out
	}
	var c chain
	conv := func(key string, isKey bool) connect.Converter {
		pl, err := reg.Lookup(connect.KindConverter, m[key])
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := pl.Config.Parse(prefixed(key + "."))
		if err != nil {
			t.Fatal(err)
		}
		cv, err := pl.NewConverter(cfg, isKey)
		if err != nil {
			t.Fatal(err)
		}
		return cv
	}
	c.key, c.value = conv("key.converter", true), conv("value.converter", false)
	hp, err := reg.Lookup(connect.KindHeaderConverter, m["header.converter"])
	if err != nil {
		t.Fatal(err)
	}
	hcfg, err := hp.Config.Parse(prefixed("header.converter."))
	if err != nil {
		t.Fatal(err)
	}
	if c.header, err = hp.NewHeaderConverter(hcfg); err != nil {
		t.Fatal(err)
	}
	for _, alias := range connect.SplitList(m["transforms"]) {
		props := prefixed("transforms." + alias + ".")
		tp, err := reg.Lookup(connect.KindTransform, props["type"])
		if err != nil {
			t.Fatal(err)
		}
		delete(props, "type")
		cfg, err := tp.Config.Parse(props)
		if err != nil {
			t.Fatalf("%s: transforms.%s: %v", file, alias, err)
		}
		tr, err := tp.NewTransform(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.transforms = append(c.transforms, tr)
	}
	return c
}

func (c chain) run(t *testing.T, in record) []record {
	t.Helper()
	ks, kv, err := c.key.ToConnect(in.Topic, nil, in.Key)
	if err != nil {
		t.Fatalf("key: %v", err)
	}
	vs, vv, err := c.value.ToConnect(in.Topic, nil, in.Payload)
	if err != nil {
		t.Fatalf("value: %v", err)
	}
	rec := &connect.Record{Topic: in.Topic, Partition: in.Partition, KeySchema: ks, Key: kv, ValueSchema: vs, Value: vv,
		Timestamp: time.UnixMilli(in.Ts), Origin: connect.Origin{Topic: in.Topic, Partition: in.Partition, Offset: in.Offset}}
	for i := 0; i+1 < len(in.Headers); i += 2 {
		hs, hv, err := c.header.ToHeader(in.Topic, in.Headers[i], []byte(in.Headers[i+1]))
		if err != nil {
			t.Fatal(err)
		}
		rec.Headers = rec.Headers.Add(in.Headers[i], hs, hv)
	}
	for _, tr := range c.transforms {
		if rec, err = tr.Apply(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
		if rec == nil {
			return nil
		}
	}
	out := record{Topic: rec.Topic, Partition: rec.Partition, Ts: rec.Timestamp.UnixMilli()}
	if rec.Origin.IsSet() && rec.Origin.Topic == rec.Topic {
		out.Offset = rec.Origin.Offset // the file sink writes the offset only then
	}
	if out.Key, err = c.key.FromConnect(rec.Topic, rec.Headers, rec.KeySchema, rec.Key); err != nil {
		t.Fatal(err)
	}
	if out.Payload, err = c.value.FromConnect(rec.Topic, rec.Headers, rec.ValueSchema, rec.Value); err != nil {
		t.Fatal(err)
	}
	for _, h := range rec.Headers {
		b, err := c.header.FromHeader(rec.Topic, h.Key, h.Schema, h.Value)
		if err != nil {
			t.Fatal(err)
		}
		out.Headers = append(out.Headers, h.Key, string(b))
	}
	return []record{out}
}

// same compares two records field by field, key and payload byte for byte.
func same(t *testing.T, got, want record) {
	t.Helper()
	if got.Topic != want.Topic || got.Partition != want.Partition || got.Offset != want.Offset || got.Ts != want.Ts || !reflect.DeepEqual(got.Headers, want.Headers) {
		t.Errorf("topic/partition/offset/ts/headers\n  got  %s %d %d %d %q\n  want %s %d %d %d %q",
			got.Topic, got.Partition, got.Offset, got.Ts, got.Headers, want.Topic, want.Partition, want.Offset, want.Ts, want.Headers)
	}
	if string(got.Key) != string(want.Key) {
		t.Errorf("key\n  got  %s\n  want %s", got.Key, want.Key)
	}
	if string(got.Payload) != string(want.Payload) {
		t.Errorf("payload\n  got  %s\n  want %s", got.Payload, want.Payload)
	}
}

// TestDocumentedExampleChain runs each pipeline file's converters and
// transform chain on the input records and compares the records with the
// documented ones.
func TestDocumentedExampleChain(t *testing.T) {
	reg := builtin.NewRegistry()
	for file, expected := range pipelines {
		t.Run(file, func(t *testing.T) {
			p, err := properties.LoadFile(file, properties.UTF8)
			if err != nil {
				t.Fatal(err)
			}
			c := loadChain(t, reg, file)
			var got []record
			for _, in := range readRecords(t, p.MustGetString("file")) {
				got = append(got, c.run(t, in)...)
			}
			want := readRecords(t, expected)
			if len(got) != len(want) {
				t.Fatalf("%d records, want %d", len(got), len(want))
			}
			for i := range want {
				same(t, got[i], want[i])
			}
		})
	}
}
