// Package rest serves Kafka Connect's REST API for an inlet worker: the
// same paths, bodies, status codes and {"error_code","message"} errors, so
// curl recipes, kcctl-style clients and Connect UIs work against inlet. It
// adds /metrics (Prometheus), headline figures in the status answer, and
// persistence of pipelines created over REST (see configstore).
package rest

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/inletdev/inlet/connect/worker"
	"github.com/inletdev/inlet/connect/worker/configstore"
)

// DefaultListener is where the API listens unless `listeners` says
// otherwise. Loopback only: binding beyond it is an explicit choice.
const DefaultListener = "http://127.0.0.1:8083"

// DefaultMaxBody limits request bodies (a pipeline config is a few KiB).
const DefaultMaxBody = 1 << 20

// Options configures a Server. Build them from a worker config with
// OptionsFromWorker, or by hand in tests.
type Options struct {
	Listeners []string    // http://host:port or https://host:port; default DefaultListener
	TLS       *tls.Config // required for https listeners
	// Users enables HTTP basic auth (user → password); nil = no auth.
	Users map[string]string
	// Gatherer serves /metrics; nil = prometheus.DefaultGatherer.
	Gatherer prometheus.Gatherer
	// Store persists pipelines created or changed over REST; nil = none.
	Store *configstore.Store
	// Levels backs /admin/loggers; nil = a fresh INFO registry.
	Levels *Levels
	Logger *slog.Logger
	// Version and Commit are reported by GET /.
	Version, Commit string
	// CORS (access.control.allow.origin / .methods).
	AllowOrigin, AllowMethods string
	// ExtraHeaders are added to every response (response.http.headers.config).
	ExtraHeaders http.Header
	MaxBody      int64
}

// Server is the REST API of one worker.
type Server struct {
	w      *worker.Worker
	o      Options
	mask   masker
	mux    *http.ServeMux
	ready  atomic.Bool
	mu     sync.Mutex
	addrs  []net.Addr
	logger *slog.Logger
}

// New returns a server for w. It does not listen until Serve.
func New(w *worker.Worker, o Options) *Server {
	if len(o.Listeners) == 0 {
		o.Listeners = []string{DefaultListener}
	}
	if o.Gatherer == nil {
		o.Gatherer = prometheus.DefaultGatherer
	}
	if o.Levels == nil {
		o.Levels = NewLevels(slog.LevelInfo)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	s := &Server{w: w, o: o, mask: masker{w.Registry()}, logger: o.Logger.With("logger", "inlet.rest")}
	s.routes()
	return s
}

// SetReady marks the worker as started: GET /health answers 200 from then
// on, 503 before (Kafka Connect 3.9's behaviour while starting).
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

// Handler returns the API as an http.Handler (auth, limits and CORS included).
func (s *Server) Handler() http.Handler { return s.wrap(s.mux) }

// Addrs returns the bound addresses once Serve is listening.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]net.Addr(nil), s.addrs...)
}

// URL returns the base URL of the first listener once Serve is listening.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.addrs) == 0 {
		return ""
	}
	u, _ := url.Parse(s.o.Listeners[0])
	return u.Scheme + "://" + s.addrs[0].String()
}

// Listen binds every listener; Serve then serves them. Split so that a
// caller can learn the bound ports (port 0) before serving.
func (s *Server) Listen() ([]net.Listener, error) {
	var ls []net.Listener
	for _, l := range s.o.Listeners {
		u, err := url.Parse(strings.TrimSpace(l))
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			closeAll(ls)
			return nil, fmt.Errorf("rest: listeners: %q is not http://host:port or https://host:port", l)
		}
		host := u.Host
		if strings.HasPrefix(host, ":") {
			// Kafka's "http://:8083" means every interface; that is an
			// explicit choice the user made by leaving the host out.
			host = "0.0.0.0" + host
		}
		ln, err := net.Listen("tcp", host)
		if err != nil {
			closeAll(ls)
			return nil, fmt.Errorf("rest: listen on %s: %w", l, err)
		}
		if u.Scheme == "https" {
			if s.o.TLS == nil {
				ln.Close()
				closeAll(ls)
				return nil, fmt.Errorf("rest: listener %s is https but no certificate is configured (set listeners.https.ssl.keystore.location)", l)
			}
			ln = tls.NewListener(ln, s.o.TLS)
		}
		ls = append(ls, ln)
	}
	s.mu.Lock()
	s.addrs = s.addrs[:0]
	for _, ln := range ls {
		s.addrs = append(s.addrs, ln.Addr())
	}
	s.mu.Unlock()
	return ls, nil
}

func closeAll(ls []net.Listener) {
	for _, l := range ls {
		l.Close()
	}
}

// Serve serves the listeners until ctx is done, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ls []net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// Kafka Connect answers 500 to requests that run past 90 s.
		WriteTimeout: 100 * time.Second,
		ErrorLog:     slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, len(ls))
	for _, ln := range ls {
		go func() { errc <- srv.Serve(ln) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// wrap adds response headers, CORS, basic auth and the body limit.
func (s *Server) wrap(h http.Handler) http.Handler {
	server := "inlet/" + s.o.Version
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		// Says who answers: `inlet ctl` checks it before changing anything,
		// so a Kafka Connect worker on the same port is not managed by
		// mistake.
		rw.Header().Set("Server", server)
		for k, vs := range s.o.ExtraHeaders {
			for _, v := range vs {
				rw.Header().Add(k, v)
			}
		}
		if s.o.AllowOrigin != "" {
			rw.Header().Set("Access-Control-Allow-Origin", s.o.AllowOrigin)
			methods := s.o.AllowMethods
			if methods == "" {
				methods = "GET,POST,HEAD"
			}
			rw.Header().Set("Access-Control-Allow-Methods", methods)
			if r.Method == http.MethodOptions {
				rw.WriteHeader(http.StatusNoContent)
				return
			}
		}
		if s.o.Users != nil && !s.authorized(r) {
			rw.Header().Set("WWW-Authenticate", `Basic realm="inlet"`)
			writeError(rw, http.StatusUnauthorized, "authentication required")
			return
		}
		r.Body = http.MaxBytesReader(rw, r.Body, s.o.MaxBody)
		h.ServeHTTP(rw, r)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	want, known := s.o.Users[user]
	// Compare even for unknown users so timing does not reveal who exists.
	eq := subtle.ConstantTimeCompare([]byte(pass), []byte(want)) == 1
	return known && eq
}

// the prometheus handler is built once per server.
func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.o.Gatherer, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn)})
}
