package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/inletdev/inlet/connect"
)

// RegisterShout adds the Shout transform. Pipeline files name it by any of
// its names: Shout, com.example.Shout, or (derived) com.example.ShoutTransform's
// simple forms.
func RegisterShout(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind:    connect.KindTransform,
		Name:    "Shout",
		Aliases: []string{"com.example.ShoutTransform"},
		Doc:     "Upper-cases a string value and appends a suffix. Records whose value is not a string pass unchanged.",
		Config: connect.NewConfigDef(connect.ConfigKey{
			Name: "suffix", Default: "!", Importance: connect.Medium,
			Doc: "Text appended to every shouted value.",
		}),
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) {
			return Shout{Suffix: cfg.String("suffix")}, nil
		},
	})
}

// Shout is a single-message transform. Like every transform it never
// changes the record it is given: it changes a Clone.
type Shout struct{ Suffix string }

// Apply implements connect.Transformation.
func (s Shout) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	v, ok := r.Value.(string)
	if !ok {
		if r.Value == nil {
			return r, nil // tombstones pass, as in Kafka Connect's SMTs
		}
		return nil, fmt.Errorf("shout: value at %s is %T, want a string", r.Coordinates(), r.Value)
	}
	out := r.Clone()
	out.Value = strings.ToUpper(v) + s.Suffix
	return out, nil
}
