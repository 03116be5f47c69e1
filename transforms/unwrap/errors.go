package unwrap

import (
	"fmt"

	"github.com/inletdev/inlet/connect"
)

// recordErr names the transform, the record and the problem.
func recordErr(r *connect.Record, format string, args ...any) error {
	return fmt.Errorf("unwrap: ExtractNewRecordState: %s: %s", r.Coordinates(), fmt.Sprintf(format, args...))
}
