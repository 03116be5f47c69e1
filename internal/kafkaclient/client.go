package kafkaclient

import (
	"context"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"
)

// NewClient parses props for role and opens a franz-go client with the
// result plus extra options (extra win).
func NewClient(role Role, props Props, log *slog.Logger, extra ...kgo.Opt) (*kgo.Client, *Config, error) {
	cfg, err := Parse(role, props)
	if err != nil {
		return nil, nil, err
	}
	opts := append([]kgo.Opt{}, cfg.Opts...)
	if log != nil {
		opts = append(opts, kgo.WithLogger(Logger(log)))
	}
	opts = append(opts, extra...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, nil, err
	}
	return cl, cfg, nil
}

// Logger adapts slog to franz-go's logger; franz-go's info level is chatty
// (every connection), so it logs at debug and keeps warn and error.
func Logger(l *slog.Logger) kgo.Logger { return slogger{l} }

type slogger struct{ l *slog.Logger }

func (s slogger) Level() kgo.LogLevel {
	if s.l.Enabled(context.Background(), slog.LevelDebug) {
		return kgo.LogLevelInfo
	}
	return kgo.LogLevelWarn
}

func (s slogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	lv := slog.LevelDebug
	switch level {
	case kgo.LogLevelError:
		lv = slog.LevelError
	case kgo.LogLevelWarn:
		lv = slog.LevelWarn
	}
	s.l.Log(context.Background(), lv, "kafka: "+msg, keyvals...)
}
