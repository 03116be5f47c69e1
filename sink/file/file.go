// Package file is Kafka's FileStreamSink: it writes records to a file or
// to standard output, one line per record.
//
// Two formats (key `format`):
//
//   - lines (default, Kafka's behaviour): each record's value on a line.
//     Strings and bytes are written as they are, null as "null" (Java's
//     println), any other value as JSON (connect.JSONValue). The value
//     converter does not run.
//
//   - records: each line is a kcat -J style JSON envelope that keeps the
//     record's topic, partition, Kafka offset, timestamp, headers and key:
//
//     {"topic":"t","partition":0,"offset":7,"ts":1772366400391,"headers":["id","5f1b…"],"key":"A-1001","payload":{…}}
//
//     The sink asks the runtime for bytes (connect.BytesSink), so the
//     pipeline's key, value and header converters decide how data is
//     serialized, exactly as on the way to Kafka; with JsonConverter
//     (schemas.enable=true) a schema'd value keeps its schema inside the
//     payload's {"schema","payload"} envelope, and a schemaless JSON value
//     is written as is. Bytes that are JSON other than a string are
//     embedded as JSON; other UTF-8 text (and JSON strings) as a JSON
//     string; bytes that are not UTF-8 as Base64 with "key_encoding" or
//     "payload_encoding":"base64". Header values are strings (their bytes
//     as text), or {"base64":"…"} when not UTF-8. null is a null key or
//     value. The file source reads this format back to the same bytes.
//
// Durability: Put only serializes; Flush writes everything put since the
// last Flush in one write and fsyncs the file before it returns, so the
// runtime commits source offsets only for records that are on disk. A
// failed Flush truncates the file back to its last durable size and keeps
// the data for the next Flush, and on open a partial last line (left by a
// crash mid-write) is cut off, so the file only ever holds whole records.
//
// `file=-` (or no file) writes to standard output; Flush then flushes but
// cannot fsync.
package file

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"unicode/utf8"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/jsonscan"
)

// Keys.
const (
	FileKey   = "file"
	FormatKey = "format"

	FormatLines   = "lines"
	FormatRecords = "records"
)

// Config declares the sink's keys.
func Config() *connect.ConfigDef {
	return connect.NewConfigDef(
		connect.ConfigKey{Name: FileKey, Type: connect.TypeString, Default: "", Importance: connect.High,
			Doc: "Destination file (Kafka's file). Empty or - writes to standard output. The file is appended to."},
		connect.ConfigKey{Name: FormatKey, Type: connect.TypeString, Default: FormatLines, Importance: connect.Medium,
			Validator: connect.OneOf(FormatLines, FormatRecords),
			Doc:       "lines: one value per line, as Kafka's FileStreamSink. records: one kcat -J style JSON envelope per line (topic, partition, offset, ts, headers, key, payload), serialized by the pipeline's converters."},
	)
}

// Register adds the file sink to r.
func Register(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind: connect.KindSink, Name: "file",
		Aliases: []string{"FileStreamSink", "org.apache.kafka.connect.file.FileStreamSinkConnector"},
		Doc:     "Writes records to a file or stdout, one line each: the value (Kafka's FileStreamSink) or a kcat -J style record envelope (format=records). Flush fsyncs.",
		Config:  Config(),
		NewSink: func(_ context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SinkTask, error) {
			return Open(cfg.String(FileKey), cfg.String(FormatKey), tc.Logger)
		},
	})
}

// Sink writes records to a file. Put and Flush are called from one
// goroutine (the SinkTask contract); Close may follow.
type Sink struct {
	name    string
	records bool
	f       *os.File // nil for stdout
	out     io.Writer
	buf     []byte // serialized since the last successful Flush
	durable int64  // file size after the last successful Flush
	log     *slog.Logger
	closed  bool
}

