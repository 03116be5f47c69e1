package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/javare"
)

// Router is the EventRouter transformation. It is safe for concurrent use.
type Router struct {
	s   settings
	log *slog.Logger

	re   *javare.Regexp
	repl *javare.Replacement

	// oracle routes Oracle change events with Debezium's Oracle column
	// defaults (ID, AGGREGATEID, PAYLOAD, AGGREGATETYPE); nil if none apply.
	oracle *Router

	// plans caches, per input *Schema (an .Envelope schema or an after-row
	// schema), the field positions and output schemas derived from it.
	plans sync.Map
	// nplans bounds plans: a converter that builds a new *Schema per record
	// must not make the cache grow without end (plans past the bound are
	// derived per record).
	nplans atomic.Int64

	// topics caches route value → topic.
	topics *cache[string, string]

	dropped atomic.Int64
}

// maxPlans bounds the number of cached schema plans.
const maxPlans = 4096

// maxCached bounds the per-route caches (topics, envelope schemas): past it
// new entries are computed per record instead of stored.
const maxCached = 10000

// New builds an EventRouter from a parsed configuration. log may be nil.
func New(c connect.Config, log *slog.Logger) (*Router, error) {
	if log == nil {
		log = slog.Default()
	}
	log = log.With("transform", "EventRouter")
	s, err := newSettings(c, log)
	if err != nil {
		return nil, err
	}
	t := &Router{s: s, log: log}
	t.re, err = javare.Compile(s.regex)
	if err != nil {
		return nil, connect.ConfigErrors{{Key: KeyRouteTopicRegex, Value: s.regex, Reason: err.Error()}}
	}
	t.repl, err = javare.CompileReplacement(s.replacement, t.re)
	if err != nil {
		return nil, connect.ConfigErrors{{Key: KeyRouteReplacement, Value: s.replacement, Reason: err.Error()}}
	}
	t.topics = newCache[string, string](maxCached)
	if s.oracle != nil {
		o := &Router{s: s, log: log, re: t.re, repl: t.repl}
		o.s.oracle = nil
		o.s.idCol = pick(s.oracle, KeyFieldEventID, s.idCol)
		o.s.keyCol = pick(s.oracle, KeyFieldEventKey, s.keyCol)
		o.s.payloadCol = pick(s.oracle, KeyFieldPayload, s.payloadCol)
		o.s.routeBy = pick(s.oracle, KeyRouteByField, s.routeBy)
		o.topics = newCache[string, string](maxCached)
		t.oracle = o
	}
	return t, nil
}

func pick(m map[string]string, key, def string) string {
	if v, ok := m[key]; ok {
		return v
	}
	return def
}

// isOracle reports whether a change event comes from Debezium's Oracle
// connector (source.connector = "oracle").
func isOracle(source any) bool {
	switch s := source.(type) {
	case *connect.Struct:
		c, _ := s.Get("connector").(string)
		return c == "oracle"
	case map[string]any:
		c, _ := s["connector"].(string)
		return c == "oracle"
	}
	return false
}

// Dropped returns how many records the router dropped on purpose
// (tombstones, deletes, updates under warn/error), for metrics.
func (t *Router) Dropped() int64 {
	n := t.dropped.Load()
	if t.oracle != nil {
		n += t.oracle.dropped.Load()
	}
	return n
}

// Apply routes one record, in Debezium's order of steps:
//
//  1. a tombstone (nil value) is dropped;
//  2. a record that is not a change event passes unchanged (heartbeats,
//     schema changes, transaction metadata, logical messages);
//  3. op d is dropped, op u follows table.op.invalid.behavior;
//  4. tracing headers (traceparent, tracestate, baggage) from the context column;
//  5. after must be a row; 7 the payload column must exist;
//  8. the timestamp; 9-10 the event id becomes header "id";
//  11. JSON expansion; 12-13 the envelope shape and the placements;
//  14. an empty payload may become a tombstone; 15 the key;
//     16-17 the topic: the route value, rewritten by route.topic.regex/replacement.
func (t *Router) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) {
	if r.Value == nil {
		t.dropped.Add(1)
		if t.log.Enabled(ctx, slog.LevelDebug) {
			t.log.DebugContext(ctx, fmt.Sprintf("Tombstone message ignored. Message key: %q", keyString(r.Key)), "record", r.Coordinates())
		}
		return nil, nil
	}
	if r.ValueSchema != nil {
		if !strings.HasSuffix(r.ValueSchema.Name, ".Envelope") {
			return r, nil
		}
		env, ok := r.Value.(*connect.Struct)
		if !ok {
			return nil, recordErr(r, "the value has schema %s but is a %T, not a Struct", r.ValueSchema, r.Value)
		}
		if env == nil {
			return nil, recordErr(r, "the value has schema %s but is a nil Struct", r.ValueSchema)
		}
		return t.applyStruct(ctx, r, env)
	}
	m, ok := r.Value.(map[string]any)
	if !ok {
		return r, nil
	}
	op, ok := m["op"].(string)
	if !ok {
		return r, nil
	}
	if t.oracle != nil && isOracle(m["source"]) {
		return t.oracle.applyMap(ctx, r, m, op)
	}
	return t.applyMap(ctx, r, m, op)
}

