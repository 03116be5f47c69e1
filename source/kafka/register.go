package kafka

import "github.com/inletdev/inlet/connect"

// Register adds the kafka source to r.
func Register(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind: connect.KindSource, Name: "kafka",
		Doc:       "Reads Kafka topics in a consumer group (default connect-<pipeline>), as Kafka Connect's sink tasks do; group offsets are committed only after the sink flushed. The default source of a sink pipeline.",
		Config:    ConfigDef(),
		NewSource: New,
		// Every task joins the same group; the group spreads partitions.
		Split: func(cfg connect.Config, maxTasks int) ([]connect.Config, error) {
			out := make([]connect.Config, maxTasks)
			for i := range out {
				out[i] = cfg
			}
			return out, nil
		},
	})
}
