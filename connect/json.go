package connect

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"time"
)

// JSONValue renders a Connect value as plain JSON-shaped Go values:
// map[string]any, []any, string, json.Number, bool and nil. Numbers become
// json.Number so their text survives (event patterns compare number text).
// It follows Kafka's JsonConverter for schema'd values: BYTES → Base64,
// Decimal → its plain-notation number, Date → days, Time → ms of the day,
// Timestamp → epoch ms. Schemaless time.Time becomes RFC 3339 text.
func JSONValue(s *Schema, v any) (any, error) {
	return jsonValue(s, v, "")
}

func jsonValue(s *Schema, v any, path string) (any, error) {
	if v == nil {
		return nil, nil
	}
	if s != nil {
		switch s.Name {
		case DecimalName:
			switch d := v.(type) {
			case Decimal:
				return json.Number(d.String()), nil
			case *big.Int:
				return json.Number(d.String()), nil
			}
		case DateName:
			if t, ok := v.(time.Time); ok {
				return json.Number(strconv.FormatInt(int64(math.Floor(float64(t.Unix())/86400)), 10)), nil
			}
		case TimeName:
			if t, ok := v.(time.Time); ok {
				t = t.UTC()
				ms := (t.Hour()*3600+t.Minute()*60+t.Second())*1000 + t.Nanosecond()/1e6
				return json.Number(strconv.Itoa(ms)), nil
			}
		case TimestampName:
			if t, ok := v.(time.Time); ok {
				return json.Number(strconv.FormatInt(t.UnixMilli(), 10)), nil
			}
		}
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return x, nil
	case json.Number:
		return x, nil
	case int:
		return json.Number(strconv.FormatInt(int64(x), 10)), nil
	case int8:
		return json.Number(strconv.FormatInt(int64(x), 10)), nil
	case int16:
		return json.Number(strconv.FormatInt(int64(x), 10)), nil
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10)), nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	case uint8, uint16, uint32, uint64, uint:
		return json.Number(fmt.Sprint(x)), nil
	case float32:
		return floatNumber(float64(x), 32, path)
	case float64:
		return floatNumber(x, 64, path)
	case []byte:
		return base64.StdEncoding.EncodeToString(x), nil
	case Decimal:
		return json.Number(x.String()), nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	case *Struct:
		m := make(map[string]any, len(x.Values))
		for i, f := range x.Schema.Fields {
			jv, err := jsonValue(f.Schema, x.Values[i], joinPath(path, f.Name))
			if err != nil {
				return nil, err
			}
			m[f.Name] = jv
		}
		return m, nil
	case map[string]any:
		var vs *Schema
		if s != nil {
			vs = s.Value
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			jv, err := jsonValue(vs, e, joinPath(path, k))
			if err != nil {
				return nil, err
			}
			m[k] = jv
		}
		return m, nil
	case []any:
		var is *Schema
		if s != nil {
			is = s.Value
		}
		out := make([]any, len(x))
		for i, e := range x {
			jv, err := jsonValue(is, e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = jv
		}
		return out, nil
	case []MapEntry:
		out := make([]any, len(x))
		for i, e := range x {
			var ks, vs *Schema
			if s != nil {
				ks, vs = s.Key, s.Value
			}
			k, err := jsonValue(ks, e.Key, path)
			if err != nil {
				return nil, err
			}
			v, err := jsonValue(vs, e.Value, path)
			if err != nil {
				return nil, err
			}
			out[i] = []any{k, v}
		}
		return out, nil
	}
	// Other slices and maps (e.g. []string, map[string]string) via reflection.
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			jv, err := jsonValue(nil, rv.Index(i).Interface(), fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = jv
		}
		return out, nil
	case reflect.Map:
		if rv.Type().Key().Kind() == reflect.String {
			m := make(map[string]any, rv.Len())
			it := rv.MapRange()
			for it.Next() {
				jv, err := jsonValue(nil, it.Value().Interface(), joinPath(path, it.Key().String()))
				if err != nil {
					return nil, err
				}
				m[it.Key().String()] = jv
			}
			return m, nil
		}
	}
	return nil, fmt.Errorf("connect: value of Go type %T at %q cannot be rendered as JSON", v, pathOrRoot(path))
}

func floatNumber(f float64, bits int, path string) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("connect: %v at %q cannot be rendered as JSON", f, pathOrRoot(path))
	}
	s := strconv.FormatFloat(f, 'g', -1, bits)
	return json.Number(s), nil
}

func joinPath(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

func pathOrRoot(p string) string {
	if p == "" {
		return "$"
	}
	return p
}
