package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/worker"
	"github.com/inletdev/inlet/connect/worker/configstore"
)

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.root)
	m.HandleFunc("GET /health", s.health)
	m.Handle("GET /metrics", s.metricsHandler())

	m.HandleFunc("GET /connectors", s.listConnectors)
	m.HandleFunc("POST /connectors", s.createConnector)
	m.HandleFunc("GET /connectors/{name}", s.getConnector)
	m.HandleFunc("DELETE /connectors/{name}", s.deleteConnector)
	m.HandleFunc("GET /connectors/{name}/config", s.getConfig)
	m.HandleFunc("PUT /connectors/{name}/config", s.putConfig)
	m.HandleFunc("PATCH /connectors/{name}/config", s.patchConfig)
	m.HandleFunc("GET /connectors/{name}/status", s.getStatus)
	m.HandleFunc("POST /connectors/{name}/restart", s.restart)
	m.HandleFunc("PUT /connectors/{name}/pause", s.pause)
	m.HandleFunc("PUT /connectors/{name}/resume", s.resume)
	m.HandleFunc("PUT /connectors/{name}/stop", s.stop)
	m.HandleFunc("GET /connectors/{name}/tasks", s.getTasks)
	m.HandleFunc("GET /connectors/{name}/tasks-config", s.getTasksConfig)
	m.HandleFunc("GET /connectors/{name}/tasks/{task}/status", s.getTaskStatus)
	m.HandleFunc("POST /connectors/{name}/tasks/{task}/restart", s.restartTask)
	m.HandleFunc("GET /connectors/{name}/offsets", s.getOffsets)
	m.HandleFunc("PATCH /connectors/{name}/offsets", s.patchOffsets)
	m.HandleFunc("DELETE /connectors/{name}/offsets", s.deleteOffsets)
	m.HandleFunc("GET /connectors/{name}/topics", s.topics)
	m.HandleFunc("PUT /connectors/{name}/topics/reset", s.topics)

	m.HandleFunc("GET /connector-plugins", s.listPlugins)
	m.HandleFunc("GET /connector-plugins/{plugin}/config", s.pluginConfig)
	m.HandleFunc("PUT /connector-plugins/{plugin}/config/validate", s.validate)

	m.HandleFunc("GET /admin/loggers", s.getLoggers)
	m.HandleFunc("GET /admin/loggers/{logger}", s.getLogger)
	m.HandleFunc("PUT /admin/loggers/{logger}", s.putLogger)

	m.HandleFunc("/", func(rw http.ResponseWriter, r *http.Request) {
		writeError(rw, http.StatusNotFound, "HTTP 404 Not Found: "+r.Method+" "+r.URL.Path)
	})
	s.mux = m
}

// --- answers -------------------------------------------------------------

type errorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

func writeJSON(rw http.ResponseWriter, code int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(code)
	if v != nil {
		enc := json.NewEncoder(rw)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
	}
}

func writeError(rw http.ResponseWriter, code int, msg string) {
	writeJSON(rw, code, errorBody{ErrorCode: code, Message: msg})
}

// fail maps the worker's errors to Kafka Connect's status codes.
func (s *Server) fail(rw http.ResponseWriter, name string, err error) {
	var cie *worker.ConfigInvalidError
	var ces connect.ConfigErrors
	switch {
	case errors.Is(err, worker.ErrNotFound):
		writeError(rw, http.StatusNotFound, fmt.Sprintf("Connector %s not found", name))
	case errors.Is(err, worker.ErrExists):
		writeError(rw, http.StatusConflict, fmt.Sprintf("Connector %s already exists", name))
	case errors.Is(err, worker.ErrNotStopped):
		writeError(rw, http.StatusBadRequest, err.Error())
	case errors.As(err, &cie):
		writeError(rw, http.StatusBadRequest, invalidMessage(cie.Errors))
	case errors.As(err, &ces):
		writeError(rw, http.StatusBadRequest, invalidMessage(ces))
	default:
		s.logger.Error("request failed", "pipeline", name, "err", err)
		writeError(rw, http.StatusInternalServerError, err.Error())
	}
}

// invalidMessage is Kafka Connect's text, with every error naming its key.
func invalidMessage(es connect.ConfigErrors) string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return fmt.Sprintf("Connector configuration is invalid and contains the following %d error(s):\n%s\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
		len(es), strings.Join(lines, "\n"))
}

