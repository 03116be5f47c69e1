package dts

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/box"
)

// Format is the shape of the records the source emits (dts.output.format).
type Format int

const (
	// FormatEventBridge emits the EventBridge DTS event: the value is the
	// event's data object, and the CloudEvents attributes ride in ce_*
	// headers (CloudEvents Kafka binding, binary mode).
	FormatEventBridge Format = iota
	// FormatDebezium emits a schemaless Debezium change-event envelope
	// (before, after, source, op, ts_ms), so Debezium SMTs apply.
	FormatDebezium
)

// ParseFormat parses a dts.output.format value.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "eventbridge":
		return FormatEventBridge, nil
	case "debezium":
		return FormatDebezium, nil
	}
	return 0, fmt.Errorf("unknown output format %q, want eventbridge or debezium", s)
}

// EventType is the CloudEvents type of every DTS event, as EventBridge sets it.
const EventType = "dts:ConsumeMessage"

// ContentType is the datacontenttype of every DTS event.
const ContentType = "application/json; charset=utf-8"

// BuilderConfig configures a Builder.
type BuilderConfig struct {
	Topic   string // the tracked DTS topic
	Source  string // CloudEvents source (EventBridge uses the stream's name)
	Subject string // CloudEvents subject, e.g. acs:dts:<region>:<uid>:<task>/<sid>
	Format  Format
}

// Builder turns decoded changes into connect records. It caches one schema
// description per table, so it is not safe for concurrent use.
type Builder struct {
	cfg            BuilderConfig
	idPrefix       string
	topicPartition map[string]any
	tables         map[string]*table
	last           *table // the table of the last record

	// Header values boxed once, not per record.
	source, subject any
	// The last source second and its boxed forms: consecutive records
	// mostly share it.
	lastTS                 int64
	lastTSValue, lastCTime any

	// arena boxes the per-record numbers and the ce_id text.
	arena box.Arena
}

// Boxed once: putting a string in an interface allocates.
var (
	opValues         = [...]any{"INSERT", "UPDATE", "DELETE", "DDL"}
	specVersionValue = any("1.0")
	eventTypeValue   = any(EventType)
	contentTypeValue = any(ContentType)
)

// maxTables bounds the schema cache; a source with more tables than this
// rebuilds descriptions more often, nothing worse.
const maxTables = 4096

// NewBuilder returns a Builder.
func NewBuilder(cfg BuilderConfig) *Builder {
	// EventBridge ids are "<32 hex>-<DTS record id>"; what yields the hex
	// part is undocumented. Ours is the MD5 of the topic: fixed per stream,
	// so a re-delivered record keeps its id (DTS ids are unique per stream).
	sum := md5.Sum([]byte(cfg.Topic))
	return &Builder{
		cfg:            cfg,
		idPrefix:       hex.EncodeToString(sum[:]) + "-",
		topicPartition: map[string]any{"hash": int64(0), "partition": int64(0), "topic": cfg.Topic},
		tables:         map[string]*table{},
		source:         cfg.Source,
		subject:        cfg.Subject,
		lastTS:         math.MinInt64,
	}
}

// table is the cached description of one table's columns and keys.
type table struct {
	objectName, pkuk, sourceType, version string
	fields                                []Field
	names                                 []string
	pk                                    []int // key columns: the primary key, else the first unique key
	schema                                map[string]any
	dbzTopic                              string // FormatDebezium: <topic>.<db>[.<schema>].<table>
}

