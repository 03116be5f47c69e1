package kafka

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/kafkaclient"
)

// Keys of the kafka source. Consumer settings keep the Java consumer's
// names; any other consumer key goes under consumer.override.*. The
// worker's bootstrap.servers, security.protocol, sasl.*, ssl.* and
// consumer.* keys apply first (TaskContext.Worker), as in Kafka Connect.
const (
	KeyTopics         = "topics"
	KeyTopicsRegex    = "topics.regex"
	KeyGroupID        = "group.id"
	KeyOffsetReset    = "auto.offset.reset"
	KeyStartTimestamp = "start.timestamp"
	KeyIsolation      = "isolation.level"
	KeyMaxPollRecords = "max.poll.records"
)

var ownKeys = []string{"bootstrap.servers", KeyGroupID, KeyOffsetReset, KeyIsolation, KeyMaxPollRecords, "client.id", "fetch.max.wait.ms", "fetch.min.bytes", "fetch.max.bytes", "max.partition.fetch.bytes", "session.timeout.ms", "heartbeat.interval.ms", "partition.assignment.strategy"}

// ConfigDef declares the source's keys.
func ConfigDef() *connect.ConfigDef {
	d := connect.NewConfigDef(
		connect.ConfigKey{Name: KeyTopics, Type: connect.TypeList, Importance: connect.High, Group: "Topics",
			Doc: "Topics to read (Kafka Connect's sink topics). Exactly one of topics and topics.regex must be set."},
		connect.ConfigKey{Name: KeyTopicsRegex, Importance: connect.High, Group: "Topics", Validator: connect.ValidRegex(),
			Doc: "Regular expression of topics to read, matched against whole names (RE2 syntax: Java lookarounds are not supported). New matching topics are picked up."},
		connect.ConfigKey{Name: "bootstrap.servers", Type: connect.TypeList, Group: "Consumer",
			Doc: "Brokers to read from. Default: the worker's bootstrap.servers."},
		connect.ConfigKey{Name: KeyGroupID, Group: "Consumer",
			Doc: "Consumer group whose offsets record progress. Default: connect-<pipeline>, as Kafka Connect names a sink connector's group, so an existing connector's position carries over."},
		connect.ConfigKey{Name: KeyOffsetReset, Default: "earliest", Group: "Consumer", Validator: connect.OneOf("earliest", "latest", "none"),
			Doc: "Where a group with no committed offset starts (Java auto.offset.reset; Kafka Connect's sink default earliest)."},
		connect.ConfigKey{Name: KeyStartTimestamp, Group: "Consumer",
			Doc: "Where a group with no committed offset starts, as a time: the first record at or after it. RFC 3339 (2024-05-01T00:00:00Z) or epoch milliseconds. Overrides auto.offset.reset."},
		connect.ConfigKey{Name: KeyIsolation, Default: "read_uncommitted", Group: "Consumer", Validator: connect.OneOf("read_uncommitted", "read_committed"),
			Doc: "read_committed skips records of aborted transactions and waits for open ones (Java isolation.level)."},
		connect.ConfigKey{Name: KeyMaxPollRecords, Type: connect.TypeInt, Default: "500", Group: "Consumer", Validator: connect.Between(1, 100000),
			Doc: "Most records one Poll returns (Java max.poll.records)."},
		connect.ConfigKey{Name: "client.id", Group: "Consumer", Doc: "Client id sent to the brokers. Default: inlet-<pipeline>-<task>."},
		connect.ConfigKey{Name: "fetch.max.wait.ms", Type: connect.TypeInt, Group: "Consumer", Doc: "Longest a fetch waits for fetch.min.bytes (Java default 500)."},
		connect.ConfigKey{Name: "fetch.min.bytes", Type: connect.TypeInt, Group: "Consumer", Doc: "Bytes a fetch waits for (Java default 1)."},
		connect.ConfigKey{Name: "fetch.max.bytes", Type: connect.TypeInt, Group: "Consumer", Doc: "Most bytes per fetch response (Java default 52428800)."},
		connect.ConfigKey{Name: "max.partition.fetch.bytes", Type: connect.TypeInt, Group: "Consumer", Doc: "Most bytes per partition per fetch (Java default 1048576)."},
		connect.ConfigKey{Name: "session.timeout.ms", Type: connect.TypeInt, Group: "Consumer", Doc: "Group session timeout (Java default 45000)."},
		connect.ConfigKey{Name: "heartbeat.interval.ms", Type: connect.TypeInt, Group: "Consumer", Doc: "Group heartbeat interval (Java default 3000)."},
		connect.ConfigKey{Name: "partition.assignment.strategy", Type: connect.TypeList, Group: "Consumer",
			Doc: "Group balancers by Java class or simple name: RangeAssignor, RoundRobinAssignor, StickyAssignor, CooperativeStickyAssignor. Default: cooperative-sticky."},
	)
	d.AllowPrefix("consumer.override.", "Any Java consumer setting, e.g. consumer.override.fetch.max.bytes; wins over the worker's consumer.* and the keys above.")
	d.AllowPrefix("admin.override.", "Accepted for Kafka Connect compatibility; the source uses no admin client.")
	d.Check(func(c connect.Config) connect.ConfigErrors {
		var errs connect.ConfigErrors
		topics, regex := len(c.List(KeyTopics)) > 0, c.String(KeyTopicsRegex) != ""
		if topics == regex {
			errs = append(errs, &connect.ConfigError{Key: KeyTopics, Value: c.Raw(KeyTopics), Reason: "set exactly one of topics and topics.regex"})
		}
		if s := c.String(KeyStartTimestamp); s != "" {
			if _, err := parseTimestamp(s); err != nil {
				errs = append(errs, &connect.ConfigError{Key: KeyStartTimestamp, Value: s, Reason: err.Error()})
			}
		}
		for k, v := range c.Prefixed("consumer.override.") {
			if !kafkaclient.KnownKey(kafkaclient.Consumer, k) {
				errs = append(errs, &connect.ConfigError{Key: "consumer.override." + k, Value: v, Reason: "unknown Kafka consumer setting"})
			}
		}
		return errs
	})
	return d
}

func parseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(n), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("expected RFC 3339 (2024-05-01T00:00:00Z) or epoch milliseconds")
	}
	return t, nil
}
