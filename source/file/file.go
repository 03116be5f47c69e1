// Package file is Kafka's FileStreamSource: it reads a file (or standard
// input) line by line and follows it as it grows, like tail -f.
//
// Two formats (key `format`):
//
//   - lines (default, Kafka's behaviour): each line is a record whose value
//     is the line as a STRING, on the topic `topic`, with no key.
//   - records: each line is a kcat -J style JSON envelope, as the file sink
//     writes it: {"topic","partition","offset","ts","headers","key",
//     "payload"}. Key, payload and header values become bytes and the
//     source reports itself as a connect.BytesSource, so the pipeline's
//     converters parse them (JsonConverter with schemas.enable=true turns a
//     {"schema","payload"} payload back into a schema'd Struct). A JSON
//     string payload becomes its text, any other JSON value its exact JSON
//     text; "payload_encoding":"base64" marks Base64 bytes. "topic" in the
//     pipeline file, if set, overrides the line's topic; "offset" sets the
//     record's Kafka origin. Files written by `kcat -J` read the same way.
//
// Lines end with \n (a trailing \r is dropped). A last line without its
// newline is not read until the newline arrives, so a file still being
// written never yields half a line.
//
// Offsets are Kafka's: partition {"filename": <file>}, offset {"position":
// <byte offset just after the line>}. A restart seeks to the committed
// position and so resumes right after the last delivered line. Standard
// input (`file` empty or -) has no offsets.
//
// Kafka's FileStreamSource also has `batch.size` (most lines per poll,
// default 2000). In inlet `batch.size` belongs to the runtime (records per
// delivery to the sink, 1–10000, default 100) and never reaches the
// connector, so a Kafka file that sets it keeps working and now bounds the
// sink batches; each Poll returns at most 2000 lines, Kafka's default.
package file

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/jsonscan"
)

// Keys.
const (
	FileKey         = "file"
	TopicKey        = "topic"
	FormatKey       = "format"
	PollIntervalKey = "poll.interval.ms"

	FormatLines   = "lines"
	FormatRecords = "records"

	// maxLinesPerPoll is Kafka's default FileStreamSource batch.size.
	maxLinesPerPoll = 2000
	// maxLine bounds one line, so a file without newlines cannot take all memory.
	maxLine = 64 << 20
)

// Config declares the source's keys.
func Config() *connect.ConfigDef {
	return connect.NewConfigDef(
		connect.ConfigKey{Name: FileKey, Type: connect.TypeString, Default: "", Importance: connect.High,
			Doc: "Source file (Kafka's file). Empty or - reads standard input (without offsets)."},
		connect.ConfigKey{Name: TopicKey, Type: connect.TypeString, Default: "", Importance: connect.High,
			Doc: "Topic of the records (Kafka's topic). Required for format=lines; for format=records it overrides each line's topic."},
		connect.ConfigKey{Name: FormatKey, Type: connect.TypeString, Default: FormatLines, Importance: connect.Medium,
			Validator: connect.OneOf(FormatLines, FormatRecords),
			Doc:       "lines: each line is a STRING value (Kafka's FileStreamSource). records: each line is a kcat -J style JSON record envelope (as the file sink writes), parsed by the pipeline's converters."},
		connect.ConfigKey{Name: PollIntervalKey, Type: connect.TypeLong, Default: "200", Validator: connect.Between(1, 60000), Importance: connect.Low,
			Doc: "How often (ms) to look for new lines once the end of the file is reached (inlet; Kafka waits 1 s)."},
	).Check(func(c connect.Config) connect.ConfigErrors {
		if c.String(FormatKey) == FormatLines && c.String(TopicKey) == "" {
			return connect.ConfigErrors{{Key: TopicKey, Reason: "missing required configuration (STRING) for format=lines: the topic to publish lines to"}}
		}
		return nil
	})
}