// readJSON decodes a request body, answering 400 with a clear message
// when it is not JSON of the expected shape.
func readJSON(rw http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(rw, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", mbe.Limit))
			return false
		}
		writeError(rw, http.StatusBadRequest, "cannot read request body: "+err.Error())
		return false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		writeError(rw, http.StatusBadRequest, "request body is empty; expected JSON")
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		writeError(rw, http.StatusBadRequest, "request body is not valid JSON of the expected shape: "+err.Error())
		return false
	}
	return true
}

// --- root ------------------------------------------------------------------

func (s *Server) root(rw http.ResponseWriter, r *http.Request) {
	writeJSON(rw, http.StatusOK, map[string]any{"version": s.o.Version, "commit": s.o.Commit, "kafka_cluster_id": nil})
}

func (s *Server) health(rw http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		writeJSON(rw, http.StatusServiceUnavailable, map[string]string{"status": "starting", "message": "Worker is still starting up."})
		return
	}
	writeJSON(rw, http.StatusOK, map[string]string{"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."})
}

// --- connectors --------------------------------------------------------------

type connectorInfo struct {
	Name   string            `json:"name"`
	Config map[string]string `json:"config"`
	Tasks  []taskID          `json:"tasks"`
	Type   string            `json:"type"`
}

type taskID struct {
	Connector string `json:"connector"`
	Task      int    `json:"task"`
}

func (s *Server) info(name string) (connectorInfo, error) {
	cfg, err := s.w.Config(name)
	if err != nil {
		return connectorInfo{}, err
	}
	st, err := s.w.Status(name)
	if err != nil {
		return connectorInfo{}, err
	}
	ci := connectorInfo{Name: name, Config: s.mask.mask(cfg), Tasks: []taskID{}, Type: st.Type}
	if ci.Type == "" {
		ci.Type = "unknown"
	}
	for _, t := range st.Tasks {
		ci.Tasks = append(ci.Tasks, taskID{name, t.ID})
	}
	return ci, nil
}

type statusBody struct {
	Name      string          `json:"name"`
	Connector connectorStatus `json:"connector"`
	Tasks     []taskStatus    `json:"tasks"`
	Type      string          `json:"type"`
}

type connectorStatus struct {
	State    string `json:"state"`
	WorkerID string `json:"worker_id"`
	Trace    string `json:"trace,omitempty"`
}

// taskStatus is Kafka Connect's task status plus inlet's headline figures
// (extra fields that Connect clients ignore), for a console-style view.
type taskStatus struct {
	ID               int              `json:"id"`
	State            string           `json:"state"`
	WorkerID         string           `json:"worker_id"`
	Trace            string           `json:"trace,omitempty"`
	RecordsPolled    int64            `json:"records_polled"`
	RecordsDelivered int64            `json:"records_delivered"`
	RecordsSkipped   int64            `json:"records_skipped"`
	RecordsPerSecond float64          `json:"records_per_second"`
	LastError        string           `json:"last_error,omitempty"`
	LastErrorTime    *time.Time       `json:"last_error_time,omitempty"`
	Progress         []progressStatus `json:"progress,omitempty"`
}

type progressStatus struct {
	Phase     string `json:"phase"`
	Item      string `json:"item,omitempty"`
	Done      int64  `json:"done"`
	Total     int64  `json:"total,omitempty"`
	Completed bool   `json:"completed"`
}

func toTaskStatus(t worker.TaskStatus) taskStatus {
	ts := taskStatus{ID: t.ID, State: string(t.State), WorkerID: t.WorkerID, Trace: t.Trace,
		RecordsPolled: t.RecordsPolled, RecordsDelivered: t.RecordsDelivered, RecordsSkipped: t.RecordsSkipped,
		RecordsPerSecond: t.RecordsPerSecond, LastError: t.LastError}
	if !t.LastErrorTime.IsZero() {
		lt := t.LastErrorTime
		ts.LastErrorTime = &lt
	}
	for _, p := range t.Progress {
		ts.Progress = append(ts.Progress, progressStatus(p))
	}
	return ts
}

func (s *Server) status(name string) (statusBody, error) {
	st, err := s.w.Status(name)
	if err != nil {
		return statusBody{}, err
	}
	sb := statusBody{Name: name, Type: st.Type, Tasks: []taskStatus{},
		Connector: connectorStatus{State: string(st.Connector.State), WorkerID: st.Connector.WorkerID, Trace: st.Connector.Trace}}
	if sb.Type == "" {
		sb.Type = "unknown"
	}
	for _, t := range st.Tasks {
		sb.Tasks = append(sb.Tasks, toTaskStatus(t))
	}
	return sb, nil
}

