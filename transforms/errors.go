package transforms

import (
	"fmt"
	"reflect"

	"github.com/inletdev/inlet/connect"
)

// recordErr is the error a transform returns for one record: it names the
// transform, where the record is, and what was wrong, so the runtime's
// error policy (retry, DLQ, fail) can report it without more context.
func recordErr(name string, r *connect.Record, format string, args ...any) error {
	return fmt.Errorf("transforms: %s: %s: %s", name, r.Coordinates(), fmt.Sprintf(format, args...))
}

// configErr reports a problem with one configuration key.
func configErr(key, value, reason string) error {
	return connect.ConfigErrors{&connect.ConfigError{Key: key, Value: value, Reason: reason}}
}

// typeName describes a Go value in messages ("string", "map[string]any",
// "*connect.Struct", "null").
func typeName(v any) string {
	if v == nil {
		return "null"
	}
	switch v.(type) {
	case map[string]any:
		return "map (schemaless object)"
	case *connect.Struct:
		return "Struct"
	}
	return reflect.TypeOf(v).String()
}
