// Package proctest runs the real `inlet` binary in tests: built once per
// test binary, started, killed with SIGKILL (no drain, no flush, no offset
// commit), restarted and stopped with SIGTERM, with every run's output in
// one log file. The crash tests of the examples use it.
package proctest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

// RunMain runs the tests and removes the built binary afterwards:
// `func TestMain(m *testing.M) { os.Exit(proctest.RunMain(m)) }`.
func RunMain(m *testing.M) int {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	return code
}

// Binary builds cmd/inlet once per test binary and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "inlet-proctest-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "inlet")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/inletdev/inlet/cmd/inlet").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/inlet: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Proc is one `inlet` process at a time, restarted by Start. Its methods
// are for the test goroutine only.
type Proc struct {
	t       testing.TB
	args    []string
	logPath string
	// Cmd is the running process (nil between runs).
	Cmd *exec.Cmd
	// Runs counts the starts.
	Runs int
}

// New returns a Proc that runs `inlet args…`, logging to dir/inlet.log.
// The test's cleanup kills a process still running.
func New(t testing.TB, dir string, args ...string) *Proc {
	p := &Proc{t: t, args: args, logPath: filepath.Join(dir, "inlet.log")}
	t.Cleanup(func() {
		if p.Cmd != nil {
			_ = p.Cmd.Process.Kill()
			_ = p.Cmd.Wait()
		}
	})
	return p
}

// Start starts a new run.
func (p *Proc) Start() {
	p.t.Helper()
	f, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	defer f.Close()
	p.Runs++
	fmt.Fprintf(f, "\n===== run %d =====\n", p.Runs)
	p.Cmd = exec.Command(Binary(p.t), p.args...)
	p.Cmd.Stdout, p.Cmd.Stderr = f, f
	if err := p.Cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
}

// Kill9 kills the worker with SIGKILL: no drain, no flush, no offset commit.
func (p *Proc) Kill9() {
	p.t.Helper()
	if err := p.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatalf("kill -9: %v", err)
	}
	_ = p.Cmd.Wait()
	p.Cmd = nil
}

// Reap waits for a worker killed by someone else.
func (p *Proc) Reap() {
	_ = p.Cmd.Wait()
	p.Cmd = nil
}

// Stop ends the worker gracefully (SIGTERM) and expects exit status 0
// within 30 s. It first waits for the run to have started its worker: a
// SIGTERM that lands before the signal handler is installed would kill it.
func (p *Proc) Stop() {
	p.t.Helper()
	p.WaitLog("worker started", 30*time.Second)
	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Cmd.Wait() }()
	select {
	case err := <-done:
		p.Cmd = nil
		if err != nil {
			p.t.Errorf("inlet exited with %v after SIGTERM\n%s", err, p.Logs())
		}
	case <-time.After(30 * time.Second):
		p.t.Fatalf("inlet did not stop within 30 s of SIGTERM\n%s", p.Logs())
	}
}

// WaitLog waits until the current run's output contains s.
func (p *Proc) WaitLog(s string, within time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(p.lastRun(), s) {
		if time.Now().After(deadline) {
			p.t.Fatalf("run %d did not log %q within %v\n%s", p.Runs, s, within, p.Logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *Proc) lastRun() string {
	b, _ := os.ReadFile(p.logPath)
	s := string(b)
	if i := strings.LastIndex(s, "===== run "); i >= 0 {
		return s[i:]
	}
	return s
}

// Logged reports whether any run's output contains s.
func (p *Proc) Logged(s string) bool {
	b, _ := os.ReadFile(p.logPath)
	return strings.Contains(string(b), s)
}

// Logs returns the tail of every run's output.
func (p *Proc) Logs() string {
	b, _ := os.ReadFile(p.logPath)
	if len(b) > 12000 {
		b = b[len(b)-12000:]
	}
	return string(b)
}
