package eventbridge_test

import (
	"context"
	"fmt"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/transforms/eventbridge"
)

// The value becomes the event's data.body, the key a template over two
// fields, and a header carries the tag.
func Example() {
	cfg, err := eventbridge.ConfigDef().Parse(map[string]string{
		"value.form":       "JSONPATH",
		"value.value":      "$.data.body",
		"key.form":         "TEMPLATE",
		"key.value":        `{"table":"$.data.table","id":"$.data.id"}`,
		"key.template":     "${table}:${id}",
		"headers":          "tag",
		"header.tag.form":  "JSONPATH",
		"header.tag.value": "$.data.tags[0]",
	})
	if err != nil {
		panic(err)
	}
	tr, err := eventbridge.New(cfg)
	if err != nil {
		panic(err)
	}
	in := connect.NewRecord("orders", nil, map[string]any{
		"table": "orders", "id": int64(1001), "body": `{"status":"PAID"}`, "tags": []any{"paid", "eu"},
	})
	ctx := connect.WithEventContext(context.Background(), connect.EventContext{Pipeline: "inflow"})
	out, err := tr.Apply(ctx, in)
	if err != nil {
		panic(err)
	}
	tag, _ := out.Headers.Last("tag")
	fmt.Println(out.Key)
	fmt.Println(out.Value)
	fmt.Println(tag.Value)
	// Output:
	// orders:1001
	// {"status":"PAID"}
	// paid
}
