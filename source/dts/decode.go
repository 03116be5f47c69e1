package dts

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/inletdev/inlet/internal/box"
)

// PlaceholderMaxLen is the largest value DTS sends as a placeholder ("mock"
// record): values this short are not Avro and only move the position on.
const PlaceholderMaxLen = 2

// Operation is a DTS record's operation (the Avro enum Operation).
type Operation int32

// The DTS operations, in Avro symbol order.
const (
	OpInsert Operation = iota
	OpUpdate
	OpDelete
	OpDDL
	OpBegin
	OpCommit
	OpRollback
	OpAbort
	OpHeartbeat
	OpCheckpoint
	OpCommand
	OpFill
	OpFinish
	OpControl
	OpRDB
	OpNoop
	OpInit
)

var opNames = [...]string{"INSERT", "UPDATE", "DELETE", "DDL", "BEGIN", "COMMIT", "ROLLBACK", "ABORT",
	"HEARTBEAT", "CHECKPOINT", "COMMAND", "FILL", "FINISH", "CONTROL", "RDB", "NOOP", "INIT"}

func (o Operation) String() string {
	if o >= 0 && int(o) < len(opNames) {
		return opNames[o]
	}
	return "UNKNOWN(" + strconv.Itoa(int(o)) + ")"
}

// Emitted reports whether the operation becomes an event. EventBridge relays
// only INSERT, UPDATE, DELETE and DDL; the others (BEGIN, COMMIT, HEARTBEAT…)
// only move the consumer position on.
func (o Operation) Emitted() bool { return o >= OpInsert && o <= OpDDL }

var sourceTypes = [...]string{"MySQL", "Oracle", "SQLServer", "PostgreSQL", "MongoDB", "Redis", "DB2",
	"PPAS", "DRDS", "HBASE", "HDFS", "FILE", "OTHER"}

// Field is one column of a row image (the Avro record Field).
type Field struct {
	Name           string
	DataTypeNumber int32
}

// none is what readValue returns for a column that DTS marks as having no
// value at all (EmptyObject NONE), as opposed to SQL NULL (nil). Images
// leave such columns out.
type none struct{}

// Change is one decoded DTS record. Row images are maps keyed by column
// name, their values already rendered as JSON-ready Go values (see the
// package doc): nil, int64, json.Number, float64 or string. They are the
// images the emitted records carry, so they are read-only once decoded;
// Fields gives the column order.
type Change struct {
	Version            int32
	ID                 int64
	SourceTimestamp    int64 // Unix seconds
	SourcePosition     string
	SafeSourcePosition string
	SourceTxid         string
	SourceType         string // MySQL, PostgreSQL, ...
	SourceVersion      string
	Operation          Operation
	ObjectName         string // raw, escaped; see Database, Schema, Table
	Database           string
	Schema             string
	Table              string
	ProcessTimestamps  []int64
	Tags               map[string]string
	Fields             []Field
	Before             map[string]any // nil when the record has no before image
	After              map[string]any // nil when the record has no after image
	DDL                string
	BornTimestamp      int64 // 0 when the writer's schema lacks the field
}

// Decoder decodes DTS Avro values. It reuses buffers between calls and is
// not safe for concurrent use; each source task owns one. Strings and boxed
// values in a Change may share memory with earlier results but are never
// overwritten.
type Decoder struct {
	charsets charsetCache

	// Reused between records: most records repeat the previous record's
	// table, columns and tags, so those are shared rather than rebuilt.
	fields, lastFields []Field
	pairs, lastPairs   []string
	lastTags           map[string]string
	lastName           [4]string // objectName, database, schema, table
	lastVersion        string

	// arena holds the text and the boxed form of the values a Change
	// keeps; strings read only to be compared or converted (a charset name,
	// a column name equal to the last record's) are views into w's scratch
	// buffer and cost nothing more.
	arena box.Arena

	// w reads the Avro encoding (hamba/avro's Reader), reused per datum.
	w wire

	// schema is the raw bytes of the last record's tags and fields, and
	// schemaTags and schemaFields what they decoded to (see DecodeInto).
	schema       []byte
	schemaTags   map[string]string
	schemaFields []Field
	// at holds the positions of the before image's values (readImage);
	// lastBytes, lastAt and lastVals the last record's before image's
	// bytes, their positions in lastBytes and their values (earlier).
	at        []int
	lastBytes []byte
	lastAt    []int
	lastVals  []any
	// readAll turns the skipping of repeated bytes off: tests compare
	// against such a decoder.
	readAll bool

	// rendered holds, per column position, the last Timestamp or DateTime
	// rendered there in a before and in an after image (see readValue).
	rendered []renderedPair
}

