package kafkaclient

import (
	"fmt"
	"strings"
)

// JAAS is one parsed sasl.jaas.config entry.
type JAAS struct {
	Module  string // e.g. org.apache.kafka.common.security.scram.ScramLoginModule
	Flag    string // required, requisite, sufficient or optional
	Options map[string]string
}

// ParseJAAS parses Kafka's single-entry JAAS grammar:
//
//	<LoginModuleClass> <flag> key1="value1" key2=value2;
//
// Values may be quoted ("..." with \" and \\ escapes) or bare. The error
// never repeats the text, because it holds a password.
func ParseJAAS(s string) (JAAS, error) {
	var j JAAS
	p := &jaasLexer{s: s}
	j.Module = p.word()
	if j.Module == "" {
		return j, fmt.Errorf("expected a login module class, e.g. org.apache.kafka.common.security.plain.PlainLoginModule")
	}
	j.Flag = strings.ToLower(p.word())
	switch j.Flag {
	case "required", "requisite", "sufficient", "optional":
	default:
		return j, fmt.Errorf("expected a control flag (required, requisite, sufficient or optional) after %s", j.Module)
	}
	j.Options = map[string]string{}
	for {
		p.space()
		if p.eof() {
			return j, fmt.Errorf("missing the terminating ';'")
		}
		if p.peek() == ';' {
			p.i++
			p.space()
			if !p.eof() {
				return j, fmt.Errorf("only one login module entry is supported (text after ';' at byte %d)", p.i)
			}
			return j, nil
		}
		k := p.key()
		if k == "" {
			return j, fmt.Errorf("expected key=value at byte %d", p.i)
		}
		p.space()
		if p.eof() || p.peek() != '=' {
			return j, fmt.Errorf("expected '=' after option %q", k)
		}
		p.i++
		p.space()
		v, err := p.value()
		if err != nil {
			return j, fmt.Errorf("option %q: %w", k, err)
		}
		j.Options[k] = v
	}
}

type jaasLexer struct {
	s string
	i int
}

func (p *jaasLexer) eof() bool  { return p.i >= len(p.s) }
func (p *jaasLexer) peek() byte { return p.s[p.i] }

func (p *jaasLexer) space() {
	for !p.eof() && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *jaasLexer) word() string {
	p.space()
	st := p.i
	for !p.eof() && !strings.ContainsRune(" \t\r\n=;\"", rune(p.s[p.i])) {
		p.i++
	}
	return p.s[st:p.i]
}

func (p *jaasLexer) key() string {
	st := p.i
	for !p.eof() && !strings.ContainsRune(" \t\r\n=;\"", rune(p.s[p.i])) {
		p.i++
	}
	return p.s[st:p.i]
}

func (p *jaasLexer) value() (string, error) {
	if p.eof() {
		return "", fmt.Errorf("missing value")
	}
	if p.peek() != '"' {
		v := p.key()
		if v == "" {
			return "", fmt.Errorf("missing value")
		}
		return v, nil
	}
	p.i++
	var b strings.Builder
	for !p.eof() {
		c := p.s[p.i]
		p.i++
		switch c {
		case '\\':
			if p.eof() {
				return "", fmt.Errorf("unterminated escape")
			}
			b.WriteByte(p.s[p.i])
			p.i++
		case '"':
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("unterminated quoted value")
}
