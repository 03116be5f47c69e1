// Command custom-transform is inlet as a library: it registers its own
// transform, Shout, next to the built-in plugins and runs a standalone
// worker with the pipeline files given on the command line.
//
//	go run ./examples/custom-transform worker.properties pipeline.properties
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/inletdev/inlet/connect/builtin"
	"github.com/inletdev/inlet/connect/worker"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: custom-transform worker.properties pipeline.properties...")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "custom-transform:", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, workerFile string, pipelineFiles []string) error {
	reg := builtin.NewRegistry() // every built-in source, sink, transform...
	RegisterShout(reg)           // ...plus ours

	wc, err := worker.LoadWorkerConfig(workerFile)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	w, err := worker.New(wc, reg, worker.WithLogger(log))
	if err != nil {
		return err
	}
	for _, f := range pipelineFiles {
		m, err := worker.ReadPipelineFile(f)
		if err != nil {
			return err
		}
		if err := w.Create(ctx, m[worker.KeyName], m, worker.TargetRunning); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	// Run returns when ctx ends (SIGINT/SIGTERM), after every task has
	// drained, flushed and committed its offsets.
	return w.Run(ctx)
}
