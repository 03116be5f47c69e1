package javare

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Expected values are what Java 17 returns for
// Pattern.compile(regex).matcher(input).replaceFirst(repl) (and matches()).
func TestReplaceFirstJava(t *testing.T) {
	tests := []struct {
		regex, repl, in, want string
	}{
		{`(.*)`, `$1x`, "abc", "abcx"},                       // $1 then x; Go would read group "1x"
		{`(.*)`, `$12`, "t", "t2"},                           // one group: $1 then "2"
		{`(.*)`, `$10`, "t", "t0"},                           // ditto with 0
		{`(.*?)`, `pre-$1`, "topic", "pre-topic"},            // first match is empty at 0
		{`(.*)`, `\$$1`, "abc", "$abc"},                      // \$ is a literal dollar
		{`(.*)`, `a\\b`, "x", `a\b`},                         // \\ is one backslash
		{`(.*)`, `\x\y`, "x", `xy`},                          // \ quotes any character
		{`(.*)`, `$0-$0`, "ab", "ab-ab"},                     // $0 is the whole match
		{`(.*)-(.*)-(.*)`, `$3`, "prefix-db-table", "table"}, // Kafka's documented example
		{`(a)|(b)`, `[$1][$2]`, "b", "[][b]"},                // a group that did not match adds nothing
		{`(?<routedByValue>.*)`, `outbox.event.${routedByValue}`, "Order", "outbox.event.Order"},
		{`(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)`, `$10`, "abcdefghij", "j"},   // 10 groups: $10 is group 10
		{`(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)`, `$101`, "abcdefghij", "j1"}, // 101 > 10
		{`(a)(b)(c)(d)(e)(f)(g)(h)(i)`, `$10`, "abcdefghi", "a0"},      // 9 groups: $1 then 0
		{`b`, `X`, "abcb", "aXcb"}, // only the first match
		{`(\d+)`, `<$1>`, "ab12cd34", "ab<12>cd34"},
		{`(é+)`, `[$1]`, "aééb", "a[éé]b"},
		{`(.*)`, `\é`, "x", "é"},
	}
	for _, tc := range tests {
		re, err := Compile(tc.regex)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tc.regex, err)
		}
		repl, err := CompileReplacement(tc.repl, re)
		if err != nil {
			t.Fatalf("CompileReplacement(%q, %q): %v", tc.repl, tc.regex, err)
		}
		if got := re.ReplaceFirst(tc.in, repl); got != tc.want {
			t.Errorf("%q.replaceFirst(%q) on %q = %q, want %q", tc.regex, tc.repl, tc.in, got, tc.want)
		}
		if got := javaExpand(t, re, tc.repl, tc.in); got != tc.want {
			t.Errorf("oracle disagrees for %q/%q on %q: %q, want %q", tc.regex, tc.repl, tc.in, got, tc.want)
		}
	}
}

func TestReplaceAll(t *testing.T) {
	tests := []struct{ regex, repl, in, want string }{
		{`x*`, `-`, "abc", "-a-b-c-"},
		{`a*`, `-`, "baaac", "-b--c-"}, // Java keeps the empty match right after "aaa"
		{`a*?`, `-`, "ab", "-a-b-"},
		{`é*`, `-`, "aéb", "-a--b-"},
		{`\b`, `|`, "ab cd", "|ab| |cd|"}, // a lookback pattern: Go's iteration
		{`^a`, `X`, "aaa", "Xaa"},         // ^ must not match again at later positions
		{`(\w)(\w)`, `$2$1`, "abcde", "badce"},
		{`\.`, `_`, "a.b.c", "a_b_c"},
		{`z`, `_`, "abc", "abc"},
	}
	for _, tc := range tests {
		re := MustCompile(tc.regex)
		repl, err := CompileReplacement(tc.repl, re)
		if err != nil {
			t.Fatal(err)
		}
		if got := re.ReplaceAll(tc.in, repl); got != tc.want {
			t.Errorf("%q.replaceAll(%q) on %q = %q, want %q", tc.regex, tc.repl, tc.in, got, tc.want)
		}
	}
}

