package worker

import (
	"errors"
	"fmt"
	"strings"

	"github.com/inletdev/inlet/connect"
)

// Errors the management API returns; test with errors.Is. The REST layer
// maps them to Kafka Connect's status codes (404, 409, 400).
var (
	// ErrNotFound: no pipeline has that name (or no task has that id).
	ErrNotFound = errors.New("worker: not found")
	// ErrExists: a pipeline with that name already exists.
	ErrExists = errors.New("worker: already exists")
	// ErrNotStopped: offsets can be altered or reset only while the
	// pipeline is STOPPED (KIP-875).
	ErrNotStopped = errors.New("worker: pipeline is not stopped")
	// ErrNoOffsetStore: offset.storage.topic is set but no offset store
	// plugin named "kafka" is registered.
	ErrNoOffsetStore = errors.New("worker: no offset store")
	// ErrRunning: Run was called twice.
	ErrRunning = errors.New("worker: already running")
)

// ConfigInvalidError is returned when a pipeline or worker configuration
// has problems; Errors names every one, each with its key.
type ConfigInvalidError struct {
	Pipeline string
	Errors   connect.ConfigErrors
}

func (e *ConfigInvalidError) Error() string {
	var b strings.Builder
	if e.Pipeline != "" {
		fmt.Fprintf(&b, "pipeline %q: ", e.Pipeline)
	}
	fmt.Fprintf(&b, "configuration is invalid and contains the following %d error(s):", len(e.Errors))
	for _, ce := range e.Errors {
		b.WriteString("\n  - " + ce.Error())
	}
	return b.String()
}

// Unwrap exposes the ConfigErrors to errors.As.
func (e *ConfigInvalidError) Unwrap() error { return e.Errors }

// Stage names, as Kafka Connect reports them in __connect.errors.stage.
const (
	StagePoll            = "TASK_POLL"
	StagePut             = "TASK_PUT"
	StageTransformation  = "TRANSFORMATION"
	StageKeyConverter    = "KEY_CONVERTER"
	StageValueConverter  = "VALUE_CONVERTER"
	StageHeaderConverter = "HEADER_CONVERTER"
	StageKafkaProduce    = "KAFKA_PRODUCE"
	StageKafkaConsume    = "KAFKA_CONSUME"
	StageDeadLetter      = "DEAD_LETTER_QUEUE"
	StageStart           = "TASK_START"
	StageCommit          = "OFFSET_COMMIT"
)

// TaskError is why a task failed: the stage, the plugin that was running,
// and where the record is (Kafka Connect hides this inside "Tolerance
// exceeded in error handler"; we put it in the message).
type TaskError struct {
	Pipeline string
	Task     int
	Stage    string
	Plugin   string // e.g. "transforms.route (RegexRouter)"
	Record   string // record coordinates, "" when no record is involved
	Attempts int    // how many times the operation ran
	Err      error
}

func (e *TaskError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pipeline %q task %d failed in stage %s", e.Pipeline, e.Task, e.Stage)
	if e.Plugin != "" {
		b.WriteString(" (" + e.Plugin + ")")
	}
	if e.Record != "" {
		b.WriteString(" at " + e.Record)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

func (e *TaskError) Unwrap() error { return e.Err }

// trace renders err and its cause chain, one per line, for task status.
func trace(err error) string {
	if err == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(err.Error())
	depth := 0
	for cause := errors.Unwrap(err); cause != nil && depth < 16; cause = errors.Unwrap(cause) {
		fmt.Fprintf(&b, "\nCaused by: %T: %s", cause, cause.Error())
		depth++
	}
	return b.String()
}

// rootCause is the innermost wrapped error.
func rootCause(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// errDeliveryEnded tells run that the task loop stopped because the
// delivery goroutine returned; the delivery goroutine's own result is the
// task's.
var errDeliveryEnded = errors.New("delivery ended")
