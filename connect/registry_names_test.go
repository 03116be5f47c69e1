package connect

import (
	"context"
	"testing"
)

// Kafka Connect derives an alias by cutting the type suffix only:
// FileStreamSinkConnector → FileStreamSink, JsonConverter → Json,
// SimpleHeaderConverter → SimpleHeader.
func TestDerivedNamesFollowKafka(t *testing.T) {
	r := NewRegistry()
	r.Register(Plugin{Kind: KindSink, Name: "org.apache.kafka.connect.file.FileStreamSinkConnector",
		NewSink: func(context.Context, Config, TaskContext) (SinkTask, error) { return nil, nil }})
	r.Register(Plugin{Kind: KindHeaderConverter, Name: "org.apache.kafka.connect.storage.SimpleHeaderConverter",
		NewHeaderConverter: func(Config) (HeaderConverter, error) { return nil, nil }})
	for _, c := range []struct {
		kind Kind
		name string
		ok   bool
	}{
		{KindSink, "FileStreamSink", true}, {KindSink, "filestreamsinkconnector", true}, {KindSink, "FileStream", false},
		{KindHeaderConverter, "SimpleHeader", true}, {KindHeaderConverter, "Simple", false},
	} {
		_, err := r.Lookup(c.kind, c.name)
		if (err == nil) != c.ok {
			t.Errorf("Lookup(%v, %q) err = %v, want found=%v", c.kind, c.name, err, c.ok)
		}
	}
}
