package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
)

// This file turns pgoutput messages into Debezium change events. It does no
// I/O of its own: catalog facts come through a Resolver (a catalog query in
// production, a map in tests), so it is tested from byte fixtures.

// DebeziumVersion is the source.version inlet writes: the Debezium release
// whose event format it reproduces.
const DebeziumVersion = "3.6.1.Final"

// pgEpochMicros is 2000-01-01 in µs since the Unix epoch.
const pgEpochMicros = 946684800000000

// RelationInfo is what pgoutput says about a table.
type RelationInfo struct {
	OID             uint32
	Schema, Name    string
	ReplicaIdentity byte // d default, f full, i index, n nothing
	Columns         []relColumn
}

// TableMeta is what the catalog adds: nullability, primary key, and the
// types pgoutput names only by OID.
type TableMeta struct {
	NotNull    map[string]bool
	PrimaryKey []string // in key order
	Types      map[uint32]TypeInfo
	// Defaults holds the literal text of constant column defaults
	// ('new'::character varying → new); expressions such as now() are absent.
	Defaults map[string]string
}

var castRE = regexp.MustCompile(`^::[a-zA-Z_][a-zA-Z0-9_ ."\[\]]*$`)

// defaultLiteral extracts the constant of a default expression as
// pg_get_expr prints it: 'text'::type, a number, true or false.
func defaultLiteral(expr string) (string, bool) {
	expr = strings.TrimSpace(expr)
	if strings.HasPrefix(expr, "'") {
		var b strings.Builder
		for i := 1; i < len(expr); i++ {
			if expr[i] == '\'' {
				if i+1 < len(expr) && expr[i+1] == '\'' {
					b.WriteByte('\'')
					i++
					continue
				}
				rest := expr[i+1:]
				if rest == "" || castRE.MatchString(rest) {
					return b.String(), true
				}
				return "", false
			}
			b.WriteByte(expr[i])
		}
		return "", false
	}
	if expr == "true" || expr == "false" {
		return expr[:1], true
	}
	e := strings.TrimSuffix(strings.TrimPrefix(expr, "("), ")")
	if _, err := strconv.ParseFloat(e, 64); err == nil && !strings.ContainsAny(e, "eEnN") {
		return e, true
	}
	return "", false
}

// Resolver looks up catalog facts for a relation.
type Resolver interface {
	Table(ctx context.Context, rel RelationInfo) (TableMeta, error)
}

// column is one captured column of a table.
type column struct {
	name    string
	pos     int // position in the relation (tuple index)
	typ     colType
	schema  *connect.Schema
	notNull bool
}

type table struct {
	rel       RelationInfo
	fqn       string // schema.table
	topic     string
	captured  bool
	cols      []column // included columns, in relation order
	keyCols   []column // key columns (may include excluded ones)
	keySchema *connect.Schema
	keyRowIdx []int // per key column, its index among cols, or -1
	textCols  int   // columns whose value is their text as is
	value     *connect.Schema
	envelope  *connect.Schema
	warnedKey bool
}

// Decoder holds the state of one replication stream: relations seen,
// the open transaction, and where to resume. It is used by one goroutine.
type Decoder struct {
	s        *settings
	db       string
	resolver Resolver
	log      *slog.Logger
	now      func() time.Time
	headers  connect.Headers // extended headers, shared (never mutated)

	partition map[string]any
	tables    map[uint32]*table
	warned    map[string]bool
	msg       pgMessage

	// open transaction
	inTx       bool
	xid        uint32
	commitUs   int64 // commit time, µs since the Unix epoch
	beginLSN   LSN
	order      int64
	perTable   map[string]int64
	tableOrder []string

	// lastCommit is the end LSN of the last transaction fully decoded (or the
	// resume point): it is the LSN that may be confirmed once every event
	// before it is durably delivered.
	lastCommit LSN

	// resume: events of transaction skipXid at or before skipLSN were
	// delivered before a restart (Debezium's partial-transaction replay).
	skipXid    int64 // -1 = none
	skipLSN    LSN
	skipActive bool
	skipTx     bool // the open transaction was fully emitted before (reconnect)
	emitted    LSN  // highest source offset lsn of any record produced
	box        boxed

	chunkStructs []connect.Struct // memory of the event being built
	chunkVals    []any
	lastLSN      LSN // last message of the open transaction decoded
}

