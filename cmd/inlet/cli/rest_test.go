package cli

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/connecttest"
)

// syncBuffer is a bytes.Buffer safe for the worker's logger and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var listening = regexp.MustCompile(`REST API listening"? url=(\S+)`)

// startStandalone runs `inlet standalone` in process and returns the REST
// URL it logged and a func that stops it (SIGTERM-equivalent) and returns
// its exit code.
func startStandalone(t *testing.T, reg *connect.Registry, args ...string) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- Run(ctx, reg, append([]string{"standalone"}, args...), &stderr, &stderr) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if m := listening.FindStringSubmatch(stderr.String()); m != nil {
			return m[1], func() int { cancel(); return <-done }
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("REST API never listened:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStandaloneServesRESTAndKeepsItsPipelines(t *testing.T) {
	reg := connect.NewRegistry()
	connecttest.RegisterSource(reg, "numbers")
	sinks := connecttest.RegisterSink(reg, "collect")
	sinks.Setup = func(s *connecttest.Sink, _ connect.Config) { s.SlowPut(2 * time.Millisecond) }
	dir := t.TempDir()
	wf := write(t, dir, "worker.properties", "offset.storage.file.filename="+filepath.Join(dir, "off.json")+"\nlisteners=http://127.0.0.1:0\noffset.flush.interval.ms=100\n")
	pf := write(t, dir, "pipeline.properties", "name=fromfile\nconnector.class=numbers\ncount=0\nsink.connector.class=collect\n")
	pipeline := write(t, dir, "rest.properties", "name=viarest\nconnector.class=numbers\ncount=0\nsink.connector.class=collect\n")

	url, stop := startStandalone(t, reg, wf, pf)
	var out, errb bytes.Buffer
	if code := Run(context.Background(), reg, []string{"ctl", "--url", url, "create", pipeline}, &out, &errb); code != 0 {
		t.Fatalf("inlet ctl create = %d: %s%s", code, out.String(), errb.String())
	}
	// The stored copy of a command-line pipeline loses to the file.
	req, _ := http.NewRequest("PUT", url+"/connectors/fromfile/config", strings.NewReader(`{"connector.class":"numbers","count":"0","topic":"changed","sink.connector.class":"collect"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := stop(); code != ExitOK {
		t.Fatalf("exit %d", code)
	}

	url, stop = startStandalone(t, reg, wf, pf)
	defer stop()
	out.Reset()
	if code := Run(context.Background(), reg, []string{"ctl", "--url", url, "list"}, &out, &errb); code != 0 {
		t.Fatalf("inlet ctl list = %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "viarest") || !strings.Contains(out.String(), "fromfile") {
		t.Fatalf("after restart:\n%s", out.String())
	}
	out.Reset()
	Run(context.Background(), reg, []string{"ctl", "--url", url, "show", "fromfile"}, &out, &errb)
	if strings.Contains(out.String(), "changed") {
		t.Fatalf("the stored copy won over the command-line file:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "off.json.pipelines", "viarest.json")); err != nil {
		t.Fatalf("pipeline not stored where the docs say: %v", err)
	}
}

func TestExplicitListenerInUseFails(t *testing.T) {
	reg := connect.NewRegistry()
	connecttest.RegisterSource(reg, "numbers")
	connecttest.RegisterSink(reg, "collect")
	dir := t.TempDir()
	wf := write(t, dir, "worker.properties", "offset.storage.file.filename="+filepath.Join(dir, "off.json")+"\nlisteners=http://127.0.0.1:0\n")
	url, stop := startStandalone(t, reg, wf)
	defer stop()
	host := strings.TrimPrefix(url, "http://")
	wf2 := write(t, dir, "worker2.properties", "offset.storage.file.filename="+filepath.Join(dir, "off2.json")+"\nlisteners=http://"+host+"\n")
	var errb syncBuffer
	code := Run(context.Background(), reg, []string{"standalone", wf2}, &errb, &errb)
	if code != ExitFailure || !strings.Contains(errb.String(), host) {
		t.Fatalf("second worker on the same explicit listener: exit %d\n%s", code, errb.String())
	}
}

// validate --worker checks the REST settings that standalone would refuse.
func TestValidateWorkerChecksListeners(t *testing.T) {
	dir := t.TempDir()
	wf := write(t, dir, "worker.properties", "offset.storage.file.filename="+filepath.Join(dir, "off.json")+"\nlisteners=ftp://x\n")
	var out, errb bytes.Buffer
	code := Run(context.Background(), connect.NewRegistry(), []string{"validate", "--worker", wf}, &out, &errb)
	if code != ExitFailure || !strings.Contains(out.String(), wf+`: listeners="ftp://x"`) {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
}
