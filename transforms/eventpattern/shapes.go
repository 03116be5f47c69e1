package eventpattern

import (
	"reflect"
	"sync/atomic"
)

// shapeCache remembers, per member name of a record's value, the last
// object under that member found JSON-shaped, so that an object shared by
// many records is walked once rather than once per record. The dts source
// shares each table's schema (a column list, keys: most of a change
// event's nodes) between that table's records, and walking it was most of
// the filter's CPU. Records are never changed after hand-off, so an object
// found JSON-shaped stays so.
//
// A cached entry holds the object itself, so while it is cached no other
// object can have its address: the same address is the same object. The
// cache is safe for concurrent use; its zero value is ready to use.
type shapeCache struct {
	slots [shapeSlots]shapeSlot
}

// shapeSlots is the number of member names the cache tells apart; names
// that share a slot only take turns in it.
const shapeSlots = 16

type shapeSlot struct {
	shaped atomic.Pointer[shapedObject]
	// last is the address of the last object walked under a member of
	// this slot. It keeps nothing alive and only decides what is cached:
	// an object is cached when it is seen twice in a row, so that objects
	// that differ in every record (the before and after images) cost no
	// allocation.
	last atomic.Uintptr
}

// shapedObject is an object found JSON-shaped, and its address.
type shapedObject struct {
	addr uintptr
	m    map[string]any
}

// valueShaped is jsonShaped(v), skipping the walk of objects directly
// under v that the cache holds.
func (c *shapeCache) valueShaped(v any) bool {
	top, ok := v.(map[string]any)
	if !ok {
		return jsonShaped(v)
	}
	for k, e := range top {
		m, ok := e.(map[string]any)
		if !ok || len(m) == 0 {
			if !jsonShaped(e) {
				return false
			}
			continue
		}
		if !c.objectShaped(k, m) {
			return false
		}
	}
	return true
}

// objectShaped is jsonShaped(m) for the object m under the member k.
func (c *shapeCache) objectShaped(k string, m map[string]any) bool {
	slot := &c.slots[slotOf(k)]
	addr := reflect.ValueOf(m).Pointer()
	if s := slot.shaped.Load(); s != nil && s.addr == addr {
		return true
	}
	if !jsonShaped(m) {
		return false
	}
	if slot.last.Swap(addr) == addr {
		slot.shaped.Store(&shapedObject{addr, m})
	}
	return true
}

// slotOf spreads member names over the slots (FNV-1a).
func slotOf(k string) int {
	h := uint32(2166136261)
	for i := 0; i < len(k); i++ {
		h ^= uint32(k[i])
		h *= 16777619
	}
	return int(h % shapeSlots)
}
