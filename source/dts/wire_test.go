package dts

import (
	"testing"
	"unicode/utf8"
)

// TestWireCountsPosition: the counted position follows the Reader through
// varints, strings and block headers, and counting stops when a varint is
// longer than its shortest encoding (the count would be short) or a read
// fails.
func TestWireCountsPosition(t *testing.T) {
	tests := []struct {
		name    string
		datum   []byte
		read    func(w *wire)
		pos     int
		counted bool
	}{
		{"one-byte long", []byte{0x02, 0x7f}, func(w *wire) { w.long() }, 1, true},
		{"three-byte long", []byte{0x80, 0x80, 0x01, 0x00}, func(w *wire) { w.long() }, 3, true},
		{"negative long", []byte{0x01}, func(w *wire) { w.long() }, 1, true},
		{"padded zero", []byte{0x80, 0x00, 0x02}, func(w *wire) { w.long() }, 0, false},
		{"padded one", []byte{0x82, 0x80, 0x00}, func(w *wire) { w.int() }, 0, false},
		{"string", []byte{0x06, 'a', 'b', 'c', 0x00}, func(w *wire) { w.bytes() }, 4, true},
		{"skipped string", []byte{0x06, 'a', 'b', 'c'}, func(w *wire) { w.skip() }, 4, true},
		{"block with size", []byte{0x03, 0x04, 'x', 'y'}, func(w *wire) { total := 0; w.block(&total) }, 2, true},
		{"padded block size", []byte{0x03, 0x84, 0x00, 'x', 'y'}, func(w *wire) { total := 0; w.block(&total) }, 0, false},
		{"short datum", []byte{0x80}, func(w *wire) { w.long() }, 0, false},
		{"short string", []byte{0x06, 'a'}, func(w *wire) { w.bytes() }, 0, false},
	}
	for _, tt := range tests {
		var w wire
		w.reset(tt.datum)
		tt.read(&w)
		if w.counted() != tt.counted || (tt.counted && w.pos != tt.pos) {
			t.Errorf("%s: counted %v at %d, want %v at %d", tt.name, w.counted(), w.pos, tt.counted, tt.pos)
		}
	}
}

func TestValidUTF8(t *testing.T) {
	for _, s := range []string{"", "a", "NO-000042", "héllo", "\xff", "abc\xc3", "0123456789abcdef", "0123456789abcdefé",
		"0123456789abcdef\x80", "日本語のテキスト", "\xed\xa0\x80"} {
		if got, want := validUTF8([]byte(s)), utf8.ValidString(s); got != want {
			t.Errorf("validUTF8(%q) = %v, want %v", s, got, want)
		}
	}
}
