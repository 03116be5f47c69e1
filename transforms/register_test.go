package transforms

import (
	"testing"

	"github.com/inletdev/inlet/connect"
)

func TestRegisterJavaNames(t *testing.T) {
	r := registry()
	for _, n := range []string{"Cast", "ExtractField", "Flatten", "HeaderFrom", "HoistField", "InsertField", "MaskField",
		"ReplaceField", "SetSchemaMetadata", "TimestampConverter"} {
		for _, s := range []string{"$Key", "$Value"} {
			for _, name := range []string{"org.apache.kafka.connect.transforms." + n + s, n + s, "ORG.APACHE.KAFKA.CONNECT.TRANSFORMS." + n + s} {
				p, err := r.Lookup(connect.KindTransform, name)
				if err != nil || p.Name != n+s {
					t.Errorf("Lookup(%q) = %v, %v", name, p, err)
				}
			}
		}
	}
	for _, n := range []string{"DropHeaders", "Filter", "InsertHeader", "RegexRouter", "TimestampRouter", "ValueToKey"} {
		if _, err := r.Lookup(connect.KindTransform, "org.apache.kafka.connect.transforms."+n); err != nil {
			t.Errorf("Lookup(%s): %v", n, err)
		}
	}
	for _, n := range []string{"TopicNameMatches", "HasHeaderKey", "RecordIsTombstone"} {
		if _, err := r.Lookup(connect.KindPredicate, "org.apache.kafka.connect.transforms.predicates."+n); err != nil {
			t.Errorf("Lookup(%s): %v", n, err)
		}
	}
	// Every plugin documents every key.
	for _, p := range r.Plugins() {
		if p.Doc == "" {
			t.Errorf("%s has no doc", p.Name)
		}
		for _, k := range p.Config.Keys() {
			if k.Doc == "" {
				t.Errorf("%s: key %s has no doc", p.Name, k.Name)
			}
		}
	}
}
