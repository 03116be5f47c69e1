// Package httpfn is the HttpFunction transform, the message inflow's
// Function Compute step: each batch goes to an HTTP endpoint as a JSON
// array of CloudEvents, and the endpoint answers with a JSON array of
// CloudEvents (0..N per input: filter, split, map, enrich, route).
//
// The request is POST <url> with Content-Type
// application/cloudevents-batch+json (the CloudEvents HTTP batch mode),
// each element the record's CloudEvents view (connect.CloudEvent). The
// answer must be 2xx with a JSON array of objects, each a CloudEvent with
// at least specversion. Each returned event becomes one record:
//
//   - it is based on the input with the same id, if any (an echoed or
//     enriched event); else on the input whose id it extends after a
//     separator, e.g. "ev-7-a" or "ev-7/1" for "ev-7" (one part of a split;
//     the longest such id wins); else on the first input of the batch (a new
//     event): topic, key, partition, headers other than CloudEvents ones,
//     and origin come from that base;
//   - its attributes become ce_* headers and its data the value (binary
//     mode), so later transforms and the sink see exactly the returned event;
//     data_base64 becomes bytes;
//   - a subject that differs from the base's becomes the record's topic
//     (dynamic routing); a partitionkey extension becomes the key (the
//     CloudEvents Kafka binding's rule); time becomes the timestamp.
//
// Provenance (connect.BatchProvenance): an event based on an input by its
// id, as above, is attributed to that input alone, so when the sink fails
// it only that input is dead-lettered. A new event whose id extends no
// input's id, and any event whose id several inputs of the batch share,
// is attributed to the whole batch: the runtime then dead-letters every
// input of the batch, as it cannot tell which one the event came from.
//
// Errors follow the pipeline's retry and tolerance policy: timeouts,
// connection errors, 429 and 5xx are retriable; other statuses and an
// answer that is not an array of events are permanent.
package httpfn

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/inletdev/inlet/connect"
)

// Keys (after the runtime cut transforms.<alias>.).
const (
	KeyURL          = "url"
	KeyTimeoutMs    = "timeout.ms"
	KeyAuthType     = "auth.type"
	KeyAuthUser     = "auth.username"
	KeyAuthPassword = "auth.password"
	KeyAuthToken    = "auth.token"
	PrefixHeaders   = "headers."
)

// ContentType is the request's content type (CloudEvents HTTP batch mode).
const ContentType = "application/cloudevents-batch+json; charset=utf-8"

// maxResponse bounds the answer read into memory.
const maxResponse = 64 << 20

