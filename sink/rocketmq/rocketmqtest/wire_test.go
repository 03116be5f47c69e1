package rocketmqtest

import (
	"bytes"
	"context"
	"maps"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// sendHandler is the SendMessage handler the server registers.
func sendHandler() grpc.MethodHandler {
	for _, m := range serviceDesc().Methods {
		if m.MethodName == "SendMessage" {
			return m.Handler
		}
	}
	panic("rocketmqtest: no SendMessage in the service")
}

// serverCodec is the codec the server decodes requests with.
func serverCodec() encoding.CodecV2 { return newWireCodec() }

// fullMessage has every field a SystemProperties can have, set.
func fullMessage() *v2.Message {
	str := func(s string) *string { return &s }
	i32, i64 := int32(3), int64(42)
	return &v2.Message{
		Topic:          &v2.Resource{ResourceNamespace: "MQ_INST_1", Name: "orders"},
		UserProperties: map[string]string{"": "empty key", "empty value": "", "k": "v", "ünï": "cödé"},
		SystemProperties: &v2.SystemProperties{
			Tag: str("T"), Keys: []string{"k1", "", "k3"}, MessageId: "01ID",
			BodyDigest:   &v2.Digest{Type: v2.DigestType_CRC32, Checksum: "abc"},
			BodyEncoding: v2.Encoding_GZIP, MessageType: v2.MessageType_FIFO,
			BornTimestamp: timestamppb.New(time.Unix(1700000000, 123456789)), BornHost: "host-1",
			StoreTimestamp: timestamppb.New(time.Unix(-5, 7)), StoreHost: "store",
			DeliveryTimestamp: timestamppb.New(time.Unix(1800000000, 1)), ReceiptHandle: str("rh"),
			QueueId: 7, QueueOffset: &i64, InvisibleDuration: durationpb.New(time.Second), DeliveryAttempt: &i32,
			MessageGroup: str("g"), TraceContext: str("tc"), OrphanedTransactionRecoveryDuration: durationpb.New(-time.Minute),
			DeadLetterQueue: &v2.DeadLetterQueue{Topic: "dlq", MessageId: "m"},
		},
		Body: []byte("body"),
	}
}

// checkDecoded fails unless msgs hold what the generated type decoded
// from the same bytes gives for every field the server stores.
func checkDecoded(t *testing.T, msgs []storedMessage, want *v2.SendMessageRequest) {
	t.Helper()
	if len(msgs) != len(want.GetMessages()) {
		t.Fatalf("%d messages, proto %d", len(msgs), len(want.GetMessages()))
	}
	for i, w := range want.GetMessages() {
		got, sp := &msgs[i], w.GetSystemProperties()
		got.properties()
		var born, delivery time.Time
		if sp.GetBornTimestamp() != nil {
			born = sp.GetBornTimestamp().AsTime()
		}
		if sp.GetDeliveryTimestamp() != nil {
			delivery = sp.GetDeliveryTimestamp().AsTime()
		}
		for _, c := range []struct {
			name      string
			got, want any
		}{
			{"topic", got.Topic, w.GetTopic().GetName()},
			{"namespace", got.Namespace, w.GetTopic().GetResourceNamespace()},
			{"message id", got.MessageID, sp.GetMessageId()},
			{"tag", got.Tag, sp.GetTag()},
			{"group", got.Group, sp.GetMessageGroup()},
			{"type", got.Type, sp.GetMessageType()},
			{"encoding", got.Encoding, sp.GetBodyEncoding()},
			{"born host", got.BornHost, sp.GetBornHost()},
			{"delayed", got.delayed, sp.GetDeliveryTimestamp() != nil},
		} {
			if c.got != c.want {
				t.Errorf("message %d: %s = %#v, proto %#v", i, c.name, c.got, c.want)
			}
		}
		if !slices.Equal(got.Keys, sp.GetKeys()) || len(got.Keys) != cap(got.Keys) {
			t.Errorf("message %d: keys %q (cap %d), proto %q", i, got.Keys, cap(got.Keys), sp.GetKeys())
		}
		if !got.BornTimestamp.Equal(born) || !got.DeliveryTimestamp.Equal(delivery) {
			t.Errorf("message %d: born %v delivery %v, proto %v %v", i, got.BornTimestamp, got.DeliveryTimestamp, born, delivery)
		}
		if !bytes.Equal(got.Body, w.GetBody()) || len(got.Body) != cap(got.Body) {
			t.Errorf("message %d: body %q (cap %d), proto %q", i, got.Body, cap(got.Body), w.GetBody())
		}
		if got.Properties == nil || !maps.Equal(got.Properties, w.GetUserProperties()) {
			t.Errorf("message %d: properties %q, proto %q", i, got.Properties, w.GetUserProperties())
		}
	}
}

// FuzzDecodeSendRequest holds the server's decoder to proto.Unmarshal into
// the generated v2.SendMessageRequest: it refuses exactly what that
// refuses, and what it accepts decodes to the same values.
func FuzzDecodeSendRequest(f *testing.F) {
	add := func(m proto.Message) {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	add(&v2.SendMessageRequest{})
	add(dtsRequest(3))
	full := fullMessage()
	add(&v2.SendMessageRequest{Messages: []*v2.Message{full, msg("t", "plain"), {}}})
	// each optional field left out in turn
	sp := full.GetSystemProperties().ProtoReflect()
	sp.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		m := proto.Clone(full).(*v2.Message)
		m.GetSystemProperties().ProtoReflect().Clear(fd)
		add(&v2.SendMessageRequest{Messages: []*v2.Message{m}})
		return true
	})
	add(&v2.SendMessageRequest{Messages: []*v2.Message{{UserProperties: map[string]string{"": ""}}, {Topic: &v2.Resource{}}, {SystemProperties: &v2.SystemProperties{}}}})
	// a message twice in one field: the second merges into the first
	a, _ := proto.Marshal(full)
	b, _ := proto.Marshal(msg("other", "second"))
	f.Add(protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), append(a, b...)))
	// malformed or odd: truncated, bad UTF-8, a known field of the wrong
	// wire type, an unknown group, an end-group alone, field number 0
	f.Add(a[:len(a)/2])
	f.Add([]byte{0x0a, 0x05, 0x12, 0x03, 0x0a, 0x01, 0xff})
	f.Add([]byte{0x0a, 0x02, 0x22, 0x7f})
	f.Add([]byte{0x0a, 0x02, 0x08, 0x01, 0x0b, 0x08, 0x01, 0x0c})
	f.Add([]byte{0x0c})
	f.Add([]byte{0x02, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		var want v2.SendMessageRequest
		perr := proto.Unmarshal(data, &want)
		var got sendRequest
		gerr := got.decode(slices.Clone(data))
		if (perr == nil) != (gerr == nil) {
			t.Fatalf("decode: %v, proto.Unmarshal: %v", gerr, perr)
		}
		if perr == nil {
			checkDecoded(t, got.msgs, &want)
		}
	})
}

