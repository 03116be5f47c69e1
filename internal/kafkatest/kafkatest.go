// Package kafkatest starts in-process Kafka brokers (kfake) on 127.0.0.1
// for the Kafka connectors' tests, with optional SASL and TLS, and has
// small produce/consume helpers that use a plain franz-go client, so tests
// check what the connectors wrote with code the connectors do not share.
package kafkatest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Cluster is a running kfake cluster.
type Cluster struct {
	*kfake.Cluster
	// Addr is the bootstrap.servers value.
	Addr string
}

// Start starts a one-broker cluster on a loopback port and closes it when
// the test ends. opts are kfake options (SeedTopics, EnableSASL ...).
func Start(t testing.TB, opts ...kfake.Opt) *Cluster {
	t.Helper()
	all := append([]kfake.Opt{kfake.NumBrokers(1), kfake.ListenFn(loopback)}, opts...)
	c, err := kfake.NewCluster(all...)
	if err != nil {
		t.Fatalf("kafkatest: start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return &Cluster{Cluster: c, Addr: strings.Join(c.ListenAddrs(), ",")}
}

func loopback(network, address string) (net.Listener, error) {
	_, port, err := net.SplitHostPort(address)
	if err != nil {
		port = "0"
	}
	return net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
}

// Worker returns worker settings that point at the cluster.
func (c *Cluster) Worker(extra ...string) map[string]string {
	w := map[string]string{"bootstrap.servers": c.Addr}
	for i := 0; i+1 < len(extra); i += 2 {
		w[extra[i]] = extra[i+1]
	}
	return w
}

// Client returns a plain franz-go client for the cluster, closed at test end.
func (c *Cluster) Client(t testing.TB, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.Addr)}, opts...)...)
	if err != nil {
		t.Fatalf("kafkatest: client: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// Produce writes records synchronously with a plain client.
func (c *Cluster) Produce(t testing.TB, rs ...*kgo.Record) {
	t.Helper()
	cl := c.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
		t.Fatalf("kafkatest: produce: %v", err)
	}
}

// ReadAll reads topic from the start until it has seen every record up to
// the end offsets listed when called (read_committed if committed). It
// returns the records in partition, offset order.
func (c *Cluster) ReadAll(t testing.TB, topic string, committed bool) []*kgo.Record {
	t.Helper()
	opts := []kgo.Opt{kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}
	if committed {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())
	}
	cl := c.Client(t, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ends := c.endOffsets(t, topic, committed)
	var out []*kgo.Record
	for len(ends) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("kafkatest: read %s: timed out with %v partitions left", topic, ends)
		}
		fs.EachError(func(_ string, p int32, err error) { t.Fatalf("kafkatest: read %s[%d]: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			if e, ok := ends[r.Partition]; ok && r.Offset >= e-1 {
				delete(ends, r.Partition)
			}
			if !r.Attrs.IsControl() {
				out = append(out, r)
			}
		})
	}
	return out
}

func (c *Cluster) endOffsets(t testing.TB, topic string, committed bool) map[int32]int64 {
	t.Helper()
	ends := map[int32]int64{}
	for _, p := range c.PartitionInfos(topic) {
		if p == nil {
			continue
		}
		end := p.HighWatermark
		if committed {
			end = p.LastStableOffset
		}
		if end > p.LogStartOffset {
			ends[p.Partition] = end
		}
	}
	return ends
}

// Certs holds a throwaway CA and certificates signed by it.
type Certs struct {
	CAPEM         []byte
	Server        tls.Certificate
	ClientCertPEM []byte
	ClientKeyPEM  []byte
}

// ServerTLS is a server config that trusts the CA for client certificates
// (requested, verified when given; mutual TLS required when requireClient).
func (cs *Certs) ServerTLS(requireClient bool) *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cs.CAPEM)
	auth := tls.VerifyClientCertIfGiven
	if requireClient {
		auth = tls.RequireAndVerifyClientCert
	}
	return &tls.Config{Certificates: []tls.Certificate{cs.Server}, ClientCAs: pool, ClientAuth: auth, MinVersion: tls.VersionTLS12}
}

// NewCerts generates a CA, a server certificate for 127.0.0.1/localhost and
// a client certificate, with crypto/x509.
func NewCerts(t testing.TB) *Certs {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "inlet test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatalf("kafkatest: CA: %v", err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) (certPEM, keyPEM []byte) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatalf("kafkatest: leaf: %v", err)
		}
		kb, _ := x509.MarshalPKCS8PrivateKey(k)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})
	}
	scert, skey := leaf(2, "localhost", x509.ExtKeyUsageServerAuth)
	server, err := tls.X509KeyPair(scert, skey)
	if err != nil {
		t.Fatalf("kafkatest: server pair: %v", err)
	}
	ccert, ckey := leaf(3, "inlet-client", x509.ExtKeyUsageClientAuth)
	return &Certs{
		CAPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		Server: server, ClientCertPEM: ccert, ClientKeyPEM: ckey,
	}
}