func newDecoder(s *settings, db string, r Resolver, log *slog.Logger, now func() time.Time, headers connect.Headers) *Decoder {
	return &Decoder{s: s, db: db, resolver: r, log: log, now: now, headers: headers,
		partition: map[string]any{"server": s.prefix}, tables: map[uint32]*table{}, warned: map[string]bool{},
		perTable: map[string]int64{}, skipXid: -1}
}

// resumeAt sets the position streaming restarts from and the partially
// delivered transaction whose events up to lsn must be skipped.
func (d *Decoder) resumeAt(commit LSN, xid int64, lsn LSN) {
	d.lastCommit = commit
	d.skipXid, d.skipLSN, d.skipActive = xid, lsn, xid >= 0
}

// DecodeError names the WAL position and table of a change inlet could not decode.
type DecodeError struct {
	LSN    LSN
	Table  string
	Column string
	Err    error
}

func (e *DecodeError) Error() string {
	s := "postgres: decode change at LSN " + e.LSN.String()
	if e.Table != "" {
		s += " table " + e.Table
	}
	if e.Column != "" {
		s += " column " + strconv.Quote(e.Column)
	}
	return s + ": " + e.Err.Error()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Decode decodes one pgoutput message that started at WAL position lsn and
// appends the records it yields to out.
func (d *Decoder) Decode(ctx context.Context, lsn LSN, data []byte, out []*connect.Record) ([]*connect.Record, error) {
	m := &d.msg
	if err := parse(data, m); err != nil {
		return out, &DecodeError{LSN: lsn, Err: err}
	}
	if d.inTx {
		d.lastLSN = lsn
	}
	switch m.kind {
	case 'B':
		d.inTx, d.xid, d.beginLSN, d.order, d.lastLSN = true, m.xid, lsn, 0, lsn
		// a transaction that committed before the resume point was emitted
		// already (the server resends from the confirmed LSN after a reconnect)
		d.skipTx = d.lastCommit != 0 && m.finalLSN < d.lastCommit
		d.commitUs = m.commitTime + pgEpochMicros
		clear(d.perTable)
		d.tableOrder = d.tableOrder[:0]
		if d.s.txMetadata && !d.skip(lsn) {
			out = append(out, d.txRecord("BEGIN", lsn))
		}
	case 'C':
		if d.s.txMetadata && !d.skip(m.endLSN) {
			out = append(out, d.txRecord("END", m.endLSN))
		}
		d.inTx, d.skipTx = false, false
		if m.endLSN > d.lastCommit {
			d.lastCommit = m.endLSN
		}
		if d.skipActive && int64(d.xid) == d.skipXid {
			d.skipActive = false
		}
	case 'R':
		rel := RelationInfo{OID: m.relID, Schema: m.namespace, Name: m.name, ReplicaIdentity: m.replicaID, Columns: m.columns}
		m.columns = nil // kept by the table
		t, err := d.relation(ctx, rel)
		if err != nil {
			return out, &DecodeError{LSN: lsn, Table: rel.Schema + "." + rel.Name, Err: err}
		}
		d.tables[rel.OID] = t
	case 'I', 'U', 'D':
		t, ok := d.tables[m.relID]
		if !ok {
			return out, &DecodeError{LSN: lsn, Err: fmt.Errorf("change for relation %d before its relation message", m.relID)}
		}
		if !t.captured || d.skip(lsn) {
			return out, nil
		}
		var err error
		switch m.kind {
		case 'I':
			if !d.s.skip['c'] {
				out, err = d.insertTo(out, t, lsn, m.newTuple, nil, d.headers)
			}
		case 'U':
			if !d.s.skip['u'] {
				out, err = d.update(out, t, lsn, m)
			}
		case 'D':
			if !d.s.skip['d'] {
				out, err = d.delete(out, t, lsn, m)
			}
		}
		if err != nil {
			return out, err
		}
	case 'T':
		if d.s.skip['t'] || d.skip(lsn) {
			return out, nil
		}
		for _, id := range m.truncRelIDs {
			t, ok := d.tables[id]
			if !ok || !t.captured {
				continue
			}
			env := d.envelope(t, lsn, "t", nil, nil, "false")
			out = append(out, d.record(t.topic, nil, nil, t.envelope, env, d.offset(lsn, "TRUNCATE"), d.headers))
		}
	case 'M':
		if !d.s.messageIncluded(m.prefix) {
			return out, nil
		}
		if m.transactional && d.skip(lsn) {
			return out, nil
		}
		out = append(out, d.message(lsn, m))
	}
	return out, nil
}

// skip reports whether an event of the open transaction at lsn was
// delivered before the restart.
func (d *Decoder) skip(lsn LSN) bool {
	if d.inTx && d.skipTx {
		return true
	}
	return d.skipActive && d.inTx && int64(d.xid) == d.skipXid && lsn <= d.skipLSN
}

// relation builds (or rebuilds, after DDL) a table's schemas.
func (d *Decoder) relation(ctx context.Context, rel RelationInfo) (*table, error) {
	t := &table{rel: rel, fqn: rel.Schema + "." + rel.Name, topic: d.s.prefix + "." + rel.Schema + "." + rel.Name}
	t.captured = d.s.captured(rel.Schema, rel.Name)
	if !t.captured {
		return t, nil
	}
	meta, err := d.resolver.Table(ctx, rel)
	if err != nil {
		return nil, err
	}
	byName := map[string]column{}
	var fields []connect.Field
	for i, rc := range rel.Columns {
		ct := d.mapType(rc.typOID, rc.typMod, meta.Types)
		notNull := meta.NotNull[rc.name]
		c := column{name: rc.name, pos: i, typ: ct, notNull: notNull, schema: ct.schema}
		if !notNull {
			c.schema = ct.schema.WithOptional(true)
		}
		if lit, ok := meta.Defaults[rc.name]; ok && !ct.unknown {
			// Debezium puts a parseable column default into the schema
			if v, err := ct.conv([]byte(lit)); err == nil {
				c.schema = c.schema.Copy()
				c.schema.Default = v
			}
		}
		byName[rc.name] = c
		if !d.s.columnIncluded(rel.Schema, rel.Name, rc.name) {
			continue
		}
		if ct.unknown {
			d.warnOnce("type:"+t.fqn+"."+rc.name, "column type not supported, emitting its text form as a string",
				"table", t.fqn, "column", rc.name, "type", ct.typName)
		}
		t.cols = append(t.cols, c)
		if ct.text {
			t.textCols++
		}
		fields = append(fields, connect.Field{Name: rc.name, Index: len(fields), Schema: c.schema})
	}
	keyNames := d.s.customKey(rel.Schema, rel.Name)
	if keyNames == nil {
		keyNames = meta.PrimaryKey
	}
	if keyNames == nil && rel.ReplicaIdentity == 'i' {
		for _, rc := range rel.Columns {
			if rc.flags&1 != 0 {
				keyNames = append(keyNames, rc.name)
			}
		}
	}
	var keyFields []connect.Field
	for _, n := range keyNames {
		c, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("key column %q (message.key.columns or primary key) is not a column of %s", n, t.fqn)
		}
		t.keyCols = append(t.keyCols, c)
		idx := -1
		for j, rc := range t.cols {
			if rc.name == c.name {
				idx = j
			}
		}
		t.keyRowIdx = append(t.keyRowIdx, idx)
		keyFields = append(keyFields, connect.Field{Name: c.name, Index: len(keyFields), Schema: c.typ.schema})
	}
	name := d.s.prefix + "." + t.fqn
	if len(keyFields) > 0 {
		t.keySchema = &connect.Schema{Type: connect.StructType, Name: name + ".Key", Fields: keyFields}
	} else {
		d.warnOnce("nokey:"+t.fqn, "table has no primary key: its change events have a null key (set message.key.columns to choose one); "+
			"while a publication publishes its updates and deletes, PostgreSQL refuses them unless the table has REPLICA IDENTITY FULL",
			"table", t.fqn)
	}
	t.value = &connect.Schema{Type: connect.StructType, Name: name + ".Value", Optional: true, Fields: fields}
	t.envelope = envelopeSchema(name+".Envelope", t.value)
	return t, nil
}