// rawBytes is a request sent as it is, by rawCodec.
type rawBytes []byte

// rawCodec is a client codec that sends *rawBytes unencoded (to send
// malformed requests) and everything else as the proto codec does.
type rawCodec struct{ encoding.CodecV2 }

func (c rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	if b, ok := v.(*rawBytes); ok {
		return mem.BufferSlice{mem.SliceBuffer(*b)}, nil
	}
	return c.CodecV2.Marshal(v)
}

// TestMalformedRequest: over gRPC, the server refuses the requests a
// server with the generated code and the proto codec refuses, with the
// same status, and takes the odd but valid ones as that server does.
func TestMalformedRequest(t *testing.T) {
	s, err := NewServer(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// the reference: the same endpoint behind the generated service
	// description and gRPC's proto codec
	ref, err := NewServer(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	std := grpc.NewServer()
	v2.RegisterMessagingServiceServer(std, ref)
	go func() { _ = std.Serve(l) }()
	defer std.Stop()

	call := func(addr string, req []byte) (*v2.SendMessageResponse, error) {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.ForceCodecV2(rawCodec{encoding.GetCodecV2("proto")})))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		resp := new(v2.SendMessageResponse)
		in := rawBytes(req)
		return resp, conn.Invoke(context.Background(), v2.MessagingService_SendMessage_FullMethodName, &in, resp)
	}
	good, _ := proto.Marshal(&v2.SendMessageRequest{Messages: []*v2.Message{fullMessage()}})
	for name, tc := range map[string]struct {
		req     []byte
		refused bool
	}{
		"truncated":                     {good[:len(good)-3], true},
		"bad UTF-8 in a property":       {[]byte{0x0a, 0x05, 0x12, 0x03, 0x0a, 0x01, 0xff}, true},
		"bad UTF-8 in a key":            {[]byte{0x0a, 0x06, 0x1a, 0x04, 0x12, 0x02, 0xc3, 0x28}, true},
		"end group alone":               {[]byte{0x0c}, true},
		"field number 0":                {[]byte{0x02, 0x00}, true},
		"message length past the end":   {[]byte{0x0a, 0x7f, 0x22}, true},
		"body as a varint (skipped)":    {[]byte{0x0a, 0x02, 0x20, 0x01}, false},
		"two messages without anything": {[]byte{0x0a, 0x00, 0x0a, 0x00}, false},
		"valid":                         {good, false},
	} {
		got, gerr := call(s.Addr(), tc.req)
		want, werr := call(l.Addr().String(), tc.req)
		if (werr != nil) != tc.refused {
			t.Errorf("%s: the generated code answers %v", name, werr)
		}
		if status.Code(gerr) != status.Code(werr) || got.GetStatus().GetCode() != want.GetStatus().GetCode() {
			t.Errorf("%s: %v %v, generated code answers %v %v", name, status.Code(gerr), got.GetStatus(), status.Code(werr), want.GetStatus())
		}
		if msg := status.Convert(gerr).Message(); tc.refused && (status.Code(gerr) != codes.Internal ||
			!strings.HasPrefix(msg, "grpc: error unmarshalling request: rocketmqtest: SendMessageRequest") || strings.Contains(msg, "..")) {
			t.Errorf("%s: %v", name, gerr)
		}
		if !tc.refused && got.GetStatus().GetCode() == v2.Code_CODE_UNSPECIFIED {
			t.Errorf("%s: no answer %v", name, gerr)
		}
	}
	if s.Len() != 1 || ref.Len() != 1 {
		t.Fatalf("stored %d, generated code %d", s.Len(), ref.Len())
	}
}

