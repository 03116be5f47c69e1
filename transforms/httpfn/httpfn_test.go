package httpfn_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/transforms/httpfn"
)

func newFn(t testing.TB, props map[string]string) *httpfn.Function {
	t.Helper()
	cfg, err := httpfn.ConfigDef().Parse(props)
	if err != nil {
		t.Fatal(err)
	}
	f, err := httpfn.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// dtsLike is a binary-mode CloudEvents record as the dts source emits.
func dtsLike(i int, table string) *connect.Record {
	r := connect.NewRecord("dts_topic", map[string]any{"id": int64(i)}, map[string]any{
		"operationType": "UPDATE", "schema": map[string]any{"tableName": table},
		"afterImage": map[string]any{"id": int64(i), "status": "PAID"},
	})
	r.Headers = connect.Headers{
		{Key: "ce_specversion", Value: "1.0"}, {Key: "ce_id", Value: "ev-" + string(rune('0'+i))},
		{Key: "ce_source", Value: "orders-stream"}, {Key: "ce_type", Value: "dts:ConsumeMessage"},
		{Key: "ce_subject", Value: "acs:dts:cn-hangzhou::task/sid"}, {Key: "content-type", Value: "application/json"},
		{Key: "trace", Value: "t1"},
	}
	r.SourcePartition = map[string]any{"p": 0}
	r.SourceOffset = map[string]any{"offset": int64(i)}
	return r
}

func TestBatchSplitMapEnrichRoute(t *testing.T) {
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != httpfn.ContentType ||
			r.Header.Get("Authorization") != "Bearer s3cret" || r.Header.Get("X-Fc-Invocation-Type") != "Sync" {
			http.Error(w, "bad request headers: "+r.Header.Get("Authorization"), 400)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &got); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		// ev-1: enriched in place; ev-2: split into two routed events; ev-3: dropped.
		io.WriteString(w, `[
		 {"specversion":"1.0","id":"ev-1","source":"orders-stream","type":"dts:ConsumeMessage","subject":"acs:dts:cn-hangzhou::task/sid",
		  "datacontenttype":"application/json","data":{"id":1,"status":"PAID","vip":true}},
		 {"specversion":"1.0","id":"ev-2-a","source":"fn","type":"order.paid","subject":"orders-paid","partitionkey":"k2",
		  "time":"2024-01-02T03:04:05Z","data":{"part":"a"}},
		 {"specversion":"1.0","id":"ev-2-b","source":"fn","type":"order.audit","subject":"audit","data_base64":"aGk="}
		]`)
	}))
	defer srv.Close()
	f := newFn(t, map[string]string{"url": srv.URL, "auth.type": "bearer", "auth.token": "s3cret", "headers.X-Fc-Invocation-Type": "Sync"})
	in := []*connect.Record{dtsLike(1, "orders"), dtsLike(2, "orders"), dtsLike(3, "orders")}
	out, err := f.ApplyBatch(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1]["id"] != "ev-2" || got[0]["type"] != "dts:ConsumeMessage" ||
		got[2]["data"].(map[string]any)["afterImage"].(map[string]any)["status"] != "PAID" {
		t.Fatalf("request events: %v", got)
	}
	if len(out) != 3 {
		t.Fatalf("%d records out, want 3", len(out))
	}
	// ev-1: same topic, key and offsets as its input, enriched value.
	if out[0].Topic != "dts_topic" || out[0].Value.(map[string]any)["vip"] != true || out[0].SourceOffset["offset"] != int64(1) ||
		out[0].Key.(map[string]any)["id"] != int64(1) {
		t.Fatalf("enriched: %+v", out[0])
	}
	if h, _ := out[0].Headers.Last("trace"); h.Value != "t1" {
		t.Error("non-CloudEvents headers of the input are kept")
	}
	ev, err := connect.CloudEvent(out[1], connect.EventContext{})
	if err != nil {
		t.Fatal(err)
	}
	if out[1].Topic != "orders-paid" || out[1].Key != "k2" || ev["type"] != "order.paid" || ev["id"] != "ev-2-a" ||
		out[1].Timestamp.Year() != 2024 {
		t.Fatalf("routed split event: topic %s key %v event %v", out[1].Topic, out[1].Key, ev)
	}
	if out[2].Topic != "audit" || string(out[2].Value.([]byte)) != "hi" {
		t.Fatalf("base64 event: %+v", out[2])
	}
	if in[0].Value.(map[string]any)["vip"] != nil || len(in[0].Headers) != 7 {
		t.Fatal("input record mutated")
	}
}

