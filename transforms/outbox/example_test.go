package outbox_test

import (
	"context"
	"fmt"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/transforms/outbox"
)

// Route a schemaless outbox change event with Debezium's defaults plus one
// placement, configured with the keys a Debezium file would use.
func ExampleRouter() {
	cfg, err := outbox.ConfigDef().Parse(map[string]string{
		"table.fields.additional.placement": "type:header:eventType",
	})
	if err != nil {
		panic(err)
	}
	router, err := outbox.New(cfg, nil)
	if err != nil {
		panic(err)
	}
	in := &connect.Record{Topic: "dbserver1.inventory.outboxevent", Value: map[string]any{
		"op":    "c",
		"ts_ms": int64(1556890294484),
		"after": map[string]any{
			"id": "406c07f3-26f0-4eea-a50c-109940064b8f", "aggregatetype": "Order", "aggregateid": "1",
			"type": "OrderCreated", "payload": `{"id": 1}`,
		},
	}}
	out, err := router.Apply(context.Background(), in)
	if err != nil {
		panic(err)
	}
	fmt.Println(out.Topic, out.Key, out.Value, out.Timestamp.UnixMilli())
	for _, h := range out.Headers {
		fmt.Printf("%s=%v\n", h.Key, h.Value)
	}
	// Output:
	// outbox.event.Order 1 {"id": 1} 1556890294484
	// id=406c07f3-26f0-4eea-a50c-109940064b8f
	// eventType=OrderCreated
}