// ConfigDef declares the transform's keys.
func ConfigDef() *connect.ConfigDef {
	d := connect.NewConfigDef(
		connect.ConfigKey{Name: KeyURL, Required: true, Importance: connect.High, Validator: httpURL,
			Doc: "The function's HTTP(S) endpoint; each batch is POSTed to it as a JSON array of CloudEvents."},
		connect.ConfigKey{Name: KeyTimeoutMs, Type: connect.TypeLong, Default: "10000", Validator: connect.Between(1, 600000),
			Doc: "How long one call may take, in milliseconds; a timeout is retried under the pipeline's errors.retry.* policy."},
		connect.ConfigKey{Name: KeyAuthType, Default: "none", Validator: connect.OneOf("none", "basic", "bearer"),
			Doc: "none, basic (auth.username, auth.password) or bearer (auth.token)."},
		connect.ConfigKey{Name: KeyAuthUser, Doc: "The user for auth.type=basic (a configuration error with another auth.type)."},
		connect.ConfigKey{Name: KeyAuthPassword, Type: connect.TypePassword, Doc: "The password for auth.type=basic (a configuration error with another auth.type)."},
		connect.ConfigKey{Name: KeyAuthToken, Type: connect.TypePassword, Doc: "The token for auth.type=bearer (sent as Authorization: Bearer <token>; a configuration error with another auth.type)."},
	)
	d.AllowPrefix(PrefixHeaders, "Extra request headers: headers.<Name>=<value>, e.g. headers.X-Fc-Invocation-Type=Sync. headers.Accept replaces the default application/json and headers.Host the URL's host; Content-Type, Content-Length, Transfer-Encoding and Connection cannot be set, nor Authorization with an auth.type.")
	d.Check(func(c connect.Config) connect.ConfigErrors {
		var errs connect.ConfigErrors
		switch c.String(KeyAuthType) {
		case "basic":
			if c.String(KeyAuthUser) == "" {
				errs = append(errs, &connect.ConfigError{Key: KeyAuthUser, Reason: "required when auth.type=basic"})
			}
		case "bearer":
			if c.Password(KeyAuthToken).Value() == "" {
				errs = append(errs, &connect.ConfigError{Key: KeyAuthToken, Reason: "required when auth.type=bearer"})
			}
		}
		// Credentials for another auth.type would be ignored: say so.
		authType := c.String(KeyAuthType)
		for _, k := range []struct {
			key, needs string
			set        bool
		}{
			{KeyAuthUser, "basic", c.String(KeyAuthUser) != ""},
			{KeyAuthPassword, "basic", c.Password(KeyAuthPassword).Value() != ""},
			{KeyAuthToken, "bearer", c.Password(KeyAuthToken).Value() != ""},
		} {
			if k.set && authType != k.needs {
				errs = append(errs, &connect.ConfigError{Key: k.key,
					Reason: fmt.Sprintf("is used only with auth.type=%s, but auth.type=%s: set auth.type=%s or remove it", k.needs, authType, k.needs)})
			}
		}
		for k, v := range c.Prefixed(PrefixHeaders) {
			switch {
			case !validHeaderName(k):
				errs = append(errs, &connect.ConfigError{Key: PrefixHeaders + k, Reason: "not a valid HTTP header name"})
			case !validHeaderValue(v):
				// net/http refuses such a request on every call, which
				// would be retried forever as a transport error.
				errs = append(errs, &connect.ConfigError{Key: PrefixHeaders + k, Reason: "the value contains a control character, which HTTP header values cannot carry"})
			case http.CanonicalHeaderKey(k) == "Content-Length" || http.CanonicalHeaderKey(k) == "Transfer-Encoding" || http.CanonicalHeaderKey(k) == "Connection":
				// net/http writes these itself and ignores the configured value.
				errs = append(errs, &connect.ConfigError{Key: PrefixHeaders + k, Reason: "cannot be set: the HTTP client manages it"})
			case http.CanonicalHeaderKey(k) == "Content-Type":
				errs = append(errs, &connect.ConfigError{Key: PrefixHeaders + k,
					Reason: "cannot be set: the request body is always a CloudEvents batch (" + ContentType + ")"})
			case http.CanonicalHeaderKey(k) == "Authorization" && authType != "none":
				errs = append(errs, &connect.ConfigError{Key: PrefixHeaders + k,
					Reason: fmt.Sprintf("conflicts with auth.type=%s, which sets Authorization: use one of them", authType)})
			}
		}
		return errs
	})
	return d
}

func httpURL(v any) error {
	s, _ := v.(string)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an http:// or https:// URL")
	}
	return nil
}

// redacted is raw with the password of its user info, if any, replaced:
// errors end up in logs and dead-letter headers.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

// validHeaderName reports whether k is an RFC 9110 token.
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// validHeaderValue reports whether v has no control characters but tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// Function is the HttpFunction transform. It is safe for concurrent use.
type Function struct {
	url   string
	shown string // url with any password replaced, for errors
	host  string // headers.Host: the Host sent instead of the URL's

	client  *http.Client
	header  http.Header
	timeout time.Duration

	// Kept between calls: a batch of 100 events is some 70 KB each way,
	// and decoders keep what they interned.
	bufs     sync.Pool // *[]byte request and response bodies
	encoders sync.Pool // *encoder, with the keys they remember
	decoders decoders
}

// New returns a Function from a parsed config.
func New(cfg connect.Config) (*Function, error) {
	f := &Function{
		url:     cfg.String(KeyURL),
		shown:   redacted(cfg.String(KeyURL)),
		timeout: time.Duration(cfg.Long(KeyTimeoutMs)) * time.Millisecond,
		header:  http.Header{},
	}
	f.client = &http.Client{Timeout: f.timeout}
	f.header.Set("Accept", "application/json") // a headers.Accept key replaces it
	for k, v := range cfg.Prefixed(PrefixHeaders) {
		if http.CanonicalHeaderKey(k) == "Host" {
			// net/http ignores a Host header: the request's Host field is sent.
			f.host = v
			continue
		}
		f.header.Set(k, v)
	}
	f.header.Set("Content-Type", ContentType) // headers.Content-Type is rejected
	switch cfg.String(KeyAuthType) {
	case "basic":
		tok := base64.StdEncoding.EncodeToString([]byte(cfg.String(KeyAuthUser) + ":" + cfg.Password(KeyAuthPassword).Value()))
		f.header.Set("Authorization", "Basic "+tok)
	case "bearer":
		f.header.Set("Authorization", "Bearer "+cfg.Password(KeyAuthToken).Value())
	}
	return f, nil
}

