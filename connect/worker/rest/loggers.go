package rest

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
)

// Levels holds the log level of each named logger, for /admin/loggers.
// Logger names are dotted and hierarchical, as in log4j: a record logged by
// "inlet.pipeline.orders" uses the level of the longest configured prefix
// ("inlet.pipeline.orders", then "inlet.pipeline", "inlet", then "root").
// A record's logger name is its "logger" attribute, or
// "inlet.pipeline.<name>" when it carries a "pipeline" attribute, or
// "inlet.worker". Safe for concurrent use.
type Levels struct {
	mu     sync.RWMutex
	levels map[string]levelEntry
	min    slog.LevelVar // lowest configured level, for Enabled
	now    func() time.Time
}

type levelEntry struct {
	level    slog.Level
	modified *time.Time
}

// RootLogger is the name of the logger every other inherits from.
const RootLogger = "root"

// NewLevels starts with the root logger at level root.
func NewLevels(root slog.Level) *Levels {
	l := &Levels{levels: map[string]levelEntry{RootLogger: {level: root}}, now: time.Now}
	l.min.Set(root)
	return l
}

// LevelOf returns the effective level of a logger.
func (l *Levels) LevelOf(name string) slog.Level {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.effective(name).level
}

func (l *Levels) effective(name string) levelEntry {
	for n := name; n != ""; {
		if e, ok := l.levels[n]; ok {
			return e
		}
		i := strings.LastIndexByte(n, '.')
		if i < 0 {
			break
		}
		n = n[:i]
	}
	return l.levels[RootLogger]
}

// Set sets a logger's level (and so its descendants' that have none of
// their own, which are dropped, as Kafka Connect does) and returns the
// names of the loggers it affected, sorted.
func (l *Levels) Set(name string, level slog.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.now()
	affected := []string{name}
	for n := range l.levels {
		if n != name && (name == RootLogger || strings.HasPrefix(n, name+".")) && n != RootLogger {
			delete(l.levels, n)
			affected = append(affected, n)
		}
	}
	l.levels[name] = levelEntry{level: level, modified: &t}
	lowest := slog.Level(1 << 30)
	for _, e := range l.levels {
		lowest = min(lowest, e.level)
	}
	l.min.Set(lowest)
	sort.Strings(affected)
	return affected
}

// LoggerLevel is one row of GET /admin/loggers.
type LoggerLevel struct {
	Level        string `json:"level"`
	LastModified *int64 `json:"last_modified"`
}

// All returns every logger with an explicit level.
func (l *Levels) All() map[string]LoggerLevel {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make(map[string]LoggerLevel, len(l.levels))
	for n, e := range l.levels {
		out[n] = row(e)
	}
	return out
}

// Get returns a logger's effective level.
func (l *Levels) Get(name string) LoggerLevel {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if e, ok := l.levels[name]; ok {
		return row(e)
	}
	e := l.effective(name)
	return LoggerLevel{Level: levelName(e.level)}
}

func row(e levelEntry) LoggerLevel {
	r := LoggerLevel{Level: levelName(e.level)}
	if e.modified != nil {
		ms := e.modified.UnixMilli()
		r.LastModified = &ms
	}
	return r
}

// levelName uses log4j's names, which Kafka Connect clients send.
func levelName(l slog.Level) string {
	switch {
	case l < slog.LevelDebug:
		return "TRACE"
	case l < slog.LevelInfo:
		return "DEBUG"
	case l < slog.LevelWarn:
		return "INFO"
	case l < slog.LevelError:
		return "WARN"
	case l < slog.LevelError+4:
		return "ERROR"
	}
	return "OFF"
}

// ParseLevel accepts log4j's level names, case-insensitively.
func ParseLevel(s string) (slog.Level, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "TRACE", "ALL":
		return slog.LevelDebug - 4, true
	case "DEBUG":
		return slog.LevelDebug, true
	case "INFO":
		return slog.LevelInfo, true
	case "WARN":
		return slog.LevelWarn, true
	case "ERROR", "FATAL":
		return slog.LevelError, true
	case "OFF":
		return slog.LevelError + 100, true
	}
	return 0, false
}

// Handler wraps h so that records are filtered by their logger's level.
func (l *Levels) Handler(h slog.Handler) slog.Handler {
	return &levelHandler{levels: l, next: h, logger: "inlet.worker"}
}

type levelHandler struct {
	levels *Levels
	next   slog.Handler
	logger string
}

func (h *levelHandler) Enabled(ctx context.Context, lvl slog.Level) bool {
	return lvl >= h.levels.min.Level() && h.next.Enabled(ctx, lvl)
}

func (h *levelHandler) Handle(ctx context.Context, r slog.Record) error {
	name := h.logger
	r.Attrs(func(a slog.Attr) bool {
		if n, ok := loggerName(a); ok {
			name = n
			return false
		}
		return true
	})
	if r.Level < h.levels.LevelOf(name) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h *levelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	for _, a := range attrs {
		if n, ok := loggerName(a); ok {
			c.logger = n
		}
	}
	c.next = h.next.WithAttrs(attrs)
	return &c
}

func (h *levelHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.next = h.next.WithGroup(name)
	return &c
}

func loggerName(a slog.Attr) (string, bool) {
	switch a.Key {
	case "logger":
		return a.Value.String(), true
	case "pipeline":
		return "inlet.pipeline." + a.Value.String(), true
	}
	return "", false
}
