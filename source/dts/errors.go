package dts

import (
	"errors"
	"fmt"
)

// ErrPlaceholder is returned by Decode for a placeholder value (at most
// PlaceholderMaxLen bytes), which is not Avro: skip it, count its offset.
var ErrPlaceholder = errors.New("dts: placeholder value, not a record")

// ErrSidInUse is wrapped by the error returned when a second pipeline in
// this process, or another client, already consumes the same consumer group.
var ErrSidInUse = errors.New("dts: consumer group already has a client")

// ErrCheckpointOutOfRange is wrapped by the error returned when
// dts.checkpoint lies outside the data the change-tracking task holds.
var ErrCheckpointOutOfRange = errors.New("dts: checkpoint outside the data range")

// DecodeError says which field of a DTS Avro record could not be decoded.
type DecodeError struct {
	Field  string
	Reason string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("dts: decoding Avro Record field %s: %s", e.Field, e.Reason)
}
