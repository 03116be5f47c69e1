package rocketmqtest

import "errors"

// ErrSignature is the reason a request is refused when its signature does
// not check out.
var ErrSignature = errors.New("signature mismatch")

// The reasons the server refuses a SendMessage request's bytes, as
// proto.Unmarshal would (gRPC answers them with codes.Internal).
var (
	errMalformed = errors.New("cannot parse invalid wire-format data")
	errUTF8      = errors.New("string field contains invalid UTF-8")
)

// wireError names where in a SendMessageRequest decoding failed: the path
// of fields, outermost first.
type wireError struct {
	path string
	err  error
}

func (e *wireError) Error() string {
	if e.path == "" {
		return "rocketmqtest: SendMessageRequest: " + e.err.Error()
	}
	return "rocketmqtest: SendMessageRequest." + e.path + ": " + e.err.Error()
}
func (e *wireError) Unwrap() error { return e.err }

// wireErr prefixes err's path with field; an empty field adds nothing to
// an error that already has a place.
func wireErr(field string, err error) error {
	var we *wireError
	if errors.As(err, &we) {
		switch {
		case field == "":
			return we
		case we.path != "":
			return &wireError{path: field + "." + we.path, err: we.err}
		}
	}
	return &wireError{path: field, err: err}
}
