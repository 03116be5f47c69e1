package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/builtin"
)

func testRegistry() *connect.Registry {
	r := builtin.NewRegistry()
	r.Register(connect.Plugin{Kind: connect.KindSource, Name: "seq", Aliases: []string{"com.example.SeqSourceConnector"},
		Config: connect.NewConfigDef(connect.ConfigKey{Name: "topic", Required: true, Doc: "Topic to write to."}),
		NewSource: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
			return nil, fmt.Errorf("not for running")
		}})
	r.Register(connect.Plugin{Kind: connect.KindSink, Name: "nullsink",
		NewSink: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SinkTask, error) {
			return nil, fmt.Errorf("not for running")
		}})
	return r
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidateNamesThreeMistakes(t *testing.T) {
	dir := t.TempDir()
	bad := write(t, dir, "bad.properties", `name=bad
connector.class=com.example.SeqSourceConnector
tasks.max=two
sink.connector.class=nullsink
transforms=route
transforms.route.type=org.apache.kafka.connect.transforms.RegexRuoter
`)
	good := write(t, dir, "good.json", `{"name":"good","config":{"connector.class":"seq","topic":"t","sink.connector.class":"nullsink",
"transforms":"route","transforms.route.type":"org.apache.kafka.connect.transforms.RegexRouter",
"transforms.route.regex":"(.*)","transforms.route.replacement":"outbox.event.$1"}}`)
	var out, errb bytes.Buffer
	code := Run(context.Background(), testRegistry(), []string{"validate", bad, good}, &out, &errb)
	if code != ExitFailure {
		t.Fatalf("exit %d, want 1\n%s%s", code, out.String(), errb.String())
	}
	text := out.String()
	for _, want := range []string{
		bad + `: transforms.route.type="org.apache.kafka.connect.transforms.RegexRuoter": connect: unknown transformation`,
		`did you mean "RegexRouter"`,
		bad + `: tasks.max="two": expected an integer`,
		bad + `: topic: missing required configuration`,
		good + `: pipeline "good" OK`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(errb.String(), "3 problem(s)") {
		t.Errorf("stderr: %s", errb.String())
	}
}

func TestValidateWorkerFileAndProviders(t *testing.T) {
	dir := t.TempDir()
	secrets := write(t, dir, "secrets.properties", "topic=from-file\n")
	wf := write(t, dir, "worker.properties", "offset.storage.file.filename="+dir+"/off.json\nconfig.providers=file\nconfig.providers.file.class=FileConfigProvider\ngroup.id=x\n")
	var out, errb bytes.Buffer
	code := Run(context.Background(), testRegistry(), []string{"validate", wf}, &out, &errb)
	if code != ExitFailure || !strings.Contains(out.String(), wf+`: group.id="x": distributed mode is not supported`) {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	wf = write(t, dir, "worker.properties", "offset.storage.file.filename="+dir+"/off.json\nconfig.providers=file\nconfig.providers.file.class=FileConfigProvider\n")
	pf := write(t, dir, "p.properties", "name=p\nconnector.class=seq\nsink.connector.class=nullsink\ntopic=${file:"+secrets+":topic}\n")
	out.Reset()
	code = Run(context.Background(), testRegistry(), []string{"validate", "--worker", wf, pf}, &out, &errb)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	pf = write(t, dir, "p.properties", "name=p\nconnector.class=seq\nsink.connector.class=nullsink\ntopic=${file:"+secrets+":nope}\n")
	out.Reset()
	code = Run(context.Background(), testRegistry(), []string{"validate", "--worker", wf, pf}, &out, &errb)
	if code != ExitFailure || !strings.Contains(out.String(), pf+`: topic="${file:`) || strings.Contains(out.String(), "missing required") {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
}

func TestPluginsDescribeVersion(t *testing.T) {
	var out, errb bytes.Buffer
	reg := testRegistry()
	if Run(context.Background(), reg, []string{"plugins"}, &out, &errb) != ExitOK {
		t.Fatal(errb.String())
	}
	for _, want := range []string{"SOURCES:", "seq", "com.example.SeqSourceConnector", "TRANSFORMS:", "RegexRouter"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("plugins lacks %q", want)
		}
	}
	out.Reset()
	if Run(context.Background(), reg, []string{"describe", "SeqSourceConnector"}, &out, &errb) != ExitOK {
		t.Fatal(errb.String())
	}
	for _, want := range []string{"seq (source)", "NAME", "TYPE", "DEFAULT", "IMPORTANCE", "topic", "STRING", "(required)", "MEDIUM", "Topic to write to."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("describe lacks %q:\n%s", want, out.String())
		}
	}
	errb.Reset()
	if Run(context.Background(), reg, []string{"describe", "RegexRoutr"}, &out, &errb) != ExitFailure || !strings.Contains(errb.String(), "RegexRouter") {
		t.Fatalf("describe of a typo: %s", errb.String())
	}
	out.Reset()
	if Run(context.Background(), reg, []string{"version"}, &out, &errb) != ExitOK || !strings.HasPrefix(out.String(), "inlet ") {
		t.Fatal(out.String())
	}
	if Run(context.Background(), reg, []string{"frobnicate"}, &out, &errb) != ExitUsage {
		t.Fatal("unknown command accepted")
	}
}

// --- process tests: a real binary, real signals ---

var fixtureBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "inlet-cli-test")
	if err != nil {
		panic(err)
	}
	fixtureBin = filepath.Join(dir, "inlet-fixture")
	cmd := exec.Command("go", "build", "-o", fixtureBin, "./testdata/fixture")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the fixture binary:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type proc struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	done   chan error
}

