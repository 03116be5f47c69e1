// Package builtin lists every plugin compiled into inlet, in one place.
// Each plugin package exports Register(r *connect.Registry); add one line
// per package to Register below.
package builtin

import (
	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/converters"
	filesink "github.com/inletdev/inlet/sink/file"
	kafkasink "github.com/inletdev/inlet/sink/kafka"
	"github.com/inletdev/inlet/sink/rocketmq"
	"github.com/inletdev/inlet/source/datagen"
	"github.com/inletdev/inlet/source/dts"
	filesource "github.com/inletdev/inlet/source/file"
	kafkasource "github.com/inletdev/inlet/source/kafka"
	"github.com/inletdev/inlet/source/postgres"
	"github.com/inletdev/inlet/transforms"
	"github.com/inletdev/inlet/transforms/eventbridge"
	"github.com/inletdev/inlet/transforms/eventpattern"
	"github.com/inletdev/inlet/transforms/httpfn"
	"github.com/inletdev/inlet/transforms/outbox"
	"github.com/inletdev/inlet/transforms/unwrap"
)

// Register adds every built-in plugin (sources, sinks, transforms,
// predicates, converters, offset stores) to r, with their aliases.
func Register(r *connect.Registry) {
	// One line per plugin package, e.g. file.Register(r).
	transforms.Register(r)
	unwrap.Register(r)
	converters.Register(r)
	filesource.Register(r)
	filesink.Register(r)
	datagen.Register(r)
	dts.Register(r)
	httpfn.Register(r)
	outbox.Register(r)
	eventpattern.Register(r)
	eventbridge.Register(r)
	rocketmq.Register(r)
	postgres.Register(r)
	kafkasink.Register(r)
	kafkasource.Register(r)
	_ = r
}

// NewRegistry returns a registry holding every built-in plugin.
func NewRegistry() *connect.Registry {
	r := connect.NewRegistry()
	Register(r)
	return r
}
