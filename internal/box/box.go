// Package box puts strings and numbers into interfaces (any) without an
// allocation per value, for decoders that build many schemaless values
// per record (the JSON converters, the DTS source).
//
// Putting a string, an int64 or a float64 into an interface makes the
// runtime allocate a copy of it, every time. Here the interface points
// into a slab instead: one allocation per slab rather than one per value.
// Two kinds of slab, for two kinds of user:
//
//   - Slabs: typed slices ([]string, []int64, …) of 16 values, for values
//     that already exist as Go values (a string the caller made).
//   - Arena: one unscanned 2 KiB []byte holding text and boxed values,
//     for values read from bytes (a string is copied into the arena).
//
// Both rely on facts about interfaces in Go: the runtime never writes
// through an interface's data pointer (a boxed value is immutable), and a
// non-pointer value in an interface is held by a pointer to it (the eface
// layout below, unchanged in every Go release). Slabs are append-only: a
// slot is written once, before the interface that views it exists, and a
// full slab is replaced, never reused, so a boxed value never changes and
// the garbage collector keeps a slab alive while any interface points into
// it. Neither kind is safe for concurrent use.
package box

import (
	"encoding/json"
	"unsafe"
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
	int32Type   = typeWord(int32(0))
	float64Type = typeWord(float64(0))
)

// makeEface returns the interface of type typ whose value is at data.
func makeEface(typ, data unsafe.Pointer) (v any) {
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = typ, data
	return v
}
