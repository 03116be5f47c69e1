package kafkaclient

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"github.com/inletdev/inlet/connect"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// security collects the security.protocol, sasl.* and ssl.* keys; they only
// make sense together, so they are checked together once all are read.
type security struct {
	proto       Setting
	mechanism   Setting
	jaas        Setting
	trustLoc    Setting
	trustPEM    Setting
	trustType   Setting
	keyLoc      Setting
	keyType     Setting
	certChain   Setting
	keyPEM      Setting
	keyPassword Setting
	endpointID  *Setting
	protocols   Setting
}

func (s *security) protocol(v Setting) error {
	s.proto = v
	return oneOfFold(v.Value, "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
}

func (s *security) apply(b *builder) error {
	proto := strings.ToUpper(strings.TrimSpace(s.proto.Value))
	if proto == "" {
		proto = "PLAINTEXT"
	}
	var errs connect.ConfigErrors
	if strings.HasPrefix(proto, "SASL_") {
		mech, err := s.sasl()
		if err != nil {
			errs = append(errs, connect.AsConfigErrors(err)...)
		} else {
			b.add(kgo.SASL(mech))
		}
	} else if s.jaas.From != "" || s.mechanism.From != "" {
		// A SASL setting without a SASL protocol is a half-done setup: say so
		// instead of connecting without authentication.
		set := s.jaas
		if set.From == "" {
			set = s.mechanism
		}
		errs = append(errs, keyErr(set, "SASL is configured but security.protocol is %s; use SASL_PLAINTEXT or SASL_SSL", proto))
	}
	if strings.HasSuffix(proto, "SSL") {
		tc, err := s.tls()
		if err != nil {
			errs = append(errs, connect.AsConfigErrors(err)...)
		} else {
			b.add(kgo.DialTLSConfig(tc))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func (s *security) sasl() (sasl.Mechanism, error) {
	m := strings.ToUpper(strings.TrimSpace(s.mechanism.Value))
	if m == "" {
		m = "GSSAPI" // Java's default
	}
	from := s.mechanism
	if from.From == "" {
		from = Setting{Key: "sasl.mechanism", From: "sasl.mechanism", Value: ""}
	}
	switch m {
	case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
	case "GSSAPI":
		return nil, keyErr(from, "Kerberos (GSSAPI, the Java default) is not supported: set sasl.mechanism to PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (%v)", ErrUnsupported)
	default:
		return nil, keyErr(from, "must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (%v)", ErrUnsupported)
	}
	if s.jaas.From == "" {
		return nil, &connect.ConfigError{Key: "sasl.jaas.config", Reason: "required with sasl.mechanism=" + m + `, e.g. org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";`}
	}
	j, err := ParseJAAS(s.jaas.Value)
	if err != nil {
		return nil, keyErr(s.jaas, "%v", err)
	}
	wantModule := "ScramLoginModule"
	if m == "PLAIN" {
		wantModule = "PlainLoginModule"
	}
	if !strings.HasSuffix(j.Module, wantModule) {
		return nil, keyErr(s.jaas, "login module %s does not match sasl.mechanism=%s (expected %s)", j.Module, m, wantModule)
	}
	user, pass := j.Options["username"], j.Options["password"]
	if user == "" || pass == "" {
		return nil, keyErr(s.jaas, "username and password must both be set")
	}
	switch m {
	case "PLAIN":
		return plain.Auth{User: user, Pass: pass}.AsMechanism(), nil
	case "SCRAM-SHA-256":
		return scram.Auth{User: user, Pass: pass}.AsSha256Mechanism(), nil
	default:
		return scram.Auth{User: user, Pass: pass}.AsSha512Mechanism(), nil
	}
}

func (s *security) tls() (*tls.Config, error) {
	var errs connect.ConfigErrors
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.protocols.From != "" {
		tc.MinVersion = tls.VersionTLS13
		for _, p := range connect.SplitList(s.protocols.Value) {
			switch strings.ToUpper(p) {
			case "TLSV1.2":
				tc.MinVersion = tls.VersionTLS12
			case "TLSV1.3":
			default:
				errs = append(errs, keyErr(s.protocols, "%q: inlet supports TLSv1.2 and TLSv1.3", p))
			}
		}
	}
	for _, t := range []Setting{s.trustType, s.keyType} {
		if t.From != "" && !strings.EqualFold(strings.TrimSpace(t.Value), "PEM") {
			errs = append(errs, keyErr(t, "only PEM is supported (%v); convert a JKS/PKCS12 store with keytool and openssl", ErrUnsupported))
		}
	}
	// Trust: the system roots unless a PEM truststore is given.
	var caPEM []byte
	switch {
	case s.trustPEM.From != "":
		caPEM = []byte(s.trustPEM.Value)
	case s.trustLoc.From != "":
		b, err := os.ReadFile(strings.TrimSpace(s.trustLoc.Value))
		if err != nil {
			errs = append(errs, keyErr(s.trustLoc, "cannot read the truststore: %v", err))
		}
		caPEM = b
	}
	if caPEM != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			from := s.trustPEM
			if from.From == "" {
				from = s.trustLoc
			}
			errs = append(errs, keyErr(from, "no PEM certificate found (expected -----BEGIN CERTIFICATE-----)"))
		}
		tc.RootCAs = pool
	}
	// Client certificate (mutual TLS).
	var certPEM, keyPEM []byte
	from := s.keyLoc
	switch {
	case s.certChain.From != "" || s.keyPEM.From != "":
		certPEM, keyPEM = []byte(s.certChain.Value), []byte(s.keyPEM.Value)
		from = s.keyPEM
		if from.From == "" {
			from = s.certChain
		}
	case s.keyLoc.From != "":
		b, err := os.ReadFile(strings.TrimSpace(s.keyLoc.Value))
		if err != nil {
			errs = append(errs, keyErr(s.keyLoc, "cannot read the keystore: %v", err))
		}
		certPEM, keyPEM = b, b
	}
	if certPEM != nil || keyPEM != nil {
		if s.keyPassword.From != "" && s.keyPassword.Value != "" {
			errs = append(errs, keyErr(s.keyPassword, "encrypted private keys are not supported (%v); store the key unencrypted (PKCS#8) and protect the file", ErrUnsupported))
		} else if cert, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
			errs = append(errs, keyErr(from, "the client certificate and key do not load: %v", err))
		} else {
			tc.Certificates = []tls.Certificate{cert}
		}
	}
	if s.endpointID != nil && strings.TrimSpace(s.endpointID.Value) == "" {
		// Java's ssl.endpoint.identification.algorithm= (empty) keeps chain
		// verification but skips the host name check.
		roots := tc.RootCAs
		tc.InsecureSkipVerify = true
		tc.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			return verifyChain(raw, roots)
		}
	} else if s.endpointID != nil && !strings.EqualFold(strings.TrimSpace(s.endpointID.Value), "https") {
		errs = append(errs, keyErr(*s.endpointID, "must be https or empty"))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return tc, nil
}

func verifyChain(raw [][]byte, roots *x509.CertPool) error {
	if len(raw) == 0 {
		return fmt.Errorf("kafkaclient: the broker sent no certificate")
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, r := range raw {
		c, err := x509.ParseCertificate(r)
		if err != nil {
			return fmt.Errorf("kafkaclient: broker certificate: %w", err)
		}
		certs[i] = c
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
	return err
}
