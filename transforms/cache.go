package transforms

import (
	"sync"
	"sync/atomic"
)

// cacheLimit bounds every per-transform cache. Topics and schemas are
// usually few; a source that builds a new *Schema per record must not make
// a transform grow without bound, so a full cache is emptied and refilled.
const cacheLimit = 4096

// cache is a bounded concurrent map for derived values (a routed topic, an
// updated schema). Reads are lock-free (sync.Map); entries are immutable.
type cache[K comparable, V any] struct {
	m sync.Map
	n atomic.Int64
}

func (c *cache[K, V]) get(k K) (V, bool) {
	v, ok := c.m.Load(k)
	if !ok {
		var zero V
		return zero, false
	}
	return v.(V), true
}

func (c *cache[K, V]) put(k K, v V) {
	if c.n.Add(1) > cacheLimit {
		c.m.Clear()
		c.n.Store(1)
	}
	c.m.Store(k, v)
}
