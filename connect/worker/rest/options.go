package rest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/magiconair/properties"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/worker"
)

// Worker keys the REST layer reads (besides listeners and the CORS keys,
// which are Kafka Connect's).
const (
	// KeyUsersFile enables HTTP basic auth: a .properties file of
	// user=password lines.
	KeyUsersFile = "rest.auth.basic.users.file"
	// KeyConfigDir is where pipelines created over REST are kept; default
	// "<offset.storage.file.filename>.pipelines".
	KeyConfigDir = "config.storage.dir"
)

// OptionsFromWorker builds Options from a worker config. TLS settings are
// read from listeners.https.ssl.* and fall back to ssl.* (Kafka Connect's
// rule). Only PEM is supported: ssl.keystore.type must be PEM (a file with
// the private key and certificate chain) and ssl.truststore.type PEM.
func OptionsFromWorker(wc worker.WorkerConfig) (Options, error) {
	p := wc.Props
	get := func(k string) string { return strings.TrimSpace(p[k]) }
	var o Options
	var errs connect.ConfigErrors
	bad := func(key, val, reason string) {
		errs = append(errs, &connect.ConfigError{File: wc.File, Key: key, Value: val, Reason: reason})
	}
	o.Listeners = connect.SplitList(get("listeners"))
	https := false
	for _, l := range o.Listeners {
		if err := checkListener(l); err != nil {
			bad("listeners", get("listeners"), err.Error())
		}
		if strings.HasPrefix(strings.ToLower(l), "https://") {
			https = true
		}
	}
	if https {
		cfg, err := tlsConfig(func(k string) (string, string) {
			if v := get("listeners.https." + k); v != "" {
				return "listeners.https." + k, v
			}
			return k, get(k)
		})
		if err != nil {
			errs = append(errs, connect.AsConfigErrors(err)...)
			if connect.AsConfigErrors(err) == nil {
				bad("listeners", get("listeners"), err.Error())
			}
		}
		o.TLS = cfg
	}
	if f := get(KeyUsersFile); f != "" {
		users, err := loadUsers(f)
		if err != nil {
			bad(KeyUsersFile, f, err.Error())
		}
		o.Users = users
	}
	o.AllowOrigin = get("access.control.allow.origin")
	o.AllowMethods = get("access.control.allow.methods")
	if h := get("response.http.headers.config"); h != "" {
		hdr, err := parseHeaderConfig(h)
		if err != nil {
			bad("response.http.headers.config", h, err.Error())
		}
		o.ExtraHeaders = hdr
	}
	if len(errs) > 0 {
		return o, errs
	}
	return o, nil
}

// ConfigDir returns where REST-created pipelines are stored.
func ConfigDir(wc worker.WorkerConfig) string {
	if d := strings.TrimSpace(wc.Props[KeyConfigDir]); d != "" {
		return d
	}
	if wc.OffsetFile != "" {
		return wc.OffsetFile + ".pipelines"
	}
	return filepath.Join(".", "inlet-pipelines")
}

func loadUsers(path string) (map[string]string, error) {
	pp, err := properties.LoadFile(path, properties.UTF8)
	if err != nil {
		return nil, fmt.Errorf("cannot read the users file: %v", err)
	}
	users := map[string]string{}
	for _, k := range pp.Keys() {
		v, _ := pp.Get(k)
		users[k] = v
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("the users file %s has no user=password lines; nobody could log in", path)
	}
	return users, nil
}

// tlsConfig builds a server TLS config from PEM files. get returns the key
// actually used (for error messages) and its value.
func tlsConfig(get func(string) (string, string)) (*tls.Config, error) {
	var errs connect.ConfigErrors
	bad := func(key, val, reason string) {
		errs = append(errs, &connect.ConfigError{Key: key, Value: val, Reason: reason})
	}
	if k, t := get("ssl.keystore.type"); t != "" && !strings.EqualFold(t, "PEM") {
		bad(k, t, "only PEM keystores are supported (convert JKS/PKCS12 with keytool/openssl)")
	}
	ksKey, ks := get("ssl.keystore.location")
	chainKey, chain := get("ssl.keystore.certificate.chain")
	keyKey, key := get("ssl.keystore.key")
	var cert tls.Certificate
	var err error
	switch {
	case ks != "":
		var data []byte
		data, err = os.ReadFile(ks)
		if err == nil {
			cert, err = tls.X509KeyPair(data, data)
		}
		if err != nil {
			bad(ksKey, ks, "cannot load a PEM private key and certificate chain from it: "+err.Error())
		}
	case chain != "" && key != "":
		cert, err = tls.X509KeyPair([]byte(chain), []byte(key))
		if err != nil {
			bad(chainKey, "(inline PEM)", "cannot use it with "+keyKey+": "+err.Error())
		}
	default:
		bad("listeners.https.ssl.keystore.location", "", "an https listener needs a PEM file with the server's private key and certificate chain")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if k, ca := get("ssl.truststore.location"); ca != "" {
		data, err := os.ReadFile(ca)
		pool := x509.NewCertPool()
		if err != nil || !appendPEM(pool, data) {
			bad(k, ca, "cannot load PEM CA certificates from it")
		}
		cfg.ClientCAs = pool
	}
	if k, ca := get("ssl.client.auth"); ca != "" {
		switch strings.ToLower(ca) {
		case "required":
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
		case "requested":
			cfg.ClientAuth = tls.VerifyClientCertIfGiven
		case "none":
		default:
			bad(k, ca, "must be one of required, requested, none")
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return cfg, nil
}

func appendPEM(pool *x509.CertPool, data []byte) bool {
	ok := false
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return ok
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			pool.AddCert(c)
			ok = true
		}
	}
}

// parseHeaderConfig reads Kafka's response.http.headers.config: a comma
// separated list of "[action] [name]: [value]" with actions set and add.
func parseHeaderConfig(s string) (http.Header, error) {
	h := http.Header{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		action, rest, ok := strings.Cut(part, " ")
		name, value, ok2 := strings.Cut(rest, ":")
		if !ok || !ok2 || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("%q is not \"set|add Name: value\"", part)
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch strings.ToLower(action) {
		case "set", "setdate":
			h.Set(name, value)
		case "add", "adddate":
			h.Add(name, value)
		default:
			return nil, fmt.Errorf("%q: action %q is not supported (set, add)", part, action)
		}
	}
	return h, nil
}

// checkListener accepts http://host:port and https://host:port (host may be
// empty, as in Kafka's http://:8083).
func checkListener(l string) error {
	u, err := url.Parse(strings.TrimSpace(l))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.Port() == "" {
		return fmt.Errorf("%q is not http://host:port or https://host:port", l)
	}
	return nil
}
