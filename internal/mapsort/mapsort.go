// Package mapsort gives a map's members in key order, byte-wise (Go's <
// on strings, the order encoding/json gives object keys), for the JSON
// writers on the hot path: every event's objects are written with sorted
// keys so that the same data always has the same bytes.
//
//	var buf [mapsort.Small]mapsort.Entry
//	var order [mapsort.Small]uint8
//	s := mapsort.Collect(buf[:], m).Sort(order[:])
//	for i := range s.Len() {
//		e := s.At(i) // e.Key, e.Value
//	}
//
// Maps of up to Small members are sorted without allocating and without
// moving pointers. Collect, inlined into the caller, copies the members
// into the caller's array: stores the compiler can see go to the stack,
// so they have no GC write barrier (a callee storing into a slice, or a
// range-over-func body appending to its caller's variables, pays one per
// pointer, and write barriers are on while the collector runs, which in a
// busy pipeline is often; measured: 25% more CPU per DTS event mapping).
// Sort then orders an array of indexes, or of packed words (a key's first
// 7 bytes above the member's index) so that a compare is one register
// compare and a move 8 bytes.
package mapsort

import (
	"encoding/binary"
	"slices"
	"strings"
	"unsafe"
)

// Small is the most members sorted through the caller's index array,
// without allocating.
const Small = 32

// few is the most members sorted by comparing the keys themselves: below
// it, packing prefixes costs more than it saves (BenchmarkSort).
const few = 8

// Entry is one member of a map. Carrying the value saves a map lookup
// per key.
type Entry struct {
	Key   string
	Value any
}

// Members is a map's members, collected for sorting.
type Members struct {
	ents []Entry
	m    map[string]any // when the members did not fit in buf
}

// Collect copies m's members into buf, if they fit; the result is valid
// until buf is reused. It is small enough to be inlined: keep it so.
func Collect(buf []Entry, m map[string]any) Members {
	if len(m) > len(buf) {
		return Members{m: m}
	}
	n := 0
	for k, v := range m {
		buf[n] = Entry{k, v}
		n++
	}
	return Members{ents: buf[:n]}
}

// Sorted is a map's members in key order: At(0) has the smallest key.
type Sorted struct {
	ents  []Entry
	order []uint8 // ents[order[i]] is the i-th member; nil: ents is sorted
}

// Len is the number of members.
func (s Sorted) Len() int { return len(s.ents) }

// At returns the i-th member in key order, 0 ≤ i < Len().
func (s Sorted) At(i int) *Entry {
	if s.order == nil {
		return &s.ents[i]
	}
	return &s.ents[s.order[i]]
}

// Sort orders the members by key, through order if they fit there and
// are at most Small, else by sorting them in place (in a new slice if
// they did not fit in Collect's buf). The result is valid until order
// and Collect's buf are reused.
func (ms Members) Sort(order []uint8) Sorted {
	switch {
	case ms.m != nil:
		ents := make([]Entry, 0, len(ms.m))
		for k, v := range ms.m {
			ents = append(ents, Entry{k, v})
		}
		return sortEntries(ents)
	case len(ms.ents) > len(order) || len(ms.ents) > Small:
		return sortEntries(ms.ents)
	case len(ms.ents) <= few:
		order = order[:len(ms.ents)]
		sortFew(ms.ents, order)
		return Sorted{ms.ents, order}
	}
	order = order[:len(ms.ents)]
	sortPacked(ms.ents, order)
	return Sorted{ms.ents, order}
}

// sortEntries sorts the members themselves, for maps too large for an
// index array.
func sortEntries(ents []Entry) Sorted {
	slices.SortFunc(ents, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	return Sorted{ents, nil}
}

// sortFew sets order to the indexes of ents in key order, len(order) =
// len(ents), by insertion sort of the indexes.
func sortFew(ents []Entry, order []uint8) {
	for i := range order {
		order[i] = uint8(i)
	}
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && ents[order[j]].Key < ents[order[j-1]].Key; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
}

// sortPacked sets order to the indexes of ents in key order, len(order) =
// len(ents) ≤ Small, by insertion sort of packed words.
func sortPacked(ents []Entry, order []uint8) {
	var packed [Small]uint64
	p := packed[:len(ents)]
	for i := range p {
		p[i] = prefix(ents[i].Key)>>8<<8 | uint64(i)
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
			for u := t; u > i && ents[uint8(p[u])].Key < ents[uint8(p[u-1])].Key; u-- {
				p[u], p[u-1] = p[u-1], p[u]
			}
		}
		i = j
	}
	order = order[:len(p)]
	for i := range order {
		order[i] = uint8(p[i])
	}
}

// prefix is the first 8 bytes of k, big-endian, zero-padded: prefixes
// order as the strings do, except that equal prefixes need a full compare
// ("a" and "a\x00" both give 0x61 followed by zeros).
func prefix(k string) uint64 {
	if len(k) >= 8 {
		return binary.BigEndian.Uint64(unsafe.Slice(unsafe.StringData(k), 8))
	}
	var x uint64
	for i := 0; i < len(k); i++ {
		x |= uint64(k[i]) << (56 - 8*i)
	}
	return x
}