func (d *Decoder) warnOnce(key, msg string, args ...any) {
	if d.warned[key] {
		return
	}
	d.warned[key] = true
	d.log.Warn(msg, args...)
}

// row converts a tuple to a value struct. old marks a before image: under
// REPLICA IDENTITY DEFAULT only key columns are present and the other
// required columns get zero values, as Debezium does. fill supplies values
// for unchanged TOASTed columns (the old row under REPLICA IDENTITY FULL).
func (d *Decoder) row(t *table, lsn LSN, tup []tupleCol, old bool, fill []tupleCol) (*connect.Struct, error) {
	if len(tup) != len(t.rel.Columns) {
		return nil, &DecodeError{LSN: lsn, Table: t.fqn, Err: fmt.Errorf("tuple has %d columns, relation has %d", len(tup), len(t.rel.Columns))}
	}
	vals := d.takeVals(len(t.cols))
	// Text columns share one string allocation (the record keeps them all
	// alive together anyway).
	var all string
	if t.textCols > 1 {
		n := 0
		for _, c := range t.cols {
			if c.typ.text && c.pos < len(tup) && tup[c.pos].kind == colText {
				n += len(tup[c.pos].data)
			}
		}
		var sb strings.Builder
		sb.Grow(n)
		for _, c := range t.cols {
			if c.typ.text && c.pos < len(tup) && tup[c.pos].kind == colText {
				sb.Write(tup[c.pos].data)
			}
		}
		all = sb.String()
	}
	off := 0
	for i, c := range t.cols {
		tc := tup[c.pos]
		if tc.kind == colUnchanged && fill != nil && c.pos < len(fill) && fill[c.pos].kind != colUnchanged {
			tc = fill[c.pos]
		}
		var v any
		if all != "" && c.typ.text && tup[c.pos].kind == colText {
			v = all[off : off+len(tc.data)]
			off += len(tc.data)
		} else {
			var err error
			if v, err = d.value(t, lsn, c, tc); err != nil {
				return nil, err
			}
		}
		if v == nil && old && c.notNull {
			v = zeroValue(c.schema)
		}
		vals[i] = v
	}
	st := d.takeStruct()
	st.Schema, st.Values = t.value, vals
	return st, nil
}

