package forms

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error Compile returns: the spec itself is
// wrong, which a retry cannot fix.
var ErrInvalid = errors.New("invalid transformation")

// SpecError says what is wrong with one part of a spec. Field names the
// part ("form", "value", "template") so callers can point at their key.
type SpecError struct {
	Field  string
	Reason string
}

func (e *SpecError) Error() string { return e.Field + ": " + e.Reason }

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *SpecError) Unwrap() error { return ErrInvalid }

func specErr(field, format string, args ...any) error {
	return &SpecError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