// Record builds the record for an emitted change (INSERT, UPDATE, DELETE,
// DDL) read at offset. The record's nested schema maps are shared between
// records of one table: records are never mutated after hand-off.
func (b *Builder) Record(c *Change, offset int64) (*connect.Record, error) {
	if !c.Operation.Emitted() {
		return nil, fmt.Errorf("dts: operation %s is not emitted", c.Operation)
	}
	t, err := b.table(c)
	if err != nil {
		return nil, err
	}
	var before, after map[string]any
	if c.Operation == OpDDL {
		after = map[string]any{"ddl": c.DDL}
	} else {
		// The decoder's image maps are the event's: records are never
		// mutated after hand-off.
		before, after = c.Before, c.After
	}
	key := b.key(t, c)
	base := connect.Record{
		Topic:     b.cfg.Topic,
		Partition: connect.UnassignedPartition,
		Key:       key,
		Timestamp: time.Unix(c.SourceTimestamp, 0).UTC(),
		Origin:    connect.Origin{Topic: b.cfg.Topic, Partition: 0, Offset: offset},
	}
	if b.cfg.Format == FormatDebezium {
		r := new(connect.Record)
		*r = base
		r.Value, r.Topic = b.debezium(c, t, offset, before, after)
		return r, nil
	}
	// The record and its seven headers in one allocation: they live and
	// die together.
	rh := &recordHeaders{rec: base}
	r := &rh.rec
	if c.SourceTimestamp != b.lastTS {
		var tb [32]byte
		b.lastTS = c.SourceTimestamp
		b.lastTSValue = c.SourceTimestamp
		b.lastCTime = string(r.Timestamp.AppendFormat(tb[:0], time.RFC3339))
	}
	r.Value = map[string]any{
		"id":              b.arena.Int64(c.ID),
		"topicPartition":  b.topicPartition,
		"offset":          b.arena.Int64(offset),
		"sourceTimestamp": b.lastTSValue,
		"operationType":   opValues[c.Operation],
		"schema":          t.schema,
		"beforeImage":     nilIfEmpty(before),
		"afterImage":      nilIfEmpty(after),
	}
	// ce_id: the prefix is fixed, the DTS id varies.
	var idb [80]byte
	id := b.arena.Text(strconv.AppendInt(append(idb[:0], b.idPrefix...), c.ID, 10))
	rh.hdr = [7]connect.Header{
		{Key: "ce_specversion", Value: specVersionValue},
		{Key: "ce_id", Value: id},
		{Key: "ce_source", Value: b.source},
		{Key: "ce_type", Value: eventTypeValue},
		{Key: "ce_subject", Value: b.subject},
		{Key: "ce_time", Value: b.lastCTime},
		{Key: "content-type", Value: contentTypeValue},
	}
	r.Headers = rh.hdr[:len(rh.hdr):len(rh.hdr)]
	return r, nil
}

// recordHeaders backs an EventBridge record and its headers. The headers'
// capacity is capped at their length, so appending to them copies.
type recordHeaders struct {
	rec connect.Record
	hdr [7]connect.Header
}

