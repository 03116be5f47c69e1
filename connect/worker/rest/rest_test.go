package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/connecttest"
	"github.com/inletdev/inlet/connect/worker"
	"github.com/inletdev/inlet/connect/worker/configstore"
	"github.com/inletdev/inlet/connect/worker/rest"
)

// secret is the PASSWORD value of every test pipeline; no response may
// contain it.
const secret = "s3cr3t-pin-4711"

// env is one worker with its REST server, over a real runtime running
// connecttest's in-memory plugins.
type env struct {
	t       *testing.T
	reg     *connect.Registry
	sinks   *connecttest.SinkPlugin
	w       *worker.Worker
	srv     *httptest.Server
	metrics *prometheus.Registry
	dir     string
	stop    func()
	bodies  []string
	mu      sync.Mutex
}

func newRegistry() (*connect.Registry, *connecttest.SinkPlugin) {
	reg := connect.NewRegistry()
	connecttest.RegisterSource(reg, "numbers", "com.example.NumbersSourceConnector")
	sinks := connecttest.RegisterSink(reg, "collect")
	// A sink with a PASSWORD key whose name no heuristic would catch, so
	// masking has to come from the ConfigDef.
	reg.Register(connect.Plugin{
		Kind: connect.KindSink, Name: "vault",
		Config: connect.NewConfigDef(connect.ConfigKey{Name: "auth.pin", Type: connect.TypePassword, Required: true, Doc: "The PIN."}),
		NewSink: func(context.Context, connect.Config, connect.TaskContext) (connect.SinkTask, error) {
			return connecttest.NewSink(), nil
		},
	})
	// Slow every collecting sink down so an endless source does not flood
	// memory: about 10 records per 2 ms.
	sinks.Setup = func(s *connecttest.Sink, _ connect.Config) { s.SlowPut(2 * time.Millisecond) }
	return reg, sinks
}

func newEnv(t *testing.T, dir string) *env {
	t.Helper()
	reg, sinks := newRegistry()
	e := &env{t: t, reg: reg, sinks: sinks, dir: dir}
	e.start()
	return e
}

func (e *env) start() {
	t := e.t
	off := filepath.Join(e.dir, "offsets.json")
	wc, err := worker.ParseWorkerConfig("", map[string]string{
		"offset.storage.file.filename": off,
		"offset.flush.interval.ms":     "50",
	})
	if err != nil {
		t.Fatal(err)
	}
	e.metrics = prometheus.NewRegistry()
	e.metrics.MustRegister(collectors.NewGoCollector())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.w, err = worker.New(wc, e.reg, worker.WithMetrics(e.metrics), worker.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	st, err := configstore.Open(rest.ConfigDir(wc))
	if err != nil {
		t.Fatal(err)
	}
	if err := rest.Restore(context.Background(), e.w, st, nil, log); err != nil {
		t.Fatal(err)
	}
	s := rest.New(e.w, rest.Options{Gatherer: e.metrics, Store: st, Logger: log, Version: "test"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.w.Run(ctx) }()
	s.SetReady(true)
	e.srv = httptest.NewServer(s.Handler())
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			e.srv.Close()
			cancel()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Error("worker did not stop")
			}
		})
	}
	t.Cleanup(e.stop)
}

// do sends a request and returns the status and body; every body is kept
// to check that no secret ever leaks.
func (e *env) do(method, path string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	e.mu.Lock()
	e.bodies = append(e.bodies, string(out)+" "+resp.Header.Get("Location"))
	e.mu.Unlock()
	return resp.StatusCode, out
}

func (e *env) expect(method, path string, body any, code int) []byte {
	e.t.Helper()
	got, out := e.do(method, path, body)
	if got != code {
		e.t.Fatalf("%s %s = %d %s, want %d", method, path, got, out, code)
	}
	return out
}

func (e *env) expectError(method, path string, body any, code int, contains string) {
	e.t.Helper()
	out := e.expect(method, path, body, code)
	var eb struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal(out, &eb); err != nil || eb.ErrorCode != code {
		e.t.Fatalf("%s %s: body %s is not {\"error_code\":%d,...}", method, path, out, code)
	}
	if !strings.Contains(eb.Message, contains) {
		e.t.Fatalf("%s %s: message %q does not contain %q", method, path, eb.Message, contains)
	}
}