func (d *Decoder) value(t *table, lsn LSN, c column, tc tupleCol) (any, error) {
	switch tc.kind {
	case colNull:
		return nil, nil
	case colUnchanged:
		return d.placeholder(c.schema), nil
	case colBinary:
		return nil, &DecodeError{LSN: lsn, Table: t.fqn, Column: c.name, Err: fmt.Errorf("binary tuple data is not supported")}
	}
	v, err := c.typ.conv(tc.data)
	if err != nil {
		if err == errNaN && !c.notNull {
			return nil, nil
		}
		return nil, &DecodeError{LSN: lsn, Table: t.fqn, Column: c.name, Err: fmt.Errorf("%w (value %q)", err, truncate(tc.data))}
	}
	return v, nil
}

func truncate(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "…"
	}
	return string(b)
}

// placeholder is unavailable.value.placeholder in the column's shape.
func (d *Decoder) placeholder(s *connect.Schema) any {
	switch s.Type {
	case connect.String:
		return d.s.placeholder
	case connect.Bytes:
		if s.Name == connect.DecimalName {
			return nil
		}
		return []byte(d.s.placeholder)
	case connect.Array:
		if s.Value != nil && s.Value.Type == connect.String {
			return []any{d.s.placeholder}
		}
	}
	return nil
}

func zeroValue(s *connect.Schema) any {
	switch s.Name {
	case connect.DateName, connect.TimeName, connect.TimestampName:
		return time.Unix(0, 0).UTC()
	case connect.DecimalName:
		return connect.Decimal{Unscaled: new(bigInt).SetInt64(0), Scale: 0}
	}
	switch s.Type {
	case connect.Int8:
		return int8(0)
	case connect.Int16:
		return int16(0)
	case connect.Int32:
		return int32(0)
	case connect.Int64:
		return int64(0)
	case connect.Float32:
		return float32(0)
	case connect.Float64:
		return float64(0)
	case connect.Boolean:
		return false
	case connect.String:
		return ""
	case connect.Bytes:
		return []byte{}
	case connect.Array:
		return []any{}
	}
	return nil
}

