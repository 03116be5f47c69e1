package converters

import (
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
)

// JavaString renders a Connect value as Java's toString does, which is
// what Kafka's StringConverter writes: Struct{a=1,b=x} for a Struct
// (null fields left out), {k=v, k2=v2} for a map (keys sorted, as Java's
// order is a HashMap's), [a, b] for a list, Double.toString for numbers,
// BigDecimal.toString for decimals, Date.toString for times.
func JavaString(v any) string {
	var b strings.Builder
	writeJava(&b, v)
	return b.String()
}

func writeJava(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(x)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		fmt.Fprint(b, x)
	case float32:
		b.Write(appendJavaDouble(nil, float64(x), 32))
	case float64:
		b.Write(appendJavaDouble(nil, x, 64))
	case connect.Decimal:
		b.WriteString(javaBigDecimalString(x.Unscaled, x.Scale))
	case *big.Int:
		b.WriteString(x.String())
	case time.Time:
		b.WriteString(x.UTC().Format("Mon Jan 02 15:04:05 UTC 2006"))
	case []byte:
		// Arrays.toString(byte[]): signed bytes
		b.WriteByte('[')
		for i, c := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Itoa(int(int8(c))))
		}
		b.WriteByte(']')
	case *connect.Struct:
		b.WriteString("Struct{")
		first := true
		for i, f := range x.Schema.Fields {
			if x.Values[i] == nil {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString(f.Name)
			b.WriteByte('=')
			writeJava(b, x.Values[i])
		}
		b.WriteByte('}')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			writeJava(b, x[k])
		}
		b.WriteByte('}')
	case []connect.MapEntry:
		b.WriteByte('{')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJava(b, e.Key)
			b.WriteByte('=')
			writeJava(b, e.Value)
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJava(b, e)
		}
		b.WriteByte(']')
	default:
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Slice, reflect.Array:
			b.WriteByte('[')
			for i := 0; i < rv.Len(); i++ {
				if i > 0 {
					b.WriteString(", ")
				}
				writeJava(b, rv.Index(i).Interface())
			}
			b.WriteByte(']')
			return
		case reflect.String:
			b.WriteString(rv.String())
			return
		}
		fmt.Fprint(b, v)
	}
}