type status struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	Connector struct {
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
		Trace    string `json:"trace"`
	} `json:"connector"`
	Tasks []struct {
		ID               int     `json:"id"`
		State            string  `json:"state"`
		Trace            string  `json:"trace"`
		RecordsDelivered int64   `json:"records_delivered"`
		RecordsPerSecond float64 `json:"records_per_second"`
		LastError        string  `json:"last_error"`
	} `json:"tasks"`
}

func (e *env) status(name string) status {
	e.t.Helper()
	var st status
	if err := json.Unmarshal(e.expect("GET", "/connectors/"+name+"/status", nil, 200), &st); err != nil {
		e.t.Fatal(err)
	}
	return st
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func (e *env) taskState(name string) string {
	st := e.status(name)
	if len(st.Tasks) == 0 {
		return "no tasks"
	}
	return st.Tasks[0].State
}

func (e *env) noSecretLeaked() {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, b := range e.bodies {
		if strings.Contains(b, secret) {
			e.t.Fatalf("a response contains the secret: %s", b)
		}
	}
}

func pipelineConfig(topic string) map[string]string {
	return map[string]string{
		"connector.class":      "com.example.NumbersSourceConnector",
		"topic":                topic,
		"count":                "0",
		"poll.size":            "10",
		"batch.size":           "10",
		"sink.connector.class": "collect",
		"sink.api.password":    secret,
	}
}

// delivered counts the records the pipeline's sinks flushed, by topic.
func (e *env) delivered(topic string) int {
	n := 0
	for _, s := range e.sinks.Sinks() {
		for _, r := range s.Records() {
			if r.Topic == topic {
				n++
			}
		}
	}
	return n
}

func TestLifecycle(t *testing.T) {
	e := newEnv(t, t.TempDir())

	// Create → 201 with Location and ConnectorInfo, secrets masked.
	out := e.expect("POST", "/connectors", map[string]any{"name": "orders", "config": pipelineConfig("a")}, 201)
	var info struct {
		Name   string            `json:"name"`
		Config map[string]string `json:"config"`
		Tasks  []map[string]any  `json:"tasks"`
		Type   string            `json:"type"`
	}
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatal(err)
	}
	if info.Name != "orders" || info.Type != "source" || info.Config["sink.api.password"] != connect.Hidden || info.Config["topic"] != "a" {
		t.Fatalf("create answer: %s", out)
	}
	e.expectError("POST", "/connectors", map[string]any{"name": "orders", "config": pipelineConfig("a")}, 409, "already exists")

	// RUNNING, records flow, figures move.
	eventually(t, "RUNNING with records", func() bool {
		st := e.status("orders")
		return st.Connector.State == "RUNNING" && len(st.Tasks) == 1 && st.Tasks[0].State == "RUNNING" && st.Tasks[0].RecordsDelivered > 0
	})
	e.expect("GET", "/connectors", nil, 200)
	var names []string
	json.Unmarshal(e.expect("GET", "/connectors", nil, 200), &names)
	if len(names) != 1 || names[0] != "orders" {
		t.Fatalf("GET /connectors = %v", names)
	}
	var expanded map[string]map[string]json.RawMessage
	json.Unmarshal(e.expect("GET", "/connectors?expand=status&expand=info", nil, 200), &expanded)
	if _, ok := expanded["orders"]["status"]; !ok {
		t.Fatalf("expand=status missing: %v", expanded)
	}
	if _, ok := expanded["orders"]["info"]; !ok {
		t.Fatalf("expand=info missing: %v", expanded)
	}

	// Offsets can be altered only when STOPPED.
	e.expectError("DELETE", "/connectors/orders/offsets", nil, 400, "STOPPED")
	e.expectError("PATCH", "/connectors/orders/offsets", map[string]any{"offsets": []any{map[string]any{"partition": map[string]any{"p": 0}, "offset": nil}}}, 400, "STOPPED")

	// Pause: no records flow; offsets stay.
	e.expect("PUT", "/connectors/orders/pause", nil, 202)
	eventually(t, "PAUSED", func() bool {
		return e.status("orders").Connector.State == "PAUSED" && e.taskState("orders") == "PAUSED"
	})
	time.Sleep(100 * time.Millisecond) // let an in-flight batch land
	before := e.delivered("a")
	time.Sleep(300 * time.Millisecond)
	if after := e.delivered("a"); after != before {
		t.Fatalf("records flowed while paused: %d → %d", before, after)
	}
	var offs struct {
		Offsets []struct {
			Partition map[string]any `json:"partition"`
			Offset    map[string]any `json:"offset"`
		} `json:"offsets"`
	}
	json.Unmarshal(e.expect("GET", "/connectors/orders/offsets", nil, 200), &offs)
	if len(offs.Offsets) == 0 {
		t.Fatalf("no offsets kept while paused")
	}

	// Edit the config while paused (PUT with the masked secret sent back
	// keeps the secret), then resume: records go to the new topic.
	cfg := pipelineConfig("b")
	cfg["sink.api.password"] = connect.Hidden
	e.expect("PUT", "/connectors/orders/config", cfg, 200)
	var gotCfg map[string]string
	json.Unmarshal(e.expect("GET", "/connectors/orders/config", nil, 200), &gotCfg)
	if gotCfg["topic"] != "b" || gotCfg["sink.api.password"] != connect.Hidden {
		t.Fatalf("config after PUT: %v", gotCfg)
	}
	cur, _ := e.w.Config("orders")
	if cur["sink.api.password"] != secret {
		t.Fatalf("PUT of [hidden] replaced the secret with %q", cur["sink.api.password"])
	}
	if st := e.status("orders"); st.Connector.State != "PAUSED" {
		t.Fatalf("editing a paused pipeline made it %s", st.Connector.State)
	}
	e.expect("PUT", "/connectors/orders/resume", nil, 202)
	eventually(t, "records on topic b", func() bool { return e.delivered("b") > 0 })

	// PATCH one key; null removes a key; PATCH never creates.
	e.expect("PATCH", "/connectors/orders/config", map[string]any{"poll.size": "5"}, 200)
	json.Unmarshal(e.expect("GET", "/connectors/orders/config", nil, 200), &gotCfg)
	if gotCfg["poll.size"] != "5" {
		t.Fatalf("PATCH not applied: %v", gotCfg)
	}
	e.expect("PATCH", "/connectors/orders/config", map[string]any{"poll.size": nil}, 200)
	gotCfg = nil // Unmarshal merges into a non-nil map
	json.Unmarshal(e.expect("GET", "/connectors/orders/config", nil, 200), &gotCfg)
	if _, ok := gotCfg["poll.size"]; ok {
		t.Fatalf("PATCH null did not remove the key: %v", gotCfg)
	}
	e.expectError("PATCH", "/connectors/nope/config", map[string]any{"a": "b"}, 404, "not found")

	// A failing sink fails the task; restarting the task brings it back.
	eventually(t, "RUNNING again", func() bool { return e.taskState("orders") == "RUNNING" })
	// The edits restarted the task with a new sink; fail that one once it
	// has delivered something.
	eventually(t, "the new sink delivers", func() bool { return e.sinks.Last().Len() > 0 })
	e.sinks.Last().FailPut(connect.Permanent(errors.New("disk on fire")))
	eventually(t, "FAILED", func() bool { return e.taskState("orders") == "FAILED" })
	st := e.status("orders")
	if !strings.Contains(st.Tasks[0].Trace, "disk on fire") {
		t.Fatalf("trace of the failed task does not say why: %q", st.Tasks[0].Trace)
	}
	var ts map[string]any
	json.Unmarshal(e.expect("GET", "/connectors/orders/tasks/0/status", nil, 200), &ts)
	if ts["state"] != "FAILED" || !strings.Contains(ts["trace"].(string), "disk on fire") {
		t.Fatalf("task status: %v", ts)
	}
	e.expectError("GET", "/connectors/orders/tasks/7/status", nil, 404, "not found")
	e.expectError("GET", "/connectors/orders/tasks/x/status", nil, 400, "task id")
	e.expect("POST", "/connectors/orders/tasks/0/restart", nil, 204)
	eventually(t, "task RUNNING after restart", func() bool { return e.taskState("orders") == "RUNNING" })
	n := e.delivered("b")
	eventually(t, "records after restart", func() bool { return e.delivered("b") > n })

	// restart ?includeTasks → 202 with RESTARTING; plain restart → 204.
	var rs status
	json.Unmarshal(e.expect("POST", "/connectors/orders/restart?includeTasks=true", nil, 202), &rs)
	if rs.Connector.State != "RESTARTING" || rs.Tasks[0].State != "RESTARTING" {
		t.Fatalf("restart answer: %+v", rs)
	}
	e.expect("POST", "/connectors/orders/restart", nil, 204)
	e.expectError("POST", "/connectors/orders/restart?includeTasks=maybe", nil, 400, "includeTasks")
	eventually(t, "RUNNING after restart", func() bool { return e.taskState("orders") == "RUNNING" })

	// Tasks: ids and masked configs.
	var tasks []struct {
		ID struct {
			Connector string `json:"connector"`
			Task      int    `json:"task"`
		} `json:"id"`
		Config map[string]string `json:"config"`
	}
	json.Unmarshal(e.expect("GET", "/connectors/orders/tasks", nil, 200), &tasks)
	if len(tasks) != 1 || tasks[0].ID.Connector != "orders" || tasks[0].ID.Task != 0 {
		t.Fatalf("tasks: %+v", tasks)
	}

	// Stop, then reset and alter offsets.
	e.expect("PUT", "/connectors/orders/stop", nil, 204)
	eventually(t, "STOPPED", func() bool { return e.status("orders").Connector.State == "STOPPED" })
	json.Unmarshal(e.expect("GET", "/connectors/orders/offsets", nil, 200), &offs)
	if len(offs.Offsets) == 0 {
		t.Fatal("offsets lost by stop")
	}
	part := offs.Offsets[0].Partition
	e.expectError("PATCH", "/connectors/orders/offsets", map[string]any{"offsets": []any{}}, 400, "need to be provided")
	e.expect("PATCH", "/connectors/orders/offsets", map[string]any{"offsets": []any{map[string]any{"partition": part, "offset": map[string]any{"seq": 7}}}}, 200)
	json.Unmarshal(e.expect("GET", "/connectors/orders/offsets", nil, 200), &offs)
	if len(offs.Offsets) != 1 || offs.Offsets[0].Offset["seq"] != float64(7) {
		t.Fatalf("offsets after PATCH: %+v", offs)
	}
	e.expect("DELETE", "/connectors/orders/offsets", nil, 200)
	json.Unmarshal(e.expect("GET", "/connectors/orders/offsets", nil, 200), &offs)
	if len(offs.Offsets) != 0 {
		t.Fatalf("offsets after DELETE: %+v", offs)
	}
	// Resume works from STOPPED.
	e.expect("PUT", "/connectors/orders/resume", nil, 202)
	eventually(t, "RUNNING after stop", func() bool { return e.taskState("orders") == "RUNNING" })

	// Delete.
	e.expect("DELETE", "/connectors/orders", nil, 204)
	e.expectError("GET", "/connectors/orders", nil, 404, "Connector orders not found")
	e.expectError("DELETE", "/connectors/orders", nil, 404, "not found")
	e.noSecretLeaked()
}

