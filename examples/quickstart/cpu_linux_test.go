//go:build linux

package quickstart

import (
	"syscall"
	"time"
)

// processCPU is the process's CPU time (user + system, all threads): on a
// shared machine, records per CPU-second is the steadier per-core figure.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
