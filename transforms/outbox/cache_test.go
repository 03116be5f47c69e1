package outbox

import (
	"strconv"
	"sync"
	"testing"
)

func TestCache(t *testing.T) {
	c := newCache[string, string](100)
	calls := 0
	f := func(k string) string { calls++; return "v" + k }
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				k := strconv.Itoa(i)
				v, ok := c.load(k)
				if !ok {
					v = c.compute(k, f)
				}
				if v != "v"+k {
					t.Errorf("%s → %s", k, v)
				}
			}
		}()
	}
	wg.Wait()
	if n := c.len(); n != 100 {
		t.Errorf("%d entries stored, want the bound 100", n)
	}
	// 100 stored once each; the 200 past the bound are computed on every use.
	if calls != 100+4*200 {
		t.Errorf("compute called %d times, want %d", calls, 100+4*200)
	}
	if _, ok := c.load("5"); !ok {
		t.Error("an early entry is not readable without the lock")
	}
}
