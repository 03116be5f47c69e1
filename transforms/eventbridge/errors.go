package eventbridge

import (
	"fmt"

	"github.com/inletdev/inlet/connect"
)

// recordErr names the transform, the record and the field that failed.
func recordErr(r *connect.Record, field string, err error) error {
	return fmt.Errorf("eventbridge: %s: %s: %w", r.Coordinates(), field, err)
}