func TestNotFoundEverywhere(t *testing.T) {
	e := newEnv(t, t.TempDir())
	for _, c := range []struct{ method, path string }{
		{"GET", "/connectors/x"}, {"GET", "/connectors/x/config"}, {"GET", "/connectors/x/status"},
		{"POST", "/connectors/x/restart"}, {"PUT", "/connectors/x/pause"}, {"PUT", "/connectors/x/resume"},
		{"PUT", "/connectors/x/stop"}, {"DELETE", "/connectors/x"}, {"GET", "/connectors/x/tasks"},
		{"GET", "/connectors/x/tasks/0/status"}, {"POST", "/connectors/x/tasks/0/restart"},
		{"GET", "/connectors/x/offsets"}, {"DELETE", "/connectors/x/offsets"}, {"GET", "/connectors/x/topics"},
	} {
		e.expectError(c.method, c.path, nil, 404, "Connector x not found")
	}
	e.expectError("GET", "/no/such/path", nil, 404, "Not Found")
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.expectError("POST", "/connectors", `{"name": "a", "config": {`, 400, "not valid JSON")
	e.expectError("POST", "/connectors", ``, 400, "empty")
	e.expectError("POST", "/connectors", `{"config": {"connector.class": "numbers"}}`, 400, "name")
	e.expectError("POST", "/connectors", map[string]any{"name": "a", "config": map[string]string{"name": "b", "connector.class": "numbers"}}, 400, "doesn't match")
	e.expectError("POST", "/connectors", map[string]any{"name": "a", "config": pipelineConfig("t"), "initial_state": "SLEEPING"}, 400, "initial_state")
	// An invalid config names every problem with its key.
	bad := map[string]string{"connector.class": "numbers", "tasks.max": "many", "count": "-1", "sink.connector.class": "collect",
		"transforms": "x", "transforms.x.type": "NoSuchTransform"}
	e.expectError("POST", "/connectors", map[string]any{"name": "a", "config": bad}, 400, "tasks.max")
	_, out := e.do("POST", "/connectors", map[string]any{"name": "a", "config": bad})
	for _, key := range []string{"tasks.max", "count", "transforms.x.type"} {
		if !strings.Contains(string(out), key) {
			t.Errorf("invalid-config answer does not name %s: %s", key, out)
		}
	}
	e.expectError("PUT", "/connectors/a/config", map[string]string{"name": "b"}, 400, "doesn't match")
	big := `{"name":"a","config":{"x":"` + strings.Repeat("y", rest.DefaultMaxBody) + `"}}`
	e.expectError("POST", "/connectors", big, 413, "larger than")
	// PUT creates (201), then updates (200).
	e.expect("PUT", "/connectors/p/config", pipelineConfig("t"), 201)
	e.expect("PUT", "/connectors/p/config", pipelineConfig("u"), 200)
	// initial_state STOPPED: no tasks.
	e.expect("POST", "/connectors", map[string]any{"name": "s", "config": pipelineConfig("t"), "initial_state": "STOPPED"}, 201)
	if st := e.status("s"); st.Connector.State != "STOPPED" || len(st.Tasks) != 0 {
		t.Fatalf("initial_state STOPPED: %+v", st)
	}
	e.noSecretLeaked()
}

