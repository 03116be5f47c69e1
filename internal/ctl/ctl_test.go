package ctl

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/connecttest"
	"github.com/inletdev/inlet/connect/worker"
	"github.com/inletdev/inlet/connect/worker/rest"
)

// startWorker runs a real worker with the REST API and connecttest plugins.
func startWorker(t *testing.T) string {
	t.Helper()
	reg := connect.NewRegistry()
	connecttest.RegisterSource(reg, "numbers")
	sinks := connecttest.RegisterSink(reg, "collect")
	sinks.Setup = func(s *connecttest.Sink, _ connect.Config) { s.SlowPut(2 * time.Millisecond) }
	wc, err := worker.ParseWorkerConfig("", map[string]string{
		"offset.storage.file.filename": filepath.Join(t.TempDir(), "off.json"), "offset.flush.interval.ms": "50"})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w, err := worker.New(wc, reg, worker.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	s := rest.New(w, rest.Options{Logger: log})
	s.SetReady(true)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); cancel(); <-done })
	return srv.URL
}

func ctl(t *testing.T, url string, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(append([]string{"--url", url}, args...), &out, &errb)
	return code, out.String() + errb.String()
}

func TestCtlLifecycle(t *testing.T) {
	url := startWorker(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "orders.properties")
	os.WriteFile(file, []byte("name=orders\nconnector.class=numbers\ncount=0\npoll.size=10\nbatch.size=10\nsink.connector.class=collect\n"), 0o600)

	mustOK := func(want string, args ...string) string {
		t.Helper()
		code, out := ctl(t, url, args...)
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("inlet ctl %v = %d %q, want 0 and %q", args, code, out, want)
		}
		return out
	}
	mustOK("pipeline orders created", "create", file)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, out := ctl(t, url, "status", "orders")
		if strings.Contains(out, "task 0: RUNNING") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never RUNNING: %s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mustOK("orders", "list")
	mustOK(`"connector.class": "numbers"`, "show", "orders")
	mustOK("pause requested", "pause", "orders")
	mustOK("pipeline orders updated", "set", "orders", "poll.size=5")
	mustOK(`"poll.size": "5"`, "show", "orders")
	mustOK("pipeline orders updated", "set", "orders", "poll.size=")
	if _, out := ctl(t, url, "show", "orders"); strings.Contains(out, "poll.size") {
		t.Fatalf("set KEY= did not remove the key: %s", out)
	}
	mustOK("resume requested", "resume", "orders")
	mustOK("restarting", "restart", "orders", "--tasks")
	if code, out := ctl(t, url, "offsets-reset", "orders"); code != 1 || !strings.Contains(out, "STOPPED") {
		t.Fatalf("offsets-reset while running = %d %q", code, out)
	}
	mustOK("stop requested", "stop", "orders")
	mustOK(`"offsets"`, "offsets", "orders")
	mustOK("reset successfully", "offsets-reset", "orders")
	alter := filepath.Join(dir, "offsets.json")
	os.WriteFile(alter, []byte(`{"offsets":[{"partition":{"p":0},"offset":{"offset":3}}]}`), 0o600)
	mustOK("altered successfully", "offsets-alter", "orders", alter)
	mustOK("deleted", "delete", "orders")
	if code, out := ctl(t, url, "status", "orders"); code != 1 || !strings.Contains(out, "404") {
		t.Fatalf("status of deleted = %d %q", code, out)
	}
}

func TestCtlValidateAndErrors(t *testing.T) {
	url := startWorker(t)
	bad := filepath.Join(t.TempDir(), "bad.properties")
	os.WriteFile(bad, []byte("name=b\nconnector.class=numbers\ncount=-1\nsink.connector.class=collect\n"), 0o600)
	if code, out := ctl(t, url, "validate", bad); code != 1 || !strings.Contains(out, "count") {
		t.Fatalf("validate bad = %d %q", code, out)
	}
	if code, out := ctl(t, url, "frobnicate"); code != 2 || !strings.Contains(out, "unknown command") {
		t.Fatalf("unknown command = %d %q", code, out)
	}
	if code, out := ctl(t, "http://127.0.0.1:1", "list"); code != 1 || !strings.Contains(out, "cannot reach the worker") {
		t.Fatalf("unreachable = %d %q", code, out)
	}
	if code, out := ctl(t, url, "plugins"); code != 0 || !strings.Contains(out, "numbers") {
		t.Fatalf("plugins = %d %q", code, out)
	}
}

// TestCtlRefusesAnotherServer: a Kafka Connect–like server on the URL (no
// inlet Server header) is not changed: ctl stops before sending the
// DELETE, unless --any-server says it may.
func TestCtlRefusesAnotherServer(t *testing.T) {
	var deletes atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			deletes.Add(1)
			rw.WriteHeader(http.StatusNoContent)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		io.WriteString(rw, `{"version":"3.7.0","commit":"abc","kafka_cluster_id":"xyz"}`)
	}))
	defer other.Close()
	code, out := ctl(t, other.URL, "delete", "orders")
	if code != 1 || !strings.Contains(out, "not an inlet worker") || deletes.Load() != 0 {
		t.Fatalf("delete on another server = %d %q, %d DELETEs sent; want 1, an explanation and none", code, out, deletes.Load())
	}
	if code, out := ctl(t, other.URL, "--any-server", "delete", "orders"); code != 0 || deletes.Load() != 1 {
		t.Fatalf("--any-server delete = %d %q, %d DELETEs; want 0 and 1", code, out, deletes.Load())
	}
}
