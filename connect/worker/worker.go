// Package worker is inlet's runtime: it builds pipelines from Kafka
// Connect–style configs, runs their tasks (poll → batch → transforms →
// converters → Put → Flush), stores source offsets, applies retries,
// tolerance and the dead-letter queue, and answers the management calls
// the REST API makes.
//
// Invariants (the code says where each is enforced):
//   - A source offset is stored only after every record polled before it
//     was flushed by the sink, dropped by a transform, or dead-lettered.
//   - A failed record is retried, dead-lettered, or fails its task; it is
//     never dropped silently.
//   - The worker owns every goroutine it starts; Run returns after all of
//     them have ended.
//
// A FAILED task stays FAILED (as in Kafka Connect) unless the pipeline sets
// errors.restart.max.attempts: then it is restarted with exponential
// backoff, RESTARTING with the failure's trace in between, resuming from
// its committed offsets.
package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/props"
)

// Worker runs pipelines. Its methods are safe for concurrent use.
type Worker struct {
	cfg      WorkerConfig
	reg      *connect.Registry
	log      *slog.Logger
	clock    Clock
	metrics  *metrics
	resolver *props.Resolver

	storeMu sync.Mutex
	store   connect.OffsetStore

	mu        sync.Mutex
	pipelines map[string]*pipeline
	running   bool
	wg        sync.WaitGroup

	ctxMu  sync.Mutex
	runCtx context.Context
}

// pipeline is one configured pipeline and its tasks.
type pipeline struct {
	name   string
	raw    map[string]string // as given, ${...} unresolved
	plan   *plan             // nil when the last start failed
	target TargetState
	tasks  []*task
	failed error // the pipeline itself failed (config, split)

	op sync.Mutex // serializes management calls on this pipeline
}

// Option configures a Worker.
type Option func(*Worker)

// WithClock replaces the wall clock (tests of batching intervals, offset
// intervals and 512-second retry policies).
func WithClock(c Clock) Option { return func(w *Worker) { w.clock = c } }

// WithLogger sets the structured logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(w *Worker) { w.log = l } }

// WithMetrics registers the worker's Prometheus metrics on reg (default: a
// private registry, so two workers in one process never clash).
func WithMetrics(reg prometheus.Registerer) Option {
	return func(w *Worker) {
		m, err := newMetrics(reg)
		if err == nil {
			w.metrics = m
		}
	}
}

// WithOffsetStore replaces the offset store the worker config names.
func WithOffsetStore(s connect.OffsetStore) Option { return func(w *Worker) { w.store = s } }

// New returns a worker for cfg whose plugins come from reg. It opens the
// offsets file now; a Kafka offset store (offset.storage.topic) is opened
// on first use.
func New(cfg WorkerConfig, reg *connect.Registry, opts ...Option) (*Worker, error) {
	w := &Worker{cfg: cfg.withDefaults(), reg: reg, clock: realClock{}, log: slog.Default(), pipelines: map[string]*pipeline{}}
	for _, o := range opts {
		o(w)
	}
	if w.metrics == nil {
		m, err := newMetrics(prometheus.NewRegistry())
		if err != nil {
			return nil, err
		}
		w.metrics = m
	}
	res, err := props.NewResolver(w.cfg.Props)
	if err != nil {
		return nil, &ConfigInvalidError{Errors: fileErrors(w.cfg.File, err)}
	}
	w.resolver = res
	if w.store == nil {
		switch {
		case w.cfg.OffsetTopic != "":
			if _, err := reg.Lookup(connect.KindOffsetStore, kafkaPlugin); err != nil {
				return nil, fmt.Errorf("%w: offset.storage.topic=%s needs the %q offset store plugin, which this build lacks (use offset.storage.file.filename): %v",
					ErrNoOffsetStore, w.cfg.OffsetTopic, kafkaPlugin, err)
			}
		case w.cfg.OffsetFile != "":
			fs, err := NewFileStore(w.cfg.OffsetFile)
			if err != nil {
				return nil, err
			}
			w.store = fs
		default:
			return nil, &ConfigInvalidError{Errors: connect.ConfigErrors{{File: w.cfg.File, Key: KeyOffsetFile, Reason: "missing: standalone mode stores offsets in this file (or set offset.storage.topic)"}}}
		}
	}
	return w, nil
}

