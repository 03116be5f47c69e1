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

// line is one format=records line, as kcat -J writes it.
type line struct {
	Topic     string   `json:"topic"`
	Partition int32    `json:"partition"`
	Offset    int64    `json:"offset"`
	TsType    string   `json:"tstype,omitempty"`
	Ts        int64    `json:"ts"`
	Headers   []string `json:"headers"`
	Key       *string  `json:"key"`
	Payload   *string  `json:"payload"`
}

func readLines(t *testing.T, path string) []line {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []line
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, l)
	}
	return out
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

func bytesOf(s *string) []byte {
	if s == nil {
		return nil
	}
	return []byte(*s)
}

func (c chain) run(t *testing.T, in line) []line {
	t.Helper()
	ks, kv, err := c.key.ToConnect(in.Topic, nil, bytesOf(in.Key))
	if err != nil {
		t.Fatalf("key: %v", err)
	}
	vs, vv, err := c.value.ToConnect(in.Topic, nil, bytesOf(in.Payload))
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
	out := line{Topic: rec.Topic, Partition: rec.Partition, Offset: in.Offset, TsType: "create", Ts: rec.Timestamp.UnixMilli(), Headers: []string{}}
	kb, err := c.key.FromConnect(rec.Topic, rec.Headers, rec.KeySchema, rec.Key)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := c.value.FromConnect(rec.Topic, rec.Headers, rec.ValueSchema, rec.Value)
	if err != nil {
		t.Fatal(err)
	}
	k, v := string(kb), string(vb)
	out.Key, out.Payload = &k, &v
	for _, h := range rec.Headers {
		b, err := c.header.FromHeader(rec.Topic, h.Key, h.Schema, h.Value)
		if err != nil {
			t.Fatal(err)
		}
		out.Headers = append(out.Headers, h.Key, string(b))
	}
	return []line{out}
}

// same compares two records field by field; key and payload byte for byte
// (the JsonConverter writes compact JSON in schema field order).
func same(t *testing.T, got, want line) {
	t.Helper()
	if got.Topic != want.Topic || got.Ts != want.Ts || !reflect.DeepEqual(got.Headers, want.Headers) {
		t.Errorf("topic/ts/headers\n  got  %s %d %q\n  want %s %d %q", got.Topic, got.Ts, got.Headers, want.Topic, want.Ts, want.Headers)
	}
	for _, f := range []struct {
		name      string
		got, want *string
	}{{"key", got.Key, want.Key}, {"payload", got.Payload, want.Payload}} {
		if (f.got == nil) != (f.want == nil) {
			t.Errorf("%s: got %v, want %v", f.name, f.got, f.want)
			continue
		}
		if f.got == nil {
			continue
		}
		if *f.got != *f.want {
			t.Errorf("%s\n  got  %s\n  want %s", f.name, *f.got, *f.want)
		}
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
			var got []line
			for _, in := range readLines(t, p.MustGetString("file")) {
				got = append(got, c.run(t, in)...)
			}
			want := readLines(t, expected)
			if len(got) != len(want) {
				t.Fatalf("%d records, want %d", len(got), len(want))
			}
			for i := range want {
				same(t, got[i], want[i])
			}
		})
	}
}