// Register adds HttpFunction to r.
func Register(r *connect.Registry) {
	r.Register(connect.Plugin{
		Kind:    connect.KindTransform,
		Name:    "HttpFunction",
		Aliases: []string{"httpfn.HttpFunction"},
		Doc: "POSTs each batch as a JSON array of CloudEvents to an HTTP function and replaces it with the " +
			"JSON array of CloudEvents the function returns (0..N per input: filter, split, map, enrich, route by subject).",
		Config:       ConfigDef(),
		NewTransform: func(cfg connect.Config) (connect.Transformation, error) { return New(cfg) },
	})
}

// Apply sends one record. The runtime calls ApplyBatch instead; Apply
// exists for the Transformation contract and fails when the function splits
// a single record, which Apply cannot return.
func (f *Function) Apply(ctx context.Context, r *connect.Record) (*connect.Record, error) {
	out, err := f.ApplyBatch(ctx, []*connect.Record{r})
	if err != nil {
		return nil, err
	}
	switch len(out) {
	case 0:
		return nil, nil
	case 1:
		return out[0], nil
	}
	return nil, connect.Permanent(fmt.Errorf("httpfn: %s returned %d events for one record at %s; Apply can return one", f.shown, len(out), r.Coordinates()))
}

// ApplyBatch sends the batch and returns the records the function answered.
func (f *Function) ApplyBatch(ctx context.Context, records []*connect.Record) ([]*connect.Record, error) {
	out, _, err := f.ApplyBatchFrom(ctx, records)
	return out, err
}

// ApplyBatchFrom is ApplyBatch that also says which input each returned
// event came from (connect.BatchProvenance; see the package doc).
func (f *Function) ApplyBatchFrom(ctx context.Context, records []*connect.Record) ([]*connect.Record, []int, error) {
	if len(records) == 0 {
		return nil, nil, nil
	}
	ec := connect.EventContextFrom(ctx)
	subjects := make([]subject, len(records))
	ids := inputIDs{byID: make(map[string]int, len(records))}
	reqBuf := f.getBuf()
	e, _ := f.encoders.Get().(*encoder)
	if e == nil {
		e = new(encoder)
	}
	body, inBuf, err := e.encodeBatch(*reqBuf, records, ec, subjects, &ids)
	f.encoders.Put(e)
	if inBuf {
		*reqBuf = body
	}
	if !inBuf || err != nil {
		f.putBuf(reqBuf)
		reqBuf = nil
	}
	if err != nil {
		return nil, nil, err
	}
	respBuf := f.getBuf()
	defer f.putBuf(respBuf) // answer copies what it keeps
	data, reusable, err := f.call(ctx, body, *respBuf, records)
	if reusable && reqBuf != nil {
		f.putBuf(reqBuf)
	}
	if data != nil {
		*respBuf = data
	}
	if err != nil {
		return nil, nil, err
	}
	return f.answer(data, records, subjects, &ids)
}

// encodeBatch appends the request body to dst: the records' CloudEvents
// views as a JSON array, byte for byte what json.Marshal of
// connect.CloudEvent's maps writes (appendBinaryEvent for binary-mode
// records, appendJSON of connect.CloudEvent for others, json.Marshal
// itself when a value needs it). It notes each input's id in ids and its
// subject attribute in subjects. inDst is false when the body is not in
// dst's array.
func (e *encoder) encodeBatch(dst []byte, records []*connect.Record, ec connect.EventContext, subjects []subject, ids *inputIDs) (body []byte, inDst bool, err error) {
	clear(e.written) // spans of another body
	dst = append(dst, '[')
	for i, r := range records {
		if i > 0 {
			dst = append(dst, ',')
		}
		var ok bool
		if dst, ok = e.appendBinaryEvent(dst, r); ok {
			if id, ok := findAttr(e.attrs, "id"); ok {
				ids.add(id, i)
			}
			if s, ok := findAttr(e.attrs, "subject"); ok {
				subjects[i] = subject{s, true}
			}
			continue
		}
		ev, err := connect.CloudEvent(r, ec)
		if err != nil {
			return dst, true, connect.Permanent(fmt.Errorf("httpfn: %w", err))
		}
		if id, ok := ev["id"].(string); ok {
			ids.add(id, i)
		}
		subjects[i] = subjectOf(ev["subject"])
		if dst, ok = e.appendJSON(dst, ev); !ok {
			body, err := marshalBatch(records, ec, subjects, ids)
			return body, false, err
		}
	}
	return append(dst, ']'), true, nil
}

