package converters

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/inletdev/inlet/connect"
)

// ToConnect parses bytes written by a JsonConverter. With schemas.enable the
// input must be a {"schema","payload"} envelope; the payload is read with
// the schema (a null schema reads it schemaless). Without it, the value is
// schemaless: integral numbers INT64 (int64; float64 if out of range),
// other numbers FLOAT64, objects MAP (map[string]any), arrays ARRAY
// ([]any). Nil or empty bytes are a null.
func (c *JSONConverter) ToConnect(_ string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if len(data) == 0 {
		return nil, nil, nil
	}
	if !c.opt.SchemasEnable {
		sc, _ := c.scratch.Get().(*scratch)
		if sc == nil {
			sc = &scratch{}
		}
		v, err := readSchemaless(data, sc)
		c.scratch.Put(sc)
		if err != nil {
			return nil, nil, fmt.Errorf("converters: JsonConverter: %w", err)
		}
		return nil, v, nil
	}
	p := &parser{data: data}
	p.ws()
	if p.pos >= len(data) || data[p.pos] != '{' {
		return nil, nil, c.envelopeErr()
	}
	var schemaRaw []byte
	var known *connect.Schema // the schema, when recognized from its text
	var payload any
	var haveSchema, havePayload, direct bool
	p.pos++
	n := 0
	for {
		p.ws()
		if p.pos < len(data) && data[p.pos] == '}' && n == 0 {
			p.pos++
			break
		}
		if p.pos >= len(data) || data[p.pos] != '"' {
			return nil, nil, fmt.Errorf("converters: JsonConverter: %w", p.fail("expected a string key"))
		}
		k, err := p.str()
		if err != nil {
			return nil, nil, fmt.Errorf("converters: JsonConverter: %w", err)
		}
		p.ws()
		if p.pos >= len(data) || data[p.pos] != ':' {
			return nil, nil, fmt.Errorf("converters: JsonConverter: %w", p.fail("expected ':'"))
		}
		p.pos++
		p.ws()
		start := p.pos
		switch k {
		case "schema":
			// Schemas repeat: a schema seen recently is recognized by its
			// bytes (a memory compare), any other one is scanned, and a
			// schema is parsed only when it is not cached yet.
			if n, s := c.recentSchema(data[start:]); n > 0 {
				p.pos += n
				known = s
			} else if err := p.skip(1); err != nil {
				return nil, nil, fmt.Errorf("converters: JsonConverter: %w", err)
			} else if known, err = c.connectSchema(data[start:p.pos]); err != nil {
				return nil, nil, err
			}
			schemaRaw, haveSchema = data[start:p.pos], true
		case "payload":
			if known != nil {
				// The schema came first (as Kafka writes it): read the
				// payload straight into Connect values, no JSON tree.
				v, err := c.read(p, known, 1)
				if err == nil {
					payload, havePayload, direct = v, true, true
					break
				}
				var de *DataError
				if !errors.As(err, &de) {
					return nil, nil, wrapRead(err)
				}
				// Data that does not fit: take the tree path, which
				// applies Jackson's rules exactly (a repeated key's last
				// value wins, so an earlier bad one is no error).
				p.pos = start
			}
			v, err := p.value(1)
			if err != nil {
				return nil, nil, fmt.Errorf("converters: JsonConverter: %w", err)
			}
			payload, havePayload = v, true
		default:
			if err := p.skip(1); err != nil {
				return nil, nil, fmt.Errorf("converters: JsonConverter: %w", err)
			}
			n = 1 << 20 // an extra field: the envelope is wrong
		}
		n++
		p.ws()
		if p.pos < len(data) && data[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(data) && data[p.pos] == '}' {
			p.pos++
			break
		}
		return nil, nil, fmt.Errorf("converters: JsonConverter: %w", p.fail("expected ',' or '}'"))
	}
	p.ws()
	if p.pos != len(data) {
		return nil, nil, fmt.Errorf("converters: JsonConverter: %w", p.fail("unexpected data after the JSON value"))
	}
	if n != 2 || !haveSchema || !havePayload {
		return nil, nil, c.envelopeErr()
	}
	schema := known
	if direct {
		return schema, payload, nil
	}
	if schema == nil {
		var err error
		if schema, err = c.connectSchema(schemaRaw); err != nil {
			return nil, nil, err
		}
	}
	out, err := c.toConnect(schema, payload)
	if err != nil {
		return nil, nil, err
	}
	return schema, out, nil
}

// envelopeErr is Kafka's message plus the exact key to change.
func (c *JSONConverter) envelopeErr() error {
	return fmt.Errorf("converters: %w (set %sschemas.enable=false)", ErrMissingEnvelope, c.prefix())
}

// connectSchema parses a schema's JSON, cached by its text.
func (c *JSONConverter) connectSchema(raw []byte) (*connect.Schema, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	c.mu.RLock()
	s, ok := c.parsed[string(raw)]
	c.mu.RUnlock()
	if ok {
		c.remember(raw, s)
		return s, nil
	}
	v, err := parseJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("converters: JsonConverter: schema: %w", err)
	}
	s, err = c.asConnectSchema(v)
	if err != nil {
		return nil, err
	}
	if c.opt.SchemasCacheSize > 0 {
		c.mu.Lock()
		if len(c.parsed) >= c.opt.SchemasCacheSize {
			for k := range c.parsed {
				delete(c.parsed, k)
				break
			}
		}
		c.parsed[string(raw)] = s
		c.mu.Unlock()
	}
	return s, nil
}