func TestReplacementErrors(t *testing.T) {
	tests := []struct{ regex, repl, want string }{
		{`(.*)`, `a$`, `javare: replacement "a$" at offset 1: Illegal group reference: group index is missing (write \$ for a literal $)`},
		{`(.*)`, `$x`, `javare: replacement "$x" at offset 0: Illegal group reference: '$' must be followed by a group number or {name} (write \$ for a literal $)`},
		{`(.*)`, `$2`, `javare: replacement "$2" at offset 0: No group 2 (the regex has 1 group)`},
		{`.*`, `$1`, `javare: replacement "$1" at offset 0: No group 1 (the regex has 0 groups)`},
		{`(.*)`, `ab\`, `javare: replacement "ab\\" at offset 2: character to be escaped is missing (a trailing '\'; write \\ for a backslash)`},
		{`(.*)`, `${}`, `javare: replacement "${}" at offset 0: named capturing group has 0 length name`},
		{`(.*)`, `${abc`, `javare: replacement "${abc" at offset 0: named capturing group is missing trailing '}'`},
		{`(.*)`, `${a_b}`, `javare: replacement "${a_b}" at offset 0: named capturing group is missing trailing '}'`},
		{`(.*)`, `${1a}`, `javare: replacement "${1a}" at offset 0: capturing group name {1a} starts with digit character`},
		{`(?<n>.*)`, `${m}`, `javare: replacement "${m}" at offset 0: No group with name {m}`},
	}
	for _, tc := range tests {
		_, err := CompileReplacement(tc.repl, MustCompile(tc.regex))
		var re *ReplacementError
		if !errors.As(err, &re) {
			t.Errorf("CompileReplacement(%q): want *ReplacementError, got %v", tc.repl, err)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("CompileReplacement(%q):\n got %s\nwant %s", tc.repl, err, tc.want)
		}
	}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		regex string
		in    string
		want  bool
	}{
		{`a|ab`, "ab", true}, // full match tries the other alternative
		{`ab`, "xaby", false},
		{`\d+`, "123", true},
		{`\s`, "\x0B", true}, // Java's \s includes VT; Go's does not
		{`\S`, "\x0B", false},
		{`\h+`, " \t\u00a0", true},
		{`\v`, "\u2028", true},
		{`\R`, "\r\n", true},
		{`\e`, "\x1b", true},
		{`\cA`, "\x01", true},
		{`\0101`, "A", true},
		{`\011`, "\t", true},
		{`\0477`, "'7", true}, // \047 then 7: 477 > 377
		{`\u00e9`, "é", true},
		{`\uD83D\uDE00`, "😀", true},
		{`\x{1F600}`, "😀", true},
		{`\x41`, "A", true},
		{`\p{Alpha}+`, "abc", true},
		{`\p{Alpha}`, "é", false}, // POSIX classes are ASCII in Java
		{`\P{Digit}`, "a", true},
		{`[\p{Digit}x]+`, "1x2", true},
		{`[\P{Digit}]`, "1", false},
		{`\p{L}+`, "éa", true},
		{`\pL`, "é", true},
		{`\p{IsLu}`, "É", true},
		{`\p{IsGreek}`, "α", true},
		{`\p{IsLATIN}`, "a", true},
		{`\p{sc=Greek}`, "α", true},
		{`\p{gc=Nd}`, "٣", true},
		{`\Q.*\E`, ".*", true},
		{`\Q.*\E`, "ab", false},
		{`[\Q-^]\E]+`, "-^]", true},
		{`\Q.*`, ".*", true},
		{`\Qab\E*`, "abbb", true}, // the quantifier binds to b only
		{`\Qab\E*`, "abab", false},
		{`(?i)abc`, "ABC", true},
		{`(?iu)é`, "É", true},
		{`(?d)a.b`, "a-b", true},
		{`a.b`, "a\rb", false},     // Java's '.' excludes \r
		{`a.b`, "a\u2028b", false}, // and the Unicode line separators
		{`a.b`, "aéb", true},
		{`(?s)a.b`, "a\rb", true}, // DOTALL
		{`(?s)a.b`, "a\nb", true},
		{`(?d)a.b`, "a\rb", true}, // UNIX_LINES: only \n ends a line
		{`(?d)a.b`, "a\nb", false},
		{`((?s).).`, "\nx", true}, // (?s) ends with its group
		{`((?s).).`, "x\n", false},
		{`(?s:.).`, "\n\r", false},
		{`(?s)(?-s).`, "\r", false},
		{`[.]`, ".", true},
		{`\.`, "x", false},
		{`(?i:a)b`, "Ab", true},
		{`(?-i)a`, "a", true},
		{`(?<year>\d{4})-\d{2}`, "2024-11", true},
		{`[]a]+`, "]a", true},
		{`[^]a]`, "b", true},
		{`a\.b`, "a.b", true},
		{`a\-b`, "a-b", true},
		{`a{2,}`, "aaa", true},
		{`a{2}?`, "aa", true},
		{`a*?b`, "aab", true},
		{`[\s]`, "\x0B", true},
		{`[\h]`, "\u3000", true},
		{`[\v]`, "\n", true},
		{`\w+\b`, "ab", true},
		{`\Aab\z`, "ab", true},
		{`\E`, "", true},
	}
	for _, tc := range tests {
		re, err := Compile(tc.regex)
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.regex, err)
			continue
		}
		if got := re.Matches(tc.in); got != tc.want {
			t.Errorf("%q.matches(%q) = %v, want %v (Go: %s)", tc.regex, tc.in, got, tc.want, re.Go())
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct{ regex, want string }{
		{`(a)\1`, `offset 3: backreferences (\1) are not supported by Go's RE2 engine`},
		{`(?<n>a)\k<n>`, `offset 7: backreferences (\k<name>) are not supported`},
		{`a(?=b)`, `offset 1: lookahead (?=...) / (?!...) is not supported`},
		{`a(?!b)`, `lookahead`},
		{`(?<=a)b`, `offset 0: lookbehind`},
		{`(?<!a)b`, `lookbehind`},
		{`(?>a)`, `atomic groups`},
		{`a*+`, `offset 2: possessive quantifiers`},
		{`a++`, `offset 2: possessive quantifiers`},
		{`a?+`, `offset 2: possessive quantifiers`},
		{`a{2}+`, `offset 4: possessive quantifiers`},
		{`a*?+`, `possessive`},
		{`abc\Z`, `offset 3: \Z (end of input before a final line terminator) is not supported; use $ or \z`},
		{`\Ga`, `\G`},
		{`\X`, `grapheme cluster`},
		{`\b{g}`, `grapheme cluster boundaries`},
		{`\N{LATIN SMALL LETTER A}`, `named characters`},
		{`[a-z&&[^e]]`, `offset 4: character class intersection (&&)`},
		{`[a[b]]`, `nested character classes`},
		{`(?x) a b`, `COMMENTS flag`},
		{`(?U)\w`, `UNICODE_CHARACTER_CLASS`},
		{`(?q)a`, `unknown inline flag "q"`},
		{`a{`, `illegal repetition`},
		{`a{x}`, `illegal repetition`},
		{`\y`, `illegal/unsupported escape sequence \y`},
		{`abc\`, `unexpected trailing backslash`},
		{`[abc`, `unclosed character class`},
		{`(?i`, `unclosed group`},
		{`\p{InGreek}`, `unsupported character property \p{InGreek}`},
		{`\p{javaLowerCase}`, `unsupported character property`},
		{`\p{IsAlphabetic}`, `unsupported character property`},
		{`\x4`, `illegal hexadecimal escape`},
		{`\u12`, `illegal Unicode escape`},
		{`(?<1a>x)`, `named capturing group <1a>`},
		{`(?<a_b>x)`, `named capturing group <a_b>`},
		{`(a`, `invalid regular expression: missing closing )`},
		{`a{1001}`, `invalid regular expression`},
		{`[\b]`, `\b is not valid inside a character class`},
	}
	for _, tc := range tests {
		_, err := Compile(tc.regex)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Compile(%q): want *SyntaxError, got %v", tc.regex, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Compile(%q):\n got %s\nwant it to contain %s", tc.regex, err, tc.want)
		}
		if !strings.HasPrefix(err.Error(), fmt.Sprintf("javare: regex %q", tc.regex)) {
			t.Errorf("Compile(%q): error does not name the regex: %s", tc.regex, err)
		}
	}
}

func TestLiteral(t *testing.T) {
	re := MustCompile(`(.*)`)
	p, _ := CompileReplacement(`a\$b`, re)
	if s, ok := p.Literal(); !ok || s != "a$b" {
		t.Errorf("Literal() = %q, %v; want a$b, true", s, ok)
	}
	p, _ = CompileReplacement(`a$1`, re)
	if _, ok := p.Literal(); ok {
		t.Error("Literal() = true for a replacement with a group")
	}
	if p.String() != `a$1` || re.String() != `(.*)` || re.NumSubexp() != 1 {
		t.Error("String/NumSubexp do not return what was compiled")
	}
}

// javaExpand is a line-by-line port of Java's Matcher.appendExpandedReplacement
// (JDK 17), interpreting the replacement at match time as Java does. The
// fuzz test checks CompileReplacement + Append against it.
func javaExpand(t testing.TB, re *Regexp, repl, in string) string {
	m := re.re.FindStringSubmatchIndex(in)
	if m == nil {
		return in
	}
	out, err := javaAppend(re, repl, in, m)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	return in[:m[0]] + out + in[m[1]:]
}

func javaAppend(re *Regexp, repl, in string, m []int) (string, error) {
	var b strings.Builder
	groupCount := re.NumSubexp()
	cursor := 0
	for cursor < len(repl) {
		c := repl[cursor]
		if c == '\\' {
			cursor++
			if cursor == len(repl) {
				return "", errors.New("character to be escaped is missing")
			}
			b.WriteByte(repl[cursor])
			cursor++
		} else if c == '$' {
			cursor++
			if cursor == len(repl) {
				return "", errors.New("Illegal group reference: group index is missing")
			}
			c = repl[cursor]
			refNum := -1
			if c == '{' {
				cursor++
				var g strings.Builder
				for cursor < len(repl) {
					c = repl[cursor]
					if isASCIILetter(c) || c >= '0' && c <= '9' {
						g.WriteByte(c)
						cursor++
					} else {
						break
					}
				}
				if g.Len() == 0 {
					return "", errors.New("named capturing group has 0 length name")
				}
				if c != '}' || cursor == len(repl) {
					return "", errors.New("named capturing group is missing trailing '}'")
				}
				name := g.String()
				if name[0] >= '0' && name[0] <= '9' {
					return "", errors.New("starts with digit")
				}
				for i, n := range re.re.SubexpNames() {
					if n == name {
						refNum = i
					}
				}
				if refNum < 0 {
					return "", errors.New("No group with name")
				}
				cursor++
			} else {
				refNum = int(c) - '0'
				if refNum < 0 || refNum > 9 {
					return "", errors.New("Illegal group reference")
				}
				cursor++
				for cursor < len(repl) {
					d := int(repl[cursor]) - '0'
					if d < 0 || d > 9 {
						break
					}
					n := refNum*10 + d
					if groupCount < n {
						break
					}
					refNum = n
					cursor++
				}
			}
			if refNum > groupCount {
				return "", errors.New("No group")
			}
			if m[2*refNum] >= 0 {
				b.WriteString(in[m[2*refNum]:m[2*refNum+1]])
			}
		} else {
			b.WriteByte(c)
			cursor++
		}
	}
	return b.String(), nil
}