func fileErrors(file string, err error) connect.ConfigErrors {
	ces := connect.AsConfigErrors(err)
	if ces == nil {
		ces = connect.ConfigErrors{{Reason: err.Error()}}
	}
	for _, ce := range ces {
		if ce.File == "" {
			ce.File = file
		}
	}
	return ces
}

// Registry returns the plugins the worker knows.
func (w *Worker) Registry() *connect.Registry { return w.reg }

// WorkerConfig returns the worker's configuration.
func (w *Worker) WorkerConfig() WorkerConfig { return w.cfg }

func (w *Worker) baseCtx() context.Context {
	w.ctxMu.Lock()
	defer w.ctxMu.Unlock()
	if w.runCtx != nil {
		return w.runCtx
	}
	return context.Background()
}

// offsetStore returns the store, opening the plugin one on first use.
func (w *Worker) offsetStore(ctx context.Context) (connect.OffsetStore, error) {
	w.storeMu.Lock()
	defer w.storeMu.Unlock()
	if w.store != nil {
		return w.store, nil
	}
	p, err := w.reg.Lookup(connect.KindOffsetStore, kafkaPlugin)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoOffsetStore, err)
	}
	keys := map[string]string{}
	for k, v := range w.cfg.Props {
		if _, ok := p.Config.Key(k); ok {
			keys[k] = v
			continue
		}
		for _, pre := range p.Config.Prefixes() {
			if strings.HasPrefix(k, pre[0]) {
				keys[k] = v
			}
		}
	}
	cfg, err := p.Config.Parse(keys)
	if err != nil {
		return nil, &ConfigInvalidError{Errors: fileErrors(w.cfg.File, err)}
	}
	st, err := p.NewOffsetStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("worker: open offset store %s: %w", p.Name, err)
	}
	w.store = st
	return st, nil
}

// Run starts every pipeline and runs until ctx is done, then stops them
// all within task.shutdown.graceful.timeout.ms (stop polling, drain,
// flush, commit). It returns an error naming every task that failed.
func (w *Worker) Run(ctx context.Context) error {
	w.mu.Lock()
	if w.running {
		w.mu.Unlock()
		return ErrRunning
	}
	w.running = true
	w.ctxMu.Lock()
	w.runCtx = ctx
	w.ctxMu.Unlock()
	pls := w.sortedPipelines()
	w.mu.Unlock()
	for _, pl := range pls {
		pl.op.Lock()
		if pl.target != TargetStopped {
			w.startPipeline(pl)
		}
		pl.op.Unlock()
	}
	w.log.Info("worker started", "pipelines", len(pls), "worker_id", w.cfg.WorkerID)
	<-ctx.Done()
	w.log.Info("worker stopping", "graceful_timeout", w.cfg.ShutdownTimeout)

	w.mu.Lock()
	w.running = false
	pls = w.sortedPipelines()
	w.mu.Unlock()
	deadline := time.Now().Add(w.cfg.ShutdownTimeout)
	var errs []error
	var wg sync.WaitGroup
	var emu sync.Mutex
	for _, pl := range pls {
		pl.op.Lock()
		for _, t := range pl.tasks {
			wg.Add(1)
			go func(t *task) {
				defer wg.Done()
				t.stop(deadline)
				t.mu.Lock()
				if t.state == StateFailed && t.err != nil {
					emu.Lock()
					errs = append(errs, t.err)
					emu.Unlock()
				}
				t.mu.Unlock()
			}(t)
		}
		if pl.failed != nil {
			errs = append(errs, pl.failed)
		}
	}
	wg.Wait()
	for _, pl := range pls {
		pl.op.Unlock()
	}
	w.wg.Wait()
	if c, ok := w.store.(io.Closer); ok {
		_ = c.Close()
	}
	w.log.Info("worker stopped")
	return errors.Join(errs...)
}

