package kafkaclient

import (
	"errors"
	"fmt"

	"github.com/inletdev/inlet/connect"
)

// ErrUnsupported is wrapped by errors for settings inlet understands but
// does not implement (GSSAPI, JKS keystores ...).
var ErrUnsupported = errors.New("kafkaclient: unsupported setting")

func keyErr(s Setting, reason string, args ...any) *connect.ConfigError {
	v := s.Value
	if isSecret(s.Key) && v != "" {
		v = connect.Hidden
	}
	return &connect.ConfigError{Key: s.From, Value: v, Reason: fmt.Sprintf(reason, args...)}
}
