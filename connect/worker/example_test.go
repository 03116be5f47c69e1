package worker_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/connecttest"
	"github.com/inletdev/inlet/connect/worker"
)

// A worker runs pipelines built from Kafka Connect–style configs: here an
// in-memory source, a RegexRouter-like transform, and an in-memory sink.
func Example() {
	reg := connect.NewRegistry()
	connecttest.RegisterSource(reg, "numbers")
	sinks := connecttest.RegisterSink(reg, "collect")
	reg.Register(connect.Plugin{Kind: connect.KindTransform, Name: "Prefix",
		Config: connect.NewConfigDef(connect.ConfigKey{Name: "prefix", Required: true}),
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) {
			return prefix(cfg.String("prefix")), nil
		}})

	dir, _ := os.MkdirTemp("", "inlet-example")
	defer os.RemoveAll(dir)
	wc, err := worker.ParseWorkerConfig("", map[string]string{
		"offset.storage.file.filename": filepath.Join(dir, "offsets.json"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	w, err := worker.New(wc, reg)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	err = w.Create(ctx, "demo", map[string]string{
		"connector.class":      "numbers",
		"count":                "3",
		"transforms":           "p",
		"transforms.p.type":    "Prefix",
		"transforms.p.prefix":  "audit.",
		"sink.connector.class": "collect",
		"errors.tolerance":     "none",
	}, worker.TargetRunning)
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	for sinks.Last() == nil || !sinks.Last().WaitFor(3, time.Second) {
		time.Sleep(time.Millisecond)
	}
	stop() // graceful: drain, flush, store offsets
	if err := <-done; err != nil {
		fmt.Println(err)
	}
	for _, r := range sinks.Last().Records() {
		fmt.Println(r.Topic, r.Value)
	}
	offs, _ := w.Offsets(context.Background(), "demo")
	fmt.Println("stored offset:", offs[0].Offset)
	// Output:
	// audit.test record-0
	// audit.test record-1
	// audit.test record-2
	// stored offset: map[offset:2]
}

type prefix string

func (p prefix) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	c := r.Clone()
	c.Topic = string(p) + r.Topic
	return c, nil
}