func (w *Worker) sortedPipelines() []*pipeline {
	out := make([]*pipeline, 0, len(w.pipelines))
	for _, p := range w.pipelines {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (w *Worker) get(name string) (*pipeline, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	pl, ok := w.pipelines[name]
	if !ok {
		return nil, fmt.Errorf("%w: pipeline %q", ErrNotFound, name)
	}
	return pl, nil
}

func (w *Worker) isRunning() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.running
}

// prepare resolves config providers and builds the plan.
func (w *Worker) prepare(name string, raw map[string]string) (*plan, error) {
	resolved, err := w.resolver.Resolve(raw)
	if err != nil {
		return nil, &ConfigInvalidError{Pipeline: name, Errors: maskErrors(raw, connect.AsConfigErrors(err))}
	}
	p, err := buildPlan(w.reg, w.cfg, resolved)
	if err != nil {
		return nil, &ConfigInvalidError{Pipeline: name, Errors: maskErrors(raw, connect.AsConfigErrors(err))}
	}
	return p, nil
}

func withName(name string, m map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	if n, ok := out[KeyName]; ok && n != name {
		return nil, &ConfigInvalidError{Pipeline: name, Errors: connect.ConfigErrors{{Key: KeyName, Value: n, Reason: fmt.Sprintf("does not match the pipeline name %q", name)}}}
	}
	out[KeyName] = name
	return out, nil
}

// Create adds a pipeline in the initial target state. The config is
// validated (providers resolved, every plugin looked up and configured)
// before anything starts; a *ConfigInvalidError lists every problem.
func (w *Worker) Create(ctx context.Context, name string, m map[string]string, initial TargetState) error {
	if initial == "" {
		initial = TargetRunning
	}
	if initial != TargetRunning && initial != TargetPaused && initial != TargetStopped {
		return fmt.Errorf("worker: unknown initial state %q (RUNNING, PAUSED or STOPPED)", initial)
	}
	raw, err := withName(name, m)
	if err != nil {
		return err
	}
	w.mu.Lock()
	_, exists := w.pipelines[name]
	w.mu.Unlock()
	if exists {
		return fmt.Errorf("%w: pipeline %q", ErrExists, name)
	}
	p, err := w.prepare(name, raw)
	if err != nil {
		return err
	}
	pl := &pipeline{name: name, raw: raw, plan: p, target: initial}
	w.mu.Lock()
	if _, exists := w.pipelines[name]; exists {
		w.mu.Unlock()
		p.close()
		return fmt.Errorf("%w: pipeline %q", ErrExists, name)
	}
	w.pipelines[name] = pl
	running := w.running
	pl.op.Lock()
	w.mu.Unlock()
	defer pl.op.Unlock()
	if running && initial != TargetStopped {
		w.startPipeline(pl)
	}
	w.log.Info("pipeline created", "pipeline", name, "state", initial)
	return nil
}

// Update replaces a pipeline's config (creating it if absent). The new
// config is validated first; if it is invalid the old one keeps running.
func (w *Worker) Update(ctx context.Context, name string, m map[string]string) (created bool, err error) {
	raw, err := withName(name, m)
	if err != nil {
		return false, err
	}
	pl, err := w.get(name)
	if errors.Is(err, ErrNotFound) {
		if err := w.Create(ctx, name, raw, TargetRunning); err != nil {
			return false, err
		}
		return true, nil
	}
	p, err := w.prepare(name, raw)
	if err != nil {
		return false, err
	}
	pl.op.Lock()
	defer pl.op.Unlock()
	w.stopTasks(pl)
	if pl.plan != nil {
		pl.plan.close()
	}
	pl.raw, pl.plan, pl.failed = raw, p, nil
	if w.isRunning() && pl.target != TargetStopped {
		w.startPipeline(pl)
	}
	return false, nil
}

// Delete stops a pipeline and forgets it. Its stored offsets stay (as in
// Kafka Connect); ResetOffsets before Delete removes them.
func (w *Worker) Delete(ctx context.Context, name string) error {
	pl, err := w.get(name)
	if err != nil {
		return err
	}
	pl.op.Lock()
	defer pl.op.Unlock()
	w.stopTasks(pl)
	if pl.plan != nil {
		pl.plan.close()
	}
	w.mu.Lock()
	delete(w.pipelines, name)
	w.mu.Unlock()
	w.metrics.forget(name)
	w.log.Info("pipeline deleted", "pipeline", name)
	return nil
}

// Pause stops a pipeline's polling and delivery; tasks stay open and
// offsets stay where they are. A paused pipeline moves no records.
func (w *Worker) Pause(ctx context.Context, name string) error {
	return w.setGate(name, TargetPaused)
}

// Resume runs a PAUSED or STOPPED pipeline again.
func (w *Worker) Resume(ctx context.Context, name string) error {
	return w.setGate(name, TargetRunning)
}

// setGate moves a pipeline to PAUSED or RUNNING: a stopped pipeline's
// tasks are started in that state; open tasks have their gate set, and a
// task still starting keeps its STARTING state (it reads the gate when it
// is open).
func (w *Worker) setGate(name string, target TargetState) error {
	pl, err := w.get(name)
	if err != nil {
		return err
	}
	pl.op.Lock()
	defer pl.op.Unlock()
	pl.target = target
	if len(pl.tasks) == 0 {
		if w.isRunning() {
			w.startPipeline(pl)
		}
		return nil
	}
	paused := target == TargetPaused
	from, to := StateRunning, StatePaused
	if !paused {
		from, to = StatePaused, StateRunning
	}
	for _, t := range pl.tasks {
		t.gate.set(paused)
		t.mu.Lock()
		switchState := t.state == from
		t.mu.Unlock()
		if switchState {
			t.setState(to, nil)
		}
	}
	return nil
}

// Stop shuts a pipeline's tasks down gracefully (drain, flush, commit);
// the pipeline stays, STOPPED, so its offsets can be altered or reset.
func (w *Worker) Stop(ctx context.Context, name string) error {
	pl, err := w.get(name)
	if err != nil {
		return err
	}
	pl.op.Lock()
	defer pl.op.Unlock()
	pl.target = TargetStopped
	w.stopTasks(pl)
	return nil
}

// Restart restarts a pipeline: its config is resolved and built again
// (config providers re-read); with includeTasks its tasks are restarted
// too, only the FAILED ones if onlyFailed.
func (w *Worker) Restart(ctx context.Context, name string, includeTasks, onlyFailed bool) error {
	pl, err := w.get(name)
	if err != nil {
		return err
	}
	pl.op.Lock()
	defer pl.op.Unlock()
	connFailed := pl.failed != nil || pl.plan == nil
	if onlyFailed && !connFailed && !includeTasks {
		return nil
	}
	if !includeTasks && !connFailed {
		// Kafka restarts only the Connector instance; ours is the config:
		// rebuild it so provider values are fresh for the next task start.
		p, err := w.prepare(name, pl.raw)
		if err != nil {
			return err
		}
		pl.plan.close()
		pl.plan = p
		return nil
	}
	if connFailed || !onlyFailed {
		w.stopTasks(pl)
		p, err := w.prepare(name, pl.raw)
		if err != nil {
			pl.failed = err
			return err
		}
		if pl.plan != nil {
			pl.plan.close()
		}
		pl.plan, pl.failed = p, nil
		if w.isRunning() && pl.target != TargetStopped {
			w.startPipeline(pl)
		}
		return nil
	}
	for i, t := range pl.tasks {
		t.mu.Lock()
		failed := t.state == StateFailed
		t.mu.Unlock()
		if failed {
			pl.tasks[i] = w.restartTask(pl, t)
		}
	}
	return nil
}

// RestartTask restarts one task.
func (w *Worker) RestartTask(ctx context.Context, name string, id int) error {
	pl, err := w.get(name)
	if err != nil {
		return err
	}
	pl.op.Lock()
	defer pl.op.Unlock()
	if id < 0 || id >= len(pl.tasks) {
		return fmt.Errorf("%w: task %d of pipeline %q", ErrNotFound, id, name)
	}
	pl.tasks[id] = w.restartTask(pl, pl.tasks[id])
	return nil
}

func (w *Worker) restartTask(pl *pipeline, t *task) *task {
	t.setState(StateRestarting, nil)
	t.stop(time.Now().Add(w.cfg.ShutdownTimeout))
	nt := newTask(w, pl, t.plan, t.id, t.cfg, pl.target == TargetPaused)
	nt.start()
	return nt
}

// startPipeline starts the tasks; pl.op is held.
func (w *Worker) startPipeline(pl *pipeline) {
	if pl.plan == nil {
		p, err := w.prepare(pl.name, pl.raw)
		if err != nil {
			pl.failed = err
			return
		}
		pl.plan = p
	}
	cfgs, err := pl.plan.taskConfigs()
	if err != nil {
		pl.failed = err
		w.log.Error("pipeline failed", "pipeline", pl.name, "err", err)
		return
	}
	pl.failed = nil
	pl.tasks = pl.tasks[:0]
	for i, c := range cfgs {
		t := newTask(w, pl, pl.plan, i, c, pl.target == TargetPaused)
		pl.tasks = append(pl.tasks, t)
		t.start()
	}
}

// stopTasks stops every task within the graceful timeout; pl.op is held.
func (w *Worker) stopTasks(pl *pipeline) {
	deadline := time.Now().Add(w.cfg.ShutdownTimeout)
	var wg sync.WaitGroup
	for _, t := range pl.tasks {
		wg.Add(1)
		go func(t *task) { defer wg.Done(); t.stop(deadline) }(t)
	}
	wg.Wait()
	pl.tasks = nil
}

// Names returns the pipelines' names, sorted.
func (w *Worker) Names() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.pipelines))
	for n := range w.pipelines {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Config returns a pipeline's config as given, with ${...} unresolved.
func (w *Worker) Config(name string) (map[string]string, error) {
	pl, err := w.get(name)
	if err != nil {
		return nil, err
	}
	pl.op.Lock()
	defer pl.op.Unlock()
	out := make(map[string]string, len(pl.raw))
	for k, v := range pl.raw {
		out[k] = v
	}
	return out, nil
}

// TaskConfigs returns each task's connector config (unresolved values are
// not kept per task, so these are resolved; PASSWORD keys are masked).
func (w *Worker) TaskConfigs(name string) ([]map[string]string, error) {
	pl, err := w.get(name)
	if err != nil {
		return nil, err
	}
	pl.op.Lock()
	defer pl.op.Unlock()
	var out []map[string]string
	for _, t := range pl.tasks {
		m := t.cfg.Originals()
		for k := range m {
			if key, ok := t.plan.conn.Config.Key(k); ok && key.Type == connect.TypePassword {
				m[k] = connect.Hidden
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// Status returns a pipeline's state, its tasks' states and figures.
func (w *Worker) Status(name string) (PipelineStatus, error) {
	pl, err := w.get(name)
	if err != nil {
		return PipelineStatus{}, err
	}
	pl.op.Lock()
	defer pl.op.Unlock()
	ps := PipelineStatus{Name: name, Connector: ConnectorStatus{WorkerID: w.cfg.WorkerID}}
	if pl.plan != nil {
		ps.Type = pl.plan.kind.String()
	}
	switch {
	case pl.failed != nil:
		ps.Connector.State, ps.Connector.Trace = StateFailed, trace(pl.failed)
	case pl.target == TargetStopped:
		ps.Connector.State = StateStopped
	case !w.isRunning():
		ps.Connector.State = StateUnassigned
	case pl.target == TargetPaused:
		ps.Connector.State = StatePaused
	default:
		ps.Connector.State = StateRunning
	}
	for _, t := range pl.tasks {
		ps.Tasks = append(ps.Tasks, t.status())
	}
	return ps, nil
}

// Offsets returns the stored source offsets of a pipeline.
func (w *Worker) Offsets(ctx context.Context, name string) ([]connect.SourceOffset, error) {
	if _, err := w.get(name); err != nil {
		return nil, err
	}
	st, err := w.offsetStore(ctx)
	if err != nil {
		return nil, err
	}
	return st.List(ctx, name)
}

// AlterOffsets writes offsets for a STOPPED pipeline (KIP-875); a nil
// Offset resets that partition.
func (w *Worker) AlterOffsets(ctx context.Context, name string, offsets []connect.SourceOffset) error {
	pl, err := w.get(name)
	if err != nil {
		return err
	}
	pl.op.Lock()
	defer pl.op.Unlock()
	if pl.target != TargetStopped || len(pl.tasks) > 0 {
		return fmt.Errorf("%w: pipeline %q must be STOPPED before its offsets are altered (PUT /connectors/%s/stop)", ErrNotStopped, name, name)
	}
	st, err := w.offsetStore(ctx)
	if err != nil {
		return err
	}
	return st.Put(ctx, name, offsets)
}

// ResetOffsets deletes every stored offset of a STOPPED pipeline.
func (w *Worker) ResetOffsets(ctx context.Context, name string) error {
	pl, err := w.get(name)
	if err != nil {
		return err
	}
	pl.op.Lock()
	defer pl.op.Unlock()
	if pl.target != TargetStopped || len(pl.tasks) > 0 {
		return fmt.Errorf("%w: pipeline %q must be STOPPED before its offsets are reset (PUT /connectors/%s/stop)", ErrNotStopped, name, name)
	}
	st, err := w.offsetStore(ctx)
	if err != nil {
		return err
	}
	cur, err := st.List(ctx, name)
	if err != nil {
		return err
	}
	for i := range cur {
		cur[i].Offset = nil
	}
	if len(cur) == 0 {
		return nil
	}
	return st.Put(ctx, name, cur)
}

// Validate checks a pipeline config without creating anything and returns
// one ConfigValue per key: the runtime keys, the connector's keys and the
// keys of every transform, predicate and converter it names (prefixed as
// in the file), each with its errors. Config providers are resolved.
func (w *Worker) Validate(m map[string]string) []connect.ConfigValue {
	return ValidateConfig(w.reg, w.cfg, w.resolver, m)
}

// ValidateConfig is Validate without a Worker (for `inlet validate`).
func ValidateConfig(reg *connect.Registry, wc WorkerConfig, res *props.Resolver, m map[string]string) []connect.ConfigValue {
	var errs connect.ConfigErrors
	resolved := m
	if res != nil {
		var err error
		resolved, err = res.Resolve(m)
		errs = append(errs, connect.AsConfigErrors(err)...)
	}
	p, err := buildPlan(reg, wc, resolved)
	if err == nil {
		p.close()
	}
	errs = append(errs, connect.AsConfigErrors(err)...)
	byKey := map[string][]string{}
	for _, e := range maskErrors(m, errs) {
		byKey[e.Key] = append(byKey[e.Key], e.Reason)
	}
	seen := map[string]bool{}
	var out []connect.ConfigValue
	add := func(prefix string, def *connect.ConfigDef) {
		for _, k := range def.Keys() {
			name := prefix + k.Name
			if seen[name] {
				continue
			}
			seen[name] = true
			v, ok := m[name]
			if !ok {
				v = k.Default
			}
			if k.Type == connect.TypePassword && v != "" {
				v = connect.Hidden
			}
			key := k
			key.Name = name
			out = append(out, connect.ConfigValue{Key: key, Value: v, Errors: byKey[name]})
		}
	}
	add("", runtimeDef)
	if c := strings.TrimSpace(m[KeyConnectorClass]); c != "" {
		for _, kind := range []connect.Kind{connect.KindSource, connect.KindSink} {
			if pl, err := reg.Lookup(kind, c); err == nil {
				add("", pl.Config)
				break
			}
		}
	}
	for _, a := range connect.SplitList(m[KeyTransforms]) {
		if tp, err := reg.Lookup(connect.KindTransform, m["transforms."+a+".type"]); err == nil {
			add("transforms."+a+".", tp.Config)
		}
	}
	for _, a := range connect.SplitList(m[KeyPredicates]) {
		if pp, err := reg.Lookup(connect.KindPredicate, m["predicates."+a+".type"]); err == nil {
			add("predicates."+a+".", pp.Config)
		}
	}
	var extra []string
	for k := range byKey {
		if !seen[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		v := m[k]
		if looksSecret(k) && v != "" && !strings.Contains(v, "${") {
			v = connect.Hidden
		}
		out = append(out, connect.ConfigValue{Key: connect.ConfigKey{Name: k, Type: connect.TypeString}, Value: v, Errors: byKey[k]})
	}
	return out
}

// CheckConfig validates a pipeline config and returns every problem as
// ConfigErrors (nil when it is valid).
func CheckConfig(reg *connect.Registry, wc WorkerConfig, res *props.Resolver, m map[string]string) connect.ConfigErrors {
	var errs connect.ConfigErrors
	for _, v := range ValidateConfig(reg, wc, res, m) {
		for _, e := range v.Errors {
			val := v.Value
			if v.Key.Type != connect.TypePassword && val != connect.Hidden {
				val = m[v.Key.Name]
			}
			errs = append(errs, &connect.ConfigError{Key: v.Key.Name, Value: val, Reason: e})
		}
	}
	errs.Sort()
	return errs
}

// maskErrors keeps secrets out of error messages: a value that came from a
// config provider is shown as the reference the user wrote, and values of
// keys that look secret (password, secret, jaas, token, credential) are
// shown as [hidden] even when no ConfigDef declares them PASSWORD (say, a
// misspelled key).
func maskErrors(raw map[string]string, errs connect.ConfigErrors) connect.ConfigErrors {
	for _, e := range errs {
		if e.Value == "" || e.Value == connect.Hidden {
			continue
		}
		if r, ok := raw[e.Key]; ok && strings.Contains(r, "${") && r != e.Value {
			e.Value = r
			continue
		}
		if looksSecret(e.Key) {
			e.Value = connect.Hidden
		}
	}
	return errs
}

func looksSecret(key string) bool {
	k := strings.ToLower(key)
	for _, s := range []string{"pass", "pasw", "pwd", "secret", "jaas", "token", "credential", "private", "api.key", "access.key"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}
