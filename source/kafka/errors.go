package kafka

import (
	"errors"

	"github.com/inletdev/inlet/connect"
	"github.com/twmb/franz-go/pkg/kerr"
)

// ErrClosed is returned by Poll after Close.
var ErrClosed = errors.New("kafka source: closed")

// ErrBadOffset is wrapped when Commit gets an offset that is not one of
// this source's ({"kafka_topic","kafka_partition"} → {"kafka_offset"}).
var ErrBadOffset = errors.New("kafka source: not a kafka source offset")

func classify(err error) error {
	if kerr.IsRetriable(err) {
		return connect.Retriable(err)
	}
	return err
}
