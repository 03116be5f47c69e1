package outbox

import (
	"context"
	"log/slog"
	"time"

	"github.com/inletdev/inlet/connect"
)

// envPlan is what one .Envelope schema tells us: where op, after and ts_ms
// are, and the plan of its declared after schema.
type envPlan struct {
	op, after, ts int // -1 when the envelope lacks the field
	source        int
	sourceSchema  *connect.Schema
	connector     int // source.connector in sourceSchema
	afterSchema   *connect.Schema
	cols          *colPlan
}

// colPlan is what one row (after) schema tells us: the position and schema
// of every configured column, and the output schemas derived from them.
type colPlan struct {
	schema                                           *connect.Schema
	payload, id, key, legacyKey, route, ts, version  int
	tracing                                          int
	payloadSchema, idSchema, keySchema, legacySchema *connect.Schema
	routeSchema, tsSchema, versionSchema             *connect.Schema
	places                                           []placedCol
	envFields                                        []connect.Field // envelope fields after payload
	envMissing                                       string          // an envelope column absent under missing=error

	envCache *cache[envKey, *connect.Schema]
}

type placedCol struct {
	placement
	idx    int // -1 = absent from the row
	schema *connect.Schema
}

type envKey struct {
	route      string
	version    int32
	hasVersion bool
}

func fieldIndex(s *connect.Schema, name string) (int, *connect.Schema) {
	if name == "" {
		return -1, nil
	}
	f, ok := s.Field(name)
	if !ok {
		return -1, nil
	}
	return f.Index, f.Schema
}

func (t *Router) envelopePlan(s *connect.Schema) *envPlan {
	if p, ok := t.plans.Load(s); ok {
		if ep, ok := p.(*envPlan); ok {
			return ep
		}
	}
	ep := &envPlan{}
	ep.op, _ = fieldIndex(s, "op")
	ep.ts, _ = fieldIndex(s, "ts_ms")
	ep.source, ep.sourceSchema = fieldIndex(s, "source")
	ep.connector = -1
	if ep.sourceSchema != nil && ep.sourceSchema.Type == connect.StructType {
		ep.connector, _ = fieldIndex(ep.sourceSchema, "connector")
	}
	ep.after, ep.afterSchema = fieldIndex(s, "after")
	if ep.afterSchema != nil && ep.afterSchema.Type == connect.StructType {
		ep.cols = t.rowPlan(ep.afterSchema)
	}
	if t.nplans.Load() < maxPlans {
		if _, loaded := t.plans.LoadOrStore(s, ep); !loaded {
			t.nplans.Add(1)
		}
	}
	return ep
}

func (t *Router) rowPlan(s *connect.Schema) *colPlan {
	if p, ok := t.plans.Load(s); ok {
		if cp, ok := p.(*colPlan); ok {
			return cp
		}
	}
	cp := &colPlan{schema: s}
	cp.payload, cp.payloadSchema = fieldIndex(s, t.s.payloadCol)
	cp.id, cp.idSchema = fieldIndex(s, t.s.idCol)
	cp.key, cp.keySchema = fieldIndex(s, t.s.keyCol)
	cp.legacyKey, cp.legacySchema = fieldIndex(s, t.s.legacyKeyCol)
	cp.route, cp.routeSchema = fieldIndex(s, t.s.routeBy)
	cp.ts, cp.tsSchema = fieldIndex(s, t.s.tsCol)
	cp.version, cp.versionSchema = fieldIndex(s, t.s.versionCol)
	cp.tracing, _ = fieldIndex(s, t.s.tracingCol)
	for _, p := range t.s.placements {
		pc := placedCol{placement: p}
		pc.idx, pc.schema = fieldIndex(s, p.column)
		cp.places = append(cp.places, pc)
		if p.where == PlaceEnvelope {
			if pc.idx >= 0 {
				cp.envFields = append(cp.envFields, connect.F(p.alias, pc.schema))
			} else if !t.s.missingIgnore && cp.envMissing == "" {
				cp.envMissing = p.column
			}
		}
	}
	cp.envCache = newCache[envKey, *connect.Schema](maxCached)
	if t.nplans.Load() >= maxPlans {
		return cp
	}
	cur, loaded := t.plans.LoadOrStore(s, cp)
	if !loaded {
		t.nplans.Add(1)
		return cp
	}
	if c, ok := cur.(*colPlan); ok {
		return c
	}
	return cp
}

