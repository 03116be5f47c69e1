package transforms

import (
	"testing"

	"github.com/inletdev/inlet/connect"
)

func predicate(t *testing.T, name string, props map[string]string) (connect.Predicate, error) {
	t.Helper()
	p, err := registry().Lookup(connect.KindPredicate, name)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := p.Config.Parse(props)
	if err != nil {
		return nil, err
	}
	return p.NewPredicate(cfg)
}

func TestTopicNameMatches(t *testing.T) {
	p, err := predicate(t, "org.apache.kafka.connect.transforms.predicates.TopicNameMatches", map[string]string{"pattern": `shop\.public\..*`})
	if err != nil {
		t.Fatal(err)
	}
	for topic, want := range map[string]bool{"shop.public.orders": true, "x.shop.public.orders": false, "shop.public": false, "": false} {
		for i := 0; i < 2; i++ { // second round is served from the cache
			if got := p.Test(connect.NewRecord(topic, nil, nil)); got != want {
				t.Errorf("Test(%q) = %v, want %v", topic, got, want)
			}
		}
	}
	_, err = predicate(t, "TopicNameMatches", map[string]string{"pattern": ""})
	wantErr(t, err, `pattern: must not be empty`)
	_, err = predicate(t, "TopicNameMatches", map[string]string{})
	wantErr(t, err, `pattern: missing required configuration`)
	_, err = predicate(t, "TopicNameMatches", map[string]string{"pattern": `a(?!b)`})
	wantErr(t, err, `pattern="a(?!b)": Invalid regex: javare: regex "a(?!b)" at offset 1: lookahead`)
}

func TestHasHeaderKey(t *testing.T) {
	p, err := predicate(t, "HasHeaderKey", map[string]string{"name": "h2"})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Test(schemaRecord()) {
		t.Error("record with h2: want true")
	}
	if p.Test(mapRecord()) {
		t.Error("record without h2: want false")
	}
	_, err = predicate(t, "HasHeaderKey", map[string]string{})
	wantErr(t, err, "name: missing required configuration")
}

func TestRecordIsTombstone(t *testing.T) {
	p, err := predicate(t, "RecordIsTombstone", nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Test(schemaRecord()) {
		t.Error("record with value: want false")
	}
	if !p.Test(connect.NewRecord("t", "k", nil)) {
		t.Error("tombstone: want true")
	}
	_, err = predicate(t, "RecordIsTombstone", map[string]string{"x": "y"})
	wantErr(t, err, "x=\"y\": unknown configuration key")
}