// nilIfEmpty keeps a missing image a JSON null (not an empty object).
func nilIfEmpty(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// key is the key columns of the after image, else of the before image. A
// NONE column is missing from the image, so its key value is null.
func (b *Builder) key(t *table, c *Change) any {
	if len(t.pk) == 0 || c.Operation == OpDDL {
		return nil
	}
	img := c.After
	if img == nil {
		img = c.Before
	}
	if img == nil {
		return nil
	}
	k := make(map[string]any, len(t.pk))
	for _, i := range t.pk {
		k[t.names[i]] = img[t.names[i]]
	}
	return k
}

func (b *Builder) table(c *Change) (*table, error) {
	fields, pkuk := c.Fields, c.Tags["pk_uk_info"]
	if c.Operation == OpDDL {
		fields = []Field{{Name: "ddl"}}
		pkuk = ""
	} else if t := b.last; t != nil && t.matches(c, fields, pkuk) {
		return t, nil // consecutive records mostly share a table
	} else if t, ok := b.tables[c.ObjectName]; ok && t.matches(c, fields, pkuk) {
		b.last = t
		return t, nil
	}
	t, err := newTable(c, fields, pkuk)
	if err != nil {
		return nil, err
	}
	if c.Operation != OpDDL {
		if len(b.tables) >= maxTables {
			clear(b.tables)
		}
		b.tables[t.objectName] = t
		b.last = t
	}
	return t, nil
}

// matches reports whether t describes the table of c, whose columns and
// key tag are fields and pkuk.
func (t *table) matches(c *Change, fields []Field, pkuk string) bool {
	return t.objectName == c.ObjectName && t.pkuk == pkuk && t.sourceType == c.SourceType &&
		t.version == c.SourceVersion && slices.Equal(t.fields, fields)
}

// newTable describes a table in EventBridge's schema shape. Keys come only
// from the pk_uk_info tag: {"PRIMARY":["id"],"<unique key>":["col"]}. No
// tag means no key; an unreadable one fails the record, since emitting it
// without its key would silently change how it is partitioned and ordered.
func newTable(c *Change, fields []Field, pkuk string) (*table, error) {
	t := &table{
		objectName: strings.Clone(c.ObjectName),
		pkuk:       strings.Clone(pkuk),
		sourceType: c.SourceType,
		version:    strings.Clone(c.SourceVersion),
		fields:     make([]Field, len(fields)),
		names:      make([]string, len(fields)),
	}
	pos := make(map[string]int, len(fields))
	for i, f := range fields {
		f.Name = strings.Clone(f.Name)
		t.fields[i], t.names[i] = f, f.Name
		pos[f.Name] = i
	}
	var keys map[string][]string
	if pkuk != "" {
		if err := json.Unmarshal([]byte(pkuk), &keys); err != nil {
			return nil, fmt.Errorf("dts: table %s: the pk_uk_info tag is not a JSON object of key name → column list (%v): %.200s", c.ObjectName, err, pkuk)
		}
	}
	isPK := make([]bool, len(fields))
	isUK := make([]bool, len(fields))
	for _, col := range keys["PRIMARY"] {
		if i, ok := pos[col]; ok {
			isPK[i] = true
			t.pk = append(t.pk, i)
		}
	}
	ukNames := make([]string, 0, len(keys))
	for name := range keys {
		if name != "PRIMARY" {
			ukNames = append(ukNames, name)
		}
	}
	slices.Sort(ukNames)
	for _, name := range ukNames {
		for _, col := range keys[name] {
			if i, ok := pos[col]; ok {
				isUK[i] = true
			}
		}
	}
	recordFields := make([]any, len(fields))
	for i, f := range t.fields {
		recordFields[i] = map[string]any{
			"fieldName":      f.Name,
			"rawDataTypeNum": int64(f.DataTypeNumber),
			"isPrimaryKey":   isPK[i],
			"isUniqueKey":    isUK[i],
			"fieldPosition":  int64(i),
		}
	}
	indexFields := func(cols []string) []any {
		out := make([]any, 0, len(cols))
		for _, col := range cols {
			if i, ok := pos[col]; ok {
				out = append(out, recordFields[i])
			}
		}
		return out
	}
	uniques := make([]any, 0, len(ukNames))
	for _, name := range ukNames {
		uniques = append(uniques, map[string]any{"indexType": "UniqueKey", "indexName": name, "indexFields": indexFields(keys[name])})
		if len(t.pk) == 0 && len(keys[name]) > 0 {
			// Without a primary key the first unique key identifies rows.
			for _, col := range keys[name] {
				if i, ok := pos[col]; ok {
					t.pk = append(t.pk, i)
				}
			}
		}
	}
	schemaName := c.Schema
	if schemaName == "" {
		schemaName = c.Database // as the SDK does for db.table names
	}
	s := map[string]any{
		"databaseName":    strings.Clone(c.Database),
		"tableName":       strings.Clone(c.Table),
		"schemaId":        "(" + c.Database + "," + schemaName + "," + c.Table + ")",
		"recordFields":    recordFields,
		"uniqueIndexInfo": uniques,
		"databaseInfo":    map[string]any{"databaseType": c.SourceType, "version": t.version},
	}
	if c.Schema != "" {
		s["schemaName"] = strings.Clone(c.Schema)
	}
	if len(keys["PRIMARY"]) > 0 {
		s["primaryIndexInfo"] = map[string]any{"indexType": "PrimaryKey", "indexFields": indexFields(keys["PRIMARY"])}
	}
	t.schema = s
	return t, nil
}

var dbzOps = [...]string{OpInsert: "c", OpUpdate: "u", OpDelete: "d"}

// debezium renders a change as a schemaless Debezium envelope. Row changes
// go to <topic>.<db>.<table> (Debezium's <prefix>.<db>.<table>); DDL becomes
// a schema-change value (databaseName, schemaName, ddl, tableChanges) on the
// DTS topic itself, as Debezium sends DDL to the prefix topic.
func (b *Builder) debezium(c *Change, t *table, offset int64, before, after map[string]any) (any, string) {
	ts := c.SourceTimestamp * 1000
	src := map[string]any{
		"version":    c.SourceVersion,
		"connector":  "dts",
		"name":       b.cfg.Topic,
		"ts_ms":      ts,
		"snapshot":   "false",
		"db":         c.Database,
		"table":      c.Table,
		"sourceType": c.SourceType,
		"txId":       c.SourceTxid,
		"pos":        c.SourcePosition,
		"id":         c.ID,
		"offset":     offset,
	}
	if c.Schema != "" {
		src["schema"] = c.Schema
	}
	if c.Operation == OpDDL {
		return map[string]any{
			"source":       src,
			"databaseName": c.Database,
			"schemaName":   c.Schema,
			"ddl":          c.DDL,
			"tableChanges": []any{},
		}, b.cfg.Topic
	}
	if t.dbzTopic == "" {
		// Built once per table, not per record.
		t.dbzTopic = b.cfg.Topic + "." + c.Database
		if c.Schema != "" {
			t.dbzTopic += "." + c.Schema
		}
		t.dbzTopic += "." + c.Table
	}
	return map[string]any{
		"before": nilIfEmpty(before),
		"after":  nilIfEmpty(after),
		"source": src,
		"op":     dbzOps[c.Operation],
		"ts_ms":  ts,
	}, t.dbzTopic
}