// marshalBatch is encodeBatch by json.Marshal, for values only it handles
// (or rejects, with its error).
func marshalBatch(records []*connect.Record, ec connect.EventContext, subjects []subject, ids *inputIDs) ([]byte, error) {
	clear(ids.byID)
	ids.shared = nil
	events := make([]map[string]any, len(records))
	for i, r := range records {
		ev, err := connect.CloudEvent(r, ec)
		if err != nil {
			return nil, connect.Permanent(fmt.Errorf("httpfn: %w", err))
		}
		events[i] = ev
		if id, ok := ev["id"].(string); ok {
			ids.add(id, i)
		}
		subjects[i] = subjectOf(ev["subject"])
	}
	body, err := json.Marshal(events)
	if err != nil {
		return nil, connect.Permanent(fmt.Errorf("httpfn: encoding %d events (first at %s): %w", len(records), records[0].Coordinates(), err))
	}
	return body, nil
}

// maxPooled is the largest buffer kept for reuse.
const maxPooled = 4 << 20

// getBuf returns an empty buffer from f.bufs.
func (f *Function) getBuf() *[]byte {
	b, _ := f.bufs.Get().(*[]byte)
	if b == nil {
		return new([]byte)
	}
	*b = (*b)[:0]
	return b
}

func (f *Function) putBuf(b *[]byte) {
	if cap(*b) <= maxPooled {
		f.bufs.Put(b)
	}
}

// subject is an input's subject attribute. ok is false when it has none
// or it is not a string (a structured-mode event's may be any JSON value):
// then no returned subject equals it.
type subject struct {
	s  string
	ok bool
}

func subjectOf(v any) subject {
	s, ok := v.(string)
	return subject{s, ok}
}

// inputIDs finds the input a returned event came from by its id.
type inputIDs struct {
	byID   map[string]int  // id → the last input with it
	shared map[string]bool // ids more than one input has (nil: none)
}

func (ids *inputIDs) add(id string, i int) {
	if _, ok := ids.byID[id]; ok {
		if ids.shared == nil {
			ids.shared = map[string]bool{}
		}
		ids.shared[id] = true
	}
	ids.byID[id] = i
}

// base returns the input an event with that id is based on (see the
// package doc) and whether it is that input's alone: false for an id
// several inputs share. ok is false when no input's id matches.
func (ids *inputIDs) base(id string) (j int, own, ok bool) {
	if j, ok := ids.byID[id]; ok {
		return j, !ids.shared[id], true
	}
	// A split part: the longest input id it extends after a separator.
	for p := len(id) - 1; p > 0; p-- {
		if !separator(id[p]) {
			continue
		}
		if j, ok := ids.byID[id[:p]]; ok {
			return j, !ids.shared[id[:p]], true
		}
	}
	return 0, false, false
}

// separator reports whether c may join an input's id and a suffix: any
// ASCII character but a letter or digit, so "ev-1" does not claim "ev-10".
func separator(c byte) bool {
	return c < 0x80 && !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')
}

