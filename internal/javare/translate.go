package javare

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Java escapes that Go writes differently. Java's \s includes \x0B (VT),
// Go's does not; \h and \v are Java's horizontal and vertical whitespace.
const (
	javaSpace  = `\t\n\x0B\f\r `
	javaHSpace = `\t \x{A0}\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}`
	javaVSpace = `\n\x0B\f\r\x{85}\x{2028}\x{2029}`
)

// posixClasses maps Java's \p{Name} POSIX classes (ASCII-only in Java
// unless UNICODE_CHARACTER_CLASS is set) to Go's ASCII classes.
var posixClasses = map[string]string{
	"Lower": "lower", "Upper": "upper", "ASCII": "ascii", "Alpha": "alpha", "Digit": "digit",
	"Alnum": "alnum", "Punct": "punct", "Graph": "graph", "Print": "print", "Blank": "blank",
	"Cntrl": "cntrl", "XDigit": "xdigit", "Space": "space",
}

// translator rewrites Java regex syntax into RE2 syntax, refusing what RE2
// cannot express. It works on bytes; multi-byte runes are copied as is.
type translator struct {
	src string
	i   int
	out strings.Builder

	// Flags that change what '.' means, scoped to groups as in Java.
	flags flagState
	stack []flagState
}

type flagState struct{ dotAll, unixLines bool }

// Java's '.' excludes every line terminator unless DOTALL (s) is set, and
// only \n under UNIX_LINES (d); Go's '.' excludes only \n. So '.' is
// written out explicitly.
const (
	javaDot     = `[^\n\r\x{85}\x{2028}\x{2029}]`
	javaDotUnix = `[^\n]`
	javaDotAll  = `(?s:.)`
)

func (t *translator) fail(off int, format string, args ...any) error {
	return &SyntaxError{Expr: t.src, Offset: off, Reason: fmt.Sprintf(format, args...)}
}

// Translate returns the RE2 form of a Java regular expression, or a
// *SyntaxError naming the construct Go cannot run.
func Translate(expr string) (string, error) {
	t := &translator{src: expr}
	if err := t.run(); err != nil {
		return "", err
	}
	return t.out.String(), nil
}

func (t *translator) run() error {
	afterQuantifier := false
	for t.i < len(t.src) {
		c := t.src[t.i]
		start := t.i
		quant := false
		switch c {
		case '\\':
			if err := t.escape(false); err != nil {
				return err
			}
		case '[':
			if err := t.class(); err != nil {
				return err
			}
		case '(':
			if err := t.group(); err != nil {
				return err
			}
		case ')':
			if n := len(t.stack); n > 0 {
				t.flags, t.stack = t.stack[n-1], t.stack[:n-1]
			}
			t.out.WriteByte(')')
			t.i++
		case '.':
			switch {
			case t.flags.dotAll:
				t.out.WriteString(javaDotAll)
			case t.flags.unixLines:
				t.out.WriteString(javaDotUnix)
			default:
				t.out.WriteString(javaDot)
			}
			t.i++
		case '*', '?':
			if afterQuantifier && c == '?' {
				// lazy modifier of the previous quantifier
				t.out.WriteByte(c)
				t.i++
				afterQuantifier = false
				if t.i < len(t.src) && t.src[t.i] == '+' {
					return t.fail(t.i, "possessive quantifiers (e.g. a*+) are not supported by Go's RE2 engine")
				}
				continue
			}
			t.out.WriteByte(c)
			t.i++
			quant = true
		case '+':
			if afterQuantifier {
				return t.fail(start, "possessive quantifiers (e.g. a*+) are not supported by Go's RE2 engine")
			}
			t.out.WriteByte(c)
			t.i++
			quant = true
		case '{':
			end := strings.IndexByte(t.src[t.i:], '}')
			if end > 0 && isRepeat(t.src[t.i+1:t.i+end]) {
				t.out.WriteString(t.src[t.i : t.i+end+1])
				t.i += end + 1
				quant = true
			} else {
				return t.fail(start, "illegal repetition: '{' must start a quantifier {n}, {n,} or {n,m}; write \\{ for a literal brace")
			}
		default:
			_, n := utf8.DecodeRuneInString(t.src[t.i:])
			t.out.WriteString(t.src[t.i : t.i+n])
			t.i += n
		}
		if quant {
			if t.i < len(t.src) && t.src[t.i] == '+' {
				return t.fail(t.i, "possessive quantifiers (e.g. a*+) are not supported by Go's RE2 engine")
			}
		}
		afterQuantifier = quant
	}
	return nil
}

