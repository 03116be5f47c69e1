package outbox

import (
	"github.com/inletdev/inlet/connect"
)

// Register adds the EventRouter to r, under Debezium's class name.
func Register(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind:    connect.KindTransform,
		Name:    "EventRouter",
		Aliases: []string{"io.debezium.transforms.outbox.EventRouter", "outbox.EventRouter"},
		Doc: "Debezium's outbox EventRouter: routes the change event of an outbox-table insert to topic " +
			"outbox.event.<aggregatetype>, keyed by aggregateid, with the event id in header id and the payload " +
			"as the value. Deletes and tombstones are dropped, updates follow table.op.invalid.behavior, other " +
			"records pass unchanged. Works on schema'd (Debezium) and schemaless JSON change events.",
		Config: ConfigDef(),
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) {
			return New(cfg, nil)
		},
	})
}