// rendered is a Timestamp or DateTime value with the parts it was rendered
// from. An UPDATE's two images and consecutive records of a table mostly
// repeat them, and comparing the parts costs far less than rendering. The
// value depends on the parts alone, so a slot may serve any table.
//
// The skipping of repeated bytes (earlier) does not make this redundant:
// it takes an after image's value only from the same record's before
// image, so it misses what a transaction repeats across after images: an
// INSERT's created_at/updated_at (no before image at all) and a bulk
// UPDATE's new updated_at = NOW(), different from each row's before image.
// Measured with the cache removed (decode + build in one process,
// interleaved chunks of 1,000 records, the medians of 3 runs of 580
// pairs): 1,000 INSERTs of one transaction 5-9 % slower, the same UPDATE
// repeated (BenchmarkDecode) 3-4.5 %, a bulk UPDATE 1-1.5 %; rows whose
// times all differ 1-2 % faster (the misses' cost). See docs/bench/dts.md.
type rendered struct {
	branch int64    // vTimestamp or vDateTime; 0: empty
	sec    int64    // vTimestamp: seconds (micros in dt.micros)
	dt     dateTime // vDateTime: the parts
	v      any
}

// renderedPair is a column's last rendered value in before and after images.
type renderedPair [2]rendered

// find returns the value rendered from these parts in either image.
func (p *renderedPair) find(branch, sec int64, dt dateTime) (any, bool) {
	for i := range p {
		if r := &p[i]; r.branch == branch && r.sec == sec && r.dt == dt {
			return r.v, true
		}
	}
	return nil, false
}

// keepReuse boxes text for an image: prev when it holds the same text (an
// UPDATE mostly repeats values), else the text kept and boxed.
func (d *Decoder) keepReuse(prev any, b []byte) any {
	if p, ok := prev.(string); ok && p == string(b) {
		return prev
	}
	return d.arena.Text(b)
}

// tags returns the tag map of the pairs just read, reusing the previous
// record's map when they are equal. Tag maps are read-only.
func (d *Decoder) tags() map[string]string {
	if len(d.pairs) == 0 {
		return nil
	}
	if slices.Equal(d.pairs, d.lastPairs) {
		return d.lastTags
	}
	d.lastPairs = slices.Clone(d.pairs)
	d.lastTags = make(map[string]string, len(d.pairs)/2)
	for i := 0; i+1 < len(d.pairs); i += 2 {
		d.lastTags[d.pairs[i]] = d.pairs[i+1]
	}
	return d.lastTags
}

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder { return &Decoder{} }

// IsPlaceholder reports whether a Kafka value is a DTS placeholder record
// (null or at most PlaceholderMaxLen bytes) that must be skipped, not decoded.
func IsPlaceholder(value []byte) bool { return len(value) <= PlaceholderMaxLen }

// Decode decodes one raw Avro datum of com.alibaba.dts.formats.avro.Record
// (no magic byte, no schema ID, no container header). The trailing
// bornTimestamp is read only when bytes remain, since the Java SDK's schema
// lacks it. Random input yields an error, never a panic.
//
// It reads the datum field by field in the schema's wire order, each Avro
// primitive through hamba/avro's Reader (see wire), rather than through
// hamba/avro's schema-driven Unmarshal: one pass, values rendered as they
// are read, and the optional trailing field handled explicitly. Parts whose
// bytes repeat bytes decoded before (a table's tags and columns, image
// values) are skipped by the Reader and take the value decoded then.
func (d *Decoder) Decode(value []byte) (*Change, error) {
	c := &Change{}
	if err := d.DecodeInto(c, value); err != nil {
		return nil, err
	}
	return c, nil
}

