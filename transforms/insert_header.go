package transforms

import (
	"context"

	"github.com/inletdev/inlet/connect"
)

// InsertHeader adds one header whose value is a literal parsed as Kafka's
// Values.parseString does ("42" is an INT8). Kafka Connect equivalent:
// org.apache.kafka.connect.transforms.InsertHeader.
type InsertHeader struct {
	key    string
	schema *connect.Schema
	value  any
}

// NewInsertHeader parses the literal once.
func NewInsertHeader(header, literal string) *InsertHeader {
	s, v := parseValueString(literal)
	return &InsertHeader{key: header, schema: s, value: v}
}

// Apply implements connect.Transformation.
func (t *InsertHeader) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	c := r.Clone()
	c.Headers = c.Headers.Add(t.key, t.schema, t.value)
	return c, nil
}

func registerInsertHeader(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind: connect.KindTransform, Name: "InsertHeader", Aliases: []string{javaPkg + "InsertHeader"},
		Doc: "Add a header to each record. Kafka Connect equivalent: org.apache.kafka.connect.transforms.InsertHeader.",
		Config: connect.NewConfigDef(
			connect.ConfigKey{Name: "header", Required: true, Importance: connect.High, Validator: connect.NonEmpty(),
				Doc: "The name of the header."},
			connect.ConfigKey{Name: "value.literal", Required: true, Importance: connect.High,
				Doc: "The literal value that is to be set as the header value on all records (typed as Kafka's Values.parseString: 42 is an INT8, true a BOOLEAN)."},
		),
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) {
			return NewInsertHeader(cfg.String("header"), cfg.String("value.literal")), nil
		},
	})
}
