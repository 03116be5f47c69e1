package outbox

import (
	"errors"
	"fmt"

	"github.com/inletdev/inlet/connect"
)

// ErrUnroutable is wrapped by every record error of the EventRouter, so a
// caller can tell "this record cannot be routed" from other failures.
var ErrUnroutable = errors.New("outbox: record cannot be routed")

// Error is why one record could not be routed. Reason keeps Debezium's
// phrase ("Unable to find payload field payload in event") and adds the
// option and column involved.
type Error struct {
	Reason string
}

func (e *Error) Error() string { return "outbox: " + e.Reason }

// Unwrap lets errors.Is(err, ErrUnroutable) hold.
func (e *Error) Unwrap() error { return ErrUnroutable }

// recordErr wraps a reason with the record's coordinates (topic,
// partition/offset or source offset, i.e. the LSN for PostgreSQL), once,
// at the package boundary. The runtime's error policy decides what
// happens next: retry, dead-letter queue, or a failed task.
func recordErr(r *connect.Record, format string, args ...any) error {
	return connect.RecordError{Record: r, Err: &Error{Reason: fmt.Sprintf(format, args...)}}
}
