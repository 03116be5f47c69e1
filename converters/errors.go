package converters

import (
	"errors"
	"fmt"
	"strings"
)

// ErrMissingEnvelope is wrapped by the error JSONConverter.ToConnect returns
// when schemas.enable=true and the input is not a {"schema","payload"}
// envelope.
var ErrMissingEnvelope = errors.New(`JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.`)

// DataError is a value that does not fit its schema or a converter (Kafka's
// DataException). Path locates the offending part of the value ("$" is the
// whole value, "after.total" a nested field).
type DataError struct {
	Converter string
	Path      []string // innermost last, built while unwinding
	Reason    string
}

func (e *DataError) Error() string {
	p := "$"
	if len(e.Path) > 0 {
		p = strings.Join(e.Path, ".")
	}
	return fmt.Sprintf("converters: %s: at %s: %s", e.Converter, p, e.Reason)
}

// dataErr builds a DataError without a path.
func dataErr(conv, format string, args ...any) *DataError {
	return &DataError{Converter: conv, Reason: fmt.Sprintf(format, args...)}
}

// under prefixes err's path with seg if it is a *DataError, so the path is
// only built when something failed (the hot path allocates nothing).
func under(err error, seg string) error {
	var de *DataError
	if errors.As(err, &de) {
		de.Path = append([]string{seg}, de.Path...)
	}
	return err
}
