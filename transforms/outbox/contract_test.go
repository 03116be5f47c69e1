package outbox

import (
	"testing"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/connecttest"
)

// TestContract runs the connect contract (no input mutation, no panic,
// safe for concurrent use) over routed, dropped, failing and passed-through
// records, with the options that build new values (envelope, expansion,
// tracing) switched on.
func TestContract(t *testing.T) {
	upd := changeEvent(docEnvelope, "u", docRowValues(docRow))
	expand := docRecord()
	expand.Value.(*connect.Struct).Get("after").(*connect.Struct).Put("payload", `{"a":[{"b":1},{"c":null}]}`)
	inputs := []*connect.Record{docRecord(), docMap(), upd, expand, tracedRecord("traceparent=" + parent),
		changeEvent(docEnvelope, "t", nil), {Topic: "other", Value: "x"}}
	for _, props := range []map[string]string{
		nil,
		{KeyPlacement: "type:envelope:eventType,type:header,aggregateid:partition", KeyAdditionalMissing: "ignore", KeyExpandJSON: "true", KeyTracingContextOnly: "false"},
	} {
		connecttest.TestTransformation(t, func() (connect.Transformation, error) { return build(props, nil) }, inputs)
	}
}
