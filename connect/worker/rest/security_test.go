package rest_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"context"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/worker"
	"github.com/inletdev/inlet/connect/worker/rest"
)

func testWorker(t *testing.T, props map[string]string) (*worker.Worker, worker.WorkerConfig) {
	t.Helper()
	reg, _ := newRegistry()
	if props == nil {
		props = map[string]string{}
	}
	props["offset.storage.file.filename"] = filepath.Join(t.TempDir(), "off.json")
	wc, err := worker.ParseWorkerConfig("worker.properties", props)
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(wc, reg, worker.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	return w, wc
}

// serve runs a real listener (not httptest) from the worker's options.
func serve(t *testing.T, w *worker.Worker, o rest.Options) *rest.Server {
	t.Helper()
	s := rest.New(w, o)
	ls, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ls) }()
	t.Cleanup(func() { cancel(); <-done })
	s.SetReady(true)
	return s
}

func TestBasicAuth(t *testing.T) {
	users := filepath.Join(t.TempDir(), "users.properties")
	os.WriteFile(users, []byte("admin=opensesame\n# comment\nops: hunter2\n"), 0o600)
	w, wc := testWorker(t, map[string]string{"listeners": "http://127.0.0.1:0", rest.KeyUsersFile: users})
	o, err := rest.OptionsFromWorker(wc)
	if err != nil {
		t.Fatal(err)
	}
	s := serve(t, w, o)
	get := func(user, pass string) int {
		req, _ := http.NewRequest("GET", s.URL()+"/connectors", nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		user, pass string
		want       int
	}{{"", "", 401}, {"admin", "wrong", 401}, {"nobody", "opensesame", 401}, {"admin", "opensesame", 200}, {"ops", "hunter2", 200}} {
		if got := get(c.user, c.pass); got != c.want {
			t.Errorf("%s:%s → %d, want %d", c.user, c.pass, got, c.want)
		}
	}
}

func writeCert(t *testing.T, dir string) (string, *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	pemData := append(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	p := filepath.Join(dir, "server.pem")
	os.WriteFile(p, pemData, 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return p, pool
}

func TestHTTPSListener(t *testing.T) {
	pemFile, pool := writeCert(t, t.TempDir())
	w, wc := testWorker(t, map[string]string{"listeners": "https://127.0.0.1:0",
		"listeners.https.ssl.keystore.type": "PEM", "listeners.https.ssl.keystore.location": pemFile})
	o, err := rest.OptionsFromWorker(wc)
	if err != nil {
		t.Fatal(err)
	}
	s := serve(t, w, o)
	if !strings.HasPrefix(s.URL(), "https://") {
		t.Fatalf("URL %s", s.URL())
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get(s.URL() + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("health over TLS: %d", resp.StatusCode)
	}
	// A plain-HTTP client is refused.
	if resp, err := http.Get(strings.Replace(s.URL(), "https", "http", 1) + "/health"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP served on an https listener")
		}
	}
}

func TestOptionErrorsNameTheKeys(t *testing.T) {
	_, wc := testWorker(t, map[string]string{"listeners": "https://127.0.0.1:0",
		"listeners.https.ssl.keystore.type": "JKS", rest.KeyUsersFile: "/no/such/users",
		"response.http.headers.config": "shout X-A: b"})
	_, err := rest.OptionsFromWorker(wc)
	ces := connect.AsConfigErrors(err)
	got := map[string]bool{}
	for _, ce := range ces {
		got[ce.Key] = true
		if ce.File != "worker.properties" && !strings.HasPrefix(ce.Key, "listeners.https") {
			t.Errorf("error does not name the file: %v", ce)
		}
	}
	for _, k := range []string{"listeners.https.ssl.keystore.type", "listeners.https.ssl.keystore.location", rest.KeyUsersFile, "response.http.headers.config"} {
		if !got[k] {
			t.Errorf("no error for %s in %v", k, err)
		}
	}
}

func TestCORSAndExtraHeaders(t *testing.T) {
	w, wc := testWorker(t, map[string]string{"listeners": "http://127.0.0.1:0",
		"access.control.allow.origin": "https://ui.example", "access.control.allow.methods": "GET,PUT",
		"response.http.headers.config": "set X-Frame-Options: DENY, add X-Extra: 1"})
	o, err := rest.OptionsFromWorker(wc)
	if err != nil {
		t.Fatal(err)
	}
	s := serve(t, w, o)
	req, _ := http.NewRequest("OPTIONS", s.URL()+"/connectors", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://ui.example" || resp.Header.Get("Access-Control-Allow-Methods") != "GET,PUT" ||
		resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("X-Extra") != "1" {
		t.Fatalf("headers: %v", resp.Header)
	}
}

func TestHealthBeforeReady(t *testing.T) {
	w, _ := testWorker(t, nil)
	s := rest.New(w, rest.Options{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]string
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 503 || body["status"] != "starting" {
		t.Fatalf("health while starting: %d %v", resp.StatusCode, body)
	}
}

func TestMaskingUsesEachPluginsConfigDef(t *testing.T) {
	e := newEnv(t, t.TempDir())
	cfg := map[string]string{"connector.class": "numbers", "count": "0", "sink.connector.class": "vault", "sink.auth.pin": secret,
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dlq", "errors.deadletterqueue.auth.pin": secret + "-dlq"}
	out := e.expect("POST", "/connectors", map[string]any{"name": "v", "config": cfg}, 201)
	var info struct {
		Config map[string]string `json:"config"`
	}
	json.Unmarshal(out, &info)
	if info.Config["sink.auth.pin"] != connect.Hidden || info.Config["errors.deadletterqueue.auth.pin"] != connect.Hidden {
		t.Fatalf("not masked: %v", info.Config)
	}
	e.expect("GET", "/connectors/v/tasks", nil, 200)
	e.expect("GET", "/connectors/v/tasks-config", nil, 200)
	e.expect("GET", "/connectors?expand=info", nil, 200)
	e.noSecretLeaked()
}