// DecodeInto is Decode into a caller's Change, reusing its timestamp slice:
// a source that turns each Change into a record at once decodes without
// allocating the Change. What c held before is overwritten; its image maps
// are new ones, so records built from the previous content keep theirs.
func (d *Decoder) DecodeInto(c *Change, value []byte) error {
	pts := c.ProcessTimestamps[:0]
	*c = Change{ProcessTimestamps: pts}

	if IsPlaceholder(value) {
		return ErrPlaceholder
	}
	// Reads after an error return zero values, so the fields are read
	// straight on; the first error is reported once, naming its field.
	w := &d.w
	w.reset(value)
	w.track = !d.readAll
	c.Version = w.int()
	w.field(atID)
	c.ID = w.long()
	w.field(atSourceTimestamp)
	c.SourceTimestamp = w.long()
	w.field(atSourcePosition)
	c.SourcePosition = d.arena.Keep(w.bytes())
	w.field(atSafeSourcePosition)
	c.SafeSourcePosition = d.arena.Keep(w.bytes())
	w.field(atSourceTxid)
	c.SourceTxid = d.arena.Keep(w.bytes())
	w.field(atSourceSourceType)
	if st := w.int(); st < 0 || int(st) >= len(sourceTypes) {
		w.failf("enum index %d out of range 0..%d", st, len(sourceTypes)-1)
	} else {
		c.SourceType = sourceTypes[st]
	}
	w.field(atSourceVersion)
	if v := w.bytes(); string(v) != d.lastVersion {
		d.lastVersion = d.arena.Keep(v)
	}
	c.SourceVersion = d.lastVersion
	w.field(atOperation)
	if op := w.int(); op < 0 || int(op) >= len(opNames) {
		w.failf("enum index %d out of range 0..%d", op, len(opNames)-1)
	} else {
		c.Operation = Operation(op)
	}
	w.field(atObjectName)
	switch b := w.long(); b {
	case 0:
	case 1:
		if v := w.bytes(); string(v) == d.lastName[0] {
			c.ObjectName = d.lastName[0]
		} else {
			c.ObjectName = d.arena.Keep(v)
		}
	default:
		w.failf("union branch %d, want 0 (null) or 1 (string)", b)
	}
	w.field(atProcessTimestamps)
	switch b := w.long(); b {
	case 0:
		c.ProcessTimestamps = nil
	case 1:
		total := 0
		for n := w.block(&total); n > 0; n = w.block(&total) {
			c.ProcessTimestamps = slices.Grow(c.ProcessTimestamps, n)
			for range n {
				c.ProcessTimestamps = append(c.ProcessTimestamps, w.long())
			}
		}
	default:
		w.failf("union branch %d, want 0 (null) or 1 (array)", b)
	}
	// The tags and columns mostly repeat the last record's byte for byte
	// (one table): then they decode to the same, shared, read-only tags
	// and columns, and are skipped instead of read.
	w.field(atTags)
	if start := w.pos; w.counted() && len(d.schema) > 0 && bytes.HasPrefix(value[start:], d.schema) {
		w.r.SkipNBytes(len(d.schema))
		w.pos += len(d.schema)
		c.Tags, c.Fields = d.schemaTags, d.schemaFields
	} else {
		d.readSchema(w, c)
		w.sync()
		if w.counted() {
			d.schema = append(d.schema[:0], value[start:w.pos]...)
			d.schemaTags, d.schemaFields = c.Tags, c.Fields
		} else {
			d.schema = d.schema[:0]
		}
	}
	// Values repeat: an UPDATE's after image mostly the before image's,
	// a before image many of the last record's. Keep counting the
	// position through the images, so that a value whose bytes repeat is
	// skipped (readImage). An INSERT has only an after image.
	w.track = w.track && (c.Operation == OpUpdate || c.Operation == OpDelete)
	// The before image's values, in column order, for the after image to
	// reuse (an UPDATE mostly repeats them); on the stack for common
	// widths, so keeping them costs no allocation (the stores still have
	// write barriers: readImage cannot tell the array is on the stack).
	var stack [32]any
	w.field(atBeforeImages)
	var prev []any
	c.Before, prev, _ = d.readImage(w, c.Fields, 0, stack[:0], nil)
	w.field(atAfterImages)
	var ddl string
	c.After, _, ddl = d.readImage(w, c.Fields, 1, nil, prev)
	w.track = false
	// The Java SDK's schema ends after afterImages; LIO's adds bornTimestamp.
	// Avro is positional, so the field is there exactly when bytes remain.
	if w.more() {
		w.field(atBornTimestamp)
		c.BornTimestamp = w.long()
		if w.more() {
			w.field(atEndOfRecord)
			w.failf("unexpected bytes after bornTimestamp: the value is not a DTS Record datum")
		}
	}
	w.sync()
	if w.err != nil {
		return &DecodeError{Field: fieldNames[w.errAt], Reason: w.err.Error()}
	}
	if c.Operation == OpDDL {
		c.DDL = ddl
	}
	if c.ObjectName != d.lastName[0] {
		d.lastName[0] = c.ObjectName
		d.lastName[1], d.lastName[2], d.lastName[3] = splitObjectName(c.ObjectName)
	}
	c.Database, c.Schema, c.Table = d.lastName[1], d.lastName[2], d.lastName[3]
	return nil
}

