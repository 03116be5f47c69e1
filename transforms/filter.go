package transforms

import (
	"context"

	"github.com/inletdev/inlet/connect"
)

// Filter drops every record; use it with a predicate (and negate) to drop
// some. Kafka Connect equivalent: org.apache.kafka.connect.transforms.Filter.
type Filter struct{}

// Apply implements connect.Transformation: it always drops.
func (Filter) Apply(context.Context, *connect.Record) (*connect.Record, error) { return nil, nil }

func registerFilter(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind: connect.KindTransform, Name: "Filter", Aliases: []string{javaPkg + "Filter"},
		Doc: "Drops all records, filtering them from subsequent transformations in the chain. This is intended to be used conditionally to filter out records matching (or not matching) a particular Predicate. " +
			"Kafka Connect equivalent: org.apache.kafka.connect.transforms.Filter.",
		Config:       connect.NewConfigDef(),
		NewTransform: func(connect.Config) (connect.Transformation, error) { return Filter{}, nil },
	})
}
