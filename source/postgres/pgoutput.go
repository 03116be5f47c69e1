package postgres

import (
	"encoding/binary"
	"fmt"
)

// This file parses pgoutput protocol version 1 messages (the payload of
// XLogData). It is pure and bounds-checked: malformed input is an error,
// never a panic. Values stay slices of the input buffer (no copies): the
// decoder converts them before the buffer is reused.

// LSN is a PostgreSQL WAL position.
type LSN uint64

// String formats an LSN as PostgreSQL does (16/B374D848).
func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint32(l>>32), uint32(l)) }

// Tuple column kinds.
const (
	colNull      = 'n'
	colUnchanged = 'u' // an unchanged TOASTed value that was not sent
	colText      = 't'
	colBinary    = 'b'
)

type tupleCol struct {
	kind byte
	data []byte
}

type relColumn struct {
	flags  byte // 1 = part of the replica identity
	name   string
	typOID uint32
	typMod int32
}

type pgMessage struct {
	kind byte

	// B, C
	finalLSN, commitLSN, endLSN LSN
	commitTime                  int64 // µs since 2000-01-01
	xid                         uint32

	// R, Y
	relID       uint32
	namespace   string
	name        string
	replicaID   byte
	columns     []relColumn
	typOID      uint32
	oldKind     byte // U, D: 'K', 'O' or 0
	oldTuple    []tupleCol
	newTuple    []tupleCol
	truncOpts   byte
	truncRelIDs []uint32

	// M
	transactional bool
	msgLSN        LSN
	prefix        string
	content       []byte
}

type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("pgoutput: truncated message: no room for %s at byte %d of %d", what, r.off, len(r.b))
	}
}

func (r *reader) u8(what string) byte {
	if r.err != nil || r.off+1 > len(r.b) {
		r.fail(what)
		return 0
	}
	v := r.b[r.off]
	r.off++
	return v
}

func (r *reader) u16(what string) uint16 {
	if r.err != nil || r.off+2 > len(r.b) {
		r.fail(what)
		return 0
	}
	v := binary.BigEndian.Uint16(r.b[r.off:])
	r.off += 2
	return v
}

func (r *reader) u32(what string) uint32 {
	if r.err != nil || r.off+4 > len(r.b) {
		r.fail(what)
		return 0
	}
	v := binary.BigEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *reader) u64(what string) uint64 {
	if r.err != nil || r.off+8 > len(r.b) {
		r.fail(what)
		return 0
	}
	v := binary.BigEndian.Uint64(r.b[r.off:])
	r.off += 8
	return v
}

func (r *reader) bytes(n int, what string) []byte {
	if r.err != nil || n < 0 || r.off+n > len(r.b) || r.off+n < r.off {
		r.fail(what)
		return nil
	}
	v := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return v
}

// cstring reads a NUL-terminated string.
func (r *reader) cstring(what string) string {
	if r.err != nil {
		return ""
	}
	for i := r.off; i < len(r.b); i++ {
		if r.b[i] == 0 {
			s := string(r.b[r.off:i])
			r.off = i + 1
			return s
		}
	}
	if r.err == nil {
		r.err = fmt.Errorf("pgoutput: %s is not NUL-terminated", what)
	}
	return ""
}

// tuple reads TupleData into buf (reused across messages).
func (r *reader) tuple(buf []tupleCol) []tupleCol {
	n := int(r.u16("tuple column count"))
	if r.err != nil {
		return buf[:0]
	}
	if n > len(r.b) { // each column takes at least one byte
		r.err = fmt.Errorf("pgoutput: tuple claims %d columns in a %d-byte message", n, len(r.b))
		return buf[:0]
	}
	buf = buf[:0]
	for i := 0; i < n && r.err == nil; i++ {
		c := tupleCol{kind: r.u8("column kind")}
		switch c.kind {
		case colText, colBinary:
			l := r.u32("column length")
			if l > uint32(len(r.b)) {
				r.err = fmt.Errorf("pgoutput: column %d claims %d bytes in a %d-byte message", i, l, len(r.b))
				break
			}
			c.data = r.bytes(int(l), "column value")
		case colNull, colUnchanged:
		default:
			if r.err == nil {
				r.err = fmt.Errorf("pgoutput: column %d has unknown kind %q", i, c.kind)
			}
		}
		buf = append(buf, c)
	}
	return buf
}