func (s *Server) listConnectors(rw http.ResponseWriter, r *http.Request) {
	names := s.w.Names()
	expand := r.URL.Query()["expand"]
	if len(expand) == 0 {
		writeJSON(rw, http.StatusOK, names)
		return
	}
	out := map[string]map[string]any{}
	for _, n := range names {
		entry := map[string]any{}
		for _, e := range expand {
			switch e {
			case "status":
				if st, err := s.status(n); err == nil {
					entry["status"] = st
				}
			case "info":
				if ci, err := s.info(n); err == nil {
					entry["info"] = ci
				}
			default:
				writeError(rw, http.StatusBadRequest, fmt.Sprintf("unknown expand value %q: use status or info", e))
				return
			}
		}
		out[n] = entry
	}
	writeJSON(rw, http.StatusOK, out)
}

type createRequest struct {
	Name         string            `json:"name"`
	Config       map[string]string `json:"config"`
	InitialState string            `json:"initial_state"`
}

func (s *Server) createConnector(rw http.ResponseWriter, r *http.Request) {
	var req createRequest
	if !readJSON(rw, r, &req) {
		return
	}
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" {
		req.Name = strings.TrimSpace(req.Config["name"])
	}
	if req.Name == "" {
		writeError(rw, http.StatusBadRequest, "Connector name configuration must be provided (\"name\")")
		return
	}
	if req.Config == nil {
		writeError(rw, http.StatusBadRequest, "Connector config must be provided (\"config\")")
		return
	}
	if n, ok := req.Config["name"]; ok && n != req.Name {
		writeError(rw, http.StatusBadRequest, fmt.Sprintf("Connector name configuration (%s) doesn't match connector name in the URL (%s)", n, req.Name))
		return
	}
	state := worker.TargetState(strings.ToUpper(strings.TrimSpace(req.InitialState)))
	if state == "" {
		state = worker.TargetRunning
	}
	if state != worker.TargetRunning && state != worker.TargetPaused && state != worker.TargetStopped {
		writeError(rw, http.StatusBadRequest, fmt.Sprintf("initial_state %q is not one of RUNNING, PAUSED, STOPPED", req.InitialState))
		return
	}
	if err := s.w.Create(r.Context(), req.Name, req.Config, state); err != nil {
		s.fail(rw, req.Name, err)
		return
	}
	if !s.persist(rw, req.Name, state) {
		return
	}
	ci, err := s.info(req.Name)
	if err != nil {
		s.fail(rw, req.Name, err)
		return
	}
	rw.Header().Set("Location", "/connectors/"+pathEscape(req.Name))
	writeJSON(rw, http.StatusCreated, ci)
}

// persist writes the pipeline's current config and target state to the
// store. A pipeline the worker accepted but the store could not save would
// silently vanish at the next restart, so that is reported as a 500.
func (s *Server) persist(rw http.ResponseWriter, name string, state worker.TargetState) bool {
	if s.o.Store == nil {
		return true
	}
	cfg, err := s.w.Config(name)
	if err == nil {
		err = s.o.Store.Save(configstore.Entry{Name: name, Config: cfg, State: string(state)})
	}
	if err != nil {
		writeError(rw, http.StatusInternalServerError, fmt.Sprintf("pipeline %s was applied but could not be persisted, it will not survive a restart: %v", name, err))
		return false
	}
	return true
}

func (s *Server) persistState(name string, state worker.TargetState) error {
	if s.o.Store == nil {
		return nil
	}
	return s.o.Store.SetState(name, string(state))
}

func (s *Server) getConnector(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	ci, err := s.info(name)
	if err != nil {
		s.fail(rw, name, err)
		return
	}
	writeJSON(rw, http.StatusOK, ci)
}

func (s *Server) deleteConnector(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := s.w.Delete(r.Context(), name); err != nil {
		s.fail(rw, name, err)
		return
	}
	if s.o.Store != nil {
		if err := s.o.Store.Delete(name); err != nil {
			writeError(rw, http.StatusInternalServerError, fmt.Sprintf("pipeline %s was deleted but its stored config could not be removed, it will come back at the next restart: %v", name, err))
			return
		}
	}
	rw.WriteHeader(http.StatusNoContent)
}