func TestRootHealthPluginsValidateLoggers(t *testing.T) {
	e := newEnv(t, t.TempDir())
	var root map[string]any
	json.Unmarshal(e.expect("GET", "/", nil, 200), &root)
	if root["version"] != "test" {
		t.Fatalf("GET / = %v", root)
	}
	e.expect("GET", "/health", nil, 200)

	var plugins []map[string]any
	json.Unmarshal(e.expect("GET", "/connector-plugins", nil, 200), &plugins)
	for _, p := range plugins {
		if p["type"] != "source" && p["type"] != "sink" {
			t.Fatalf("connectorsOnly default listed %v", p)
		}
	}
	e.expect("GET", "/connector-plugins?connectorsOnly=false", nil, 200)
	var keys []map[string]any
	json.Unmarshal(e.expect("GET", "/connector-plugins/vault/config", nil, 200), &keys)
	if len(keys) != 1 || keys[0]["name"] != "auth.pin" || keys[0]["type"] != "PASSWORD" || keys[0]["required"] != true {
		t.Fatalf("plugin config: %v", keys)
	}
	e.expectError("GET", "/connector-plugins/NoSuch/config", nil, 404, "NoSuch")

	// validate: every error per key, error_count, secrets masked.
	cfg := map[string]string{"connector.class": "numbers", "count": "-5", "poll.size": "x", "sink.connector.class": "vault", "sink.auth.pin": secret}
	var v struct {
		Name       string `json:"name"`
		ErrorCount int    `json:"error_count"`
		Configs    []struct {
			Definition map[string]any `json:"definition"`
			Value      struct {
				Name   string   `json:"name"`
				Value  *string  `json:"value"`
				Errors []string `json:"errors"`
			} `json:"value"`
		} `json:"configs"`
	}
	json.Unmarshal(e.expect("PUT", "/connector-plugins/numbers/config/validate", cfg, 200), &v)
	errsByKey := map[string][]string{}
	for _, c := range v.Configs {
		if len(c.Value.Errors) > 0 {
			errsByKey[c.Value.Name] = c.Value.Errors
		}
	}
	if v.ErrorCount < 2 || len(errsByKey["count"]) == 0 || len(errsByKey["poll.size"]) == 0 {
		t.Fatalf("validate: count=%d errors=%v", v.ErrorCount, errsByKey)
	}
	e.expectError("PUT", "/connector-plugins/collect/config/validate", cfg, 400, "does not match")
	e.expectError("PUT", "/connector-plugins/numbers/config/validate", map[string]string{"count": "1"}, 400, "connector.class")

	// loggers
	var lv []string
	json.Unmarshal(e.expect("PUT", "/admin/loggers/inlet.pipeline", map[string]string{"level": "DEBUG"}, 200), &lv)
	if len(lv) == 0 || lv[0] != "inlet.pipeline" {
		t.Fatalf("PUT logger: %v", lv)
	}
	var one map[string]any
	json.Unmarshal(e.expect("GET", "/admin/loggers/inlet.pipeline.orders", nil, 200), &one)
	if one["level"] != "DEBUG" {
		t.Fatalf("inherited level: %v", one)
	}
	var all map[string]map[string]any
	json.Unmarshal(e.expect("GET", "/admin/loggers", nil, 200), &all)
	if all["root"]["level"] != "INFO" || all["inlet.pipeline"]["level"] != "DEBUG" || all["inlet.pipeline"]["last_modified"] == nil {
		t.Fatalf("loggers: %v", all)
	}
	e.expectError("PUT", "/admin/loggers/x", map[string]string{}, 400, "level")
	e.expectError("PUT", "/admin/loggers/x", map[string]string{"level": "LOUD"}, 404, "invalid log level")
	e.expect("PUT", "/admin/loggers/x?scope=cluster", map[string]string{"level": "WARN"}, 204)
	e.noSecretLeaked()
}

