package connect

import "fmt"

// Struct is a STRUCT value: Values[i] belongs to Schema.Fields[i]. The
// fields are exported so hot paths can index them directly; use Get and Put
// for access by name. A Struct reachable from a record that has been handed
// on is shared: copy it (Clone) before changing it.
type Struct struct {
	Schema *Schema
	Values []any
}

// NewStruct returns an empty struct for s (every field nil).
func NewStruct(s *Schema) *Struct {
	return &Struct{Schema: s, Values: make([]any, len(s.Fields))}
}

// Get returns the value of the named field, or nil if the schema has no such
// field (use Lookup to tell the two apart).
func (s *Struct) Get(name string) any {
	v, _ := s.Lookup(name)
	return v
}

// Lookup returns the value of the named field and whether the field exists.
func (s *Struct) Lookup(name string) (any, bool) {
	if s == nil {
		return nil, false
	}
	f, ok := s.Schema.Field(name)
	if !ok {
		return nil, false
	}
	return s.Values[f.Index], true
}

// Put sets the named field and returns s, for chaining. It panics if the
// schema has no such field: that is a programming error in a plugin, not bad
// input; use PutChecked where the name comes from configuration or data.
func (s *Struct) Put(name string, v any) *Struct {
	if err := s.PutChecked(name, v); err != nil {
		panic(err)
	}
	return s
}

// PutChecked sets the named field, or reports that the schema lacks it.
func (s *Struct) PutChecked(name string, v any) error {
	f, ok := s.Schema.Field(name)
	if !ok {
		return fmt.Errorf("connect: %s has no field %q", s.Schema, name)
	}
	s.Values[f.Index] = v
	return nil
}

// Clone returns a copy with its own value slice (nested values are shared).
func (s *Struct) Clone() *Struct {
	if s == nil {
		return nil
	}
	vs := make([]any, len(s.Values))
	copy(vs, s.Values)
	return &Struct{Schema: s.Schema, Values: vs}
}

// Validate checks that every required field is set. It does not check Go
// types deeply; converters report type mismatches with the field's path.
func (s *Struct) Validate() error {
	for i, f := range s.Schema.Fields {
		if s.Values[i] == nil && !f.Schema.Optional && f.Schema.Default == nil {
			return fmt.Errorf("connect: required field %q of %s is missing", f.Name, s.Schema)
		}
	}
	return nil
}
