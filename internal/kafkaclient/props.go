package kafkaclient

import (
	"sort"
	"strings"
)

// Setting is one client key with its value and the key as the user wrote it
// (e.g. "producer.override.acks"), so errors point at the right line.
type Setting struct {
	Key   string // the Kafka client key, e.g. "acks"
	Value string
	From  string // where it was set, e.g. "producer.override.acks"
}

// Props is a flat Kafka client configuration by Java key names.
type Props map[string]Setting

// Get returns the value of key, or "".
func (p Props) Get(key string) string { return p[key].Value }

// Has reports whether key is set.
func (p Props) Has(key string) bool { _, ok := p[key]; return ok }

// Set sets key directly (for values inlet decides, e.g. a default group.id).
func (p Props) Set(key, value string) { p[key] = Setting{Key: key, Value: value, From: key} }

// Keys returns the keys in order.
func (p Props) Keys() []string {
	out := make([]string, 0, len(p))
	for k := range p {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Clone returns a copy.
func (p Props) Clone() Props {
	out := make(Props, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

// workerShared are the worker's top-level keys that every client inherits
// (Kafka Connect passes them to producers, consumers and admin clients).
var workerShared = []string{"bootstrap.servers", "security.protocol", "client.dns.lookup"}

func isWorkerShared(k string) bool {
	for _, s := range workerShared {
		if k == s {
			return true
		}
	}
	return strings.HasPrefix(k, "sasl.") || strings.HasPrefix(k, "ssl.")
}

// Role is which client a configuration is for.
type Role uint8

// Client roles.
const (
	Producer Role = iota + 1
	Consumer
	Admin
)

func (r Role) prefix() string {
	switch r {
	case Producer:
		return "producer."
	case Consumer:
		return "consumer."
	}
	return "admin."
}

// Layer builds the configuration of one client the way Kafka Connect does:
// the worker's shared keys (bootstrap.servers, security.protocol, sasl.*,
// ssl.*), then the worker's "producer."/"consumer."/"admin." keys with the
// prefix cut, then own (the connector's keys, already prefix-cut; From is
// ownPrefix+key), then overrides ("producer.override." ... keys of the
// connector, prefix cut). Later layers win.
func Layer(role Role, worker map[string]string, ownPrefix string, own map[string]string, overridePrefix string, overrides map[string]string) Props {
	p := Props{}
	for k, v := range worker {
		if isWorkerShared(k) {
			p[k] = Setting{Key: k, Value: v, From: k}
		}
	}
	pre := role.prefix()
	for k, v := range worker {
		if strings.HasPrefix(k, pre) && len(k) > len(pre) {
			kk := k[len(pre):]
			p[kk] = Setting{Key: kk, Value: v, From: k}
		}
	}
	for k, v := range own {
		p[k] = Setting{Key: k, Value: v, From: ownPrefix + k}
	}
	for k, v := range overrides {
		p[k] = Setting{Key: k, Value: v, From: overridePrefix + k}
	}
	return p
}