func (s *Server) getConfig(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	cfg, err := s.w.Config(name)
	if err != nil {
		s.fail(rw, name, err)
		return
	}
	writeJSON(rw, http.StatusOK, s.mask.mask(cfg))
}

func (s *Server) putConfig(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var cfg map[string]string
	if !readJSON(rw, r, &cfg) {
		return
	}
	if n, ok := cfg["name"]; ok && n != name {
		writeError(rw, http.StatusBadRequest, fmt.Sprintf("Connector name configuration (%s) doesn't match connector name in the URL (%s)", n, name))
		return
	}
	s.apply(rw, r.Context(), name, cfg)
}

// apply updates (or creates) a pipeline from a full config, keeping secrets
// sent back as [hidden].
func (s *Server) apply(rw http.ResponseWriter, ctx context.Context, name string, cfg map[string]string) {
	if cur, err := s.w.Config(name); err == nil {
		cfg = s.mask.unmask(cfg, cur)
	}
	created, err := s.w.Update(ctx, name, cfg)
	if err != nil {
		s.fail(rw, name, err)
		return
	}
	state := worker.TargetRunning
	if st, err := s.w.Status(name); err == nil {
		switch st.Connector.State {
		case worker.StatePaused:
			state = worker.TargetPaused
		case worker.StateStopped:
			state = worker.TargetStopped
		}
	}
	if !s.persist(rw, name, state) {
		return
	}
	ci, err := s.info(name)
	if err != nil {
		s.fail(rw, name, err)
		return
	}
	if created {
		rw.Header().Set("Location", "/connectors/"+pathEscape(name))
		writeJSON(rw, http.StatusCreated, ci)
		return
	}
	writeJSON(rw, http.StatusOK, ci)
}

func (s *Server) patchConfig(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var patch map[string]*string
	if !readJSON(rw, r, &patch) {
		return
	}
	cur, err := s.w.Config(name)
	if err != nil {
		s.fail(rw, name, err) // PATCH never creates: 404
		return
	}
	next := make(map[string]string, len(cur))
	for k, v := range cur {
		next[k] = v
	}
	for k, v := range patch {
		if v == nil {
			delete(next, k)
			continue
		}
		next[k] = *v
	}
	if n, ok := next["name"]; ok && n != name {
		writeError(rw, http.StatusBadRequest, fmt.Sprintf("Connector name configuration (%s) doesn't match connector name in the URL (%s)", n, name))
		return
	}
	s.apply(rw, r.Context(), name, next)
}

func (s *Server) getStatus(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	sb, err := s.status(name)
	if err != nil {
		s.fail(rw, name, err)
		return
	}
	writeJSON(rw, http.StatusOK, sb)
}

func boolQuery(r *http.Request, key string) (bool, error) {
	v := r.URL.Query().Get(key)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("query parameter %s=%q is not true or false", key, v)
	}
	return b, nil
}

func (s *Server) restart(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	includeTasks, err := boolQuery(r, "includeTasks")
	if err != nil {
		writeError(rw, http.StatusBadRequest, err.Error())
		return
	}
	onlyFailed, err := boolQuery(r, "onlyFailed")
	if err != nil {
		writeError(rw, http.StatusBadRequest, err.Error())
		return
	}
	before, err := s.status(name)
	if err != nil {
		s.fail(rw, name, err)
		return
	}
	if err := s.w.Restart(r.Context(), name, includeTasks, onlyFailed); err != nil {
		s.fail(rw, name, err)
		return
	}
	if !includeTasks && !onlyFailed {
		rw.WriteHeader(http.StatusNoContent)
		return
	}
	// 202 with the instances being restarted shown as RESTARTING, as
	// Kafka Connect answers.
	for i := range before.Tasks {
		if includeTasks && (!onlyFailed || before.Tasks[i].State == string(worker.StateFailed)) {
			before.Tasks[i].State = string(worker.StateRestarting)
			before.Tasks[i].Trace = ""
		}
	}
	if !onlyFailed || before.Connector.State == string(worker.StateFailed) {
		before.Connector.State = string(worker.StateRestarting)
		before.Connector.Trace = ""
	}
	writeJSON(rw, http.StatusAccepted, before)
}

func (s *Server) pause(rw http.ResponseWriter, r *http.Request) {
	s.target(rw, r, s.w.Pause, worker.TargetPaused, http.StatusAccepted)
}

