package connect

import (
	"fmt"
	"time"
)

// UnassignedPartition is Record.Partition when no partition was chosen; the
// sink picks one (the Kafka sink hashes the key as the Java client does).
const UnassignedPartition int32 = -1

// Record is one message moving through a pipeline. It is created by a
// source, passed by pointer, and never changed after it has been handed on:
// a transform that changes a record changes a Clone.
type Record struct {
	Topic     string
	Partition int32 // UnassignedPartition (-1) when unset

	KeySchema   *Schema // nil = schemaless
	Key         any
	ValueSchema *Schema // nil = schemaless
	Value       any     // nil = tombstone

	Headers   Headers
	Timestamp time.Time // zero = none

	// SourcePartition and SourceOffset locate the record in its source, as in
	// Kafka Connect: maps of strings, numbers, booleans, lists and maps, stored
	// as JSON. The runtime commits the offset once the record is delivered.
	SourcePartition map[string]any
	SourceOffset    map[string]any

	// Origin holds the Kafka coordinates the record was read from, before any
	// transform ran (KIP-793's originalTopic/Partition/Offset). Topic == ""
	// when the record was not read from Kafka.
	Origin Origin
}

// Origin is where a record was read from Kafka.
type Origin struct {
	Topic     string
	Partition int32
	Offset    int64
}

// IsSet reports whether the record was read from Kafka.
func (o Origin) IsSet() bool { return o.Topic != "" }

// NewRecord returns a record with an unassigned partition.
func NewRecord(topic string, key, value any) *Record {
	return &Record{Topic: topic, Partition: UnassignedPartition, Key: key, Value: value}
}

// Clone returns a shallow copy that a transform may change. The copy's
// Headers share the original's backing array but with capacity cut to
// length, so Add on the copy reallocates instead of writing into the
// original; Set and Remove always build a new slice.
func (r *Record) Clone() *Record {
	c := *r
	c.Headers = r.Headers[:len(r.Headers):len(r.Headers)]
	return &c
}

// Coordinates describes where the record is, for error messages: the Kafka
// origin if any, else the topic and source offset.
func (r *Record) Coordinates() string {
	if r == nil {
		return "<nil record>"
	}
	if r.Origin.IsSet() {
		return fmt.Sprintf("topic %q partition %d offset %d", r.Origin.Topic, r.Origin.Partition, r.Origin.Offset)
	}
	s := fmt.Sprintf("topic %q", r.Topic)
	if len(r.SourceOffset) > 0 {
		s += fmt.Sprintf(" source partition %v offset %v", r.SourcePartition, r.SourceOffset)
	}
	return s
}

// Header is one record header. Keys may repeat; order is kept.
type Header struct {
	Key    string
	Schema *Schema // nil = schemaless
	Value  any
}

// Headers is an ordered list of headers.
type Headers []Header

// Last returns the last header with that key (Kafka's lastWithName).
func (h Headers) Last(key string) (Header, bool) {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Key == key {
			return h[i], true
		}
	}
	return Header{}, false
}

// Has reports whether at least one header has that key.
func (h Headers) Has(key string) bool {
	_, ok := h.Last(key)
	return ok
}

// All returns every header with that key, in order.
func (h Headers) All(key string) []Header {
	var out []Header
	for _, x := range h {
		if x.Key == key {
			out = append(out, x)
		}
	}
	return out
}

// Add appends a header. Use the result: h = h.Add(...).
func (h Headers) Add(key string, schema *Schema, value any) Headers {
	return append(h, Header{Key: key, Schema: schema, Value: value})
}

// Remove returns a new slice without any header with that key.
func (h Headers) Remove(keys ...string) Headers {
	out := make(Headers, 0, len(h))
next:
	for _, x := range h {
		for _, k := range keys {
			if x.Key == k {
				continue next
			}
		}
		out = append(out, x)
	}
	return out
}

// Set returns a new slice where every header with that key is replaced by
// one header with the new value, at the position of the first.
func (h Headers) Set(key string, schema *Schema, value any) Headers {
	out := make(Headers, 0, len(h)+1)
	done := false
	for _, x := range h {
		if x.Key == key {
			if !done {
				out = append(out, Header{Key: key, Schema: schema, Value: value})
				done = true
			}
			continue
		}
		out = append(out, x)
	}
	if !done {
		out = append(out, Header{Key: key, Schema: schema, Value: value})
	}
	return out
}
