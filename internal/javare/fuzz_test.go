package javare

import (
	"strings"
	"testing"
)

// FuzzReplacement checks the compiled replacement against a port of Java's
// interpreter (javaAppend): same acceptance, same output, no panic.
func FuzzReplacement(f *testing.F) {
	for _, s := range []string{`$1x`, `$12`, `\$`, `${name}`, `$`, `\`, `${`, `${1}`, `$0$1$2`, `a\\b`, `${name}$10`, "é$1"} {
		f.Add(s, "abc-def")
	}
	re := MustCompile(`(?<name>[a-z]*)-(.*)?`)
	f.Fuzz(func(t *testing.T, repl, in string) {
		m := re.re.FindStringSubmatchIndex(in)
		p, err := CompileReplacement(repl, re)
		if m == nil {
			m = []int{0, 0, 0, 0, -1, -1, -1, -1}
			in = ""
		}
		want, werr := javaAppend(re, repl, in, m)
		if (err == nil) != (werr == nil) {
			t.Fatalf("replacement %q: compiled err=%v, Java err=%v", repl, err, werr)
		}
		if err != nil {
			return
		}
		if got := string(p.Append(nil, in, m)); got != want && strings.ToValidUTF8(repl, "") == repl {
			t.Fatalf("replacement %q on %q: got %q, Java %q", repl, in, got, want)
		}
	})
}

// FuzzCompile feeds random Java patterns to the translator: it must never
// panic, and a pattern it accepts must compile and run.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{`(.*)`, `\Q.*\E`, `[\p{Alpha}\s]+`, `\uD83D\uDE00`, `(?<n>a)\k<n>`, `a*+`, `[]a]`, `\0477`, `(?i:x)`, `\cA`, `\x{1F600}`, `[\Q]\E]`} {
		f.Add(s, "topic-a")
	}
	f.Fuzz(func(t *testing.T, expr, in string) {
		re, err := Compile(expr)
		if err != nil {
			return
		}
		_ = re.Matches(in)
		_ = re.Find(in)
		repl, err := CompileReplacement("x$0", re)
		if err != nil {
			t.Fatalf("$0 rejected for %q: %v", expr, err)
		}
		_ = re.ReplaceFirst(in, repl)
		_ = re.ReplaceAll(in, repl)
	})
}
