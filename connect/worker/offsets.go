package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"unsafe"

	"github.com/inletdev/inlet/connect"
)

// FileStore is the standalone offset store (offset.storage.file.filename).
// The file is JSON holding Kafka Connect's keys and values:
//
//	{"offsets":[{"key":["<pipeline>",{<partition>}],"value":{<offset>}}, ...]}
//
// Keys are compared by structure, not bytes. Every Put rewrites the file
// atomically: temp file in the same directory, fsync, rename, fsync of the
// directory, so a crash leaves either the old or the new file, never a torn
// one. It is safe for concurrent use.
type FileStore struct {
	path string

	mu      sync.Mutex
	entries map[string]fileEntry // by canonical key
}

type fileEntry struct {
	Pipeline  string
	Partition map[string]any
	Offset    map[string]any
}

type fileDoc struct {
	Offsets []fileRecord `json:"offsets"`
}

type fileRecord struct {
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value"`
}

// NewFileStore opens (or starts) the offsets file at path.
func NewFileStore(path string) (*FileStore, error) {
	s := &FileStore{path: path, entries: map[string]fileEntry{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("worker: offsets file: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return s, nil
	}
	var doc fileDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("worker: offsets file %s: not inlet's JSON offsets format: %v", path, err)
	}
	for i, r := range doc.Offsets {
		var key []any
		if err := decodeJSON(r.Key, &key); err != nil || len(key) != 2 {
			return nil, fmt.Errorf("worker: offsets file %s: entry %d: key must be [\"<pipeline>\", {partition}]", path, i)
		}
		name, ok1 := key[0].(string)
		part, ok2 := key[1].(map[string]any)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("worker: offsets file %s: entry %d: key must be [\"<pipeline>\", {partition}]", path, i)
		}
		var off map[string]any
		if err := decodeJSON(r.Value, &off); err != nil {
			return nil, fmt.Errorf("worker: offsets file %s: entry %d: value: %v", path, i, err)
		}
		if off == nil {
			continue // tombstone
		}
		ck, err := canonicalKey(name, part)
		if err != nil {
			return nil, fmt.Errorf("worker: offsets file %s: entry %d: %v", path, i, err)
		}
		s.entries[ck] = fileEntry{name, part, off}
	}
	return s, nil
}

// Path returns the file's path.
func (s *FileStore) Path() string { return s.path }

// Get implements connect.OffsetStore.
func (s *FileStore) Get(_ context.Context, pipeline string, partition map[string]any) (map[string]any, error) {
	ck, err := canonicalKey(pipeline, partition)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[ck]
	if !ok {
		return nil, nil
	}
	return copyMap(e.Offset), nil
}

// List implements connect.OffsetStore.
func (s *FileStore) List(_ context.Context, pipeline string) ([]connect.SourceOffset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k, e := range s.entries {
		if e.Pipeline == pipeline {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]connect.SourceOffset, 0, len(keys))
	for _, k := range keys {
		e := s.entries[k]
		out = append(out, connect.SourceOffset{Partition: copyMap(e.Partition), Offset: copyMap(e.Offset)})
	}
	return out, nil
}

// Put implements connect.OffsetStore: the offsets are on disk when it
// returns nil. A nil Offset deletes the partition.
func (s *FileStore) Put(_ context.Context, pipeline string, offsets []connect.SourceOffset) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := make(map[string]fileEntry, len(s.entries)+len(offsets))
	for k, v := range s.entries {
		next[k] = v
	}
	for _, o := range offsets {
		part, err := normalizeMap(o.Partition)
		if err != nil {
			return fmt.Errorf("worker: source partition %v: %w", o.Partition, err)
		}
		ck, err := canonicalKey(pipeline, part)
		if err != nil {
			return err
		}
		if o.Offset == nil {
			delete(next, ck)
			continue
		}
		off, err := normalizeMap(o.Offset)
		if err != nil {
			return fmt.Errorf("worker: source offset %v: %w", o.Offset, err)
		}
		next[ck] = fileEntry{pipeline, part, off}
	}
	if err := s.write(next); err != nil {
		return err
	}
	s.entries = next // only after the file is durable
	return nil
}

