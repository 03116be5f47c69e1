// Package mapsort gives a map's members in key order, byte-wise (Go's <
// on strings, the order encoding/json gives object keys), for the JSON
// writers on the hot path: every event's objects are written with sorted
// keys so that the same data always has the same bytes.
//
// A small map is collected by the caller into arrays on its own stack,
// and Order sorts an index array over the keys:
//
//	var keys [16]string
//	var vals [16]any
//	var order [16]uint8
//	n := 0
//	for k, v := range m { // len(m) <= 16 checked before
//		keys[n], vals[n] = k, v
//		n++
//	}
//	for _, i := range mapsort.Order(keys[:n], order[:]) {
//		// keys[i], vals[i]
//	}
//
// This way nothing is allocated and no pointer is stored outside the
// caller's own frame: stores the compiler can see go to its stack have no
// GC write barrier, and the sort moves bytes, not strings. Write barriers
// are on while the collector runs, which in a busy pipeline is often.
// (Measured on internal/forms' BenchmarkDTSMapping: sorters that took
// the map itself, copying its members into a caller's slice, through an
// inlined collect step, or as a range-over-func iterator, all cost 15-25%
// more CPU per event than the caller's own loop and Order.)
// A larger map is sorted by Entries, with one allocation.
package mapsort

import (
	"encoding/binary"
	"slices"
	"strings"
	"unsafe"
)

// MaxOrder is the most keys Order sorts: it sorts them as packed words
// in an array on its stack, and zeroing a larger one would cost more than
// it saves. Every caller's stack arrays are at most this long; a larger
// map goes to Entries.
const MaxOrder = 32

// few is the most keys Order sorts by comparing the keys themselves: up
// to it, packing prefixes costs more than it saves; above it, keys that
// share a few leading bytes (column names) make string compares slower
// than packed ones (measured with converters' and forms' benchmarks).
const few = 4

// Order sets order[:len(keys)] to the indexes of keys in ascending key
// order and returns that slice; it does not allocate. len(keys) must be
// at most len(order) and MaxOrder (it panics otherwise). A few keys are
// insertion sorted by the keys themselves, more as packed words (a key's
// first 7 bytes above its index), so that a compare is one register
// compare and a move 8 bytes.
func Order(keys []string, order []uint8) []uint8 {
	order = order[:len(keys)]
	if len(keys) <= few {
		for i := range order {
			order[i] = uint8(i)
		}
		for i := 1; i < len(order); i++ {
			for j := i; j > 0 && keys[order[j]] < keys[order[j-1]]; j-- {
				order[j], order[j-1] = order[j-1], order[j]
			}
		}
		return order
	}
	return orderMany(keys, order)
}

// orderMany is Order for more than a few keys (apart, so that Order's
// frame stays small for the common case).
func orderMany(keys []string, order []uint8) []uint8 {
	var packed [MaxOrder]uint64
	p := packed[:len(keys)]
	for i, k := range keys {
		p[i] = prefix(k)>>8<<8 | uint64(i)
	}
	for i := 1; i < len(p); i++ {
		x := p[i]
		j := i
		for ; j > 0 && p[j-1] > x; j-- {
			p[j] = p[j-1]
		}
		p[j] = x
	}
	// Keys that share their first 7 bytes sit together, by index: order
	// them by the whole key (rare: column names are mostly short or
	// differ early).
	for i := 0; i < len(p); {
		j := i + 1
		for j < len(p) && p[j]>>8 == p[i]>>8 {
			j++
		}
		for t := i + 1; t < j; t++ {
			for u := t; u > i && keys[uint8(p[u])] < keys[uint8(p[u-1])]; u-- {
				p[u], p[u-1] = p[u-1], p[u]
			}
		}
		i = j
	}
	for i := range order {
		order[i] = uint8(p[i])
	}
	return order
}

// prefix is the first 8 bytes of k, big-endian, zero-padded: prefixes
// order as the strings do, except that equal prefixes need a full compare
// ("a" and "a\x00" both give 0x61 followed by zeros).
func prefix(k string) uint64 {
	if len(k) >= 8 {
		return binary.BigEndian.Uint64(unsafe.Slice(unsafe.StringData(k), 8))
	}
	var b [8]byte
	copy(b[:], k)
	return binary.BigEndian.Uint64(b[:])
}

// Entry is one member of a map.
type Entry struct {
	Key   string
	Value any
}

// Entries returns m's members sorted by key, in one new slice: for maps
// too large for the caller's arrays (this moves pointers while sorting).
func Entries(m map[string]any) []Entry {
	ents := make([]Entry, 0, len(m))
	for k, v := range m {
		ents = append(ents, Entry{k, v})
	}
	slices.SortFunc(ents, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	return ents
}
