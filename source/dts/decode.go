package dts

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/hamba/avro/v2"
)

// PlaceholderMaxLen is the largest value DTS sends as a placeholder ("mock"
// record): values this short are not Avro and only move the position on.
const PlaceholderMaxLen = 2

// maxValueSize bounds one Avro string or bytes value (a BLOB column). Kafka
// messages that large are rare; the bound keeps a corrupt length from
// allocating without limit.
const maxValueSize = 64 << 20

// avroAPI is an immutable, frozen hamba/avro configuration.
var avroAPI = avro.Config{MaxByteSliceSize: maxValueSize}.Freeze()

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

// None is the value of a column that DTS marks as having no value at all
// (EmptyObject NONE), as opposed to SQL NULL (nil). Rendered images leave
// such columns out.
type None struct{}

// Change is one decoded DTS record. Column values are already rendered as
// JSON-ready Go values (see the package doc): nil, int64, json.Number,
// float64, string, or None.
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
	Before             []any // nil when the record has no before image
	After              []any // nil when the record has no after image
	DDL                string
	BornTimestamp      int64 // 0 when the writer's schema lacks the field

	bufs [2][]any // image buffers kept for DecodeInto while an image is absent
}

// Decoder decodes DTS Avro values. It reuses buffers between calls and is
// not safe for concurrent use; each source task owns one. Strings in a
// Change may share memory with earlier results but are never overwritten.
type Decoder struct {
	r        *avro.Reader
	charsets charsetCache

	// Reused between records: most records repeat the previous record's
	// table, columns and tags, so those are shared rather than rebuilt.
	fields, lastFields []Field
	pairs, lastPairs   []string
	lastTags           map[string]string
	lastName           [4]string // objectName, database, schema, table
	lastVersion        string

	// scratch receives strings that are only compared or converted (a
	// charset name, a column name equal to the last record's): reading them
	// in place allocates nothing. slab holds the text of strings that are
	// kept (see keep).
	scratch [2][]byte
	slab    []byte
}

// readScratch reads an Avro string or bytes value into scratch buffer i.
// The result is valid until the next read into the same buffer. size (the
// datum's length) bounds the length, so a corrupt one cannot allocate.
func (d *Decoder) readScratch(r *avro.Reader, i, size int) []byte {
	n := r.ReadLong()
	if r.Error != nil {
		return nil
	}
	if n < 0 || n > int64(size) {
		r.ReportError("ReadString", fmt.Sprintf("invalid string length %d", n))
		return nil
	}
	if cap(d.scratch[i]) < int(n) {
		d.scratch[i] = make([]byte, n, max(n, 64))
	}
	b := d.scratch[i][:n]
	r.Read(b)
	return b
}

// keep returns b as a string that stays valid: short strings are copied
// into a shared slab (one allocation per KiB instead of one per string),
// as hamba/avro's ReadString does. Slab bytes are written once, before the
// string that views them exists, and never again.
func (d *Decoder) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > 256 {
		return string(b)
	}
	if cap(d.slab)-len(d.slab) < len(b) {
		d.slab = make([]byte, 0, 1024)
	}
	n := len(d.slab)
	d.slab = append(d.slab, b...)
	return unsafe.String(&d.slab[n], len(b))
}

// keepReuse is reuse for text in a scratch buffer: prev when equal, else
// the text kept.
func (d *Decoder) keepReuse(prev any, b []byte) any {
	if p, ok := prev.(string); ok && p == string(b) {
		return prev
	}
	return d.keep(b)
}