// answer turns the function's 2xx body into records (see the package doc)
// and says which input each came from (-1: the whole batch).
func (f *Function) answer(data []byte, records []*connect.Record, subjects []subject, ids *inputIDs) ([]*connect.Record, []int, error) {
	d := f.decoders.get()
	defer f.decoders.put(d) // toRecord keeps values, not the members
	// An array of objects is read as events, each its sorted members;
	// anything else as JSON values, for the error it makes.
	n, isEvents := d.readEvents(data)
	var answer []any
	if !isEvents {
		v, err := d.parseJSON(data)
		if err != nil {
			return nil, nil, f.badAnswer(records, "not JSON: "+err.Error()+": "+snippet(data))
		}
		var ok bool
		if answer, ok = v.([]any); !ok {
			return nil, nil, f.badAnswer(records, fmt.Sprintf("%s, want a JSON array of events", jsonKind(v)))
		}
		n = len(answer)
	}
	out := make([]*connect.Record, 0, n)
	from := make([]int, 0, n)
	// The records and their headers in one allocation each for the whole
	// answer, not two per event: they travel on together. hs has room for
	// every event's headers, as many as toRecord can make (each record's
	// headers then have their capacity cut, so appending to them copies).
	recs := make([]connect.Record, n)
	maxHeaders := 0 // the most headers toRecord keeps of an input
	for _, r := range records {
		n := 0
		for _, h := range r.Headers {
			if keptHeader(h.Key) {
				n++
			}
		}
		maxHeaders = max(maxHeaders, n)
	}
	room := 0
	for i := range n {
		if isEvents {
			room += maxHeaders + len(d.event(i))
		} else if ev, ok := answer[i].(map[string]any); ok {
			room += maxHeaders + len(ev)
		}
	}
	hs := make(connect.Headers, 0, room)
	var buf [16]member
	for i := range n {
		var ev []member
		if isEvents {
			ev = d.event(i)
		} else {
			m, ok := answer[i].(map[string]any)
			if !ok {
				return nil, nil, f.badAnswer(records, fmt.Sprintf("element %d is %s, want a CloudEvent object", i, jsonKind(answer[i])))
			}
			ev = sortedMembers(buf[:0], m)
		}
		if _, ok := memberValue(ev, "specversion").(string); !ok {
			return nil, nil, f.badAnswer(records, fmt.Sprintf("element %d has no specversion: return CloudEvents (specversion, id, source, type, data)", i))
		}
		base, baseSubject, src := records[0], subjects[0], -1
		if id, ok := memberValue(ev, "id").(string); ok {
			if j, own, ok := ids.base(id); ok {
				base, baseSubject = records[j], subjects[j]
				if own {
					src = j
				}
			}
		}
		r := &recs[i]
		var err error
		hs, err = toRecord(r, hs, ev, base, baseSubject)
		if err != nil {
			return nil, nil, f.badAnswer(records, fmt.Sprintf("element %d: %v", i, err))
		}
		out = append(out, r)
		from = append(from, src)
	}
	return out, from, nil
}

// call POSTs the batch and returns the 2xx answer's body, appended to
// dst. reusable reports whether body's buffer may be used again: nothing
// reads it any more.
func (f *Function) call(ctx context.Context, body, dst []byte, records []*connect.Record) (data []byte, reusable bool, err error) {
	rb := &reqBody{}
	rb.r.Reset(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, rb)
	if err != nil {
		return nil, false, connect.Permanent(fmt.Errorf("httpfn: request to %s: %w", f.shown, err))
	}
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) {
		// A redirect or a retry on a fresh connection sends body again,
		// maybe after Do returned: the buffer is not reused then.
		rb.mu.Lock()
		rb.rewound = true
		rb.mu.Unlock()
		return io.NopCloser(bytes.NewReader(body)), nil
	}
	req.Header = f.header.Clone()
	if f.host != "" {
		req.Host = f.host
	}
	resp, err := f.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		// Timeouts and connection failures are transient.
		return nil, false, connect.Retriable(fmt.Errorf("httpfn: calling %s for %d records (first at %s): %w", f.shown, len(records), records[0].Coordinates(), err))
	}
	data, err = readBody(dst, resp)
	resp.Body.Close()
	reusable = rb.release()
	if err != nil {
		return nil, reusable, connect.Retriable(fmt.Errorf("httpfn: reading the answer of %s: %w", f.shown, err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err := fmt.Errorf("httpfn: %s answered %s for %d records (first at %s): %s",
			f.shown, resp.Status, len(records), records[0].Coordinates(), snippet(data))
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout {
			return nil, reusable, connect.Retriable(err)
		}
		return nil, reusable, connect.Permanent(err)
	}
	if len(data) > maxResponse {
		return nil, reusable, f.badAnswer(records, fmt.Sprintf("more than %d bytes", maxResponse))
	}
	return data, reusable, nil
}

// reqBody is a request body over a pooled buffer. RoundTrip may go on
// reading the body after Do returned (the server may answer before it
// has read it all), so the buffer is reused only after release: a Read
// then fails instead of reading a buffer that another call now fills.
type reqBody struct {
	mu       sync.Mutex
	r        bytes.Reader
	released bool
	rewound  bool // GetBody handed out another reader of the buffer
}

func (b *reqBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.released {
		return 0, errReleased
	}
	return b.r.Read(p)
}

func (b *reqBody) Close() error { return nil }

// release ends reads of b and reports whether its buffer may be reused.
func (b *reqBody) release() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.released = true
	return !b.rewound
}