// envelopeSchema returns the envelope-shaped value schema: payload first,
// then the envelope aliases in configuration order; named after the row
// schema with the route spliced in; versioned by the schema-version column.
// Unlike Debezium (whose LRU is keyed by payload schema only, so the name
// carries the route of the first record) the cache key includes the route
// and the version.
func (cp *colPlan) envelopeSchema(payloadSchema *connect.Schema, k envKey) *connect.Schema {
	if payloadSchema == cp.payloadSchema {
		if s, ok := cp.envCache.load(k); ok {
			return s
		}
	}
	build := func(k envKey) *connect.Schema {
		fields := make([]connect.Field, 0, 1+len(cp.envFields))
		fields = append(fields, connect.F("payload", payloadSchema))
		fields = append(fields, cp.envFields...)
		s := connect.StructOf(envelopeName(cp.schema.Name, k.route), false, fields...)
		if k.hasVersion {
			s.Version = int(k.version)
		}
		return s
	}
	if payloadSchema != cp.payloadSchema {
		return build(k) // an expanded payload: its schema is new each time
	}
	return cp.envCache.compute(k, build)
}

// fromOracle reads source.connector through the cached positions.
func (ep *envPlan) fromOracle(env *connect.Struct) bool {
	src, ok := at(env, ep.source).(*connect.Struct)
	if !ok || src == nil {
		return false
	}
	if src.Schema == ep.sourceSchema {
		c, _ := at(src, ep.connector).(string)
		return c == "oracle"
	}
	return isOracle(src)
}

func at(s *connect.Struct, i int) any {
	if s == nil || i < 0 || i >= len(s.Values) {
		return nil
	}
	return s.Values[i]
}

