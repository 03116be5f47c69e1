package builtin

import (
	"testing"

	"github.com/inletdev/inlet/connect"
)

// Every built-in plugin registers (Register panics on a name taken twice)
// and is found again by its canonical name and each of its aliases.
func TestRegistryFindsEveryPlugin(t *testing.T) {
	r := NewRegistry()
	ps := r.Plugins()
	if len(ps) == 0 {
		t.Fatal("no plugins registered")
	}
	for _, p := range ps {
		for _, n := range p.Names() {
			got, err := r.Lookup(p.Kind, n)
			if err != nil {
				t.Errorf("%s %q: %v", p.Kind, n, err)
				continue
			}
			if got.Name != p.Name {
				t.Errorf("%s %q resolves to %s, want %s", p.Kind, n, got.Name, p.Name)
			}
		}
		// Declared defaults must parse: `inlet describe` shows them and
		// the runtime uses them.
		if p.Config != nil {
			if _, err := p.Config.Parse(map[string]string{}); err != nil {
				for _, ce := range connect.AsConfigErrors(err) {
					if ce.Value != "" {
						t.Errorf("%s %s: default of %s does not parse: %s", p.Kind, p.Name, ce.Key, ce.Reason)
					}
				}
			}
		}
	}
}