func (s *FileStore) write(entries map[string]fileEntry) error {
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	doc := fileDoc{Offsets: make([]fileRecord, 0, len(keys))}
	for _, k := range keys {
		e := entries[k]
		v, err := json.Marshal(e.Offset)
		if err != nil {
			return fmt.Errorf("worker: encode offset: %w", err)
		}
		doc.Offsets = append(doc.Offsets, fileRecord{Key: json.RawMessage(k), Value: v})
	}
	data, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return fmt.Errorf("worker: encode offsets: %w", err)
	}
	data = append(data, '\n')
	dir := filepath.Dir(s.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(s.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("worker: offsets file: %w", err)
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("worker: write offsets: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("worker: fsync offsets: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("worker: close offsets: %w", err)
	}
	if err := os.Rename(tmpName, s.path); err != nil {
		return fmt.Errorf("worker: rename offsets file: %w", err)
	}
	ok = true
	// The rename is durable only once the directory entry is.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// canonicalKey is the compact JSON of ["<pipeline>", partition] with map
// keys sorted and numbers normalized, so equal structures give equal keys.
func canonicalKey(pipeline string, partition map[string]any) (string, error) {
	part, err := normalizeMap(partition)
	if err != nil {
		return "", fmt.Errorf("worker: source partition %v: %w", partition, err)
	}
	b, err := json.Marshal([]any{pipeline, part})
	if err != nil {
		return "", fmt.Errorf("worker: source partition %v: %w", partition, err)
	}
	return string(b), nil
}

func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	return normalizeInPlace(v)
}

func normalizeInPlace(v any) error {
	switch x := v.(type) {
	case *[]any:
		for i := range *x {
			n, err := normalize((*x)[i])
			if err != nil {
				return err
			}
			(*x)[i] = n
		}
	case *map[string]any:
		n, err := normalizeMap(*x)
		if err != nil {
			return err
		}
		*x = n
	}
	return nil
}

// normalizeMap deep-copies m with every number as int64 (integral) or
// float64, the types sources get back from the offset reader.
func normalizeMap(m map[string]any) (map[string]any, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		n, err := normalize(v)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		out[k] = n
	}
	return out, nil
}

func normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int64:
		return x, nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("bad number %s", x)
		}
		return f, nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint:
		if uint64(x) > math.MaxInt64 {
			return float64(x), nil
		}
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return float64(x), nil
		}
		return int64(x), nil
	case float32:
		return normFloat(float64(x)), nil
	case float64:
		return normFloat(x), nil
	case map[string]any:
		return normalizeMap(x)
	case []any:
		out := make([]any, len(x))
		for i := range x {
			n, err := normalize(x[i])
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case []string:
		out := make([]any, len(x))
		for i := range x {
			out[i] = x[i]
		}
		return out, nil
	}
	return nil, fmt.Errorf("type %T cannot be stored as JSON (use strings, numbers, booleans, lists and maps)", v)
}

func normFloat(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	return f
}

func copyMap(m map[string]any) map[string]any {
	n, _ := normalizeMap(m)
	return n
}

// offsetTracker remembers, per source partition, the offset of the last
// record that is done (delivered, dropped or dead-lettered). The delivery
// goroutine calls done only after the batch holding the record has been
// flushed, and in poll order, so an offset never passes an unflushed or
// failed record. It is used by one goroutine at a time (the delivery
// goroutine, then run once that has returned).
type offsetTracker struct {
	pipeline string
	parts    []trackedPartition
	index    map[string]int
	// Partitions by a hash of their scalar entries, for sources that build
	// a new, equal partition map per record: hashing a small map costs far
	// less than its canonical JSON.
	byHash map[uint64][]int
	seed   maphash.Seed
	// The last partition map seen, by identity: sources usually reuse one
	// map per partition, so the common case costs a pointer compare rather
	// than a JSON encoding per record. Holding the map keeps it alive, so
	// its address cannot be reused by another map.
	lastMap map[string]any
	lastIdx int
	bad     error
}

type trackedPartition struct {
	partition map[string]any
	offset    map[string]any
	dirty     bool
}

func newOffsetTracker(pipeline string) *offsetTracker {
	return &offsetTracker{pipeline: pipeline, index: map[string]int{}, byHash: map[uint64][]int{}, seed: maphash.MakeSeed(), lastIdx: -1}
}

func mapID(m map[string]any) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&m)) }

func (o *offsetTracker) done(r *connect.Record) {
	if r.SourceOffset == nil && r.SourcePartition == nil {
		return
	}
	idx := o.lastIdx
	if idx < 0 || mapID(r.SourcePartition) != mapID(o.lastMap) {
		idx = o.lookup(r)
	}
	if idx < 0 {
		return
	}
	p := &o.parts[idx]
	p.offset, p.dirty = r.SourceOffset, true
}