func (t *Router) applyStruct(ctx context.Context, r *connect.Record, env *connect.Struct) (*connect.Record, error) {
	ep := t.envelopePlan(r.ValueSchema)
	if t.oracle != nil && ep.source >= 0 && ep.fromOracle(env) {
		return t.oracle.applyStruct(ctx, r, env)
	}
	if ep.op < 0 {
		return nil, recordErr(r, "op is not a valid field name: the value schema %q ends with .Envelope but has no op field", r.ValueSchema.Name)
	}
	op, ok := at(env, ep.op).(string)
	if !ok {
		return nil, recordErr(r, "the envelope's op is %v, want a string (c, r, u, d, t)", at(env, ep.op))
	}
	if drop, err := t.checkOp(ctx, r, op); drop || err != nil {
		return nil, err
	}
	if ep.after < 0 {
		return nil, recordErr(r, "after is not a valid field name: the value schema %q has no after field", r.ValueSchema.Name)
	}
	av := at(env, ep.after)
	after, ok := av.(*connect.Struct)
	if !ok || after == nil {
		if op == "t" {
			return nil, truncateErr(r)
		}
		return nil, recordErr(r, "Only Struct objects supported for [Read Outbox Event], found: %T (op=%s)", av, op)
	}
	if after.Schema == nil {
		return nil, recordErr(r, "the after row has no schema")
	}
	cp := ep.cols
	if after.Schema != ep.afterSchema || cp == nil {
		cp = t.rowPlan(after.Schema)
	}
	if len(after.Values) != len(after.Schema.Fields) {
		return nil, recordErr(r, "the after row has %d values for %d schema fields", len(after.Values), len(after.Schema.Fields))
	}

	// 7. payload column
	if cp.payload < 0 {
		return nil, recordErr(r, "Unable to find payload field %s in event (%s)", t.s.payloadCol, KeyFieldPayload)
	}
	// 8. timestamp
	ts, err := t.structTimestamp(r, env, ep, after, cp)
	if err != nil {
		return nil, err
	}
	// 9-10. event id → header "id", after the input and tracing headers
	if cp.id < 0 {
		return nil, recordErr(r, "Unable to find event-id field %s in event (%s)", t.s.idCol, KeyFieldEventID)
	}
	payload, payloadSchema := after.Values[cp.payload], cp.payloadSchema
	out, headers := newOutput(r, 1+t.s.headerPlaced)
	if t.s.tracingCol != "" {
		var ctxVal any
		if cp.tracing >= 0 {
			ctxVal = after.Values[cp.tracing]
		}
		headers = t.traceHeaders(ctx, headers, ctxVal, cp.tracing >= 0)
	}
	headers = append(headers, connect.Header{Key: "id", Schema: cp.idSchema, Value: after.Values[cp.id]})

	// 11. JSON expansion
	if t.s.expand {
		payload, payloadSchema = t.expandStruct(ctx, r, payload, payloadSchema)
	}

	// 12. envelope shape
	var value any = payload
	valueSchema := payloadSchema
	var envelope *connect.Struct
	route, routeErr := "", error(nil)
	routeRead := false
	if t.s.hasEnvelope {
		if cp.envMissing != "" {
			return nil, recordErr(r, "Unable to find field %s in event (%s, %s=error)", cp.envMissing, KeyPlacement, KeyAdditionalMissing)
		}
		route, routeErr = t.structRoute(r, after, cp)
		routeRead = true
		if routeErr != nil {
			return nil, routeErr
		}
		k := envKey{route: route}
		if t.s.versionCol != "" {
			v, has, err := structInt32(r, after, cp.version, cp.versionSchema, t.s.versionCol, KeyFieldSchemaVersion)
			if err != nil {
				return nil, err
			}
			k.version, k.hasVersion = v, has
		}
		es := cp.envelopeSchema(payloadSchema, k)
		if payload == nil && payloadSchema != nil && !payloadSchema.Optional {
			return nil, recordErr(r, "Invalid value: null used for required field: \"payload\", schema type: %s (column %s)", payloadSchema.Type.UpperName(), t.s.payloadCol)
		}
		envelope = &connect.Struct{Schema: es, Values: make([]any, len(es.Fields))}
		envelope.Values[0] = payload
		value, valueSchema = envelope, es
	}

	// 13. placements, in configuration order
	partition := connect.UnassignedPartition
	envPos := 1
	for i := range cp.places {
		pc := &cp.places[i]
		if pc.idx < 0 {
			if t.s.missingIgnore {
				continue
			}
			return nil, recordErr(r, "%s is not a valid field name (%s item %s:%s, %s=error)", pc.column, KeyPlacement, pc.column, pc.where, KeyAdditionalMissing)
		}
		v := after.Values[pc.idx]
		switch pc.where {
		case PlaceEnvelope:
			envelope.Values[envPos] = v
			envPos++
		case PlaceHeader:
			headers = append(headers, connect.Header{Key: pc.alias, Schema: pc.schema, Value: v})
		case PlacePartition:
			p, has, err := structInt32(r, after, pc.idx, pc.schema, pc.column, KeyPlacement)
			if err != nil {
				return nil, err
			}
			partition = connect.UnassignedPartition
			if has {
				if p < 0 {
					return nil, recordErr(r, "partition column %s is %d, want a partition number ≥ 0", pc.column, p)
				}
				partition = p
			}
		}
	}

	// 14. empty payload → tombstone
	if t.s.tombstoneEmpty && isEmptyPayload(payload) {
		value, valueSchema = nil, nil
	}

	// 15. key
	if cp.key < 0 {
		return nil, recordErr(r, "%s is not a valid field name (%s)", t.s.keyCol, KeyFieldEventKey)
	}
	key, keySchema := after.Values[cp.key], cp.keySchema
	if key == nil && cp.legacyKey >= 0 {
		key, keySchema = after.Values[cp.legacyKey], cp.legacySchema
	}

	// 16-17. topic
	if !routeRead {
		route, routeErr = t.structRoute(r, after, cp)
		if routeErr != nil {
			return nil, routeErr
		}
	}
	topic := t.topic(route)
	if topic == "" {
		return nil, emptyTopicErr(r, t.s.routeBy)
	}
	out.Topic = topic
	out.Partition = partition
	out.KeySchema, out.Key = keySchema, key
	out.ValueSchema, out.Value = valueSchema, value
	out.Headers = headers[:len(headers):len(headers)]
	out.Timestamp = ts
	if t.log.Enabled(ctx, slog.LevelDebug) {
		t.log.DebugContext(ctx, "Message emitted with event id: \""+keyString(after.Values[cp.id])+"\", event key: \""+keyString(key)+"\"", "topic", out.Topic)
	}
	return out, nil
}

