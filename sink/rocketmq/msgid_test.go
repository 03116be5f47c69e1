package rocketmq

import (
	"sync"
	"testing"
	"time"

	rmq "github.com/apache/rocketmq-clients/golang/v5"
	"github.com/inletdev/inlet/connect"
)

// TestMessageIDFormat: our IDs are the client's V1 format, with the
// client's process part and seconds.
func TestMessageIDFormat(t *testing.T) {
	g := &messageIDs{}
	first := g.next(100) // a sample: the client's own
	sec, _, ok := parseID(first)
	if !ok {
		t.Fatalf("the client's ID %q is not in the V1 format", first)
	}
	for range 3 {
		id := g.next(100)
		s, q, ok := parseID(id)
		if !ok || id[:idLen-16] != first[:idLen-16] || s != sec || q < 1<<31 {
			t.Fatalf("ID %q (seconds %d, sequence %d), want the prefix of %q, seconds %d, a sequence in the upper half", id, s, q, first, sec)
		}
		if v := rmq.GetMessageIdCodecInstance().Decode(id); v.GetVersion() != "01" || v.String() != id {
			t.Fatalf("the client decodes %q as version %q, %q", id, v.GetVersion(), v.String())
		}
	}
	if _, _, ok := parseID("01abcdef"); ok {
		t.Fatal("parseID accepted a short ID")
	}
	if _, _, ok := parseID("0156F7E71C361B21BC024CCDBE0000000a"); ok {
		t.Fatal("parseID accepted lower-case hex")
	}
}

// TestMessageIDsUnique: our IDs never repeat and never equal the client's,
// made in between as the official client makes them for the messages it
// sends, while the clock moves on, stands, repeats the client's seconds
// (wall seconds here move faster than the client's) and steps back.
func TestMessageIDsUnique(t *testing.T) {
	var wall int64 = 1000
	g := &messageIDs{}
	seen := map[string]string{}
	add := func(id, who string) {
		t.Helper()
		if prev, dup := seen[id]; dup {
			t.Fatalf("ID %s made twice (%s, then %s)", id, prev, who)
		}
		seen[id] = who
	}
	steps := []int64{0, 1, 1, 0, 1, -3, 0, 1, 1, 1, 1, 1, 0, 2}
	for i, step := range steps {
		wall += step
		for j := range 2000 {
			add(g.next(wall), "ours")
			if j%7 == i%7 {
				add(clientID(), "client")
			}
		}
	}
}

// TestMessageIDsConcurrent: many producers at once (run with -race).
func TestMessageIDsConcurrent(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]string, 0, 5000)
			for range 5000 {
				if w == 0 {
					mine = append(mine, clientID())
				} else {
					mine = append(mine, ids.next(time.Now().Unix()))
				}
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range mine {
				if seen[id] {
					t.Errorf("ID %s made twice", id)
				}
				seen[id] = true
			}
		}()
	}
	wg.Wait()
}

// TestPutMessageIDs: the IDs prepare gives a Put's messages are distinct
// and increasing, and Puts of two tasks at once never share one (run with
// -race). Increasing is checked only for Puts made one after another: a
// Put still making IDs when a later-born Put takes the next second's
// sample gets the client's own IDs from then on (next), and those can sort
// below its earlier ones when both samples fell in the same second.
func TestPutMessageIDs(t *testing.T) {
	recs := make([]*connect.Record, 100)
	for i := range recs {
		recs[i] = dtsRecord(i, true)
	}
	ec := connect.EventContext{Pipeline: "inflow", Connector: "dts"}
	put := func(task *Task) []string {
		jobs := make([]job, len(recs))
		task.prepare(ec, recs, jobs)
		out := make([]string, len(jobs))
		for i := range jobs {
			if jobs[i].err != nil || jobs[i].pb == nil {
				t.Errorf("record %d: error %v, wire form %v", i, jobs[i].err, jobs[i].pb)
				return nil
			}
			out[i] = jobs[i].pb.GetSystemProperties().GetMessageId()
		}
		return out
	}
	task := goldenTask(t, time.Now(), goldenMappings[0].kv...)
	for p := range 20 {
		got := put(task)
		for i := 1; i < len(got); i++ {
			if got[i] <= got[i-1] {
				t.Fatalf("Put %d: ID %d %s is not above ID %d %s", p, i, got[i], i-1, got[i-1])
			}
		}
	}

	var wg sync.WaitGroup
	puts := make([][]string, 2)
	for w := range puts {
		task := goldenTask(t, time.Now(), goldenMappings[0].kv...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				puts[w] = append(puts[w], put(task)...)
			}
		}()
	}
	wg.Wait()
	owner := map[string]int{}
	for w, got := range puts {
		if len(got) != 200*len(recs) {
			t.Fatalf("task %d made %d IDs, want %d", w, len(got), 200*len(recs))
		}
		for _, id := range got {
			if prev, dup := owner[id]; dup {
				t.Fatalf("ID %s made twice (tasks %d and %d)", id, prev, w)
			}
			owner[id] = w
		}
	}
}

func BenchmarkMessageID(b *testing.B) {
	b.Run("client", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			clientID()
		}
	})
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ids.next(time.Now().Unix()) // prepare reads the clock once per batch
		}
	})
}
