package kafkaclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Kafka Connect stores source offsets in a compacted topic: the key is the
// schemaless JSON array ["<connector>", {<source partition>}], the value the
// JSON of the offset map, and a null value (tombstone) deletes the offset.
// Java writes the partition map in hash order, so keys are compared by
// their parsed structure (CanonicalKey), never by bytes.

// EncodeOffsetKey returns the record key for a pipeline's source partition.
func EncodeOffsetKey(pipeline string, partition map[string]any) ([]byte, error) {
	if partition == nil {
		partition = map[string]any{}
	}
	b, err := json.Marshal([]any{pipeline, partition})
	if err != nil {
		return nil, fmt.Errorf("kafkaclient: source partition %v of pipeline %q is not JSON: %w", partition, pipeline, err)
	}
	return b, nil
}

// EncodeOffsetValue returns the record value for an offset; nil → nil (a
// tombstone).
func EncodeOffsetValue(offset map[string]any) ([]byte, error) {
	if offset == nil {
		return nil, nil
	}
	b, err := json.Marshal(offset)
	if err != nil {
		return nil, fmt.Errorf("kafkaclient: source offset %v is not JSON: %w", offset, err)
	}
	return b, nil
}

// DecodeOffsetKey parses a key written by inlet or Kafka Connect.
func DecodeOffsetKey(b []byte) (pipeline string, partition map[string]any, err error) {
	var arr []any
	if err := decodeJSON(b, &arr); err != nil {
		return "", nil, fmt.Errorf("kafkaclient: offset key is not a JSON array: %w", err)
	}
	if len(arr) != 2 {
		return "", nil, fmt.Errorf("kafkaclient: offset key has %d elements, expected [\"<pipeline>\", {partition}]", len(arr))
	}
	name, ok := arr[0].(string)
	if !ok {
		return "", nil, fmt.Errorf("kafkaclient: offset key's first element is %T, expected the pipeline name", arr[0])
	}
	switch p := arr[1].(type) {
	case map[string]any:
		partition = p
	case nil:
		partition = map[string]any{}
	default:
		return "", nil, fmt.Errorf("kafkaclient: offset key's partition is %T, expected a JSON object", arr[1])
	}
	return name, partition, nil
}

// DecodeOffsetValue parses a value; nil bytes (a tombstone) → nil.
func DecodeOffsetValue(b []byte) (map[string]any, error) {
	if b == nil {
		return nil, nil
	}
	var m map[string]any
	if err := decodeJSON(b, &m); err != nil {
		return nil, fmt.Errorf("kafkaclient: offset value is not a JSON object: %w", err)
	}
	return m, nil
}

// decodeJSON decodes with integers as int64 and other numbers as float64,
// so offsets round-trip as the numbers sources wrote.
func decodeJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	switch x := v.(type) {
	case *[]any:
		for i := range *x {
			(*x)[i] = numbers((*x)[i])
		}
	case *map[string]any:
		for k, e := range *x {
			(*x)[k] = numbers(e)
		}
	}
	return nil
}

func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}

// CanonicalKey is a comparable form of (pipeline, partition): maps with
// sorted keys and numbers written one way, so 1, 1.0 and int32(1) match.
func CanonicalKey(pipeline string, partition map[string]any) string {
	b, err := json.Marshal([]any{pipeline, canonical(partition)})
	if err != nil {
		return fmt.Sprintf("%q:%v", pipeline, partition)
	}
	return string(b)
}

func canonical(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = canonical(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = canonical(e)
		}
		return out
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return canonNum(f)
		}
		return string(x)
	case float64:
		return canonNum(x)
	case float32:
		return canonNum(float64(x))
	case int:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return json.Number(fmt.Sprint(x))
	}
	return v
}

func canonNum(f float64) json.Number {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return json.Number(strconv.FormatInt(int64(f), 10))
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}