func TestErrorsFollowRetryPolicy(t *testing.T) {
	status, body := 200, "[]"
	slow := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slow {
			time.Sleep(300 * time.Millisecond)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	defer srv.Close()
	f := newFn(t, map[string]string{"url": srv.URL, "timeout.ms": "100"})
	in := []*connect.Record{dtsLike(1, "orders")}
	cases := []struct {
		status          int
		body            string
		slow            bool
		retriable, perm bool
		msg             string
	}{
		{200, "[]", false, false, false, ""},
		{503, "busy", false, true, false, "503"},
		{429, "slow down", false, true, false, "429"},
		{400, "bad event", false, false, true, "bad event"},
		{200, `{"not":"an array"}`, false, false, true, "want a JSON array"},
		{200, `[1]`, false, false, true, "element 0 is a number"},
		{200, `[{"data":1}]`, false, false, true, "no specversion"},
		{200, `not json`, false, false, true, "not JSON"},
		{200, "[]", true, true, false, "Timeout"},
	}
	for _, c := range cases {
		status, body, slow = c.status, c.body, c.slow
		out, err := f.ApplyBatch(context.Background(), in)
		if c.msg == "" {
			if err != nil || len(out) != 0 {
				t.Errorf("empty answer: %v %v (a function may drop everything)", out, err)
			}
			continue
		}
		if err == nil || connect.IsRetriable(err) != c.retriable || connect.IsPermanent(err) != c.perm || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("status %d body %q slow %v: err %v (retriable %v permanent %v), want retriable=%v permanent=%v containing %q",
				c.status, c.body, c.slow, err, connect.IsRetriable(err), connect.IsPermanent(err), c.retriable, c.perm, c.msg)
		}
		if err != nil && !strings.Contains(err.Error(), srv.URL) {
			t.Errorf("error does not name the URL: %v", err)
		}
	}
}

