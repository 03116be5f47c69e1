package outbox

import (
	"sync"
	"sync/atomic"
)

// cache is a bounded read-mostly map: lookups of present keys take no lock
// and allocate nothing (a plain map read through an atomic pointer); new
// entries gather under a mutex and are merged into a fresh read map in
// batches, so filling it costs O(1) amortized per entry. Past max entries
// nothing more is stored and callers compute values per use.
type cache[K comparable, V any] struct {
	read    atomic.Pointer[map[K]V]
	mu      sync.Mutex
	pending map[K]V
	max     int
}

func newCache[K comparable, V any](max int) *cache[K, V] {
	c := &cache[K, V]{max: max}
	empty := map[K]V{}
	c.read.Store(&empty)
	return c
}

// load is the lock-free fast path.
func (c *cache[K, V]) load(k K) (V, bool) {
	v, ok := (*c.read.Load())[k]
	return v, ok
}

// compute returns the value for k, calling f (under the lock) if no one
// has stored it yet. Call it after load missed.
func (c *cache[K, V]) compute(k K, f func(K) V) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.pending[k]; ok {
		return v
	}
	read := *c.read.Load()
	if v, ok := read[k]; ok {
		return v
	}
	v := f(k)
	if len(read)+len(c.pending) >= c.max {
		return v
	}
	if c.pending == nil {
		c.pending = map[K]V{}
	}
	c.pending[k] = v
	if len(c.pending) >= max(8, len(read)/4) {
		n := make(map[K]V, len(read)+len(c.pending))
		for kk, vv := range read {
			n[kk] = vv
		}
		for kk, vv := range c.pending {
			n[kk] = vv
		}
		c.read.Store(&n)
		c.pending = nil
	}
	return v
}

// len reports how many entries are stored.
func (c *cache[K, V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(*c.read.Load()) + len(c.pending)
}
