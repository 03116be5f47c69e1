package outboxfile

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect/builtin"
	"github.com/inletdev/inlet/connect/worker"
	"github.com/inletdev/inlet/internal/props"
)

// TestPipelines runs each pipeline file in a worker, as `inlet standalone
// worker.properties <pipeline>` does (file source → converters →
// EventRouter → converters → file sink), and compares the file it writes
// with the expected records byte for byte.
func TestPipelines(t *testing.T) {
	for file, expected := range pipelines {
		t.Run(file, func(t *testing.T) {
			want, err := os.ReadFile(expected)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			wm, err := props.ReadFile("worker.properties")
			if err != nil {
				t.Fatal(err)
			}
			wm["offset.storage.file.filename"] = filepath.Join(dir, "offsets")
			wc, err := worker.ParseWorkerConfig("worker.properties", wm)
			if err != nil {
				t.Fatal(err)
			}
			w, err := worker.New(wc, builtin.NewRegistry())
			if err != nil {
				t.Fatal(err)
			}
			pm, err := props.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, pm["sink.file"])
			pm["sink.file"] = out

			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- w.Run(ctx) }()
			defer func() {
				cancel()
				select {
				case err := <-done:
					if err != nil && !errors.Is(err, context.Canceled) {
						t.Errorf("worker: %v", err)
					}
				case <-time.After(20 * time.Second):
					t.Error("the worker did not stop")
				}
			}()
			if err := w.Create(ctx, pm["name"], pm, worker.TargetRunning); err != nil {
				t.Fatalf("creating %s: %v", file, err)
			}
			var got []byte
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) {
				got, _ = os.ReadFile(out)
				if bytes.Count(got, []byte("\n")) >= bytes.Count(want, []byte("\n")) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if !bytes.Equal(got, want) {
				st, _ := w.Status(pm["name"])
				t.Fatalf("%s wrote\n%s\nwant (%s)\n%s\nstatus %+v", out, got, expected, want, st)
			}
		})
	}
}
