package transforms

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/inletdev/inlet/connect"
)

var maskFieldPlugin = kvPlugin{
	name: "MaskField",
	doc: "Mask specified fields with a valid null value for the field type (i.e. 0, false, empty string, and so on). " +
		"For numeric and string fields, an optional replacement value can be specified that is converted to the correct type. " +
		"Kafka Connect equivalent: org.apache.kafka.connect.transforms.MaskField$Key / $Value.",
	config: func() *connect.ConfigDef {
		return connect.NewConfigDef(
			connect.ConfigKey{Name: "fields", Type: connect.TypeList, Required: true, Importance: connect.High, Validator: connect.NonEmpty(),
				Doc: "Names of fields to mask."},
			connect.ConfigKey{Name: "replacement", Importance: connect.Low,
				Validator: func(v any) error {
					if v.(string) == "" {
						return fmt.Errorf("String must be non-empty")
					}
					return nil
				},
				Doc: "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only)."},
			replaceNullDef(),
		)
	},
	build: func(cfg connect.Config, s side) (connect.Transformation, error) {
		t := &MaskField{side: s, fields: set(cfg.List("fields")), replaceNull: cfg.Bool(replaceNullKey)}
		if cfg.Has("replacement") {
			rep := cfg.String("replacement")
			t.replacement = &rep
		}
		return t, nil
	},
}

// MaskField replaces fields with their type's empty value or a replacement.
type MaskField struct {
	side        side
	fields      map[string]bool
	replacement *string
	replaceNull bool
}

// Apply implements connect.Transformation. A null key/value passes through.
func (t *MaskField) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	name := "MaskField" + t.side.suffix()
	schema, v := t.side.operating(r)
	if v == nil {
		return r, nil
	}
	if schema == nil {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, recordErr(name, r, "only Map objects supported in absence of schema for [mask fields], found: %s", typeName(v))
		}
		out := cloneMap(m, len(t.fields))
		for f := range t.fields {
			// Kafka puts the masked value (null for a missing field) for every listed field.
			mv, err := t.mask(m[f])
			if err != nil {
				return nil, recordErr(name, r, "field %q: %v", f, err)
			}
			out[f] = mv
		}
		return t.side.with(r, nil, out), nil
	}
	st, ok := asStruct(v)
	if !ok {
		return nil, recordErr(name, r, "only Struct objects supported for [mask fields], found: %s", typeName(v))
	}
	out := &connect.Struct{Schema: st.Schema, Values: make([]any, len(st.Schema.Fields))}
	for i, f := range st.Schema.Fields {
		fv := fieldValue(st, i, t.replaceNull)
		if t.fields[f.Name] {
			mv, err := t.mask(fv)
			if err != nil {
				return nil, recordErr(name, r, "field %q: %v", f.Name, err)
			}
			fv = mv
		}
		out.Values[i] = fv
	}
	return t.side.with(r, st.Schema, out), nil
}

func (t *MaskField) mask(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if t.replacement != nil {
		return maskWith(v, *t.replacement)
	}
	switch x := v.(type) {
	case bool:
		return false, nil
	case int8:
		return int8(0), nil
	case int16:
		return int16(0), nil
	case int32:
		return int32(0), nil
	case int64:
		return int64(0), nil
	case int:
		return 0, nil
	case float32:
		return float32(0), nil
	case float64:
		return float64(0), nil
	case json.Number:
		return json.Number("0"), nil
	case *big.Int:
		return new(big.Int), nil
	case connect.Decimal:
		return connect.Decimal{Unscaled: new(big.Int), Scale: x.Scale}, nil
	case time.Time:
		return time.UnixMilli(0).UTC(), nil
	case string:
		return "", nil
	case []any:
		return []any{}, nil
	case map[string]any:
		return map[string]any{}, nil
	}
	return nil, fmt.Errorf("Cannot mask value of type: %s", typeName(v))
}

func maskWith(v any, rep string) (any, error) {
	numErr := func(error) error {
		return fmt.Errorf("Unable to convert %s (java.lang.String) to number (the field is %s)", rep, typeName(v))
	}
	parseInt := func(bits int) (int64, error) {
		n, err := strconv.ParseInt(rep, 10, bits)
		if err != nil {
			return 0, numErr(err)
		}
		return n, nil
	}
	switch x := v.(type) {
	case int8:
		n, err := parseInt(8)
		return int8(n), err
	case int16:
		n, err := parseInt(16)
		return int16(n), err
	case int32:
		n, err := parseInt(32)
		return int32(n), err
	case int64:
		return parseInt(64)
	case int:
		n, err := parseInt(64)
		return int(n), err
	case float32:
		f, err := strconv.ParseFloat(rep, 32)
		if err != nil {
			return nil, numErr(err)
		}
		return float32(f), nil
	case float64:
		f, err := strconv.ParseFloat(rep, 64)
		if err != nil {
			return nil, numErr(err)
		}
		return f, nil
	case json.Number:
		if _, err := strconv.ParseFloat(rep, 64); err != nil {
			return nil, numErr(err)
		}
		return json.Number(rep), nil
	case *big.Int:
		n, ok := new(big.Int).SetString(rep, 10)
		if !ok {
			return nil, numErr(nil)
		}
		return n, nil
	case connect.Decimal:
		d, err := connect.ParseDecimal(rep)
		if err != nil {
			return nil, numErr(err)
		}
		return rescale(d, x.Scale), nil
	case string:
		return rep, nil
	}
	return nil, fmt.Errorf("Cannot mask value of type %s with custom replacement.", typeName(v))
}

// rescale gives d the scale of the field's schema, so the masked value still
// fits its Decimal schema (Kafka keeps the replacement's own scale).
func rescale(d connect.Decimal, scale int32) connect.Decimal {
	if d.Scale == scale {
		return d
	}
	u := new(big.Int).Set(d.Unscaled)
	if d.Scale < scale {
		u.Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-d.Scale)), nil))
	} else {
		u.Quo(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale-scale)), nil))
	}
	return connect.Decimal{Unscaled: u, Scale: scale}
}
