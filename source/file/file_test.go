package file

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/connecttest"
)

func poll(t *testing.T, s *Source) []*connect.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	recs, err := s.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestLinesWithOffsetsAndPartialLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(p, []byte("alpha\r\nbeta\ngam"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(Options{File: p, Topic: "lines", PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs := poll(t, s)
	if len(recs) != 2 || recs[0].Value != "alpha" || recs[1].Value != "beta" || recs[0].ValueSchema != connect.StringSchema || recs[1].Topic != "lines" {
		t.Fatalf("got %d records: %+v", len(recs), recs)
	}
	if recs[0].SourcePartition["filename"] != p || recs[0].SourceOffset["position"] != int64(7) || recs[1].SourceOffset["position"] != int64(12) {
		t.Fatalf("offsets %v %v %v", recs[0].SourcePartition, recs[0].SourceOffset, recs[1].SourceOffset)
	}
	if s.EmitsBytes() {
		t.Fatal("lines format emits strings")
	}
	// the half line appears only once its newline is written (tail -f)
	if recs := poll(t, s); len(recs) != 0 {
		t.Fatalf("partial line returned: %v", recs[0].Value)
	}
	f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("ma\ndelta\n")
	f.Close()
	recs = poll(t, s)
	if len(recs) != 2 || recs[0].Value != "gamma" || recs[1].SourceOffset["position"] != int64(24) {
		t.Fatalf("after append: %+v", recs)
	}
}

func TestResumeAfterCommittedPosition(t *testing.T) {
	p := filepath.Join(t.TempDir(), "in.txt")
	os.WriteFile(p, []byte("one\ntwo\nthree\n"), 0o644)
	offs := connecttest.MapOffsets{{Partition: map[string]any{"filename": p}, Offset: map[string]any{"position": 4.0}}}
	s, err := Open(Options{File: p, Topic: "t", Offsets: offs})
	if err != nil {
		t.Fatal(err)
	}
	recs := poll(t, s)
	s.Close()
	if len(recs) != 2 || recs[0].Value != "two" {
		t.Fatalf("resumed with %+v", recs)
	}
	// a committed position past the end means the file was replaced
	offs[0].Offset = map[string]any{"position": int64(1000)}
	if _, err := Open(Options{File: p, Topic: "t", Offsets: offs}); err == nil || !strings.Contains(err.Error(), "truncated or replaced") {
		t.Fatalf("want a truncation error, got %v", err)
	}
}

func TestRecordsFormat(t *testing.T) {
	lines := strings.Join([]string{
		`{"topic":"outbox.event.order","partition":2,"offset":7,"ts":1772366400391,"headers":["id","5f1b","bin",{"base64":"/w=="},"none",null],"key":"A-1001","payload":{"schema":null,"payload":{"a":1}}}`,
		`{"topic":"t","partition":-1,"key":null,"payload":"\"quoted\""}`,
		`{"topic":"t","key":null,"payload":"AP4=","payload_encoding":"base64"}`,
		`{"topic":"t","payload":42}`,
		// kcat -J output
		`{"topic":"orders","partition":0,"offset":3,"tstype":"create","ts":1700000000000,"broker":1,"headers":["a","1"],"key":"k","payload":"{\"x\":1}"}`,
	}, "\n") + "\n"
	p := filepath.Join(t.TempDir(), "in.records")
	os.WriteFile(p, []byte(lines), 0o644)
	s, err := Open(Options{File: p, Records: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.EmitsBytes() {
		t.Fatal("records format must ask for the converters")
	}
	recs := poll(t, s)
	if len(recs) != 5 {
		t.Fatalf("got %d records", len(recs))
	}
	r := recs[0]
	if r.Topic != "outbox.event.order" || r.Partition != 2 || r.Origin != (connect.Origin{Topic: "outbox.event.order", Partition: 2, Offset: 7}) ||
		r.Timestamp.UnixMilli() != 1772366400391 || string(r.Key.([]byte)) != "A-1001" || string(r.Value.([]byte)) != `{"schema":null,"payload":{"a":1}}` {
		t.Fatalf("first record %+v", r)
	}
	if len(r.Headers) != 3 || string(r.Headers[0].Value.([]byte)) != "5f1b" || !bytes.Equal(r.Headers[1].Value.([]byte), []byte{0xff}) || r.Headers[2].Value.([]byte) != nil {
		t.Fatalf("headers %+v", r.Headers)
	}
	if string(recs[1].Value.([]byte)) != `"quoted"` || recs[1].Key != nil || !bytes.Equal(recs[2].Value.([]byte), []byte{0, 0xfe}) ||
		string(recs[3].Value.([]byte)) != "42" || recs[3].Partition != -1 || string(recs[4].Value.([]byte)) != `{"x":1}` {
		t.Fatalf("payloads: %q %q %q %q", recs[1].Value, recs[2].Value, recs[3].Value, recs[4].Value)
	}
}

func TestRecordsFormatErrorsNameTheLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.records")
	os.WriteFile(p, []byte("{\"topic\":\"t\",\"payload\":1}\nnot json\n"), 0o644)
	s, _ := Open(Options{File: p, Records: true})
	defer s.Close()
	_, err := s.Poll(context.Background())
	if err == nil || !connect.IsPermanent(err) || !strings.Contains(err.Error(), "bad.records line 2 (byte 26)") {
		t.Fatalf("err = %v", err)
	}
	p2 := filepath.Join(t.TempDir(), "notopic.records")
	os.WriteFile(p2, []byte("{\"payload\":1}\n"), 0o644)
	s2, _ := Open(Options{File: p2, Records: true})
	defer s2.Close()
	if _, err := s2.Poll(context.Background()); err == nil || !strings.Contains(err.Error(), "no \"topic\"") {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigAndContract(t *testing.T) {
	r := connect.NewRegistry()
	Register(r)
	p, err := r.Lookup(connect.KindSource, "org.apache.kafka.connect.file.FileStreamSourceConnector")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Config.Parse(map[string]string{"file": "x"}); err == nil || !strings.Contains(err.Error(), "topic") {
		t.Fatalf("lines without a topic: %v", err)
	}
	if _, err := p.Config.Parse(map[string]string{"file": "x", "format": "records"}); err != nil {
		t.Fatalf("records without a topic: %v", err)
	}
	path := filepath.Join(t.TempDir(), "c.txt")
	os.WriteFile(path, []byte("a\nb\n"), 0o644)
	connecttest.TestSourceTask(t, func(ctx context.Context) (connect.SourceTask, error) {
		cfg, err := p.Config.Parse(map[string]string{"file": path, "topic": "t"})
		if err != nil {
			return nil, err
		}
		return p.NewSource(ctx, cfg, connect.TaskContext{})
	})
}

func TestStdin(t *testing.T) {
	pr, pw, _ := os.Pipe()
	s := &Source{opt: Options{Topic: "t"}, name: "<stdin>", done: make(chan struct{}), stdin: make(chan []byte, 1)}
	go s.readStdin(pr)
	pw.WriteString("x\ny\n")
	pw.Close()
	var got []string
	for len(got) < 2 {
		for _, r := range poll(t, s) {
			got = append(got, r.Value.(string))
			if r.SourceOffset != nil {
				t.Fatal("stdin records have no offsets")
			}
		}
	}
	if strings.Join(got, ",") != "x,y" {
		t.Fatalf("got %v", got)
	}
	start := time.Now()
	if recs := poll(t, s); recs != nil || time.Since(start) > time.Second {
		t.Fatalf("after EOF Poll should wait for its context: %v", recs)
	}
	s.Close()
}

func BenchmarkLinesPoll(b *testing.B) {
	p := filepath.Join(b.TempDir(), "in.txt")
	line := strings.Repeat("x", 100) + "\n"
	os.WriteFile(p, []byte(strings.Repeat(line, 100000)), 0o644)
	b.ReportAllocs()
	n := 0
	s, _ := Open(Options{File: p, Topic: "t"})
	for n < b.N {
		recs, _ := s.readLines()
		if len(recs) == 0 {
			s.Close()
			s, _ = Open(Options{File: p, Topic: "t"})
			continue
		}
		n += len(recs)
	}
	s.Close()
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}
