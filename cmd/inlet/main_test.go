package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests run the real inlet binary with the built-in file source and
// file sink and send it real signals.

var inletBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "inlet-main-test")
	if err != nil {
		panic(err)
	}
	inletBin = filepath.Join(dir, "inlet")
	cmd := exec.Command("go", "build", "-o", inletBin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building inlet:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const lineLen = len("line-0000000\n")

func line(i int) string { return fmt.Sprintf("line-%07d", i) }

func lines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(data, '\n')
	if i < 0 {
		return nil
	}
	return strings.Split(string(data[:i]), "\n")
}

// committed returns how many input lines the stored offset covers.
func committed(t *testing.T, offsets string) int {
	t.Helper()
	data, err := os.ReadFile(offsets)
	if err != nil {
		return 0
	}
	var doc struct {
		Offsets []struct {
			Value struct {
				Position int `json:"position"`
			} `json:"value"`
		} `json:"offsets"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("offsets file is not valid JSON: %v\n%s", err, data)
	}
	if len(doc.Offsets) == 0 {
		return 0
	}
	if doc.Offsets[0].Value.Position%lineLen != 0 {
		t.Fatalf("stored position %d is not at a line boundary", doc.Offsets[0].Value.Position)
	}
	return doc.Offsets[0].Value.Position / lineLen
}

type run struct {
	cmd  *exec.Cmd
	logs *bytes.Buffer
	done chan struct{}
}

func start(t *testing.T, args ...string) *run {
	t.Helper()
	r := &run{cmd: exec.Command(inletBin, args...), logs: &bytes.Buffer{}, done: make(chan struct{})}
	r.cmd.Stderr, r.cmd.Stdout = r.logs, r.logs
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() { r.cmd.Process.Kill(); <-r.done })
	return r
}

func (r *run) exit(t *testing.T) int {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("inlet did not exit:\n%s", r.logs)
	}
	return r.cmd.ProcessState.ExitCode()
}

func waitLines(t *testing.T, r *run, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(lines(t, path)) < n {
		select {
		case <-r.done:
			t.Fatalf("inlet exited early:\n%s", r.logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d lines:\n%s", len(lines(t, path)), n, r.logs)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func files(t *testing.T, n int, flushMs int, extra string) (worker, pipeline, in, out, offsets string) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(line(i) + "\n")
	}
	in, out, offsets = filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt"), filepath.Join(dir, "offsets.json")
	os.WriteFile(in, []byte(b.String()), 0o644)
	worker = filepath.Join(dir, "worker.properties")
	os.WriteFile(worker, []byte(fmt.Sprintf("offset.storage.file.filename=%s\noffset.flush.interval.ms=%d\n", offsets, flushMs)), 0o644)
	pipeline = filepath.Join(dir, "copy.properties")
	os.WriteFile(pipeline, []byte("name=copy\nconnector.class=FileStreamSource\nfile="+in+"\ntopic=lines\n"+
		"sink.connector.class=FileStreamSink\nsink.file="+out+"\n"+extra), 0o644)
	return
}

func TestSIGKILLFileToFile(t *testing.T) {
	const n = 60000
	wf, pf, _, out, offsets := files(t, n, 20, "batch.size=20\n")
	r := start(t, "standalone", wf, pf)
	waitLines(t, r, out, 12000)
	deadline := time.Now().Add(10 * time.Second)
	for committed(t, offsets) == 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	r.cmd.Process.Signal(syscall.SIGKILL)
	r.exit(t)
	first := lines(t, out)
	c := committed(t, offsets)
	if len(first) >= n {
		t.Skipf("the copy finished before the kill (%d lines): this machine is too fast for the test's pacing", len(first))
	}
	if c == 0 || c > len(first) {
		t.Fatalf("committed %d lines but %d were flushed", c, len(first))
	}
	r2 := start(t, "standalone", wf, pf)
	want := len(first) + n - c
	waitLines(t, r2, out, want)
	time.Sleep(100 * time.Millisecond)
	r2.cmd.Process.Signal(syscall.SIGTERM)
	if code := r2.exit(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r2.logs)
	}
	all := lines(t, out)
	if len(all) != want {
		t.Fatalf("%d lines, want %d (first run %d, committed %d)", len(all), want, len(first), c)
	}
	for i, l := range all {
		exp := i
		if i >= len(first) {
			exp = c + i - len(first)
		}
		if l != line(exp) {
			t.Fatalf("line %d is %q, want %q (first run %d, committed %d)", i, l, line(exp), len(first), c)
		}
	}
	t.Logf("killed after %d lines, %d committed: %d repeated, none lost", len(first), c, len(first)-c)
}

func TestSIGTERMFileToFileResumes(t *testing.T) {
	const n = 5000
	wf, pf, in, out, offsets := files(t, n, 600000, "")
	r := start(t, "standalone", wf, pf)
	waitLines(t, r, out, n)
	r.cmd.Process.Signal(syscall.SIGTERM)
	if code := r.exit(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.logs)
	}
	if c := committed(t, offsets); c != n {
		t.Fatalf("SIGTERM stored %d lines, want %d", c, n)
	}
	f, _ := os.OpenFile(in, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(line(n) + "\n")
	f.Close()
	r2 := start(t, "standalone", wf, pf)
	waitLines(t, r2, out, n+1)
	time.Sleep(300 * time.Millisecond)
	r2.cmd.Process.Signal(syscall.SIGTERM)
	if code := r2.exit(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r2.logs)
	}
	if l := lines(t, out); len(l) != n+1 || l[n] != line(n) {
		t.Fatalf("second run reprocessed: %d lines", len(l))
	}
}
