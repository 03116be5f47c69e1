package javare

import "fmt"

// SyntaxError reports a Java regular expression that Go's RE2 engine cannot
// run (a backreference, lookaround, a possessive quantifier, ...) or that is
// not valid.
type SyntaxError struct {
	Expr   string // the Java expression as given
	Offset int    // byte offset of the construct in Expr; -1 when Go's parser found the problem
	Reason string
}

func (e *SyntaxError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("javare: regex %q: %s", e.Expr, e.Reason)
	}
	return fmt.Sprintf("javare: regex %q at offset %d: %s", e.Expr, e.Offset, e.Reason)
}

// ReplacementError reports a replacement string that Java's
// Matcher.replaceFirst/replaceAll would reject. Reason uses Java's wording
// (IllegalArgumentException / IndexOutOfBoundsException messages) so users
// can search for it.
type ReplacementError struct {
	Replacement string
	Offset      int // byte offset of the offending '$' or '\'
	Reason      string
}

func (e *ReplacementError) Error() string {
	return fmt.Sprintf("javare: replacement %q at offset %d: %s", e.Replacement, e.Offset, e.Reason)
}
