//go:build !linux

package quickstart

import "time"

func processCPU() time.Duration { return 0 }
