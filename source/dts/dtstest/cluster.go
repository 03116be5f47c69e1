package dtstest

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

// Cluster is an in-process Kafka broker (kfake) standing in for a DTS
// change-tracking endpoint: SASL/PLAIN required, one topic with exactly one
// partition, a consumer-group account whose SASL user is <user>-<sid>.
//
// DTS answers offsets-for-times lookups in Unix seconds where Kafka uses
// milliseconds. To answer the same question the same way, the producer
// stamps each Kafka record with its sourceTimestamp in seconds written into
// the millisecond field, so a lookup for T seconds finds the first record of
// second T, exactly as on DTS.
type Cluster struct {
	Addr     string // host:port, the dts.broker.url
	Topic    string
	User     string // the consumer-group account (dts.user)
	Password string
	Sid      string // the consumer group ID (dts.sid)

	kf   *kfake.Cluster
	prod *kgo.Client
}

// Options names the endpoint's topic and account. Zero fields get defaults.
type Options struct {
	Topic, User, Password, Sid string
	// Port is the TCP port to listen on (0: any free one), ClusterID the
	// Kafka cluster ID reported in metadata (empty: kfake's default). A
	// second cluster on the port of a closed one stands in for a DTS
	// disaster-recovery switch.
	Port      int
	ClusterID string
}

// The producer's own account on the fake endpoint.
const (
	producerUser     = "dtstest-producer"
	producerPassword = "dtstest-producer-secret"
)

// NewCluster starts the endpoint. Close it when done.
func NewCluster(opts Options) (*Cluster, error) {
	c := &Cluster{Topic: opts.Topic, User: opts.User, Password: opts.Password, Sid: opts.Sid}
	if c.Topic == "" {
		c.Topic = "cn_hangzhou_rm_bp1test_version2"
	}
	if c.User == "" {
		c.User = "dtsconsumer"
	}
	if c.Password == "" {
		c.Password = "Dts-Secret-123"
	}
	if c.Sid == "" {
		c.Sid = "dtse9gh4883283o991"
	}
	kopts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.EnableSASL(),
		kfake.Superuser("PLAIN", c.SASLUser(), c.Password),
		kfake.Superuser("PLAIN", producerUser, producerPassword),
		kfake.SeedTopics(1, c.Topic),
	}
	if opts.Port != 0 {
		kopts = append(kopts, kfake.Ports(opts.Port))
	}
	if opts.ClusterID != "" {
		kopts = append(kopts, kfake.ClusterID(opts.ClusterID))
	}
	kf, err := kfake.NewCluster(kopts...)
	if err != nil {
		return nil, fmt.Errorf("dtstest: starting kfake: %w", err)
	}
	c.kf = kf
	c.Addr = kf.ListenAddrs()[0]
	c.prod, err = kgo.NewClient(
		kgo.SeedBrokers(c.Addr),
		kgo.SASL(plain.Auth{User: producerUser, Pass: producerPassword}.AsMechanism()),
		kgo.DefaultProduceTopic(c.Topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(0),
	)
	if err != nil {
		kf.Close()
		return nil, fmt.Errorf("dtstest: producer: %w", err)
	}
	return c, nil
}

// SASLUser is the SASL/PLAIN user a DTS consumer logs in with.
func (c *Cluster) SASLUser() string { return c.User + "-" + c.Sid }

// Kfake returns the underlying broker (to inject faults).
func (c *Cluster) Kfake() *kfake.Cluster { return c.kf }

// Produce encodes and writes records in order and returns the offset of the
// first.
func (c *Cluster) Produce(ctx context.Context, recs ...Record) (int64, error) {
	krs := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		b, err := Encode(r)
		if err != nil {
			return 0, err
		}
		krs[i] = &kgo.Record{Value: b, Partition: 0, Timestamp: time.UnixMilli(r.SourceTimestamp)}
	}
	return c.produce(ctx, krs)
}

// ProduceRaw writes raw values (placeholders, corrupt data) stamped with
// the given source timestamp (seconds).
func (c *Cluster) ProduceRaw(ctx context.Context, ts int64, values ...[]byte) (int64, error) {
	krs := make([]*kgo.Record, len(values))
	for i, v := range values {
		krs[i] = &kgo.Record{Value: v, Partition: 0, Timestamp: time.UnixMilli(ts)}
	}
	return c.produce(ctx, krs)
}

func (c *Cluster) produce(ctx context.Context, krs []*kgo.Record) (int64, error) {
	if len(krs) == 0 {
		return 0, nil
	}
	// Produce sequentially so offsets follow the given order.
	res := c.prod.ProduceSync(ctx, krs...)
	if err := res.FirstErr(); err != nil {
		return 0, fmt.Errorf("dtstest: producing: %w", err)
	}
	return krs[0].Offset, nil
}

// Close stops the producer and the broker.
func (c *Cluster) Close() {
	c.prod.Close()
	c.kf.Close()
}