func TestRestartKeepsRESTCreatedPipelines(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, dir)
	e.expect("POST", "/connectors", map[string]any{"name": "kept", "config": pipelineConfig("k")}, 201)
	e.expect("POST", "/connectors", map[string]any{"name": "paused", "config": pipelineConfig("p"), "initial_state": "PAUSED"}, 201)
	e.expect("POST", "/connectors", map[string]any{"name": "gone", "config": pipelineConfig("g")}, 201)
	e.expect("PUT", "/connectors/kept/config", pipelineConfig("k2"), 200)
	e.expect("PUT", "/connectors/paused/stop", nil, 204)
	e.expect("DELETE", "/connectors/gone", nil, 204)
	e.stop()

	e2 := newEnv(t, dir)
	var names []string
	json.Unmarshal(e2.expect("GET", "/connectors", nil, 200), &names)
	if strings.Join(names, ",") != "kept,paused" {
		t.Fatalf("after restart: %v", names)
	}
	var cfg map[string]string
	json.Unmarshal(e2.expect("GET", "/connectors/kept/config", nil, 200), &cfg)
	if cfg["topic"] != "k2" {
		t.Fatalf("edited config not kept: %v", cfg)
	}
	if st := e2.status("paused"); st.Connector.State != "STOPPED" {
		t.Fatalf("target state not kept: %s", st.Connector.State)
	}
	eventually(t, "restored pipeline delivers", func() bool { return e2.delivered("k2") > 0 })
	e.noSecretLeaked()
	e2.noSecretLeaked()
}

