package rocketmqtest

import (
	"context"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
)

// The SendMessage request is decoded here, by hand, instead of by
// protobuf-go's reflection-driven Unmarshal: in the pipeline benchmarks
// the endpoint runs in the benchmark's process, and unmarshalling each
// message's user_properties map, timestamps and strings was ~15 % of the
// process's CPU and ~19 % of its allocated bytes. The decoder accepts and
// refuses exactly what proto.Unmarshal into a v2.SendMessageRequest
// does (FuzzDecodeSendRequest holds it to that): wrong wire types of known
// fields are skipped as unknown fields, unknown fields are skipped, proto3
// strings must be valid UTF-8, a singular sub-message that occurs more
// than once (topic, system properties, a timestamp) is merged, repeated
// fields append, the last scalar wins. Every other method keeps the generated code.

// sendRequest is a SendMessage request as the server's codec decodes it.
// Its strings and bodies point into the call's own copy of the request's
// bytes (gRPC frees its buffers once the codec returns).
type sendRequest struct {
	msgs []storedMessage
}

// storedMessage is a Message with what the endpoint keeps of its wire form.
type storedMessage struct {
	Message
	// raw is the message's encoding; Properties is decoded from it the
	// first time someone looks (nil when the message came as a struct).
	raw []byte
	// delayed: the message has a delivery_timestamp (a batch rule).
	delayed bool
}

// properties fills m.Properties from m.raw if it is not there yet. The raw
// bytes were checked when the request was decoded, so this cannot fail.
func (m *storedMessage) properties() {
	if m.Properties != nil {
		return
	}
	m.Properties = map[string]string{}
	_ = eachField(m.raw, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		if num != 2 || typ != protowire.BytesType {
			return 0, nil
		}
		v, n, _ := consumeBytes(b)
		k, val, _ := mapEntry(v)
		m.Properties[k] = val
		return n, nil
	})
}

// wireCodec is the server's codec: the standard proto codec for every
// message but *sendRequest, which it decodes itself.
type wireCodec struct{ proto encoding.CodecV2 }

func newWireCodec() wireCodec { return wireCodec{encoding.GetCodecV2("proto")} }

func (c wireCodec) Marshal(v any) (mem.BufferSlice, error) { return c.proto.Marshal(v) }
func (c wireCodec) Name() string                           { return c.proto.Name() }

// Unmarshal decodes a *sendRequest itself; gRPC answers its error as the
// proto codec's, codes.Internal "grpc: error unmarshalling request: …".
func (c wireCodec) Unmarshal(data mem.BufferSlice, v any) error {
	req, ok := v.(*sendRequest)
	if !ok {
		return c.proto.Unmarshal(data, v)
	}
	// A copy: the request's strings and bodies are kept after the call.
	return req.decode(data.Materialize())
}

// serviceDesc is v2.MessagingService_ServiceDesc with SendMessage taking a
// *sendRequest.
func serviceDesc() *grpc.ServiceDesc {
	d := v2.MessagingService_ServiceDesc
	d.Methods = slices.Clone(d.Methods)
	for i := range d.Methods {
		if d.Methods[i].MethodName == "SendMessage" {
			d.Methods[i].Handler = sendMessageHandler
		}
	}
	return &d
}

// sendMessageHandler is the generated SendMessage handler with the
// server's request type. The server installs no interceptor, so it has
// none to call.
func sendMessageHandler(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	in := new(sendRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	return srv.(*Server).send(ctx, in.msgs)
}

// decode reads b, a SendMessageRequest (messages = 1).
func (r *sendRequest) decode(b []byte) error {
	if n := countMessages(b); n > 0 {
		r.msgs = make([]storedMessage, 0, n) // one allocation, not one per doubling
	}
	keys := make([]string, 0, cap(r.msgs)) // one slab for every message's keys
	err := eachField(b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		if num != 1 || typ != protowire.BytesType {
			return 0, nil
		}
		i := len(r.msgs)
		v, n, err := consumeBytes(b)
		if err == nil {
			r.msgs = append(r.msgs, storedMessage{raw: v})
			keys, err = r.msgs[i].decode(v, keys)
		}
		if err != nil {
			return 0, wireErr("messages["+strconv.Itoa(i)+"]", err)
		}
		return n, nil
	})
	if err != nil {
		return wireErr("", err)
	}
	return nil
}

// countMessages counts the messages of a request, for sizing; a malformed
// request is left to decode.
func countMessages(b []byte) (count int) {
	_ = eachField(b, func(num protowire.Number, typ protowire.Type, _ []byte) (int, error) {
		if num == 1 && typ == protowire.BytesType {
			count++
		}
		return 0, nil
	})
	return count
}