func TestBasicAuthAndApply(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != "fc" || p != "pw" {
			w.WriteHeader(401)
			return
		}
		var evs []map[string]any
		json.NewDecoder(r.Body).Decode(&evs)
		for _, e := range evs {
			e["data"] = map[string]any{"wrapped": e["data"]}
		}
		json.NewEncoder(w).Encode(evs)
	}))
	defer srv.Close()
	f := newFn(t, map[string]string{"url": srv.URL, "auth.type": "basic", "auth.username": "fc", "auth.password": "pw"})
	r, err := f.Apply(context.Background(), dtsLike(4, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Value.(map[string]any)["wrapped"]; !ok || r.Topic != "dts_topic" {
		t.Fatalf("Apply: %+v", r)
	}
	bad := newFn(t, map[string]string{"url": srv.URL, "auth.type": "basic", "auth.username": "fc", "auth.password": "nope"})
	if _, err := bad.Apply(context.Background(), dtsLike(4, "orders")); err == nil || !connect.IsPermanent(err) || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestConfig(t *testing.T) {
	for props, want := range map[*map[string]string]string{
		{}:                 "url",
		{"url": "ftp://x"}: "http",
		{"url": "http://x", "auth.type": "basic"}:                                                   "auth.username",
		{"url": "http://x", "auth.type": "bearer"}:                                                  "auth.token",
		{"url": "http://x", "auth.type": "oauth"}:                                                   "auth.type",
		{"url": "http://x", "timeout.ms": "0"}:                                                      "timeout.ms",
		{"url": "http://x", "auth.username": "fc"}:                                                  "auth.username: is used only with auth.type=basic",
		{"url": "http://x", "auth.password": "pw"}:                                                  "auth.password: is used only with auth.type=basic",
		{"url": "http://x", "auth.type": "basic", "auth.username": "fc", "auth.token": "t"}:         "auth.token: is used only with auth.type=bearer",
		{"url": "http://x", "headers.Content-Type": "text/plain"}:                                   "headers.Content-Type: cannot be set",
		{"url": "http://x", "auth.type": "bearer", "auth.token": "t", "headers.authorization": "x"}: "headers.authorization: conflicts with auth.type=bearer",
		{"url": "http://x", "headers.X-A": "a\nb"}:                                                  "headers.X-A: the value contains a control character",
		{"url": "http://x", "headers.Content-Length": "9"}:                                          "headers.Content-Length: cannot be set: the HTTP client manages it",
		{"url": "http://x", "headers.X(A)": "a"}:                                                    "headers.X(A): not a valid HTTP header name",
	} {
		_, err := httpfn.ConfigDef().Parse(*props)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: %v, want an error naming %s", *props, err, want)
		}
	}
	r := connect.NewRegistry()
	httpfn.Register(r)
	if _, err := r.Lookup(connect.KindTransform, "HttpFunction"); err != nil {
		t.Fatal(err)
	}
	if cfg, err := httpfn.ConfigDef().Parse(map[string]string{"url": "http://x", "auth.type": "bearer", "auth.token": "tok"}); err != nil ||
		strings.Contains(cfg.Password("auth.token").String(), "tok") {
		t.Fatalf("token must parse and stay hidden: %v", err)
	}
}

// BenchmarkApplyBatch sends batches of 100 small DTS-like events to a
// local echo function. Besides records/s (wall clock) it reports records
// per CPU-second of the whole process, both ends of the call (the echo
// server is a small part), which other load on the machine does not
// distort.
func BenchmarkApplyBatch(b *testing.B) {
	in := make([]*connect.Record, 100)
	for i := range in {
		in[i] = dtsLike(i%10, "orders")
	}
	benchEcho(b, in)
}

// BenchmarkApplyBatchDTS is BenchmarkApplyBatch with events shaped as the
// dts source makes them (about 1.9 KB of JSON each): a table's schema
// (column list, keys) shared by its records, before and after images.
func BenchmarkApplyBatchDTS(b *testing.B) { benchEcho(b, httpfn.DTSBatch(100)) }

// benchEcho times ApplyBatch of in to a function that echoes each batch.
// The function reads into one reused buffer so that B/op and allocs/op
// are mostly the transform's.
func benchEcho(b *testing.B, in []*connect.Record) {
	var mu sync.Mutex
	var buf bytes.Buffer
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		buf.Reset()
		buf.ReadFrom(r.Body) // read it all before answering
		w.Write(buf.Bytes())
	}))
	defer srv.Close()
	f := newFn(b, map[string]string{"url": srv.URL})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := httpfn.CPUTime()
	for i := 0; i < b.N; i++ {
		out, err := f.ApplyBatch(ctx, in)
		if err != nil || len(out) != len(in) {
			b.Fatal(err, len(out))
		}
	}
	cpu := httpfn.CPUTime() - cpu0
	b.ReportMetric(float64(b.N*len(in))/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.N*len(in))/cpu.Seconds(), "records/cpu-s")
}

// TestRequestHeaders checks that a headers.Accept key replaces the default
// Accept (it used to be overwritten silently) and that the content type is
// always the CloudEvents batch type.
func TestRequestHeaders(t *testing.T) {
	var accept, ctype, custom, host string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept, ctype, custom, host = r.Header.Get("Accept"), r.Header.Get("Content-Type"), r.Header.Get("X-Fc-Invocation-Type"), r.Host
		io.Copy(w, r.Body)
	}))
	defer srv.Close()
	f := newFn(t, map[string]string{"url": srv.URL, "headers.Accept": "application/cloudevents-batch+json", "headers.X-Fc-Invocation-Type": "Sync",
		"headers.Host": "fn.example.com"})
	if _, err := f.Apply(context.Background(), dtsLike(1, "orders")); err != nil {
		t.Fatal(err)
	}
	if accept != "application/cloudevents-batch+json" || ctype != httpfn.ContentType || custom != "Sync" || host != "fn.example.com" {
		t.Fatalf("Accept %q, Content-Type %q, X-Fc-Invocation-Type %q, Host %q", accept, ctype, custom, host)
	}
}

// TestErrorsHideTheURLPassword: errors end up in logs and dead-letter
// headers, so a password in the function's URL must not appear in them.
func TestErrorsHideTheURLPassword(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "fc" || p != "pw-s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"not":"an array"}`))
	}))
	defer srv.Close()
	withPassword := strings.Replace(srv.URL, "http://", "http://fc:pw-s3cret@", 1)
	f := newFn(t, map[string]string{"url": withPassword})
	_, err := f.ApplyBatch(context.Background(), []*connect.Record{dtsLike(1, "orders")})
	if err == nil || !errors.Is(err, httpfn.ErrBadAnswer) {
		t.Fatalf("err = %v, want a bad answer (the user info must still be sent)", err)
	}
	if strings.Contains(err.Error(), "pw-s3cret") || !strings.Contains(err.Error(), "fc:xxxxx@") {
		t.Fatalf("error shows the password or hides the user: %v", err)
	}
	srv.Close()
	_, err = f.ApplyBatch(context.Background(), []*connect.Record{dtsLike(1, "orders")})
	if err == nil || strings.Contains(err.Error(), "pw-s3cret") {
		t.Fatalf("connection error shows the password: %v", err)
	}
}

