package transforms

import (
	"context"
	"fmt"
	"testing"

	"github.com/inletdev/inlet/connect"
)

func TestRegexRouter(t *testing.T) {
	tests := []struct{ regex, repl, topic, want string }{
		{`(.*)-(.*)-(.*)`, `$3`, "prefix-db-table", "table"}, // Kafka's docs
		{`(.*)`, `$1x`, "orders", "ordersx"},
		{`(.*)`, `$12`, "orders", "orders2"},
		{`(.*?)`, `pre-$1`, "orders", "pre-orders"}, // full match, then the first (empty) match is replaced
		{`(.*)`, `\$$1`, "orders", "$orders"},
		{`shop\.public\.(.*)`, `cdc_$1`, "shop.public.orders", "cdc_orders"},
		{`shop\.public\.(.*)`, `cdc_$1`, "other.public.orders", "other.public.orders"}, // no full match: unchanged
		{`orders`, `x`, "orders_v2", "orders_v2"},                                      // a partial match is not enough
		{`(?<t>.*)`, `outbox.event.${t}`, "Order", "outbox.event.Order"},
		{`[a-z]+`, `X`, "abc", "X"},
	}
	for _, tc := range tests {
		tr := build(t, "org.apache.kafka.connect.transforms.RegexRouter", map[string]string{"regex": tc.regex, "replacement": tc.repl})
		in := connect.NewRecord(tc.topic, nil, "v")
		out := apply(t, tr, in)
		if out.Topic != tc.want {
			t.Errorf("%s → %s on %q = %q, want %q", tc.regex, tc.repl, tc.topic, out.Topic, tc.want)
		}
		if tc.want == tc.topic && out != in {
			t.Errorf("unchanged topic %q: want the same record back", tc.topic)
		}
		if in.Topic != tc.topic {
			t.Errorf("input record mutated")
		}
		// second call hits the cache and must agree
		if out2 := apply(t, tr, in); out2.Topic != tc.want {
			t.Errorf("cached route of %q = %q", tc.topic, out2.Topic)
		}
	}
}

func TestRegexRouterConfigErrors(t *testing.T) {
	tests := []struct {
		props map[string]string
		want  string
	}{
		{map[string]string{"regex": "(.*)"}, `replacement: missing required configuration`},
		{map[string]string{"replacement": "x"}, `regex: missing required configuration`},
		{map[string]string{"regex": `(a)\1`, "replacement": "x"}, `regex="(a)\\1": not a regular expression Go can run, at offset 3: backreferences (\1) are not supported by Go's RE2 engine`},
		// A bad regex is reported together with a missing replacement.
		{map[string]string{"regex": "("}, `regex="(": not a valid regular expression`},
		{map[string]string{"regex": "("}, `replacement: missing required configuration`},
		{map[string]string{"regex": `(?<=a)b`, "replacement": "x"}, `lookbehind`},
		{map[string]string{"regex": "(.*)", "replacement": "$2"}, `replacement="$2": javare: replacement "$2" at offset 0: No group 2 (the regex has 1 group)`},
		{map[string]string{"regex": "(.*)", "replacement": "a$"}, `group index is missing`},
		{map[string]string{"regex": "(.*)", "replacement": `a\`}, `character to be escaped is missing`},
		{map[string]string{"regex": "(.*)", "replacement": "x", "regexp": "y"}, `regexp="y": unknown configuration key (did you mean "regex"?)`},
	}
	for _, tc := range tests {
		_, err := tryBuild("RegexRouter", tc.props)
		wantErr(t, err, tc.want)
	}
}

func TestRegexRouterContract(t *testing.T) {
	contract(t, "RegexRouter", map[string]string{"regex": `(.*)\.(.*)`, "replacement": "$2"},
		schemaRecord(), mapRecord())
}

func TestRegexRouterCacheBounded(t *testing.T) {
	rr, err := NewRegexRouter(`t-(\d+)`, `n$1`)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3*cacheLimit; i++ {
		if got, want := rr.Route(fmt.Sprintf("t-%d", i)), fmt.Sprintf("n%d", i); got != want {
			t.Fatalf("Route = %q, want %q", got, want)
		}
	}
	if n := rr.topics.n.Load(); n > cacheLimit {
		t.Errorf("cache holds %d entries, limit %d", n, cacheLimit)
	}
}

func BenchmarkRegexRouter(b *testing.B) {
	rr, err := NewRegexRouter(`shop\.public\.(.*)`, `cdc_$1`)
	if err != nil {
		b.Fatal(err)
	}
	recs := make([]*connect.Record, 8)
	for i := range recs {
		recs[i] = connect.NewRecord(fmt.Sprintf("shop.public.table%d", i), nil, "v")
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := rr.Apply(ctx, recs[i&7]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkRegexRouterUnmatched(b *testing.B) {
	rr, _ := NewRegexRouter(`shop\.public\.(.*)`, `cdc_$1`)
	r := connect.NewRecord("other.topic", nil, "v")
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, _ = rr.Apply(ctx, r)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
