// Package dtstest writes realistic DTS change-tracking records for tests:
// Avro Record datums encoded with the published schema (dts-record.avsc)
// by hamba/avro's schema-driven encoder, independent of the source's
// hand-written decoder, into a kfake cluster that requires SASL/PLAIN as a
// DTS endpoint does.
package dtstest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/hamba/avro/v2"

	"github.com/inletdev/inlet/source/dts"
)

const ns = "com.alibaba.dts.formats.avro."

// Record is one DTS record to encode. Zero fields get plausible defaults
// (version 1, MySQL 5.7.35-log, a source position derived from ID).
type Record struct {
	ID                int64
	SourceTimestamp   int64 // Unix seconds; also the Kafka timestamp (see Cluster)
	Operation         dts.Operation
	SourceType        string // "MySQL" (default), "PostgreSQL", ...
	SourceVersion     string
	ObjectName        string // db.table or db.schema.table; "" = null
	Txid              string
	Fields            []dts.Field
	PKUK              string // the pk_uk_info tag, e.g. {"PRIMARY":["id"]}
	Before, After     []Value
	DDL               string // afterImages string branch, for OpDDL
	ProcessTimestamps []int64
	// NoBornTimestamp writes the Java SDK's shorter schema, which ends
	// after afterImages.
	NoBornTimestamp bool
	BornTimestamp   int64
}

// Value is one image element: an Avro union value for the image array.
type Value map[string]any

func rec(name string, fields map[string]any) Value { return Value{ns + name: fields} }

// Null is SQL NULL as the null branch of the element union.
func Null() Value { return Value{"null": nil} }

// EmptyNull is SQL NULL as EmptyObject NULL.
func EmptyNull() Value { return Value{ns + "EmptyObject": "NULL"} }

// None is EmptyObject NONE: no value at all.
func None() Value { return Value{ns + "EmptyObject": "NONE"} }

// Int is an Integer.
func Int(n int64) Value { return BigInt(strconv.FormatInt(n, 10)) }

// BigInt is an Integer given as decimal text of any size.
func BigInt(s string) Value {
	return rec("Integer", map[string]any{"precision": int32(len(s)), "value": s})
}

// Text is a Character in utf8mb4.
func Text(s string) Value { return Chars("utf8mb4", []byte(s)) }

// Chars is a Character with the given charset and raw bytes.
func Chars(charset string, b []byte) Value {
	return rec("Character", map[string]any{"charset": charset, "value": b})
}

// Decimal is a Decimal.
func Decimal(s string, precision, scale int32) Value {
	return rec("Decimal", map[string]any{"value": s, "precision": precision, "scale": scale})
}

// Float is a Float.
func Float(f float64) Value {
	return rec("Float", map[string]any{"value": f, "precision": int32(17), "scale": int32(-1)})
}

// Timestamp is a Timestamp: seconds plus microseconds (DTS's "millis").
func Timestamp(sec int64, micros int32) Value {
	return rec("Timestamp", map[string]any{"timestamp": sec, "millis": micros})
}

func opt(v int32) map[string]any { return map[string]any{"int": v} }

var noPart = map[string]any{"null": nil}

func dateTime(y, mo, d, h, mi, s, us map[string]any) map[string]any {
	return map[string]any{"year": y, "month": mo, "day": d, "hour": h, "minute": mi, "second": s, "millis": us}
}

// DateTime is a DATETIME value; micros is DTS's "millis".
func DateTime(y, mo, d, h, mi, s, micros int32) Value {
	return rec("DateTime", dateTime(opt(y), opt(mo), opt(d), opt(h), opt(mi), opt(s), opt(micros)))
}

// Date is a DATE value.
func Date(y, mo, d int32) Value {
	return rec("DateTime", dateTime(opt(y), opt(mo), opt(d), noPart, noPart, noPart, noPart))
}

// Time is a TIME value (hours may be negative or above 23).
func Time(h, mi, s, micros int32) Value {
	return rec("DateTime", dateTime(noPart, noPart, noPart, opt(h), opt(mi), opt(s), opt(micros)))
}

// Year is a YEAR value.
func Year(y int32) Value {
	return rec("DateTime", dateTime(opt(y), noPart, noPart, noPart, noPart, noPart, noPart))
}

// TimestampTZ is a TimestampWithTimeZone.
func TimestampTZ(y, mo, d, h, mi, s, micros int32, tz string) Value {
	return rec("TimestampWithTimeZone", map[string]any{
		"value":    dateTime(opt(y), opt(mo), opt(d), opt(h), opt(mi), opt(s), opt(micros)),
		"timezone": tz,
	})
}

// Blob is a BinaryObject.
func Blob(b []byte) Value { return rec("BinaryObject", map[string]any{"type": "BLOB", "value": b}) }

// Geometry is a BinaryGeometry (WKB).
func Geometry(wkb []byte) Value {
	return rec("BinaryGeometry", map[string]any{"type": "GEOMETRY", "value": wkb})
}

