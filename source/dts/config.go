package dts

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
)

// Config keys, named after the DTS console and EventBridge's
// SourceDTSParameters (BrokerUrl, Topic, Sid, Username, Password,
// InitCheckPoint, TaskId, RegionId).
const (
	KeyBrokerURL    = "dts.broker.url"
	KeyTopic        = "dts.topic"
	KeySid          = "dts.sid"
	KeyUser         = "dts.user"
	KeyPassword     = "dts.password"
	KeyCheckpoint   = "dts.checkpoint"
	KeyTaskID       = "dts.task.id"
	KeyRegion       = "dts.region"
	KeyOutputFormat = "dts.output.format"
)

// ConfigDef declares the source's keys.
func ConfigDef() *connect.ConfigDef {
	return connect.NewConfigDef(
		connect.ConfigKey{Name: KeyBrokerURL, Required: true, Importance: connect.High, Group: "Connection",
			Validator: hostPort,
			Doc: "The change-tracking task's endpoint, host:port (EventBridge BrokerUrl), e.g. " +
				"dts-cn-hangzhou.aliyuncs.com:18001. DTS speaks the Kafka protocol over SASL_PLAINTEXT."},
		connect.ConfigKey{Name: KeyTopic, Required: true, Validator: connect.NonEmpty(), Importance: connect.High, Group: "Connection",
			Doc: "The tracked topic (EventBridge Topic), e.g. cn_hangzhou_rm_bp1xxx_version2. Only partition 0 is read: DTS keeps one partition for global order."},
		connect.ConfigKey{Name: KeySid, Required: true, Validator: connect.NonEmpty(), Importance: connect.High, Group: "Connection",
			Doc: "The consumer group ID (EventBridge Sid), e.g. dtse9gh4883283o991; it is the Kafka group.id. " +
				"DTS allows one client per consumer group: a second pipeline with the same sid is refused."},
		connect.ConfigKey{Name: KeyUser, Required: true, Validator: connect.NonEmpty(), Importance: connect.High, Group: "Connection",
			Doc: "The consumer group's account (EventBridge Username). The SASL/PLAIN user is <user>-<sid>; " +
				"the -<sid> suffix is not added twice when the user already contains the sid."},
		connect.ConfigKey{Name: KeyPassword, Type: connect.TypePassword, Required: true, Importance: connect.High, Group: "Connection",
			Doc: "The consumer group account's password (EventBridge Password)."},
		connect.ConfigKey{Name: KeyCheckpoint, Validator: checkpointValid, Importance: connect.High, Group: "Position",
			Doc: "Where the first run of the consumer group starts (EventBridge InitCheckPoint): Unix seconds " +
				"(1655769600) or a date-time with a zone (2022-06-21 00:00:00 +08:00, 2022-06-21 00:00:00 Asia/Shanghai, " +
				"2022-06-21T00:00:00Z). Used only while the group has no committed offset; afterwards the source resumes " +
				"after the last committed offset. A checkpoint outside the data the task holds fails. Empty: the earliest data held."},
		connect.ConfigKey{Name: KeyTaskID, Importance: connect.Low, Group: "Event",
			Doc: "The change-tracking task ID (EventBridge TaskId), e.g. dtsabcdet1ro; part of the CloudEvents subject (eventbridge format only)."},
		connect.ConfigKey{Name: KeyRegion, Importance: connect.Low, Group: "Event",
			Doc: "The region (EventBridge RegionId), e.g. cn-hangzhou; part of the CloudEvents subject (eventbridge format only)."},
		connect.ConfigKey{Name: KeyOutputFormat, Default: "eventbridge", Validator: connect.OneOf("eventbridge", "debezium"),
			Importance: connect.Medium, Group: "Event",
			Doc: "eventbridge: the value is the EventBridge DTS event's data object (id, topicPartition, offset, " +
				"sourceTimestamp, operationType, schema, beforeImage, afterImage) and the CloudEvents attributes " +
				"(type dts:ConsumeMessage, subject, time...) are ce_* headers. debezium: a schemaless Debezium " +
				"envelope (before, after, source, op, ts_ms) on <topic>.<db>.<table>, so Debezium SMTs " +
				"(ExtractNewRecordState, EventRouter) apply."},
	).Check(func(c connect.Config) connect.ConfigErrors {
		// The task ID and region only build the CloudEvents subject, which
		// the debezium format does not carry: set, they would do nothing.
		if !strings.EqualFold(strings.TrimSpace(c.String(KeyOutputFormat)), "debezium") {
			return nil
		}
		var errs connect.ConfigErrors
		for _, k := range []string{KeyTaskID, KeyRegion} {
			if c.String(k) != "" {
				errs = append(errs, &connect.ConfigError{Key: k, Value: c.Raw(k),
					Reason: "has no effect with " + KeyOutputFormat + "=debezium (it only builds the CloudEvents subject of the eventbridge format): remove it or use the eventbridge format"})
			}
		}
		return errs
	})
}

