package rocketmqtest

import "errors"

// ErrSignature is the reason a request is refused when its signature does
// not check out.
var ErrSignature = errors.New("signature mismatch")
