package dts

import (
	"encoding/binary"
	"fmt"
	"math"
)

// wire reads Avro's binary encoding from one datum held in memory.
//
// It replaces hamba/avro's Reader for decoding: that Reader wraps an
// io.Reader behind a refillable buffer, so every varint read is a call with
// buffer and error checks, and every string is copied out before we can
// look at it. Here a varint is a bounds check and a byte in the common
// case, and strings and bytes are views into the datum (copied only when a
// record keeps them, see arena.keep). The schema walk itself was already
// ours (DecodeInto reads the fields in wire order), so hamba/avro is left
// for writing test data and checking the schema (dtstest).
//
// Errors are sticky: the first one is kept with the field being read (at),
// and every read after it returns zero values without moving, so a decoder
// may read on and check once. Lengths and counts are bounded by the bytes
// left, so corrupt input can neither allocate nor loop without limit.
type wire struct {
	b   []byte
	i   int
	at  string // the field being read, for errors
	err error
	// errAt is the field that was being read when err occurred.
	errAt string
}

// failf records the first error, naming the field being read, and stops
// further reading.
func (w *wire) failf(format string, args ...any) {
	if w.err == nil {
		w.err = fmt.Errorf(format, args...)
		w.errAt = w.at
	}
	w.i = len(w.b)
}

// long reads a zig-zag varint (Avro int and long). One-byte values, the
// common case for lengths, branches and small numbers, take the inlined
// path.
func (w *wire) long() int64 {
	if i := w.i; i < len(w.b) && w.b[i] < 0x80 {
		w.i = i + 1
		return int64(w.b[i]>>1) ^ -int64(w.b[i]&1)
	}
	return w.longSlow()
}

func (w *wire) longSlow() int64 {
	b, i := w.b, w.i // locals: the loop does not write through w
	var u uint64
	for s := uint(0); s < 70 && i < len(b); s += 7 {
		c := b[i]
		i++
		u |= uint64(c&0x7f) << s
		if c < 0x80 {
			w.i = i
			return int64(u>>1) ^ -int64(u&1)
		}
	}
	if i >= len(b) {
		w.eof()
	} else {
		w.failf("varint longer than 10 bytes")
	}
	return 0
}

func (w *wire) eof() {
	if w.err == nil {
		w.failf("the datum ends early (%d bytes)", len(w.b))
	}
}

// int reads an Avro int: a varint that must fit 32 bits.
func (w *wire) int() int32 {
	if i := w.i; i < len(w.b) && w.b[i] < 0x80 { // long's fast path, saving a call
		w.i = i + 1
		return int32(w.b[i]>>1) ^ -int32(w.b[i]&1)
	}
	n := w.longSlow()
	if n < math.MinInt32 || n > math.MaxInt32 {
		w.failf("int %d does not fit 32 bits", n)
		return 0
	}
	return int32(n)
}

// bytes reads an Avro string or bytes value as a view into the datum,
// valid while the datum is.
func (w *wire) bytes() []byte {
	var n int64
	if i := w.i; i < len(w.b) && w.b[i] < 0x80 { // long's fast path, saving a call
		w.i = i + 1
		n = int64(w.b[i]>>1) ^ -int64(w.b[i]&1)
	} else {
		n = w.longSlow()
	}
	if n < 0 || n > int64(len(w.b)-w.i) {
		if w.err == nil {
			w.failf("string or bytes length %d, but %d bytes are left", n, len(w.b)-w.i)
		}
		return nil
	}
	b := w.b[w.i : w.i+int(n) : w.i+int(n)]
	w.i += int(n)
	return b
}

// double reads an Avro double: 8 bytes, little-endian IEEE 754.
func (w *wire) double() float64 {
	if len(w.b)-w.i < 8 {
		w.eof()
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(w.b[w.i:]))
	w.i += 8
	return f
}

// block reads the header of the next block of an Avro array or map: the
// item count, 0 at the end. A negative count is followed by the block's
// byte size, which is not needed. Every item takes at least one byte, so a
// count larger than the bytes left is corrupt; *total counts the items of
// the whole array.
func (w *wire) block(total *int) int {
	n := w.long()
	if n < 0 {
		n = -n
		w.long()
	}
	if w.err != nil {
		return 0
	}
	if n < 0 || n > int64(len(w.b)-w.i) || *total+int(n) > len(w.b) {
		w.failf("block count %d larger than the datum", n)
		return 0
	}
	*total += int(n)
	return int(n)
}

// more reports whether bytes are left in the datum.
func (w *wire) more() bool { return w.i < len(w.b) }