// readSchema reads the tags and fields of a record: its table's key tag
// and columns.
func (d *Decoder) readSchema(w *wire, c *Change) {
	// Tags mostly repeat the last record's: compare them as they are read,
	// and copy them (pointer writes, each with a GC write barrier while
	// the collector marks) only from the first difference on.
	d.pairs = d.pairs[:0]
	i, same, total := 0, true, 0
	for n := w.block(&total); n > 0; n = w.block(&total) {
		for range 2 * n {
			v := w.bytes()
			if same && i < len(d.lastPairs) && d.lastPairs[i] == string(v) {
				i++
				continue
			}
			if same {
				same = false
				d.pairs = append(d.pairs, d.lastPairs[:i]...)
			}
			if i < len(d.lastPairs) && d.lastPairs[i] == string(v) {
				d.pairs = append(d.pairs, d.lastPairs[i])
			} else {
				d.pairs = append(d.pairs, d.arena.Keep(v))
			}
			i++
		}
	}
	if same && i == len(d.lastPairs) {
		c.Tags = d.lastTags
	} else {
		if same {
			d.pairs = append(d.pairs, d.lastPairs[:i]...)
		}
		c.Tags = d.tags()
	}
	w.field(atFields)
	switch b := w.long(); b {
	case 0:
	case 1:
		// A string "fields" is not produced by any known writer; it is
		// read and ignored.
		w.skip()
	case 2:
		// Consecutive records mostly share a table: share its column list
		// instead of allocating one per record (fields are read-only), and
		// as with tags, copy columns only from the first difference on.
		d.fields = d.fields[:0]
		i, same, total := 0, true, 0
		for n := w.block(&total); n > 0; n = w.block(&total) {
			for range n {
				name := w.bytes()
				f := Field{DataTypeNumber: w.int()}
				last := i < len(d.lastFields) && d.lastFields[i].Name == string(name)
				if same && last && d.lastFields[i].DataTypeNumber == f.DataTypeNumber {
					i++
					continue
				}
				if same {
					same = false
					d.fields = append(d.fields, d.lastFields[:i]...)
				}
				if last {
					f.Name = d.lastFields[i].Name
				} else {
					f.Name = d.arena.Keep(name)
				}
				d.fields = append(d.fields, f)
				i++
			}
		}
		if !same || i != len(d.lastFields) {
			if same {
				d.fields = append(d.fields, d.lastFields[:i]...)
			}
			d.lastFields = slices.Clone(d.fields)
		}
		c.Fields = d.lastFields
	default:
		w.failf("union branch %d, want 0 (null), 1 (string) or 2 (array)", b)
	}
}