// recentSchema returns the length and schema of a recently read schema
// text that data starts with, followed by what may follow a JSON value, or
// 0. A complete JSON value followed by a delimiter cannot be the prefix of
// a longer one, so the match is exact.
func (c *JSONConverter) recentSchema(data []byte) (int, *connect.Schema) {
	rs := c.recent.Load()
	if rs == nil {
		return 0, nil
	}
	for _, r := range *rs {
		if len(data) > len(r.raw) && bytes.HasPrefix(data, r.raw) {
			switch data[len(r.raw)] {
			case ',', '}', ' ', '\t', '\n', '\r':
				return len(r.raw), r.schema
			}
		}
	}
	return 0, nil
}

type recentSchema struct {
	raw    []byte
	schema *connect.Schema
}

// remember keeps the last few schema texts read (most recent first).
func (c *JSONConverter) remember(raw []byte, s *connect.Schema) {
	rs := c.recent.Load()
	if rs != nil && len(*rs) > 0 && bytes.Equal((*rs)[0].raw, raw) {
		return
	}
	next := []recentSchema{{bytes.Clone(raw), s}}
	if rs != nil {
		for _, r := range *rs {
			if len(next) == recentSchemas {
				break
			}
			if !bytes.Equal(r.raw, raw) {
				next = append(next, r)
			}
		}
	}
	c.recent.Store(&next)
}

