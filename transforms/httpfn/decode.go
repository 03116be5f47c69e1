package httpfn

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/box"
)

// The answer used to be decoded with connect.ParseJSON (encoding/json into
// interface{}), a fifth of the transform's CPU. parseJSON builds the same
// values (map[string]any, []any, string, json.Number, bool, nil) in one
// pass, with object keys interned. Whatever it does not accept, invalid
// JSON but also odd valid input such as invalid UTF-8 in strings, goes to
// connect.ParseJSON, so values and error messages stay exactly as before.
//
// An object under a member of an event's data that is byte for byte the
// one under the same member of the event before (a dts event's table
// schema, which is most of its bytes) is not decoded again: the two
// records share the map, as the dts source's records do. Records are never
// changed after hand-off, so sharing is safe.

// maxDecodeDepth is encoding/json's nesting limit.
const maxDecodeDepth = 10000

// maxInterned bounds a decoder's key cache: keys are few (the CloudEvents
// attributes and the data's field names), but an answer could make every
// key unique.
const maxInterned = 4096

// maxInternedValues bounds the caches of string and number values. Unlike
// keys, values are often new in every event (ids, offsets, order numbers)
// and only a few repeat: a small map stays in the CPU's caches. With 4096
// entries the lookups were a third of reading a dts answer in the
// example pipeline (BenchmarkPipeline's CPU profile), with 256 a tenth.
const maxInternedValues = 256

// maxInternedValue is the longest string or number value interned.
const maxInternedValue = 32

// dataDepth is the depth of an event's data object in the answer (the
// array is 1, each event 2).
const dataDepth = 3

// minReused is the size from which an object under data is remembered
// for reuse.
const minReused = 64

// decoders keeps decoders, with their interned keys and values, between
// calls. The zero value is ready to use.
type decoders struct{ pool sync.Pool }

// get returns a decoder for one caller.
func (p *decoders) get() *decoder {
	d, _ := p.pool.Get().(*decoder)
	if d == nil {
		d = &decoder{keys: map[string]string{}, values: map[string]any{}, numbers: map[string]any{}, prev: map[string]prevObject{}}
	}
	return d
}

// put returns d, whose events are no longer read, to the pool.
func (p *decoders) put(d *decoder) {
	clear(d.events)
	d.events, d.ends = d.events[:0], d.ends[:0]
	p.pool.Put(d)
}

// parseJSON decodes data as connect.ParseJSON does.
func (p *decoders) parseJSON(data []byte) (any, error) {
	d := p.get()
	defer p.put(d)
	return d.parseJSON(data)
}

// parseJSON decodes data as connect.ParseJSON does.
func (d *decoder) parseJSON(data []byte) (any, error) {
	d.data, d.pos = data, 0
	v, ok := d.value(0)
	if ok {
		d.ws()
		ok = d.pos == len(data)
	}
	d.done()
	if ok {
		return v, nil
	}
	return connect.ParseJSON(data)
}

// done ends a pass over d.data: nothing may point into it afterwards.
func (d *decoder) done() {
	d.data = nil
	clear(d.prev) // it points into data
	clear(d.stack)
	d.stack = d.stack[:0]
	clear(d.mstack)
	d.mstack = d.mstack[:0]
}

// readEvents decodes data when it is a JSON array of objects, the usual
// answer, without building a map of each event: toRecord reads an
// event's members once, in key order, and keeps only their values. Event
// i's members are then event(i), sorted by key, with only the last of a
// repeated key (the member a map would keep). ok is false for any other
// answer, and for what parseJSON would leave to connect.ParseJSON; the
// caller then takes parseJSON's values (and errors).
func (d *decoder) readEvents(data []byte) (n int, ok bool) {
	d.data, d.pos = data, 0
	ok = d.eventArray()
	if ok {
		d.ws()
		ok = d.pos == len(data)
	}
	d.done()
	if !ok {
		clear(d.events)
		d.events, d.ends = d.events[:0], d.ends[:0]
		return 0, false
	}
	return len(d.ends), true
}

// event returns the members of the answer's event i (see readEvents).
func (d *decoder) event(i int) []member {
	start := 0
	if i > 0 {
		start = d.ends[i-1]
	}
	return d.events[start:d.ends[i]]
}

// eventArray reads an array of objects into d.events.
func (d *decoder) eventArray() bool {
	d.ws()
	if d.pos >= len(d.data) || d.data[d.pos] != '[' {
		return false
	}
	d.pos++
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return true
	}
	for {
		d.ws()
		if d.pos >= len(d.data) || d.data[d.pos] != '{' {
			return false
		}
		// The depth of an element: the array is 1.
		base, ok := d.readMembers(2)
		if !ok {
			return false
		}
		ms := d.mstack[base:]
		slices.SortStableFunc(ms, func(a, b member) int { return strings.Compare(a.k, b.k) })
		for i, m := range ms {
			if i+1 < len(ms) && ms[i+1].k == m.k {
				continue // a later one wins
			}
			d.events = append(d.events, m)
		}
		d.ends = append(d.ends, len(d.events))
		clear(ms)
		d.mstack = d.mstack[:base]
		d.ws()
		if d.pos >= len(d.data) {
			return false
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return true
		default:
			return false
		}
	}
}

