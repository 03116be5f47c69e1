package transforms

import (
	"context"
	"strings"

	"github.com/inletdev/inlet/connect"
)

// TimestampRouter rewrites the topic from a format with ${topic} and
// ${timestamp} (the record timestamp in a SimpleDateFormat pattern, UTC).
// Kafka Connect equivalent: org.apache.kafka.connect.transforms.TimestampRouter.
type TimestampRouter struct {
	parts  []trPart
	format *dateFormat
}

type trPart struct {
	lit  string
	kind byte // 0 literal, 't' topic, 's' timestamp
}

// NewTimestampRouter parses topic.format and timestamp.format.
func NewTimestampRouter(topicFormat, timestampFormat string) (*TimestampRouter, error) {
	f, err := parseDateFormat(timestampFormat)
	if err != nil {
		return nil, configErr("timestamp.format", timestampFormat, err.Error())
	}
	t := &TimestampRouter{format: f}
	// Kafka does topicFormat.replace("${topic}", topic).replace("${timestamp}", ts);
	// splitting once gives the same result without rescanning per record
	// (except for a topic that itself contains "${timestamp}").
	for s := topicFormat; s != ""; {
		i, j := strings.Index(s, "${topic}"), strings.Index(s, "${timestamp}")
		switch {
		case i < 0 && j < 0:
			t.parts = append(t.parts, trPart{lit: s})
			s = ""
		case j < 0 || i >= 0 && i < j:
			t.parts = append(t.parts, trPart{lit: s[:i]}, trPart{kind: 't'})
			s = s[i+len("${topic}"):]
		default:
			t.parts = append(t.parts, trPart{lit: s[:j]}, trPart{kind: 's'})
			s = s[j+len("${timestamp}"):]
		}
	}
	return t, nil
}

// Apply implements connect.Transformation.
func (t *TimestampRouter) Apply(_ context.Context, r *connect.Record) (*connect.Record, error) {
	if r.Timestamp.IsZero() {
		return nil, recordErr("TimestampRouter", r, "Timestamp missing on record")
	}
	b := make([]byte, 0, len(r.Topic)+32)
	for _, p := range t.parts {
		switch p.kind {
		case 't':
			b = append(b, r.Topic...)
		case 's':
			b = t.format.Append(b, r.Timestamp)
		default:
			b = append(b, p.lit...)
		}
	}
	c := r.Clone()
	c.Topic = string(b)
	return c, nil
}

func registerTimestampRouter(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind: connect.KindTransform, Name: "TimestampRouter", Aliases: []string{javaPkg + "TimestampRouter"},
		Doc: "Update the record's topic field as a function of the original topic value and the record timestamp. This is mainly useful for sink connectors, since the topic field is often used to determine the equivalent entity name in the destination system (e.g. database table or search index name). " +
			"Kafka Connect equivalent: org.apache.kafka.connect.transforms.TimestampRouter.",
		Config: connect.NewConfigDef(
			connect.ConfigKey{Name: "topic.format", Default: "${topic}-${timestamp}", Importance: connect.High, Validator: connect.NonEmpty(),
				Doc: "Format string which can contain ${topic} and ${timestamp} as placeholders for the topic and timestamp, respectively. Must not be empty (every record would get the empty topic)."},
			connect.ConfigKey{Name: "timestamp.format", Default: "yyyyMMdd", Importance: connect.High,
				Doc: "Format string for the timestamp that is compatible with java.text.SimpleDateFormat (always UTC)."},
		),
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) {
			return NewTimestampRouter(cfg.String("topic.format"), cfg.String("timestamp.format"))
		},
	})
}
