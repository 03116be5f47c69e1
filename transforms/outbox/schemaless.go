package outbox

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/inletdev/inlet/connect"
)

// applyMap routes a schemaless change event (an inlet extension: Debezium
// passes schemaless records through). The steps and messages are those of
// the schema'd path; a missing map key stands for "not a valid field name".
func (t *Router) applyMap(ctx context.Context, r *connect.Record, env map[string]any, op string) (*connect.Record, error) {
	if drop, err := t.checkOp(ctx, r, op); drop || err != nil {
		return nil, err
	}
	av := env["after"]
	after, ok := av.(map[string]any)
	if !ok {
		if op == "t" {
			return nil, truncateErr(r)
		}
		if av == nil {
			return nil, recordErr(r, "Only Struct objects supported for [Read Outbox Event], found: null (op=%s)", op)
		}
		return nil, recordErr(r, "Only Struct objects supported for [Read Outbox Event], found: %T (op=%s)", av, op)
	}
	payload, ok := after[t.s.payloadCol]
	if !ok {
		return nil, recordErr(r, "Unable to find payload field %s in event (%s)", t.s.payloadCol, KeyFieldPayload)
	}
	ts, err := t.mapTimestamp(r, env, after)
	if err != nil {
		return nil, err
	}
	id, ok := after[t.s.idCol]
	if !ok {
		return nil, recordErr(r, "Unable to find event-id field %s in event (%s)", t.s.idCol, KeyFieldEventID)
	}
	out, headers := newOutput(r, 1+t.s.headerPlaced)
	if t.s.tracingCol != "" {
		cv, present := after[t.s.tracingCol]
		headers = t.traceHeaders(ctx, headers, cv, present)
	}
	headers = append(headers, connect.Header{Key: "id", Value: id})

	if t.s.expand {
		payload = t.expandMap(ctx, r, payload)
	}

	var value any = payload
	var envelope map[string]any
	if t.s.hasEnvelope {
		for _, p := range t.s.placements {
			if _, ok := after[p.column]; !ok && p.where == PlaceEnvelope && !t.s.missingIgnore {
				return nil, recordErr(r, "Unable to find field %s in event (%s, %s=error)", p.column, KeyPlacement, KeyAdditionalMissing)
			}
		}
		if _, err := t.mapRoute(r, after); err != nil {
			return nil, err
		}
		envelope = make(map[string]any, 1+len(t.s.placements))
		envelope["payload"] = payload
		value = envelope
	}

	partition := connect.UnassignedPartition
	for _, p := range t.s.placements {
		v, ok := after[p.column]
		if !ok {
			if t.s.missingIgnore {
				continue
			}
			return nil, recordErr(r, "%s is not a valid field name (%s item %s:%s, %s=error)", p.column, KeyPlacement, p.column, p.where, KeyAdditionalMissing)
		}
		switch p.where {
		case PlaceEnvelope:
			envelope[p.alias] = v
		case PlaceHeader:
			headers = append(headers, connect.Header{Key: p.alias, Value: v})
		case PlacePartition:
			partition = connect.UnassignedPartition
			if v != nil {
				n, ok := integral(v)
				if !ok || n < 0 || n > math.MaxInt32 {
					return nil, recordErr(r, "partition column %s is %v (%T), want an integer partition number in [0, 2147483647]", p.column, v, v)
				}
				partition = int32(n)
			}
		}
	}

	if t.s.tombstoneEmpty && isEmptyPayload(payload) {
		value = nil
	}

	key, ok := after[t.s.keyCol]
	if !ok {
		return nil, recordErr(r, "%s is not a valid field name (%s)", t.s.keyCol, KeyFieldEventKey)
	}
	if key == nil && t.s.legacyKeyCol != "" {
		key = after[t.s.legacyKeyCol]
	}
	route, err := t.mapRoute(r, after)
	if err != nil {
		return nil, err
	}
	topic := t.topic(route)
	if topic == "" {
		return nil, emptyTopicErr(r, t.s.routeBy)
	}
	out.Topic = topic
	out.Partition = partition
	out.KeySchema, out.Key = nil, key
	out.ValueSchema, out.Value = nil, value
	out.Headers = headers[:len(headers):len(headers)]
	out.Timestamp = ts
	return out, nil
}

func (t *Router) mapRoute(r *connect.Record, after map[string]any) (string, error) {
	v, ok := after[t.s.routeBy]
	if !ok {
		return "", recordErr(r, "%s is not a valid field name (%s)", t.s.routeBy, KeyRouteByField)
	}
	switch x := v.(type) {
	case nil:
		return "", recordErr(r, "%s column %q is null; the topic cannot be chosen", KeyRouteByField, t.s.routeBy)
	case string:
		return x, nil
	}
	return "", recordErr(r, "Field '%s' is not of type STRING (%s; found %T)", t.s.routeBy, KeyRouteByField, v)
}

// mapTimestamp reads the timestamp column of a schemaless row. Without a
// schema there is no logical name to give the unit, so the rule is: an
// integer is epoch milliseconds, a string is RFC 3339; null falls back to
// the envelope ts_ms (as Debezium does).
func (t *Router) mapTimestamp(r *connect.Record, env, after map[string]any) (time.Time, error) {
	envTs := func() time.Time {
		if n, ok := integral(env["ts_ms"]); ok {
			return millis(n)
		}
		return time.Time{}
	}
	if t.s.tsCol == "" {
		return envTs(), nil
	}
	v, ok := after[t.s.tsCol]
	if !ok {
		return time.Time{}, recordErr(r, "Unable to find timestamp field %s in event (%s)", t.s.tsCol, KeyFieldEventTimestamp)
	}
	if v == nil {
		return envTs(), nil
	}
	if s, ok := v.(string); ok {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, recordErr(r, "timestamp column %s is %q: want epoch milliseconds or RFC 3339 text (%s)", t.s.tsCol, s, KeyFieldEventTimestamp)
		}
		return tm.UTC(), nil
	}
	n, ok := integral(v)
	if !ok {
		return time.Time{}, recordErr(r, "timestamp column %s is %v (%T): want epoch milliseconds or RFC 3339 text (%s)", t.s.tsCol, v, v, KeyFieldEventTimestamp)
	}
	return millis(n), nil
}

// integral returns v as an int64 if it is a whole number of any numeric
// Go type a JSON decoder produces (int64, float64, json.Number, ...).
func integral(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	case float64:
		if x != math.Trunc(x) || x >= math.MaxInt64 || x < math.MinInt64 {
			return 0, false
		}
		return int64(x), true
	case float32:
		return integral(float64(x))
	case json.Number:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return n, true
		}
		if f, err := strconv.ParseFloat(string(x), 64); err == nil {
			return integral(f)
		}
	}
	return 0, false
}