func (s *Server) resume(rw http.ResponseWriter, r *http.Request) {
	s.target(rw, r, s.w.Resume, worker.TargetRunning, http.StatusAccepted)
}

func (s *Server) stop(rw http.ResponseWriter, r *http.Request) {
	s.target(rw, r, s.w.Stop, worker.TargetStopped, http.StatusNoContent)
}

func (s *Server) target(rw http.ResponseWriter, r *http.Request, op func(context.Context, string) error, state worker.TargetState, code int) {
	name := r.PathValue("name")
	if err := op(r.Context(), name); err != nil {
		s.fail(rw, name, err)
		return
	}
	if err := s.persistState(name, state); err != nil {
		writeError(rw, http.StatusInternalServerError, fmt.Sprintf("pipeline %s is %s but that could not be persisted: %v", name, state, err))
		return
	}
	rw.WriteHeader(code)
}

func (s *Server) getTasks(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	cfgs, err := s.w.TaskConfigs(name)
	if err != nil {
		s.fail(rw, name, err)
		return
	}
	type taskInfo struct {
		ID     taskID            `json:"id"`
		Config map[string]string `json:"config"`
	}
	out := []taskInfo{}
	for i, c := range cfgs {
		out = append(out, taskInfo{ID: taskID{name, i}, Config: s.maskTask(name, c)})
	}
	writeJSON(rw, http.StatusOK, out)
}

// maskTask masks a task config, whose keys are the connector's own, using
// the pipeline's config to find the connector.
func (s *Server) maskTask(name string, c map[string]string) map[string]string {
	pc, _ := s.w.Config(name)
	out := make(map[string]string, len(c))
	for k, v := range c {
		if v != "" && v != connect.Hidden && (secretKeys.MatchString(k) || s.mask.secret(pc, k)) {
			v = connect.Hidden
		}
		out[k] = v
	}
	return out
}

func (s *Server) getTasksConfig(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	cfgs, err := s.w.TaskConfigs(name)
	if err != nil {
		s.fail(rw, name, err)
		return
	}
	out := map[string]map[string]string{}
	for i, c := range cfgs {
		out[fmt.Sprintf("%s-%d", name, i)] = s.maskTask(name, c)
	}
	writeJSON(rw, http.StatusOK, out)
}

func (s *Server) taskParam(rw http.ResponseWriter, r *http.Request) (string, int, bool) {
	name := r.PathValue("name")
	id, err := strconv.Atoi(r.PathValue("task"))
	if err != nil || id < 0 {
		writeError(rw, http.StatusBadRequest, fmt.Sprintf("task id %q is not a non-negative integer", r.PathValue("task")))
		return name, 0, false
	}
	return name, id, true
}

func (s *Server) getTaskStatus(rw http.ResponseWriter, r *http.Request) {
	name, id, ok := s.taskParam(rw, r)
	if !ok {
		return
	}
	st, err := s.w.Status(name)
	if err != nil {
		s.fail(rw, name, err)
		return
	}
	for _, t := range st.Tasks {
		if t.ID == id {
			writeJSON(rw, http.StatusOK, toTaskStatus(t))
			return
		}
	}
	writeError(rw, http.StatusNotFound, fmt.Sprintf("Task %s-%d not found", name, id))
}

func (s *Server) restartTask(rw http.ResponseWriter, r *http.Request) {
	name, id, ok := s.taskParam(rw, r)
	if !ok {
		return
	}
	if err := s.w.RestartTask(r.Context(), name, id); err != nil {
		if errors.Is(err, worker.ErrNotFound) {
			if _, err2 := s.w.Config(name); err2 == nil {
				writeError(rw, http.StatusNotFound, fmt.Sprintf("Task %s-%d not found", name, id))
				return
			}
		}
		s.fail(rw, name, err)
		return
	}
	rw.WriteHeader(http.StatusNoContent)
}

// --- offsets (KIP-875) --------------------------------------------------------

type offsetEntry struct {
	Partition map[string]any `json:"partition"`
	Offset    map[string]any `json:"offset"`
}

type offsetsBody struct {
	Offsets []offsetEntry `json:"offsets"`
}

