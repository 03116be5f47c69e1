package quickstart

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/inletdev/inlet/cmd/inlet/cli"
	"github.com/inletdev/inlet/connect/builtin"
)

// BenchmarkQuickstartPipeline runs the quickstart end to end through the
// standalone worker: b.N Debezium change events are read from a records
// file, parsed by the JsonConverter, routed by the outbox EventRouter,
// serialized again and written (fsynced) to a records file. It reports
// records/s from start to the last record on disk. Run it with
// -benchtime=50000x: each op is one record.
func BenchmarkQuickstartPipeline(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "outbox.records")
	if err := Generate(in, b.N, 1); err != nil {
		b.Fatal(err)
	}
	worker, pipeline, _, out, _ := setupFiles(b, dir, in)
	os.WriteFile(pipeline, append(mustRead(b, pipeline), []byte("\nbatch.size=1000\n")...), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan int, 1)
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU()
	go func() {
		done <- cli.Run(ctx, builtin.NewRegistry(), []string{"standalone", worker, pipeline}, io.Discard, &stderr)
	}()
	lines, off := 0, int64(0)
	for lines < b.N {
		time.Sleep(20 * time.Millisecond)
		f, err := os.Open(out)
		if err != nil {
			continue
		}
		f.Seek(off, io.SeekStart)
		data, _ := io.ReadAll(f)
		f.Close()
		off += int64(len(data))
		lines += bytes.Count(data, []byte{'\n'})
		select {
		case c := <-done:
			b.Fatalf("worker exited with %d: %s", c, stderr.String())
		default:
		}
		if time.Since(start) > 5*time.Minute {
			b.Fatalf("only %d of %d records", lines, b.N)
		}
	}
	elapsed, cpu := time.Since(start), processCPU()-cpu0
	b.StopTimer()
	cancel()
	<-done
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "records/cpu-s")
	}
}

func mustRead(b *testing.B, p string) []byte {
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	return data
}