// lookup finds (or adds) the record's partition: by scalar hash and
// equality when it can, else by canonical JSON.
func (o *offsetTracker) lookup(r *connect.Record) int {
	h, hashable := o.hash(r.SourcePartition)
	if hashable {
		for _, i := range o.byHash[h] {
			if scalarMapsEqual(o.parts[i].partition, r.SourcePartition) {
				o.lastMap, o.lastIdx = r.SourcePartition, i
				return i
			}
		}
	}
	idx := -1
	{
		ck, err := canonicalKey(o.pipeline, r.SourcePartition)
		if err != nil {
			if o.bad == nil {
				o.bad = fmt.Errorf("record at %s: %w", r.Coordinates(), err)
			}
			return -1
		}
		var ok bool
		idx, ok = o.index[ck]
		if !ok {
			idx = len(o.parts)
			o.index[ck] = idx
			o.parts = append(o.parts, trackedPartition{partition: r.SourcePartition})
		}
		if hashable && scalarMapsEqual(o.parts[idx].partition, r.SourcePartition) {
			o.byHash[h] = append(o.byHash[h], idx)
		}
		o.lastMap, o.lastIdx = r.SourcePartition, idx
	}
	return idx
}

// hash combines the entries of a map of scalars, independent of order;
// false when a value is not a scalar (then the JSON key is used).
func (o *offsetTracker) hash(m map[string]any) (uint64, bool) {
	sum := uint64(len(m))
	for k, v := range m {
		var vh uint64
		switch x := v.(type) {
		case string:
			vh = maphash.String(o.seed, x)
		case nil:
			vh = 1
		case bool:
			vh = 2
			if x {
				vh = 3
			}
		default:
			i, f, kind := number(v)
			switch kind {
			case numInt:
				vh = uint64(i)*0x9E3779B97F4A7C15 + 5
			case numFloat:
				vh = math.Float64bits(f)*0x9E3779B97F4A7C15 + 7
			default:
				return 0, false
			}
		}
		eh := maphash.String(o.seed, k) ^ (vh * 0xff51afd7ed558ccd)
		sum += eh * 0xc4ceb9fe1a85ec53
	}
	return sum, true
}

// scalarMapsEqual compares two maps of scalars with numbers normalized
// (int32 1 equals int64 1 and float64 1), without allocating.
func scalarMapsEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		bv, ok := b[k]
		if !ok || !scalarEqual(av, bv) {
			return false
		}
	}
	return true
}

func scalarEqual(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	ai, af, ak := number(a)
	bi, bf, bk := number(b)
	switch {
	case ak == numNone || ak != bk:
		return false
	case ak == numInt:
		return ai == bi
	}
	return af == bf
}

const (
	numNone = iota
	numInt
	numFloat
)

// number reads a Go number without boxing, normalized as normalize does:
// integral values (and integral floats) as int64, others as float64.
func number(v any) (int64, float64, int) {
	switch x := v.(type) {
	case int:
		return int64(x), 0, numInt
	case int8:
		return int64(x), 0, numInt
	case int16:
		return int64(x), 0, numInt
	case int32:
		return int64(x), 0, numInt
	case int64:
		return x, 0, numInt
	case uint8:
		return int64(x), 0, numInt
	case uint16:
		return int64(x), 0, numInt
	case uint32:
		return int64(x), 0, numInt
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x), 0, numInt
		}
		return 0, float64(x), numFloat
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), 0, numInt
		}
		return 0, float64(x), numFloat
	case float32:
		return floatNum(float64(x))
	case float64:
		return floatNum(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, 0, numInt
		}
		if f, err := x.Float64(); err == nil {
			return floatNum(f)
		}
	}
	return 0, 0, numNone
}

func floatNum(f float64) (int64, float64, int) {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f), 0, numInt
	}
	return 0, f, numFloat
}

// pending returns the offsets not yet stored.
func (o *offsetTracker) pending() []connect.SourceOffset {
	var out []connect.SourceOffset
	for i := range o.parts {
		if o.parts[i].dirty {
			out = append(out, connect.SourceOffset{Partition: o.parts[i].partition, Offset: o.parts[i].offset})
		}
	}
	return out
}

// stored marks offsets as stored, unless a newer one arrived meanwhile.
func (o *offsetTracker) stored(offs []connect.SourceOffset) {
	for _, so := range offs {
		ck, err := canonicalKey(o.pipeline, so.Partition)
		if err != nil {
			continue
		}
		if i, ok := o.index[ck]; ok && mapID(o.parts[i].offset) == mapID(so.Offset) {
			o.parts[i].dirty = false
		}
	}
}