func (s *Server) getOffsets(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	offs, err := s.w.Offsets(r.Context(), name)
	if err != nil {
		s.fail(rw, name, err)
		return
	}
	out := offsetsBody{Offsets: []offsetEntry{}}
	for _, o := range offs {
		out.Offsets = append(out.Offsets, offsetEntry{o.Partition, o.Offset})
	}
	sort.SliceStable(out.Offsets, func(i, j int) bool {
		a, _ := json.Marshal(out.Offsets[i].Partition)
		b, _ := json.Marshal(out.Offsets[j].Partition)
		return string(a) < string(b)
	})
	writeJSON(rw, http.StatusOK, out)
}

func (s *Server) patchOffsets(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var body offsetsBody
	if !readJSON(rw, r, &body) {
		return
	}
	if len(body.Offsets) == 0 {
		writeError(rw, http.StatusBadRequest, "Partitions / offsets need to be provided for an alter offsets request")
		return
	}
	var offs []connect.SourceOffset
	for i, o := range body.Offsets {
		if len(o.Partition) == 0 {
			writeError(rw, http.StatusBadRequest, fmt.Sprintf("offsets[%d]: the source partition may not be null or empty", i))
			return
		}
		offs = append(offs, connect.SourceOffset{Partition: o.Partition, Offset: o.Offset})
	}
	if err := s.w.AlterOffsets(r.Context(), name, offs); err != nil {
		s.fail(rw, name, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]string{"message": "The offsets for this connector have been altered successfully"})
}

func (s *Server) deleteOffsets(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := s.w.ResetOffsets(r.Context(), name); err != nil {
		s.fail(rw, name, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]string{"message": "The offsets for this connector have been reset successfully"})
}

// topics: Kafka Connect's topic tracking is not implemented; answer as a
// Connect worker with topic.tracking.enable=false does.
func (s *Server) topics(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, err := s.w.Config(name); err != nil {
		s.fail(rw, name, err)
		return
	}
	writeError(rw, http.StatusForbidden, "Topic tracking is disabled: inlet does not track the topics a pipeline uses.")
}

// --- plugins ---------------------------------------------------------------

type pluginInfo struct {
	Class   string   `json:"class"`
	Type    string   `json:"type"`
	Version string   `json:"version,omitempty"`
	Aliases []string `json:"aliases,omitempty"`
}

func (s *Server) listPlugins(rw http.ResponseWriter, r *http.Request) {
	onlyConnectors := true
	if v := r.URL.Query().Get("connectorsOnly"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(rw, http.StatusBadRequest, fmt.Sprintf("connectorsOnly=%q is not true or false", v))
			return
		}
		onlyConnectors = b
	}
	out := []pluginInfo{}
	for _, p := range s.w.Registry().Plugins() {
		if p.Kind == connect.KindOffsetStore {
			continue
		}
		if onlyConnectors && p.Kind != connect.KindSource && p.Kind != connect.KindSink {
			continue
		}
		out = append(out, pluginInfo{Class: p.Name, Type: p.Kind.String(), Version: p.Version, Aliases: p.Aliases})
	}
	writeJSON(rw, http.StatusOK, out)
}

// findPlugin looks a name up across kinds; connectors first.
func (s *Server) findPlugin(name string) *connect.Plugin {
	ps := s.w.Registry().Find(name)
	if len(ps) == 0 {
		return nil
	}
	return ps[0]
}

type keyDefinition struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	Required      bool     `json:"required"`
	DefaultValue  *string  `json:"default_value"`
	Importance    string   `json:"importance"`
	Documentation string   `json:"documentation"`
	Group         *string  `json:"group"`
	OrderInGroup  int      `json:"order_in_group"`
	Width         string   `json:"width"`
	DisplayName   string   `json:"display_name"`
	Dependents    []string `json:"dependents"`
}

func definition(k connect.ConfigKey, order int) keyDefinition {
	d := keyDefinition{Name: k.Name, Type: k.Type.String(), Required: k.Required, Importance: k.Importance.String(),
		Documentation: k.Doc, OrderInGroup: order, Width: "NONE", DisplayName: k.Name, Dependents: []string{}}
	if !k.Required {
		def := k.Default
		if k.Type == connect.TypePassword && def != "" {
			def = connect.Hidden
		}
		d.DefaultValue = &def
	}
	if k.Group != "" {
		g := k.Group
		d.Group = &g
	}
	return d
}

