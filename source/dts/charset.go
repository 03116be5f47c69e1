package dts

import (
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// charsetEncodings maps MySQL (and PostgreSQL) character set names, lower
// case without '-' or '_', to Go decoders. UTF-8 and ASCII are handled
// before the lookup. MySQL's "latin1" is really Windows-1252.
var charsetEncodings = map[string]encoding.Encoding{
	"latin1":   charmap.Windows1252,
	"cp1252":   charmap.Windows1252,
	"latin2":   charmap.ISO8859_2,
	"latin5":   charmap.ISO8859_9,
	"latin7":   charmap.ISO8859_13,
	"greek":    charmap.ISO8859_7,
	"hebrew":   charmap.ISO8859_8,
	"cp1250":   charmap.Windows1250,
	"cp1251":   charmap.Windows1251,
	"cp1256":   charmap.Windows1256,
	"cp1257":   charmap.Windows1257,
	"cp866":    charmap.CodePage866,
	"cp852":    charmap.CodePage852,
	"cp850":    charmap.CodePage850,
	"koi8r":    charmap.KOI8R,
	"koi8u":    charmap.KOI8U,
	"macroman": charmap.Macintosh,
	"tis620":   charmap.Windows874,
	"gbk":      simplifiedchinese.GBK,
	"gb2312":   simplifiedchinese.GBK,
	"gb18030":  simplifiedchinese.GB18030,
	"big5":     traditionalchinese.Big5,
	"sjis":     japanese.ShiftJIS,
	"cp932":    japanese.ShiftJIS,
	"ujis":     japanese.EUCJP,
	"eucjpms":  japanese.EUCJP,
	"euckr":    korean.EUCKR,
	"utf16":    unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
	"ucs2":     unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
	"utf16le":  unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
	"utf32":    utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM),
}

// charsetCache keeps one decoder per charset; x/text decoders are stateful
// and not safe for concurrent use, like the Decoder that owns the cache.
type charsetCache map[string]*encoding.Decoder

func normCharset(cs string) string {
	cs = strings.ToLower(cs)
	if strings.ContainsAny(cs, "-_") {
		cs = strings.NewReplacer("-", "", "_", "").Replace(cs)
	}
	return cs
}

// decode renders Character bytes as text in their charset. The "binary"
// charset is bytes, rendered as Base64 like BLOBs. Bytes that are invalid in
// their charset, and unknown charsets, get the SDK's lossless form
// <charset>_'<hex>'; an empty charset is UTF-8 when valid, else hex (SDK).
func (c *charsetCache) decode(charset string, s string) string {
	switch charset {
	case "utf8mb4", "utf8", "utf8mb3", "UTF8", "ascii":
		if utf8.ValidString(s) {
			return s
		}
	}
	b := []byte(s)
	cs := normCharset(charset)
	switch cs {
	case "utf8mb4", "utf8", "utf8mb3", "ascii", "sqlascii", "":
		if utf8.ValidString(s) {
			return s
		}
		if cs == "" {
			return hex.EncodeToString(b)
		}
		return charset + "_'" + hex.EncodeToString(b) + "'"
	case "binary":
		return b64(b)
	}
	if *c == nil {
		*c = make(charsetCache)
	}
	dec, ok := (*c)[cs]
	if !ok {
		if enc, known := charsetEncodings[cs]; known {
			dec = enc.NewDecoder()
		}
		(*c)[cs] = dec
	}
	if dec == nil {
		return charset + "_'" + hex.EncodeToString(b) + "'"
	}
	out, err := dec.Bytes(b)
	if err != nil || !utf8.Valid(out) {
		return charset + "_'" + hex.EncodeToString(b) + "'"
	}
	return string(out)
}