// TestProvenance: each returned event is attributed to the input whose id
// it has, or extends after a separator (a split part, the longest id
// wins, "ev-1" does not claim "ev-10x"), and is based on that input; an id
// no input explains, or one several inputs share, belongs to the batch.
func TestProvenance(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `[
		 {"specversion":"1.0","id":"ev-2","data":1},
		 {"specversion":"1.0","id":"ev-10.part1","data":2},
		 {"specversion":"1.0","id":"ev-1-x","data":3},
		 {"specversion":"1.0","id":"ev-10x","data":4},
		 {"specversion":"1.0","id":"dup","data":5},
		 {"specversion":"1.0","data":6}
		]`)
	}))
	defer srv.Close()
	f := newFn(t, map[string]string{"url": srv.URL})
	in := make([]*connect.Record, 5)
	for i, id := range []string{"ev-1", "ev-2", "ev-10", "dup", "dup"} {
		in[i] = dtsLike(i, "orders")
		in[i].Headers = in[i].Headers.Set("ce_id", nil, id)
		in[i].SourceOffset = map[string]any{"offset": int64(i)}
	}
	out, from, err := f.ApplyBatchFrom(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, 0, -1, -1, -1}; !reflect.DeepEqual(from, want) {
		t.Fatalf("from = %v, want %v", from, want)
	}
	for i, wantOff := range []int64{1, 2, 0, 0, 4, 0} {
		if got := out[i].SourceOffset["offset"]; got != wantOff {
			t.Errorf("output %d is based on the input at offset %v, want %d", i, got, wantOff)
		}
	}
	if _, ok := any(f).(connect.BatchProvenance); !ok {
		t.Fatal("Function does not implement connect.BatchProvenance")
	}
}

// TestAnswerBeforeTheBodyIsRead: a function may answer before it has read
// the request (the transport then goes on sending it); the next calls
// reuse the request's buffer only once nothing reads it (go test -race).
func TestAnswerBeforeTheBodyIsRead(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "[]") // without reading the body
	}))
	defer srv.Close()
	f := newFn(t, map[string]string{"url": srv.URL})
	big := strings.Repeat("x", 1<<20)
	for i := 0; i < 20; i++ {
		r := dtsLike(i, "orders")
		r.Value = map[string]any{"blob": big, "i": int64(i)}
		if out, err := f.ApplyBatch(context.Background(), []*connect.Record{r}); err != nil || len(out) != 0 {
			t.Fatalf("call %d: %v %v", i, out, err)
		}
	}
}

// TestConcurrentCalls: one Function serves several goroutines at once
// (its decoders, their arenas and interned values are per call); each
// gets exactly the records a call of its own gets (go test -race).
func TestConcurrentCalls(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body) // all of it before answering
		w.Write(body)
	}))
	defer srv.Close()
	f := newFn(t, map[string]string{"url": srv.URL})
	batches := make([][]*connect.Record, 4)
	want := make([][]*connect.Record, len(batches))
	for g := range batches {
		batches[g] = httpfn.DTSBatch(20)
		for i, r := range batches[g] {
			v := r.Value.(map[string]any)
			r.Value = map[string]any{"g": int64(g), "i": int64(i), "long": strings.Repeat(string(rune('a'+g)), 40+i), "schema": v["schema"],
				"afterImage": v["afterImage"], "n": json.Number(strings.Repeat("7", g+1))}
		}
		out, err := f.ApplyBatch(context.Background(), batches[g])
		if err != nil || len(out) != 20 {
			t.Fatal(err, len(out))
		}
		want[g] = out
	}
	var wg sync.WaitGroup
	for g := range batches {
		wg.Go(func() {
			for range 30 {
				out, err := f.ApplyBatch(context.Background(), batches[g])
				if err != nil || !reflect.DeepEqual(out, want[g]) {
					t.Errorf("goroutine %d: %v, or records differ from a call of its own", g, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