// decoder is one pass over data. It is not safe for concurrent use.
type decoder struct {
	data    []byte
	pos     int
	stack   []any             // elements of the arrays being read
	buf     []byte            // a string being unescaped
	keys    map[string]string // interned object keys
	values  map[string]any    // interned short string values
	numbers map[string]any    // interned short numbers
	prev    map[string]prevObject
	mstack  []member // members of the objects being read
	guess   [guessDepths]keyGuess

	// The events of an answer (see readEvents): their members, and where
	// each event's end.
	events []member
	ends   []int

	// Strings and numbers of the answer, boxed in shared append-only
	// slabs rather than with two allocations each (the text and the
	// interface's copy of the string header): box.Arena copies the bytes
	// out of data, which is reused, and never reuses a slab. Interned
	// values have an arena of their own, so that the few kept in the
	// maps above do not keep whole slabs of other values alive.
	arena, interned box.Arena
}

// prevObject is the last object read under a member of data.
type prevObject struct {
	raw []byte // its text, in data
	v   any
}

func (d *decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// value reads the value at d.pos (after whitespace); ok is false where
// encoding/json would fail or could decode differently.
func (d *decoder) value(depth int) (any, bool) {
	d.ws()
	if d.pos >= len(d.data) {
		return nil, false
	}
	switch c := d.data[d.pos]; c {
	case '{':
		return d.object(depth + 1)
	case '[':
		return d.array(depth + 1)
	case '"':
		return d.strValue()
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	default:
		if c != '-' && !isDigit(c) {
			return nil, false
		}
		end, ok := numberLen(d.data, d.pos)
		if !ok {
			return nil, false
		}
		b := d.data[d.pos:end]
		d.pos = end
		return d.internValue(d.numbers, b, true), true
	}
}

func (d *decoder) literal(lit string) bool {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		return false
	}
	d.pos += len(lit)
	return true
}

// object reads an object into a map made for its number of members, so
// that one of more than 8 does not grow.
func (d *decoder) object(depth int) (any, bool) {
	base, ok := d.readMembers(depth)
	if !ok {
		return nil, false
	}
	ms := d.mstack[base:]
	m := make(map[string]any, len(ms))
	for _, e := range ms {
		m[e.k] = e.v // a repeated key: the last wins, as in encoding/json
	}
	clear(ms)
	d.mstack = d.mstack[:base]
	return m, true
}

// guessDepths is the number of depths whose objects' keys are guessed.
const guessDepths = 8

// keyGuess guesses the keys of an object from the last object read at the
// same depth: the objects at one depth of an answer mostly have the same
// keys in the same order (the events, their data, the rows' images), and
// comparing a key with the one guessed costs less than looking it up.
type keyGuess struct {
	last, cur []string // the keys of the last object, of this one so far
	next      int      // the index in last of the key guessed next
}

// key returns b, a key of the object being read, as a string.
func (g *keyGuess) key(d *decoder, b []byte) string {
	var k string
	if g.next < len(g.last) && g.last[g.next] == string(b) {
		k = g.last[g.next]
		g.next++
	} else {
		k = d.intern(b)
		g.next = 0 // go on after k in last, if it is there
		for i, l := range g.last {
			if l == k {
				g.next = i + 1
				break
			}
		}
	}
	g.cur = append(g.cur, k)
	return k
}

// readMembers reads the object at d.pos (at depth) and pushes its
// members, in their order, on d.mstack from base on.
func (d *decoder) readMembers(depth int) (base int, ok bool) {
	base = len(d.mstack)
	if depth > maxDecodeDepth {
		return base, false
	}
	var g *keyGuess
	if depth < guessDepths {
		g = &d.guess[depth]
		g.cur, g.next = g.cur[:0], 0
	}
	d.pos++ // {
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return base, true
	}
	for {
		d.ws()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return base, false
		}
		b, ok := d.strBytes()
		if !ok {
			return base, false
		}
		var k string
		if g != nil {
			k = g.key(d, b)
		} else {
			k = d.intern(b)
		}
		d.ws()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return base, false
		}
		d.pos++
		var v any
		if depth == dataDepth {
			v, ok = d.dataMember(k, depth)
		} else {
			v, ok = d.value(depth)
		}
		if !ok {
			return base, false
		}
		d.mstack = append(d.mstack, member{k, v})
		d.ws()
		if d.pos >= len(d.data) {
			return base, false
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			if g != nil {
				g.last, g.cur = g.cur, g.last
			}
			return base, true
		default:
			return base, false
		}
	}
}

