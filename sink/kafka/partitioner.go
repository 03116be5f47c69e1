package kafka

import "github.com/twmb/franz-go/pkg/kgo"

// Murmur2 is the Java client's murmur2 hash (org.apache.kafka.common.utils
// .Utils.murmur2), as a uint32; Java returns the same bits as an int.
func Murmur2(b []byte) uint32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	h := seed ^ uint32(len(b))
	for len(b) >= 4 {
		k := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		b = b[4:]
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	switch len(b) {
	case 3:
		h ^= uint32(b[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(b[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(b[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

// JavaPartition is the Java default partitioner's choice for a non-null
// key: toPositive(murmur2(key)) % numPartitions.
func JavaPartition(key []byte, numPartitions int) int {
	return int(Murmur2(key)&0x7fffffff) % numPartitions
}

// partitioner reproduces the Java producer's default partitioning (KIP-794,
// Kafka 3.3+): an explicit record partition wins, a non-null key goes to
// murmur2(key) over all partitions, and a null key uses the uniform sticky
// partitioner. Keys therefore land where they did under Kafka Connect.
type partitioner struct{ sticky kgo.Partitioner }

func newPartitioner() kgo.Partitioner {
	// adaptive=true is Java's partitioner.adaptive.partitioning.enable
	// default; keys are handled here, so the inner one sees null keys only.
	return partitioner{kgo.UniformBytesPartitioner(16<<10, true, false, nil)}
}

func (p partitioner) ForTopic(t string) kgo.TopicPartitioner {
	return &topicPartitioner{sticky: p.sticky.ForTopic(t).(kgo.TopicBackupPartitioner)}
}

type topicPartitioner struct{ sticky kgo.TopicBackupPartitioner }

// RequiresConsistency: explicit partitions and keys must map over every
// partition, available or not, as in Java.
func (p *topicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return r.Partition >= 0 || r.Key != nil
}

func (p *topicPartitioner) Partition(r *kgo.Record, n int) int {
	panic("unreachable: PartitionByBackup is used")
}

func (p *topicPartitioner) PartitionByBackup(r *kgo.Record, n int, backup kgo.TopicBackupIter) int {
	switch {
	case r.Partition >= 0:
		return int(r.Partition) // out of range: franz-go fails the record, we report it permanent
	case r.Key != nil:
		return JavaPartition(r.Key, n)
	}
	return p.sticky.PartitionByBackup(r, n, backup)
}

func (p *topicPartitioner) OnNewBatch() {
	if nb, ok := p.sticky.(kgo.TopicPartitionerOnNewBatch); ok {
		nb.OnNewBatch()
	}
}