// key builds the key struct from a tuple (nil when the table has no key).
func (d *Decoder) key(t *table, lsn LSN, tup []tupleCol, fill []tupleCol) (any, error) {
	return d.keyFromRow(t, lsn, tup, fill, nil)
}

// keyFromRow builds the key, taking values already converted for row (the
// after image of the same tuple) instead of converting them again.
func (d *Decoder) keyFromRow(t *table, lsn LSN, tup []tupleCol, fill []tupleCol, row *connect.Struct) (any, error) {
	if t.keySchema == nil {
		return nil, nil
	}
	vals := d.takeVals(len(t.keyCols))
	for i, c := range t.keyCols {
		if row != nil && t.keyRowIdx[i] >= 0 {
			vals[i] = row.Values[t.keyRowIdx[i]]
			continue
		}
		if c.pos >= len(tup) {
			return nil, &DecodeError{LSN: lsn, Table: t.fqn, Column: c.name, Err: fmt.Errorf("key column missing from tuple")}
		}
		tc := tup[c.pos]
		if tc.kind == colUnchanged && fill != nil && c.pos < len(fill) {
			tc = fill[c.pos]
		}
		v, err := d.value(t, lsn, c, tc)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	st := d.takeStruct()
	st.Schema, st.Values = t.keySchema, vals
	return st, nil
}

func (d *Decoder) insertTo(out []*connect.Record, t *table, lsn LSN, tup, fill []tupleCol, headers connect.Headers) ([]*connect.Record, error) {
	// One allocation for every struct and one for every value slice of this
	// event (row, key, envelope, source). Only this event's data lives in
	// them, so they are freed with it.
	d.chunkStructs = make([]connect.Struct, 4)
	d.chunkVals = make([]any, len(t.cols)+len(t.keyCols)+8+len(sourceSchema.Fields))
	defer func() { d.chunkStructs, d.chunkVals = nil, nil }()
	after, err := d.row(t, lsn, tup, false, fill)
	if err != nil {
		return out, err
	}
	key, err := d.keyFromRow(t, lsn, tup, fill, after)
	if err != nil {
		return out, err
	}
	env := d.envelope(t, lsn, "c", nil, after, "false")
	return append(out, d.record(t.topic, t.keySchema, key, t.envelope, env, d.offset(lsn, "INSERT"), headers)), nil
}

func (d *Decoder) update(out []*connect.Record, t *table, lsn LSN, m *pgMessage) ([]*connect.Record, error) {
	var before *connect.Struct
	var fill []tupleCol
	var err error
	if m.oldKind != 0 {
		fill = m.oldTuple
		if before, err = d.row(t, lsn, m.oldTuple, true, nil); err != nil {
			return out, err
		}
		if t.keySchema != nil {
			oldKey, err := d.key(t, lsn, m.oldTuple, nil)
			if err != nil {
				return out, err
			}
			newKey, err := d.key(t, lsn, m.newTuple, m.oldTuple)
			if err != nil {
				return out, err
			}
			if !sameKey(oldKey.(*connect.Struct), newKey.(*connect.Struct)) {
				return d.keyChange(out, t, lsn, m, before, oldKey, newKey)
			}
		}
		if m.oldKind == 'K' {
			before = nil // only the key was sent: Debezium emits no before image
			fill = nil
		}
	}
	after, err := d.row(t, lsn, m.newTuple, false, fill)
	if err != nil {
		return out, err
	}
	key, err := d.key(t, lsn, m.newTuple, fill)
	if err != nil {
		return out, err
	}
	env := d.envelope(t, lsn, "u", before, after, "false")
	return append(out, d.record(t.topic, t.keySchema, key, t.envelope, env, d.offset(lsn, "UPDATE"), d.headers)), nil
}

// keyChange emits a primary-key update as Debezium does: a delete carrying
// header __debezium.newkey, its tombstone, then a create carrying
// __debezium.oldkey.
func (d *Decoder) keyChange(out []*connect.Record, t *table, lsn LSN, m *pgMessage, before *connect.Struct, oldKey, newKey any) ([]*connect.Record, error) {
	dh := append(d.headers[:len(d.headers):len(d.headers)], connect.Header{Key: "__debezium.newkey", Schema: t.keySchema, Value: newKey})
	env := d.envelope(t, lsn, "d", before, nil, "false")
	off := d.offset(lsn, "UPDATE")
	out = append(out, d.record(t.topic, t.keySchema, oldKey, t.envelope, env, off, dh))
	if d.s.tombstones {
		out = append(out, d.record(t.topic, t.keySchema, oldKey, nil, nil, off, dh))
	}
	ch := append(d.headers[:len(d.headers):len(d.headers)], connect.Header{Key: "__debezium.oldkey", Schema: t.keySchema, Value: oldKey})
	var fill []tupleCol
	if m.oldKind == 'O' {
		fill = m.oldTuple
	}
	return d.insertTo(out, t, lsn, m.newTuple, fill, ch)
}

func sameKey(a, b *connect.Struct) bool {
	for i := range a.Values {
		if fmt.Sprint(a.Values[i]) != fmt.Sprint(b.Values[i]) {
			return false
		}
	}
	return true
}

func (d *Decoder) delete(out []*connect.Record, t *table, lsn LSN, m *pgMessage) ([]*connect.Record, error) {
	before, err := d.row(t, lsn, m.oldTuple, true, nil)
	if err != nil {
		return out, err
	}
	key, err := d.key(t, lsn, m.oldTuple, nil)
	if err != nil {
		return out, err
	}
	env := d.envelope(t, lsn, "d", before, nil, "false")
	off := d.offset(lsn, "DELETE")
	out = append(out, d.record(t.topic, t.keySchema, key, t.envelope, env, off, d.headers))
	if d.s.tombstones {
		out = append(out, d.record(t.topic, t.keySchema, key, nil, nil, off, d.headers))
	}
	return out, nil
}

func (d *Decoder) record(topic string, ks *connect.Schema, key any, vs *connect.Schema, val any, off map[string]any, h connect.Headers) *connect.Record {
	if key == nil {
		ks = nil
	}
	if v, ok := off["lsn"].(int64); ok && LSN(v) > d.emitted {
		d.emitted = LSN(v)
	}
	return &connect.Record{Topic: topic, Partition: connect.UnassignedPartition, KeySchema: ks, Key: key,
		ValueSchema: vs, Value: val, Headers: h, SourcePartition: d.partition, SourceOffset: off}
}

// offset is Debezium's PostgreSQL offset for a streamed event.
func (d *Decoder) offset(lsn LSN, msgType string) map[string]any {
	b := d.boxes()
	lb := d.lsnBox(lsn)
	off := make(map[string]any, 6)
	off["lsn_proc"], off["lsn_commit"], off["lsn"], off["ts_usec"], off["messageType"] = lb, b.commit, lb, b.tsUs, msgType
	if d.inTx {
		off["txId"] = b.txID
	}
	return off
}

// boxed holds interface values shared by every event of a transaction, so
// each event does not allocate them again (records are immutable, so
// sharing is safe).
type boxed struct {
	xid, commitUs        int64
	lastCommit           LSN
	txID                 any // int64
	tsMs, tsUs, tsNs     any // commit time
	commit               any // lastCommit as int64
	nowMs                int64
	nowMsB, nowUs, nowNs any
	lsn                  LSN
	lsnB                 any
}

func (d *Decoder) boxes() *boxed {
	b := &d.box
	if b.txID == nil || b.xid != int64(d.xid) || b.commitUs != d.commitUs {
		b.xid, b.commitUs = int64(d.xid), d.commitUs
		b.txID, b.tsMs, b.tsUs, b.tsNs = int64(d.xid), d.commitUs/1000, d.commitUs, d.commitUs*1000
	}
	if b.commit == nil || b.lastCommit != d.lastCommit {
		b.lastCommit, b.commit = d.lastCommit, int64(d.lastCommit)
	}
	return b
}

func (d *Decoder) lsnBox(lsn LSN) any {
	b := &d.box
	if b.lsnB == nil || b.lsn != lsn {
		b.lsn, b.lsnB = lsn, int64(lsn)
	}
	return b.lsnB
}

// nowBoxes returns the processing time as ts_ms, ts_us, ts_ns, refreshed
// every millisecond (finer resolution would cost three allocations per event).
func (d *Decoder) nowBoxes() (any, any, any) {
	b := &d.box
	now := d.now()
	if ms := now.UnixMilli(); b.nowMsB == nil || ms != b.nowMs {
		b.nowMs, b.nowMsB, b.nowUs, b.nowNs = ms, ms, now.UnixMicro(), now.UnixNano()
	}
	return b.nowMsB, b.nowUs, b.nowNs
}

func (d *Decoder) source(t *table, lsn LSN, snapshot string) *connect.Struct {
	return d.sourceInto(new(connect.Struct), make([]any, len(sourceSchema.Fields)), t, lsn, snapshot)
}

// sourceInto fills the source block into caller-provided memory.
func (d *Decoder) sourceInto(st *connect.Struct, vals []any, t *table, lsn LSN, snapshot string) *connect.Struct {
	schema, name := "", ""
	if t != nil {
		schema, name = t.rel.Schema, t.rel.Name
	}
	var buf [48]byte
	seq := append(buf[:0], '[')
	if d.lastCommit != 0 {
		seq = append(seq, '"')
		seq = strconv.AppendUint(seq, uint64(d.lastCommit), 10)
		seq = append(seq, '"')
	} else {
		seq = append(seq, "null"...)
	}
	seq = append(seq, ',', '"')
	seq = strconv.AppendUint(seq, uint64(lsn), 10)
	seq = append(seq, '"', ']')
	b := d.boxes()
	var txID any
	if d.inTx {
		txID = b.txID
	}
	vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6] = DebeziumVersion, "postgresql", d.s.prefix, b.tsMs, snapshot, d.db, string(seq)
	vals[7], vals[8], vals[9], vals[10], vals[11], vals[12] = b.tsUs, b.tsNs, schema, name, txID, d.lsnBox(lsn)
	vals[13], vals[14], vals[15] = nil, nil, nil
	st.Schema, st.Values = sourceSchema, vals
	return st
}

