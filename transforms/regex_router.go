package transforms

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/javare"
)

const regexRouterDoc = "Update the record topic using the configured regular expression and replacement string. " +
	"If the whole topic matches the regex (Java's matches()), the topic becomes the first match replaced " +
	"(Java's replaceFirst), with Java's replacement syntax: $1, ${name}, \\$ for a literal dollar. " +
	"Kafka Connect equivalent: org.apache.kafka.connect.transforms.RegexRouter."

func regexRouterConfig() *connect.ConfigDef {
	return connect.NewConfigDef(
		connect.ConfigKey{Name: "regex", Type: connect.TypeString, Required: true, Importance: connect.High,
			Validator: validJavaRegex,
			Doc:       "Regular expression to use for matching (Java syntax; backreferences and lookaround are rejected because Go's RE2 engine lacks them)."},
		connect.ConfigKey{Name: "replacement", Type: connect.TypeString, Required: true, Importance: connect.High,
			Doc: "Replacement string (Java's Matcher syntax: $n, ${name}, \\ quotes the next character)."},
	)
}

// RegexRouter rewrites topics. The result per topic is cached, so the
// regex runs once per distinct topic.
type RegexRouter struct {
	re     *javare.Regexp
	repl   *javare.Replacement
	topics cache[string, *route]
	// last is the most recent route: records of one batch usually share a
	// topic, and a string compare is cheaper than a map lookup.
	last atomic.Pointer[route]
}

type route struct{ from, to string }

// NewRegexRouter compiles regex and replacement (Java syntax).
func NewRegexRouter(regex, replacement string) (*RegexRouter, error) {
	re, err := javare.Compile(regex)
	if err != nil {
		return nil, configErr("regex", regex, err.Error())
	}
	repl, err := javare.CompileReplacement(replacement, re)
	if err != nil {
		return nil, configErr("replacement", replacement, err.Error())
	}
	return &RegexRouter{re: re, repl: repl}, nil
}

// Route returns the topic a record on topic goes to.
func (rr *RegexRouter) Route(topic string) string {
	if l := rr.last.Load(); l != nil && l.from == topic {
		return l.to
	}
	rt, ok := rr.topics.get(topic)
	if !ok {
		rt = &route{from: topic, to: topic}
		if rr.re.Matches(topic) {
			rt.to = rr.re.ReplaceFirst(topic, rr.repl)
		}
		rr.topics.put(topic, rt)
	}
	rr.last.Store(rt)
	return rt.to
}

// Apply implements connect.Transformation. A topic that does not match is
// passed through as the same record.
func (rr *RegexRouter) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	t := rr.Route(r.Topic)
	if t == r.Topic {
		return r, nil
	}
	c := r.Clone()
	c.Topic = t
	return c, nil
}

func registerRegexRouter(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind: connect.KindTransform, Name: "RegexRouter", Aliases: []string{javaPkg + "RegexRouter"},
		Doc: regexRouterDoc, Config: regexRouterConfig(),
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) {
			return NewRegexRouter(cfg.String("regex"), cfg.String("replacement"))
		},
	})
}

// validJavaRegex reports a regex Go cannot run while the config is parsed,
// so it is listed with every other problem, not after they are fixed.
func validJavaRegex(v any) error {
	s, _ := v.(string)
	if _, err := javare.Compile(s); err != nil {
		var se *javare.SyntaxError
		if errors.As(err, &se) {
			if se.Offset >= 0 {
				return fmt.Errorf("not a regular expression Go can run, at offset %d: %s", se.Offset, se.Reason)
			}
			return fmt.Errorf("not a valid regular expression: %s", se.Reason)
		}
		return err
	}
	return nil
}
