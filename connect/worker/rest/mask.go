package rest

import (
	"regexp"
	"strings"

	"github.com/inletdev/inlet/connect"
)

// secretKeys is the safety net behind the ConfigDefs: a key whose name
// says it holds a secret is masked even when no plugin declares it as
// PASSWORD (a free-form producer.override.sasl.jaas.config, say).
var secretKeys = regexp.MustCompile(`(?i)(password|passwd|secret|jaas\.config|token|credential|private\.key|\.key\.password)`)

// providerRef is a whole-value config provider reference such as
// ${file:/etc/creds.properties:db}: it names where a secret lives, not the
// secret, and Kafka Connect shows it unresolved, so it is not masked.
var providerRef = regexp.MustCompile(`^\$\{[^}]*\}$`)

// masker decides which keys of a pipeline config are secrets, using each
// plugin's ConfigDef under the prefix the runtime gives its keys.
type masker struct{ reg *connect.Registry }

func (m masker) secret(cfg map[string]string, key string) bool {
	if secretKeys.MatchString(key) {
		return true
	}
	for _, sc := range m.scopes(cfg) {
		name, ok := strings.CutPrefix(key, sc.prefix)
		if !ok || sc.def == nil {
			continue
		}
		if k, ok := sc.def.Key(name); ok && k.Type == connect.TypePassword {
			return true
		}
	}
	return false
}

type scope struct {
	prefix string
	def    *connect.ConfigDef
}

// scopes lists (prefix, ConfigDef) for every plugin a pipeline config names.
func (m masker) scopes(cfg map[string]string) []scope {
	var out []scope
	lookup := func(prefix, name string, kinds ...connect.Kind) {
		if strings.TrimSpace(name) == "" {
			return
		}
		for _, k := range kinds {
			if p, err := m.reg.Lookup(k, name); err == nil {
				out = append(out, scope{prefix, p.Config})
				return
			}
		}
	}
	conn := []connect.Kind{connect.KindSource, connect.KindSink}
	lookup("", cfg["connector.class"], conn...)
	lookup("sink.", cfg["sink.connector.class"], connect.KindSink)
	lookup("source.", cfg["source.connector.class"], connect.KindSource)
	// The dead-letter queue is its own sink, or another instance of the
	// pipeline's sink whose keys the errors.deadletterqueue.* keys overlay.
	dlq := cfg["errors.deadletterqueue.connector.class"]
	if dlq == "" {
		dlq = cfg["sink.connector.class"]
	}
	if dlq == "" {
		dlq = cfg["connector.class"]
	}
	lookup("errors.deadletterqueue.", dlq, connect.KindSink)
	lookup("errors.deadletterqueue.", "kafka", connect.KindSink)
	// The default sides: a source pipeline writes to sink "kafka" and a sink
	// pipeline reads from source "kafka", both configured by their prefix
	// and by the pipeline's own keys.
	if cfg["sink.connector.class"] == "" {
		lookup("sink.", "kafka", connect.KindSink)
		lookup("", "kafka", connect.KindSink)
	}
	if cfg["source.connector.class"] == "" {
		lookup("source.", "kafka", connect.KindSource)
		lookup("", "kafka", connect.KindSource)
	}
	for _, a := range connect.SplitList(cfg["transforms"]) {
		lookup("transforms."+a+".", cfg["transforms."+a+".type"], connect.KindTransform)
	}
	for _, a := range connect.SplitList(cfg["predicates"]) {
		lookup("predicates."+a+".", cfg["predicates."+a+".type"], connect.KindPredicate)
	}
	for _, c := range []string{"key.converter", "value.converter"} {
		lookup(c+".", cfg[c], connect.KindConverter)
	}
	lookup("header.converter.", cfg["header.converter"], connect.KindHeaderConverter)
	return out
}

// mask returns a copy of cfg with every secret value replaced by [hidden].
func (m masker) mask(cfg map[string]string) map[string]string {
	out := make(map[string]string, len(cfg))
	for k, v := range cfg {
		if v != "" && !providerRef.MatchString(strings.TrimSpace(v)) && m.secret(cfg, k) {
			v = connect.Hidden
		}
		out[k] = v
	}
	return out
}

// unmask lets a client PUT back a config it got from GET: a secret whose
// new value is [hidden] keeps its current value instead of becoming the
// literal text "[hidden]".
func (m masker) unmask(next, current map[string]string) map[string]string {
	out := make(map[string]string, len(next))
	for k, v := range next {
		if v == connect.Hidden {
			if cur, ok := current[k]; ok && m.secret(next, k) {
				v = cur
			}
		}
		out[k] = v
	}
	return out
}