func (d *Decoder) envelope(t *table, lsn LSN, op string, before, after *connect.Struct, snapshot string) *connect.Struct {
	var tx any
	if d.s.txMetadata && d.inTx {
		d.order++
		if _, seen := d.perTable[t.fqn]; !seen {
			d.tableOrder = append(d.tableOrder, t.fqn)
		}
		d.perTable[t.fqn]++
		tx = &connect.Struct{Schema: blockSchema, Values: []any{d.txID(), d.order, d.perTable[t.fqn]}}
	}
	var b, a any
	if before != nil {
		b = before
	}
	if after != nil {
		a = after
	}
	// one allocation for both structs and one for both value slices
	env := d.takeStruct()
	vals := d.takeVals(8 + len(sourceSchema.Fields))
	src := d.sourceInto(d.takeStruct(), vals[8:], t, lsn, snapshot)
	ms, us, ns := d.nowBoxes()
	vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6], vals[7] = b, a, src, tx, op, ms, us, ns
	env.Schema, env.Values = t.envelope, vals[:8:8]
	return env
}

func (d *Decoder) txID() string {
	return strconv.FormatUint(uint64(d.xid), 10) + ":" + strconv.FormatUint(uint64(d.beginLSN), 10)
}

// txRecord is a transaction metadata event (provide.transaction.metadata).
func (d *Decoder) txRecord(status string, lsn LSN) *connect.Record {
	v := &connect.Struct{Schema: txValueSchema, Values: []any{status, d.txID(), nil, nil, d.commitUs / 1000}}
	msgType := "BEGIN"
	off := d.offset(lsn, msgType)
	if status == "END" {
		v.Values[2] = d.order
		cols := make([]any, len(d.tableOrder))
		for i, n := range d.tableOrder {
			cols[i] = &connect.Struct{Schema: txCollectionSchema, Values: []any{n, d.perTable[n]}}
		}
		v.Values[3] = cols
		off["messageType"] = "COMMIT"
		// the transaction is complete: its end may be confirmed
		off["lsn_commit"], off["lsn_proc"] = int64(lsn), int64(lsn)
	}
	key := &connect.Struct{Schema: txKeySchema, Values: []any{d.txID()}}
	return d.record(d.s.txTopic, txKeySchema, key, txValueSchema, v, off, d.headers)
}

