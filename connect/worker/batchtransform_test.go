package worker

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/inletdev/inlet/connect"
)

// mergeT is a BatchTransformation that merges each batch it is given into
// one record (values joined with "+"), the case where outputs cannot be
// attributed to one input.
type mergeT struct{}

func (mergeT) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) { return r, nil }
func (mergeT) ApplyBatch(ctx context.Context, recs []*connect.Record) ([]*connect.Record, error) {
	vals := make([]string, len(recs))
	for i, r := range recs {
		vals[i] = r.Value.(string)
	}
	m := recs[len(recs)-1].Clone()
	m.Value = strings.Join(vals, "+")
	return []*connect.Record{m}, nil
}

// valueIn is a predicate true for the values listed.
type valueIn []string

func (v valueIn) Test(r *connect.Record) bool {
	for _, s := range v {
		if r.Value == s {
			return true
		}
	}
	return false
}

func registerMerge(e *env) {
	e.reg.Register(connect.Plugin{Kind: connect.KindTransform, Name: "Merge",
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) { return mergeT{}, nil }})
	e.reg.Register(connect.Plugin{Kind: connect.KindPredicate, Name: "ValueIn",
		Config:       connect.NewConfigDef(connect.ConfigKey{Name: "values", Type: connect.TypeList, Required: true}),
		NewPredicate: func(cfg connect.Config) (connect.Predicate, error) { return valueIn(cfg.List("values")), nil }})
}

// A batch transform with a predicate: records it skips keep their place,
// and each selected record's outputs stand where that record stood.
func TestBatchTransformationKeepsOrderWithPredicate(t *testing.T) {
	for _, c := range []struct {
		name, typ string
		want      []string
	}{
		// Split doubles each record: per-record semantics exactly.
		{"split", "Split", []string{"v0a", "v0b", "v1", "v2a", "v2b", "v3a", "v3b", "v4", "v5a", "v5b"}},
		// Merge cannot be attributed: each run of selected records is
		// merged on its own, between its unselected neighbours.
		{"merge", "Merge", []string{"v0", "v1", "v2+v3", "v4", "v5"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			registerMerge(e)
			w, _ := e.newWorker()
			stop := run(t, w)
			// One poll of 6 records, one batch; the stage skips v1 and v4.
			if err := w.Create(context.Background(), "p", pipe("count", "6",
				"transforms", "s", "transforms.s.type", c.typ,
				"transforms.s.predicate", "skip", "transforms.s.negate", "true",
				"predicates", "skip", "predicates.skip.type", "ValueIn", "predicates.skip.values", "v1,v4"), TargetRunning); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "all records", func() bool { return len(e.values()) >= len(c.want) })
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if got := e.values(); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v\nwant %v", got, c.want)
			}
			if p := storedPos(t, w, "p"); p != 5 {
				t.Fatalf("stored offset %d, want 5", p)
			}
		})
	}
}

// An output of a batch transform fails in the sink. From a one-record run
// (the predicate skipped its neighbours) it is attributed to that record;
// from a longer run it cannot be, and every input of the run is
// dead-lettered (once each), never a guessed one.
func TestBatchTransformationFailureAttribution(t *testing.T) {
	for _, c := range []struct {
		name, typ string
		skip      string
		fail      []string
		wantDLQ   []string
		wantOK    []string
	}{
		{"merged inputs", "Merge", "v1", []string{"v2+v3"}, []string{"v2", "v3"}, []string{"v0", "v1"}},
		{"both halves of a split", "Split", "v1,v3", []string{"v2a", "v2b"}, []string{"v2"}, []string{"v0a", "v0b", "v1", "v3"}},
		{"one output of a split run", "Split", "v1", []string{"v3b"}, []string{"v2", "v3"}, []string{"v0a", "v0b", "v1", "v2a", "v2b", "v3a"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			registerMerge(e)
			e.failPut = func(r *connect.Record, attempt int) error {
				if valueIn(c.fail).Test(r) {
					return connect.Permanent(errors.New("rejected"))
				}
				return nil
			}
			w, _ := e.newWorker()
			stop := run(t, w)
			if err := w.Create(context.Background(), "p", pipe("count", "4",
				"transforms", "s", "transforms.s.type", c.typ,
				"transforms.s.predicate", "skip", "transforms.s.negate", "true",
				"predicates", "skip", "predicates.skip.type", "ValueIn", "predicates.skip.values", c.skip,
				"errors.tolerance", "all", "errors.deadletterqueue.topic.name", "dead", "errors.deadletterqueue.dlq", "true"), TargetRunning); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "delivered", func() bool { return len(e.values()) == len(c.wantOK) })
			waitFor(t, "dead-lettered", func() bool { return len(e.dlqRecords()) >= len(c.wantDLQ) })
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			var dead []string
			for _, r := range e.dlqRecords() {
				dead = append(dead, r.Value.(string))
			}
			if !reflect.DeepEqual(dead, c.wantDLQ) || !reflect.DeepEqual(e.values(), c.wantOK) {
				t.Fatalf("dead-lettered %v (want %v), delivered %v (want %v)", dead, c.wantDLQ, e.values(), c.wantOK)
			}
			if p := storedPos(t, w, "p"); p != 3 {
				t.Fatalf("stored offset %d, want 3", p)
			}
		})
	}
	t.Run("tolerance none names the merged records", func(t *testing.T) {
		e := newEnv(t)
		registerMerge(e)
		e.failPut = func(r *connect.Record, attempt int) error {
			if r.Value == "v2+v3" {
				return connect.Permanent(errors.New("rejected"))
			}
			return nil
		}
		w, _ := e.newWorker()
		stop := run(t, w)
		if err := w.Create(context.Background(), "p", pipe("count", "4",
			"transforms", "s", "transforms.s.type", "Merge",
			"transforms.s.predicate", "skip", "transforms.s.negate", "true",
			"predicates", "skip", "predicates.skip.type", "ValueIs", "predicates.skip.value", "v1"), TargetRunning); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "failure", func() bool { return taskState(w, "p") == StateFailed })
		err := stop()
		if err == nil || !strings.Contains(err.Error(), "offset map[pos:2]") || !strings.Contains(err.Error(), "1 records after it that a batch transform merged") {
			t.Fatalf("error does not name the merged records: %v", err)
		}
		if p := storedPos(t, w, "p"); p != -1 {
			t.Fatalf("stored offset %d: must not pass the failed batch", p)
		}
	})
}
