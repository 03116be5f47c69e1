package connecttest

import (
	"fmt"
	"math/big"
	"reflect"
	"sort"
	"strings"

	"github.com/inletdev/inlet/connect"
)

// DeepCopy returns a copy of r that shares nothing mutable with it except
// schemas (which are immutable by contract and compared by Fingerprint).
func DeepCopy(r *connect.Record) *connect.Record {
	if r == nil {
		return nil
	}
	c := *r
	c.Key = CopyValue(r.Key)
	c.Value = CopyValue(r.Value)
	if r.Headers != nil {
		c.Headers = make(connect.Headers, len(r.Headers))
		for i, h := range r.Headers {
			c.Headers[i] = connect.Header{Key: h.Key, Schema: h.Schema, Value: CopyValue(h.Value)}
		}
	}
	if r.SourcePartition != nil {
		c.SourcePartition = CopyValue(r.SourcePartition).(map[string]any)
	}
	if r.SourceOffset != nil {
		c.SourceOffset = CopyValue(r.SourceOffset).(map[string]any)
	}
	return &c
}

// CopyValue deep-copies a Connect value: maps, slices, structs, bytes and
// decimals get new storage; schemas and scalars are shared.
func CopyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return x
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = CopyValue(e)
		}
		return m
	case []any:
		if x == nil {
			return x
		}
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = CopyValue(e)
		}
		return s
	case *connect.Struct:
		if x == nil {
			return x
		}
		vs := make([]any, len(x.Values))
		for i, e := range x.Values {
			vs[i] = CopyValue(e)
		}
		return &connect.Struct{Schema: x.Schema, Values: vs}
	case []byte:
		if x == nil {
			return x
		}
		return append([]byte{}, x...)
	case []connect.MapEntry:
		if x == nil {
			return x
		}
		s := make([]connect.MapEntry, len(x))
		for i, e := range x {
			s[i] = connect.MapEntry{Key: CopyValue(e.Key), Value: CopyValue(e.Value)}
		}
		return s
	case connect.Decimal:
		if x.Unscaled != nil {
			x.Unscaled = new(big.Int).Set(x.Unscaled)
		}
		return x
	case *big.Int:
		if x == nil {
			return x
		}
		return new(big.Int).Set(x)
	case []string:
		if x == nil {
			return x
		}
		return append([]string{}, x...)
	case map[string]string:
		if x == nil {
			return x
		}
		m := make(map[string]string, len(x))
		for k, e := range x {
			m[k] = e
		}
		return m
	}
	return v
}

// Diff describes how b differs from a (record fields, then schemas), or
// returns "" when they are equal. Schemas are compared by pointer and by
// Fingerprint.
func Diff(a, b *connect.Record) string {
	if a == nil || b == nil {
		if a == b {
			return ""
		}
		return fmt.Sprintf("one record is nil (%v, %v)", a == nil, b == nil)
	}
	var d []string
	check := func(name string, x, y any) {
		if !reflect.DeepEqual(x, y) {
			d = append(d, fmt.Sprintf("%s: %#v != %#v", name, x, y))
		}
	}
	check("Topic", a.Topic, b.Topic)
	check("Partition", a.Partition, b.Partition)
	if a.KeySchema != b.KeySchema {
		d = append(d, "KeySchema pointer changed")
	}
	if a.ValueSchema != b.ValueSchema {
		d = append(d, "ValueSchema pointer changed")
	}
	check("Key", a.Key, b.Key)
	check("Value", a.Value, b.Value)
	check("Headers", a.Headers, b.Headers)
	check("Timestamp", a.Timestamp, b.Timestamp)
	check("SourcePartition", a.SourcePartition, b.SourcePartition)
	check("SourceOffset", a.SourceOffset, b.SourceOffset)
	check("Origin", a.Origin, b.Origin)
	return strings.Join(d, "; ")
}

// Fingerprint renders every schema reachable from r (key, value, headers,
// nested structs), so a test can tell whether a schema was changed in place.
func Fingerprint(r *connect.Record) string {
	if r == nil {
		return ""
	}
	var b strings.Builder
	seen := map[*connect.Schema]bool{}
	fpSchema(&b, r.KeySchema, seen)
	b.WriteByte('|')
	fpSchema(&b, r.ValueSchema, seen)
	for _, h := range r.Headers {
		b.WriteByte('|')
		fpSchema(&b, h.Schema, seen)
	}
	fpValue(&b, r.Key, seen)
	fpValue(&b, r.Value, seen)
	return b.String()
}

func fpSchema(b *strings.Builder, s *connect.Schema, seen map[*connect.Schema]bool) {
	if s == nil {
		b.WriteString("nil")
		return
	}
	fmt.Fprintf(b, "{%p %v %v %#v %q %d %q %v", s, s.Type, s.Optional, s.Default, s.Name, s.Version, s.Doc, s.Parameters)
	if seen[s] {
		b.WriteString("}")
		return
	}
	seen[s] = true
	for _, f := range s.Fields {
		fmt.Fprintf(b, " %s#%d:", f.Name, f.Index)
		fpSchema(b, f.Schema, seen)
	}
	if s.Key != nil {
		b.WriteString(" k:")
		fpSchema(b, s.Key, seen)
	}
	if s.Value != nil {
		b.WriteString(" v:")
		fpSchema(b, s.Value, seen)
	}
	b.WriteString("}")
}

func fpValue(b *strings.Builder, v any, seen map[*connect.Schema]bool) {
	switch x := v.(type) {
	case *connect.Struct:
		if x == nil {
			return
		}
		fpSchema(b, x.Schema, seen)
		for _, e := range x.Values {
			fpValue(b, e, seen)
		}
	case []any:
		for _, e := range x {
			fpValue(b, e, seen)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fpValue(b, x[k], seen)
		}
	}
}
