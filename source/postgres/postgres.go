// Package postgres is inlet's PostgreSQL change data capture source: it
// streams a logical replication slot (pgoutput) and emits the change events
// Debezium's PostgreSQL connector emits, with its option names and
// defaults, so Debezium .properties files and consumers work unchanged.
//
// decode.go, pgoutput.go and types.go are pure (fixture-tested and fuzzed);
// replicate.go and snapshot.go do the I/O; task.go is the connect.SourceTask.
//
// The invariant this package keeps: the LSN confirmed to the slot never
// passes what the runtime has committed (SourceCommitter.Commit), so a crash
// replays events and never loses one.
package postgres

import (
	"context"

	"github.com/inletdev/inlet/connect"
)

// Register adds the connector to r under Debezium's class name.
func Register(r *connect.Registry) {
	r.Register(Plugin())
}

// Plugin describes the connector.
func Plugin() connect.Plugin {
	return connect.Plugin{
		Kind:    connect.KindSource,
		Name:    "postgres",
		Aliases: []string{"PostgresConnector", "io.debezium.connector.postgresql.PostgresConnector"},
		Doc:     "PostgreSQL change data capture (logical replication, pgoutput) emitting Debezium change events.",
		Version: DebeziumVersion,
		Config:  ConfigDef(),
		NewSource: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
			return Open(ctx, cfg, tc)
		},
	}
}
