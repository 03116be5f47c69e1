// Package javare runs Java regular expressions and Java replacement strings
// on Go's RE2 engine, for configuration keys that Kafka Connect and
// Debezium users write in Java syntax (RegexRouter's regex/replacement,
// TopicNameMatches, EventRouter's route.topic.regex/replacement).
//
// Compile translates the Java syntax that RE2 can express (\uhhhh, \e, \h,
// \v, \R, \0ooo, \p{Alpha}, \p{IsGreek}, (?<name>...), inline flags) and
// refuses, with a *SyntaxError naming the construct and its offset, what
// RE2 cannot run: backreferences, lookaround, atomic groups, possessive
// quantifiers, \Z, \G, class unions and intersections, the x and U flags.
//
// '.' follows Java (it excludes \r, \u0085, \u2028 and \u2029 too, unless
// DOTALL; only \n under UNIX_LINES). A known difference remains: Java's '$'
// (and '^' in MULTILINE) also treats \r, \u0085, \u2028 and \u2029 as line
// ends, and a non-multiline '$' matches before a final line terminator;
// Go's only know \n. Topic names never contain line terminators, so
// routing is unaffected.
//
// Replacement strings follow java.util.regex.Matcher exactly: $n (greedy
// digits bounded by the group count), ${name}, a backslash quotes the next
// character, and the same inputs are errors. They are validated once, when
// compiled, instead of at the first match as Java does.
package javare

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// Regexp is a compiled Java regular expression. It is safe for concurrent
// use.
type Regexp struct {
	expr string
	re   *regexp.Regexp // unanchored, for find/replace
	full *regexp.Regexp // \A(?:re)\z, Java's matches()
	// lookback is set when the pattern has an assertion about the text
	// before a position (^, \A, \b, \B): then a search cannot restart on
	// a suffix of the input without changing its meaning.
	lookback bool
}

// Compile translates and compiles a Java regular expression.
func Compile(expr string) (*Regexp, error) {
	goExpr, err := Translate(expr)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(goExpr)
	if err != nil {
		return nil, &SyntaxError{Expr: expr, Offset: -1, Reason: "invalid regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: ")}
	}
	full, err := regexp.Compile(`\A(?:` + goExpr + `)\z`)
	if err != nil {
		return nil, &SyntaxError{Expr: expr, Offset: -1, Reason: "invalid regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: ")}
	}
	parsed, err := syntax.Parse(goExpr, syntax.Perl)
	if err != nil {
		return nil, &SyntaxError{Expr: expr, Offset: -1, Reason: "invalid regular expression: " + err.Error()}
	}
	return &Regexp{expr: expr, re: re, full: full, lookback: looksBack(parsed)}, nil
}

func looksBack(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpBeginLine, syntax.OpBeginText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	}
	for _, sub := range re.Sub {
		if looksBack(sub) {
			return true
		}
	}
	return false
}

// MustCompile is Compile for expressions known to be valid; it panics
// otherwise.
func MustCompile(expr string) *Regexp {
	re, err := Compile(expr)
	if err != nil {
		panic(err)
	}
	return re
}

// String returns the Java expression as given.
func (r *Regexp) String() string { return r.expr }

// Go returns the unanchored Go regexp (Java's find()).
func (r *Regexp) Go() *regexp.Regexp { return r.re }

// NumSubexp returns the number of capturing groups (Java's groupCount()).
func (r *Regexp) NumSubexp() int { return r.re.NumSubexp() }

// Matches reports whether the whole of s matches (Java's Matcher.matches()).
func (r *Regexp) Matches(s string) bool { return r.full.MatchString(s) }

// MatchesSubmatchIndex returns the group positions of a whole-string match
// (as regexp.FindStringSubmatchIndex), or nil.
func (r *Regexp) MatchesSubmatchIndex(s string) []int { return r.full.FindStringSubmatchIndex(s) }

// Find reports whether some part of s matches (Java's Matcher.find()).
func (r *Regexp) Find(s string) bool { return r.re.MatchString(s) }

// ReplaceFirst is Java's Matcher.replaceFirst: the first match of r in s,
// searched from the start, is replaced by repl; no match returns s.
// repl must have been compiled for r (CompileReplacement).
func (r *Regexp) ReplaceFirst(s string, repl *Replacement) string {
	m := r.re.FindStringSubmatchIndex(s)
	if m == nil {
		return s
	}
	b := make([]byte, 0, len(s)+repl.size)
	b = append(b, s[:m[0]]...)
	b = repl.Append(b, s, m)
	b = append(b, s[m[1]:]...)
	return string(b)
}

// ReplaceAll is Java's Matcher.replaceAll: every match, searched left to
// right, is replaced. After an empty match the search resumes one
// character further, and an empty match right after a non-empty one counts
// (Java's find(); "baaac" with a* and "-" gives "-b--c-"). Go's own
// iteration skips that empty match; it is used only for patterns with ^,
// \A, \b or \B, whose meaning depends on the text before the search
// position, so for those alone the result can differ from Java's.
func (r *Regexp) ReplaceAll(s string, repl *Replacement) string {
	if r.lookback {
		return r.replaceAllGo(s, repl)
	}
	var b []byte
	last, from := 0, 0
	for from <= len(s) {
		m := r.re.FindStringSubmatchIndex(s[from:])
		if m == nil {
			break
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += from
			}
		}
		if b == nil {
			b = make([]byte, 0, len(s)+repl.size)
		}
		b = append(b, s[last:m[0]]...)
		b = repl.Append(b, s, m)
		last, from = m[1], m[1]
		if m[0] == m[1] {
			// Java advances one char after an empty match; here one rune.
			_, w := utf8.DecodeRuneInString(s[from:])
			from += max(w, 1)
		}
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

func (r *Regexp) replaceAllGo(s string, repl *Replacement) string {
	ms := r.re.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	b := make([]byte, 0, len(s)+len(ms)*repl.size)
	last := 0
	for _, m := range ms {
		b = append(b, s[last:m[0]]...)
		b = repl.Append(b, s, m)
		last = m[1]
	}
	b = append(b, s[last:]...)
	return string(b)
}
