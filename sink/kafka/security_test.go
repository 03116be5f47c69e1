package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"testing"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// The sink writes over SASL_SSL with SCRAM-SHA-512, configured with the
// worker keys a Kafka Connect worker file has.
func TestSinkOverSASLSSL(t *testing.T) {
	certs := kafkatest.NewCerts(t)
	c := kafkatest.Start(t, kfake.TLS(certs.ServerTLS(false)), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-512", "connect", "s3cret"), kfake.SeedTopics(1, "secure"))
	w := c.Worker("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
		"sasl.jaas.config", `org.apache.kafka.common.security.scram.ScramLoginModule required username="connect" password="s3cret";`,
		"ssl.truststore.type", "PEM", "ssl.truststore.certificates", string(certs.CAPEM))
	s := newSink(t, w)
	if err := s.Put(ctx(t), []*connect.Record{{Topic: "secure", Partition: -1, Key: []byte("k"), Value: []byte("over tls")}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx(t)); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certs.CAPEM)
	cl := c.Client(t, kgo.DialTLSConfig(&tls.Config{RootCAs: pool}),
		kgo.SASL(scram.Auth{User: "connect", Pass: "s3cret"}.AsSha512Mechanism()),
		kgo.ConsumeTopics("secure"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	fs := cl.PollFetches(ctx(t))
	if recs := fs.Records(); len(recs) != 1 || string(recs[0].Value) != "over tls" {
		t.Fatalf("read %v (errors %v)", recs, fs.Errors())
	}
	// Wrong password: the sink cannot deliver and says so as retriable.
	w["sasl.jaas.config"] = `org.apache.kafka.common.security.scram.ScramLoginModule required username="connect" password="nope";`
	bad := newSink(t, w, "delivery.timeout.ms", "1000", "max.block.ms", "1000")
	_ = bad.Put(ctx(t), []*connect.Record{{Topic: "secure", Partition: -1, Value: []byte("x")}})
	if err := bad.Flush(ctx(t)); err == nil {
		t.Fatal("delivered with a wrong password")
	}
}
