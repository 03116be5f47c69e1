package unwrap

import (
	"fmt"
	"strings"

	"github.com/inletdev/inlet/connect"
)

// Config keys (Debezium's ExtractNewRecordStateConfigDefinition).
const (
	keyMode           = "delete.tombstone.handling.mode"
	keyDropTombstones = "drop.tombstones"      // legacy, removed in Debezium 3.2
	keyDeleteHandling = "delete.handling.mode" // legacy, removed in Debezium 3.2
	keyAddFields      = "add.fields"
	keyAddFieldsPre   = "add.fields.prefix"
	keyAddHeaders     = "add.headers"
	keyAddHeadersPre  = "add.headers.prefix"
	keyRouteBy        = "route.by.field"
	keyDropHeader     = "drop.fields.header.name"
	keyDropFromKey    = "drop.fields.from.key"
	keyKeepCompatible = "drop.fields.keep.schema.compatible"
	keyReplaceNull    = "replace.null.with.default"
)

// Delete handling modes.
const (
	ModeDrop                 = "drop"
	ModeTombstone            = "tombstone"
	ModeRewrite              = "rewrite"
	ModeRewriteWithTombstone = "rewrite-with-tombstone"
	ModeDeleteToTombstone    = "delete-to-tombstone"
)

// ConfigDef declares every key with Debezium's defaults.
func ConfigDef() *connect.ConfigDef {
	return connect.NewConfigDef(
		connect.ConfigKey{Name: keyMode, Default: ModeTombstone, Importance: connect.Medium,
			Validator: connect.OneOf(ModeDrop, ModeTombstone, ModeRewrite, ModeRewriteWithTombstone, ModeDeleteToTombstone),
			Doc: "How delete events and tombstones are handled. drop: deletes and tombstones are dropped. " +
				"tombstone: a delete becomes a record with a null value but the row's value schema (what the JDBC sink expects); tombstones are dropped. " +
				"rewrite: a delete becomes its before row plus __deleted=\"true\" (other events get \"false\"); tombstones are dropped. " +
				"rewrite-with-tombstone: as rewrite, keeping tombstones. delete-to-tombstone: a delete becomes a true tombstone (null value and schema); tombstones are dropped. " +
				"Debezium equivalent: the same key; the default is tombstone since Debezium 3.2."},
		connect.ConfigKey{Name: keyDropTombstones, Type: connect.TypeBoolean, Default: "true", Importance: connect.Low, Deprecated: keyMode,
			Doc: "Legacy (removed in Debezium 3.2): whether tombstones are dropped. Read only when " + keyMode + " is unset; inlet maps it with " + keyDeleteHandling + " onto the same behaviour."},
		connect.ConfigKey{Name: keyDeleteHandling, Default: "drop", Importance: connect.Low, Deprecated: keyMode,
			Validator: connect.OneOf("drop", "rewrite", "none"),
			Doc: "Legacy (removed in Debezium 3.2): drop removes deletes, none keeps them as null-value records, rewrite adds __deleted. Read only when " + keyMode +
				" is unset; when neither legacy key is set either, " + keyMode + "'s default (tombstone) applies, as in Debezium 3.2+."},
		connect.ConfigKey{Name: keyAddFields, Type: connect.TypeList, Default: "", Importance: connect.Low,
			Doc: "Adds each field listed, prefixed with __ (or __<struct>_ if the struct is specified). op, ts_ms, ts_us and ts_ns come from the envelope, id, total_order and data_collection_order from transaction, anything else from source. " +
				"Example: 'version,connector,source.ts_ms' adds __version, __connector and __source_ts_ms. A new name can be given: 'source.ts_ms:EVENT_TIMESTAMP' (case-sensitive). Fields the record lacks are skipped, as in Debezium."},
		connect.ConfigKey{Name: keyAddFieldsPre, Default: "__", Importance: connect.Low,
			Doc: "Prefix of the fields added by add.fields. Set without add.fields, it is a configuration error."},
		connect.ConfigKey{Name: keyAddHeaders, Type: connect.TypeList, Default: "", Importance: connect.Low,
			Doc: "Adds each field listed as a header, with the syntax of add.fields. A tombstone gets only the op header, with value d."},
		connect.ConfigKey{Name: keyAddHeadersPre, Default: "__", Importance: connect.Low,
			Doc: "Prefix of the headers added by add.headers. Set without add.headers, it is a configuration error."},
		connect.ConfigKey{Name: keyRouteBy, Default: "", Importance: connect.Low,
			Doc: "The row field (after, or before for a delete) whose value becomes the topic. A null or blank value keeps the topic."},
		connect.ConfigKey{Name: keyDropHeader, Default: "", Importance: connect.Low,
			Doc: "Specifies the name of a header that contains a list of fields to be removed from the event value (pairs with ExtractChangedRecordState)."},
		connect.ConfigKey{Name: keyDropFromKey, Type: connect.TypeBoolean, Default: "false", Importance: connect.Low,
			Doc: "Specifies whether to apply the drop fields behavior to the event key as well as the value. Default behavior is to only remove fields from the event value, not the key. Set without drop.fields.header.name, it is a configuration error."},
		connect.ConfigKey{Name: keyKeepCompatible, Type: connect.TypeBoolean, Default: "true", Importance: connect.Low,
			Doc: "Controls the output event's schema compatibility when using the drop fields feature. true: only optional fields are removed; false: listed fields are removed from the key/value schemas regardless of optionality. Set without drop.fields.header.name, it is a configuration error."},
		connect.ConfigKey{Name: keyReplaceNull, Type: connect.TypeBoolean, Default: "true", Importance: connect.Low,
			Doc: "In the rewrite modes (which add __deleted) and when fields are dropped via drop.fields.header.name, whether a null field with a default value takes the default (true) or stays null (false). add.fields alone never replaces nulls, as in Debezium."},
	).Check(func(c connect.Config) connect.ConfigErrors {
		var errs connect.ConfigErrors
		// Keys that only refine another key would otherwise be accepted
		// and do nothing.
		for _, dep := range []struct{ key, needs string }{
			{keyAddFieldsPre, keyAddFields},
			{keyAddHeadersPre, keyAddHeaders},
			{keyDropFromKey, keyDropHeader},
			{keyKeepCompatible, keyDropHeader},
		} {
			if c.Has(dep.key) && c.Raw(dep.needs) == "" {
				errs = append(errs, &connect.ConfigError{Key: dep.key, Value: c.Raw(dep.key),
					Reason: "has no effect without " + dep.needs + ": set " + dep.needs + " or remove it"})
			}
		}
		for _, k := range []string{keyAddFields, keyAddHeaders} {
			for _, f := range c.List(k) {
				if _, err := parseFieldRef("", f); err != nil {
					errs = append(errs, &connect.ConfigError{Key: k, Value: c.Raw(k), Reason: err.Error()})
				}
			}
		}
		return errs
	})
}