// Open opens (creating, appending to) the file; "" or "-" is stdout.
func Open(name, format string, log *slog.Logger) (*Sink, error) {
	if log == nil {
		log = slog.Default()
	}
	s := &Sink{name: name, records: format == FormatRecords, log: log}
	if name == "" || name == "-" {
		s.name, s.out = "<stdout>", os.Stdout
		return s, nil
	}
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("file sink: %w", err)
	}
	size, err := repairTail(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("file sink: %s: %w", name, err)
	}
	if size > 0 {
		log.Debug("file sink: appending", "file", name, "size", size)
	}
	s.f, s.out, s.durable = f, f, size
	return s, nil
}

// repairTail cuts a partial last line (a crash between write and fsync
// can leave one) and positions the file at its end.
func repairTail(f *os.File) (int64, error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil || size == 0 {
		return size, err
	}
	// look back for the last newline in growing windows
	end := size
	var chunk [4096]byte
	for pos := size; pos > 0; {
		n := min(int64(len(chunk)), pos)
		pos -= n
		if _, err := f.ReadAt(chunk[:n], pos); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(chunk[:n], '\n'); i >= 0 {
			end = pos + int64(i) + 1
			break
		}
		if pos == 0 {
			end = 0
		}
	}
	if end != size {
		if err := f.Truncate(end); err != nil {
			return 0, err
		}
		if err := f.Sync(); err != nil {
			return 0, err
		}
	}
	_, err = f.Seek(end, io.SeekStart)
	return end, err
}

// WantsBytes reports whether the runtime should convert records first:
// yes in records format, where the converters own serialization.
func (s *Sink) WantsBytes() bool { return s.records }

// Put serializes records into the pending buffer; nothing is written
// before Flush. A record that cannot be serialized is reported by itself.
func (s *Sink) Put(_ context.Context, records []*connect.Record) error {
	if s.closed {
		return fmt.Errorf("file sink: %s: Put after Close", s.name)
	}
	var errs connect.RecordErrors
	for _, r := range records {
		mark := len(s.buf)
		var err error
		if s.records {
			s.buf, err = appendRecord(s.buf, r)
		} else {
			s.buf, err = appendLine(s.buf, r.ValueSchema, r.Value)
		}
		if err != nil {
			s.buf = s.buf[:mark]
			errs = append(errs, connect.RecordError{Record: r, Err: connect.Permanent(fmt.Errorf("file sink: %w", err))})
			continue
		}
		s.buf = append(s.buf, '\n')
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Flush writes what Put buffered and fsyncs: when it returns nil the
// records survive a crash.
func (s *Sink) Flush(context.Context) error {
	if s.closed {
		return fmt.Errorf("file sink: %s: Flush after Close", s.name)
	}
	if len(s.buf) > 0 {
		n, err := s.out.Write(s.buf)
		if err != nil {
			return s.undo(fmt.Errorf("file sink: write %s: %w", s.name, err), n)
		}
	}
	if s.f != nil {
		// the offsets of these records are committed once we return: they
		// must be on disk, not in the page cache
		if err := s.f.Sync(); err != nil {
			return s.undo(fmt.Errorf("file sink: fsync %s: %w", s.name, err), len(s.buf))
		}
		s.durable += int64(len(s.buf))
	}
	s.buf = s.buf[:0]
	if cap(s.buf) > 8<<20 {
		s.buf = nil // do not hold a huge buffer between bursts
	}
	return nil
}

// undo cuts a partly written batch off the file so a retried Flush does
// not leave a torn or doubled line; the buffer is kept for the retry.
func (s *Sink) undo(err error, written int) error {
	if s.f == nil || written == 0 {
		return connect.Retriable(err)
	}
	if terr := s.f.Truncate(s.durable); terr != nil {
		return fmt.Errorf("%w (and truncating back to %d bytes failed: %v)", err, s.durable, terr)
	}
	if _, serr := s.f.Seek(s.durable, io.SeekStart); serr != nil {
		return fmt.Errorf("%w (and seeking back failed: %v)", err, serr)
	}
	return connect.Retriable(err)
}

// Close closes the file; buffered records not flushed are dropped (the
// runtime flushes before closing, and their offsets were never committed).
// It is idempotent.
func (s *Sink) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.f != nil {
		return s.f.Close()
	}
	return nil
}

// appendLine writes a value as Kafka's FileStreamSink prints it.
func appendLine(b []byte, schema *connect.Schema, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return append(b, x...), nil
	case []byte:
		return append(b, x...), nil
	}
	jv, err := connect.JSONValue(schema, v)
	if err != nil {
		return b, err
	}
	if s, ok := jv.(string); ok {
		return append(b, s...), nil
	}
	enc, err := json.Marshal(jv)
	if err != nil {
		return b, err
	}
	return append(b, enc...), nil
}

