package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/converters"
)

// bytesSource emits JSON bytes, like the kafka source does.
type bytesSource struct {
	vals []string
	done bool
	part map[string]any
}

func (s *bytesSource) EmitsBytes() bool { return true }
func (s *bytesSource) Poll(ctx context.Context) ([]*connect.Record, error) {
	if s.done {
		<-ctx.Done()
		return nil, nil
	}
	s.done = true
	var out []*connect.Record
	for i, v := range s.vals {
		r := connect.NewRecord("in", []byte(`"k`+fmt.Sprint(i)+`"`), []byte(v))
		r.Headers = r.Headers.Add("h", nil, []byte("42"))
		r.SourcePartition, r.SourceOffset = s.part, map[string]any{"pos": i}
		r.Origin = connect.Origin{Topic: "in", Partition: 3, Offset: int64(100 + i)}
		out = append(out, r)
	}
	return out, nil
}

// bytesSink wants bytes, like the kafka sink does.
type bytesSink struct {
	mu   *sync.Mutex
	got  *[]*connect.Record
	temp []*connect.Record
}

func (s *bytesSink) WantsBytes() bool { return true }
func (s *bytesSink) Put(ctx context.Context, recs []*connect.Record) error {
	s.temp = append(s.temp, recs...)
	return nil
}
func (s *bytesSink) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	*s.got = append(*s.got, s.temp...)
	s.temp = nil
	return nil
}

func TestConvertersForBytesSourceAndSink(t *testing.T) {
	e := newEnv(t)
	converters.Register(e.reg)
	var mu sync.Mutex
	var got, dead []*connect.Record
	e.reg.Register(connect.Plugin{Kind: connect.KindSource, Name: "bytessrc",
		NewSource: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
			return &bytesSource{vals: []string{`{"a":1}`, `{not json`, `{"a":3}`}, part: map[string]any{"p": 0}}, nil
		}})
	e.reg.Register(connect.Plugin{Kind: connect.KindSink, Name: "bytessink",
		Config: connect.NewConfigDef(connect.ConfigKey{Name: "dead", Type: connect.TypeBoolean}),
		NewSink: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SinkTask, error) {
			if cfg.Bool("dead") {
				return &bytesSink{mu: &mu, got: &dead}, nil
			}
			return &bytesSink{mu: &mu, got: &got}, nil
		}})
	var seen []any
	e.reg.Register(connect.Plugin{Kind: connect.KindTransform, Name: "Peek",
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) {
			return transformFunc(func(r *connect.Record) (*connect.Record, error) {
				mu.Lock()
				seen = append(seen, r.Value)
				mu.Unlock()
				return r, nil
			}), nil
		}})
	w, _ := e.newWorker()
	stop := run(t, w)
	err := w.Create(context.Background(), "p", map[string]string{
		"connector.class": "bytessrc", "sink.connector.class": "bytessink",
		"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
		"value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
		"transforms": "peek", "transforms.peek.type": "Peek",
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dlq",
		"errors.deadletterqueue.context.headers.enable": "true", "errors.deadletterqueue.dead": "true",
	}, TargetRunning)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "2 records and 1 dead", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 2 && len(dead) == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	// The transform saw Connect data (a map), the sink got JSON bytes back.
	if m, ok := seen[0].(map[string]any); !ok || fmt.Sprint(m["a"]) != "1" {
		t.Fatalf("transform saw %#v", seen[0])
	}
	if string(got[0].Value.([]byte)) != `{"a":1}` || string(got[0].Key.([]byte)) != `"k0"` {
		t.Fatalf("sink got key %q value %q", got[0].Key, got[0].Value)
	}
	if h, _ := got[0].Headers.Last("h"); fmt.Sprint(h.Value) == "" {
		t.Fatalf("header lost: %v", got[0].Headers)
	}
	// The dead letter is the raw record as read, with Kafka coordinates.
	d := dead[0]
	if string(d.Value.([]byte)) != `{not json` || d.Topic != "dlq" {
		t.Fatalf("dlq value %q topic %q", d.Value, d.Topic)
	}
	want := map[string]string{"__connect.errors.stage": "VALUE_CONVERTER", "__connect.errors.topic": "in",
		"__connect.errors.partition": "3", "__connect.errors.offset": "101"}
	for k, v := range want {
		h, ok := d.Headers.Last(k)
		if !ok || string(asBytes(h.Value)) != v {
			t.Errorf("dlq header %s = %v, want %s", k, h.Value, v)
		}
	}
}

