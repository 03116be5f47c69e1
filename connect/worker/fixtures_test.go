package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
)

// env is a test's plugins and what they saw.
type env struct {
	t   testing.TB
	reg *connect.Registry

	mu        sync.Mutex
	delivered []*connect.Record // accepted by a sink's Flush, in order
	dlq       []*connect.Record
	pending   map[*memSink][]*connect.Record
	commits   [][]connect.SourceOffset
	putCalls  int
	batches   []int

	// knobs
	failPut   func(r *connect.Record, attempt int) error // per record, in Put
	putCount  map[string]int
	srcRecs   []*connect.Record
	pollErrs  []error
	blockPoll chan struct{}
}

func newEnv(t testing.TB) *env {
	e := &env{t: t, reg: connect.NewRegistry(), pending: map[*memSink][]*connect.Record{}, putCount: map[string]int{}}
	e.reg.Register(connect.Plugin{Kind: connect.KindSource, Name: "mem", Aliases: []string{"com.example.MemSourceConnector"},
		Config: connect.NewConfigDef(connect.ConfigKey{Name: "count", Type: connect.TypeInt, Default: "0"},
			connect.ConfigKey{Name: "topic", Default: "t"}),
		NewSource: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
			s := &memSource{e: e, topic: cfg.String("topic"), part: map[string]any{"src": "mem"}}
			if n := cfg.Int("count"); n > 0 {
				for i := 0; i < n; i++ {
					s.recs = append(s.recs, s.record(i))
				}
			} else {
				s.recs = e.srcRecs
			}
			off, err := tc.Offsets.Offset(s.part)
			if err != nil {
				return nil, err
			}
			if off != nil {
				s.next = int(off["pos"].(int64)) + 1
			}
			return s, nil
		}})
	sinkDef := connect.NewConfigDef(connect.ConfigKey{Name: "dlq", Type: connect.TypeBoolean, Default: "false"},
		connect.ConfigKey{Name: "required.key", Default: ""})
	e.reg.Register(connect.Plugin{Kind: connect.KindSink, Name: "memsink", Aliases: []string{"com.example.CollectSinkConnector"}, Config: sinkDef,
		NewSink: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SinkTask, error) {
			return &memSink{e: e, dlq: cfg.Bool("dlq")}, nil
		}})
	e.reg.Register(connect.Plugin{Kind: connect.KindSink, Name: "needy", Config: connect.NewConfigDef(connect.ConfigKey{Name: "path", Required: true, Doc: "Where to write. More."}),
		NewSink: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SinkTask, error) {
			return &memSink{e: e}, nil
		}})
	e.reg.Register(connect.Plugin{Kind: connect.KindTransform, Name: "Upper", Aliases: []string{"com.example.Upper$Value"},
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) { return upper{}, nil }})
	e.reg.Register(connect.Plugin{Kind: connect.KindTransform, Name: "Drop", Aliases: []string{"org.apache.kafka.connect.transforms.Filter"},
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) { return drop{}, nil }})
	e.reg.Register(connect.Plugin{Kind: connect.KindTransform, Name: "Tag",
		Config:       connect.NewConfigDef(connect.ConfigKey{Name: "tag", Required: true}),
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) { return tag{cfg.String("tag")}, nil }})
	e.reg.Register(connect.Plugin{Kind: connect.KindTransform, Name: "Fail",
		Config: connect.NewConfigDef(connect.ConfigKey{Name: "value", Default: "bad"},
			connect.ConfigKey{Name: "retriable.times", Type: connect.TypeInt, Default: "0"}),
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) {
			return &failT{value: cfg.String("value"), times: cfg.Int("retriable.times")}, nil
		}})
	e.reg.Register(connect.Plugin{Kind: connect.KindTransform, Name: "Split",
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) { return splitT{}, nil }})
	e.reg.Register(connect.Plugin{Kind: connect.KindPredicate, Name: "ValueIs",
		Config:       connect.NewConfigDef(connect.ConfigKey{Name: "value", Required: true}),
		NewPredicate: func(cfg connect.Config) (connect.Predicate, error) { return valueIs(cfg.String("value")), nil }})
	return e
}

func (e *env) values() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, len(e.delivered))
	for i, r := range e.delivered {
		out[i] = fmt.Sprint(r.Value)
	}
	return out
}

func (e *env) dlqRecords() []*connect.Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*connect.Record(nil), e.dlq...)
}

type memSource struct {
	e     *env
	topic string
	part  map[string]any
	recs  []*connect.Record
	next  int
}

func (s *memSource) record(i int) *connect.Record {
	r := connect.NewRecord(s.topic, nil, "v"+strconv.Itoa(i))
	r.SourcePartition = s.part
	r.SourceOffset = map[string]any{"pos": int64(i)}
	return r
}