// appendRecord writes one records-format envelope (without the newline).
func appendRecord(b []byte, r *connect.Record) ([]byte, error) {
	b = append(b, `{"topic":`...)
	b = appendString(b, r.Topic)
	b = append(b, `,"partition":`...)
	b = strconv.AppendInt(b, int64(r.Partition), 10)
	if r.Origin.IsSet() && r.Origin.Topic == r.Topic {
		// a Kafka offset only means something in the topic it was read from
		b = append(b, `,"offset":`...)
		b = strconv.AppendInt(b, r.Origin.Offset, 10)
	}
	if !r.Timestamp.IsZero() {
		b = append(b, `,"ts":`...)
		b = strconv.AppendInt(b, r.Timestamp.UnixMilli(), 10)
	}
	if len(r.Headers) > 0 {
		b = append(b, `,"headers":[`...)
		for i, h := range r.Headers {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, h.Key)
			b = append(b, ',')
			hb, err := asBytes(h.Value)
			if err != nil {
				return b, fmt.Errorf("header %q: %w", h.Key, err)
			}
			switch {
			case hb == nil:
				b = append(b, "null"...)
			case utf8.Valid(hb):
				b = appendString(b, string(hb))
			default:
				b = append(b, `{"base64":"`...)
				b = base64.StdEncoding.AppendEncode(b, hb)
				b = append(b, `"}`...)
			}
		}
		b = append(b, ']')
	}
	var err error
	if b, err = appendData(b, "key", r.Key); err != nil {
		return b, err
	}
	if b, err = appendData(b, "payload", r.Value); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// asBytes accepts what the runtime hands a BytesSink: []byte, or nil; a
// string (a record built by hand) is taken as its bytes.
func asBytes(v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		return x, nil
	case string:
		return []byte(x), nil
	}
	return nil, fmt.Errorf("records format needs bytes (the runtime converts records for this sink), got Go type %T", v)
}

// appendData writes "name":<data>, choosing the form that reads back to
// the same bytes (see the package doc).
func appendData(b []byte, name string, v any) ([]byte, error) {
	data, err := asBytes(v)
	if err != nil {
		return b, fmt.Errorf("%s: %w", name, err)
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	switch {
	case data == nil:
		return append(b, "null"...), nil
	case embeddable(data):
		return append(b, data...), nil
	case utf8.Valid(data):
		return appendString(b, string(data)), nil
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, data)
	b = append(b, `","`...)
	b = append(b, name...)
	return append(b, `_encoding":"base64"`...), nil
}

// embeddable reports whether data can sit in the envelope verbatim: valid
// JSON, on one line, and not a JSON string or null (those would read back
// as their contents / as a null).
func embeddable(data []byte) bool {
	if len(data) == 0 || bytes.IndexByte(data, '\n') >= 0 || bytes.IndexByte(data, '\r') >= 0 { // IndexByte is SIMD; IndexAny is not
		return false
	}
	switch data[0] {
	case '{', '[', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 't', 'f':
	default:
		return false
	}
	// converter output is checked in one pass that jumps from quote to
	// quote inside strings, several times faster than encoding/json.Valid
	return jsonscan.Valid(data)
}

// appendString writes s as a JSON string (valid UTF-8 assumed for keys and
// topics; invalid bytes become U+FFFD).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		i++
	}
	return append(b, '"')
}
