package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/inletdev/inlet/connect"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ErrNotBytes is wrapped when a record's key, value or a header is not
// bytes: the runtime serializes with the pipeline's converters before Put,
// so this means a converter produced something else.
var ErrNotBytes = errors.New("kafka sink: expected bytes")

// ErrFenced is wrapped when another instance of the same pipeline task
// started with the same transactional id: this one is a zombie and stops.
var ErrFenced = errors.New("kafka sink: fenced by a newer instance of this task")

// permanentKafka are broker answers that no retry can fix.
var permanentKafka = []error{
	kerr.MessageTooLarge, kerr.RecordListTooLarge, kerr.InvalidRecord, kerr.CorruptMessage,
	kerr.TopicAuthorizationFailed, kerr.ClusterAuthorizationFailed, kerr.TransactionalIDAuthorizationFailed,
	kerr.InvalidTopicException, kerr.InvalidRequiredAcks, kerr.UnsupportedVersion, kerr.PolicyViolation,
	kerr.InvalidReplicationFactor, kerr.InvalidPartitions, kerr.InvalidConfig, kerr.UnsupportedForMessageFormat,
	kerr.SaslAuthenticationFailed,
}

// classify marks a produce error for the runtime: Permanent when retrying
// cannot help (the runtime applies errors.tolerance at once), Retriable when
// it is transient (broker down, leader moving, timeouts).
func classify(err error) error {
	if err == nil {
		return nil
	}
	if isFenced(err) {
		return connect.Permanent(fmt.Errorf("%w: %v", ErrFenced, err))
	}
	for _, p := range permanentKafka {
		if errors.Is(err, p) {
			return connect.Permanent(err)
		}
	}
	if strings.Contains(err.Error(), "invalid record partitioning choice") {
		return connect.Permanent(fmt.Errorf("record partition does not exist: %w", err))
	}
	var ne net.Error
	if kerr.IsRetriable(err) || errors.Is(err, kgo.ErrRecordTimeout) || errors.Is(err, kgo.ErrRecordRetries) ||
		errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) || errors.Is(err, kerr.UnknownTopicOrPartition) {
		return connect.Retriable(err)
	}
	return err
}

func isFenced(err error) bool {
	return errors.Is(err, kerr.ProducerFenced) || errors.Is(err, kerr.InvalidProducerEpoch) ||
		errors.Is(err, kerr.TransactionalIDNotFound) || errors.Is(err, kerr.InvalidProducerIDMapping)
}
