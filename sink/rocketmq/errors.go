package rocketmq

import (
	"errors"
	"fmt"
	"strings"

	rmq "github.com/apache/rocketmq-clients/golang/v5"
	v2 "github.com/apache/rocketmq-clients/golang/v5/protocol/v2"

	"github.com/inletdev/inlet/connect"
)

// errNotFound says a required field produced nothing.
var errNotFound = errors.New("found nothing in the event")

// errInvalidUTF8 is a user property, key, tag or message group that a
// protobuf string cannot carry.
var errInvalidUTF8 = errors.New("is not valid UTF-8, which RocketMQ's message properties (protobuf strings) cannot carry")

// mappingErr is a record the mapping cannot turn into a message: retrying
// cannot help, so it is permanent.
func mappingErr(field string, err error) error {
	return connect.Permanent(fmt.Errorf("rocketmq: %s: %w", field, err))
}

// permanentCodes are broker answers that a retry of the same message cannot
// change: the message itself is wrong or the broker cannot take it.
var permanentCodes = map[v2.Code]bool{
	v2.Code_BAD_REQUEST:                         true,
	v2.Code_ILLEGAL_TOPIC:                       true,
	v2.Code_ILLEGAL_MESSAGE_TAG:                 true,
	v2.Code_ILLEGAL_MESSAGE_KEY:                 true,
	v2.Code_ILLEGAL_MESSAGE_GROUP:               true,
	v2.Code_ILLEGAL_MESSAGE_PROPERTY_KEY:        true,
	v2.Code_ILLEGAL_MESSAGE_ID:                  true,
	v2.Code_ILLEGAL_DELIVERY_TIME:               true,
	v2.Code_MESSAGE_PROPERTY_CONFLICT_WITH_TYPE: true,
	v2.Code_MESSAGE_CORRUPTED:                   true,
	v2.Code_PAYLOAD_TOO_LARGE:                   true,
	v2.Code_MESSAGE_BODY_TOO_LARGE:              true,
	v2.Code_MESSAGE_BODY_EMPTY:                  true,
	v2.Code_MESSAGE_PROPERTIES_TOO_LARGE:        true,
	v2.Code_REQUEST_HEADER_FIELDS_TOO_LARGE:     true,
	v2.Code_PRECONDITION_FAILED:                 true,
	v2.Code_NOT_IMPLEMENTED:                     true,
	v2.Code_UNSUPPORTED:                         true,
	v2.Code_VERSION_UNSUPPORTED:                 true,
	v2.Code_VERIFY_FIFO_MESSAGE_UNSUPPORTED:     true,
}

// sendErr wraps a failed send, marking what retrying cannot fix as
// permanent. Everything else (throttling, timeouts, broker errors, dropped
// connections, authentication, a missing topic) is retried under the
// pipeline's policy: those conditions can change.
func sendErr(topic string, err error) error {
	wrapped := fmt.Errorf("rocketmq: send to topic %q: %w", topic, err)
	if st, ok := rmq.AsErrRpcStatus(err); ok {
		if permanentCodes[v2.Code(st.GetCode())] {
			return connect.Permanent(wrapped)
		}
		return wrapped
	}
	msg := err.Error()
	// client-side checks on the message itself
	if strings.Contains(msg, "message body size exceeds") || strings.Contains(msg, "message type not match") {
		return connect.Permanent(wrapped)
	}
	return wrapped
}

// batchLevelCodes are broker answers about a whole request, not one of its
// messages: resending a failed batch one message per request would only
// get the same answer for each (and hit a throttled or failing broker once
// per message).
var batchLevelCodes = map[v2.Code]bool{
	v2.Code_TOO_MANY_REQUESTS:          true,
	v2.Code_UNAUTHORIZED:               true,
	v2.Code_FORBIDDEN:                  true,
	v2.Code_PAYMENT_REQUIRED:           true,
	v2.Code_TOPIC_NOT_FOUND:            true,
	v2.Code_ILLEGAL_TOPIC:              true,
	v2.Code_ILLEGAL_ACCESS_POINT:       true,
	v2.Code_CLIENT_ID_REQUIRED:         true,
	v2.Code_UNRECOGNIZED_CLIENT_TYPE:   true,
	v2.Code_NOT_IMPLEMENTED:            true,
	v2.Code_UNSUPPORTED:                true,
	v2.Code_VERSION_UNSUPPORTED:        true,
	v2.Code_REQUEST_TIMEOUT:            true,
	v2.Code_PROXY_TIMEOUT:              true,
	v2.Code_MASTER_PERSISTENCE_TIMEOUT: true,
	v2.Code_SLAVE_PERSISTENCE_TIMEOUT:  true,
	v2.Code_HA_NOT_AVAILABLE:           true,
}

// errClosed is a send after the task's producer was released.
var errClosed = errors.New("the producer is closed")

// notSent is the error of a FIFO message held back because an earlier
// message of its group failed: sending it would let it overtake that one.
// It is retriable whatever the earlier failure was, so the earlier error is
// quoted, not wrapped.
func notSent(earlier error) error {
	return fmt.Errorf("rocketmq: not sent because an earlier message of its group failed (kept in order): %v", earlier)
}