// readBody appends at most maxResponse+1 bytes of resp's body to dst, as
// io.ReadAll(io.LimitReader(body, maxResponse+1)) did, in one read when
// the length is announced.
func readBody(dst []byte, resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && n <= maxResponse {
		dst = slices.Grow(dst, int(n)+1) // +1: room to see the EOF
	}
	for {
		if len(dst) > maxResponse {
			return dst, nil
		}
		if len(dst) == cap(dst) {
			dst = slices.Grow(dst, 4096)
		}
		room := min(cap(dst), maxResponse+1)
		n, err := resp.Body.Read(dst[len(dst):room])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// Close releases idle connections.
func (f *Function) Close() error {
	f.client.CloseIdleConnections()
	return nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// headerKey is "ce_" + name, without building the common ones.
func headerKey(name string) string {
	switch name {
	case "specversion":
		return "ce_specversion"
	case "id":
		return "ce_id"
	case "source":
		return "ce_source"
	case "type":
		return "ce_type"
	case "subject":
		return "ce_subject"
	case "time":
		return "ce_time"
	case "dataschema":
		return "ce_dataschema"
	case "partitionkey":
		return "ce_partitionkey"
	}
	return "ce_" + name
}

// keptHeader reports whether a record based on an input keeps the input's
// header of that key: its CloudEvents headers are the returned event's.
func keptHeader(key string) bool {
	return !strings.HasPrefix(key, "ce_") && !strings.EqualFold(key, "content-type")
}

// memberValue is the value of the member k of ev (nil if none).
func memberValue(ev []member, k string) any {
	for _, m := range ev {
		if m.k == k {
			return m.v
		}
	}
	return nil
}

// toRecord makes r the record for a returned event on the base input,
// whose subject attribute is baseSubject; ev is the event's members,
// sorted by key. r's headers are appended to hs, which is returned.
func toRecord(r *connect.Record, hs connect.Headers, ev []member, base *connect.Record, baseSubject subject) (connect.Headers, error) {
	*r = *base
	start := len(hs)
	// Keep the base's own headers, drop its CloudEvents ones.
	for _, h := range base.Headers {
		if !keptHeader(h.Key) {
			continue
		}
		hs = append(hs, h)
	}
	r.ValueSchema = nil
	r.Value = nil
	for _, m := range ev { // sorted: a stable header order
		k, v := m.k, m.v
		switch k {
		case "data":
			r.Value = v
			continue
		case "data_base64":
			s, ok := v.(string)
			if !ok {
				return hs, fmt.Errorf("data_base64 is %s, want a string", jsonKind(v))
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return hs, fmt.Errorf("data_base64: %w", err)
			}
			r.Value = b
			continue
		case "datacontenttype":
			if _, ok := v.(string); ok {
				hs = append(hs, connect.Header{Key: "content-type", Value: v}) // v: boxed already
			}
			continue
		}
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case json.Number:
			s = x.String()
			v = s
		case bool:
			s = strconv.FormatBool(x)
			v = s
		case nil:
			continue
		default:
			return hs, fmt.Errorf("attribute %q is %s; CloudEvents attributes are scalars", k, jsonKind(v))
		}
		hs = append(hs, connect.Header{Key: headerKey(k), Value: v}) // v: the string s
		switch k {
		case "subject":
			if s != "" && (!baseSubject.ok || s != baseSubject.s) {
				r.Topic = s // dynamic routing
			}
		case "partitionkey":
			r.KeySchema, r.Key = nil, s
		case "time":
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return hs, fmt.Errorf("time %q is not RFC 3339", s)
			}
			r.Timestamp = t
		}
	}
	r.Headers = hs[start:len(hs):len(hs)]
	return hs, nil
}
