package worker

import "sync"

// gate pauses a task: while paused the poll goroutine does not poll and the
// task loop delivers nothing. Channels are swapped on each change so both
// goroutines can select on "resumed" and "paused".
type gate struct {
	mu      sync.Mutex
	paused  bool
	runC    chan struct{} // closed while running
	pausedC chan struct{} // closed while paused
}

func newGate(paused bool) *gate {
	g := &gate{runC: make(chan struct{}), pausedC: make(chan struct{})}
	g.paused = paused
	if paused {
		close(g.pausedC)
	} else {
		close(g.runC)
	}
	return g
}

func (g *gate) set(paused bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.paused == paused {
		return
	}
	g.paused = paused
	if paused {
		g.runC = make(chan struct{})
		close(g.pausedC)
	} else {
		g.pausedC = make(chan struct{})
		close(g.runC)
	}
}

// state returns whether the gate is paused, a channel closed once it runs,
// and a channel closed once it is paused.
func (g *gate) state() (bool, <-chan struct{}, <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.paused, g.runC, g.pausedC
}