func (t *Router) structRoute(r *connect.Record, after *connect.Struct, cp *colPlan) (string, error) {
	if cp.route < 0 {
		return "", recordErr(r, "%s is not a valid field name (%s)", t.s.routeBy, KeyRouteByField)
	}
	if cp.routeSchema.Type != connect.String {
		return "", recordErr(r, "Field '%s' is not of type STRING (%s; found %s)", t.s.routeBy, KeyRouteByField, cp.routeSchema)
	}
	v := after.Values[cp.route]
	if v == nil {
		return "", recordErr(r, "%s column %q is null; the topic cannot be chosen", KeyRouteByField, t.s.routeBy)
	}
	s, ok := v.(string)
	if !ok {
		return "", recordErr(r, "%s column %q holds a %T, want a string", KeyRouteByField, t.s.routeBy, v)
	}
	return s, nil
}

// structInt32 reads an INT32 column (partition, schema version); has is
// false for a null value.
func structInt32(r *connect.Record, after *connect.Struct, idx int, s *connect.Schema, col, option string) (int32, bool, error) {
	if idx < 0 {
		return 0, false, recordErr(r, "%s is not a valid field name (%s)", col, option)
	}
	if s.Type != connect.Int32 {
		return 0, false, recordErr(r, "Field '%s' is not of type INT32 (%s; found %s)", col, option, s)
	}
	switch v := after.Values[idx].(type) {
	case nil:
		return 0, false, nil
	case int32:
		return v, true, nil
	default:
		return 0, false, recordErr(r, "column %s (%s) holds a %T, want an int32", col, option, v)
	}
}

const supportedTimestamps = "io.debezium.time.Timestamp, io.debezium.time.MicroTimestamp or io.debezium.time.NanoTimestamp"

// structTimestamp is step 8: the timestamp column if configured (INT64
// with one of Debezium's three timestamp names), else the envelope ts_ms.
func (t *Router) structTimestamp(r *connect.Record, env *connect.Struct, ep *envPlan, after *connect.Struct, cp *colPlan) (time.Time, error) {
	if t.s.tsCol == "" {
		return envelopeTs(env, ep), nil
	}
	if cp.ts < 0 {
		return time.Time{}, recordErr(r, "Unable to find timestamp field %s in event (%s)", t.s.tsCol, KeyFieldEventTimestamp)
	}
	s := cp.tsSchema
	if s.Type != connect.Int64 {
		hint := ""
		if s.Name == connect.DebeziumZonedTimestamp {
			hint = " (a timestamptz column); use a timestamp column, or leave the option unset to use the envelope ts_ms"
		}
		return time.Time{}, recordErr(r, "Field '%s' is not of type INT64 (%s; found %s%s); supported: %s", t.s.tsCol, KeyFieldEventTimestamp, s, hint, supportedTimestamps)
	}
	v := after.Values[cp.ts]
	if v == nil {
		return envelopeTs(env, ep), nil
	}
	var div int64
	switch s.Name {
	case "":
		return time.Time{}, recordErr(r, "Unsupported field type INT64 (without logical schema name) for event timestamp (%s column %s); supported: %s", KeyFieldEventTimestamp, t.s.tsCol, supportedTimestamps)
	case connect.DebeziumTimestamp:
		div = 1
	case connect.DebeziumMicroTimestamp:
		div = 1000
	case connect.DebeziumNanoTimestamp:
		div = 1000000
	default:
		hint := ""
		if s.Name == connect.TimestampName {
			hint = " (time.precision.mode=connect; use adaptive or adaptive_time_microseconds)"
		}
		return time.Time{}, recordErr(r, "Unsupported field type %s for event timestamp (%s column %s%s); supported: %s", s.Name, KeyFieldEventTimestamp, t.s.tsCol, hint, supportedTimestamps)
	}
	n, ok := v.(int64)
	if !ok {
		return time.Time{}, recordErr(r, "timestamp column %s holds a %T, want an int64", t.s.tsCol, v)
	}
	return millis(n / div), nil
}

func envelopeTs(env *connect.Struct, ep *envPlan) time.Time {
	if n, ok := at(env, ep.ts).(int64); ok {
		return millis(n)
	}
	return time.Time{}
}
