package rocketmqtest

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// dtsRequest is a request as the sink's batched path sends the DTS →
// RocketMQ example's rows: n messages with a JSON body, a key, a tag and
// five user properties.
func dtsRequest(n int) *v2.SendMessageRequest {
	born := timestamppb.Now()
	req := &v2.SendMessageRequest{}
	for i := range n {
		tag := "PAID"
		req.Messages = append(req.Messages, &v2.Message{
			Topic: &v2.Resource{Name: "orders"},
			Body:  []byte(fmt.Sprintf(`{"amount":"99.50","customer":"Alice","id":%d,"order_no":"NO-%06d","status":"PAID"}`, i, i)),
			SystemProperties: &v2.SystemProperties{MessageId: fmt.Sprintf("01ABCDEF%024d", i), Keys: []string{fmt.Sprintf("NO-%06d", i)},
				Tag: &tag, MessageType: v2.MessageType_NORMAL, BornTimestamp: born, BornHost: "h", BodyEncoding: v2.Encoding_IDENTITY},
			UserProperties: map[string]string{"database": "shop", "table": "orders", "operation": "UPDATE", "sourceTimestamp": "1700000000", "eventId": fmt.Sprint("e", i)},
		})
	}
	return req
}

// BenchmarkSendMessageWire is the endpoint's whole share of a SendMessage
// call but the HTTP/2 transport: the request's bytes decoded by the
// server's codec and handled by the registered handler, 100 messages per
// request. ns/op and allocs/op are per message.
func BenchmarkSendMessageWire(b *testing.B) {
	s, err := NewServer(Config{Topics: []string{"orders"}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const size = 100
	data, err := proto.Marshal(dtsRequest(size))
	if err != nil {
		b.Fatal(err)
	}
	handler, codec := sendHandler(), serverCodec()
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("x-mq-client-id", "client-1"))
	dec := func(v any) error { return codec.Unmarshal(mem.BufferSlice{mem.SliceBuffer(data)}, v) }
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuNow()
	for sent := 0; sent < b.N; sent += size {
		if sent%100_000 == 0 {
			s.Reset() // keep the stored messages from growing without end
		}
		out, err := handler(s, ctx, dec, nil)
		if resp, _ := out.(*v2.SendMessageResponse); err != nil || resp.GetStatus().GetCode() != v2.Code_OK || len(resp.GetEntries()) != size {
			b.Fatal(err, resp.GetStatus())
		}
	}
	b.ReportMetric(float64((cpuNow()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N)*size, "allocs/req")
	if s.Len() == 0 {
		b.Fatal("nothing stored")
	}
}

// BenchmarkEndpointBatch is SendMessage over gRPC with requests of 100
// messages (client marshalling and transport included, both in this
// process). ns/op and allocs/op are per message.
func BenchmarkEndpointBatch(b *testing.B) {
	s, err := NewServer(Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := dial(b, s)
	const size = 100
	req := dtsRequest(size)
	b.SetParallelism(2)
	b.ReportAllocs()
	cpu0 := cpuNow()
	var calls atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for {
			if calls.Add(1)%1000 == 0 {
				s.Reset() // keep the stored messages from growing without end
			}
			for range size {
				if !pb.Next() {
					return
				}
			}
			resp, err := c.SendMessage(context.Background(), req)
			if err != nil || resp.GetStatus().GetCode() != v2.Code_OK {
				b.Fatal(err, resp)
			}
		}
	})
	b.ReportMetric(float64((cpuNow()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
