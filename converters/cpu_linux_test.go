//go:build linux

package converters

import (
	"syscall"
	"testing"
	"time"
)

// cpuClock measures the process's CPU time (user + system, every thread,
// so GC work counts), which on a shared, busy machine is a steadier
// per-core cost than wall time. Call the returned func after the loop.
func cpuClock(b *testing.B) func() {
	start := processCPU()
	return func() {
		used := processCPU() - start
		if used <= 0 || b.N == 0 {
			return
		}
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(b.N)/used.Seconds(), "records/cpu-s")
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
