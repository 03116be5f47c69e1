package postgres

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/inletdev/inlet/connect"
)

func itoa(i int) string { return strconv.Itoa(i) }

func fmtSscanf(lsn string, hi, lo *uint32) (int, error) { return fmt.Sscanf(lsn, "%X/%X", hi, lo) }

func fmtList(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}

func bigOf(n int64) *bigInt { return new(bigInt).SetInt64(n) }

func fromTwos(b []byte) int64 {
	var v int64
	if len(b) > 0 && b[0]&0x80 != 0 {
		v = -1
	}
	for _, x := range b {
		v = v<<8 | int64(x)
	}
	return v
}

// jsonOf renders Connect data as JSON the way the JsonConverter writes a
// payload (decimals as base64 of the unscaled bytes), for comparisons.
func jsonOf(s *connect.Schema, v any) (string, error) {
	b, err := json.Marshal(toJSON(s, v))
	return string(b), err
}

func toJSON(s *connect.Schema, v any) any {
	if v == nil {
		return nil
	}
	switch x := v.(type) {
	case *connect.Struct:
		m := orderedMap{}
		for i, f := range x.Schema.Fields {
			m = append(m, kv{f.Name, toJSON(f.Schema, x.Values[i])})
		}
		return m
	case connect.Decimal:
		return twosComplement(x.Unscaled)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toJSON(s.Value, e)
		}
		return out
	}
	return v
}

type kv struct {
	k string
	v any
}
type orderedMap []kv

func (m orderedMap) MarshalJSON() ([]byte, error) {
	out := []byte{'{'}
	for i, e := range m {
		if i > 0 {
			out = append(out, ',')
		}
		k, _ := json.Marshal(e.k)
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		out = append(append(append(out, k...), ':'), v...)
	}
	return append(out, '}'), nil
}
