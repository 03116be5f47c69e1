package transforms

import (
	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/javare"
)

const javaPredicates = "org.apache.kafka.connect.transforms.predicates."

// TopicNameMatches is true when the whole topic matches a Java regex.
// Results are cached per topic. Kafka Connect equivalent:
// org.apache.kafka.connect.transforms.predicates.TopicNameMatches.
type TopicNameMatches struct {
	re     *javare.Regexp
	topics cache[string, bool]
}

// NewTopicNameMatches compiles pattern (Java syntax).
func NewTopicNameMatches(pattern string) (*TopicNameMatches, error) {
	if pattern == "" {
		return nil, configErr("pattern", pattern, "must not be empty")
	}
	re, err := javare.Compile(pattern)
	if err != nil {
		return nil, configErr("pattern", pattern, "Invalid regex: "+err.Error())
	}
	return &TopicNameMatches{re: re}, nil
}

// Test implements connect.Predicate.
func (p *TopicNameMatches) Test(r *connect.Record) bool {
	if ok, hit := p.topics.get(r.Topic); hit {
		return ok
	}
	ok := p.re.Matches(r.Topic)
	p.topics.put(r.Topic, ok)
	return ok
}

// HasHeaderKey is true when at least one header has the key. Kafka Connect
// equivalent: org.apache.kafka.connect.transforms.predicates.HasHeaderKey.
type HasHeaderKey struct{ Name string }

// Test implements connect.Predicate.
func (p HasHeaderKey) Test(r *connect.Record) bool { return r.Headers.Has(p.Name) }

// RecordIsTombstone is true when the value is null. Kafka Connect
// equivalent: org.apache.kafka.connect.transforms.predicates.RecordIsTombstone.
type RecordIsTombstone struct{}

// Test implements connect.Predicate.
func (RecordIsTombstone) Test(r *connect.Record) bool { return r.Value == nil }

func registerPredicates(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind: connect.KindPredicate, Name: "TopicNameMatches", Aliases: []string{javaPredicates + "TopicNameMatches"},
		Doc: "A predicate which is true for records with a topic name that matches the configured regular expression (the whole name must match, Java syntax). " +
			"Kafka Connect equivalent: org.apache.kafka.connect.transforms.predicates.TopicNameMatches.",
		Config: connect.NewConfigDef(connect.ConfigKey{Name: "pattern", Type: connect.TypeString, Required: true, Importance: connect.Medium,
			Validator: connect.NonEmpty(), Doc: "A Java regular expression for matching against the name of a record's topic."}),
		NewPredicate: func(cfg connect.Config) (connect.Predicate, error) { return NewTopicNameMatches(cfg.String("pattern")) },
	})
	r.Register(connect.Plugin{
		Kind: connect.KindPredicate, Name: "HasHeaderKey", Aliases: []string{javaPredicates + "HasHeaderKey"},
		Doc: "A predicate which is true for records with at least one header with the configured name. " +
			"Kafka Connect equivalent: org.apache.kafka.connect.transforms.predicates.HasHeaderKey.",
		Config: connect.NewConfigDef(connect.ConfigKey{Name: "name", Type: connect.TypeString, Required: true, Importance: connect.Medium,
			Validator: connect.NonEmpty(), Doc: "The header name."}),
		NewPredicate: func(cfg connect.Config) (connect.Predicate, error) {
			return HasHeaderKey{Name: cfg.String("name")}, nil
		},
	})
	r.Register(connect.Plugin{
		Kind: connect.KindPredicate, Name: "RecordIsTombstone", Aliases: []string{javaPredicates + "RecordIsTombstone"},
		Doc: "A predicate which is true for records which are tombstones (i.e. have null value). " +
			"Kafka Connect equivalent: org.apache.kafka.connect.transforms.predicates.RecordIsTombstone.",
		Config:       connect.NewConfigDef(),
		NewPredicate: func(connect.Config) (connect.Predicate, error) { return RecordIsTombstone{}, nil },
	})
}
