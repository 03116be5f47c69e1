package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/builtin"
	"github.com/inletdev/inlet/connect/connecttest"
)

func TestShoutContract(t *testing.T) {
	inputs := []*connect.Record{
		connect.NewRecord("t", nil, "hi"),
		connect.NewRecord("t", "k", nil),
	}
	connecttest.TestTransformation(t, func() (connect.Transformation, error) { return Shout{Suffix: "!"}, nil }, inputs)
}

func TestShout(t *testing.T) {
	in := connect.NewRecord("t", nil, "hello")
	out, err := Shout{Suffix: "!!"}.Apply(context.Background(), in)
	if err != nil || out.Value != "HELLO!!" || in.Value != "hello" {
		t.Fatalf("got %v %v; input now %v", out, err, in.Value)
	}
	if _, err := (Shout{}).Apply(context.Background(), connect.NewRecord("t", nil, 42)); err == nil || !strings.Contains(err.Error(), "int") {
		t.Fatalf("non-string value: %v", err)
	}
}

// TestRunsEndToEnd builds this example, runs a pipeline with it, stops it
// with SIGTERM and runs it again: the second run delivers only new lines.
func TestRunsEndToEnd(t *testing.T) {
	reg := builtin.NewRegistry()
	for _, k := range []connect.Kind{connect.KindSource, connect.KindSink} {
		if _, err := reg.Lookup(k, "file"); err != nil {
			if os.Getenv("INLET_CI") == "1" {
				t.Fatalf("the file %s is not registered in connect/builtin: %v", k, err)
			}
			t.Skipf("the file %s is not registered in connect/builtin yet (%v); this test runs once it is", k, err)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "custom-transform")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	in := filepath.Join(dir, "input.txt")
	out := filepath.Join(dir, "out.txt")
	os.WriteFile(in, []byte("hello\ninlet\n"), 0o644)
	wf := filepath.Join(dir, "worker.properties")
	os.WriteFile(wf, []byte("offset.storage.file.filename="+filepath.Join(dir, "offsets.json")+"\noffset.flush.interval.ms=100000\n"), 0o644)
	pf := filepath.Join(dir, "pipeline.properties")
	os.WriteFile(pf, []byte("name=shout\nconnector.class=FileStreamSource\nfile="+in+"\ntopic=lines\n"+
		"transforms=shout\ntransforms.shout.type=com.example.ShoutTransform\ntransforms.shout.suffix=!!\n"+
		"sink.connector.class=FileStreamSink\nsink.file="+out+"\n"), 0o644)

	runOnce := func(wantLines int) {
		t.Helper()
		cmd := exec.Command(bin, wf, pf)
		var logs strings.Builder
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			data, _ := os.ReadFile(out)
			if strings.Count(string(data), "\n") >= wantLines {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("timed out; output %q\n%s", data, logs.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // would a duplicate show up?
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("exit: %v\n%s", err, logs.String())
		}
	}
	runOnce(2)
	f, _ := os.OpenFile(in, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("again\n")
	f.Close()
	runOnce(3)
	data, _ := os.ReadFile(out)
	if string(data) != "HELLO!!\nINLET!!\nAGAIN!!\n" {
		t.Fatalf("output %q", data)
	}
}