// TestDecodedOverGRPC: what the official message type carries reaches the
// store and the hooks, properties included.
func TestDecodedOverGRPC(t *testing.T) {
	s, err := NewServer(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	full := fullMessage()
	var seen []map[string]string
	s.RejectIf(func(m Message) *Rejection {
		seen = append(seen, m.Properties)
		return nil
	})
	s.RejectEntryIf(func(m Message) *Rejection {
		seen = append(seen, m.Properties)
		return nil
	})
	resp, err := dial(t, s).SendMessage(context.Background(), &v2.SendMessageRequest{Messages: []*v2.Message{full}})
	if err != nil || resp.GetStatus().GetCode() != v2.Code_OK {
		t.Fatal(err, resp.GetStatus())
	}
	if len(seen) != 2 || !maps.Equal(seen[0], full.UserProperties) || !maps.Equal(seen[1], full.UserProperties) {
		t.Fatalf("hooks saw properties %v", seen)
	}
	got := s.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	m, sp := got[0], full.GetSystemProperties()
	if m.Topic != "orders" || m.Namespace != "MQ_INST_1" || m.MessageID != "01ID" || m.Tag != "T" || m.Group != "g" ||
		m.Type != v2.MessageType_FIFO || m.Encoding != v2.Encoding_GZIP || m.BornHost != "host-1" || string(m.Body) != "body" ||
		!slices.Equal(m.Keys, sp.Keys) || !maps.Equal(m.Properties, full.UserProperties) ||
		!m.BornTimestamp.Equal(sp.BornTimestamp.AsTime()) || !m.DeliveryTimestamp.Equal(sp.DeliveryTimestamp.AsTime()) {
		t.Fatalf("stored %+v", m)
	}
	// lazily decoded properties are decoded once and kept
	s.RejectIf(nil)
	s.RejectEntryIf(nil)
	plain := msg("t", "p")
	plain.UserProperties = map[string]string{"a": "1", "a\x00": "2"}
	if _, err := dial(t, s).SendMessage(context.Background(), &v2.SendMessageRequest{Messages: []*v2.Message{plain, msg("t", "q")}}); err != nil {
		t.Fatal(err)
	}
	one, two := s.Messages(), s.Messages()
	if !maps.Equal(one[1].Properties, plain.UserProperties) || one[2].Properties == nil || len(one[2].Properties) != 0 {
		t.Fatalf("properties %v %v", one[1].Properties, one[2].Properties)
	}
	one[1].Properties["b"] = "shared"
	if two[1].Properties["b"] != "shared" {
		t.Fatal("properties decoded again on every Messages call")
	}
}
