package javare

import (
	"strconv"
	"strings"
)

// Replacement is a parsed Java replacement string: literal text and group
// references, checked against the groups of one Regexp. It is immutable and
// safe for concurrent use.
type Replacement struct {
	src   string
	parts []part
	size  int // literal bytes, a capacity hint
}

// part is a literal (group < 0) or a reference to a capturing group.
type part struct {
	lit   string
	group int
}

// String returns the replacement as written.
func (p *Replacement) String() string { return p.src }

// CompileReplacement parses repl with the rules of Java's
// Matcher.appendReplacement, resolving group numbers and names against re:
//
//   - '\' makes the next character literal; a trailing '\' is an error
//     ("character to be escaped is missing").
//   - "$" then '{' reads a name of ASCII letters and digits up to '}'; it
//     must not be empty, must end with '}', must not start with a digit,
//     and must name a group of re.
//   - "$" then a digit: the first digit is always read, and each further
//     digit only while the number stays ≤ re.NumSubexp(); so with one group
//     "$12" is group 1 then "2", and "$2" is an error ("No group 2").
//   - "$" followed by anything else, or at the end, is an error.
func CompileReplacement(repl string, re *Regexp) (*Replacement, error) {
	names := re.re.SubexpNames()
	groups := re.re.NumSubexp()
	out := &Replacement{src: repl}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out.parts = append(out.parts, part{lit: lit.String(), group: -1})
			out.size += lit.Len()
			lit.Reset()
		}
	}
	fail := func(off int, reason string) error {
		return &ReplacementError{Replacement: repl, Offset: off, Reason: reason}
	}
	for i := 0; i < len(repl); {
		c := repl[i]
		switch c {
		case '\\':
			if i+1 == len(repl) {
				return nil, fail(i, "character to be escaped is missing (a trailing '\\'; write \\\\ for a backslash)")
			}
			// the whole next rune is literal
			j := i + 1
			for j++; j < len(repl) && repl[j]&0xC0 == 0x80; j++ {
			}
			lit.WriteString(repl[i+1 : j])
			i = j
		case '$':
			start := i
			i++
			if i == len(repl) {
				return nil, fail(start, "Illegal group reference: group index is missing (write \\$ for a literal $)")
			}
			var ref int
			if repl[i] == '{' {
				i++
				j := i
				for j < len(repl) && (isASCIILetter(repl[j]) || repl[j] >= '0' && repl[j] <= '9') {
					j++
				}
				name := repl[i:j]
				if name == "" {
					return nil, fail(start, "named capturing group has 0 length name")
				}
				if j == len(repl) || repl[j] != '}' {
					return nil, fail(start, "named capturing group is missing trailing '}'")
				}
				if name[0] >= '0' && name[0] <= '9' {
					return nil, fail(start, "capturing group name {"+name+"} starts with digit character")
				}
				ref = -1
				for k, n := range names {
					if n == name {
						ref = k
						break
					}
				}
				if ref < 0 {
					return nil, fail(start, "No group with name {"+name+"}")
				}
				i = j + 1
			} else {
				d := repl[i]
				if d < '0' || d > '9' {
					return nil, fail(start, "Illegal group reference: '$' must be followed by a group number or {name} (write \\$ for a literal $)")
				}
				ref = int(d - '0')
				i++
				for i < len(repl) && repl[i] >= '0' && repl[i] <= '9' {
					next := ref*10 + int(repl[i]-'0')
					if next > groups {
						break
					}
					ref = next
					i++
				}
				if ref > groups {
					return nil, fail(start, "No group "+strconv.Itoa(ref)+" (the regex has "+plural(groups)+")")
				}
			}
			flush()
			out.parts = append(out.parts, part{group: ref})
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return out, nil
}

func plural(n int) string {
	if n == 1 {
		return "1 group"
	}
	return strconv.Itoa(n) + " groups"
}

// Append appends the expansion for one match of s (m as returned by
// FindStringSubmatchIndex) to dst. A group that did not take part in the
// match adds nothing, as in Java.
func (p *Replacement) Append(dst []byte, s string, m []int) []byte {
	for _, pt := range p.parts {
		if pt.group < 0 {
			dst = append(dst, pt.lit...)
			continue
		}
		if 2*pt.group+1 < len(m) && m[2*pt.group] >= 0 {
			dst = append(dst, s[m[2*pt.group]:m[2*pt.group+1]]...)
		}
	}
	return dst
}

// Literal reports whether the replacement has no group references, and
// its text; callers can skip matching work for it.
func (p *Replacement) Literal() (string, bool) {
	var b strings.Builder
	for _, pt := range p.parts {
		if pt.group >= 0 {
			return "", false
		}
		b.WriteString(pt.lit)
	}
	return b.String(), true
}