// decode reads b, a Message (topic = 1, user_properties = 2,
// system_properties = 3, body = 4), appending its keys to the slab keys.
func (m *storedMessage) decode(b []byte, keys []string) ([]string, error) {
	k0 := len(keys)
	var born, delivery timestamp
	err := eachField(b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		if typ != protowire.BytesType || num < 1 || num > 4 {
			return 0, nil
		}
		v, n, err := consumeBytes(b)
		switch {
		case err != nil:
		case num == 1:
			err = eachField(v, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
				switch {
				case typ != protowire.BytesType:
					return 0, nil
				case num == 1:
					return consumeString(b, &m.Namespace)
				case num == 2:
					return consumeString(b, &m.Topic)
				}
				return 0, nil
			})
		case num == 2:
			_, _, err = mapEntry(v) // checked now, decoded on demand
		case num == 3:
			keys, err = m.decodeSystem(v, keys, &born, &delivery)
		case num == 4:
			m.Body = v[:len(v):len(v)] // an append must not run into the next field
		}
		if err != nil {
			return 0, wireErr(messageFields[num], err)
		}
		return n, nil
	})
	if err != nil {
		return keys, err
	}
	if len(keys) > k0 {
		m.Keys = keys[k0:len(keys):len(keys)]
	}
	if born.set {
		m.BornTimestamp = born.time()
	}
	if delivery.set {
		m.DeliveryTimestamp, m.delayed = delivery.time(), true
	}
	return keys, nil
}

var messageFields = [...]string{1: "topic", 2: "user_properties", 3: "system_properties", 4: "body"}

// System properties' fields the server checks or stores; the others are
// only checked as proto.Unmarshal would.
const (
	spTag               = 1
	spKeys              = 2
	spMessageID         = 3
	spBodyDigest        = 4 // Digest{type enum = 1, checksum string = 2}
	spBodyEncoding      = 5
	spMessageType       = 6
	spBornTimestamp     = 7
	spBornHost          = 8
	spStoreTimestamp    = 9
	spStoreHost         = 10
	spDeliveryTimestamp = 11
	spReceiptHandle     = 12
	spInvisible         = 15 // Duration
	spMessageGroup      = 17
	spTraceContext      = 18
	spOrphanRecovery    = 19 // Duration
	spDeadLetterQueue   = 20 // DeadLetterQueue{topic string = 1, message_id string = 2}
)

var systemFields = [...]string{spTag: "tag", spKeys: "keys", spMessageID: "message_id", spBodyDigest: "body_digest",
	spBornTimestamp: "born_timestamp", spBornHost: "born_host", spStoreTimestamp: "store_timestamp", spStoreHost: "store_host",
	spDeliveryTimestamp: "delivery_timestamp", spReceiptHandle: "receipt_handle", spInvisible: "invisible_duration",
	spMessageGroup: "message_group", spTraceContext: "trace_context", spOrphanRecovery: "orphaned_transaction_recovery_duration",
	spDeadLetterQueue: "dead_letter_queue"}

// decodeSystem reads a SystemProperties into m, born and delivery, and
// checks the fields the server does not keep. The varint fields it does
// not keep (queue_id, queue_offset, delivery_attempt) are checked by
// skipping them.
func (m *storedMessage) decodeSystem(b []byte, keys []string, born, delivery *timestamp) ([]string, error) {
	err := eachField(b, func(num protowire.Number, typ protowire.Type, b []byte) (n int, err error) {
		if typ == protowire.VarintType {
			switch num {
			case spBodyEncoding:
				return consumeEnum(b, &m.Encoding)
			case spMessageType:
				return consumeEnum(b, &m.Type)
			}
			return 0, nil
		}
		if typ != protowire.BytesType {
			return 0, nil
		}
		var key, ignored string
		switch num {
		case spTag:
			n, err = consumeString(b, &m.Tag)
		case spKeys:
			if n, err = consumeString(b, &key); err == nil {
				keys = append(keys, key)
			}
		case spMessageID:
			n, err = consumeString(b, &m.MessageID)
		case spBornHost:
			n, err = consumeString(b, &m.BornHost)
		case spMessageGroup:
			n, err = consumeString(b, &m.Group)
		case spStoreHost, spReceiptHandle, spTraceContext:
			n, err = consumeString(b, &ignored)
		case spBornTimestamp:
			n, err = born.decode(b)
		case spDeliveryTimestamp:
			n, err = delivery.decode(b)
		case spStoreTimestamp, spInvisible, spOrphanRecovery:
			var t timestamp // Timestamp and Duration: seconds = 1, nanos = 2
			n, err = t.decode(b)
		case spBodyDigest:
			n, err = checkStrings(b, 2) // type (an enum) = 1 is a varint
		case spDeadLetterQueue:
			n, err = checkStrings(b, 1, 2)
		}
		if err != nil {
			return 0, wireErr(systemFields[num], err)
		}
		return n, nil
	})
	return keys, err
}

