package dts

import (
	"errors"
	"fmt"
	"io"
	"math/bits"

	"github.com/hamba/avro/v2"
)

// wire reads the Avro binary encoding of one datum through hamba/avro's
// Reader: every varint, double, length, block header and skip is the
// library's. What wire adds is what a DTS Record needs around it:
//
//   - errors that name the field being read (at), and stay: the first one
//     is kept with its field (errAt), and every read after it returns zero
//     values, so a decoder may read on and check once;
//   - bounds: a string or bytes length, or a block count, larger than the
//     whole datum is corrupt, refused before anything is allocated, so
//     corrupt input can neither allocate nor loop without limit (the
//     Reader's own MaxByteSliceSize is a global setting, and it reads
//     lengths it is not asked to bound);
//   - one scratch buffer per Decoder that strings and bytes are read into
//     (Reader.ReadString and ReadBytes allocate a fresh slab every KiB), so
//     the text a Change keeps is copied once more, into the arena, and the
//     rest (charset names, type names, values equal to the last record's)
//     costs nothing.
//
// The schema walk itself is ours (DecodeInto reads the fields in wire
// order): hamba/avro's schema-driven Unmarshal, into Go structs for
// dts-record.avsc or into map[string]any, measured 40–50× slower than
// DecodeInto with ~500 allocations per record before any value is
// rendered, and it would need a second schema for records without the
// trailing bornTimestamp.
//
// The library's cost is its call per primitive: ~5 ns per one-byte varint
// on the benchmark machine, ~130 varints and ~35 strings per 8-column
// UPDATE, about 1 µs per record more than the hand-written reader this
// replaced (docs/bench/dts.md).
type wire struct {
	r *avro.Reader
	n int // the datum's length: bounds lengths and counts

	// scratch holds the strings and bytes read from the current datum.
	// It is appended to and only emptied by reset, so every view bytes
	// returned stays valid until the next datum (a grown scratch leaves
	// earlier views in the old array). Its length is bounded by the
	// datum's, as every byte in it was read from the datum.
	scratch []byte

	at field // the field being read, for errors
	// err is the first error, also left in the Reader's Error to stop it.
	err error
	// errAt is the field that was being read when err occurred.
	errAt field

	// While track is set, pos counts the bytes read so far, so that the
	// decoder can compare the raw bytes of a part of the datum with the
	// last record's (the table's tags and columns, see DecodeInto). The
	// Reader does not tell its position, so it is counted from what was
	// read: a string's length and bytes, a varint's shortest encoding, which
	// count checks is the one in the datum; when it is not (a padded varint),
	// or on an error, tracking stops and pos is not used.
	datum []byte
	pos   int
	track bool
}

// field is a Record field, as wire.at names it for errors: an index, as
// storing a string per field read would cost a GC write barrier each.
type field uint8

// The Record fields, in wire order.
const (
	atVersion field = iota
	atID
	atSourceTimestamp
	atSourcePosition
	atSafeSourcePosition
	atSourceTxid
	atSourceSourceType
	atSourceVersion
	atOperation
	atObjectName
	atProcessTimestamps
	atTags
	atFields
	atBeforeImages
	atAfterImages
	atBornTimestamp
	atEndOfRecord
)

var fieldNames = [...]string{"version", "id", "sourceTimestamp", "sourcePosition",
	"safeSourcePosition", "sourceTxid", "source.sourceType", "source.version", "operation",
	"objectName", "processTimestamps", "tags", "fields", "beforeImages", "afterImages",
	"bornTimestamp", "end of record"}

// reset starts reading datum.
func (w *wire) reset(datum []byte) {
	if w.r == nil {
		w.r = avro.NewReader(nil, 0)
	}
	w.r.Reset(datum)
	w.r.Error = nil
	w.n = len(datum)
	w.scratch = w.scratch[:0]
	w.at, w.err, w.errAt = atVersion, nil, atVersion
	w.datum, w.pos, w.track = datum, 0, true
}

// count moves pos past the varint just read, whose value is v, while
// tracking. A varint ends at its first byte without the continuation bit,
// and no encoding of v is shorter than the shortest, so the byte ending
// the shortest encoding is the datum's exactly when the Reader read that
// encoding; otherwise the position is lost and tracking stops.
func (w *wire) count(v int64) {
	zz := uint64(v<<1) ^ uint64(v>>63)
	end := w.pos + (bits.Len64(zz|1)+6)/7
	if w.r.Error != nil || end > len(w.datum) || w.datum[end-1]&0x80 != 0 {
		w.track = false
		return
	}
	w.pos = end
}

// counted reports whether pos is the Reader's position.
func (w *wire) counted() bool { return w.track && w.r.Error == nil }

