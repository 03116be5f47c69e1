package worker

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/transforms/httpfn"
)

// fnServer is an HTTP function that appends "!" to each event's data
// (keeping its id), or with split, returns two parts per event with the
// ids "<id>/a" and "<id>/b", or with renamed, gives every event a new id.
// It drops the event whose data is drop.
func fnServer(t *testing.T, split, renamed bool, drop string) (*httptest.Server, func() []int) {
	var mu sync.Mutex
	var sizes []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var evs []map[string]any
		if err := json.Unmarshal(body, &evs); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		sizes = append(sizes, len(evs))
		mu.Unlock()
		var out []map[string]any
		for i, ev := range evs {
			d, _ := ev["data"].(string)
			switch {
			case d == drop:
				continue
			case split:
				a, b := map[string]any{}, map[string]any{}
				for k, v := range ev {
					a[k], b[k] = v, v
				}
				a["id"], a["data"] = ev["id"].(string)+"/a", d+"!a"
				b["id"], b["data"] = ev["id"].(string)+"/b", d+"!b"
				out = append(out, a, b)
				continue
			case renamed:
				ev["id"] = "new-" + string(rune('a'+i))
			}
			ev["data"] = d + "!"
			out = append(out, ev)
		}
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []int {
		mu.Lock()
		defer mu.Unlock()
		return append([]int(nil), sizes...)
	}
}

// A batch of 5 goes through HttpFunction and the sink rejects one output
// for good: only the input that output came from (by its CloudEvents id)
// is dead-lettered, the others are delivered, and the offsets pass all 5.
// An event with an id the batch's inputs do not explain belongs to all of
// them.
func TestBatchProvenanceThroughHttpFunction(t *testing.T) {
	for _, c := range []struct {
		name           string
		split, renamed bool
		fail           string
		wantOK         []string
		wantDLQ        []string
	}{
		{"mapped", false, false, "v2!", []string{"v0!", "v1!", "v3!", "v4!"}, []string{"v2"}},
		{"split", true, false, "v3!b", []string{"v0!a", "v0!b", "v1!a", "v1!b", "v2!a", "v2!b", "v3!a", "v4!a", "v4!b"}, []string{"v3"}},
		{"new ids", false, true, "v1!", []string{"v0!", "v2!", "v3!", "v4!"}, []string{"v0", "v1", "v2", "v3", "v4"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			httpfn.Register(e.reg)
			srv, sizes := fnServer(t, c.split, c.renamed, "")
			e.failPut = func(r *connect.Record, attempt int) error {
				if r.Value == c.fail {
					return connect.Permanent(errors.New("rejected"))
				}
				return nil
			}
			w, _ := e.newWorker()
			stop := run(t, w)
			if err := w.Create(context.Background(), "p", pipe("count", "5",
				"transforms", "fn", "transforms.fn.type", "HttpFunction", "transforms.fn.url", srv.URL,
				"errors.tolerance", "all", "errors.deadletterqueue.topic.name", "dead", "errors.deadletterqueue.dlq", "true"), TargetRunning); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "delivered", func() bool { return len(e.values()) >= len(c.wantOK) })
			waitFor(t, "dead-lettered", func() bool { return len(e.dlqRecords()) >= len(c.wantDLQ) })
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if got := sizes(); !reflect.DeepEqual(got, []int{5}) {
				t.Fatalf("function batches %v, want one of 5", got)
			}
			var dead []string
			for _, r := range e.dlqRecords() {
				if r.Topic != "dead" {
					t.Errorf("DLQ record on topic %q", r.Topic)
				}
				dead = append(dead, r.Value.(string))
			}
			if !reflect.DeepEqual(dead, c.wantDLQ) || !reflect.DeepEqual(e.values(), c.wantOK) {
				t.Fatalf("dead-lettered %v (want %v), delivered %v (want %v)", dead, c.wantDLQ, e.values(), c.wantOK)
			}
			if p := storedPos(t, w, "p"); p != 4 {
				t.Fatalf("stored offset %d, want 4 (past all 5)", p)
			}
		})
	}
}

// With provenance, CommitRecord learns each input's own fate: the one the
// function dropped is not delivered, nor the one whose output the sink
// rejected; the others are.
func TestBatchProvenanceCommitRecord(t *testing.T) {
	e := newEnv(t)
	httpfn.Register(e.reg)
	var src *recCommitSource
	e.reg.Register(connect.Plugin{Kind: connect.KindSource, Name: "rc",
		NewSource: func(ctx context.Context, cfg connect.Config, tc connect.TaskContext) (connect.SourceTask, error) {
			ms := &memSource{e: e, topic: "t", part: map[string]any{"p": 1}}
			for i := 0; i < 5; i++ {
				ms.recs = append(ms.recs, ms.record(i))
			}
			src = &recCommitSource{memSource: ms, calls: map[string]bool{}}
			return src, nil
		}})
	srv, _ := fnServer(t, false, false, "v1")
	e.failPut = func(r *connect.Record, attempt int) error {
		if r.Value == "v3!" {
			return connect.Permanent(errors.New("rejected"))
		}
		return nil
	}
	w, _ := e.newWorker()
	stop := run(t, w)
	if err := w.Create(context.Background(), "p", pipe("connector.class", "rc",
		"transforms", "fn", "transforms.fn.type", "HttpFunction", "transforms.fn.url", srv.URL, "errors.tolerance", "all"), TargetRunning); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "3 delivered", func() bool { return len(e.values()) == 3 })
	waitFor(t, "5 committed", func() bool { src.mu.Lock(); defer src.mu.Unlock(); return len(src.calls) == 5 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	src.mu.Lock()
	defer src.mu.Unlock()
	want := map[string]bool{"v0": true, "v1": false, "v2": true, "v3": false, "v4": true}
	if !reflect.DeepEqual(src.calls, want) {
		t.Fatalf("CommitRecord delivered flags %v, want %v", src.calls, want)
	}
}