func TestMetricsMoveWithRecords(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.expect("POST", "/connectors", map[string]any{"name": "m", "config": pipelineConfig("m")}, 201)
	scrape := func() map[string]*dto.MetricFamily {
		_, body := e.do("GET", "/metrics", nil)
		var p expfmt.TextParser
		fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("metrics are not Prometheus text: %v", err)
		}
		return fams
	}
	value := func(fams map[string]*dto.MetricFamily, name string) float64 {
		f := fams[name]
		if f == nil {
			return -1
		}
		for _, m := range f.Metric {
			for _, l := range m.Label {
				if l.GetName() == "pipeline" && l.GetValue() == "m" {
					return m.GetCounter().GetValue()
				}
			}
		}
		return -1
	}
	eventually(t, "records counted", func() bool { return value(scrape(), "inlet_source_record_write_total") > 0 })
	first := scrape()
	a := value(first, "inlet_source_record_poll_total")
	eventually(t, "counters move", func() bool { return value(scrape(), "inlet_source_record_poll_total") > a })
	// The end-to-end lag gauge is exported for every task.
	if f := first["inlet_record_lag_seconds"]; f == nil || len(f.Metric) == 0 {
		t.Fatal("inlet_record_lag_seconds missing")
	}
	if _, ok := first["go_goroutines"]; !ok {
		t.Fatal("Go runtime metrics missing from /metrics")
	}
	e.expect("PUT", "/connectors/m/pause", nil, 202)
	eventually(t, "PAUSED", func() bool { return e.taskState("m") == "PAUSED" })
	time.Sleep(100 * time.Millisecond)
	w1 := value(scrape(), "inlet_source_record_write_total")
	time.Sleep(200 * time.Millisecond)
	if w2 := value(scrape(), "inlet_source_record_write_total"); w2 != w1 {
		t.Fatalf("write counter moved while paused: %v → %v", w1, w2)
	}
}
