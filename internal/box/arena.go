package box

import (
	"encoding/json"
	"math"
	"unsafe"
)

// Arena keeps text and the boxed form of strings, json.Numbers, int64s and
// float64s in shared, append-only 2 KiB slabs. The zero value is ready to
// use; a decoder keeps one for all its records (the DTS source).
//
// A slab is a []byte, which the garbage collector never scans, so filling
// it costs no write barriers and marking it costs nothing. A boxed string
// is a string header (data pointer, length) followed by its bytes, in the
// same slab: the header's pointer is invisible to the collector, which is
// safe because it points into the slab that holds it, and the slab is kept
// alive by the interfaces pointing into it. Strings whose bytes live
// elsewhere are therefore never boxed here (Text and Number copy them in).
type Arena struct {
	slab []byte // 8-byte aligned; len = bytes used
}

const (
	arenaSlab = 2048 // bytes; a size class, so 8-byte aligned
	maxKept   = 256  // longer strings get their own allocation
)

// alloc returns n bytes of the slab (n ≤ maxKept+16), 8-byte aligned.
func (a *Arena) alloc(n int) unsafe.Pointer {
	n = (n + 7) &^ 7
	if cap(a.slab)-len(a.slab) < n {
		a.slab = make([]byte, 0, arenaSlab)
	}
	i := len(a.slab)
	a.slab = a.slab[:i+n]
	return unsafe.Pointer(&a.slab[i])
}

// Keep returns b as a string that stays valid after b's memory changes.
// Short strings are copied into the slab.
func (a *Arena) Keep(b []byte) string {
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
func (a *Arena) keepBoxed(typ unsafe.Pointer, b []byte) any {
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
	// into the slab itself (see Arena).
	hdr := (*[2]uintptr)(p)
	hdr[0], hdr[1] = uintptr(data), uintptr(len(b))
	return makeEface(typ, p)
}

// Text is any(string(b)) without an allocation per value.
func (a *Arena) Text(b []byte) any { return a.keepBoxed(stringType, b) }

// Number is any(json.Number(b)) without an allocation per value.
func (a *Arena) Number(b []byte) any { return a.keepBoxed(numberType, b) }

// word boxes 8 pointer-free bytes.
func (a *Arena) word(typ unsafe.Pointer, w uint64) any {
	p := a.alloc(8)
	*(*uint64)(p) = w
	return makeEface(typ, p)
}

// Int64 is any(n) without an allocation per value.
func (a *Arena) Int64(n int64) any {
	if n >= 0 && n < 256 {
		return n // the runtime boxes these without allocating
	}
	return a.word(int64Type, uint64(n))
}

// Float64 is any(f) without an allocation per value.
func (a *Arena) Float64(f float64) any { return a.word(float64Type, math.Float64bits(f)) }
