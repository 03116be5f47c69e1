package worker

import (
	"time"

	"github.com/inletdev/inlet/connect"
)

// State is a Kafka Connect connector or task state.
type State string

// Kafka Connect's states. Only a pipeline (connector) can be STOPPED.
const (
	StateUnassigned State = "UNASSIGNED"
	StateStarting   State = "STARTING"
	StateRunning    State = "RUNNING"
	StatePaused     State = "PAUSED"
	StateStopped    State = "STOPPED"
	StateFailed     State = "FAILED"
	StateRestarting State = "RESTARTING"
)

// TargetState is what the user asked a pipeline to be (Kafka's target
// states, with RUNNING for STARTED as the REST API spells it).
type TargetState string

// Target states.
const (
	TargetRunning TargetState = "RUNNING"
	TargetPaused  TargetState = "PAUSED"
	TargetStopped TargetState = "STOPPED"
)

// PipelineStatus is a pipeline's status (Kafka Connect's StatusObj plus
// inlet's headline figures).
type PipelineStatus struct {
	Name      string
	Type      string // "source" or "sink": the kind of connector.class
	Connector ConnectorStatus
	Tasks     []TaskStatus
}

// ConnectorStatus is the state of the pipeline as a whole.
type ConnectorStatus struct {
	State    State
	WorkerID string
	Trace    string // why it FAILED; "" otherwise
}

// TaskStatus is one task's state and figures.
type TaskStatus struct {
	ID       int
	State    State
	WorkerID string
	// Trace is the failure message and its cause chain (FAILED only).
	Trace string

	// Headline figures.
	RecordsPolled    int64   // records the source returned
	RecordsDelivered int64   // records the sink accepted (after transforms)
	RecordsSkipped   int64   // tolerated failures
	RecordsPerSecond float64 // delivered, over the last few seconds
	LastError        string  // last error seen, tolerated or not
	LastErrorTime    time.Time
	Progress         []connect.Progress // long-running work the task reported
}