func asBytes(v any) []byte {
	switch x := v.(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return []byte(fmt.Sprint(v))
}

type transformFunc func(r *connect.Record) (*connect.Record, error)

func (f transformFunc) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) {
	return f(r)
}

// memStore is an offset store plugin, as the kafka helper registers.
type memStore struct {
	mu   sync.Mutex
	puts int
	fs   *FileStore
}

func (m *memStore) Get(ctx context.Context, p string, part map[string]any) (map[string]any, error) {
	return m.fs.Get(ctx, p, part)
}
func (m *memStore) Put(ctx context.Context, p string, offs []connect.SourceOffset) error {
	m.mu.Lock()
	m.puts++
	m.mu.Unlock()
	return m.fs.Put(ctx, p, offs)
}
func (m *memStore) List(ctx context.Context, p string) ([]connect.SourceOffset, error) {
	return m.fs.List(ctx, p)
}

func TestOffsetStorePlugin(t *testing.T) {
	e := newEnv(t)
	wc := WorkerConfig{Props: map[string]string{"offset.storage.topic": "connect-offsets", "bootstrap.servers": "b:9092"}, OffsetTopic: "connect-offsets"}
	if _, err := New(wc, e.reg, quiet()); !errors.Is(err, ErrNoOffsetStore) || !strings.Contains(err.Error(), "offset.storage.topic") {
		t.Fatalf("missing store plugin: %v", err)
	}
	fs, _ := NewFileStore(t.TempDir() + "/o.json")
	st := &memStore{fs: fs}
	var gotCfg connect.Config
	e.reg.Register(connect.Plugin{Kind: connect.KindOffsetStore, Name: "kafka",
		Config: connect.NewConfigDef(connect.ConfigKey{Name: "offset.storage.topic"}, connect.ConfigKey{Name: "bootstrap.servers", Type: connect.TypeList}),
		NewOffsetStore: func(ctx context.Context, cfg connect.Config) (connect.OffsetStore, error) {
			gotCfg = cfg
			return st, nil
		}})
	w, err := New(wc, e.reg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "5"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "5", func() bool { return len(e.values()) == 5 })
	stop()
	if st.puts == 0 || gotCfg.String("offset.storage.topic") != "connect-offsets" || gotCfg.List("bootstrap.servers")[0] != "b:9092" {
		t.Fatalf("store puts %d cfg %v", st.puts, gotCfg.Originals())
	}
}