// Register adds the file source to r.
func Register(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind: connect.KindSource, Name: "file",
		Aliases: []string{"FileStreamSource", "org.apache.kafka.connect.file.FileStreamSourceConnector"},
		Doc:     "Reads a file or stdin line by line and follows it: each line a STRING value (Kafka's FileStreamSource), or a kcat -J style record envelope (format=records). Resumes after the last committed line.",
		Config:  Config(),
		NewSource: func(_ context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
			return Open(Options{
				File:         cfg.String(FileKey),
				Topic:        cfg.String(TopicKey),
				Records:      cfg.String(FormatKey) == FormatRecords,
				PollInterval: time.Duration(cfg.Long(PollIntervalKey)) * time.Millisecond,
				Offsets:      tc.Offsets,
				Logger:       tc.Logger,
			})
		},
	})
}

// Options configure a Source.
type Options struct {
	File         string // "" or "-" = stdin
	Topic        string
	Records      bool // format=records
	PollInterval time.Duration
	Offsets      connect.OffsetReader // where to resume; nil = from the start
	Logger       *slog.Logger
}

// Source reads lines. Poll is called by one goroutine; Close may be called
// concurrently with a Poll that is waiting for data.
type Source struct {
	opt       Options
	name      string
	partition map[string]any // shared by every record: never changed

	f     *os.File
	buf   []byte // read but not yet returned; buf[0] is at file offset pos
	pos   int64
	line  int64     // lines read so far, for error messages (after a resume: since the resume)
	cache lineCache // what the last records-format line leaves for the next

	// stdin: a reader goroutine, since a read on it cannot be interrupted
	stdin    chan []byte
	stdinErr error

	mu     sync.Mutex
	closed bool
	done   chan struct{}
}

// Open opens the file and seeks to the committed position.
func Open(opt Options) (*Source, error) {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.PollInterval <= 0 {
		opt.PollInterval = 200 * time.Millisecond
	}
	s := &Source{opt: opt, name: opt.File, done: make(chan struct{})}
	if opt.File == "" || opt.File == "-" {
		s.name = "<stdin>"
		s.stdin = make(chan []byte, 1)
		go s.readStdin(os.Stdin)
		return s, nil
	}
	s.partition = map[string]any{"filename": opt.File}
	f, err := os.Open(opt.File)
	if err != nil {
		return nil, fmt.Errorf("file source: %w", err)
	}
	s.f = f
	if opt.Offsets != nil {
		off, err := opt.Offsets.Offset(s.partition)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("file source: %s: read committed offset: %w", opt.File, err)
		}
		if off != nil {
			pos, ok := toInt64(off["position"])
			if !ok || pos < 0 {
				f.Close()
				return nil, fmt.Errorf("file source: %s: committed offset %v has no valid \"position\"", opt.File, off)
			}
			st, err := f.Stat()
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("file source: %w", err)
			}
			if pos > st.Size() {
				f.Close()
				// reading from 0 could duplicate, from the end could lose:
				// a human has to decide (reset the pipeline's offsets)
				return nil, fmt.Errorf("file source: %s is %d bytes but the committed position is %d: the file was truncated or replaced; reset the pipeline's offsets to read it again",
					opt.File, st.Size(), pos)
			}
			if _, err := f.Seek(pos, io.SeekStart); err != nil {
				f.Close()
				return nil, fmt.Errorf("file source: %w", err)
			}
			s.pos = pos
			opt.Logger.Info("file source: resuming", "file", opt.File, "position", pos)
		}
	}
	return s, nil
}

// EmitsBytes tells the runtime to run the pipeline's converters on the
// keys, values and headers of records-format lines.
func (s *Source) EmitsBytes() bool { return s.opt.Records }

// Poll returns up to 2000 complete lines; at the end of the file it waits
// for more (checking every poll.interval.ms) until ctx is done.
func (s *Source) Poll(ctx context.Context) ([]*connect.Record, error) {
	if s.stdin != nil {
		return s.pollStdin(ctx)
	}
	for {
		recs, err := s.readLines()
		if err != nil || len(recs) > 0 {
			return recs, err
		}
		t := time.NewTimer(s.opt.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		case <-s.done:
			t.Stop()
			return nil, nil
		case <-t.C:
		}
	}
}

