package httpfn

import (
	"errors"
	"fmt"

	"github.com/inletdev/inlet/connect"
)

// ErrBadAnswer is wrapped by the error returned when the function answers
// 2xx with something that is not a JSON array of CloudEvents. It is
// permanent: sending the same batch again would get the same answer.
var ErrBadAnswer = errors.New("httpfn: unusable answer")

// errReleased fails a read of a request body after its call returned (the
// transport then drops the connection; see reqBody).
var errReleased = errors.New("httpfn: request body read after the call ended")

func (f *Function) badAnswer(records []*connect.Record, why string) error {
	return connect.Permanent(fmt.Errorf("%w: %s answered the batch of %d records (first at %s) with something unusable: %s",
		ErrBadAnswer, f.shown, len(records), records[0].Coordinates(), why))
}
