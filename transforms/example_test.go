package transforms_test

import (
	"context"
	"fmt"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/transforms"
)

// A Kafka Connect connector file's transform lines work unchanged: the
// Java class name finds the plugin, and the replacement uses Java's syntax
// ($1 followed by a literal "_v2" would be read as group "1_v2" by Go).
func Example() {
	reg := connect.NewRegistry()
	transforms.Register(reg)
	p, _ := reg.Lookup(connect.KindTransform, "org.apache.kafka.connect.transforms.RegexRouter")
	cfg, _ := p.Config.Parse(map[string]string{"regex": `shop\.public\.(.*)`, "replacement": `$1_v2`})
	tr, _ := p.NewTransform(cfg)

	out, _ := tr.Apply(context.Background(), connect.NewRecord("shop.public.orders", nil, "v"))
	fmt.Println(out.Topic)
	out, _ = tr.Apply(context.Background(), connect.NewRecord("other.orders", nil, "v"))
	fmt.Println(out.Topic)
	// Output:
	// orders_v2
	// other.orders
}
