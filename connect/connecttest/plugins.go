package connecttest

import (
	"context"
	"sync"

	"github.com/inletdev/inlet/connect"
)

// SourcePlugin is the handle RegisterSource returns: every task the runtime
// opens from the plugin, in order.
type SourcePlugin struct {
	mu      sync.Mutex
	sources []*Source
}

// Sources returns every source task made so far.
func (p *SourcePlugin) Sources() []*Source {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*Source(nil), p.sources...)
}

// Last returns the most recently made source task, or nil.
func (p *SourcePlugin) Last() *Source {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.sources) == 0 {
		return nil
	}
	return p.sources[len(p.sources)-1]
}

// SourceConfig declares the keys of RegisterSource's plugins.
func SourceConfig() *connect.ConfigDef {
	return connect.NewConfigDef(
		connect.ConfigKey{Name: "topic", Type: connect.TypeString, Default: "test", Doc: "Topic of the records."},
		connect.ConfigKey{Name: "count", Type: connect.TypeLong, Default: "100", Validator: connect.AtLeast(0),
			Doc: "How many numbered records to emit in all (0 = endless)."},
		connect.ConfigKey{Name: "poll.size", Type: connect.TypeInt, Default: "100", Validator: connect.AtLeast(1),
			Doc: "Most records one Poll returns."},
	)
}

// RegisterSource registers a source plugin that emits the numbered series
// (see Numbered) on the topic `topic`, `count` records in all, and resumes
// after the offset stored for it, so restart tests can check that nothing
// is lost or repeated.
func RegisterSource(r *connect.Registry, name string, aliases ...string) *SourcePlugin {
	p := &SourcePlugin{}
	r.Register(connect.Plugin{
		Kind: connect.KindSource, Name: name, Aliases: aliases,
		Doc:    "In-memory numbered records for tests (connecttest).",
		Config: SourceConfig(),
		NewSource: func(_ context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
			start, err := resumeFrom(tc)
			if err != nil {
				return nil, err
			}
			topic := cfg.String("topic")
			s := NewGenerator(cfg.Long("count"), func(i int64) *connect.Record { return Numbered(topic, i) })
			s.PollSize = cfg.Int("poll.size")
			s.SkipTo(start)
			p.mu.Lock()
			p.sources = append(p.sources, s)
			p.mu.Unlock()
			return s, nil
		},
	})
	return p
}

// SinkPlugin is the handle RegisterSink returns: every sink the runtime
// opens from the plugin (a dead-letter queue is a second one), in order.
type SinkPlugin struct {
	// Setup, if set, runs on each new sink before the runtime gets it, e.g.
	// to inject failures.
	Setup func(s *Sink, cfg connect.Config)

	mu    sync.Mutex
	sinks []*Sink
}

// Sinks returns every sink made so far.
func (p *SinkPlugin) Sinks() []*Sink {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*Sink(nil), p.sinks...)
}

// Last returns the most recently made sink, or nil.
func (p *SinkPlugin) Last() *Sink {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.sinks) == 0 {
		return nil
	}
	return p.sinks[len(p.sinks)-1]
}

// ByConfig returns the first sink whose config has key=value (e.g. the DLQ
// instance by its topic), or nil.
func (p *SinkPlugin) ByConfig(key, value string) *Sink {
	for _, s := range p.Sinks() {
		if s.Config().Raw(key) == value {
			return s
		}
	}
	return nil
}

// SinkConfig declares the keys of RegisterSink's plugins: `bytes`, and any
// other key (kept in Sink.Config, so tests can see what the runtime passed).
func SinkConfig() *connect.ConfigDef {
	return connect.NewConfigDef(
		connect.ConfigKey{Name: "bytes", Type: connect.TypeBoolean, Default: "false",
			Doc: "Ask the runtime for bytes (connect.BytesSink): converters run before Put."},
	).AllowPrefix("", "Any other key is accepted and kept for the test to inspect.")
}

// RegisterSink registers a collecting sink plugin (see Sink).
func RegisterSink(r *connect.Registry, name string, aliases ...string) *SinkPlugin {
	p := &SinkPlugin{}
	r.Register(connect.Plugin{
		Kind: connect.KindSink, Name: name, Aliases: aliases,
		Doc:    "In-memory collecting sink for tests (connecttest).",
		Config: SinkConfig(),
		NewSink: func(_ context.Context, cfg connect.Config, _ connect.TaskContext) (connect.SinkTask, error) {
			s := NewSink().WithBytes(cfg.Bool("bytes"))
			s.config = cfg
			if p.Setup != nil {
				p.Setup(s, cfg)
			}
			p.mu.Lock()
			p.sinks = append(p.sinks, s)
			p.mu.Unlock()
			return s, nil
		},
	})
	return p
}

// DiscardPlugin is the handle RegisterDiscard returns.
type DiscardPlugin struct {
	mu    sync.Mutex
	sinks []*Discard
}

// Count is how many records every sink of the plugin has seen.
func (p *DiscardPlugin) Count() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var n int64
	for _, d := range p.sinks {
		n += d.Count()
	}
	return n
}

// RegisterDiscard registers a discarding sink plugin (see Discard).
func RegisterDiscard(r *connect.Registry, name string, aliases ...string) *DiscardPlugin {
	p := &DiscardPlugin{}
	r.Register(connect.Plugin{
		Kind: connect.KindSink, Name: name, Aliases: aliases,
		Doc:    "Discards records, counting them (connecttest).",
		Config: connect.NewConfigDef().AllowPrefix("", "Any key is accepted and ignored."),
		NewSink: func(context.Context, connect.Config, connect.TaskContext) (connect.SinkTask, error) {
			d := NewDiscard()
			p.mu.Lock()
			p.sinks = append(p.sinks, d)
			p.mu.Unlock()
			return d, nil
		},
	})
	return p
}

// MapOffsets is an in-memory connect.OffsetReader, for opening tasks by
// hand in tests.
type MapOffsets []connect.SourceOffset

// Offset returns the offset stored for partition, or nil.
func (m MapOffsets) Offset(partition map[string]any) (map[string]any, error) {
	for _, o := range m {
		if samePartition(o.Partition, partition) {
			return o.Offset, nil
		}
	}
	return nil, nil
}
