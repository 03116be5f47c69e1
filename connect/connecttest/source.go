// Package connecttest helps plugin authors and the runtime test against the
// connect API: in-memory sources and sinks, helpers that register them as
// plugins, and contract tests (TestTransformation, TestSourceTask,
// TestSinkTask) that check the invariants every plugin must keep.
package connecttest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/inletdev/inlet/connect"
)

// DefaultPartition is the source partition NewSource gives records that
// have none.
var defaultPartition = map[string]any{"source": "connecttest"}

// Source is an in-memory connect.SourceTask. It hands out its records in
// order, PollSize at a time; once they are exhausted Poll blocks until its
// context is done and then returns nil, nil. It implements
// connect.SourceCommitter, connect.RecordCommitter and io.Closer and
// remembers what the runtime told it. Poll is called by one goroutine; the
// inspection methods are safe for concurrent use.
type Source struct {
	// PollSize is the most records one Poll returns (default 100).
	PollSize int

	records []*connect.Record
	gen     func(i int64) *connect.Record
	count   int64 // generator: records to make, 0 = endless

	next int64 // index of the next record to hand out (owned by Poll)

	mu        sync.Mutex
	polled    int64
	committed []connect.SourceOffset
	commits   int
	delivered int64
	dropped   int64
	closed    int
	pollErr   []error
}

// NewSource returns a source of the given records. Records without a source
// partition get {"source":"connecttest"} and offset {"offset": i} (i is the
// record's position, from 0), so the runtime has offsets to commit. The
// records are owned by the source from here on.
func NewSource(records ...*connect.Record) *Source {
	for i, r := range records {
		if r.SourcePartition == nil {
			r.SourcePartition = defaultPartition
			r.SourceOffset = map[string]any{"offset": int64(i)}
		}
	}
	return &Source{records: records, PollSize: 100}
}

// NewGenerator returns a source that makes count records (0 = endless) by
// calling gen(i) for i = 0, 1, ... as they are polled. gen runs on the
// polling goroutine. Records it returns without a source partition get the
// same partition and offset as in NewSource.
func NewGenerator(count int64, gen func(i int64) *connect.Record) *Source {
	return &Source{gen: gen, count: count, PollSize: 100}
}

// Numbered returns record i of the standard numbered series: topic, key
// "<i>", value "record-<i>", partition {"source":"connecttest"}, offset
// {"offset": i}. RegisterSource's plugins emit it.
func Numbered(topic string, i int64) *connect.Record {
	r := connect.NewRecord(topic, strconv.FormatInt(i, 10), "record-"+strconv.FormatInt(i, 10))
	r.SourcePartition = defaultPartition
	r.SourceOffset = map[string]any{"offset": i}
	return r
}

// SkipTo makes the source start at record index next (e.g. one past the
// offset read from TaskContext.Offsets on a restart).
func (s *Source) SkipTo(next int64) { s.next = next }

// FailNextPoll makes the next Polls return these errors, one per Poll, in
// order (wrap with connect.Retriable for transient failures).
func (s *Source) FailNextPoll(errs ...error) {
	s.mu.Lock()
	s.pollErr = append(s.pollErr, errs...)
	s.mu.Unlock()
}

// Poll returns the next records, or blocks until ctx is done once the
// source is exhausted.
func (s *Source) Poll(ctx context.Context) ([]*connect.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil
	}
	s.mu.Lock()
	if len(s.pollErr) > 0 {
		err := s.pollErr[0]
		s.pollErr = s.pollErr[1:]
		s.mu.Unlock()
		return nil, err
	}
	s.mu.Unlock()
	n := s.PollSize
	if n <= 0 {
		n = 100
	}
	var out []*connect.Record
	if s.gen == nil {
		if s.next >= int64(len(s.records)) {
			<-ctx.Done()
			return nil, nil
		}
		end := min(s.next+int64(n), int64(len(s.records)))
		// a sub-slice, not a copy: the benchmark path allocates nothing
		out = s.records[s.next:end:end]
		s.next = end
	} else {
		if s.count > 0 && s.next >= s.count {
			<-ctx.Done()
			return nil, nil
		}
		if s.count > 0 {
			n = int(min(int64(n), s.count-s.next))
		}
		out = make([]*connect.Record, n)
		for j := range out {
			r := s.gen(s.next)
			if r.SourcePartition == nil {
				r.SourcePartition = defaultPartition
				r.SourceOffset = map[string]any{"offset": s.next}
			}
			out[j] = r
			s.next++
		}
	}
	s.mu.Lock()
	s.polled += int64(len(out))
	s.mu.Unlock()
	return out, nil
}

// Commit records the offsets the runtime stored.
func (s *Source) Commit(_ context.Context, offsets []connect.SourceOffset) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commits++
	s.committed = mergeOffsets(s.committed, offsets)
	return nil
}

// CommitRecord counts delivered and dropped/dead-lettered records.
func (s *Source) CommitRecord(_ context.Context, _ *connect.Record, delivered bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if delivered {
		s.delivered++
	} else {
		s.dropped++
	}
	return nil
}

// Close counts its calls; it is idempotent.
func (s *Source) Close() error {
	s.mu.Lock()
	s.closed++
	s.mu.Unlock()
	return nil
}

// Polled is how many records Poll has returned.
func (s *Source) Polled() int64 { s.mu.Lock(); defer s.mu.Unlock(); return s.polled }

// Committed returns the last committed offset of each source partition.
func (s *Source) Committed() []connect.SourceOffset {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]connect.SourceOffset(nil), s.committed...)
}

// CommittedOffset returns the committed "offset" of the default partition
// (as NewSource and Numbered set it), or -1 if none was committed.
func (s *Source) CommittedOffset() int64 {
	for _, o := range s.Committed() {
		if samePartition(o.Partition, defaultPartition) {
			if n, ok := Int64(o.Offset["offset"]); ok {
				return n
			}
		}
	}
	return -1
}

// Commits is how many times Commit was called.
func (s *Source) Commits() int { s.mu.Lock(); defer s.mu.Unlock(); return s.commits }

// RecordCommits returns how many records CommitRecord saw delivered and not.
func (s *Source) RecordCommits() (delivered, notDelivered int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delivered, s.dropped
}

// Closed is how many times Close was called.
func (s *Source) Closed() int { s.mu.Lock(); defer s.mu.Unlock(); return s.closed }

func mergeOffsets(have, add []connect.SourceOffset) []connect.SourceOffset {
next:
	for _, o := range add {
		for i := range have {
			if samePartition(have[i].Partition, o.Partition) {
				have[i] = o
				continue next
			}
		}
		have = append(have, o)
	}
	return have
}

// samePartition compares partitions by structure, as offsets stores do
// (numbers may come back from JSON as float64 or json.Number).
func samePartition(a, b map[string]any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// Int64 converts an offset number as an offset store may return it (int,
// int64, float64, json.Number, string) to int64.
func Int64(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n != math.Trunc(n) {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	return 0, false
}

// resumeFrom reads the committed offset of the default partition and
// returns the index of the first record not yet delivered.
func resumeFrom(tc connect.TaskContext) (int64, error) {
	if tc.Offsets == nil {
		return 0, nil
	}
	off, err := tc.Offsets.Offset(defaultPartition)
	if err != nil {
		return 0, fmt.Errorf("connecttest: read offset: %w", err)
	}
	if off == nil {
		return 0, nil
	}
	n, ok := Int64(off["offset"])
	if !ok {
		return 0, fmt.Errorf("connecttest: stored offset %v has no integer \"offset\"", off)
	}
	return n + 1, nil
}