func (d *Decoder) message(lsn LSN, m *pgMessage) *connect.Record {
	var content any = append([]byte(nil), m.content...)
	if d.s.binMode != binaryBytes {
		c, _ := d.convBytea(append([]byte(`\x`), []byte(fmt.Sprintf("%x", m.content))...))
		content = c
	}
	msgSchema := messageSchema
	if d.s.binMode != binaryBytes {
		msgSchema = messageStringSchema
	}
	inTx := d.inTx
	if !m.transactional {
		d.inTx = false // non-transactional messages carry no txId
	}
	src := d.source(nil, lsn, "false")
	var tx any
	if d.s.txMetadata && d.inTx {
		d.order++
		tx = &connect.Struct{Schema: blockSchema, Values: []any{d.txID(), d.order, d.order}}
	}
	off := d.offset(lsn, "MESSAGE")
	d.inTx = inTx
	vs := messageValueSchema
	if d.s.binMode != binaryBytes {
		vs = messageValueStringSchema
	}
	now := d.now()
	v := &connect.Struct{Schema: vs, Values: []any{"m", now.UnixMilli(), src, tx,
		&connect.Struct{Schema: msgSchema, Values: []any{m.prefix, content}}}}
	key := &connect.Struct{Schema: messageKeySchema, Values: []any{m.prefix}}
	return d.record(d.s.prefix+".message", messageKeySchema, key, vs, v, off, d.headers)
}