// checkOp applies step 3. drop reports a record to drop without error.
func (t *Router) checkOp(ctx context.Context, r *connect.Record, op string) (drop bool, err error) {
	switch op {
	case "d":
		t.dropped.Add(1)
		if t.log.Enabled(ctx, slog.LevelDebug) {
			t.log.DebugContext(ctx, "Delete message "+keyString(r.Key)+" ignored", "record", r.Coordinates())
		}
		return true, nil
	case "u":
		switch t.s.opInvalid {
		case opFatal:
			return false, recordErr(r, "Unexpected update message received %s, fail. (%s=fatal; the outbox table should only receive inserts)", keyString(r.Key), KeyOpInvalidBehavior)
		case opError:
			t.log.ErrorContext(ctx, "Unexpected update message received "+keyString(r.Key)+" and ignored", "record", r.Coordinates())
		default:
			t.log.WarnContext(ctx, "Unexpected update message received "+keyString(r.Key)+" and ignored", "record", r.Coordinates())
		}
		t.dropped.Add(1)
		return true, nil
	}
	return false, nil
}

func emptyTopicErr(r *connect.Record, col string) error {
	return recordErr(r, "the topic is empty: %s column %q is empty and %s did not rewrite it", KeyRouteByField, col, KeyRouteTopicRegex)
}

func truncateErr(r *connect.Record) error {
	return recordErr(r, "a truncate (op=t) cannot be routed: it has no row; skip truncates at the source (skipped.operations=t, the default) or apply the EventRouter with a predicate")
}

// topic returns the topic for a route value: the RegexRouter step, cached.
func (t *Router) topic(route string) string {
	if tp, ok := t.topics.load(route); ok {
		return tp
	}
	return t.topics.compute(route, t.routeTopic)
}

func (t *Router) routeTopic(route string) string {
	if t.re.Matches(route) {
		// Kafka's RegexRouter: matches() first, then replaceFirst(), which
		// searches again from the start.
		return t.re.ReplaceFirst(route, t.repl)
	}
	return route
}

// outputBlock puts the output record and room for its headers in one
// allocation: on the hot path a routed record costs this one allocation.
type outputBlock struct {
	rec connect.Record
	hdr [inlineHeaders]connect.Header
}

// inlineHeaders covers Debezium's four __debezium.context.* headers, id and
// one placed header.
const inlineHeaders = 6

// newOutput copies r (as Record.Clone does) and returns headers holding r's
// headers with room for extra more; the caller sets out.Headers.
func newOutput(r *connect.Record, extra int) (*connect.Record, connect.Headers) {
	blk := &outputBlock{rec: *r}
	var h connect.Headers
	if n := len(r.Headers) + extra; n <= inlineHeaders {
		h = blk.hdr[:len(r.Headers):n]
	} else {
		h = make(connect.Headers, len(r.Headers), n)
	}
	copy(h, r.Headers)
	return &blk.rec, h
}

// isEmptyPayload is Debezium's payload == null || payload.toString().trim().isEmpty():
// Java's trim strips every char ≤ U+0020. inlet also counts zero-length
// bytes as empty (Debezium prints a byte array as "[B@…", never empty),
// following the option's documented intent.
func isEmptyPayload(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		for i := 0; i < len(x); i++ {
			if x[i] > ' ' {
				return false
			}
		}
		return true
	case []byte:
		return len(x) == 0
	}
	return false
}

// keyString renders a key as Debezium's log lines do (Struct{a=1}).
func keyString(k any) string {
	switch x := k.(type) {
	case nil:
		return "null"
	case string:
		return x
	case []byte:
		return string(x)
	case *connect.Struct:
		if x == nil || x.Schema == nil {
			return fmt.Sprint(k)
		}
		var b strings.Builder
		b.WriteString("Struct{")
		first := true
		for i, f := range x.Schema.Fields {
			if i >= len(x.Values) || x.Values[i] == nil {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString(f.Name + "=" + keyString(x.Values[i]))
		}
		b.WriteByte('}')
		return b.String()
	}
	return fmt.Sprint(k)
}

func millis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// envelopeName splices the route value into the row schema's name before
// its last segment, as Debezium does: shop.public.outbox.Value + order →
// shop.public.outbox.order.Value; a name without a dot gives route.name;
// no name gives route.
func envelopeName(rowName, route string) string {
	if rowName == "" {
		return route
	}
	i := strings.LastIndexByte(rowName, '.')
	if i < 0 {
		return route + "." + rowName
	}
	return rowName[:i] + "." + route + rowName[i:]
}