func isRepeat(s string) bool {
	lo, hi, comma := s, "", false
	if i := strings.IndexByte(s, ','); i >= 0 {
		lo, hi, comma = s[:i], s[i+1:], true
	}
	if !allDigits(lo) || lo == "" {
		return false
	}
	return !comma || hi == "" || allDigits(hi)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// group handles '(' and the Java group kinds after it.
func (t *translator) group() error {
	start := t.i
	rest := t.src[t.i:]
	switch {
	case !strings.HasPrefix(rest, "(?"):
		t.stack = append(t.stack, t.flags)
		t.out.WriteByte('(')
		t.i++
		return nil
	case strings.HasPrefix(rest, "(?="), strings.HasPrefix(rest, "(?!"):
		return t.fail(start, "lookahead (?=...) / (?!...) is not supported by Go's RE2 engine")
	case strings.HasPrefix(rest, "(?<="), strings.HasPrefix(rest, "(?<!"):
		return t.fail(start, "lookbehind (?<=...) / (?<!...) is not supported by Go's RE2 engine")
	case strings.HasPrefix(rest, "(?>"):
		return t.fail(start, "atomic groups (?>...) are not supported by Go's RE2 engine")
	case strings.HasPrefix(rest, "(?:"):
		t.stack = append(t.stack, t.flags)
		t.out.WriteString("(?:")
		t.i += 3
		return nil
	case strings.HasPrefix(rest, "(?<"):
		end := strings.IndexByte(rest, '>')
		if end < 0 {
			return t.fail(start, "named capturing group is missing trailing '>'")
		}
		name := rest[3:end]
		if !validGroupName(name) {
			return t.fail(start, "named capturing group <%s> must be an ASCII letter followed by letters or digits", name)
		}
		t.stack = append(t.stack, t.flags)
		t.out.WriteString("(?P<" + name + ">")
		t.i += end + 1
		return nil
	}
	// inline flags: (?idmsuxU-idmsuxU) or (?flags:X)
	j := t.i + 2
	var flags strings.Builder
	next, neg := t.flags, false
	for ; j < len(t.src); j++ {
		f := t.src[j]
		switch f {
		case '-':
			neg = true
			flags.WriteByte(f)
		case 'i', 'm', 's':
			if f == 's' {
				next.dotAll = !neg
			}
			flags.WriteByte(f)
		case 'd':
			// UNIX_LINES: only \n ends a line; it changes '.' (written out
			// explicitly) and is otherwise Go's behaviour.
			next.unixLines = !neg
		case 'u':
			// UNICODE_CASE: Go's (?i) is already Unicode-aware.
		case 'x':
			return t.fail(t.i, "the COMMENTS flag (?x) is not supported; remove whitespace and comments from the pattern")
		case 'U':
			return t.fail(t.i, "the UNICODE_CHARACTER_CLASS flag (?U) is not supported (Go's \\w, \\d, \\s and \\b are ASCII-only)")
		case 'c':
			return t.fail(t.i, "the CANON_EQ flag (?c) is not supported")
		case ')', ':':
			if f == ':' {
				t.stack = append(t.stack, t.flags) // a scoped group
			}
			t.flags = next
			fs := strings.TrimSuffix(flags.String(), "-")
			if fs == "" || fs == "-" {
				if f == ':' {
					t.out.WriteString("(?:")
				}
			} else {
				t.out.WriteString("(?" + fs + string(f))
			}
			t.i = j + 1
			return nil
		default:
			return t.fail(t.i, "unknown inline flag %q (Java knows idmsuxU)", string(f))
		}
	}
	return t.fail(start, "unclosed group")
}

func validGroupName(s string) bool {
	if s == "" || !isASCIILetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isASCIILetter(s[i]) && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// class copies a character class, refusing Java's unions and intersections.
func (t *translator) class() error {
	start := t.i
	t.out.WriteByte('[')
	t.i++
	if t.i < len(t.src) && t.src[t.i] == '^' {
		t.out.WriteByte('^')
		t.i++
	}
	first := true
	for t.i < len(t.src) {
		c := t.src[t.i]
		switch {
		case c == ']' && !first:
			t.out.WriteByte(']')
			t.i++
			return nil
		case c == ']' && first:
			// Java, like Go, reads a ']' that would close an empty class as a
			// literal.
			t.out.WriteString(`\]`)
			t.i++
		case c == '[':
			return t.fail(t.i, "nested character classes (Java's union [a[b]]) are not supported; list the members in one class")
		case c == '&' && strings.HasPrefix(t.src[t.i:], "&&"):
			return t.fail(t.i, "character class intersection (&&) is not supported by Go's RE2 engine")
		case c == '\\':
			if err := t.escape(true); err != nil {
				return err
			}
		default:
			_, n := utf8.DecodeRuneInString(t.src[t.i:])
			t.out.WriteString(t.src[t.i : t.i+n])
			t.i += n
		}
		first = false
	}
	return t.fail(start, "unclosed character class")
}

// escape translates one backslash escape at t.i; inClass selects the forms
// that are valid inside [...].
func (t *translator) escape(inClass bool) error {
	start := t.i
	if t.i+1 >= len(t.src) {
		return t.fail(start, "unexpected trailing backslash")
	}
	c := t.src[t.i+1]
	t.i += 2
	w := &t.out
	switch c {
	case 't', 'n', 'r', 'f', 'a', 'd', 'D', 'w', 'W':
		w.WriteString(`\` + string(c))
	case 'A', 'z', 'B':
		if inClass {
			return t.fail(start, "\\%c is not valid inside a character class", c)
		}
		w.WriteString(`\` + string(c))
	case 'b':
		if inClass {
			return t.fail(start, "\\b is not valid inside a character class")
		}
		if strings.HasPrefix(t.src[t.i:], "{g}") {
			return t.fail(start, "grapheme cluster boundaries \\b{g} are not supported by Go's RE2 engine")
		}
		w.WriteString(`\b`)
	case 's':
		if inClass {
			w.WriteString(javaSpace)
		} else {
			w.WriteString("[" + javaSpace + "]")
		}
	case 'S':
		if inClass {
			w.WriteString(`\S`) // Go's \S also matches \x0B; close enough inside a union
		} else {
			w.WriteString("[^" + javaSpace + "]")
		}
	case 'h':
		if inClass {
			w.WriteString(javaHSpace)
		} else {
			w.WriteString("[" + javaHSpace + "]")
		}
	case 'v':
		if inClass {
			w.WriteString(javaVSpace)
		} else {
			w.WriteString("[" + javaVSpace + "]")
		}
	case 'H', 'V':
		if inClass {
			return t.fail(start, "\\%c inside a character class is not supported", c)
		}
		set := javaHSpace
		if c == 'V' {
			set = javaVSpace
		}
		w.WriteString("[^" + set + "]")
	case 'R':
		if inClass {
			return t.fail(start, "\\R is not valid inside a character class")
		}
		w.WriteString(`(?:\r\n|[` + javaVSpace + `])`)
	case 'e':
		w.WriteString(`\x1B`)
	case 'c':
		if t.i >= len(t.src) {
			return t.fail(start, "illegal control escape sequence")
		}
		fmt.Fprintf(w, `\x{%X}`, t.src[t.i]^64)
		t.i++
	case '0':
		// Java octal: \0n, \0nn, \0mnn with m <= 3.
		j := t.i
		for j < len(t.src) && j-t.i < 3 && t.src[j] >= '0' && t.src[j] <= '7' {
			j++
		}
		if j-t.i == 3 && t.src[t.i] > '3' {
			j--
		}
		if j == t.i {
			return t.fail(start, "illegal octal escape sequence")
		}
		n, _ := strconv.ParseUint(t.src[t.i:j], 8, 32)
		fmt.Fprintf(w, `\x{%X}`, n)
		t.i = j
	case 'x':
		if strings.HasPrefix(t.src[t.i:], "{") {
			end := strings.IndexByte(t.src[t.i:], '}')
			if end < 0 {
				return t.fail(start, "unclosed hexadecimal escape sequence")
			}
			w.WriteString(`\x` + t.src[t.i:t.i+end+1])
			t.i += end + 1
		} else {
			if t.i+2 > len(t.src) || !isHex(t.src[t.i:t.i+2]) {
				return t.fail(start, "illegal hexadecimal escape sequence")
			}
			w.WriteString(`\x` + t.src[t.i:t.i+2])
			t.i += 2
		}
	case 'u':
		if t.i+4 > len(t.src) || !isHex(t.src[t.i:t.i+4]) {
			return t.fail(start, "illegal Unicode escape sequence")
		}
		r, _ := strconv.ParseUint(t.src[t.i:t.i+4], 16, 32)
		t.i += 4
		// A surrogate pair written as two escapes is one code point.
		if r >= 0xD800 && r < 0xDC00 && strings.HasPrefix(t.src[t.i:], `\u`) && t.i+6 <= len(t.src) && isHex(t.src[t.i+2:t.i+6]) {
			lo, _ := strconv.ParseUint(t.src[t.i+2:t.i+6], 16, 32)
			if lo >= 0xDC00 && lo < 0xE000 {
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				t.i += 6
			}
		}
		fmt.Fprintf(w, `\x{%X}`, r)
	case 'p', 'P':
		return t.property(start, c == 'P', inClass)
	case 'Q':
		end := strings.Index(t.src[t.i:], `\E`)
		lit := t.src[t.i:]
		if end >= 0 {
			lit = t.src[t.i : t.i+end]
			t.i += end + 2
		} else {
			t.i = len(t.src)
		}
		if inClass {
			for _, r := range lit {
				if r < utf8.RuneSelf && !isWordByte(byte(r)) {
					w.WriteString(`\` + string(r)) // -, ^, ] ... stay literal
				} else {
					w.WriteRune(r)
				}
			}
		} else {
			// no group: a quantifier after \E applies to the last character, as in Java
			w.WriteString(regexp.QuoteMeta(lit))
		}
	case 'E':
		// a stray \E (no \Q before it) is ignored by Java
	case 'k':
		return t.fail(start, "backreferences (\\k<name>) are not supported by Go's RE2 engine")
	case 'Z':
		return t.fail(start, "\\Z (end of input before a final line terminator) is not supported; use $ or \\z")
	case 'G':
		return t.fail(start, "\\G (end of the previous match) is not supported by Go's RE2 engine")
	case 'X':
		return t.fail(start, "\\X (grapheme cluster) is not supported by Go's RE2 engine")
	case 'N':
		return t.fail(start, "\\N{name} (named characters) is not supported; use \\x{hhhh}")
	default:
		switch {
		case c >= '1' && c <= '9':
			if inClass {
				return t.fail(start, "illegal escape \\%c inside a character class", c)
			}
			return t.fail(start, "backreferences (\\%c) are not supported by Go's RE2 engine", c)
		case isASCIILetter(c):
			return t.fail(start, "illegal/unsupported escape sequence \\%c", c)
		default:
			// Java: a backslash before a non-letter makes it literal.
			t.i-- // re-read the full rune (it may be multi-byte)
			r, n := utf8.DecodeRuneInString(t.src[t.i:])
			t.i += n
			if r < utf8.RuneSelf && !isWordByte(byte(r)) {
				w.WriteString(`\` + string(r))
			} else {
				w.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
	}
	return nil
}

func isWordByte(c byte) bool {
	return c == '_' || isASCIILetter(c) || c >= '0' && c <= '9'
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// property translates \p{...} / \P{...}.
func (t *translator) property(start int, negate, inClass bool) error {
	var name string
	if strings.HasPrefix(t.src[t.i:], "{") {
		end := strings.IndexByte(t.src[t.i:], '}')
		if end < 0 {
			return t.fail(start, "unclosed character family")
		}
		name = t.src[t.i+1 : t.i+end]
		t.i += end + 1
	} else {
		if t.i >= len(t.src) {
			return t.fail(start, "illegal character family")
		}
		name = t.src[t.i : t.i+1]
		t.i++
	}
	if neg := strings.HasPrefix(name, "^"); neg {
		name, negate = name[1:], !negate
	}
	w := &t.out
	if posix, ok := posixClasses[name]; ok {
		switch {
		case inClass && negate:
			w.WriteString("[:^" + posix + ":]")
		case inClass:
			w.WriteString("[:" + posix + ":]")
		case negate:
			w.WriteString("[^[:" + posix + ":]]")
		default:
			w.WriteString("[[:" + posix + ":]]")
		}
		return nil
	}
	goName, ok := unicodeName(name)
	if !ok {
		return t.fail(start, "unsupported character property \\p{%s}: Go supports Unicode general categories (\\p{Lu}), scripts (\\p{IsGreek}, \\p{Greek}) and the POSIX classes (\\p{Alpha} ...), not blocks (InXxx), binary properties or java* classes", name)
	}
	p := "p"
	if negate {
		p = "P"
	}
	w.WriteString(`\` + p + "{" + goName + "}")
	return nil
}

// unicodeName maps a Java property name to Go's: categories as is (with
// Java's optional Is, gc= and general_category= prefixes), scripts
// case-insensitively (with Is, sc= or script= prefixes).
func unicodeName(name string) (string, bool) {
	for _, pre := range []string{"general_category=", "gc="} {
		if after, ok := strings.CutPrefix(name, pre); ok {
			_, isCat := unicode.Categories[after]
			return after, isCat
		}
	}
	for _, pre := range []string{"script=", "sc="} {
		if after, ok := strings.CutPrefix(name, pre); ok {
			return scriptName(after)
		}
	}
	bare := strings.TrimPrefix(name, "Is")
	if _, ok := unicode.Categories[bare]; ok {
		return bare, true
	}
	if bare == "L&" || bare == "LC" {
		return "", false
	}
	if name != bare || len(name) > 2 {
		return scriptName(bare)
	}
	return "", false
}

func scriptName(s string) (string, bool) {
	for k := range unicode.Scripts {
		if strings.EqualFold(k, s) || strings.EqualFold(strings.ReplaceAll(k, "_", ""), strings.ReplaceAll(s, "_", "")) {
			return k, true
		}
	}
	return "", false
}
