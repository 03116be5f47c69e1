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
// them per image. Here the interface points at a slot of a slab instead:
// one allocation per slab rather than one per value, and fewer, larger
// objects for the garbage collector.
//
// This relies on two facts about interfaces in Go: the runtime never writes
// through an interface's data pointer (a boxed value is immutable), and a
// non-pointer value in an interface is held by a pointer to it (the
// eface layout below, unchanged in every Go release). Slots are written
// once, before the interface that views them exists, and a full slab is
// replaced, never reused; the garbage collector keeps a slab alive while
// any interface or string points into it. An arena is not safe for
// concurrent use.
type arena struct {
	text  []byte   // bytes of kept strings
	strs  []string // boxed strings and json.Numbers
	words []uint64 // boxed int64s and float64s (8 bytes, no pointers)
}

const (
	textSlab  = 2048 // bytes
	valueSlab = 32   // values per slab
	maxKept   = 256  // longer strings get their own allocation
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

// keep returns b as a string that stays valid after b's memory changes.
// Short strings are copied into the text slab.
func (a *arena) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxKept {
		return string(b)
	}
	if cap(a.text)-len(a.text) < len(b) {
		a.text = make([]byte, 0, textSlab)
	}
	n := len(a.text)
	a.text = append(a.text, b...)
	return unsafe.String(&a.text[n], len(b))
}

// slot appends v to a slab (a new one when full) and returns its address.
func slot[T any](slab *[]T, v T) unsafe.Pointer {
	if len(*slab) == cap(*slab) {
		*slab = make([]T, 0, valueSlab)
	}
	*slab = append(*slab, v)
	return unsafe.Pointer(&(*slab)[len(*slab)-1])
}

// boxString returns s in an interface with type word typ (string, or a type
// whose underlying type is string, such as json.Number).
func (a *arena) boxString(typ unsafe.Pointer, s string) any {
	return makeEface(typ, slot(&a.strs, s))
}

// str is any(s) without an allocation per value.
func (a *arena) str(s string) any {
	if s == "" {
		return ""
	}
	return a.boxString(stringType, s)
}

// number is any(json.Number(s)) without an allocation per value.
func (a *arena) number(s string) any { return a.boxString(numberType, s) }

func (a *arena) word(typ unsafe.Pointer, w uint64) any {
	return makeEface(typ, slot(&a.words, w))
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
