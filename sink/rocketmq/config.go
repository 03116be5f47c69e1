package rocketmq

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/internal/forms"
)

// Configuration keys.
const (
	keyEndpoint     = "rocketmq.endpoint"
	keyNamespace    = "rocketmq.namespace"
	keyAccessKey    = "rocketmq.access.key"
	keySecretKey    = "rocketmq.secret.key"
	keyToken        = "rocketmq.security.token"
	keyTopic        = "rocketmq.topic"
	keyVersion      = "rocketmq.version"
	keyTLS          = "rocketmq.tls.enable"
	keySendTimeout  = "rocketmq.send.timeout.ms"
	keyMaxAttempts  = "rocketmq.send.max.attempts"
	keyParallelism  = "rocketmq.send.parallelism"
	keyBatchSize    = "rocketmq.send.batch.size"
	keyBatchBytes   = "rocketmq.send.batch.max.bytes"
	keyStartTimeout = "rocketmq.startup.timeout.ms"

	keyBody     = "message.body"
	keyKey      = "message.key"
	keyTag      = "message.tag"
	keyProps    = "message.properties"
	keyGroup    = "message.group"
	keyDelay    = "message.delay.ms"
	keyDelivery = "message.delivery.timestamp"
	keyHeaders  = "message.headers.as.properties"
)

var (
	bodyForms  = []forms.Form{forms.Original, forms.JSONPath, forms.Constant, forms.Templated}
	fieldForms = []forms.Form{forms.None, forms.JSONPath, forms.Constant, forms.Templated}
)

// endpointValidator accepts host:port, or several joined by ';' (what the
// client parses); a scheme or a missing port would be misread silently.
func endpointValidator(v any) error {
	s, _ := v.(string)
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.Contains(part, "://") {
			return fmt.Errorf("%q: give host:port without a scheme (e.g. rmq-cn-xxx.cn-hangzhou.rmq.aliyuncs.com:8080)", part)
		}
		host, port, err := net.SplitHostPort(part)
		if err != nil || host == "" {
			return fmt.Errorf("%q: want host:port", part)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q: the port must be a number from 1 to 65535", part)
		}
	}
	return nil
}

func versionValidator(v any) error {
	s, _ := v.(string)
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "5.x", "5":
		return nil
	case "4.x", "4":
		return fmt.Errorf("RocketMQ 4.x is not supported yet: this sink speaks the 5.x gRPC protocol (apache/rocketmq-clients), which 4.x instances do not offer; " +
			"a 4.x instance needs the remoting protocol, which inlet does not implement. Use a 5.x instance (set 5.x)")
	}
	return fmt.Errorf("must be 5.x (4.x is not supported yet)")
}