func hostPort(v any) error {
	s, _ := v.(string)
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" {
		return fmt.Errorf("want host:port, e.g. dts-cn-hangzhou.aliyuncs.com:18001")
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return fmt.Errorf("port %q is not a TCP port", port)
	}
	return nil
}

func checkpointValid(v any) error {
	s, _ := v.(string)
	if strings.TrimSpace(s) == "" {
		return nil
	}
	_, err := ParseCheckpoint(s)
	return err
}

// maxCheckpoint is the SDK's bound on a checkpoint in seconds.
const maxCheckpoint = 99999999999

// ParseCheckpoint parses dts.checkpoint into Unix seconds: digits are Unix
// seconds; otherwise a date-time that names its zone, since DTS positions
// are absolute and a zone-less time would depend on the worker's zone.
func ParseCheckpoint(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s != "" && strings.Trim(s, "0123456789") == "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > maxCheckpoint {
			return 0, fmt.Errorf("Unix seconds %q out of range 0..%d (milliseconds are not accepted)", s, maxCheckpoint)
		}
		return n, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05 Z07:00", "2006-01-02 15:04:05 -0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return inRange(s, t)
		}
	}
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		if _, err := time.Parse(time.DateTime, s[:i]); err == nil {
			zone := s[i+1:]
			if zone == "UTC" || zone == "Z" {
				zone = "UTC"
			}
			loc, err := time.LoadLocation(zone)
			if err != nil {
				return 0, fmt.Errorf("unknown time zone %q (use an offset such as +08:00 or a name such as Asia/Shanghai)", zone)
			}
			t, _ := time.ParseInLocation(time.DateTime, s[:i], loc)
			return inRange(s, t)
		}
	}
	if _, err := time.Parse(time.DateTime, s); err == nil {
		return 0, fmt.Errorf("%q has no time zone: write e.g. %q or %q, or Unix seconds", s, s+" +08:00", s+" Asia/Shanghai")
	}
	return 0, fmt.Errorf("%q is neither Unix seconds nor a date-time like 2022-06-21 00:00:00 +08:00", s)
}

// inRange returns t in Unix seconds if it lies where a Unix-seconds
// checkpoint may (0..maxCheckpoint): a date-time is held to the same
// bounds as the number it stands for.
func inRange(s string, t time.Time) (int64, error) {
	if n := t.Unix(); n >= 0 && n <= maxCheckpoint {
		return n, nil
	}
	return 0, fmt.Errorf("%q is out of range: a checkpoint lies between 1970-01-01 00:00:00 UTC and %s UTC",
		s, time.Unix(maxCheckpoint, 0).UTC().Format(time.DateTime))
}

// settings is the parsed configuration.
type settings struct {
	broker, topic, sid, user, password string
	checkpoint                         int64 // Unix seconds; -1 = none
	taskID, region                     string
	format                             Format
}

func parseSettings(cfg connect.Config) (settings, error) {
	s := settings{
		broker:     cfg.String(KeyBrokerURL),
		topic:      cfg.String(KeyTopic),
		sid:        cfg.String(KeySid),
		user:       cfg.String(KeyUser),
		password:   cfg.Password(KeyPassword).Value(),
		checkpoint: -1,
		taskID:     cfg.String(KeyTaskID),
		region:     cfg.String(KeyRegion),
	}
	if cp := strings.TrimSpace(cfg.String(KeyCheckpoint)); cp != "" {
		n, err := ParseCheckpoint(cp)
		if err != nil {
			return s, &connect.ConfigError{Key: KeyCheckpoint, Value: cp, Reason: err.Error()}
		}
		s.checkpoint = n
	}
	f, err := ParseFormat(cfg.String(KeyOutputFormat))
	if err != nil {
		return s, &connect.ConfigError{Key: KeyOutputFormat, Value: cfg.String(KeyOutputFormat), Reason: err.Error()}
	}
	s.format = f
	return s, nil
}

// SASLUser is the SASL/PLAIN user DTS expects: <user>-<sid>. Like the
// official Go and Python demos, the suffix is not added when the account
// name already contains the sid.
func SASLUser(user, sid string) string {
	if strings.Contains(user, sid) {
		return user
	}
	return user + "-" + sid
}

// subject is the CloudEvents subject, in EventBridge's apparent form
// acs:dts:<region>:<account uid>:<task id>/<sid>. The account UID is not
// known to a consumer and stays empty.
func (s settings) subject() string {
	return "acs:dts:" + s.region + "::" + s.taskID + "/" + s.sid
}
