package outbox

import (
	"bytes"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/inletdev/inlet/connect"
)

const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

func tracedRecord(ctx any) *connect.Record {
	row := rowSchema(connect.F("tracingspancontext", connect.OptionalStringSchema))
	after := docRowValues(row)
	after.Put("tracingspancontext", ctx)
	rec := changeEvent(envelopeSchemaFor(row), "c", after)
	rec.Headers = connect.Headers{{Key: "traceparent", Value: "stale"}, {Key: "other", Value: "x"}}
	return rec
}

func keys(h connect.Headers) []string {
	var out []string
	for _, x := range h {
		out = append(out, x.Key)
	}
	return out
}

func TestTracing(t *testing.T) {
	r := newRouter(t, map[string]string{KeyPlacement: "type:header"}, nil)
	out := apply(t, r, tracedRecord("# written by the app\ntraceparent="+parent+"\ntracestate : congo=t61rcWkgMzE\nbaggage=userId=alice\n"))
	if got, want := keys(out.Headers), []string{"traceparent", "other", "tracestate", "baggage", "id", "type"}; !reflect.DeepEqual(got, want) {
		t.Errorf("header order %v, want %v (tracing headers replace same-named ones and go before id)", got, want)
	}
	if headerValue(out.Headers, "traceparent") != parent || headerValue(out.Headers, "tracestate") != "congo=t61rcWkgMzE" || headerValue(out.Headers, "baggage") != "userId=alice" {
		t.Errorf("headers %+v", out.Headers)
	}
	if h, _ := out.Headers.Last("traceparent"); h.Schema != connect.StringSchema {
		t.Errorf("traceparent schema %v, want STRING", h.Schema)
	}

	// No context: not traced by default (Debezium forces with.context.field.only=true).
	out = apply(t, r, tracedRecord(nil))
	if headerValue(out.Headers, "traceparent") != "stale" {
		t.Errorf("untraced row changed traceparent: %+v", out.Headers)
	}
	out = apply(t, r, docRecord()) // table without the column
	if out.Headers.Has("traceparent") {
		t.Errorf("table without a context column got %+v", out.Headers)
	}

	// tracing.with.context.field.only=false: a new trace for rows without one.
	r = newRouter(t, map[string]string{KeyTracingContextOnly: "false"}, nil)
	fresh := regexp.MustCompile(`^00-[0-9a-f]{32}-[0-9a-f]{16}-01$`)
	for _, rec := range []*connect.Record{tracedRecord(nil), docRecord(), tracedRecord("traceparent=00-00000000000000000000000000000000-b7ad6b7169203331-01")} {
		out = apply(t, r, rec)
		tp, _ := headerValue(out.Headers, "traceparent").(string)
		if !fresh.MatchString(tp) || tp == parent {
			t.Errorf("new trace: traceparent %q", tp)
		}
	}

	// Another context column name, and a Properties continuation line.
	r = newRouter(t, map[string]string{KeyTracingField: "ctx"}, nil)
	row := rowSchema(connect.F("ctx", connect.OptionalStringSchema))
	after := docRowValues(row)
	after.Put("ctx", "traceparent=00-0af7651916cd43dd8448eb211c80319c-\\\n   b7ad6b7169203331-01")
	out = apply(t, r, changeEvent(envelopeSchemaFor(row), "c", after))
	if headerValue(out.Headers, "traceparent") != parent {
		t.Errorf("continued line: %+v", out.Headers)
	}
}

func TestTracingOperationNameLogged(t *testing.T) {
	var log bytes.Buffer
	r := newRouter(t, map[string]string{KeyTracingOperation: "outbox-read"}, &log)
	apply(t, r, tracedRecord("traceparent="+parent))
	if !strings.Contains(log.String(), `msg="trace context propagated" transform=EventRouter operation=outbox-read traceparent=`+parent) {
		t.Errorf("log:\n%s", log.String())
	}
}

func TestTraceparentValidation(t *testing.T) {
	for in, want := range map[string]string{
		parent: parent,
		"01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra": parent, // future version: first four fields
		"00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01":       "",     // upper case
		"ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01":       "",
		"00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01":       "",
		"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x":     "",
		"garbage": "",
	} {
		got, ok := normalizeTraceparent(in)
		if ok != (want != "") || got != want {
			t.Errorf("%q: got %q %v, want %q", in, got, ok, want)
		}
	}
}

func TestParseProperties(t *testing.T) {
	got := parseProperties("# comment\n! also\n  a=1\nb : 2\nc 3\nd\\=x=4\ne=\\u0041\\tB\nf=one \\\n  two\nb=last\n")
	want := map[string]string{"a": "1", "b": "last", "c": "3", "d=x": "4", "e": "A\tB", "f": "one two"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
