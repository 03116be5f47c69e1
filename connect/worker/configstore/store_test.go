package configstore

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSaveLoadDelete(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := Entry{Name: "orders/a b", Config: map[string]string{"connector.class": "datagen", "x": "1"}, State: "PAUSED"}
	b := Entry{Name: "b", Config: map[string]string{"connector.class": "file"}}
	for _, e := range []Entry{a, b} {
		if err := s.Save(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetState("b", "STOPPED"); err != nil {
		t.Fatal(err)
	}
	b.State = "STOPPED"
	// A fresh store over the same directory sees the same pipelines.
	s2, _ := Open(dir)
	got, err := s2.Load()
	if err != nil {
		t.Fatal(err)
	}
	if want := []Entry{b, a}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Load = %+v, want %+v", got, want)
	}
	if err := s2.Delete("orders/a b"); err != nil {
		t.Fatal(err)
	}
	if err := s2.Delete("never-stored"); err != nil {
		t.Fatal(err)
	}
	got, _ = s2.Load()
	if len(got) != 1 || got[0].Name != "b" {
		t.Fatalf("after delete: %+v", got)
	}
	// No temp files are left behind.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Fatalf("temp file left: %s", e.Name())
		}
	}
}

func TestLoadCorruptFileNamesIt(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	p := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(p, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load()
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("Load error = %v, want it to name %s", err, p)
	}
}
