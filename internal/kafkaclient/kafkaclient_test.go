package kafkaclient_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/kafkaclient"
	"github.com/inletdev/inlet/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestParseJAAS(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[string]string
		err  string
	}{
		{`org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cr=t;";`, map[string]string{"username": "alice", "password": "s3cr=t;"}, ""},
		{`org.apache.kafka.common.security.scram.ScramLoginModule required
		   username=bob password="a\"b\\c" ;`, map[string]string{"username": "bob", "password": `a"b\c`}, ""},
		{`PlainLoginModule required username="x"`, nil, "terminating ';'"},
		{`PlainLoginModule always username="x";`, nil, "control flag"},
		{`PlainLoginModule required username="x;`, nil, "unterminated"},
		{`PlainLoginModule required username="x"; Other required;`, nil, "only one"},
		{``, nil, "login module"},
	} {
		j, err := kafkaclient.ParseJAAS(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseJAAS(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseJAAS(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(j.Options, tc.want) {
			t.Errorf("ParseJAAS(%q) = %v, want %v", tc.in, j.Options, tc.want)
		}
	}
}

func FuzzParseJAAS(f *testing.F) {
	f.Add(`org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="p";`)
	f.Add(`X required a=b c="d\"e";`)
	f.Fuzz(func(t *testing.T, s string) {
		j, err := kafkaclient.ParseJAAS(s)
		if err == nil && j.Module == "" {
			t.Fatalf("accepted %q without a module", s)
		}
		if err != nil && strings.Contains(err.Error(), "password=") {
			t.Fatalf("error leaks text: %v", err)
		}
	})
}

func parse(t *testing.T, role kafkaclient.Role, kv ...string) (*kafkaclient.Config, error) {
	t.Helper()
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return kafkaclient.Parse(role, kafkaclient.Layer(role, m, "", nil, "", nil))
}

func TestParseErrorsNameKeys(t *testing.T) {
	_, err := kafkaclient.Parse(kafkaclient.Producer, kafkaclient.Layer(kafkaclient.Producer,
		map[string]string{"bootstrap.servers": "h:1", "producer.acks": "some", "producer.lingr.ms": "5"},
		"sink.", map[string]string{"compression.type": "brotli"},
		"producer.override.", map[string]string{"transactional.id": "x", "enable.auto.commit": "false"}))
	ces := connect.AsConfigErrors(err)
	got := map[string]string{}
	for _, e := range ces {
		got[e.Key] = e.Reason
	}
	for key, want := range map[string]string{
		"producer.acks":                        "must be all",
		"producer.lingr.ms":                    `did you mean "linger.ms"`,
		"sink.compression.type":                "zstd",
		"producer.override.transactional.id":   "exactly.once.support",
		"producer.override.enable.auto.commit": "not a Kafka producer setting",
	} {
		if !strings.Contains(got[key], want) {
			t.Errorf("error for %s = %q, want it to mention %q (all: %v)", key, got[key], want, err)
		}
	}
}

func TestIdempotenceFollowsAcks(t *testing.T) {
	c, err := parse(t, kafkaclient.Producer, "producer.acks", "1")
	if err != nil || c.Idempotent {
		t.Fatalf("acks=1 without enable.idempotence: idempotent=%v err=%v, want false, nil (Java 3.x rule)", c != nil && c.Idempotent, err)
	}
	if _, err := parse(t, kafkaclient.Producer, "producer.acks", "1", "producer.enable.idempotence", "true"); err == nil || !strings.Contains(err.Error(), "requires acks=all") {
		t.Fatalf("acks=1 with idempotence: err=%v", err)
	}
	c, err = parse(t, kafkaclient.Producer)
	if err != nil || !c.Idempotent || c.Acks != -1 {
		t.Fatalf("defaults: %+v %v", c, err)
	}
}

func TestSecurityErrors(t *testing.T) {
	for _, tc := range [][]string{
		{"security.protocol", "SASL_PLAINTEXT"}, // GSSAPI default
		{"security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN"},
		{"security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config", `org.apache.kafka.common.security.scram.ScramLoginModule required username="a" password="b";`},
		{"sasl.mechanism", "PLAIN", "sasl.jaas.config", `x required username="a" password="b";`},
		{"security.protocol", "SSL", "ssl.truststore.type", "JKS", "ssl.truststore.location", "/x.jks"},
		{"security.protocol", "SSL", "ssl.truststore.location", "/nonexistent.pem"},
	} {
		if _, err := parse(t, kafkaclient.Consumer, tc...); err == nil {
			t.Errorf("%v: accepted", tc)
		} else if strings.Contains(err.Error(), `password="b"`) {
			t.Errorf("%v: error leaks the password: %v", tc, err)
		}
	}
}

func TestOffsetKeyFormat(t *testing.T) {
	k, err := kafkaclient.EncodeOffsetKey("local-file-source", map[string]any{"filename": "test.txt"})
	if err != nil || string(k) != `["local-file-source",{"filename":"test.txt"}]` {
		t.Fatalf("key = %s, %v", k, err)
	}
	// A key written by Java, with other field order and a float-looking int.
	name, part, err := kafkaclient.DecodeOffsetKey([]byte(`["p", {"kafka_topic":"t","kafka_partition":3}]`))
	if err != nil || name != "p" {
		t.Fatal(name, err)
	}
	if kafkaclient.CanonicalKey("p", part) != kafkaclient.CanonicalKey("p", map[string]any{"kafka_partition": int32(3), "kafka_topic": "t"}) {
		t.Fatalf("structural compare failed: %v", part)
	}
	v, err := kafkaclient.DecodeOffsetValue([]byte(`{"position":30,"f":1.5}`))
	if err != nil || v["position"] != int64(30) || v["f"] != 1.5 {
		t.Fatalf("value = %#v, %v", v, err)
	}
	if v, err := kafkaclient.DecodeOffsetValue(nil); v != nil || err != nil {
		t.Fatal("tombstone")
	}
}

func FuzzDecodeOffsetKey(f *testing.F) {
	f.Add([]byte(`["p",{"a":1}]`))
	f.Add([]byte(`["p",null]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		name, part, err := kafkaclient.DecodeOffsetKey(b)
		if err != nil {
			return
		}
		k, err := kafkaclient.EncodeOffsetKey(name, part)
		if err != nil {
			t.Fatalf("decoded %q but cannot encode: %v", b, err)
		}
		n2, p2, err := kafkaclient.DecodeOffsetKey(k)
		if err != nil || n2 != name || kafkaclient.CanonicalKey(n2, p2) != kafkaclient.CanonicalKey(name, part) {
			t.Fatalf("round trip of %q: %q %v %v", b, k, p2, err)
		}
	})
}

// ping connects with settings parsed from props and lists metadata.
func ping(t *testing.T, props map[string]string) error {
	t.Helper()
	cl, _, err := kafkaclient.NewClient(kafkaclient.Admin, kafkaclient.Layer(kafkaclient.Admin, props, "", nil, "", nil), nil, kgo.RequestRetries(0), kgo.RetryTimeout(3*time.Second))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return cl.Ping(ctx)
}

func TestSASLSCRAM(t *testing.T) {
	for _, mech := range []string{"SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"} {
		t.Run(mech, func(t *testing.T) {
			c := kafkatest.Start(t, kfake.EnableSASL(), kfake.Superuser(mech, "inlet", "pa$$"))
			module := "org.apache.kafka.common.security.scram.ScramLoginModule"
			if mech == "PLAIN" {
				module = "org.apache.kafka.common.security.plain.PlainLoginModule"
			}
			w := c.Worker("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", mech,
				"sasl.jaas.config", module+` required username="inlet" password="pa$$";`)
			if err := ping(t, w); err != nil {
				t.Fatalf("good credentials: %v", err)
			}
			w["sasl.jaas.config"] = module + ` required username="inlet" password="wrong";`
			if err := ping(t, w); err == nil {
				t.Fatal("wrong password connected")
			}
		})
	}
}

func TestTLS(t *testing.T) {
	certs := kafkatest.NewCerts(t)
	c := kafkatest.Start(t, kfake.TLS(certs.ServerTLS(true)))
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	ks := filepath.Join(dir, "client.pem")
	os.WriteFile(ca, certs.CAPEM, 0o600)
	os.WriteFile(ks, append(append([]byte{}, certs.ClientCertPEM...), certs.ClientKeyPEM...), 0o600)

	w := c.Worker("security.protocol", "SSL", "ssl.truststore.type", "PEM", "ssl.truststore.location", ca,
		"ssl.keystore.type", "PEM", "ssl.keystore.location", ks)
	if err := ping(t, w); err != nil {
		t.Fatalf("mutual TLS with files: %v", err)
	}
	inline := c.Worker("security.protocol", "SSL", "ssl.truststore.certificates", string(certs.CAPEM),
		"ssl.keystore.certificate.chain", string(certs.ClientCertPEM), "ssl.keystore.key", string(certs.ClientKeyPEM))
	if err := ping(t, inline); err != nil {
		t.Fatalf("mutual TLS inline PEM: %v", err)
	}
	noClientCert := c.Worker("security.protocol", "SSL", "ssl.truststore.location", ca)
	if err := ping(t, noClientCert); err == nil {
		t.Fatal("connected without the client certificate the broker requires")
	}
	untrusted := c.Worker("security.protocol", "SSL", "ssl.keystore.location", ks)
	if err := ping(t, untrusted); err == nil {
		t.Fatal("connected to a broker whose CA is not trusted")
	}
}

func TestOffsetStore(t *testing.T) {
	c := kafkatest.Start(t)
	ctx := context.Background()
	opts := kafkaclient.OffsetStoreOptions{Partitions: 3, Replication: 1}
	s, err := kafkaclient.OpenOffsetStore(ctx, c.Worker(), "connect-offsets", opts)
	if err != nil {
		t.Fatal(err)
	}
	p1 := map[string]any{"server": "db1", "n": 1}
	p2 := map[string]any{"server": "db2"}
	if err := s.Put(ctx, "pipe", []connect.SourceOffset{{Partition: p1, Offset: map[string]any{"lsn": 10}}, {Partition: p2, Offset: map[string]any{"lsn": 7}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "pipe", []connect.SourceOffset{{Partition: p1, Offset: map[string]any{"lsn": 12}}, {Partition: p2, Offset: nil}}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// A new store (a restarted worker) reads the topic back.
	s2, err := kafkaclient.OpenOffsetStore(ctx, c.Worker(), "connect-offsets", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Get(ctx, "pipe", map[string]any{"n": 1.0, "server": "db1"})
	if err != nil || got["lsn"] != int64(12) {
		t.Fatalf("Get p1 = %v, %v; want lsn 12", got, err)
	}
	if got, _ := s2.Get(ctx, "pipe", p2); got != nil {
		t.Fatalf("tombstoned p2 = %v", got)
	}
	if got, _ := s2.Get(ctx, "other", p1); got != nil {
		t.Fatalf("other pipeline sees %v", got)
	}
	// Written by someone else (Kafka Connect, an exactly-once sink) with
	// Java's key order: Get reads to the end first.
	c.Produce(t, &kgo.Record{Topic: "connect-offsets", Key: []byte(`["pipe",{"server":"db3"}]`), Value: []byte(`{"lsn":99}`)})
	if got, _ := s2.Get(ctx, "pipe", map[string]any{"server": "db3"}); got["lsn"] != int64(99) {
		t.Fatalf("external write not seen: %v", got)
	}
	l, _ := s2.List(ctx, "pipe")
	if len(l) != 2 {
		t.Fatalf("List = %v, want 2 entries", l)
	}
	// The topic is compacted.
	if cfg := c.TopicInfo("connect-offsets"); cfg == nil {
		t.Fatal("no offsets topic")
	}
}

func TestOffsetStoreRejectsDeleteTopic(t *testing.T) {
	c := kafkatest.Start(t)
	if err := c.CreateTopic("offs", 1, map[string]string{"cleanup.policy": "delete"}); err != nil {
		t.Fatal(err)
	}
	_, err := kafkaclient.OpenOffsetStore(context.Background(), c.Worker(), "offs", kafkaclient.OffsetStoreOptions{Partitions: 1, Replication: 1})
	if err == nil || !strings.Contains(err.Error(), "compact") {
		t.Fatalf("err = %v, want a compaction complaint", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("acks", "all", "security.protocol", "SASL_SSL")
	f.Add("ssl.truststore.certificates", "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----", "sasl.jaas.config", `a required b="c";`)
	f.Add("partition.assignment.strategy", "RangeAssignor,,x", "max.poll.records", "-1")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		for _, role := range []kafkaclient.Role{kafkaclient.Producer, kafkaclient.Consumer, kafkaclient.Admin} {
			props := kafkaclient.Layer(role, map[string]string{"bootstrap.servers": "127.0.0.1:9"}, "", map[string]string{k1: v1, k2: v2}, "", nil)
			c, err := kafkaclient.Parse(role, props)
			if err == nil && c == nil {
				t.Fatal("nil config without error")
			}
			if err != nil && connect.AsConfigErrors(err) == nil {
				t.Fatalf("%v: not a config error: %v", props, err)
			}
		}
	})
}