// heartbeat is a record whose offset confirms lsn: the stream is between
// transactions and everything before lsn has been emitted.
func (d *Decoder) heartbeat(lsn LSN) *connect.Record {
	if lsn > d.lastCommit {
		d.lastCommit = lsn
	}
	now := d.now()
	off := map[string]any{"lsn_proc": int64(d.lastCommit), "lsn_commit": int64(d.lastCommit), "lsn": int64(d.lastCommit),
		"ts_usec": now.UnixMicro(), "messageType": "HEARTBEAT"}
	key := &connect.Struct{Schema: heartbeatKeySchema, Values: []any{d.s.prefix}}
	v := &connect.Struct{Schema: heartbeatValueSchema, Values: []any{now.UnixMilli()}}
	r := d.record(d.s.heartbeatTopic, heartbeatKeySchema, key, heartbeatValueSchema, v, off, nil)
	return r
}

// takeVals returns n values from the current event's chunk, or new ones.
func (d *Decoder) takeVals(n int) []any {
	if len(d.chunkVals) >= n {
		v := d.chunkVals[:n:n]
		d.chunkVals = d.chunkVals[n:]
		return v
	}
	return make([]any, n)
}

// takeStruct returns a struct from the current event's chunk, or a new one.
func (d *Decoder) takeStruct() *connect.Struct {
	if len(d.chunkStructs) > 0 {
		st := &d.chunkStructs[0]
		d.chunkStructs = d.chunkStructs[1:]
		return st
	}
	return new(connect.Struct)
}

// Snapshot rows.

// snapshotRecord builds an op=r event from a row read in text format (nil
// = NULL). marker is source.snapshot (first, true, last, …).
func (d *Decoder) snapshotRecord(t *table, vals [][]byte, marker string, off map[string]any, tup []tupleCol) (*connect.Record, []tupleCol, error) {
	tup = tup[:0]
	for _, v := range vals {
		if v == nil {
			tup = append(tup, tupleCol{kind: colNull})
		} else {
			tup = append(tup, tupleCol{kind: colText, data: v})
		}
	}
	lsn := LSN(0)
	if n, ok := off["lsn"].(int64); ok {
		lsn = LSN(n)
	}
	// source.ts_ms of a snapshot event is the time it was read
	d.commitUs = d.now().UnixMicro()
	after, err := d.row(t, lsn, tup, false, nil)
	if err != nil {
		return nil, tup, err
	}
	key, err := d.key(t, lsn, tup, nil)
	if err != nil {
		return nil, tup, err
	}
	env := d.envelope(t, lsn, "r", nil, after, marker)
	src := env.Values[2].(*connect.Struct)
	src.Values[11] = nil // txId
	src.Values[6] = nil  // sequence
	return d.record(t.topic, t.keySchema, key, t.envelope, env, off, d.headers), tup, nil
}
