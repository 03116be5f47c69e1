// Package configstore keeps the pipelines created or edited over the REST
// API in a directory, one JSON file per pipeline, so that they survive a
// restart of a standalone worker (Kafka Connect's standalone mode forgets
// them). Files are written atomically: temp file, fsync, rename, fsync dir.
package configstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Entry is one stored pipeline: the POST /connectors body plus the target
// state the user last asked for.
type Entry struct {
	Name   string            `json:"name"`
	Config map[string]string `json:"config"`
	State  string            `json:"state,omitempty"` // RUNNING, PAUSED or STOPPED
}

// Store is a directory of pipeline files. It is safe for concurrent use.
type Store struct {
	dir string
	mu  sync.Mutex
}

// Open creates the directory if needed.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("configstore: %w", err)
	}
	return &Store{dir: dir}, nil
}

// Dir returns the directory.
func (s *Store) Dir() string { return s.dir }

// file names are the escaped pipeline name, so any name is a safe file name.
func (s *Store) path(name string) string {
	return filepath.Join(s.dir, url.PathEscape(name)+".json")
}

// Save writes or replaces a pipeline.
func (s *Store) Save(e Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return fmt.Errorf("configstore: %w", err)
	}
	return writeAtomic(s.path(e.Name), append(b, '\n'))
}

// SetState changes the stored target state of a pipeline, if it is stored.
func (s *Store) SetState(name, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.read(s.path(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	e.State = state
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return fmt.Errorf("configstore: %w", err)
	}
	return writeAtomic(s.path(name), append(b, '\n'))
}

// Delete removes a pipeline; deleting one that is not stored is not an error.
func (s *Store) Delete(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.Remove(s.path(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("configstore: %w", err)
	}
	return syncDir(s.dir)
}

// Load returns every stored pipeline, sorted by name. A file that cannot be
// read is an error naming the file: a corrupt store must not silently lose
// a pipeline.
func (s *Store) Load() ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names, err := filepath.Glob(filepath.Join(s.dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("configstore: %w", err)
	}
	var out []Entry
	for _, p := range names {
		e, err := s.read(p)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *Store) read(p string) (Entry, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return Entry{}, err
	}
	var e Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return Entry{}, fmt.Errorf("configstore: %s: not a pipeline file: %w", p, err)
	}
	if e.Name == "" {
		base := strings.TrimSuffix(filepath.Base(p), ".json")
		e.Name, _ = url.PathUnescape(base)
	}
	if e.Config == nil {
		return Entry{}, fmt.Errorf("configstore: %s: missing \"config\"", p)
	}
	return e, nil
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("configstore: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("configstore: %w", err)
	}
	// fsync before rename: otherwise a crash can leave an empty file under
	// the final name.
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("configstore: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("configstore: %w", err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fmt.Errorf("configstore: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("configstore: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("configstore: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("configstore: %w", err)
	}
	return nil
}
