package rocketmq

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	rmq "github.com/apache/rocketmq-clients/golang/v5"
	"github.com/apache/rocketmq-clients/golang/v5/credentials"
	"go.uber.org/zap"
)

// The RocketMQ Go client v5.1.3 keeps process-wide state that inlet cannot
// pass per producer: the TLS switch (rmq.EnableSsl, read on every dial), its
// loggers (zap, writing files under $user.home/logs and /tmp), and a client
// manager per producer whose goroutines never stop, even after
// GracefulStop. This file is the one place that deals with it:
//
//   - producers are pooled per connection settings and shared by every task
//     (and the dead-letter-queue instance) that uses the same endpoint, so
//     restarting a task does not start, and leak, another client;
//   - all producers alive at once must agree on TLS; a sink that wants the
//     other mode gets a clear error instead of a silently wrong connection;
//   - the client's logs go to slog (debug level for its info lines) instead
//     of files.
//
// This and the message ID generator (msgid.go, which must share the
// client's process-wide sequence space) are the package's only global
// state, both forced by the library.

// producerKey is everything that makes two producers different.
type producerKey struct {
	endpoint, namespace      string
	accessKey, secret, token string
	tls                      bool
	timeout                  time.Duration
	maxAttempts              int32
}

type pooledProducer struct {
	key   producerKey
	p     rmq.Producer
	batch *batcher // batched sends through the producer's client (batch.go)
	refs  int
}

var pool struct {
	mu      sync.Mutex
	entries map[producerKey]*pooledProducer
	setup   sync.Once
}

// acquireProducer returns a started producer for key, starting one if
// needed (within startTimeout), and counts a reference to it.
func acquireProducer(ctx context.Context, key producerKey, topic string, startTimeout time.Duration) (*pooledProducer, error) {
	pool.setup.Do(setupClient)
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.entries == nil {
		pool.entries = map[producerKey]*pooledProducer{}
	}
	if e, ok := pool.entries[key]; ok {
		e.refs++
		return e, nil
	}
	for k := range pool.entries {
		if k.tls != key.tls {
			return nil, fmt.Errorf("rocketmq: %s=%v conflicts with the RocketMQ producer for %s in this process, which has TLS %v: "+
				"the RocketMQ Go client has one process-wide TLS switch, so every RocketMQ sink in one worker must use the same %s",
				keyTLS, key.tls, k.endpoint, onOff(k.tls), keyTLS)
		}
	}
	// Every live producer has the same mode (checked above), so this only
	// ever changes the switch when no producer could be reading it.
	if rmq.EnableSsl != key.tls {
		rmq.EnableSsl = key.tls
	}
	cfg := &rmq.Config{
		Endpoint:    key.endpoint,
		NameSpace:   key.namespace,
		Credentials: &credentials.SessionCredentials{AccessKey: key.accessKey, AccessSecret: key.secret, SecurityToken: key.token},
	}
	// WithTopics is what makes Start return: without a topic the client
	// never queries a route, never receives settings, and waits forever.
	// The client is kept: the batched path signs its requests with it.
	var cli rmq.Client
	p, err := rmq.NewProducer(cfg,
		rmq.WithTopics(topic),
		rmq.WithMaxAttempts(key.maxAttempts),
		rmq.WithClientFunc(func(c *rmq.Config, opts ...rmq.ClientOption) (rmq.Client, error) {
			var err error
			cli, err = rmq.NewClient(c, append(opts, rmq.WithQueryRouteTimeout(key.timeout))...)
			return cli, err
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("rocketmq: endpoint %s: %w", key.endpoint, err)
	}
	if cli == nil {
		return nil, fmt.Errorf("rocketmq: endpoint %s: the client library did not build its client through WithClientFunc", key.endpoint)
	}
	batch, err := newBatcher(cli, key, slog.Default().With("component", "rocketmq-sink"))
	if err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- p.Start() }()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			return nil, fmt.Errorf("rocketmq: starting the producer for endpoint %s, topic %q: %w", key.endpoint, topic, err)
		}
	case <-timer.C:
		// Start is still waiting for the settings handshake; the library
		// offers no way to interrupt it, so it is left to finish and stopped
		// when it does.
		go func() {
			if <-done == nil {
				_ = p.GracefulStop()
			}
		}()
		return nil, fmt.Errorf("rocketmq: the producer for endpoint %s, topic %q did not start within %v (no route or settings from the endpoint: is it a RocketMQ 5.x gRPC endpoint, and is %s right?)",
			key.endpoint, topic, startTimeout, keyTLS)
	case <-ctx.Done():
		go func() {
			if <-done == nil {
				_ = p.GracefulStop()
			}
		}()
		return nil, fmt.Errorf("rocketmq: starting the producer for endpoint %s: %w", key.endpoint, ctx.Err())
	}
	e := &pooledProducer{key: key, p: p, batch: batch, refs: 1}
	pool.entries[key] = e
	return e, nil
}

// release drops a reference; the last one stops the producer.
func (e *pooledProducer) release() error {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	e.refs--
	if e.refs > 0 {
		return nil
	}
	delete(pool.entries, e.key)
	e.batch.close()
	if err := e.p.GracefulStop(); err != nil {
		return fmt.Errorf("rocketmq: stopping the producer for endpoint %s: %w", e.key.endpoint, err)
	}
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// setupClient routes the client's logs to slog's default logger (they are
// the process's, not one pipeline's), once per process.
func setupClient() {
	log := slog.Default()
	// Every gRPC call is logged at info level by a per-connection zap logger
	// that writes /tmp/rocketmq-logger.log; connections are made through
	// this package variable, so it is wrapped to hand them a no-op logger.
	orig := rmq.NewRpcClient
	rmq.NewRpcClient = func(target string, opts ...rmq.RpcClientOption) (rmq.RpcClient, error) {
		return orig(target, append(opts, rmq.WithRpcClientConnOption(rmq.WithZapLogger(zap.NewNop())))...)
	}
	// The client's own logger writes to a file unless console output is on,
	// and then it writes to os.Stdout as it is when the logger is built.
	// Build it with os.Stdout pointing at a pipe that feeds slog.
	r, w, err := os.Pipe()
	if err != nil {
		return
	}
	prevEnv, hadEnv := os.LookupEnv(rmq.ENABLE_CONSOLE_APPENDER)
	prevOut := os.Stdout
	os.Setenv(rmq.ENABLE_CONSOLE_APPENDER, "true")
	os.Stdout = w
	rmq.ResetLogger()
	os.Stdout = prevOut
	if hadEnv {
		os.Setenv(rmq.ENABLE_CONSOLE_APPENDER, prevEnv)
	} else {
		os.Unsetenv(rmq.ENABLE_CONSOLE_APPENDER)
	}
	go forwardLogs(r, log.With("component", "rocketmq-client"))
}

// forwardLogs turns the client's console lines (time, LEVEL, caller,
// message, fields, tab-separated) into slog records: its INFO chatter at
// debug level, WARN and ERROR at warn level (the errors that matter are
// also returned to the caller, who reports them).
func forwardLogs(r *os.File, log *slog.Logger) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 5)
		if len(parts) < 4 {
			log.Debug(sc.Text())
			continue
		}
		level := slog.LevelDebug
		switch parts[1] {
		case "WARN", "ERROR", "DPANIC", "PANIC", "FATAL":
			level = slog.LevelWarn
		}
		attrs := []any{"caller", parts[2]}
		if len(parts) == 5 {
			attrs = append(attrs, "fields", parts[4])
		}
		log.Log(context.Background(), level, parts[3], attrs...)
	}
}
