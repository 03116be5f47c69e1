package dts

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A DTS endpoint can move to another Kafka cluster (a disaster-recovery
// switch) behind the same address. Offsets of the old cluster mean nothing
// in the new one: reading on at the old offset would skip or repeat data
// silently. The DTS SDK watches the cluster ID, and when it changes builds
// a new consumer and re-seeks by the source timestamp of the last record it
// read. This source does the same:
//
//   - The cluster ID is read at start and checked again before Poll hands
//     on records fetched after the client (re)connected to a broker (a
//     switch drops the connections, so records of a new cluster arrive only
//     over a new connection), after fetch errors, and every
//     clusterCheckInterval.
//   - On a change it logs a warning, closes the consumer, looks up the
//     first record of the second of the last record read (offsets for times,
//     in seconds, as DTS expects) and consumes from there with a new
//     consumer. Records of that second are read again: at-least-once.
//   - Source offsets name their cluster. Commit ignores other clusters'
//     offsets and commits nothing of the new cluster until the records the
//     old one emitted are delivered; a start whose stored offset names
//     another cluster seeks by its timestamp instead of using the offset.

// clusterCheckInterval bounds how long a cluster switch that kept the
// connections open (e.g. behind a proxy) goes unnoticed.
const clusterCheckInterval = 30 * time.Second

// connWatch is a kgo hook that notes every new broker connection: the
// records fetched over it may come from another cluster.
type connWatch struct{ connected atomic.Bool }

func (w *connWatch) OnBrokerConnect(_ kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	if err == nil {
		w.connected.Store(true)
	}
}

var _ kgo.HookBrokerConnect = (*connWatch)(nil)

// fetchClusterID asks a broker for the cluster ID (a Metadata request for
// no topics). "" means the broker does not report one.
func fetchClusterID(ctx context.Context, cl *kgo.Client) (string, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return "", err
	}
	if resp.ClusterID == nil {
		return "", nil
	}
	return *resp.ClusterID, nil
}

// clusterChanged reports whether the records of this poll must be checked
// against the cluster ID, and checks it: after a new connection, a fetch
// error, or clusterCheckInterval. The connection flag is cleared before the
// check, so a connection made during it is checked again next time.
func (t *task) clusterChanged(ctx context.Context, fetchErr bool) (string, bool, error) {
	if t.cluster == "" {
		return "", false, nil // the broker reports no cluster ID
	}
	if !t.watch.connected.Swap(false) && !fetchErr && time.Since(t.clusterChecked) < clusterCheckInterval {
		return "", false, nil
	}
	// Not cut short by the end of ctx: the answer decides whether the
	// records already fetched may be handed on.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	id, err := fetchClusterID(cctx, t.currentClient())
	if err != nil {
		t.watch.connected.Store(true) // check again at the next poll
		return "", false, t.connErr("reading the cluster ID of", err)
	}
	t.clusterChecked = time.Now()
	return id, id != t.cluster, nil
}

// switchCluster moves the task to the cluster now behind the endpoint: a
// new consumer positioned at the first record of the second of the last
// record read. The records fetched from the old client are dropped.
func (t *task) switchCluster(ctx context.Context, newID string) error {
	t.mu.Lock()
	ts := t.consumedTS
	oldNext := t.consumedNext
	// Records emitted from the old cluster may still be on their way to the
	// sink; until Commit sees them delivered, no position of the new
	// cluster is committed (a restart would skip them).
	t.draining = t.emittedAny && t.deliveredNext < t.emittedNext
	t.drainUntil = t.emittedNext
	oldCluster := t.cluster
	t.mu.Unlock()

	admCl, err := kgo.NewClient(t.clientOpts()...)
	if err != nil {
		return fmt.Errorf("dts: client for %s: %w", t.s.broker, err)
	}
	adm := kadm.NewClient(admCl)
	defer adm.Close()
	next, err := t.seekTimestamp(ctx, adm, ts)
	if err != nil {
		return err
	}
	t.log.Warn("the DTS endpoint switched to another Kafka cluster (disaster recovery): offsets of the old cluster are not used; "+
		"re-reading from the last source second read, whose records are delivered again",
		"old_cluster", oldCluster, "new_cluster", newID, "sourceTimestamp", ts, "old_next_offset", oldNext, "new_offset", next)

	t.mu.Lock()
	t.cluster, t.clusterValue = newID, newID
	t.consumedNext, t.emittedNext, t.deliveredNext = next, next, next
	t.emittedAny = false
	t.committed = -1
	t.mu.Unlock()
	return t.restartConsumer()
}

// seekTimestamp finds the first record at or after ts (Unix seconds, as
// DTS reads offsets-for-times lookups). ts < 0 (nothing read since a start
// at the earliest data) means the earliest data held. A new cluster whose
// data begins after ts may lack records that were never read: that stops
// the task rather than skip them.
func (t *task) seekTimestamp(ctx context.Context, adm *kadm.Client, ts int64) (int64, error) {
	earliest, end, err := t.bounds(ctx, adm)
	if err != nil || ts < 0 {
		return earliest, err
	}
	offset, found, err := t.lookupTime(ctx, adm, ts)
	if err != nil {
		return 0, err
	}
	switch {
	case offset < 0 || offset >= end:
		return end, nil // nothing from that second on yet: read what comes
	case offset == earliest && found > ts:
		return 0, fmt.Errorf("%w: after a cluster switch, topic %q holds data only from %s UTC, after the last record read (%s UTC): "+
			"records in between may be missing; check the change-tracking task, then reset the consumer group's position in the DTS console",
			ErrCheckpointOutOfRange, t.s.topic, time.Unix(found, 0).UTC().Format(time.DateTime), time.Unix(ts, 0).UTC().Format(time.DateTime))
	}
	return offset, nil
}

// offsetCluster is the cluster a stored source offset names ("" for none).
func offsetCluster(o map[string]any) string {
	s, _ := o["cluster"].(string)
	return s
}

// metadataTS reads the source timestamp a commit stored as metadata.
func metadataTS(meta string) (int64, bool) {
	n, err := strconv.ParseInt(meta, 10, 64)
	return n, err == nil && n >= 0 && n <= maxCheckpoint
}

// refetch drops what the consumer fetched (its cluster could not be
// checked) by starting a new consumer at the position after the last
// record handed on, and returns err; the next Poll checks again.
func (t *task) refetch(err error) error {
	if rerr := t.restartConsumer(); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

// restartConsumer replaces the consumer by a new one starting at
// t.consumedNext. Commit may run meanwhile: it finds no client and skips.
func (t *task) restartConsumer() error {
	t.mu.Lock()
	old := t.cl
	t.cl = nil
	t.mu.Unlock()
	old.Close()
	cl, err := t.newConsumer()
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.cl = cl
	t.mu.Unlock()
	t.watch.connected.Store(true) // the new client's records are checked too
	return nil
}