// readImage reads the beforeImages/afterImages union: null, a string (the
// DDL text) or an array of column values, which it puts in a map keyed by
// the column names (a NONE column left out). When vals is not nil it
// appends the values to it in column order (NONE as nil); prev holds the
// before image's values, which the after image's reuse when equal; img is
// 0 for the before image, 1 for the after image (rendered's slot).
func (d *Decoder) readImage(w *wire, fields []Field, img int, vals, prev []any) (map[string]any, []any, string) {
	switch b := w.long(); b {
	case 0:
		return nil, vals, ""
	case 1:
		return nil, vals, string(w.bytes())
	case 2:
		m := make(map[string]any, len(fields))
		if img == 0 {
			// at[2i] is where the before image's value i starts and
			// at[2i+1] where it ends, as far as the position is counted.
			d.at = d.at[:0]
		}
		if len(d.rendered) < len(fields) {
			// Bounded by the datum: every field took bytes of it.
			d.rendered = append(d.rendered, make([]renderedPair, len(fields)-len(d.rendered))...)
		}
		i, total := 0, 0
		for n := w.block(&total); n > 0; n = w.block(&total) {
			for range n {
				if i >= len(fields) {
					w.failf("more values than the %d fields", len(fields))
					return nil, vals, ""
				}
				var p any
				if i < len(prev) {
					p = prev[i]
				}
				var v any
				start := w.pos
				if w.counted() {
					// The same bytes decode to the same value, so a value
					// whose bytes repeat earlier ones is taken without
					// reading them.
					if raw, ev := d.earlier(w, img, i, prev); len(raw) > 0 && bytes.HasPrefix(w.datum[start:], raw) {
						w.r.SkipNBytes(len(raw))
						w.pos += len(raw)
						v = ev
						goto read
					}
				}
				v = d.readValue(w, p, &d.rendered[i], img)
				if w.failed() {
					w.sync()
					w.err = fmt.Errorf("value %d: %w", i, w.err)
					return nil, vals, ""
				}
			read:
				if img == 0 && w.counted() {
					d.at = append(d.at, start, w.pos)
				}
				if _, isNone := v.(none); !isNone {
					m[fields[i].Name] = v
				}
				if vals != nil {
					vals = append(vals, v) // none stays none: prev tells it apart from null
				}
				i++
			}
		}
		if !w.failed() && i != len(fields) {
			w.failf("%d values for %d fields", i, len(fields))
		}
		if w.failed() {
			return nil, vals, ""
		}
		if img == 0 {
			d.keepBefore(w, vals)
		}
		return m, vals, ""
	default:
		w.failf("union branch %d, want 0 (null), 1 (string) or 2 (array)", b)
		return nil, vals, ""
	}
}

// earlier returns the bytes that value i of an image most likely repeats,
// and their value: for an after image the before image's value i (an
// UPDATE changes few columns), for a before image the last before image's
// (consecutive rows of a table share many values). nil when unknown.
func (d *Decoder) earlier(w *wire, img, i int, prev []any) ([]byte, any) {
	if img == 1 {
		if 2*i+1 < len(d.at) && i < len(prev) {
			return w.datum[d.at[2*i]:d.at[2*i+1]], prev[i]
		}
	} else if 2*i+1 < len(d.lastAt) {
		return d.lastBytes[d.lastAt[2*i]:d.lastAt[2*i+1]], d.lastVals[i]
	}
	return nil, nil
}