// readLines returns the complete lines available now.
func (s *Source) readLines() ([]*connect.Record, error) {
	var out []*connect.Record
	for len(out) < maxLinesPerPoll {
		line, end, ok, err := s.next()
		if err != nil {
			return out, err
		}
		if !ok {
			break
		}
		s.line++
		r, err := s.record(line, end)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// next returns the next complete line (without its terminator) and the
// file offset just after it; ok is false when no complete line is there.
func (s *Source) next() (line []byte, end int64, ok bool, err error) {
	for {
		if i := indexNL(s.buf); i >= 0 {
			line = s.buf[:i]
			s.buf = s.buf[i+1:]
			s.pos += int64(i) + 1
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, s.pos, true, nil
		}
		if len(s.buf) >= maxLine {
			return nil, 0, false, connect.Permanent(fmt.Errorf("file source: %s: line at byte %d is longer than %d bytes", s.name, s.pos, maxLine))
		}
		// compact, grow, read more
		if cap(s.buf)-len(s.buf) < 32<<10 {
			nb := make([]byte, len(s.buf), max(2*cap(s.buf), 64<<10))
			copy(nb, s.buf)
			s.buf = nb
		}
		n, rerr := s.f.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		if n == 0 {
			if rerr == nil || rerr == io.EOF {
				return nil, 0, false, nil
			}
			return nil, 0, false, connect.Retriable(fmt.Errorf("file source: read %s: %w", s.name, rerr))
		}
	}
}

func indexNL(b []byte) int { return bytes.IndexByte(b, '\n') }

// record builds the record for one line ending at file offset end.
func (s *Source) record(line []byte, end int64) (*connect.Record, error) {
	var r *connect.Record
	if s.opt.Records {
		var err error
		if r, err = parseRecord(line, &s.cache); err != nil {
			return nil, connect.Permanent(fmt.Errorf("file source: %s line %d (byte %d): %w", s.name, s.line, end-int64(len(line))-1, err))
		}
		if s.opt.Topic != "" {
			r.Topic = s.opt.Topic
		}
		if r.Topic == "" {
			return nil, connect.Permanent(fmt.Errorf("file source: %s line %d: the record has no \"topic\" and the pipeline sets no topic", s.name, s.line))
		}
	} else {
		r = &connect.Record{Topic: s.opt.Topic, Partition: connect.UnassignedPartition,
			ValueSchema: connect.StringSchema, Value: string(line)}
	}
	if s.partition != nil {
		r.SourcePartition = s.partition
		r.SourceOffset = map[string]any{"position": end}
	}
	return r, nil
}

// lineCache is what a line leaves for the next one: lines of one file
// nearly always share their topic, and often the start of their payload.
type lineCache struct {
	topic   string
	payload []byte // a checked prefix (see spanPrefixed)
}

// parseRecord decodes a records-format line into a record of bytes.
func parseRecord(line []byte, c *lineCache) (*connect.Record, error) {
	s := scanner{Scanner: jsonscan.Scanner{Data: line}}
	r := &connect.Record{Partition: connect.UnassignedPartition}
	var keyRaw, payloadRaw, headersRaw []byte
	var keyEnc, payloadEnc string
	var offset int64
	hasOffset := false
	err := s.object(func(k []byte) error {
		var err error
		switch string(k) { // compared without a copy
		case "topic":
			if s.Pos < len(line) && line[s.Pos] == '"' {
				if body, ok := s.plainString(); ok {
					if string(body) != c.topic {
						c.topic = string(body)
					}
					r.Topic = c.topic
					return nil
				}
			}
			r.Topic, err = s.optStr("topic")
		case "partition":
			var n int64
			if n, err = s.int("partition"); err == nil && !s.wasNull() {
				if n < -1 || n > 1<<31-1 {
					return fmt.Errorf("\"partition\" %d is out of range", n)
				}
				r.Partition = int32(n)
			}
		case "offset":
			offset, err = s.int("offset")
			hasOffset = err == nil && !s.wasNull()
		case "ts":
			var ms int64
			if ms, err = s.int("ts"); err == nil && ms > 0 {
				r.Timestamp = time.UnixMilli(ms).UTC()
			}
		case "headers":
			headersRaw, err = s.span()
		case "key":
			keyRaw, err = s.span()
		case "payload":
			payloadRaw, err = s.spanPrefixed(&c.payload)
		case "key_encoding":
			keyEnc, err = s.optStr("key_encoding")
		case "payload_encoding":
			payloadEnc, err = s.optStr("payload_encoding")
		default: // kcat's tstype, broker, key_error ...
			_, err = s.span()
		}
		return err
	})
	if err == nil {
		s.WS()
		if s.Pos != len(line) {
			err = s.Fail("unexpected data after the record")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("not a record envelope (a JSON object with topic, partition, offset, ts, headers, key, payload): %w", err)
	}
	if hasOffset && r.Topic != "" {
		r.Origin = connect.Origin{Topic: r.Topic, Partition: r.Partition, Offset: offset}
	}
	key, keyView, err := data(keyRaw, keyEnc, "key")
	if err != nil {
		return nil, err
	}
	value, valueView, err := data(payloadRaw, payloadEnc, "payload")
	if err != nil {
		return nil, err
	}
	// key and payload are copied out of the line (whose buffer is reused)
	// in one allocation
	if n := len(key)*b2i(keyView) + len(value)*b2i(valueView); n > 0 {
		buf := make([]byte, 0, n)
		if keyView {
			buf = append(buf, key...)
			key = buf[:len(key):len(key)]
		}
		if valueView {
			buf = append(buf, value...)
			value = buf[len(buf)-len(value) : len(buf) : len(buf)]
		}
	}
	if key != nil {
		r.Key = key
	}
	if value != nil {
		r.Value = value
	}
	if len(headersRaw) > 0 && string(headersRaw) != "null" {
		if r.Headers, err = parseHeaders(headersRaw); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// data turns a key or payload back into the bytes the sink was given: a
// JSON string is its text, any other value its exact JSON text. It returns
// nil for a null, and view is true when the bytes are part of raw (the
// caller copies them: the line buffer is reused).
func data(raw []byte, encoding, name string) (b []byte, view bool, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false, nil
	}
	if raw[0] == '"' {
		s := scanner{Scanner: jsonscan.Scanner{Data: raw}}
		if body, ok := s.plainString(); ok && encoding == "" && s.Pos == len(raw) {
			if len(body) == 0 {
				return []byte{}, false, nil // not a view: it would pin the line buffer
			}
			return body, true, nil
		}
		str, err := (&scanner{Scanner: jsonscan.Scanner{Data: raw}}).str()
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", name, err)
		}
		switch encoding {
		case "":
			return []byte(str), false, nil
		case "base64":
			b, err := base64.StdEncoding.DecodeString(str)
			if err != nil {
				return nil, false, fmt.Errorf("%s: invalid Base64: %w", name, err)
			}
			if b == nil {
				b = []byte{}
			}
			return b, false, nil
		}
		return nil, false, fmt.Errorf("%s_encoding %q is not supported (only base64)", name, encoding)
	}
	if encoding != "" {
		return nil, false, fmt.Errorf("%s_encoding %q needs a string %s", name, encoding, name)
	}
	return raw, true, nil
}

// parseHeaders reads kcat's alternating ["key", value, ...] array.
func parseHeaders(raw []byte) (connect.Headers, error) {
	s := &scanner{Scanner: jsonscan.Scanner{Data: raw}}
	if raw[0] != '[' {
		return nil, fmt.Errorf("\"headers\" must be an array alternating keys and values")
	}
	s.Pos++
	var hs connect.Headers
	s.WS()
	if s.Pos < len(raw) && raw[s.Pos] == ']' {
		return hs, nil
	}
	for {
		s.WS()
		if s.Pos >= len(raw) || raw[s.Pos] != '"' {
			return nil, fmt.Errorf("header key %d is not a string", len(hs))
		}
		k, err := s.str()
		if err != nil {
			return nil, err
		}
		s.WS()
		if s.Pos >= len(raw) || raw[s.Pos] != ',' {
			return nil, fmt.Errorf("\"headers\" must alternate keys and values: header %q has no value", k)
		}
		s.Pos++
		v, err := s.span()
		if err != nil {
			return nil, err
		}
		hv, err := headerValue(v)
		if err != nil {
			return nil, fmt.Errorf("header %q: %w", k, err)
		}
		hs = append(hs, connect.Header{Key: k, Value: hv})
		s.WS()
		if s.Pos < len(raw) && raw[s.Pos] == ',' {
			s.Pos++
			continue
		}
		if s.Pos < len(raw) && raw[s.Pos] == ']' {
			return hs, nil
		}
		return nil, fmt.Errorf("\"headers\": expected ',' or ']'")
	}
}

func headerValue(raw []byte) ([]byte, error) {
	switch {
	case string(raw) == "null":
		return nil, nil
	case raw[0] == '"':
		str, err := (&scanner{Scanner: jsonscan.Scanner{Data: raw}}).str()
		return []byte(str), err
	case raw[0] == '{':
		var o struct {
			Base64 *string `json:"base64"`
		}
		if err := json.Unmarshal(raw, &o); err != nil || o.Base64 == nil {
			return nil, fmt.Errorf("an object header value must be {\"base64\":\"…\"}")
		}
		return base64.StdEncoding.DecodeString(*o.Base64)
	}
	// kcat writes strings; accept other JSON values as their text
	return bytes.Clone(raw), nil
}

// readStdin feeds lines from stdin to Poll. It ends at EOF or on a read
// error; a read on stdin cannot be interrupted, so it may outlive Close
// until the next line or EOF arrives.
func (s *Source) readStdin(in io.Reader) {
	defer close(s.stdin)
	buf := make([]byte, 0, 64<<10)
	chunk := make([]byte, 64<<10)
	for {
		n, err := in.Read(chunk)
		buf = append(buf, chunk[:n]...)
		for {
			i := indexNL(buf)
			if i < 0 {
				break
			}
			line := buf[:i]
			if k := len(line); k > 0 && line[k-1] == '\r' {
				line = line[:k-1]
			}
			select {
			case s.stdin <- append([]byte(nil), line...):
			case <-s.done:
				return
			}
			buf = buf[i+1:]
		}
		if err != nil {
			if err != io.EOF {
				s.mu.Lock()
				s.stdinErr = err
				s.mu.Unlock()
			}
			return
		}
	}
}

func (s *Source) pollStdin(ctx context.Context) ([]*connect.Record, error) {
	var out []*connect.Record
	for len(out) < maxLinesPerPoll {
		var line []byte
		var ok bool
		if len(out) == 0 {
			select {
			case line, ok = <-s.stdin:
			case <-ctx.Done():
				return nil, nil
			case <-s.done:
				return nil, nil
			}
		} else {
			select {
			case line, ok = <-s.stdin:
			default:
				return out, nil
			}
		}
		if !ok {
			s.mu.Lock()
			err := s.stdinErr
			s.mu.Unlock()
			if err != nil {
				return out, connect.Permanent(fmt.Errorf("file source: read stdin: %w", err))
			}
			if len(out) > 0 {
				return out, nil
			}
			// EOF: nothing more will come; wait for shutdown like a drained file
			select {
			case <-ctx.Done():
			case <-s.done:
			}
			return nil, nil
		}
		s.line++
		r, err := s.record(line, 0)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Close closes the file and wakes a waiting Poll. It is idempotent.
func (s *Source) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	close(s.done)
	if s.f != nil {
		return s.f.Close()
	}
	return nil
}

func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case float64:
		if n != math.Trunc(n) {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		x, err := n.Int64()
		return x, err == nil
	case string:
		x, err := strconv.ParseInt(n, 10, 64)
		return x, err == nil
	}
	return 0, false
}
