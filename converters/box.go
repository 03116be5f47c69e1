package converters

import "unsafe"

// Putting a string or an integer into an interface (any) allocates a copy
// of it, every time. A Debezium event's Values hold dozens of them, so the
// direct read (jsondirect.go) keeps them in small per-record slabs and
// points the interfaces at slab slots: one allocation per 16 values
// instead of one per value.
//
// This relies on two facts about interface values in Go: the runtime never
// writes through an interface's data pointer (a boxed value is immutable),
// and a non-pointer value in an interface is held by a pointer to it (the
// layout below, which every Go release has used). The slabs are
// append-only (a full one is replaced, never reused), so a slot never
// changes after it is boxed, and the garbage collector keeps a slab alive
// while any interface points into it.

// eface is the layout of an empty interface (the runtime's eface).
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

func typeWord(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

// The type words of the boxed types, set once at start-up and only read.
var (
	stringType = typeWord("")
	int64Type  = typeWord(int64(0))
	int32Type  = typeWord(int32(0))
	floatType  = typeWord(float64(0))
)

const slabSize = 16

// slabs hold the boxed values of one ToConnect call.
type slabs struct {
	strs []string
	i64s []int64
	i32s []int32
	f64s []float64
}

func makeEface(typ, data unsafe.Pointer) (v any) {
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = typ, data
	return v
}

func (b *slabs) string(s string) any {
	if len(b.strs) == cap(b.strs) {
		b.strs = make([]string, 0, slabSize)
	}
	b.strs = append(b.strs, s)
	return makeEface(stringType, unsafe.Pointer(&b.strs[len(b.strs)-1]))
}

func (b *slabs) int64(n int64) any {
	if len(b.i64s) == cap(b.i64s) {
		b.i64s = make([]int64, 0, slabSize)
	}
	b.i64s = append(b.i64s, n)
	return makeEface(int64Type, unsafe.Pointer(&b.i64s[len(b.i64s)-1]))
}

func (b *slabs) int32(n int32) any {
	if len(b.i32s) == cap(b.i32s) {
		b.i32s = make([]int32, 0, slabSize)
	}
	b.i32s = append(b.i32s, n)
	return makeEface(int32Type, unsafe.Pointer(&b.i32s[len(b.i32s)-1]))
}

func (b *slabs) float64(f float64) any {
	if len(b.f64s) == cap(b.f64s) {
		b.f64s = make([]float64, 0, slabSize)
	}
	b.f64s = append(b.f64s, f)
	return makeEface(floatType, unsafe.Pointer(&b.f64s[len(b.f64s)-1]))
}