// keepBefore keeps the counted values of the before image just read, and
// their bytes (copied: the datum is the caller's), for the next record's
// before image (earlier).
func (d *Decoder) keepBefore(w *wire, vals []any) {
	if len(d.at) == 0 {
		return // nothing counted: keep the last ones, still true
	}
	first := d.at[0]
	d.lastBytes = append(d.lastBytes[:0], w.datum[first:d.at[len(d.at)-1]]...)
	d.lastAt = d.lastAt[:0]
	for _, p := range d.at {
		d.lastAt = append(d.lastAt, p-first)
	}
	clear(d.lastVals) // drop references beyond the new length
	d.lastVals = append(d.lastVals[:0], vals[:len(d.at)/2]...)
}

// Image element union branches, in schema order.
const (
	vNull = iota
	vInteger
	vCharacter
	vDecimal
	vFloat
	vTimestamp
	vDateTime
	vTimestampTZ
	vBinaryGeometry
	vTextGeometry
	vBinaryObject
	vTextObject
	vEmptyObject
)

// readValue reads one image element and renders it (see the package doc
// for the rendering of each DTS value type). prev is the value at the same
// position in the before image (nil for none): an UPDATE mostly repeats
// values, and reusing prev's interface value saves boxing the same text.
// col holds the column's last rendered Timestamp or DateTime per image
// (img: 0 before, 1 after); a value rendered from the same parts in either
// image is reused. Errors go to w.
func (d *Decoder) readValue(w *wire, prev any, col *renderedPair, img int) any {
	switch b := w.long(); b {
	case vNull:
		return nil
	case vInteger:
		w.int() // precision
		s := w.bytes()
		if w.failed() {
			return nil
		}
		if n, ok := parseInt64(s); ok {
			if p, ok := prev.(int64); ok && p == n {
				return prev
			}
			return d.arena.Int64(n)
		}
		if !isInteger(s) {
			w.failf("Integer value %q is not an integer", s)
			return nil
		}
		// Wider than int64 (BIGINT UNSIGNED): the exact digits.
		if p, ok := prev.(json.Number); ok && string(p) == string(s) {
			return prev
		}
		return d.arena.Number(s)
	case vCharacter:
		cs := w.bytes()
		v := w.bytes() // bytes and string share one wire format
		if w.failed() {
			return nil
		}
		if isUTF8Charset(cs) && validUTF8(v) {
			return d.keepReuse(prev, v)
		}
		s := d.charsets.decode(string(cs), string(v))
		if p, ok := prev.(string); ok && p == s {
			return prev
		}
		return s
	case vDecimal:
		s := w.bytes()
		w.int() // precision
		w.int() // scale
		if w.failed() {
			return nil
		}
		if p, ok := prev.(json.Number); ok && string(p) == string(s) {
			return prev
		}
		if isJSONNumber(s) {
			return d.arena.Number(s)
		}
		// Java's BigDecimal accepts forms JSON does not ("+1", "1."); keep
		// those as text rather than fail the record.
		if _, err := strconv.ParseFloat(string(s), 64); err != nil {
			w.failf("Decimal value %q is not a number", s)
			return nil
		}
		return d.keepReuse(prev, s)
	case vFloat:
		f := w.double()
		w.int() // precision
		w.int() // scale
		if w.failed() {
			return nil
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			// JSON has no NaN or Infinity; Java's Double.toString spelling.
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
		if p, ok := prev.(float64); ok && p == f {
			return prev
		}
		return d.arena.Float64(f)
	case vTimestamp:
		sec := w.long()
		micros := w.int()
		if w.failed() {
			return nil
		}
		if micros < 0 || micros > 999999 {
			w.failf("Timestamp micros %d out of range 0..999999", micros)
			return nil
		}
		if sec < -62167219200 || sec > 253402300799 {
			w.failf("Timestamp %d s is outside years 0..9999", sec)
			return nil
		}
		if v, ok := col.find(vTimestamp, sec, dateTime{micros: micros}); ok {
			return v
		}
		var buf [32]byte
		v := d.keepReuse(prev, appendRFC3339(buf[:0], sec, micros))
		col[img] = rendered{branch: vTimestamp, sec: sec, dt: dateTime{micros: micros}, v: v}
		return v
	case vDateTime:
		dt := readDateTime(w)
		if w.failed() {
			return nil
		}
		if v, ok := col.find(vDateTime, 0, dt); ok {
			return v
		}
		v := dt.render(d, w, prev)
		if !w.failed() {
			col[img] = rendered{branch: vDateTime, dt: dt, v: v}
		}
		return v
	case vTimestampTZ:
		dt := readDateTime(w)
		tz := w.bytes()
		if w.failed() {
			return nil
		}
		v := dt.render(d, w, nil)
		if w.failed() || len(tz) == 0 {
			return v
		}
		return fmt.Sprint(v) + " " + string(tz)
	case vBinaryGeometry, vBinaryObject:
		w.skip() // type
		v := w.bytes()
		if w.failed() {
			return nil
		}
		s := b64(v)
		if p, ok := prev.(string); ok && p == s {
			return prev
		}
		return s
	case vTextGeometry, vTextObject:
		w.skip() // type
		s := w.bytes()
		if w.failed() {
			return nil
		}
		return d.keepReuse(prev, s)
	case vEmptyObject:
		switch e := w.int(); e {
		case 0:
			return nil
		case 1:
			return none{}
		default:
			w.failf("EmptyObject enum index %d, want 0 (NULL) or 1 (NONE)", e)
			return nil
		}
	default:
		w.failf("value union branch %d, want 0..12", b)
		return nil
	}
}

func isInteger(s []byte) bool {
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isJSONNumber reports whether s is a number in JSON's grammar.
func isJSONNumber[T string | []byte](s T) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i >= len(s) {
		return false
	}
	switch {
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	return i == len(s)
}

// Timestamps (seconds plus a field DTS calls "millis" that holds
// microseconds) render as RFC 3339 in UTC with the fraction's trailing
// zeros cut: zone-free, unlike the SDK's JVM-local rendering (readValue).

// appendRFC3339 writes Unix seconds plus microseconds as RFC 3339 in UTC,
// the fraction's trailing zeros cut (time.Format's .999999), without the
// cost of a general formatter. sec must lie within years 0..9999.
func appendRFC3339(b []byte, sec int64, micros int32) []byte {
	days := sec / 86400
	rem := sec % 86400
	if rem < 0 {
		rem += 86400
		days--
	}
	// Howard Hinnant's days-to-civil algorithm.
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	b = pad(b, y, 4)
	b = append(b, '-')
	b = pad(b, m, 2)
	b = append(b, '-')
	b = pad(b, d, 2)
	b = append(b, 'T')
	b = pad(b, rem/3600, 2)
	b = append(b, ':')
	b = pad(b, rem/60%60, 2)
	b = append(b, ':')
	b = pad(b, rem%60, 2)
	if micros > 0 {
		f := int64(micros)
		digits := 6
		for f%10 == 0 {
			f /= 10
			digits--
		}
		b = append(b, '.')
		b = pad(b, f, digits)
	}
	return append(b, 'Z')
}

// dateTime is a DTS DateTime: each part may be absent.
type dateTime struct {
	set                                            uint8 // bit i = part i present
	year, month, day, hour, minute, second, micros int32
}

func readDateTime(w *wire) dateTime {
	var dt dateTime
	var parts [7]int32
	for i := range parts {
		switch b := w.long(); b {
		case 0:
		case 1:
			parts[i] = w.int()
			dt.set |= 1 << i
		default:
			w.failf("DateTime union branch %d, want 0 (null) or 1 (int)", b)
			return dt
		}
	}
	dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.micros = parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6]
	return dt
}

const (
	dtYear = 1 << iota
	dtMonth
	dtDay
	dtHour
	dtMinute
	dtSecond
	dtMicros
)

// render writes the parts the column type uses, as LIO's converter does:
// DATE yyyy-MM-dd, TIME [-]HH:mm:ss[.ffffff] (hours may exceed 23), YEAR
// as a number, DATETIME yyyy-MM-dd HH:mm:ss[.ffffff]. The field DTS calls
// "millis" holds microseconds; the fraction has 6 digits, or none when 0.
func (dt dateTime) render(d *Decoder, w *wire, prev any) any {
	date := dt.set&(dtYear|dtMonth|dtDay) == dtYear|dtMonth|dtDay
	clock := dt.set&dtHour != 0
	if dt.set&dtMicros != 0 && (dt.micros < 0 || dt.micros > 999999) {
		w.failf("DateTime micros %d out of range 0..999999", dt.micros)
		return nil
	}
	switch {
	case dt.set == dtYear:
		if p, ok := prev.(int64); ok && p == int64(dt.year) {
			return prev
		}
		return d.arena.Int64(int64(dt.year))
	case dt.set == 0:
		return nil
	case !date && !clock:
		w.failf("DateTime with parts %07b has neither a full date nor an hour", dt.set)
		return nil
	}
	var buf [32]byte
	b := buf[:0]
	if date {
		if dt.year < 0 || dt.year > 9999 {
			w.failf("DateTime year %d out of range 0..9999", dt.year)
			return nil
		}
		b = pad(b, int64(dt.year), 4)
		b = append(b, '-')
		b = pad(b, int64(dt.month), 2)
		b = append(b, '-')
		b = pad(b, int64(dt.day), 2)
		if clock {
			b = append(b, ' ')
		}
	}
	if clock {
		h := int64(dt.hour)
		if h < 0 {
			b = append(b, '-')
			h = -h
		}
		b = pad(b, h, 2)
		b = append(b, ':')
		b = pad(b, int64(dt.minute), 2)
		b = append(b, ':')
		b = pad(b, int64(dt.second), 2)
		if dt.micros != 0 {
			b = append(b, '.')
			b = pad(b, int64(dt.micros), 6)
		}
	}
	return d.keepReuse(prev, b)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func pad(b []byte, n int64, width int) []byte {
	// Date and time parts (up to four digits) are written directly.
	if width == 2 && n >= 0 && n < 100 {
		return append(b, byte('0'+n/10), byte('0'+n%10))
	}
	if width >= 1 && width <= 4 && n >= 0 && n < 10000 {
		d := [4]byte{byte('0' + n/1000), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)}
		skip := 0
		for skip < 4-width && d[skip] == '0' {
			skip++
		}
		return append(b, d[skip:]...)
	}
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], n, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// splitObjectName splits "db", "db.table" or "db.schema.table"; a literal
// dot inside a name is written as the six characters \u002E.
func splitObjectName(name string) (db, schema, table string) {
	if name == "" {
		return "", "", ""
	}
	parts := strings.Split(name, ".")
	for i, p := range parts {
		if strings.Contains(p, `\u002E`) {
			parts[i] = strings.ReplaceAll(p, `\u002E`, ".")
		}
	}
	switch len(parts) {
	case 1:
		return parts[0], "", ""
	case 2:
		return parts[0], "", parts[1]
	default:
		return parts[0], parts[1], strings.Join(parts[2:], ".")
	}
}

// validUTF8 is utf8.Valid with a shorter path for the short ASCII text
// most columns hold: for a few bytes, utf8.Valid's set-up costs more than
// this loop.
func validUTF8(b []byte) bool {
	if len(b) > 16 {
		return utf8.Valid(b)
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return utf8.Valid(b)
		}
	}
	return true
}

// isUTF8Charset reports whether a Character's charset is one whose valid
// UTF-8 text is taken as is (charsetCache.decode's first case).
func isUTF8Charset(cs []byte) bool {
	switch string(cs) {
	case "utf8mb4", "utf8", "utf8mb3", "UTF8", "ascii":
		return true
	}
	return false
}

// parseInt64 parses what strconv.ParseInt(s, 10, 64) accepts (an optional
// sign, then decimal digits) without converting s to a string; ok is false
// for anything else, including overflow, which the caller then handles.
func parseInt64(s []byte) (int64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}
