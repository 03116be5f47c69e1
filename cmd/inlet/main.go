// Command inlet runs Kafka Connect–style pipelines: a source connector, a
// chain of single-message transforms and a sink connector.
//
//	inlet standalone worker.properties pipeline.properties...
//	inlet validate FILE...
//	inlet plugins
//	inlet describe PLUGIN
//	inlet version
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/inletdev/inlet/cmd/inlet/cli"
	"github.com/inletdev/inlet/connect/builtin"
)

func main() {
	// SIGINT/SIGTERM start a graceful shutdown: stop polling, drain, flush,
	// commit offsets, within task.shutdown.graceful.timeout.ms.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, builtin.NewRegistry(), os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