// timestamp is a google.protobuf.Timestamp (or Duration) as decoded so far:
// a second occurrence merges into the first, as proto.Unmarshal does.
type timestamp struct {
	seconds int64
	nanos   int32
	set     bool
}

func (t *timestamp) time() time.Time { return time.Unix(t.seconds, int64(t.nanos)).UTC() }

// decode reads the length-prefixed Timestamp at the start of b.
func (t *timestamp) decode(b []byte) (int, error) {
	v, n, err := consumeBytes(b)
	if err != nil {
		return 0, err
	}
	t.set = true
	return n, eachField(v, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		if typ != protowire.VarintType || (num != 1 && num != 2) {
			return 0, nil
		}
		x, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return 0, errMalformed
		}
		if num == 1 {
			t.seconds = int64(x)
		} else {
			t.nanos = int32(x)
		}
		return n, nil
	})
}

// checkStrings checks the length-prefixed message at the start of b, whose
// fields nums are proto3 strings and whose other fields are not decoded.
func checkStrings(b []byte, nums ...protowire.Number) (int, error) {
	v, n, err := consumeBytes(b)
	if err != nil {
		return 0, err
	}
	return n, eachField(v, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		var s string
		if typ == protowire.BytesType && slices.Contains(nums, num) {
			return consumeString(b, &s)
		}
		return 0, nil
	})
}

// mapEntry reads one map<string, string> entry (key = 1, value = 2; either
// may be missing, the last of each wins).
func mapEntry(b []byte) (key, value string, err error) {
	// The form every encoder writes: key, then value, short; the rest
	// goes the general way.
	if len(b) >= 4 && b[0] == 0x0a && b[1] < 0x80 && len(b) >= 2+int(b[1])+2 {
		k := b[2 : 2+b[1]]
		if r := b[2+len(k):]; r[0] == 0x12 && r[1] < 0x80 && len(r) == 2+int(r[1]) && utf8.Valid(k) && utf8.Valid(r[2:]) {
			return unsafeString(k), unsafeString(r[2:]), nil
		}
	}
	err = eachField(b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch {
		case typ != protowire.BytesType:
		case num == 1:
			return consumeString(b, &key)
		case num == 2:
			return consumeString(b, &value)
		}
		return 0, nil
	})
	return key, value, err
}

// eachField walks the fields of the message b as protobuf-go's decoder
// does. field decodes the fields it knows and returns the length of the
// value it read, or 0 for a field it does not know (or not with that wire
// type): that one is skipped as proto.Unmarshal skips unknown fields,
// which checks it is well formed.
func eachField(b []byte, field func(num protowire.Number, typ protowire.Type, b []byte) (int, error)) error {
	for len(b) > 0 {
		var num protowire.Number
		var typ protowire.Type
		if t := b[0]; t < 0x80 && t >= 8 { // a one-byte tag, most are
			num, typ = protowire.Number(t>>3), protowire.Type(t&7)
			b = b[1:]
		} else {
			var n int
			if num, typ, n = consumeTag(b); n < 0 {
				return errMalformed
			}
			b = b[n:]
		}
		n, err := field(num, typ, b)
		if err != nil {
			return err
		}
		if n == 0 {
			if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
				return errMalformed
			}
		}
		b = b[n:]
	}
	return nil
}

// consumeTag reads a field's tag as protobuf-go's decoder does: a field
// number outside 1..2^29-1 is malformed. n < 0 when it is.
func consumeTag(b []byte) (protowire.Number, protowire.Type, int) {
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return 0, 0, n
	}
	if num := v >> 3; num < uint64(protowire.MinValidNumber) || num > uint64(protowire.MaxValidNumber) {
		return 0, 0, -1
	}
	return protowire.Number(v >> 3), protowire.Type(v & 7), n
}

// consumeBytes reads a length-prefixed value.
func consumeBytes(b []byte) ([]byte, int, error) {
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil, 0, errMalformed
	}
	return v, n, nil
}

// consumeString reads a length-prefixed proto3 string into s: it must be
// UTF-8. s shares b's memory, which is never written again.
func consumeString(b []byte, s *string) (int, error) {
	v, n, err := consumeBytes(b)
	if err != nil {
		return 0, err
	}
	if !utf8.Valid(v) {
		return 0, errUTF8
	}
	*s = unsafeString(v)
	return n, nil
}

// unsafeString is b as a string, sharing its memory: b is never written
// again.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// consumeEnum reads a varint into an enum, keeping its low 32 bits as
// protobuf-go does (proto3 enums are open: any value goes).
func consumeEnum[E ~int32](b []byte, e *E) (int, error) {
	x, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return 0, errMalformed
	}
	*e = E(int32(x))
	return n, nil
}