// TextGeometry is a TextGeometry (WKT).
func TextGeometry(wkt string) Value {
	return rec("TextGeometry", map[string]any{"type": "GEOMETRY", "value": wkt})
}

// TextObject is a TextObject such as JSON, ENUM or SET.
func TextObject(typ, s string) Value {
	return rec("TextObject", map[string]any{"type": typ, "value": s})
}

var (
	schemaOnce          sync.Once
	fullSchema, shortSc avro.Schema
	schemaErr           error
)

// schemas parses dts-record.avsc with hamba/avro, and a copy without the
// trailing bornTimestamp (the Java SDK's shorter Record).
func schemas() (full, short avro.Schema, err error) {
	schemaOnce.Do(func() {
		fullSchema, schemaErr = recordSchema(dts.RecordSchema())
		if schemaErr != nil {
			return
		}
		var types []map[string]any
		if schemaErr = json.Unmarshal([]byte(dts.RecordSchema()), &types); schemaErr != nil {
			return
		}
		last := types[len(types)-1]
		fields := last["fields"].([]any)
		last["fields"] = fields[:len(fields)-1]
		b, _ := json.Marshal(types)
		shortSc, schemaErr = recordSchema(string(b))
	})
	return fullSchema, shortSc, schemaErr
}

func recordSchema(text string) (avro.Schema, error) {
	s, err := avro.ParseWithCache(text, "", &avro.SchemaCache{})
	if err != nil {
		return nil, fmt.Errorf("dtstest: parsing dts-record.avsc: %w", err)
	}
	u, ok := s.(*avro.UnionSchema)
	if !ok {
		return nil, fmt.Errorf("dtstest: dts-record.avsc parsed as %T, want a list of types", s)
	}
	types := u.Types()
	return types[len(types)-1], nil
}

var sourceTypes = map[string]bool{"MySQL": true, "Oracle": true, "SQLServer": true, "PostgreSQL": true,
	"MongoDB": true, "Redis": true, "DB2": true, "PPAS": true, "DRDS": true, "HBASE": true, "HDFS": true,
	"FILE": true, "OTHER": true}

// Encode encodes r as one raw Avro datum, as DTS writes it to Kafka.
func Encode(r Record) ([]byte, error) {
	full, short, err := schemas()
	if err != nil {
		return nil, err
	}
	st := r.SourceType
	if st == "" {
		st = "MySQL"
	}
	if !sourceTypes[st] {
		return nil, fmt.Errorf("dtstest: unknown source type %q", st)
	}
	sv := r.SourceVersion
	if sv == "" {
		sv = "5.7.35-log"
		if st == "PostgreSQL" {
			sv = "15.4"
		}
	}
	m := map[string]any{
		"version":            int32(1),
		"id":                 r.ID,
		"sourceTimestamp":    r.SourceTimestamp,
		"sourcePosition":     fmt.Sprintf("%d@mysql-bin.000042:%d", r.ID, 4+r.ID*120),
		"safeSourcePosition": fmt.Sprintf("%d@mysql-bin.000042:%d", r.ID, 4+r.ID*100),
		"sourceTxid":         r.Txid,
		"source":             map[string]any{"sourceType": st, "version": sv},
		"operation":          r.Operation.String(),
		"tags":               map[string]any{},
		"bornTimestamp":      r.BornTimestamp,
	}
	if r.ObjectName != "" {
		m["objectName"] = map[string]any{"string": r.ObjectName}
	} else {
		m["objectName"] = map[string]any{"null": nil}
	}
	if r.ProcessTimestamps != nil {
		m["processTimestamps"] = map[string]any{"array": r.ProcessTimestamps}
	} else {
		m["processTimestamps"] = map[string]any{"null": nil}
	}
	if r.PKUK != "" {
		m["tags"] = map[string]any{"pk_uk_info": r.PKUK}
	}
	if r.Fields != nil {
		fs := make([]any, len(r.Fields))
		for i, f := range r.Fields {
			fs[i] = map[string]any{"name": f.Name, "dataTypeNumber": f.DataTypeNumber}
		}
		m["fields"] = map[string]any{"array": fs}
	} else {
		m["fields"] = map[string]any{"null": nil}
	}
	m["beforeImages"] = images(r.Before)
	m["afterImages"] = images(r.After)
	if r.Operation == dts.OpDDL {
		m["afterImages"] = map[string]any{"string": r.DDL}
	}
	schema := full
	if r.NoBornTimestamp {
		schema = short
		delete(m, "bornTimestamp")
	}
	b, err := avro.Marshal(schema, m)
	if err != nil {
		return nil, fmt.Errorf("dtstest: encoding record %d: %w", r.ID, err)
	}
	return b, nil
}

func images(vs []Value) map[string]any {
	if vs == nil {
		return map[string]any{"null": nil}
	}
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = map[string]any(v)
	}
	return map[string]any{"array": out}
}

// MustEncode is Encode that panics, for fixtures.
func MustEncode(r Record) []byte {
	b, err := Encode(r)
	if err != nil {
		panic(err)
	}
	return b
}
