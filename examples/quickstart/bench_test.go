package quickstart

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
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
	runPipeline(b, worker, pipeline, out)
}

// BenchmarkRouteByField is the pipeline that Go stream-processing
// frameworks are usually compared on: small JSON lines from a file, each
// routed by the value of one of its fields, written to a file. Each line
// is a records-format envelope holding a 170-byte schemaless JSON row
// (an outbox row in a Debezium-style {"op","after"} envelope, as written
// by a JsonConverter with schemas.enable=false); the outbox EventRouter
// routes it to outbox.event.<aggregatetype> (one of three values), keys
// it by aggregateid and keeps its payload column; the file sink writes it
// (fsynced on every flush). Run it with -benchtime=200000x: each op is one
// record.
func BenchmarkRouteByField(b *testing.B) {
	dir := b.TempDir()
	in, out := filepath.Join(dir, "in.records"), filepath.Join(dir, "out.records")
	if err := writeSmallRecords(in, b.N); err != nil {
		b.Fatal(err)
	}
	worker, pipeline := filepath.Join(dir, "worker.properties"), filepath.Join(dir, "pipeline.properties")
	os.WriteFile(worker, []byte("offset.storage.file.filename="+filepath.Join(dir, "offsets.json")+"\noffset.flush.interval.ms=1000\n"), 0o644)
	os.WriteFile(pipeline, []byte(`name=route-by-field
connector.class=FileStreamSource
file=`+in+`
format=records
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
transforms=route
transforms.route.type=io.debezium.transforms.outbox.EventRouter
transforms.route.route.by.field=aggregatetype
batch.size=1000
sink.connector.class=FileStreamSink
sink.file=`+out+`
sink.format=records
`), 0o644)
	runPipeline(b, worker, pipeline, out)
}

// writeSmallRecords writes n records-format lines of small schemaless
// outbox rows, as a records file sink would.
func writeSmallRecords(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	types := []string{"order", "customer", "shipment"}
	for i := 0; i < n; i++ {
		agg := types[i%len(types)]
		fmt.Fprintf(w, `{"topic":"shop.public.outbox","partition":0,"offset":%d,"ts":1772366400391,"key":"%d","payload":{"op":"c","ts_ms":1772366400391,"after":{"id":"%d","aggregatetype":"%s","aggregateid":"A-%d","type":"Created","payload":"{\"amount\":%d.50,\"currency\":\"EUR\"}"}}}`+"\n",
			i, i, i, agg, i%1000, i%500)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// runPipeline runs `inlet standalone worker pipeline` until out holds b.N
// lines and reports records/s (start to the last record on disk) and
// records per CPU-second of the whole process.
func runPipeline(b *testing.B, worker, pipeline, out string) {
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
	if c := <-done; c != 0 {
		b.Fatalf("worker exited with %d: %s", c, stderr.String())
	}
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