func (s *Server) pluginConfig(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("plugin")
	p := s.findPlugin(name)
	if p == nil {
		_, err := s.w.Registry().Lookup(connect.KindSource, name)
		writeError(rw, http.StatusNotFound, fmt.Sprintf("Unknown plugin %s: %v", name, err))
		return
	}
	out := []keyDefinition{}
	for i, k := range p.Config.Keys() {
		out = append(out, definition(k, i+1))
	}
	writeJSON(rw, http.StatusOK, out)
}

type validateConfig struct {
	Definition keyDefinition `json:"definition"`
	Value      validateValue `json:"value"`
}

type validateValue struct {
	Name              string   `json:"name"`
	Value             *string  `json:"value"`
	RecommendedValues []string `json:"recommended_values"`
	Errors            []string `json:"errors"`
	Visible           bool     `json:"visible"`
}

func (s *Server) validate(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("plugin")
	var cfg map[string]string
	if !readJSON(rw, r, &cfg) {
		return
	}
	p := s.findPlugin(name)
	if p == nil || (p.Kind != connect.KindSource && p.Kind != connect.KindSink) {
		writeError(rw, http.StatusNotFound, fmt.Sprintf("Unknown connector plugin %s", name))
		return
	}
	class, ok := cfg["connector.class"]
	if !ok {
		writeError(rw, http.StatusBadRequest, "Connector config must contain connector.class")
		return
	}
	if cp := s.findPlugin(class); cp != p {
		writeError(rw, http.StatusBadRequest, fmt.Sprintf("Included connector type %s does not match request type %s", class, name))
		return
	}
	vals := s.w.Validate(cfg)
	out := struct {
		Name       string           `json:"name"`
		ErrorCount int              `json:"error_count"`
		Groups     []string         `json:"groups"`
		Configs    []validateConfig `json:"configs"`
	}{Name: p.Name, Groups: []string{}, Configs: []validateConfig{}}
	groups := map[string]bool{}
	for i, v := range vals {
		errs := v.Errors
		if errs == nil {
			errs = []string{}
		}
		out.ErrorCount += len(v.Errors)
		val := v.Value
		if val != "" && s.mask.secret(cfg, v.Key.Name) {
			val = connect.Hidden
		}
		rec := v.Key.Recommended
		if rec == nil {
			rec = []string{}
		}
		out.Configs = append(out.Configs, validateConfig{
			Definition: definition(v.Key, i+1),
			Value:      validateValue{Name: v.Key.Name, Value: &val, RecommendedValues: rec, Errors: errs, Visible: true},
		})
		if v.Key.Group != "" && !groups[v.Key.Group] {
			groups[v.Key.Group] = true
			out.Groups = append(out.Groups, v.Key.Group)
		}
	}
	writeJSON(rw, http.StatusOK, out)
}

// --- loggers ------------------------------------------------------------------

func (s *Server) getLoggers(rw http.ResponseWriter, r *http.Request) {
	writeJSON(rw, http.StatusOK, s.o.Levels.All())
}

func (s *Server) getLogger(rw http.ResponseWriter, r *http.Request) {
	writeJSON(rw, http.StatusOK, s.o.Levels.Get(r.PathValue("logger")))
}

func (s *Server) putLogger(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("logger")
	var body struct {
		Level *string `json:"level"`
	}
	if !readJSON(rw, r, &body) {
		return
	}
	if body.Level == nil || strings.TrimSpace(*body.Level) == "" {
		writeError(rw, http.StatusBadRequest, "The request body must specify a log level (\"level\")")
		return
	}
	lvl, ok := ParseLevel(*body.Level)
	if !ok {
		writeError(rw, http.StatusNotFound, fmt.Sprintf("invalid log level '%s' (TRACE, DEBUG, INFO, WARN, ERROR, OFF)", *body.Level))
		return
	}
	switch scope := r.URL.Query().Get("scope"); strings.ToLower(scope) {
	case "", "worker":
		writeJSON(rw, http.StatusOK, s.o.Levels.Set(name, lvl))
	case "cluster":
		// A standalone worker is the whole cluster.
		s.o.Levels.Set(name, lvl)
		rw.WriteHeader(http.StatusNoContent)
	default:
		writeError(rw, http.StatusBadRequest, fmt.Sprintf("scope=%q is not worker or cluster", scope))
	}
}

func pathEscape(s string) string {
	r := strings.NewReplacer("%", "%25", "/", "%2F", " ", "%20", "?", "%3F", "#", "%23")
	return r.Replace(s)
}