// readText reads a string that the Change keeps.
func (d *Decoder) readText(r *avro.Reader, size int) string {
	return d.keep(d.readScratch(r, 0, size))
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
func NewDecoder() *Decoder {
	return &Decoder{r: avro.NewReader(nil, 0, avro.WithReaderConfig(avroAPI))}
}

// IsPlaceholder reports whether a Kafka value is a DTS placeholder record
// (null or at most PlaceholderMaxLen bytes) that must be skipped, not decoded.
func IsPlaceholder(value []byte) bool { return len(value) <= PlaceholderMaxLen }

// Decode decodes one raw Avro datum of com.alibaba.dts.formats.avro.Record
// (no magic byte, no schema ID, no container header). The trailing
// bornTimestamp is read only when bytes remain, since the Java SDK's schema
// lacks it. Random input yields an error, never a panic.
//
// It reads the datum with hamba/avro's Reader primitives, field by field in
// the schema's wire order, rather than through a generic schema walk: one
// pass, values rendered as they are read, and the optional trailing field
// handled explicitly.
func (d *Decoder) Decode(value []byte) (*Change, error) {
	c := &Change{}
	if err := d.DecodeInto(c, value); err != nil {
		return nil, err
	}
	return c, nil
}

// DecodeInto is Decode into a caller's Change, reusing its slices: a source
// that turns each Change into a record at once decodes without allocating
// the Change. What c held before is overwritten.
func (d *Decoder) DecodeInto(c *Change, value []byte) (err error) {
	bufs := c.bufs
	if c.Before != nil {
		bufs[0] = c.Before
	}
	if c.After != nil {
		bufs[1] = c.After
	}
	pts := c.ProcessTimestamps[:0]
	*c = Change{bufs: [2][]any{bufs[0][:0], bufs[1][:0]}, ProcessTimestamps: pts}

	if IsPlaceholder(value) {
		return ErrPlaceholder
	}
	r := d.r.Reset(value)
	r.Error = nil
	field := "version"
	check := func(next string) bool {
		if r.Error != nil {
			return false
		}
		field = next
		return true
	}
	fail := func(format string, args ...any) error {
		return &DecodeError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	c.Version = r.ReadInt()
	if !check("id") {
		return fail("%v", r.Error)
	}
	c.ID = r.ReadLong()
	if !check("sourceTimestamp") {
		return fail("%v", r.Error)
	}
	c.SourceTimestamp = r.ReadLong()
	if !check("sourcePosition") {
		return fail("%v", r.Error)
	}
	size := len(value)
	c.SourcePosition = d.readText(r, size)
	if !check("safeSourcePosition") {
		return fail("%v", r.Error)
	}
	c.SafeSourcePosition = d.readText(r, size)
	if !check("sourceTxid") {
		return fail("%v", r.Error)
	}
	c.SourceTxid = d.readText(r, size)
	if !check("source.sourceType") {
		return fail("%v", r.Error)
	}
	st := r.ReadInt()
	if !check("source.sourceType") {
		return fail("%v", r.Error)
	}
	if st < 0 || int(st) >= len(sourceTypes) {
		return fail("enum index %d out of range 0..%d", st, len(sourceTypes)-1)
	}
	c.SourceType = sourceTypes[st]
	field = "source.version"
	if v := d.readScratch(r, 0, size); string(v) != d.lastVersion {
		d.lastVersion = d.keep(v)
	}
	c.SourceVersion = d.lastVersion
	if !check("operation") {
		return fail("%v", r.Error)
	}
	op := r.ReadInt()
	if !check("operation") {
		return fail("%v", r.Error)
	}
	if op < 0 || int(op) >= len(opNames) {
		return fail("enum index %d out of range 0..%d", op, len(opNames)-1)
	}
	c.Operation = Operation(op)
	field = "objectName"
	switch b := r.ReadLong(); {
	case r.Error != nil:
		return fail("%v", r.Error)
	case b == 0:
	case b == 1:
		if v := d.readScratch(r, 0, size); string(v) == d.lastName[0] {
			c.ObjectName = d.lastName[0]
		} else {
			c.ObjectName = d.keep(v)
		}
	default:
		return fail("union branch %d, want 0 (null) or 1 (string)", b)
	}
	if !check("processTimestamps") {
		return fail("%v", r.Error)
	}
	switch b := r.ReadLong(); {
	case r.Error != nil:
		return fail("%v", r.Error)
	case b == 0:
		c.ProcessTimestamps = nil
	case b == 1:
		if err := readBlocks(r, len(value), func(n int) { c.ProcessTimestamps = slices.Grow(c.ProcessTimestamps, n) }, func() { c.ProcessTimestamps = append(c.ProcessTimestamps, r.ReadLong()) }); err != nil {
			return fail("%v", err)
		}
	default:
		return fail("union branch %d, want 0 (null) or 1 (array)", b)
	}
	if !check("tags") {
		return fail("%v", r.Error)
	}
	// Tags mostly repeat the last record's: compare them in place and keep
	// only text that differs.
	d.pairs = d.pairs[:0]
	if err := readBlocks(r, len(value), nil, func() {
		for range 2 {
			v := d.readScratch(r, 0, size)
			if i := len(d.pairs); i < len(d.lastPairs) && d.lastPairs[i] == string(v) {
				d.pairs = append(d.pairs, d.lastPairs[i])
			} else {
				d.pairs = append(d.pairs, d.keep(v))
			}
		}
	}); err != nil {
		return fail("%v", err)
	}
	c.Tags = d.tags()
	if !check("fields") {
		return fail("%v", r.Error)
	}
	switch b := r.ReadLong(); {
	case r.Error != nil:
		return fail("%v", r.Error)
	case b == 0:
	case b == 1:
		// A string "fields" is not produced by any known writer; keep it as
		// a single unnamed column list marker by ignoring it.
		_ = r.ReadString()
	case b == 2:
		d.fields = d.fields[:0]
		if err := readBlocks(r, len(value), nil, func() {
			name := d.readScratch(r, 0, size)
			f := Field{DataTypeNumber: r.ReadInt()}
			if i := len(d.fields); i < len(d.lastFields) && d.lastFields[i].Name == string(name) {
				f.Name = d.lastFields[i].Name
			} else {
				f.Name = d.keep(name)
			}
			d.fields = append(d.fields, f)
		}); err != nil {
			return fail("%v", err)
		}
		// Consecutive records mostly share a table: share its column list
		// instead of allocating one per record. Fields are read-only.
		if !slices.Equal(d.fields, d.lastFields) {
			d.lastFields = slices.Clone(d.fields)
		}
		c.Fields = d.lastFields
	default:
		return fail("union branch %d, want 0 (null), 1 (string) or 2 (array)", b)
	}
	if !check("beforeImages") {
		return fail("%v", r.Error)
	}
	var ddl string
	c.Before, _, err = d.readImage(r, len(value), c.bufs[0], nil)
	if err != nil {
		return fail("%v", err)
	}
	if !check("afterImages") {
		return fail("%v", r.Error)
	}
	c.After, ddl, err = d.readImage(r, len(value), c.bufs[1], c.Before)
	if err != nil {
		return fail("%v", err)
	}
	if !check("bornTimestamp") {
		return fail("%v", r.Error)
	}
	// The Java SDK's schema ends after afterImages; LIO's adds bornTimestamp.
	// Avro is positional, so the field is there exactly when bytes remain.
	if r.Peek(); errors.Is(r.Error, io.EOF) {
		r.Error = nil
	} else {
		c.BornTimestamp = r.ReadLong()
		if r.Error != nil {
			return fail("%v", r.Error)
		}
		if r.Peek(); r.Error == nil {
			field = "end of record"
			return fail("unexpected bytes after bornTimestamp: the value is not a DTS Record datum")
		}
		r.Error = nil
	}
	if c.Operation == OpDDL {
		c.DDL = ddl
	}
	if c.Before != nil && len(c.Before) != len(c.Fields) {
		field = "beforeImages"
		return fail("%d values for %d fields", len(c.Before), len(c.Fields))
	}
	if c.After != nil && len(c.After) != len(c.Fields) {
		field = "afterImages"
		return fail("%d values for %d fields", len(c.After), len(c.Fields))
	}
	if c.ObjectName != d.lastName[0] {
		d.lastName[0] = c.ObjectName
		d.lastName[1], d.lastName[2], d.lastName[3] = splitObjectName(c.ObjectName)
	}
	c.Database, c.Schema, c.Table = d.lastName[1], d.lastName[2], d.lastName[3]
	return nil
}

// readBlocks reads an Avro array or map: blocks of a count and that many
// items, ended by a zero count. Counts are bounded by the datum's size, since
// every item takes at least one byte, so a corrupt count cannot loop long.
func readBlocks(r *avro.Reader, size int, block func(n int), item func()) error {
	total := 0
	for {
		n, _ := r.ReadBlockHeader()
		if r.Error != nil {
			return r.Error
		}
		if n == 0 {
			return nil
		}
		total += int(n)
		if n < 0 || n > int64(size) || total > size {
			return fmt.Errorf("block count %d larger than the datum", n)
		}
		if block != nil {
			block(int(n))
		}
		for i := int64(0); i < n; i++ {
			item()
			if r.Error != nil {
				return r.Error
			}
		}
	}
}

// readImage reads the beforeImages/afterImages union: null, a string (the
// DDL text) or an array of column values.
func (d *Decoder) readImage(r *avro.Reader, size int, vals, prev []any) ([]any, string, error) {
	b := r.ReadLong()
	if r.Error != nil {
		return nil, "", r.Error
	}
	switch b {
	case 0:
		return nil, "", nil
	case 1:
		return nil, r.ReadString(), r.Error
	case 2:
		var verr error
		err := readBlocks(r, size, func(n int) { vals = slices.Grow(vals, n) }, func() {
			var p any
			if len(vals) < len(prev) {
				p = prev[len(vals)]
			}
			v, e := d.readValue(r, size, p)
			if e != nil {
				verr = e
				if r.Error == nil {
					r.Error = e // stops readBlocks
				}
				return
			}
			vals = append(vals, v)
		})
		if verr != nil {
			return nil, "", fmt.Errorf("value %d: %w", len(vals), verr)
		}
		if err != nil {
			return nil, "", err
		}
		return vals, "", nil
	}
	return nil, "", fmt.Errorf("union branch %d, want 0 (null), 1 (string) or 2 (array)", b)
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
// for the rendering of each DTS value type).
// readValue reads one image element. prev is the value at the same
// position in the before image (nil for none): an UPDATE mostly repeats
// values, and reusing prev's interface value saves boxing the same text.
func (d *Decoder) readValue(r *avro.Reader, size int, prev any) (any, error) {
	b := r.ReadLong()
	if r.Error != nil {
		return nil, r.Error
	}
	switch b {
	case vNull:
		return nil, nil
	case vInteger:
		_ = r.ReadInt() // precision
		s := d.readScratch(r, 0, size)
		if r.Error != nil {
			return nil, r.Error
		}
		if n, ok := parseInt64(s); ok {
			if p, ok := prev.(int64); ok && p == n {
				return prev, nil
			}
			return n, nil
		}
		return integerValue(string(s), prev)
	case vCharacter:
		cs := d.readScratch(r, 0, size)
		// bytes and string share one wire format.
		v := d.readScratch(r, 1, size)
		if r.Error != nil {
			return nil, r.Error
		}
		if isUTF8Charset(cs) && utf8.Valid(v) {
			return d.keepReuse(prev, v), nil
		}
		return reuse(prev, d.charsets.decode(string(cs), string(v))), nil
	case vDecimal:
		s := d.readScratch(r, 0, size)
		_ = r.ReadInt() // precision
		_ = r.ReadInt() // scale
		if r.Error != nil {
			return nil, r.Error
		}
		if p, ok := prev.(json.Number); ok && string(p) == string(s) {
			return prev, nil
		}
		if isJSONNumber(s) {
			return json.Number(d.keep(s)), nil
		}
		return decimalValue(string(s), nil)
	case vFloat:
		f := r.ReadDouble()
		_ = r.ReadInt()
		_ = r.ReadInt()
		if r.Error != nil {
			return nil, r.Error
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			// JSON has no NaN or Infinity; Java's Double.toString spelling.
			return strconv.FormatFloat(f, 'g', -1, 64), nil
		}
		return f, nil
	case vTimestamp:
		sec := r.ReadLong()
		micros := r.ReadInt()
		if r.Error != nil {
			return nil, r.Error
		}
		if micros < 0 || micros > 999999 {
			return nil, fmt.Errorf("Timestamp micros %d out of range 0..999999", micros)
		}
		if sec < -62167219200 || sec > 253402300799 {
			return nil, fmt.Errorf("Timestamp %d s is outside years 0..9999", sec)
		}
		var buf [32]byte
		return d.keepReuse(prev, appendRFC3339(buf[:0], sec, micros)), nil
	case vDateTime:
		dt := readDateTime(r)
		if r.Error != nil {
			return nil, r.Error
		}
		return dt.render(d, prev)
	case vTimestampTZ:
		dt := readDateTime(r)
		tz := r.ReadString()
		if r.Error != nil {
			return nil, r.Error
		}
		v, err := dt.render(d, nil)
		if err != nil {
			return nil, err
		}
		if tz == "" {
			return v, nil
		}
		return fmt.Sprint(v) + " " + tz, nil
	case vBinaryGeometry, vBinaryObject:
		_ = r.ReadString() // type
		v := r.ReadBytes()
		if r.Error != nil {
			return nil, r.Error
		}
		return reuse(prev, b64(v)), nil
	case vTextGeometry, vTextObject:
		_ = d.readScratch(r, 0, size) // type
		s := d.readScratch(r, 0, size)
		if r.Error != nil {
			return nil, r.Error
		}
		return d.keepReuse(prev, s), nil
	case vEmptyObject:
		e := r.ReadInt()
		if r.Error != nil {
			return nil, r.Error
		}
		switch e {
		case 0:
			return nil, nil
		case 1:
			return None{}, nil
		}
		return nil, fmt.Errorf("EmptyObject enum index %d, want 0 (NULL) or 1 (NONE)", e)
	}
	return nil, fmt.Errorf("value union branch %d, want 0..12", b)
}

// integerValue renders an Integer: int64 when it fits, else the exact digits
// as a json.Number (DTS integers may be unsigned 64-bit or wider).
func integerValue(s string, prev any) (any, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if p, ok := prev.(int64); ok && p == n {
			return prev, nil
		}
		return n, nil
	}
	if !isInteger(s) {
		return nil, fmt.Errorf("Integer value %q is not an integer", s)
	}
	return json.Number(strings.Clone(s)), nil
}

func isInteger(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// decimalValue renders a Decimal exactly, as a json.Number holding DTS's
// text, so no precision is lost (event patterns compare number text).
func decimalValue(s string, prev any) (any, error) {
	if !isJSONNumber(s) {
		// Java's BigDecimal accepts forms JSON does not ("+1", "1."); keep
		// those as text rather than fail the record.
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return nil, fmt.Errorf("Decimal value %q is not a number", s)
		}
		return strings.Clone(s), nil
	}
	if p, ok := prev.(json.Number); ok && string(p) == s {
		return prev, nil
	}
	return json.Number(s), nil
}

// reuse returns prev when it is the same text as s, else s: an interface
// holding an existing string costs nothing, a new one an allocation.
func reuse(prev any, s string) any {
	if p, ok := prev.(string); ok && p == s {
		return prev
	}
	return s
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

func readDateTime(r *avro.Reader) dateTime {
	var dt dateTime
	var parts [7]int32
	for i := range parts {
		switch b := r.ReadLong(); b {
		case 0:
		case 1:
			parts[i] = r.ReadInt()
			dt.set |= 1 << i
		default:
			if r.Error == nil {
				r.ReportError("DateTime", fmt.Sprintf("union branch %d, want 0 (null) or 1 (int)", b))
			}
			return dt
		}
		if r.Error != nil {
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
func (dt dateTime) render(d *Decoder, prev any) (any, error) {
	date := dt.set&(dtYear|dtMonth|dtDay) == dtYear|dtMonth|dtDay
	clock := dt.set&dtHour != 0
	if dt.set&dtMicros != 0 && (dt.micros < 0 || dt.micros > 999999) {
		return nil, fmt.Errorf("DateTime micros %d out of range 0..999999", dt.micros)
	}
	switch {
	case dt.set == dtYear:
		return int64(dt.year), nil
	case dt.set == 0:
		return nil, nil
	case !date && !clock:
		return nil, fmt.Errorf("DateTime with parts %07b has neither a full date nor an hour", dt.set)
	}
	var buf [32]byte
	b := buf[:0]
	if date {
		if dt.year < 0 || dt.year > 9999 {
			return nil, fmt.Errorf("DateTime year %d out of range 0..9999", dt.year)
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
	return d.keepReuse(prev, b), nil
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
