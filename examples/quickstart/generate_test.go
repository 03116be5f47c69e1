package quickstart

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Regenerating the records file replaces it instead of appending to it.
func TestGenerateReplacesTheFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "outbox.records")
	if err := Generate(p, 3, 1); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(p)
	if err := Generate(p, 3, 1); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(p)
	if n := bytes.Count(second, []byte("\n")); n != 3 || !bytes.Equal(first, second) {
		t.Fatalf("second run wrote %d lines (want 3, identical to the first)", n)
	}
}
