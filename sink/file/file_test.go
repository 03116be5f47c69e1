package file

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/connecttest"
)

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLinesFormatWritesValuesOnFlushOnly(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.txt")
	s, err := Open(p, FormatLines, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := connect.StructOf("r", false, connect.F("id", connect.Int32Schema), connect.F("name", connect.StringSchema))
	recs := []*connect.Record{
		connect.NewRecord("t", nil, "hello"),
		connect.NewRecord("t", nil, []byte("raw")),
		connect.NewRecord("t", nil, nil),
		connect.NewRecord("t", nil, int64(42)),
		{Topic: "t", ValueSchema: st, Value: connect.NewStruct(st).Put("id", int32(1)).Put("name", "x")},
	}
	if err := s.Put(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	if got := read(t, p); got != "" {
		t.Fatalf("written before Flush: %q", got)
	}
	if s.WantsBytes() {
		t.Fatal("lines format must not ask for converted bytes")
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "hello\nraw\nnull\n42\n{\"id\":1,\"name\":\"x\"}\n"
	if got := read(t, p); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestRecordsFormatEnvelope(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.records")
	s, err := Open(p, FormatRecords, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.WantsBytes() {
		t.Fatal("records format must ask the runtime for bytes")
	}
	r := &connect.Record{Topic: "outbox.event.order", Partition: 2,
		Key: []byte("A-1001"), Value: []byte(`{"schema":null,"payload":{"a":1}}`),
		Headers:   connect.Headers{{Key: "id", Value: []byte("5f1b")}, {Key: "bin", Value: []byte{0xff}}, {Key: "none"}},
		Timestamp: time.UnixMilli(1772366400391), Origin: connect.Origin{Topic: "outbox.event.order", Partition: 2, Offset: 7}}
	others := []*connect.Record{
		{Topic: "t", Partition: -1, Value: []byte(`"quoted"`)},
		{Topic: "t", Partition: -1, Value: []byte("null")},
		{Topic: "t", Partition: -1, Value: []byte{0, 0xfe}},
		{Topic: "t", Partition: -1, Value: []byte("{\n}")},
		{Topic: "t", Partition: -1, Value: []byte("42")},
		{Topic: "routed", Partition: -1, Value: []byte("1"), Origin: connect.Origin{Topic: "t", Offset: 3}},
	}
	if err := s.Put(context.Background(), append([]*connect.Record{r}, others...)); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := `{"topic":"outbox.event.order","partition":2,"offset":7,"ts":1772366400391,"headers":["id","5f1b","bin",{"base64":"/w=="},"none",null],"key":"A-1001","payload":{"schema":null,"payload":{"a":1}}}
{"topic":"t","partition":-1,"key":null,"payload":"\"quoted\""}
{"topic":"t","partition":-1,"key":null,"payload":"null"}
{"topic":"t","partition":-1,"key":null,"payload":"AP4=","payload_encoding":"base64"}
{"topic":"t","partition":-1,"key":null,"payload":"{\n}"}
{"topic":"t","partition":-1,"key":null,"payload":42}
{"topic":"routed","partition":-1,"key":null,"payload":1}
`
	if got := read(t, p); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	err = s.Put(context.Background(), []*connect.Record{{Topic: "t", Value: map[string]any{}}})
	var rerrs connect.RecordErrors
	if !errors.As(err, &rerrs) || !connect.IsPermanent(rerrs[0].Err) || !strings.Contains(err.Error(), "needs bytes") {
		t.Fatalf("unconverted value: %v", err)
	}
}

func TestOpenCutsATornLastLineAndAppends(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.txt")
	if err := os.WriteFile(p, []byte("one\ntwo\nthr"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(p, FormatLines, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Put(context.Background(), []*connect.Record{connect.NewRecord("t", nil, "three")})
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := read(t, p); got != "one\ntwo\nthree\n" {
		t.Fatalf("got %q", got)
	}
	if err := os.WriteFile(p, []byte("no newline at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ = Open(p, FormatLines, nil)
	s.Close()
	if got := read(t, p); got != "" {
		t.Fatalf("a single torn line must be cut: %q", got)
	}
}

func TestFailedFlushKeepsTheBatch(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.txt")
	s, err := Open(p, FormatLines, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Put(context.Background(), []*connect.Record{connect.NewRecord("t", nil, "a")})
	s.f.Close() // the disk "fails"
	err = s.Flush(context.Background())
	if err == nil || !connect.IsRetriable(err) {
		t.Fatalf("Flush on a broken file = %v, want a retriable error", err)
	}
	if string(s.buf) != "a\n" {
		t.Fatalf("batch lost after a failed Flush: %q", s.buf)
	}
}

func TestPluginAndContract(t *testing.T) {
	r := connect.NewRegistry()
	Register(r)
	for _, n := range []string{"FileStreamSink", "org.apache.kafka.connect.file.FileStreamSinkConnector", "file"} {
		if _, err := r.Lookup(connect.KindSink, n); err != nil {
			t.Fatal(err)
		}
	}
	p, _ := r.Lookup(connect.KindSink, "FileStreamSink")
	if _, err := p.Config.Parse(map[string]string{"format": "csv", "fiel": "x"}); len(connect.AsConfigErrors(err)) != 2 {
		t.Fatalf("want two errors, got %v", err)
	}
	path := filepath.Join(t.TempDir(), "c.txt")
	connecttest.TestSinkTask(t, func(ctx context.Context) (connect.SinkTask, error) {
		cfg, err := p.Config.Parse(map[string]string{"file": path})
		if err != nil {
			return nil, err
		}
		return p.NewSink(ctx, cfg, connect.TaskContext{})
	}, []*connect.Record{connect.NewRecord("t", nil, "x"), connect.NewRecord("t", nil, "y")})
	if got := read(t, path); !strings.HasPrefix(got, "x\ny\n") {
		t.Fatalf("contract run wrote %q", got)
	}
}

func BenchmarkRecordsFormatPut(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bench.records"), FormatRecords, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rec := &connect.Record{Topic: "outbox.event.order", Partition: -1, Key: []byte("A-1001"),
		Value:     []byte(`{"schema":{"type":"string","optional":true,"name":"io.debezium.data.Json","version":1},"payload":"{\"items\": 2, \"total\": 49.90}"}`),
		Headers:   connect.Headers{{Key: "id", Value: []byte("5f1b7c2e-9a4d-4c3b-8e21-0d6a7b9c1e43")}},
		Timestamp: time.UnixMilli(1772366400391)}
	batch := make([]*connect.Record, 100)
	for i := range batch {
		batch[i] = rec
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += len(batch) {
		_ = s.Put(ctx, batch)
		if i%10000 == 0 {
			_ = s.Flush(ctx)
		}
	}
	_ = s.Flush(ctx)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