// deleteMode is what happens to a delete event.
type deleteMode uint8

const (
	deletesDropped   deleteMode = iota // drop
	deletesNullValue                   // tombstone (null value, row schema)
	deletesRewritten                   // rewrite: before row + __deleted=true
	deletesTombstone                   // delete-to-tombstone (null value and schema)
)

// modes maps the current mode names onto the two behaviours they combine.
func modeOf(name string) (deleteMode, bool) {
	switch strings.ToLower(name) {
	case ModeDrop:
		return deletesDropped, false
	case ModeRewrite:
		return deletesRewritten, false
	case ModeRewriteWithTombstone:
		return deletesRewritten, true
	case ModeDeleteToTombstone:
		return deletesTombstone, false
	}
	return deletesNullValue, false
}

// legacyMode maps Debezium's pre-3.2 pair (drop.tombstones,
// delete.handling.mode) onto the same two behaviours. Every pair is kept,
// including the two that have no single new mode name (tombstones kept with
// deletes dropped or kept as null values).
func legacyMode(dropTombstones bool, handling string) (deleteMode, bool) {
	keep := !dropTombstones
	switch strings.ToLower(handling) {
	case "rewrite":
		return deletesRewritten, keep
	case "none":
		return deletesNullValue, keep
	}
	return deletesDropped, keep
}

// fieldRef is one add.fields / add.headers entry (Debezium's FieldReference).
type fieldRef struct {
	parent string // "" = the envelope itself, else "source", "transaction" ...
	field  string
	out    string // output field or header name, prefix included
}

func parseFieldRef(prefix, spec string) (fieldRef, error) {
	parts := strings.Split(spec, ":")
	if len(parts) > 2 || spec == "" {
		return fieldRef{}, fmt.Errorf("Unexpected field name: %s (expected field, struct.field, or either with :newName)", spec)
	}
	splits := strings.Split(parts[0], ".")
	if len(splits) > 2 {
		// Debezium's FieldReference accepts field or struct.field only; a
		// deeper path would silently read struct.field and drop the rest.
		return fieldRef{}, fmt.Errorf("Unexpected field name: %s (expected field or struct.field: only one level of nesting)", spec)
	}
	r := fieldRef{}
	if len(splits) == 1 {
		r.field = splits[0]
		switch r.field {
		case "id", "total_order", "data_collection_order":
			r.parent = "transaction"
		case "op", "ts_ms", "ts_us", "ts_ns":
			r.parent = ""
		default:
			r.parent = "source"
		}
	} else {
		r.parent, r.field = splits[0], splits[1]
	}
	if r.field == "" {
		return fieldRef{}, fmt.Errorf("Unexpected field name: %s", spec)
	}
	switch {
	case len(parts) == 2:
		r.out = prefix + parts[1]
	case len(splits) == 1:
		r.out = prefix + r.field
	default:
		r.out = prefix + r.parent + "_" + r.field
	}
	return r, nil
}