// failf records the first error, naming the field being read. It stops the
// Reader too: its reads of numbers return zero once its Error is set, and
// wire checks it before the reads that do not (strings, doubles, skips).
func (w *wire) failf(format string, args ...any) {
	if w.err == nil {
		w.err = fmt.Errorf(format, args...)
		w.errAt = w.at
		w.r.Error = w.err
	}
}

// sync takes over the error of the Reader's reads, unless it is the one
// failf put there. The number reads leave errors in the Reader (see long),
// so sync must run before the field being read changes (field) and
// before err is looked at; failed needs no sync.
func (w *wire) sync() {
	err := w.r.Error
	if err == nil || w.err != nil {
		return
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		w.failf("the datum ends early (%d bytes)", w.n)
		return
	}
	w.failf("%w", err)
}

// field names the field about to be read, for errors; an error of the
// field before is taken over first.
func (w *wire) field(f field) {
	if w.r.Error != nil {
		w.sync()
	}
	w.at = f
}

// failed reports whether reading has failed (cheap: no sync).
func (w *wire) failed() bool { return w.r.Error != nil }

// long reads an Avro long (a zig-zag varint). It is the library call
// alone, inlined: once the Reader's Error is set, by the library or by
// failf, its number reads return 0 without reading, and sync turns that
// error into err.
func (w *wire) long() int64 {
	v := w.r.ReadLong()
	if w.track {
		w.count(v)
	}
	return v
}

// int reads an Avro int (see long). It reads the varint as a long, as
// both share the encoding, so that a value wider than 32 bits is an error
// naming the field rather than silently cut down, as the library's
// ReadInt would.
func (w *wire) int() int32 {
	v := w.r.ReadLong()
	if w.track {
		w.count(v)
	}
	if v != int64(int32(v)) {
		return w.badInt(v)
	}
	return int32(v)
}

//go:noinline
func (w *wire) badInt(v int64) int32 {
	w.failf("int value %d does not fit in 32 bits", v)
	return 0
}

// length reads the length of a string or bytes value: 0 after an error.
func (w *wire) length() int {
	n := w.r.ReadLong()
	if w.track {
		w.count(n)
	}
	if n <= 0 || n > int64(w.n) {
		return w.badLength(n)
	}
	return int(n)
}

// badLength is length's rare path, kept out of line so that bytes stays
// small.
//
//go:noinline
func (w *wire) badLength(n int64) int {
	if n != 0 && w.r.Error == nil {
		w.failf("string or bytes length %d, but the datum has %d bytes", n, w.n)
	}
	return 0
}

// bytes reads an Avro string or bytes value into the scratch buffer: the
// view is valid until the next datum, and must be copied to outlive it.
func (w *wire) bytes() []byte {
	n := w.r.ReadLong()
	if w.track {
		w.count(n)
	}
	if n <= 0 || n > int64(w.n) {
		w.badLength(n)
		return nil
	}
	i := len(w.scratch)
	if cap(w.scratch)-i < int(n) {
		w.grow(int(n))
	}
	b := w.scratch[i : i+int(n) : i+int(n)]
	w.r.Read(b)
	if w.r.Error != nil {
		w.sync()
		return nil
	}
	w.scratch = w.scratch[:i+int(n)]
	w.pos += int(n)
	return b
}

// grow makes room for n more bytes in scratch. Views into the old array
// stay valid: it is not written again.
//
//go:noinline
func (w *wire) grow(n int) {
	w.scratch = append(make([]byte, 0, 2*cap(w.scratch)+n), w.scratch...)
}

// skip skips an Avro string or bytes value that is not needed.
func (w *wire) skip() {
	if n := w.length(); n > 0 {
		w.r.SkipNBytes(n)
		w.pos += n
		w.sync()
	}
}

// double reads an Avro double.
func (w *wire) double() float64 {
	if w.r.Error != nil { // Read does not check it
		return 0
	}
	f := w.r.ReadDouble()
	if w.r.Error != nil {
		w.sync()
		return 0
	}
	w.pos += 8
	return f
}

// block reads the header of the next block of an Avro array or map: the
// item count, 0 at the end (the byte size of a negative-count block is not
// needed). Every item takes at least one byte, so a count larger than the
// datum is corrupt; *total counts the items of the whole array.
func (w *wire) block(total *int) int {
	// ReadBlockHeader's two reads, counted.
	n := w.long()
	if n < 0 {
		w.long() // the block's size in bytes
		n = -n
	}
	if w.r.Error != nil {
		w.sync()
		return 0
	}
	if n < 0 || n > int64(w.n) || *total+int(n) > w.n { // n < 0: -MinInt64
		w.failf("block count %d larger than the datum", n)
		return 0
	}
	*total += int(n)
	return int(n)
}

// more reports whether bytes are left in the datum (none after an error).
func (w *wire) more() bool {
	if w.r.Error != nil {
		return false
	}
	w.r.Peek()
	if w.r.Error != nil { // io.EOF: the end of the datum, not a failure
		w.r.Error = nil
		return false
	}
	return true
}