// parse parses one pgoutput message into m, reusing m's tuple buffers.
func parse(data []byte, m *pgMessage) error {
	if len(data) == 0 {
		return fmt.Errorf("pgoutput: empty message")
	}
	r := reader{b: data, off: 1}
	m.kind = data[0]
	switch m.kind {
	case 'B':
		m.finalLSN = LSN(r.u64("final LSN"))
		m.commitTime = int64(r.u64("commit time"))
		m.xid = r.u32("xid")
	case 'C':
		_ = r.u8("flags")
		m.commitLSN = LSN(r.u64("commit LSN"))
		m.endLSN = LSN(r.u64("end LSN"))
		m.commitTime = int64(r.u64("commit time"))
	case 'O':
		_ = r.u64("origin LSN")
		m.name = r.cstring("origin name")
	case 'R':
		m.relID = r.u32("relation id")
		m.namespace = r.cstring("namespace")
		m.name = r.cstring("relation name")
		m.replicaID = r.u8("replica identity")
		n := int(r.u16("column count"))
		if r.err == nil && n > len(data) {
			return fmt.Errorf("pgoutput: relation claims %d columns in a %d-byte message", n, len(data))
		}
		m.columns = make([]relColumn, 0, n)
		for i := 0; i < n && r.err == nil; i++ {
			var c relColumn
			c.flags = r.u8("column flags")
			c.name = r.cstring("column name")
			c.typOID = r.u32("column type")
			c.typMod = int32(r.u32("column type modifier"))
			m.columns = append(m.columns, c)
		}
	case 'Y':
		m.typOID = r.u32("type id")
		m.namespace = r.cstring("type namespace")
		m.name = r.cstring("type name")
	case 'I':
		m.relID = r.u32("relation id")
		if k := r.u8("tuple kind"); r.err == nil && k != 'N' {
			return fmt.Errorf("pgoutput: insert: expected tuple kind 'N', got %q", k)
		}
		m.newTuple = r.tuple(m.newTuple)
	case 'U':
		m.relID = r.u32("relation id")
		m.oldKind = 0
		m.oldTuple = m.oldTuple[:0]
		k := r.u8("tuple kind")
		if k == 'K' || k == 'O' {
			m.oldKind = k
			m.oldTuple = r.tuple(m.oldTuple)
			k = r.u8("new tuple kind")
		}
		if r.err == nil && k != 'N' {
			return fmt.Errorf("pgoutput: update: expected tuple kind 'N', got %q", k)
		}
		m.newTuple = r.tuple(m.newTuple)
	case 'D':
		m.relID = r.u32("relation id")
		m.oldKind = r.u8("tuple kind")
		if r.err == nil && m.oldKind != 'K' && m.oldKind != 'O' {
			return fmt.Errorf("pgoutput: delete: expected tuple kind 'K' or 'O', got %q", m.oldKind)
		}
		m.oldTuple = r.tuple(m.oldTuple)
	case 'T':
		n := r.u32("relation count")
		m.truncOpts = r.u8("truncate options")
		if r.err == nil && uint64(n)*4 > uint64(len(data)) {
			return fmt.Errorf("pgoutput: truncate claims %d relations in a %d-byte message", n, len(data))
		}
		m.truncRelIDs = m.truncRelIDs[:0]
		for i := uint32(0); i < n && r.err == nil; i++ {
			m.truncRelIDs = append(m.truncRelIDs, r.u32("relation id"))
		}
	case 'M':
		m.transactional = r.u8("flags")&1 == 1
		m.msgLSN = LSN(r.u64("message LSN"))
		m.prefix = r.cstring("message prefix")
		n := r.u32("content length")
		if r.err == nil && n > uint32(len(data)) {
			return fmt.Errorf("pgoutput: message content claims %d bytes in a %d-byte message", n, len(data))
		}
		m.content = r.bytes(int(n), "message content")
	default:
		return fmt.Errorf("pgoutput: unsupported message type %q (streamed transactions need protocol version 2, which inlet does not request)", m.kind)
	}
	return r.err
}
