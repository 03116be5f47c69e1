package worker

import (
	"errors"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the worker's Prometheus collectors, named after Kafka
// Connect's (source-record-poll-total → inlet_source_record_poll_total).
type metrics struct {
	poll, write, send, read        *prometheus.CounterVec
	putTime, batchSize, commitTime *prometheus.HistogramVec
	transformTime                  *prometheus.HistogramVec
	commitOK, commitFail           *prometheus.CounterVec
	taskErrors, retries, skipped   *prometheus.CounterVec
	dlqReq, dlqFail, restarts      *prometheus.CounterVec
	status, lag                    *prometheus.GaugeVec
}

var taskLabels = []string{"pipeline", "task"}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, taskLabels)
	}
	m := &metrics{
		poll:       counter("inlet_source_record_poll_total", "Records returned by the source's Poll (Kafka Connect source-record-poll-total)."),
		write:      counter("inlet_source_record_write_total", "Records of a source pipeline accepted by the sink after transforms, filtered records not counted (source-record-write-total)."),
		read:       counter("inlet_sink_record_read_total", "Records read by a sink pipeline before transforms (sink-record-read-total)."),
		send:       counter("inlet_sink_record_send_total", "Records of a sink pipeline accepted by the sink after transforms (sink-record-send-total)."),
		commitOK:   counter("inlet_offset_commit_success_total", "Offset commits that stored offsets."),
		commitFail: counter("inlet_offset_commit_failure_total", "Offset commits that failed (retried at the next interval)."),
		taskErrors: counter("inlet_task_errors_total", "Record or task failures after retries (task-error-metrics total-record-errors)."),
		retries:    counter("inlet_task_retries_total", "Retries of a failed operation (total-retries)."),
		skipped:    counter("inlet_records_skipped_total", "Records skipped under errors.tolerance=all (total-records-skipped)."),
		dlqReq:     counter("inlet_deadletterqueue_produce_requests_total", "Records sent to the dead-letter queue."),
		dlqFail:    counter("inlet_deadletterqueue_produce_failures_total", "Dead-letter queue writes that failed."),
		restarts:   counter("inlet_task_restarts_total", "Automatic restarts of a FAILED task (errors.restart.max.attempts)."),
		putTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "inlet_put_batch_time_seconds",
			Help: "Time of one Put+Flush of a batch (put-batch-time).", Buckets: prometheus.ExponentialBuckets(0.00001, 4, 12)}, taskLabels),
		transformTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "inlet_transform_batch_time_seconds",
			Help: "Time of one batch through the converters and the transform chain, retries included; with one lane (batch.transform.concurrency=1) the task loop waits this long per batch.", Buckets: prometheus.ExponentialBuckets(0.00001, 4, 12)}, taskLabels),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "inlet_batch_size",
			Help: "Records per batch as polled (batch-size).", Buckets: prometheus.ExponentialBuckets(1, 4, 8)}, taskLabels),
		commitTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "inlet_offset_commit_time_seconds",
			Help: "Time to store offsets (offset-commit-time).", Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10)}, taskLabels),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "inlet_record_lag_seconds",
			Help: "End-to-end lag: time from the last delivered record's timestamp (the change's commit time for CDC sources) to its delivery."}, taskLabels),
		status: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "inlet_task_status",
			Help: "1 for the task's current state (UNASSIGNED, STARTING, RUNNING, PAUSED, FAILED, RESTARTING), 0 for the others."},
			[]string{"pipeline", "task", "state"}),
	}
	for _, c := range []any{&m.poll, &m.write, &m.read, &m.send, &m.commitOK, &m.commitFail, &m.taskErrors, &m.retries,
		&m.skipped, &m.dlqReq, &m.dlqFail, &m.restarts, &m.putTime, &m.transformTime, &m.batchSize, &m.commitTime, &m.status, &m.lag} {
		if err := register(reg, c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// register registers *c, or, when an identical collector is already
// registered (two workers sharing a registry), uses that one.
func register(reg prometheus.Registerer, c any) error {
	var col prometheus.Collector
	switch x := c.(type) {
	case **prometheus.CounterVec:
		col = *x
	case **prometheus.HistogramVec:
		col = *x
	case **prometheus.GaugeVec:
		col = *x
	}
	err := reg.Register(col)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		switch x := c.(type) {
		case **prometheus.CounterVec:
			*x = are.ExistingCollector.(*prometheus.CounterVec)
		case **prometheus.HistogramVec:
			*x = are.ExistingCollector.(*prometheus.HistogramVec)
		case **prometheus.GaugeVec:
			*x = are.ExistingCollector.(*prometheus.GaugeVec)
		}
		return nil
	}
	return err
}

// taskMetrics are one task's children, resolved once at task start so the
// hot loop adds to counters without label lookups.
type taskMetrics struct {
	polled, delivered                         prometheus.Counter
	putTime, batchSize, commitTime            prometheus.Observer
	transformTime                             prometheus.Observer
	commitOK, commitFail                      prometheus.Counter
	errors, retries, skipped, dlqReq, dlqFail prometheus.Counter
	restarts                                  prometheus.Counter
	lag                                       prometheus.Gauge
}

func (m *metrics) forTask(pipeline string, task int, sourceSide bool) taskMetrics {
	l := []string{pipeline, strconv.Itoa(task)}
	tm := taskMetrics{
		putTime:       m.putTime.WithLabelValues(l...),
		transformTime: m.transformTime.WithLabelValues(l...),
		batchSize:     m.batchSize.WithLabelValues(l...),
		commitTime:    m.commitTime.WithLabelValues(l...),
		commitOK:      m.commitOK.WithLabelValues(l...),
		commitFail:    m.commitFail.WithLabelValues(l...),
		errors:        m.taskErrors.WithLabelValues(l...),
		retries:       m.retries.WithLabelValues(l...),
		skipped:       m.skipped.WithLabelValues(l...),
		dlqReq:        m.dlqReq.WithLabelValues(l...),
		dlqFail:       m.dlqFail.WithLabelValues(l...),
		restarts:      m.restarts.WithLabelValues(l...),
		lag:           m.lag.WithLabelValues(l...),
	}
	if sourceSide {
		tm.polled, tm.delivered = m.poll.WithLabelValues(l...), m.write.WithLabelValues(l...)
	} else {
		tm.polled, tm.delivered = m.read.WithLabelValues(l...), m.send.WithLabelValues(l...)
	}
	return tm
}

var allStates = []State{StateUnassigned, StateStarting, StateRunning, StatePaused, StateFailed, StateRestarting}

func (m *metrics) setStatus(pipeline string, task int, s State) {
	t := strconv.Itoa(task)
	for _, st := range allStates {
		v := 0.0
		if st == s {
			v = 1
		}
		m.status.WithLabelValues(pipeline, t, string(st)).Set(v)
	}
}

// forget removes a deleted pipeline's series.
func (m *metrics) forget(pipeline string) {
	l := prometheus.Labels{"pipeline": pipeline}
	for _, v := range []*prometheus.CounterVec{m.poll, m.write, m.read, m.send, m.commitOK, m.commitFail, m.taskErrors, m.retries, m.skipped, m.dlqReq, m.dlqFail, m.restarts} {
		v.DeletePartialMatch(l)
	}
	for _, v := range []*prometheus.HistogramVec{m.putTime, m.transformTime, m.batchSize, m.commitTime} {
		v.DeletePartialMatch(l)
	}
	m.status.DeletePartialMatch(l)
	m.lag.DeletePartialMatch(l)
}