func TestSplitIntoTasksAndProgress(t *testing.T) {
	e := newEnv(t)
	e.reg.Register(connect.Plugin{Kind: connect.KindSource, Name: "multi",
		Config: connect.NewConfigDef(connect.ConfigKey{Name: "parts", Type: connect.TypeList, Default: "a,b,c"}),
		Split: func(cfg connect.Config, max int) ([]connect.Config, error) {
			var out []connect.Config
			for _, p := range cfg.List("parts") {
				out = append(out, connect.NewConfig(map[string]string{"part": p}))
			}
			return out, nil
		},
		NewSource: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
			tc.Progress(connect.Progress{Phase: "snapshot", Item: cfg.Raw("part"), Done: 1, Total: 2})
			s := &memSource{e: e, topic: cfg.Raw("part"), part: map[string]any{"part": cfg.Raw("part")}}
			for i := 0; i < 3; i++ {
				s.recs = append(s.recs, s.record(i))
			}
			return s, nil
		}})
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("connector.class", "multi", "tasks.max", "2"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "6 records from 2 tasks", func() bool { return len(e.values()) == 6 })
	st, _ := w.Status("p")
	cfgs, _ := w.TaskConfigs("p")
	stop()
	if len(st.Tasks) != 2 || len(cfgs) != 2 || cfgs[1]["part"] != "b" {
		t.Fatalf("tasks %+v cfgs %v", st.Tasks, cfgs)
	}
	if p := st.Tasks[1].Progress; len(p) != 1 || p[0].Item != "b" || p[0].Total != 2 {
		t.Fatalf("progress %+v", p)
	}
	offs, _ := w.Offsets(context.Background(), "p")
	if len(offs) != 2 {
		t.Fatalf("offsets per partition: %v", offs)
	}
}

// A task that fails while its poll goroutine is blocked on a full channel
// must still stop (and report FAILED) at once.
func TestFailureWithBackloggedPollDoesNotHang(t *testing.T) {
	e := newEnv(t)
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("count", "5000", "batch.size", "1",
		"transforms", "f", "transforms.f.type", "Fail", "transforms.f.value", "v0"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitFor(t, "failure", func() bool { return taskState(w, "p") == StateFailed })
	if err := stop(); err == nil {
		t.Fatal("no error from Run")
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
}

func TestSecretsStayOutOfErrors(t *testing.T) {
	e := newEnv(t)
	e.reg.Register(connect.Plugin{Kind: connect.KindSink, Name: "pw",
		Config: connect.NewConfigDef(connect.ConfigKey{Name: "password", Type: connect.TypePassword, Validator: connect.NonEmpty()},
			connect.ConfigKey{Name: "retries", Type: connect.TypeInt}),
		NewSink: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SinkTask, error) {
			return &memSink{e: e}, nil
		}})
	t.Setenv("INLET_TEST_RETRIES", "hunter2")
	wc := WorkerConfig{OffsetFile: t.TempDir() + "/o.json", Props: map[string]string{"config.providers": "env", "config.providers.env.class": "EnvVarConfigProvider"}}
	w, err := New(wc, e.reg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	err = w.Create(context.Background(), "p", pipe("sink.connector.class", "pw",
		"sink.retries", "${env:INLET_TEST_RETRIES}", "sink.pasword", "hunter2", "sink.password", ""), TargetRunning)
	if err == nil {
		t.Fatal("accepted")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("secret in error: %v", err)
	}
	if !strings.Contains(err.Error(), "${env:INLET_TEST_RETRIES}") || !strings.Contains(err.Error(), "sink.pasword") {
		t.Fatalf("error should name the keys: %v", err)
	}
}

func TestStopInterruptsLongRetry(t *testing.T) {
	e := newEnv(t)
	clk := newFakeClock() // timers never fire on their own: a 1 s backoff lasts forever
	e.failPut = func(r *connect.Record, attempt int) error {
		if r.Value == "v3" {
			return connect.Retriable(errors.New("leader not available"))
		}
		return nil
	}
	w, _ := e.newWorker(WithClock(clk))
	stop := run(t, w)
	defer stop()
	ctx := context.Background()
	if err := w.Create(ctx, "p", pipe("count", "10", "batch.size", "2", "errors.retry.policy", "EXPONENTIAL_DECAY_RETRY"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the retry sleep", func() bool { return clk.pending(time.Second) == 1 })
	start := time.Now()
	if err := w.Stop(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("stop waited %v for the backoff", el)
	}
	if p := storedPos(t, w, "p"); p != 1 {
		t.Fatalf("offset %d: the batch under retry must not be committed", p)
	}
	if st, _ := w.Status("p"); st.Connector.State != StateStopped {
		t.Fatalf("state %v", st.Connector.State)
	}
}
