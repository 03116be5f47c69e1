package box

import "unsafe"

// slabLen is the number of values per typed slab.
const slabLen = 16

// Slabs boxes values in typed slabs of 16: one allocation per 16 values
// of a type instead of one per value. The zero value is ready to use; a
// decoder keeps one per record (jsonparse in converters).
type Slabs struct {
	strs []string
	i64s []int64
	i32s []int32
	f64s []float64
}

// push appends v to the slab *s, starting a new slab when it is full,
// and returns v boxed in its slot (of type word typ).
func push[T any](s *[]T, v T, typ unsafe.Pointer) any {
	if len(*s) == cap(*s) {
		*s = make([]T, 0, slabLen)
	}
	*s = append(*s, v)
	return makeEface(typ, unsafe.Pointer(&(*s)[len(*s)-1]))
}

// Str is any(s).
func (b *Slabs) Str(s string) any { return push(&b.strs, s, stringType) }

// Int64 is any(n).
func (b *Slabs) Int64(n int64) any { return push(&b.i64s, n, int64Type) }

// Int32 is any(n).
func (b *Slabs) Int32(n int32) any { return push(&b.i32s, n, int32Type) }

// Float64 is any(f).
func (b *Slabs) Float64(f float64) any { return push(&b.f64s, f, float64Type) }
