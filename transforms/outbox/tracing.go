package outbox

import (
	"context"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/inletdev/inlet/connect"
)

// Tracing, after Debezium's ActivateTracingSpan, without an OpenTelemetry
// SDK: inlet records no spans, it propagates the W3C trace context.
//
// Debezium extracts the parent context from the tracing column
// (java.util.Properties text), starts spans under it and injects the
// current span's context into the headers traceparent, tracestate and
// baggage, replacing headers of the same name. inlet injects the parent's
// context itself: its span id belongs to a span the application exported,
// so downstream consumers join the application's trace instead of hanging
// off a span that no collector ever received. A row that is traced but has
// no valid parent context (tracing.with.context.field.only=false, or an
// unparseable traceparent) starts a new trace with random ids, as a root
// span would.

// traceHeaders applies tracing to a row whose context column holds v
// (present reports whether the column exists).
func (t *Router) traceHeaders(ctx context.Context, h connect.Headers, v any, present bool) connect.Headers {
	if (!present || v == nil) && t.s.tracingOnly {
		return h
	}
	var text string
	switch x := v.(type) {
	case string:
		text = x
	case []byte:
		text = string(x)
	}
	props := parseProperties(text)
	tp, ok := normalizeTraceparent(props["traceparent"])
	if !ok {
		tp = newTraceparent()
		if t.log.Enabled(ctx, slog.LevelDebug) {
			t.log.DebugContext(ctx, "no valid parent trace context, starting a new trace", "column", t.s.tracingCol, "traceparent", tp)
		}
		h = setHeader(h, "traceparent", tp)
		return h
	}
	h = setHeader(h, "traceparent", tp)
	if ts := strings.TrimSpace(props["tracestate"]); ts != "" && validTracestate(ts) {
		h = setHeader(h, "tracestate", ts)
	}
	if b := strings.TrimSpace(props["baggage"]); b != "" {
		h = setHeader(h, "baggage", b)
	}
	if t.log.Enabled(ctx, slog.LevelDebug) {
		t.log.DebugContext(ctx, "trace context propagated", "operation", t.s.tracingOp, "traceparent", tp)
	}
	return h
}

// setHeader replaces every header named key by one STRING header at the
// first one's position (or appends it), as a TextMapSetter on Kafka headers.
func setHeader(h connect.Headers, key, value string) connect.Headers {
	if !h.Has(key) {
		return append(h, connect.Header{Key: key, Schema: connect.StringSchema, Value: value})
	}
	return h.Set(key, connect.StringSchema, value)
}

// normalizeTraceparent validates a W3C traceparent and returns it in the
// form OpenTelemetry's propagator injects (version 00).
func normalizeTraceparent(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return "", false
	}
	ver, trace, span, flags := s[0:2], s[3:35], s[36:52], s[53:55]
	if !isLowerHex(ver) || !isLowerHex(trace) || !isLowerHex(span) || !isLowerHex(flags) || ver == "ff" {
		return "", false
	}
	if ver == "00" && len(s) != 55 || ver != "00" && len(s) > 55 && s[55] != '-' {
		return "", false
	}
	if strings.Trim(trace, "0") == "" || strings.Trim(span, "0") == "" {
		return "", false
	}
	return "00-" + trace + "-" + span + "-" + flags, true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// validTracestate checks the list shape (at most 32 key=value members).
func validTracestate(s string) bool {
	members := strings.Split(s, ",")
	if len(members) > 32 {
		return false
	}
	for _, m := range members {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		k, v, ok := strings.Cut(m, "=")
		if !ok || k == "" || v == "" || len(k) > 256 || len(v) > 256 {
			return false
		}
	}
	return true
}

func newTraceparent() string {
	var b [24]byte
	for {
		for i := 0; i < len(b); i += 8 {
			n := rand.Uint64()
			for j := 0; j < 8; j++ {
				b[i+j] = byte(n >> (8 * j))
			}
		}
		if !allZero(b[:16]) && !allZero(b[16:]) {
			break
		}
	}
	return "00-" + hex.EncodeToString(b[:16]) + "-" + hex.EncodeToString(b[16:]) + "-01"
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// parseProperties reads java.util.Properties text: logical lines (a line
// ending in an odd number of backslashes continues), # and ! comments, a
// key ended by the first unescaped '=', ':' or whitespace, and the escapes
// \t \n \r \f \uXXXX (any other escaped character stands for itself).
// The last value of a repeated key wins, as in Properties.load.
func parseProperties(text string) map[string]string {
	out := map[string]string{}
	lines := strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := 0; i < len(lines); i++ {
		line := strings.TrimLeft(lines[i], " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		for endsWithOddBackslashes(line) && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + strings.TrimLeft(lines[i], " \t\f")
		}
		if endsWithOddBackslashes(line) {
			line = line[:len(line)-1]
		}
		k, v := splitProperty(line)
		out[unescapeProperty(k)] = unescapeProperty(v)
	}
	return out
}

func endsWithOddBackslashes(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

func splitProperty(line string) (key, value string) {
	i := 0
	for i < len(line) {
		c := line[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		i++
	}
	if i > len(line) {
		i = len(line)
	}
	key = line[:i]
	rest := strings.TrimLeft(line[i:], " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	return key, rest
}

func unescapeProperty(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 <= len(s) {
				if n, err := strconv.ParseUint(s[i+1:i+5], 16, 32); err == nil {
					b.WriteRune(rune(n))
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