// asConnectSchema is Kafka's JsonConverter.asConnectSchema, with its
// messages.
func (c *JSONConverter) asConnectSchema(v any) (*connect.Schema, error) {
	if v == nil {
		return nil, nil
	}
	o, ok := v.(*jobj)
	if !ok {
		return nil, dataErr(jsonConverterName, "a schema must be a JSON object")
	}
	tv, _ := o.get("type")
	tname, ok := tv.(string)
	if !ok {
		return nil, dataErr(jsonConverterName, "Schema must contain 'type' field")
	}
	s := &connect.Schema{}
	switch tname {
	case "boolean":
		s.Type = connect.Boolean
	case "int8":
		s.Type = connect.Int8
	case "int16":
		s.Type = connect.Int16
	case "int32":
		s.Type = connect.Int32
	case "int64":
		s.Type = connect.Int64
	case "float":
		s.Type = connect.Float32
	case "double":
		s.Type = connect.Float64
	case "bytes":
		s.Type = connect.Bytes
	case "string":
		s.Type = connect.String
	case "array":
		s.Type = connect.Array
		items, _ := o.get("items")
		if items == nil {
			return nil, dataErr(jsonConverterName, "Array schema did not specify the element type")
		}
		is, err := c.asConnectSchema(items)
		if err != nil {
			return nil, under(err, "items")
		}
		s.Value = is
	case "map":
		s.Type = connect.Map
		keys, _ := o.get("keys")
		if keys == nil {
			return nil, dataErr(jsonConverterName, "Map schema did not specify the key type")
		}
		vals, _ := o.get("values")
		if vals == nil {
			return nil, dataErr(jsonConverterName, "Map schema did not specify the value type")
		}
		ks, err := c.asConnectSchema(keys)
		if err != nil {
			return nil, under(err, "keys")
		}
		vs, err := c.asConnectSchema(vals)
		if err != nil {
			return nil, under(err, "values")
		}
		s.Key, s.Value = ks, vs
	case "struct":
		s.Type = connect.StructType
		fv, _ := o.get("fields")
		fields, ok := fv.([]any)
		if !ok {
			return nil, dataErr(jsonConverterName, `Struct schema's "fields" argument is not an array.`)
		}
		seen := map[string]bool{}
		for i, f := range fields {
			fo, ok := f.(*jobj)
			if !ok {
				return nil, dataErr(jsonConverterName, "Struct schema's field %d is not an object", i)
			}
			nv, _ := fo.get("field")
			name, ok := nv.(string)
			if !ok {
				return nil, dataErr(jsonConverterName, "Struct schema's field name not specified properly")
			}
			if seen[name] {
				return nil, dataErr(jsonConverterName, "Cannot create field because of field name duplication %s", name)
			}
			seen[name] = true
			fs, err := c.asConnectSchema(fo)
			if err != nil {
				return nil, under(err, name)
			}
			s.Fields = append(s.Fields, connect.Field{Name: name, Index: i, Schema: fs})
		}
	default:
		return nil, dataErr(jsonConverterName, "Unknown schema type: %s", tname)
	}
	if ov, _ := o.get("optional"); ov == true {
		s.Optional = true
	}
	if nv, ok := o.get("name"); ok {
		if n, ok := nv.(string); ok {
			s.Name = n
		}
	}
	if vv, ok := o.get("version"); ok {
		if n, ok := vv.(jnum); ok {
			if x, err := strconv.ParseInt(string(n), 10, 32); err == nil {
				s.Version = int(x)
			}
		}
	}
	if dv, ok := o.get("doc"); ok {
		if d, ok := dv.(string); ok {
			s.Doc = d
		}
	}
	if pv, ok := o.get("parameters"); ok && pv != nil {
		po, ok := pv.(*jobj)
		if !ok {
			return nil, dataErr(jsonConverterName, "Schema parameters must be an object")
		}
		s.Parameters = make(connect.Params, 0, len(po.keys))
		for i, k := range po.keys {
			sv, ok := po.vals[i].(string)
			if !ok {
				return nil, dataErr(jsonConverterName, "Schema parameters must have string values.")
			}
			s.Parameters = append(s.Parameters, connect.Param{Key: k, Value: sv})
		}
	}
	if dv, ok := o.get("default"); ok && dv != nil {
		d, err := c.toConnect(s, dv)
		if err != nil {
			return nil, under(err, "default")
		}
		s.Default = d
	}
	return s, nil
}

