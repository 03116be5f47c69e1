package transforms

import (
	"context"

	"github.com/inletdev/inlet/connect"
)

// DropHeaders removes every header whose key is listed. Kafka Connect
// equivalent: org.apache.kafka.connect.transforms.DropHeaders.
type DropHeaders struct{ keys []string }

// Apply implements connect.Transformation. A record without any of the
// headers is passed through as is.
func (d *DropHeaders) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	found := false
	for _, h := range r.Headers {
		for _, k := range d.keys {
			if h.Key == k {
				found = true
			}
		}
	}
	if !found {
		return r, nil
	}
	c := r.Clone()
	c.Headers = r.Headers.Remove(d.keys...)
	return c, nil
}

func registerDropHeaders(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind: connect.KindTransform, Name: "DropHeaders", Aliases: []string{javaPkg + "DropHeaders"},
		Doc: "Removes one or more headers from each record. Kafka Connect equivalent: org.apache.kafka.connect.transforms.DropHeaders.",
		Config: connect.NewConfigDef(connect.ConfigKey{Name: "headers", Type: connect.TypeList, Required: true, Importance: connect.High,
			Validator: connect.NonEmpty(), Doc: "The name of the headers to be removed."}),
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) {
			return &DropHeaders{keys: cfg.List("headers")}, nil
		},
	})
}
