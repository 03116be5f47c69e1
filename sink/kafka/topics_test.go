package kafka

import (
	"strings"
	"testing"
)

func FuzzParseTopicCreation(f *testing.F) {
	f.Add("groups=a,b\ndefault.partitions=3\ndefault.replication.factor=1\na.include=x.*,y\na.exclude=x1\nb.include=(\nb.partitions=-1")
	f.Add("default.partitions=0\ndefault.include=z")
	f.Fuzz(func(t *testing.T, s string) {
		kv := map[string]string{}
		for _, line := range strings.Split(s, "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				kv[k] = v
			}
		}
		tc, errs := parseTopicCreation(kv)
		if len(errs) > 0 || tc == nil {
			return
		}
		// A valid configuration always has the default group last, and
		// every topic finds a group.
		if tc.groups[len(tc.groups)-1].name != "default" || tc.groupFor("any.topic") == nil {
			t.Fatalf("%q: groups %+v", s, tc.groups)
		}
	})
}

func TestTopicCreationFirstGroupWins(t *testing.T) {
	tc, errs := parseTopicCreation(map[string]string{
		"groups": "a,b", "default.partitions": "1", "default.replication.factor": "1",
		"a.include": "orders.*", "a.exclude": "orders\\.tmp", "a.partitions": "3",
		"b.include": "orders.*", "b.partitions": "9",
	})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for topic, want := range map[string]string{"orders.eu": "a", "orders.tmp": "b", "ordersX": "a", "xorders": "default"} {
		if g := tc.groupFor(topic); g.name != want {
			t.Errorf("%s → group %s, want %s", topic, g.name, want)
		}
	}
	if g := tc.groupFor("orders.eu"); g.partitions != 3 || g.replication != 1 {
		t.Errorf("group a inherits replication from default: %+v", g)
	}
}