// toConnect converts a parsed JSON value to Connect data for schema s
// (Kafka's convertToConnect); s == nil reads it schemaless.
func (c *JSONConverter) toConnect(s *connect.Schema, v any) (any, error) {
	if s == nil {
		return schemaless(v), nil
	}
	if v == nil {
		if s.Default != nil && c.opt.ReplaceNullWithDefault {
			return s.Default, nil
		}
		if s.Optional {
			return nil, nil
		}
		return nil, dataErr(jsonConverterName, "Invalid null value for required %s field", s.Type.UpperName())
	}
	switch s.Name {
	case connect.DecimalName:
		return c.readDecimal(s, v)
	case connect.DateName, connect.TimeName, connect.TimestampName:
		n, ok := v.(jnum)
		if !ok || !n.isIntegral() {
			return nil, dataErr(jsonConverterName, "Invalid type for %s, underlying representation should be integer but was %s", s.Name, nodeType(v))
		}
		x, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return nil, dataErr(jsonConverterName, "%s value %s is out of range", s.Name, n)
		}
		switch s.Name {
		case connect.DateName:
			return time.Unix(x*86400, 0).UTC(), nil
		default:
			return time.UnixMilli(x).UTC(), nil
		}
	}
	switch s.Type {
	case connect.Int8, connect.Int16, connect.Int32, connect.Int64:
		n, ok := v.(jnum)
		if !ok {
			return nil, c.typeErr(s, v)
		}
		return readInt(s, n)
	case connect.Float32, connect.Float64:
		var f float64
		switch x := v.(type) {
		case jnum:
			var err error
			if f, err = strconv.ParseFloat(string(x), 64); err != nil && !math.IsInf(f, 0) {
				return nil, c.typeErr(s, v)
			}
		case string: // Jackson writes NaN and infinities as strings
			switch x {
			case "NaN":
				f = math.NaN()
			case "Infinity":
				f = math.Inf(1)
			case "-Infinity":
				f = math.Inf(-1)
			default:
				return nil, c.typeErr(s, v)
			}
		default:
			return nil, c.typeErr(s, v)
		}
		if s.Type == connect.Float32 {
			return float32(f), nil
		}
		return f, nil
	case connect.Boolean:
		b, ok := v.(bool)
		if !ok {
			return nil, c.typeErr(s, v)
		}
		return b, nil
	case connect.String:
		str, ok := v.(string)
		if !ok {
			return nil, c.typeErr(s, v)
		}
		return str, nil
	case connect.Bytes:
		str, ok := v.(string)
		if !ok {
			return nil, c.typeErr(s, v)
		}
		b, err := decodeBase64(str)
		if err != nil {
			return nil, dataErr(jsonConverterName, "BYTES value is not Base64: %v", err)
		}
		return b, nil
	case connect.Array:
		arr, ok := v.([]any)
		if !ok {
			return nil, c.typeErr(s, v)
		}
		out := make([]any, len(arr))
		for i, it := range arr {
			x, err := c.toConnect(s.Value, it)
			if err != nil {
				return nil, under(err, strconv.Itoa(i))
			}
			out[i] = x
		}
		return out, nil
	case connect.Map:
		if s.Key != nil && s.Key.Type == connect.String {
			o, ok := v.(*jobj)
			if !ok {
				return nil, dataErr(jsonConverterName, "Maps with string fields should be encoded as JSON objects, but found %s", nodeType(v))
			}
			m := make(map[string]any, len(o.keys))
			for i, k := range o.keys {
				x, err := c.toConnect(s.Value, o.vals[i])
				if err != nil {
					return nil, under(err, k)
				}
				m[k] = x
			}
			return m, nil
		}
		arr, ok := v.([]any)
		if !ok {
			return nil, dataErr(jsonConverterName, "Maps with non-string fields should be encoded as JSON array of tuples, but found %s", nodeType(v))
		}
		out := make([]connect.MapEntry, len(arr))
		for i, it := range arr {
			pair, ok := it.([]any)
			if !ok || len(pair) != 2 {
				return nil, dataErr(jsonConverterName, "Found invalid map entry instead of array tuple: %s", nodeType(it))
			}
			k, err := c.toConnect(s.Key, pair[0])
			if err != nil {
				return nil, under(err, strconv.Itoa(i))
			}
			x, err := c.toConnect(s.Value, pair[1])
			if err != nil {
				return nil, under(err, strconv.Itoa(i))
			}
			out[i] = connect.MapEntry{Key: k, Value: x}
		}
		return out, nil
	case connect.StructType:
		o, ok := v.(*jobj)
		if !ok {
			return nil, dataErr(jsonConverterName, "Structs should be encoded as JSON objects, but found %s", nodeType(v))
		}
		st := connect.NewStruct(s)
		for i, f := range s.Fields {
			fv, _ := o.get(f.Name)
			x, err := c.toConnect(f.Schema, fv)
			if err != nil {
				return nil, under(err, f.Name)
			}
			st.Values[i] = x
		}
		return st, nil
	}
	return nil, dataErr(jsonConverterName, "unknown schema type %v", s.Type)
}

func (c *JSONConverter) typeErr(s *connect.Schema, v any) error {
	return dataErr(jsonConverterName, "expected %s for schema %s, found %s", expectedNode(s.Type), s, nodeType(v))
}

