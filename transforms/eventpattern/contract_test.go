package eventpattern

import (
	"testing"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/connecttest"
)

func TestContract(t *testing.T) {
	s := connect.StructOf("row", false, connect.F("operation", connect.StringSchema))
	inputs := []*connect.Record{
		{Topic: "shop.orders", Value: map[string]any{"operation": "INSERT", "tags": []any{"a"}}},
		{Topic: "shop.orders", ValueSchema: s, Value: connect.NewStruct(s).Put("operation", "DELETE")},
		{Topic: "x", Value: []byte(`{"operation":"INSERT"}`), Headers: connect.Headers{{Key: "ce_specversion", Value: "1.0"}, {Key: "ce_source", Value: "s"}}},
	}
	connecttest.TestTransformation(t, func() (connect.Transformation, error) {
		return NewFilter(MustCompile(`{"data":{"operation":["INSERT"],"tags":[{"exists":false},"a"]}}`)), nil
	}, inputs)
}
