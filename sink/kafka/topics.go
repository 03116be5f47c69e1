package kafka

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/inletdev/inlet/connect"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// topicCreation is Kafka Connect's topic.creation.* (KIP-158): groups
// tried in topic.creation.groups order, each with include/exclude regex
// lists, partitions, replication factor and topic configs; the default
// group takes every topic no other group matched.
type topicCreation struct {
	groups []creationGroup // named groups in order, then "default"
}

type creationGroup struct {
	name        string
	include     []*regexp.Regexp
	exclude     []*regexp.Regexp
	partitions  int32
	replication int16
	configs     map[string]*string
}

func (g *creationGroup) matches(topic string) bool {
	if g.name == "default" {
		return true
	}
	in := false
	for _, re := range g.include {
		if re.MatchString(topic) {
			in = true
			break
		}
	}
	if !in {
		return false
	}
	for _, re := range g.exclude {
		if re.MatchString(topic) {
			return false
		}
	}
	return true
}

func (tc *topicCreation) groupFor(topic string) *creationGroup {
	for i := range tc.groups {
		if tc.groups[i].matches(topic) {
			return &tc.groups[i]
		}
	}
	return nil
}

const tcPrefix = "topic.creation."

// parseTopicCreation reads the topic.creation.* keys (prefix cut in kv).
// It returns nil when none is set: no topic is created.
func parseTopicCreation(kv map[string]string) (*topicCreation, connect.ConfigErrors) {
	if len(kv) == 0 {
		return nil, nil
	}
	var errs connect.ConfigErrors
	bad := func(key, val, reason string, a ...any) {
		errs = append(errs, &connect.ConfigError{Key: tcPrefix + key, Value: val, Reason: fmt.Sprintf(reason, a...)})
	}
	names := connect.SplitList(kv["groups"])
	known := map[string]bool{"default": true}
	for _, n := range names {
		if n == "default" {
			bad("groups", kv["groups"], "\"default\" is implicit; list only the other groups")
		}
		known[n] = true
	}
	for k, v := range kv {
		if k == "groups" {
			continue
		}
		g, _, ok := strings.Cut(k, ".")
		if !ok || !known[g] {
			bad(k, v, "group %q is not listed in topic.creation.groups", g)
		}
	}
	parseGroup := func(name string, def *creationGroup) creationGroup {
		g := creationGroup{name: name, configs: map[string]*string{}}
		pre := name + "."
		if def != nil {
			g.partitions, g.replication = def.partitions, def.replication
			for k, v := range def.configs {
				g.configs[k] = v
			}
		}
		for k, v := range kv {
			sub, ok := strings.CutPrefix(k, pre)
			if !ok {
				continue
			}
			switch sub {
			case "partitions":
				n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
				if err != nil || n == 0 || n < -1 {
					bad(k, v, "expected a positive number of partitions or -1 (broker default)")
				}
				g.partitions = int32(n)
			case "replication.factor":
				n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 16)
				if err != nil || n == 0 || n < -1 {
					bad(k, v, "expected a positive replication factor or -1 (broker default)")
				}
				g.replication = int16(n)
			case "include", "exclude":
				if name == "default" {
					bad(k, v, "the default group takes every topic no other group matched; it has no %s", sub)
					continue
				}
				for _, p := range connect.SplitList(v) {
					// Java's Pattern.matches is a full match.
					re, err := regexp.Compile("^(?:" + p + ")$")
					if err != nil {
						bad(k, v, "%q is not a valid regular expression (RE2 syntax): %v", p, err)
						continue
					}
					if sub == "include" {
						g.include = append(g.include, re)
					} else {
						g.exclude = append(g.exclude, re)
					}
				}
			default:
				val := v
				g.configs[sub] = &val // a topic config, e.g. cleanup.policy
			}
		}
		return g
	}
	def := parseGroup("default", nil)
	for _, k := range []string{"default.partitions", "default.replication.factor"} {
		if _, ok := kv[k]; !ok {
			bad(k, "", "required once any topic.creation.* key is set (-1 = broker default)")
		}
	}
	tc := &topicCreation{}
	for _, n := range names {
		if n == "default" {
			continue
		}
		g := parseGroup(n, &def)
		if len(g.include) == 0 {
			bad(n+".include", "", "required: the topics (regular expressions) this group creates")
		}
		tc.groups = append(tc.groups, g)
	}
	tc.groups = append(tc.groups, def)
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Key < errs[j].Key })
	return tc, errs
}

// topicMaker creates each topic once, before the first record to it.
type topicMaker struct {
	tc    *topicCreation
	adm   *kadm.Client
	mu    sync.Mutex
	ready map[string]bool
}

func (m *topicMaker) ensure(ctx context.Context, topic string) error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ready[topic] {
		return nil
	}
	g := m.tc.groupFor(topic)
	resp, err := m.adm.CreateTopic(ctx, g.partitions, g.replication, g.configs, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return classify(fmt.Errorf("create topic %q (topic.creation group %q: %d partitions, replication %d): %w", topic, g.name, g.partitions, g.replication, err))
	}
	m.ready[topic] = true
	return nil
}