func (d *decoder) array(depth int) (any, bool) {
	if depth > maxDecodeDepth {
		return nil, false
	}
	d.pos++ // [
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return []any{}, true // empty, not nil, as encoding/json
	}
	base := len(d.stack)
	for {
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		d.stack = append(d.stack, v)
		d.ws()
		if d.pos >= len(d.data) {
			return nil, false
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			continue
		case ']':
			d.pos++
		default:
			return nil, false
		}
		out := make([]any, len(d.stack)-base)
		copy(out, d.stack[base:])
		clear(d.stack[base:])
		d.stack = d.stack[:base]
		return out, true
	}
}

// strBytes reads the string at d.pos and returns its text: in data, or
// in d.buf (until the next string) when it has escapes.
func (d *decoder) strBytes() ([]byte, bool) {
	start := d.pos + 1
	ascii := true
	for i := start; i < len(d.data); i++ {
		for i < len(d.data) && plainByte[d.data[i]] {
			i++
		}
		if i == len(d.data) {
			break
		}
		switch c := d.data[i]; {
		case c == '"':
			b := d.data[start:i]
			if !ascii && !utf8.Valid(b) {
				return nil, false // encoding/json replaces the bad bytes
			}
			d.pos = i + 1
			return b, true
		case c == '\\':
			return d.unescape(start, i, ascii)
		case c < 0x20:
			return nil, false
		default: // c >= utf8.RuneSelf
			ascii = false
		}
	}
	return nil, false
}

// plainByte[c] is true for the bytes that stand for themselves in a JSON
// string and need no further check: ASCII but '"', '\\' and control
// characters.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// unescape reads the rest of a string that has an escape at i into
// d.buf; ascii says whether the bytes before it are.
func (d *decoder) unescape(start, i int, ascii bool) ([]byte, bool) {
	b := append(d.buf[:0], d.data[start:i]...)
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.buf = b
			if !ascii && !utf8.Valid(b) {
				return nil, false
			}
			d.pos = i + 1
			return b, true
		case c < 0x20:
			return nil, false
		case c != '\\':
			if c >= utf8.RuneSelf {
				ascii = false
			}
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(d.data) {
			return nil, false
		}
		switch e := d.data[i+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hex4(d.data, i+2)
			if r < 0 {
				return nil, false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				// As encoding/json: a valid pair is one rune, a lone half
				// is U+FFFD (and a following \u escape stands alone).
				if i+1 < len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
					if r2 := hex4(d.data, i+2); r2 >= 0 {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							b = utf8.AppendRune(b, dec)
							i += 6
							continue
						}
					} else {
						return nil, false
					}
				}
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
			continue
		default:
			return nil, false
		}
		i += 2
	}
	d.buf = b
	return nil, false
}

// hex4 is the rune of the four hex digits at data[i:], or -1.
func hex4(data []byte, i int) rune {
	if i+4 > len(data) {
		return -1
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// strValue reads a string value. Short ones are interned with their
// interface value: attribute values and enum-like fields repeat in every
// event.
func (d *decoder) strValue() (any, bool) {
	start := d.pos + 1
	i := start
	for i < len(d.data) && plainByte[d.data[i]] {
		i++
	}
	if i == len(d.data) || d.data[i] != '"' {
		// Escapes, non-ASCII text, or an error.
		b, ok := d.strBytes()
		if !ok {
			return nil, false
		}
		return d.arena.Text(b), true
	}
	d.pos = i + 1
	return d.internValue(d.values, d.data[start:i], false), true
}

// internValue returns b as a string, or a json.Number if number, boxed.
// A short one is shared, through m, with earlier values of its text.
func (d *decoder) internValue(m map[string]any, b []byte, number bool) any {
	if len(b) > maxInternedValue {
		if number {
			return d.arena.Number(b)
		}
		return d.arena.Text(b)
	}
	if v, ok := m[string(b)]; ok {
		return v
	}
	if len(m) >= maxInternedValues {
		clear(m)
	}
	var v any
	var text string // v's own text as the key: no copy of b
	if number {
		v = d.interned.Number(b)
		text = string(v.(json.Number))
	} else {
		v = d.interned.Text(b)
		text = v.(string)
	}
	m[text] = v
	return v
}

// dataMember reads the value of data's member k. An object that is the
// text of the last one under k is that one's value: a complete JSON value
// ends where its text ends, so equal text is an equal value.
func (d *decoder) dataMember(k string, depth int) (any, bool) {
	d.ws()
	if d.pos >= len(d.data) || d.data[d.pos] != '{' {
		return d.value(depth)
	}
	if p, ok := d.prev[k]; ok && bytes.HasPrefix(d.data[d.pos:], p.raw) {
		d.pos += len(p.raw)
		return p.v, true
	}
	start := d.pos
	v, ok := d.object(depth + 1)
	if ok && d.pos-start >= minReused {
		d.prev[k] = prevObject{d.data[start:d.pos], v}
	}
	return v, ok
}

// intern returns b as a string, shared with earlier keys of the same text.
func (d *decoder) intern(b []byte) string {
	if s, ok := d.keys[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.keys) >= maxInterned {
		clear(d.keys)
	}
	d.keys[s] = s
	return s
}
