package rocketmq

import (
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// User properties on the batched path travel as the wire encoding of
// Message's field 2 (map<string, string> user_properties), written by the
// sink and attached to the v2.Message as unknown fields, not as its
// UserProperties map. protobuf-go marshals a map by reflection (an
// iterator and boxed keys and values per entry, sized in a second pass
// the same way): with the example's five properties that was most of
// marshalling a request, ~8 % of the pipeline's CPU, plus a map per
// message only to be marshalled.
//
// This is sound because of three documented protobuf rules: unknown fields
// are kept and marshalled verbatim after the known ones (protobuf-go);
// fields may come in any order on the wire; and a map field is a repeated
// entry message {1: key, 2: value}, so a receiver that knows field 2 (a
// broker, rocketmqtest) decodes these bytes into the same map. They are
// the bytes protobuf-go writes itself (TestUserPropertiesWire compares
// them with a deterministic marshal of the map): key and value always
// present, empty or not, entries sorted by key as a deterministic marshal
// does, one entry per key. Only this one field is written by hand, the
// rest stays protobuf-go's; a custom gRPC codec encoding the whole
// SendMessageRequest (the alternative) would have to follow every field
// of the protocol by hand.
//
// UTF-8 validity, which protobuf checks for proto3 strings when it
// marshals a map and which nothing checks in unknown fields, is checked as
// the property is added (draft.addProperty).

// The tags (field number << 3 | wire type, one byte each) of
// Message.user_properties and of its entries' key and value.
const (
	userPropertiesTag = 2<<3 | byte(protowire.BytesType)
	entryKeyTag       = 1<<3 | byte(protowire.BytesType)
	entryValueTag     = 2<<3 | byte(protowire.BytesType)
)

// appendUserProperties appends props as user_properties entries, sorted by
// key, a later property replacing an earlier one of the same key (as in a
// map). It sorts props in place.
func appendUserProperties(b []byte, props []prop) []byte {
	if len(props) > 1 {
		// stable: of equal keys the last added stays last, and wins
		slices.SortStableFunc(props, func(x, y prop) int { return strings.Compare(x.k, y.k) })
	}
	for i, p := range props {
		if i+1 < len(props) && props[i+1].k == p.k {
			continue
		}
		n := 1 + protowire.SizeBytes(len(p.k)) + 1 + protowire.SizeBytes(len(p.v))
		b = append(b, userPropertiesTag)
		b = protowire.AppendVarint(b, uint64(n))
		b = append(b, entryKeyTag)
		b = protowire.AppendString(b, p.k)
		b = append(b, entryValueTag)
		b = protowire.AppendString(b, p.v)
	}
	return b
}