// ConfigDef declares the sink's keys.
func ConfigDef() *connect.ConfigDef {
	keys := []connect.ConfigKey{
		{Name: keyEndpoint, Required: true, Importance: connect.High, Validator: connect.All(connect.NonEmpty(), endpointValidator), Group: "Connection",
			Doc: "The RocketMQ 5.x gRPC endpoint, host:port (ApsaraMQ for RocketMQ: the instance's endpoint, e.g. rmq-cn-xxx.cn-hangzhou.rmq.aliyuncs.com:8080)."},
		{Name: keyNamespace, Group: "Connection", Doc: "Resource namespace of the topic (the instance ID on instances that use namespaces); empty for none."},
		{Name: keyAccessKey, Group: "Connection", Doc: "Access key (the instance username on ApsaraMQ); empty for an endpoint without authentication."},
		{Name: keySecretKey, Type: connect.TypePassword, Group: "Connection", Doc: "Secret key (the instance password on ApsaraMQ). Requests are signed with HMAC-SHA1."},
		{Name: keyToken, Type: connect.TypePassword, Group: "Connection",
			Doc: "Not supported: setting it is a configuration error. The RocketMQ Go client (v5.1.3) never sends a security token, so temporary (STS) credentials cannot authenticate; use the instance's access key and secret key."},
		{Name: keyTopic, Required: true, Importance: connect.High, Validator: connect.NonEmpty(), Group: "Connection",
			Doc: "The topic every message is sent to. Point a dead-letter queue elsewhere with errors.deadletterqueue.rocketmq.topic."},
		{Name: keyVersion, Default: "5.x", Validator: versionValidator, Group: "Connection",
			Doc: "The RocketMQ version of the instance. Only 5.x is supported; 4.x (remoting protocol) is rejected with an explanation."},
		{Name: keyTLS, Type: connect.TypeBoolean, Default: "true", Group: "Connection",
			Doc: "Use TLS to the endpoint (the Go client does not verify the server certificate). The client has one process-wide switch, so all RocketMQ sinks in a worker must agree."},
		{Name: keySendTimeout, Type: connect.TypeInt, Default: "3000", Validator: connect.Between(100, 600000), Group: "Delivery",
			Doc: "Timeout of one request to the endpoint (send, route query), in ms."},
		{Name: keyMaxAttempts, Type: connect.TypeInt, Default: "3", Validator: connect.Between(1, 16), Group: "Delivery",
			Doc: "Attempts per send request before the failure is handed to the pipeline's retry policy (errors.retry.policy), each on the next candidate queue. " +
				"For messages sent one at a time through the client (delay messages, batch size 1), a retry policy the broker sends in its settings replaces it; batched requests always use this."},
		{Name: keyParallelism, Type: connect.TypeInt, Default: "16", Validator: connect.Between(1, 1024), Group: "Delivery",
			Doc: "Most send requests in flight at once. Messages of one message group are always sent one request after another, in record order."},
		{Name: keyBatchSize, Type: connect.TypeInt, Default: "100", Validator: connect.Between(1, 10000), Group: "Delivery",
			Doc: "Most messages per SendMessage request. Normal messages of a Put, and FIFO messages of one message group, are sent many per request; " +
				"delay messages always one per request (brokers refuse timer messages in batches). 1 sends every message alone through the official client's Producer.Send. " +
				"When a batch is refused with an answer that may concern one message, its messages are sent again one per request, so each record gets its own result."},
		{Name: keyBatchBytes, Type: connect.TypeInt, Default: "4194304", Validator: connect.Between(1024, 4<<20), Group: "Delivery",
			Doc: "Most bytes per SendMessage request, encoded (bodies, properties and headers of its messages). The default and maximum, 4 MiB, is both a broker's default " +
				"maximum message size (the limit on a batch's total) and gRPC's default maximum request a server receives; lower it if the broker's maxMessageSize is lower. " +
				"A message larger than this is sent alone."},
		{Name: keyStartTimeout, Type: connect.TypeInt, Default: "15000", Validator: connect.Between(1000, 600000), Group: "Delivery",
			Doc: "How long starting the producer (route query and settings handshake) may take, in ms, before the task fails with an error naming the endpoint."},
		{Name: keyDelay, Type: connect.TypeLong, Default: "0", Validator: connect.Between(0, 40*24*3600*1000), Group: "Message mapping",
			Doc: "Deliver every message this many ms after it is sent (a delay message); 0 = at once. Exclusive with message.delivery.timestamp.* and message.group.*."},
	}
	keys = append(keys, connect.ConfigKey{Name: keyHeaders, Type: connect.TypeBoolean, Default: "false", Group: "Message mapping",
		Doc: "Copy the record's headers into user properties (text as is, other values as text; message.properties wins on a clash). " +
			"For a dead-letter queue with errors.deadletterqueue.context.headers.enable=true this carries the __connect.errors.* context."})
	keys = append(keys, forms.ConfigKeys(keyBody, "the message body", "A JSONPath that finds nothing, or an empty body, fails the record.", forms.Original, bodyForms...)...)
	keys = append(keys, forms.ConfigKeys(keyKey, "the message key", "A JSONPath that selects an array gives one key per element.", forms.None, fieldForms...)...)
	keys = append(keys, forms.ConfigKeys(keyTag, "the message tag", "", forms.None, fieldForms...)...)
	keys = append(keys, forms.ConfigKeys(keyProps, "the user properties", "The result must be a JSON object; each member becomes a property (EB_SYS_EMBED_OBJECT merges an object variable's members).", forms.None, fieldForms...)...)
	keys = append(keys, forms.ConfigKeys(keyGroup, "the message group", "Setting it makes messages FIFO (ordered per group); a record whose group is not found fails.", forms.None, fieldForms...)...)
	keys = append(keys, forms.ConfigKeys(keyDelivery, "the delivery time", "Epoch milliseconds or RFC 3339; setting it makes messages delay messages.", forms.None, fieldForms...)...)
	def := connect.NewConfigDef(keys...)
	def.Check(func(c connect.Config) connect.ConfigErrors {
		_, errs := newMapping(c, nil)
		return append(credentialErrors(c), errs...)
	})
	return def
}

// credentialErrors rejects credentials the client would not use as the user
// expects: a security token (the client never sends one) and an access key
// without its secret or the other way round (the client signs every
// request, so half a pair fails authentication at startup with a less
// helpful error). Values are secrets and are never echoed.
func credentialErrors(c connect.Config) connect.ConfigErrors {
	var errs connect.ConfigErrors
	if c.Password(keyToken).Value() != "" {
		errs = append(errs, &connect.ConfigError{Key: keyToken,
			Reason: "is not supported: the RocketMQ Go client (v5.1.3) never sends a security token, so temporary (STS) credentials cannot authenticate; " +
				"remove it and use the instance's " + keyAccessKey + " and " + keySecretKey})
	}
	ak, sk := c.String(keyAccessKey) != "", c.Password(keySecretKey).Value() != ""
	switch {
	case ak && !sk:
		errs = append(errs, &connect.ConfigError{Key: keySecretKey, Reason: "is required when " + keyAccessKey + " is set (requests are signed with both)"})
	case sk && !ak:
		errs = append(errs, &connect.ConfigError{Key: keyAccessKey, Reason: "is required when " + keySecretKey + " is set (requests are signed with both)"})
	}
	return errs
}
