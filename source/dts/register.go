package dts

import "github.com/inletdev/inlet/connect"

// Register adds the dts source to r.
func Register(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind:    connect.KindSource,
		Name:    "dts",
		Aliases: []string{"io.inlet.dts.DtsSourceConnector"},
		Doc: "Alibaba Cloud DTS change tracking (new version, Kafka protocol): decodes the Avro records of " +
			"partition 0 into EventBridge DTS events (or Debezium envelopes), one client per consumer group.",
		Config:    ConfigDef(),
		NewSource: newTask,
	})
}
