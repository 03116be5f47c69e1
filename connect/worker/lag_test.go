package worker

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/inletdev/inlet/connect"
)

// inlet_record_lag_seconds is the time from the last delivered record's
// timestamp to its delivery, on the worker's clock.
func TestRecordLagGauge(t *testing.T) {
	e := newEnv(t)
	clk := newFakeClock()
	now := clk.Now()
	for i, age := range []time.Duration{90 * time.Second, 50 * time.Second, 30 * time.Second} {
		r := connect.NewRecord("t", nil, "v")
		r.SourcePartition = map[string]any{"src": "mem"}
		r.SourceOffset = map[string]any{"pos": int64(i)}
		r.Timestamp = now.Add(-age)
		e.srcRecs = append(e.srcRecs, r)
	}
	reg := prometheus.NewRegistry()
	w, _ := e.newWorker(WithClock(clk), WithMetrics(reg))
	stop := run(t, w)
	defer stop()
	if err := w.Create(context.Background(), "p", pipe(), TargetRunning); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"pipeline": "p", "task": "0"}
	// The gauge is set just after Flush returns: wait for it, not for the sink.
	waitFor(t, "lag gauge", func() bool { v, _ := gaugeValue(reg, "inlet_record_lag_seconds", labels); return v != 0 })
	got, _ := gaugeValue(reg, "inlet_record_lag_seconds", labels)
	if got != 30 {
		t.Fatalf("inlet_record_lag_seconds = %v, want 30 (clock now minus the last record's timestamp)", got)
	}
}

// gaugeValue returns the value of the gauge name with labels, and whether it exists.
func gaugeValue(reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.Metric {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue metric
				}
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}