func (s *memSource) Poll(ctx context.Context) ([]*connect.Record, error) {
	s.e.mu.Lock()
	if len(s.e.pollErrs) > 0 {
		err := s.e.pollErrs[0]
		s.e.pollErrs = s.e.pollErrs[1:]
		s.e.mu.Unlock()
		return nil, err
	}
	block := s.e.blockPoll
	s.e.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.next >= len(s.recs) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	end := min(s.next+7, len(s.recs)) // odd poll sizes exercise batching
	out := s.recs[s.next:end]
	s.next = end
	return out, nil
}

func (s *memSource) Commit(ctx context.Context, offs []connect.SourceOffset) error {
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	s.e.commits = append(s.e.commits, offs)
	return nil
}

type memSink struct {
	e   *env
	dlq bool
}

func (k *memSink) Put(ctx context.Context, recs []*connect.Record) error {
	k.e.mu.Lock()
	defer k.e.mu.Unlock()
	k.e.putCalls++
	if !k.dlq {
		k.e.batches = append(k.e.batches, len(recs))
	}
	var re connect.RecordErrors
	for _, r := range recs {
		if k.e.failPut != nil && !k.dlq {
			key := fmt.Sprint(r.Value)
			k.e.putCount[key]++
			if err := k.e.failPut(r, k.e.putCount[key]); err != nil {
				re = append(re, connect.RecordError{Record: r, Err: err})
				continue
			}
		}
		k.e.pending[k] = append(k.e.pending[k], r)
	}
	if len(re) > 0 {
		return re
	}
	return nil
}

func (k *memSink) Flush(ctx context.Context) error {
	k.e.mu.Lock()
	defer k.e.mu.Unlock()
	if k.dlq {
		k.e.dlq = append(k.e.dlq, k.e.pending[k]...)
	} else {
		k.e.delivered = append(k.e.delivered, k.e.pending[k]...)
	}
	k.e.pending[k] = nil
	return nil
}

type upper struct{}

func (upper) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) {
	c := r.Clone()
	c.Value = "U(" + fmt.Sprint(r.Value) + ")"
	return c, nil
}

type drop struct{}

func (drop) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) { return nil, nil }

type tag struct{ s string }

func (t tag) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) {
	c := r.Clone()
	c.Value = fmt.Sprint(r.Value) + "+" + t.s
	return c, nil
}

type failT struct {
	value string
	mu    sync.Mutex
	times int // >0: fail retriably that often, then succeed; -1: always retriable; 0: permanent
}

func (f *failT) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) {
	if fmt.Sprint(r.Value) != f.value {
		return r, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.times > 0 {
		f.times--
		if f.times == 0 {
			f.times = -2 // succeed from now on
		}
		return nil, connect.Retriable(errors.New("transient trouble"))
	}
	if f.times == -2 {
		return r, nil
	}
	if f.times < 0 {
		return nil, connect.Retriable(errors.New("always transient"))
	}
	return nil, errors.New("cannot transform " + f.value)
}

// splitT is a BatchTransformation that doubles every record.
type splitT struct{}

func (splitT) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) { return r, nil }
func (splitT) ApplyBatch(ctx context.Context, recs []*connect.Record) ([]*connect.Record, error) {
	var out []*connect.Record
	for _, r := range recs {
		a, b := r.Clone(), r.Clone()
		a.Value, b.Value = fmt.Sprint(r.Value)+"a", fmt.Sprint(r.Value)+"b"
		out = append(out, a, b)
	}
	return out, nil
}

type valueIs string

func (v valueIs) Test(r *connect.Record) bool { return fmt.Sprint(r.Value) == string(v) }

// newWorker starts a worker with a file store in a temp dir.
func (e *env) newWorker(opts ...Option) (*Worker, string) {
	path := filepath.Join(e.t.TempDir(), "offsets.json")
	return e.workerAt(path, opts...), path
}

// workerAt starts a worker whose file store is path, so that a second
// worker can resume from the first one's offsets.
func (e *env) workerAt(path string, opts ...Option) *Worker {
	wc := WorkerConfig{OffsetFile: path, OffsetFlushInterval: time.Hour, ShutdownTimeout: 5 * time.Second,
		Props: map[string]string{KeyOffsetFile: path}}
	opts = append([]Option{WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	w, err := New(wc, e.reg, opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// run starts w in the background; the returned func stops it and returns
// Run's error.
func run(t testing.TB, w *Worker) func() error {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	// wait until running
	deadline := time.Now().Add(5 * time.Second)
	for !w.isRunning() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	var once sync.Once
	var err error
	return func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("worker did not stop")
			}
		})
		return err
	}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func taskState(w *Worker, name string) State {
	st, err := w.Status(name)
	if err != nil || len(st.Tasks) == 0 {
		return ""
	}
	return st.Tasks[0].State
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func quiet() Option { return WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))) }
