package dts

import (
	"encoding/json"
	"math"
	"unsafe"
)

// arena keeps the small values of emitted records in shared, append-only
// slabs: the text of strings, and the boxed form of strings and numbers.
//
// Putting a string, an int64 or a float64 into an interface (any) makes
// the runtime allocate a copy of it, every time; a DTS row has a dozen of
// them per image. Here the interface points into a slab instead: one
// allocation per 2 KiB rather than one (or two) per value.
//
// A slab is a []byte, which the garbage collector never scans, so filling
// it costs no write barriers and marking it costs nothing. A boxed string
// is a string header (data pointer, length) followed by its bytes, in the
// same slab: the header's pointer is invisible to the collector, which is
// safe because it points into the slab that holds it, and the slab is kept
// alive by the interfaces pointing into it. Strings whose bytes live
// elsewhere are therefore never boxed here (see str).
//
// This relies on facts about interfaces in Go: the runtime never writes
// through an interface's data pointer (a boxed value is immutable), and a
// non-pointer value in an interface is held by a pointer to it (the eface
// layout below, unchanged in every Go release). Slots are written once,
// before the interface that views them exists, and a full slab is replaced,
// never reused. An arena is not safe for concurrent use.
type arena struct {
	slab []byte // 8-byte aligned; len = bytes used
}

const (
	slabSize = 2048 // bytes; a size class, so 8-byte aligned
	maxKept  = 256  // longer strings get their own allocation
)

// eface is the layout of an empty interface (the runtime's eface).
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

func typeWord(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

// The type words of the boxed types: set once at start-up, only read.
var (
	stringType  = typeWord("")
	numberType  = typeWord(json.Number(""))
	int64Type   = typeWord(int64(0))
	float64Type = typeWord(float64(0))
)

func makeEface(typ, data unsafe.Pointer) (v any) {
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = typ, data
	return v
}

// alloc returns n bytes of the slab (n ≤ maxKept+16), 8-byte aligned.
func (a *arena) alloc(n int) unsafe.Pointer {
	n = (n + 7) &^ 7
	if cap(a.slab)-len(a.slab) < n {
		a.slab = make([]byte, 0, slabSize)
	}
	i := len(a.slab)
	a.slab = a.slab[:i+n]
	return unsafe.Pointer(&a.slab[i])
}

// keep returns b as a string that stays valid after b's memory changes.
// Short strings are copied into the slab.
func (a *arena) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxKept {
		return string(b)
	}
	p := a.alloc(len(b))
	copy(unsafe.Slice((*byte)(p), len(b)), b)
	return unsafe.String((*byte)(p), len(b))
}

// keepBoxed is any(T(string(b))) for a string type T with type word typ:
// the header and the bytes in the slab, no allocation of their own.
func (a *arena) keepBoxed(typ unsafe.Pointer, b []byte) any {
	if len(b) == 0 {
		// Not in the slab: an empty string's data pointer would point
		// past its bytes, possibly at the next object.
		if typ == numberType {
			return json.Number("")
		}
		return ""
	}
	if len(b) > maxKept {
		s := string(b)
		return makeEface(typ, unsafe.Pointer(&s))
	}
	p := a.alloc(16 + len(b))
	data := unsafe.Add(p, 16)
	copy(unsafe.Slice((*byte)(data), len(b)), b)
	// Written as integers: the slab is not scanned, and the pointer is
	// into the slab itself (see arena).
	hdr := (*[2]uintptr)(p)
	hdr[0], hdr[1] = uintptr(data), uintptr(len(b))
	return makeEface(typ, p)
}

// text is any(string(b)) without an allocation per value.
func (a *arena) text(b []byte) any { return a.keepBoxed(stringType, b) }

// number is any(json.Number(b)) without an allocation per value.
func (a *arena) number(b []byte) any { return a.keepBoxed(numberType, b) }

// word boxes 8 pointer-free bytes.
func (a *arena) word(typ unsafe.Pointer, w uint64) any {
	p := a.alloc(8)
	*(*uint64)(p) = w
	return makeEface(typ, p)
}

// int64 is any(n) without an allocation per value.
func (a *arena) int64(n int64) any {
	if n >= 0 && n < 256 {
		return n // the runtime boxes these without allocating
	}
	return a.word(int64Type, uint64(n))
}

// float64 is any(f) without an allocation per value.
func (a *arena) float64(f float64) any { return a.word(float64Type, math.Float64bits(f)) }