func expectedNode(t connect.Type) string {
	switch t {
	case connect.Int8, connect.Int16, connect.Int32, connect.Int64:
		return "an integer"
	case connect.Float32, connect.Float64:
		return "a number"
	case connect.Boolean:
		return "a boolean"
	case connect.String:
		return "a string"
	case connect.Bytes:
		return "a Base64 string"
	case connect.Array:
		return "an array"
	}
	return "an object"
}

// nodeType names a parsed JSON value as Jackson's JsonNodeType does.
func nodeType(v any) string {
	switch v.(type) {
	case nil:
		return "NULL"
	case bool:
		return "BOOLEAN"
	case jnum:
		return "NUMBER"
	case string:
		return "STRING"
	case []any:
		return "ARRAY"
	case *jobj:
		return "OBJECT"
	}
	return "UNKNOWN"
}

func readInt(s *connect.Schema, n jnum) (any, error) {
	x, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		// 1.0 or 1e3 written for an integer field: accept when exact
		f, ferr := strconv.ParseFloat(string(n), 64)
		if ferr != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
			return nil, dataErr(jsonConverterName, "%s is not a valid %s", n, s.Type.UpperName())
		}
		x = int64(f)
	}
	switch s.Type {
	case connect.Int8:
		if x < math.MinInt8 || x > math.MaxInt8 {
			return nil, dataErr(jsonConverterName, "%s is out of range for INT8", n)
		}
		return int8(x), nil
	case connect.Int16:
		if x < math.MinInt16 || x > math.MaxInt16 {
			return nil, dataErr(jsonConverterName, "%s is out of range for INT16", n)
		}
		return int16(x), nil
	case connect.Int32:
		if x < math.MinInt32 || x > math.MaxInt32 {
			return nil, dataErr(jsonConverterName, "%s is out of range for INT32", n)
		}
		return int32(x), nil
	}
	return x, nil
}

// readDecimal accepts both decimal.format forms, as Kafka does.
func (c *JSONConverter) readDecimal(s *connect.Schema, v any) (any, error) {
	scaleText, _ := s.Parameters.Get(connect.DecimalScaleParam)
	scale, err := strconv.ParseInt(scaleText, 10, 32)
	if err != nil {
		return nil, dataErr(jsonConverterName, "Decimal schema has no valid %q parameter (%q)", connect.DecimalScaleParam, scaleText)
	}
	switch x := v.(type) {
	case jnum:
		d, err := connect.ParseDecimal(string(x))
		if err != nil {
			return nil, dataErr(jsonConverterName, "invalid Decimal %s", x)
		}
		// keep the schema's scale when that is exact (49.9 at scale 2 is 4990)
		if int64(d.Scale) < scale && scale-int64(d.Scale) <= 64 { // bounded: 1e-999999999 must not build huge numbers
			d.Unscaled = new(big.Int).Mul(d.Unscaled, new(big.Int).Exp(big.NewInt(10), big.NewInt(scale-int64(d.Scale)), nil))
			d.Scale = int32(scale)
		}
		return d, nil
	case string:
		b, err := decodeBase64(x)
		if err != nil {
			return nil, dataErr(jsonConverterName, "Decimal value is neither a number nor Base64: %v", err)
		}
		if len(b) == 0 {
			return nil, dataErr(jsonConverterName, "Decimal value has no bytes")
		}
		return connect.Decimal{Unscaled: fromTwosComplement(b), Scale: int32(scale)}, nil
	}
	return nil, dataErr(jsonConverterName, "Invalid type for Decimal, underlying representation should be numeric or bytes but was %s", nodeType(v))
}

func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b2, err2 := base64.RawStdEncoding.DecodeString(s); err2 == nil {
			return b2, nil
		}
		return nil, err
	}
	return b, nil
}

// schemaless converts a parsed value to schemaless Connect data.
func schemaless(v any) any {
	switch x := v.(type) {
	case jnum:
		if x.isIntegral() {
			if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				return n
			}
		}
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	case *jobj:
		m := make(map[string]any, len(x.keys))
		for i, k := range x.keys {
			m[k] = schemaless(x.vals[i])
		}
		return m
	case []any:
		for i, it := range x {
			x[i] = schemaless(it)
		}
		return x
	}
	return v
}
