package connect

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrUnknownPlugin is wrapped by the error Registry.Lookup returns for a
// name no plugin has.
var ErrUnknownPlugin = errors.New("unknown plugin")

// UnknownPluginError names the missing plugin and the closest known names.
type UnknownPluginError struct {
	Kind        Kind
	Name        string
	Suggestions []string
}

func (e *UnknownPluginError) Error() string {
	msg := fmt.Sprintf("connect: unknown %s %q", e.Kind, e.Name)
	if len(e.Suggestions) > 0 {
		msg += " (did you mean " + quoteJoin(e.Suggestions, " or ") + "?)"
	} else {
		msg += " (run `inlet plugins` to list them)"
	}
	return msg
}

func (e *UnknownPluginError) Unwrap() error { return ErrUnknownPlugin }

func quoteJoin(ss []string, sep string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, sep)
}

// ConfigError is one problem with one configuration key. Value is already
// masked ([hidden]) for PASSWORD keys.
type ConfigError struct {
	File   string // set by whoever read the file, if any
	Key    string
	Value  string
	Reason string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	fmt.Fprintf(&b, "%s", e.Key)
	if e.Value != "" {
		fmt.Fprintf(&b, "=%q", e.Value)
	}
	b.WriteString(": " + e.Reason)
	return b.String()
}

// ConfigErrors is every problem found in one configuration, in key order.
type ConfigErrors []*ConfigError

func (es ConfigErrors) Error() string {
	if len(es) == 1 {
		return "invalid configuration: " + es[0].Error()
	}
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = "  - " + e.Error()
	}
	return fmt.Sprintf("invalid configuration, %d errors:\n%s", len(es), strings.Join(lines, "\n"))
}

// Sort orders the errors by file then key, so messages are stable.
func (es ConfigErrors) Sort() {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].File != es[j].File {
			return es[i].File < es[j].File
		}
		return es[i].Key < es[j].Key
	})
}

// AsConfigErrors extracts the list of config errors from err (nil if none).
func AsConfigErrors(err error) ConfigErrors {
	var ces ConfigErrors
	if errors.As(err, &ces) {
		return ces
	}
	var ce *ConfigError
	if errors.As(err, &ce) {
		return ConfigErrors{ce}
	}
	return nil
}

type retriable struct{ error }

func (r retriable) Retriable() bool { return true }
func (r retriable) Unwrap() error   { return r.error }

// Retriable marks err as transient: the runtime retries the operation under
// the pipeline's retry policy (Kafka Connect's RetriableException).
func Retriable(err error) error {
	if err == nil {
		return nil
	}
	return retriable{err}
}

// IsRetriable reports whether err, or an error it wraps, says it is
// transient by having a Retriable() bool method that returns true. The check
// is by behaviour, not type, so libraries need not import connect.
func IsRetriable(err error) bool {
	for err != nil {
		if r, ok := err.(interface{ Retriable() bool }); ok && r.Retriable() {
			return true
		}
		if u, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range u.Unwrap() {
				if IsRetriable(e) {
					return true
				}
			}
			return false
		}
		err = errors.Unwrap(err)
	}
	return false
}

type permanent struct{ error }

func (p permanent) Permanent() bool { return true }
func (p permanent) Unwrap() error   { return p.error }

// Permanent marks a sink error that retrying cannot fix (a message too
// large, a rejected request): the runtime skips the retries and applies the
// error tolerance at once. Sink errors not so marked are retried.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err was marked with Permanent (by behaviour:
// a Permanent() bool method returning true).
func IsPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// RecordError is the failure of one record.
type RecordError struct {
	Record *Record
	Err    error
}

func (e RecordError) Error() string {
	return fmt.Sprintf("%s: %v", e.Record.Coordinates(), e.Err)
}

func (e RecordError) Unwrap() error { return e.Err }

// RecordErrors is returned by SinkTask.Put or Flush when some records
// failed; the records not listed were accepted.
type RecordErrors []RecordError

func (es RecordErrors) Error() string {
	if len(es) == 0 {
		return "no record errors"
	}
	if len(es) == 1 {
		return "1 record failed: " + es[0].Error()
	}
	return fmt.Sprintf("%d records failed, first: %s", len(es), es[0].Error())
}

// Unwrap exposes the individual errors to errors.Is/As.
func (es RecordErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}