func start(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(fixtureBin, args...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	cmd.Stdout = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stderr: &errb, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return p
}

func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("inlet did not exit; output:\n%s", p.stderr.String())
	}
	return p.cmd.ProcessState.ExitCode()
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
		data = data[:i+1]
	} else {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func committedLine(t *testing.T, offsetsFile string) int {
	t.Helper()
	data, err := os.ReadFile(offsetsFile)
	if os.IsNotExist(err) {
		return -1
	}
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Offsets []struct {
			Key   []json.RawMessage `json:"key"`
			Value map[string]int    `json:"value"`
		} `json:"offsets"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("offsets file is not valid JSON (torn write?): %v\n%s", err, data)
	}
	if len(doc.Offsets) != 1 {
		t.Fatalf("offsets: %s", data)
	}
	return doc.Offsets[0].Value["line"]
}

func setup(t *testing.T, n int, extra string) (dir, workerFile, pipeFile, in, out, offsets string) {
	dir = t.TempDir()
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "line-%06d\n", i)
	}
	in = write(t, dir, "in.txt", b.String())
	out = filepath.Join(dir, "out.txt")
	offsets = filepath.Join(dir, "offsets.json")
	workerFile = write(t, dir, "worker.properties", "offset.storage.file.filename="+offsets+"\noffset.flush.interval.ms=50\ntask.shutdown.graceful.timeout.ms=5000\n")
	pipeFile = write(t, dir, "pipe.properties", "name=copy\nconnector.class=lines\nfile="+in+"\nsink.connector.class=append\nsink.file="+out+"\n"+extra)
	return
}

func waitLines(t *testing.T, p *proc, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for len(readLines(t, path)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d lines; output:\n%s", len(readLines(t, path)), n, p.stderr.String())
		}
		select {
		case <-p.done:
			t.Fatalf("inlet exited early:\n%s", p.stderr.String())
		default:
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSIGKILLMidStreamLosesNothing(t *testing.T) {
	const n = 60000
	_, wf, pf, _, out, offsets := setup(t, n, "batch=200\ndelay.ms=2\nbatch.size=100\n")
	p := start(t, "standalone", wf, pf)
	waitLines(t, p, out, 15000)
	// Wait for at least one offset commit so the restart has something to resume from.
	deadline := time.Now().Add(10 * time.Second)
	for committedLine(t, offsets) < 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.wait(t)
	first := readLines(t, out)
	committed := committedLine(t, offsets)
	k := len(first)
	if k >= n {
		t.Fatalf("the run finished before the kill (%d lines); not mid-stream", k)
	}
	if committed < 0 || committed > k-1 {
		t.Fatalf("committed offset %d is past the %d flushed lines", committed, k)
	}
	for i, l := range first {
		if l != fmt.Sprintf("line-%06d", i) {
			t.Fatalf("first run line %d = %q", i, l)
		}
	}
	p2 := start(t, "standalone", wf, pf)
	waitLines(t, p2, out, k+(n-1-committed))
	if err := p2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p2.wait(t); code != 0 {
		t.Fatalf("exit %d after SIGTERM:\n%s", code, p2.stderr.String())
	}
	all := readLines(t, out)
	// Exactly: the first run's lines, then everything after the last commit.
	want := append([]string(nil), first...)
	for i := committed + 1; i < n; i++ {
		want = append(want, fmt.Sprintf("line-%06d", i))
	}
	if len(all) != len(want) {
		t.Fatalf("%d lines, want %d (first run %d, committed %d)", len(all), len(want), k, committed)
	}
	for i := range want {
		if all[i] != want[i] {
			t.Fatalf("line %d = %q, want %q (first run %d, committed %d)", i, all[i], want[i], k, committed)
		}
	}
	t.Logf("killed after %d lines, committed through line %d: %d lines seen twice, none lost", k, committed, k-1-committed)
	if got := committedLine(t, offsets); got != n-1 {
		t.Fatalf("after SIGTERM the stored offset is %d, want %d", got, n-1)
	}
}

func TestSIGTERMSavesOffsetsAndSecondRunResumes(t *testing.T) {
	const n = 3000
	dir, wf, pf, in, out, offsets := setup(t, n, "")
	_ = dir
	// A long flush interval: only the shutdown commit can store the offsets.
	write(t, filepath.Dir(wf), "worker.properties", "offset.storage.file.filename="+offsets+"\noffset.flush.interval.ms=600000\n")
	p := start(t, "standalone", wf, pf)
	waitLines(t, p, out, n)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.stderr.String())
	}
	if got := committedLine(t, offsets); got != n-1 {
		t.Fatalf("offsets after SIGTERM: %d, want %d", got, n-1)
	}
	// Two more input lines; the second run must emit exactly those.
	f, _ := os.OpenFile(in, os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintf(f, "line-%06d\nline-%06d\n", n, n+1)
	f.Close()
	p2 := start(t, "standalone", wf, pf)
	waitLines(t, p2, out, n+2)
	time.Sleep(200 * time.Millisecond)
	p2.cmd.Process.Signal(syscall.SIGTERM)
	if code := p2.wait(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p2.stderr.String())
	}
	lines := readLines(t, out)
	if len(lines) != n+2 || lines[n] != fmt.Sprintf("line-%06d", n) {
		t.Fatalf("second run reprocessed: %d lines, tail %v", len(lines), lines[max(0, len(lines)-3):])
	}
}

func TestFailedTaskExitsNonZero(t *testing.T) {
	_, wf, pf, _, out, offsets := setup(t, 500, "batch=10\nbatch.size=10\ntransforms=f\ntransforms.f.type=FailOn\ntransforms.f.value=line-000123\n")
	p := start(t, "standalone", wf, pf)
	waitLines(t, p, out, 120)
	time.Sleep(200 * time.Millisecond)
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, p.stderr.String())
	}
	for _, want := range []string{"TRANSFORMATION", "transforms.f (FailOn)", "refusing line-000123", "line:123"} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, p.stderr.String())
		}
	}
	if got := committedLine(t, offsets); got != 119 {
		t.Fatalf("offset %d: must stop before the failed batch (line 119)", got)
	}
	if l := readLines(t, out); len(l) != 120 {
		t.Fatalf("%d lines delivered, want 120", len(l))
	}
}

func TestStandaloneConfigErrorsNameFiles(t *testing.T) {
	dir, wf, _, _, _, _ := setup(t, 1, "")
	bad := write(t, dir, "bad.properties", "name=x\nconnector.class=lines\nsink.connector.class=append\nbatch.size=0\n")
	bad2 := write(t, dir, "bad2.json", `{"connector.class":"lines"}`)
	p := start(t, "standalone", wf, bad, bad2)
	if code := p.wait(t); code != 1 {
		t.Fatalf("exit %d", code)
	}
	s := p.stderr.String()
	for _, want := range []string{bad + ": batch.size=\"0\"", bad + ": file: missing", bad + ": sink.file: missing", bad2 + ": name: missing"} {
		if !strings.Contains(s, want) {
			t.Errorf("stderr lacks %q:\n%s", want, s)
		}
	}
}
