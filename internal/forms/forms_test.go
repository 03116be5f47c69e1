package forms

import (
	"encoding/json"
	"errors"
	"maps"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PaesslerAG/jsonpath"

	"github.com/inletdev/inlet/connect"
)

// sampleEvent is shaped like the RocketMQ event in Alibaba's message inflow
// example, built through connect.CloudEvent as the sink does.
func sampleEvent(t testing.TB) *Event {
	t.Helper()
	r := &connect.Record{
		Topic:     "orders",
		Partition: 0,
		Value: map[string]any{
			"topic":   "orders",
			"body":    "Hello RocketMQ",
			"msgId":   "7F00000100207A2E0000000000000000",
			"count":   int64(42),
			"price":   1.5,
			"ok":      true,
			"nothing": nil,
			"quote":   `say "hi" <b>&`,
			"userProperties": map[string]any{
				"region": "cn-hangzhou", "retry": int64(3),
			},
			"systemProperties": map[string]any{
				"KEYS": "order-1", "TAGS": "TagA", "UNIQ_KEY": "AC14C305069E1B28CDFA3181CDA2****",
			},
			"list":  []any{"a", int64(2), map[string]any{"x": "y"}},
			"empty": map[string]any{},
		},
		Timestamp:    time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC),
		Origin:       connect.Origin{Topic: "orders", Partition: 3, Offset: 17},
		SourceOffset: map[string]any{"offset": 17},
	}
	ev, err := NewEvent(r, connect.EventContext{Pipeline: "inflow", Connector: "dts"})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestJSONPathForm(t *testing.T) {
	ev := sampleEvent(t)
	tests := []struct {
		path string
		want string
		ok   bool
	}{
		{"$.data.body", "Hello RocketMQ", true},                               // strings unquoted
		{"$.data.count", "42", true},                                          // number text
		{"$.data.price", "1.5", true},                                         // float text
		{"$.data.ok", "true", true},                                           // boolean
		{"$.data.nothing", "null", true},                                      // JSON null is a value
		{"$.data.quote", `say "hi" <b>&`, true},                               // no escaping of a string result
		{"$.data.userProperties", `{"region":"cn-hangzhou","retry":3}`, true}, // object → compact JSON
		{"$.data.list", `["a",2,{"x":"y"}]`, true},                            // array → compact JSON
		{"$.data.list[1]", "2", true},                                         // index
		{"$.data.list[2].x", "y", true},                                       // index then name
		{"$['data']['systemProperties'][\"TAGS\"]", "TagA", true},             // bracket names
		{"$.data.systemProperties.KEYS", "order-1", true},
		{"$.id", "orders-3-17", true}, // envelope attribute
		{"$.subject", "orders", true},
		{"$.data.empty", "{}", true},
		{"$.data.missing", "", false},           // path not found
		{"$.data.body.deeper", "", false},       // step into a string
		{"$.data.list[9]", "", false},           // index out of range
		{"$.data.userProperties[0]", "", false}, // index into an object
	}
	for _, tc := range tests {
		x, err := Compile(Spec{Form: JSONPath, Value: tc.path})
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		got, ok, err := x.Eval(ev)
		if err != nil || ok != tc.ok || got != tc.want {
			t.Errorf("%s = %q, %v, %v; want %q, %v", tc.path, got, ok, err, tc.want, tc.ok)
		}
	}
}

func TestObjectRenderingEscapes(t *testing.T) {
	ev := NewEventFromMap(map[string]any{"data": map[string]any{"s": "a\"b\\c\n\x01<>&é\u2028"}})
	got, _, _ := MustCompile(Spec{Form: JSONPath, Value: "$.data"}).Eval(ev)
	want := `{"s":"a\"b\\c\n\u0001<>&é` + "\u2028" + `"}`
	if got != want {
		t.Fatalf("got %s want %s", got, want)
	}
}

func TestDefinitePaths(t *testing.T) {
	bad := map[string]string{
		"":                                   "empty",
		"data.body":                          "must start with $",
		"$..body":                            "deep scan",
		"$.data.*":                           "wildcard",
		"$.data[*]":                          "wildcard",
		"$.list[?(@.x)]":                     "filter",
		"$.list[0:2]":                        "slices",
		"$.list[0,1]":                        "unions",
		"$['a','b']":                         "unions",
		"$.data.":                            "expected a name",
		"$.a-b":                              "unexpected",
		"$.list[-1]":                         "non-negative index",
		"$['unterminated]":                   "unterminated",
		"$.x" + strings.Repeat("y", maxText): "at most",
	}
	for p, want := range bad {
		_, err := Compile(Spec{Form: JSONPath, Value: p})
		if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: err = %v, want it to mention %q", p, err, want)
		}
	}
	for _, p := range []string{"$", "$.a", "$.a_b.c9", "$['a-b']", `$["a b"]`, "$.a[0][1]"} {
		if _, err := CompilePath(p); err != nil {
			t.Errorf("%q: %v", p, err)
		}
	}
}

func TestOriginalForm(t *testing.T) {
	ev := sampleEvent(t)
	got, ok, err := MustCompile(Spec{Form: Original}).Eval(ev)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	back, err := connect.ParseJSON([]byte(got))
	if err != nil {
		t.Fatalf("ORIGINAL is not JSON: %v\n%s", err, got)
	}
	if b := back.(map[string]any)["data"].(map[string]any)["body"]; b != "Hello RocketMQ" {
		t.Fatalf("data.body = %v", b)
	}
	if !strings.HasPrefix(got, `{"data":{`) || !strings.Contains(got, `"id":"orders-3-17"`) || !strings.Contains(got, `"specversion":"1.0"`) {
		t.Fatalf("unexpected ORIGINAL: %s", got)
	}

	// A structured-mode event keeps its text byte for byte.
	raw := `{ "specversion": "1.0", "id": "e1",  "data": {"b": 1.50} }`
	r := connect.NewRecord("t", nil, []byte(raw))
	r.Headers = r.Headers.Add("content-type", nil, "application/cloudevents+json; charset=utf-8")
	sev, err := NewEvent(r, connect.EventContext{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := MustCompile(Spec{Form: Original}).Eval(sev); got != raw {
		t.Fatalf("structured ORIGINAL = %q, want the raw text", got)
	}
	if got, _, _ := MustCompile(Spec{Form: JSONPath, Value: "$.data.b"}).Eval(sev); got != "1.50" {
		t.Fatalf("number text lost: %q", got)
	}
}

func TestConstantAndNone(t *testing.T) {
	ev := sampleEvent(t)
	if got, ok, _ := MustCompile(Spec{Form: Constant, Value: "${not a template}"}).Eval(ev); !ok || got != "${not a template}" {
		t.Fatalf("CONSTANT = %q %v", got, ok)
	}
	if got, ok, _ := MustCompile(Spec{Form: None}).Eval(ev); ok || got != "" {
		t.Fatalf("NONE = %q %v", got, ok)
	}
	for _, s := range []Spec{
		{Form: Constant},
		{Form: Constant, Value: strings.Repeat("x", maxText+1)},
		{Form: Original, Value: "$.x"},
		{Form: JSONPath, Value: "$.x", Template: "t"},
		{Form: Templated, Value: ""},
	} {
		if _, err := Compile(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: err = %v, want ErrInvalid", s, err)
		}
	}
	if _, err := Compile(Spec{Form: Original}, None, JSONPath); err == nil || !strings.Contains(err.Error(), "ORIGINAL is not allowed here (want one of NONE, JSONPATH)") {
		t.Fatalf("allowed forms: %v", err)
	}
}

func TestParseForm(t *testing.T) {
	for in, want := range map[string]Form{"": None, "none": None, "Original": Original, "JSONPATH": JSONPath, "constant": Constant, " TEMPLATE ": Templated} {
		if got, err := ParseForm(in); err != nil || got != want {
			t.Errorf("%q = %v, %v", in, got, err)
		}
	}
	if _, err := ParseForm("JSON_PATH"); err == nil || !strings.Contains(err.Error(), "want NONE, ORIGINAL, JSONPATH, CONSTANT or TEMPLATE") {
		t.Fatal(err)
	}
}

func TestTemplateForm(t *testing.T) {
	ev := sampleEvent(t)
	params := `{"body":"$.data.body","n":"$.data.count","obj":"$.data.userProperties","miss":"$.data.missing",
		"lit":"Please deal with it timely.","num":7,"flag":false,"dollar":"$5 off","empty":"$.data.emptyString"}`
	tests := []struct{ tmpl, want string }{
		{"The event is ${body}.", "The event is Hello RocketMQ."},
		{`{"n":${n},"o":${obj}}`, `{"n":42,"o":{"region":"cn-hangzhou","retry":3}}`},
		{"[${miss}]", "[]"},                                    // unresolved path → empty
		{"[${undefined}]", "[]"},                               // undefined variable → empty
		{"[${miss:-none}]", "[none]"},                          // default
		{"[${body:-none}]", "[Hello RocketMQ]"},                // default unused when resolved
		{"[${undefined:-d:-e}]", "[d:-e]"},                     // default text runs to }
		{"$${body} and ${body}", "${body} and Hello RocketMQ"}, // escape
		{"$$ and $${", "$$ and ${"},                            // $$ not before { stays
		{"${lit}", "Please deal with it timely."},              // literal parameter
		{"${num}/${flag}/${dollar}", "7/false/$5 off"},         // numbers, booleans, non-path strings
		{"line1\n  ${n}\n", "line1\n  42\n"},                   // whitespace kept
		{"no placeholders", "no placeholders"},
		{"", ""},
	}
	for _, tc := range tests {
		x, err := Compile(Spec{Form: Templated, Value: params, Template: tc.tmpl})
		if err != nil {
			t.Fatalf("%q: %v", tc.tmpl, err)
		}
		got, ok, err := x.Eval(ev)
		if err != nil || !ok || got != tc.want {
			t.Errorf("%q = %q, %v, %v; want %q", tc.tmpl, got, ok, err, tc.want)
		}
	}
}

func TestTemplateValuesAreNotRescanned(t *testing.T) {
	ev := NewEventFromMap(map[string]any{"data": map[string]any{"evil": "${secret}"}})
	x := MustCompile(Spec{Form: Templated, Value: `{"e":"$.data.evil","secret":"s3cret"}`, Template: "<${e}>"})
	if got, _, _ := x.Eval(ev); got != "<${secret}>" {
		t.Fatalf("got %q", got)
	}
}

func TestTemplateSpecErrors(t *testing.T) {
	tests := []struct{ params, tmpl, want string }{
		{``, "x", "needs its parameters"},
		{`[]`, "x", "must be a JSON object"},
		{`{}`, "x", "at least one parameter"},
		{`{"a":{"b":1}}`, "x", `parameter "a" must be a JSONPath or a scalar literal, not an object`},
		{`{"a":[1]}`, "x", "not an array"},
		{`{"a":null}`, "x", "not null"},
		{`{"a":"$.x","a":"$.y"}`, "x", "defined twice"},
		{`{"a":"$.x"} trailing`, "x", "unexpected text"},
		{`{"a":"$.x"`, "x", "not valid JSON"},
		{`{"a":"$.x"}`, "${a", "no closing }"},
		{`{"a":"$.x"}`, "${}", "empty placeholder"},
	}
	for _, tc := range tests {
		_, err := Compile(Spec{Form: Templated, Value: tc.params, Template: tc.tmpl})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s / %s: err = %v, want %q", tc.params, tc.tmpl, err, tc.want)
		}
	}
}

func members(t *testing.T, x *Expr, ev *Event) (map[string]string, error) {
	t.Helper()
	out := map[string]string{}
	err := x.Members(ev, func(k, v string) error { out[k] = v; return nil })
	return out, err
}

func TestMembers(t *testing.T) {
	ev := sampleEvent(t)
	// Alibaba's Custom Property example.
	alibaba := MustCompile(Spec{Form: Templated,
		Value:    `{"userProperties":"$.data.userProperties","msgId":"$.data.msgId"}`,
		Template: `{"EB_SYS_EMBED_OBJECT":"${userProperties}","UNIQ_KEY":"${msgId}"}`})
	got, err := members(t, alibaba, ev)
	want := map[string]string{"region": "cn-hangzhou", "retry": "3", "UNIQ_KEY": "7F00000100207A2E0000000000000000"}
	if err != nil || !maps.Equal(got, want) {
		t.Fatalf("alibaba example = %v, %v; want %v", got, err, want)
	}
	// Rendered as text, the embed merges too and stays valid JSON.
	text, _, _ := alibaba.Eval(ev)
	if text != `{"UNIQ_KEY":"7F00000100207A2E0000000000000000","region":"cn-hangzhou","retry":"3"}` {
		t.Fatalf("embed text = %s", text)
	}

	tests := []struct {
		name string
		spec Spec
		want map[string]string
		err  string
	}{
		{"jsonpath object", Spec{Form: JSONPath, Value: "$.data.systemProperties"},
			map[string]string{"KEYS": "order-1", "TAGS": "TagA", "UNIQ_KEY": "AC14C305069E1B28CDFA3181CDA2****"}, ""},
		{"jsonpath not found", Spec{Form: JSONPath, Value: "$.data.missing"}, map[string]string{}, ""},
		{"jsonpath null", Spec{Form: JSONPath, Value: "$.data.nothing"}, map[string]string{}, ""},
		{"jsonpath string", Spec{Form: JSONPath, Value: "$.data.body"}, nil, "selected a string, want a JSON object"},
		{"none", Spec{Form: None}, map[string]string{}, ""},
		{"constant", Spec{Form: Constant, Value: `{"a":"b","n":1,"o":{"x":true}}`}, map[string]string{"a": "b", "n": "1", "o": `{"x":true}`}, ""},
		{"constant not object", Spec{Form: Constant, Value: `[1]`}, nil, "want a JSON object"},
		{"template object, quotes need no escaping", Spec{Form: Templated, Value: `{"q":"$.data.quote"}`, Template: `{"q":"${q}","k":"x-${q:-}"}`},
			map[string]string{"q": `say "hi" <b>&`, "k": `x-say "hi" <b>&`}, ""},
		{"template rendered then parsed", Spec{Form: Templated, Value: `{"o":"$.data.userProperties"}`, Template: `{"o":${o},"n":2}`},
			map[string]string{"o": `{"region":"cn-hangzhou","retry":3}`, "n": "2"}, ""},
		{"template not json", Spec{Form: Templated, Value: `{"b":"$.data.body"}`, Template: `${b}`}, nil, "not valid JSON"},
		{"template array", Spec{Form: Templated, Value: `{"b":"$.data.list"}`, Template: `${b}`}, nil, "want a JSON object"},
		{"embed unresolved", Spec{Form: Templated, Value: `{"u":"$.data.missing"}`, Template: `{"EB_SYS_EMBED_OBJECT":"${u}","a":"1"}`}, map[string]string{"a": "1"}, ""},
		{"embed not object", Spec{Form: Templated, Value: `{"u":"$.data.count"}`, Template: `{"EB_SYS_EMBED_OBJECT":"${u}"}`}, nil, "is a number, want a JSON object"},
		{"embed wins on clash", Spec{Form: Templated, Value: `{"u":"$.data.userProperties"}`, Template: `{"region":"x","EB_SYS_EMBED_OBJECT":"${u}"}`},
			map[string]string{"region": "cn-hangzhou", "retry": "3"}, ""},
	}
	for _, tc := range tests {
		x, err := Compile(tc.spec)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, err := members(t, x, ev)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
			}
			// Rendered as text (a body or a key), an embed that is not an
			// object must fail too, not render an object without it.
			if tc.spec.Form == Templated && strings.Contains(tc.spec.Template, EmbedObjectKey) {
				if s, ok, err := x.Eval(ev); err == nil || ok || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("%s: Eval = %q, %v, %v; want an error %q", tc.name, s, ok, err, tc.err)
				}
			}
			continue
		}
		if err != nil || !maps.Equal(got, tc.want) {
			t.Errorf("%s = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if err := MustCompile(Spec{Form: Constant, Value: "nope"}).CheckObject(); err == nil {
		t.Fatal("CheckObject accepted a non-object constant")
	}
	for tmpl, ok := range map[string]bool{
		`{"EB_SYS_EMBED_OBJECT":"${u}"`: false, // missing brace
		`{"a":${u},"b":"${u}${u}"}`:     true,
		`{"a":${u}`:                     false,
		`[${u}]`:                        false,
		`{"k":"v"}`:                     true,
	} {
		err := MustCompile(Spec{Form: Templated, Value: `{"u":"$.x"}`, Template: tmpl}).CheckObject()
		if (err == nil) != ok {
			t.Errorf("CheckObject(%s) = %v", tmpl, err)
		}
	}
}

func TestNode(t *testing.T) {
	ev := sampleEvent(t)
	n, ok, _ := MustCompile(Spec{Form: JSONPath, Value: "$.data.list"}).Node(ev)
	if l, isList := n.([]any); !ok || !isList || len(l) != 3 {
		t.Fatalf("Node = %#v %v", n, ok)
	}
	n, ok, _ = MustCompile(Spec{Form: Constant, Value: "k"}).Node(ev)
	if n != "k" || !ok {
		t.Fatalf("Node(CONSTANT) = %v", n)
	}
}

func FuzzTemplate(f *testing.F) {
	f.Add(`{"a":"$.data.body"}`, "x ${a} $${a} ${b:-d}")
	f.Add(`{"EB_SYS_EMBED_OBJECT":"$"}`, `{"EB_SYS_EMBED_OBJECT":"${a}"}`)
	f.Add(`{"a":1}`, "${")
	ev := NewEventFromMap(map[string]any{"data": map[string]any{"body": "b", "o": map[string]any{"k": "v"}}})
	f.Fuzz(func(t *testing.T, params, tmpl string) {
		x, err := Compile(Spec{Form: Templated, Value: params, Template: tmpl})
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		s, ok, err := x.Eval(ev)
		if !ok || err != nil {
			t.Fatalf("Eval = %v, %v", ok, err)
		}
		if b, ok, err := x.AppendEval([]byte("pre"), ev); !ok || err != nil || string(b) != "pre"+s {
			t.Fatalf("AppendEval = %q %v %v, want %q", b, ok, err, "pre"+s)
		}
		_ = x.Members(ev, func(k, v string) error { return nil })
	})
}

func FuzzPath(f *testing.F) {
	for _, s := range []string{"$", "$.a.b", "$['x'][0]", "$..a", "$.a[?(@.b)]", "$[", "$.a[99999999999999999999]"} {
		f.Add(s)
	}
	ev := map[string]any{"a": map[string]any{"b": []any{"x"}}}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := CompilePath(s)
		if err != nil {
			return
		}
		p.Lookup(ev)
	})
}

// TestPathMatchesLibrary checks the direct walk against the library's
// evaluator on every path and document shape the tests use.
func TestPathMatchesLibrary(t *testing.T) {
	doc := sampleEvent(t).Map()
	paths := []string{"$", "$.data.body", "$.data.count", "$.data.list[1]", "$.data.list[2].x", "$.data.list[9]",
		"$.data.userProperties[0]", "$.data.body.deeper", "$.data.missing", `$['data']["systemProperties"]['TAGS']`, "$.id"}
	for _, p := range paths {
		x, err := CompilePath(p)
		if err != nil {
			t.Fatal(err)
		}
		norm, _, _ := checkDefinite(p)
		libV, libErr := jsonpath.Get(norm, doc)
		v, ok := x.Lookup(doc)
		if ok != (libErr == nil) || ok && text(v) != text(libV) {
			t.Errorf("%s: walk = %v %v, library = %v %v", p, v, ok, libV, libErr)
		}
	}
}

// TestFastViewMatchesCloudEvent checks NewEvent's no-copy view renders
// exactly as connect.CloudEvent's, and that paths agree, for derived and
// binary-mode records (and the ones that fall back).
func TestFastViewMatchesCloudEvent(t *testing.T) {
	recs := []*connect.Record{
		{Topic: "a", Value: map[string]any{"i": int64(-3), "u": uint8(7), "f": 0.1, "big": 1e21, "s": "x", "n": nil,
			"l": []any{int32(1), true, json.Number("1.50")}, "m": map[string]any{}}},
		{Topic: "b", Value: []any{1, 2}, SourceOffset: map[string]any{"lsn": int64(5)}, Timestamp: time.Unix(1700000000, 5).UTC()},
		{Value: "plain string"},
		{Topic: "c", Value: nil, Origin: connect.Origin{Topic: "c", Partition: 1, Offset: 2}},
		{Topic: "d", Value: float32(1.5)},
		{Topic: "bin", Value: map[string]any{"x": int64(1)}, Headers: connect.Headers{{Key: "CE_SPECVERSION", Value: "1.0"}, {Key: "ce_id", Value: "e1"}}},
		{Topic: "ct", Value: map[string]any{"x": int64(1)}, Headers: connect.Headers{{Key: "Content-Type", Value: "text/plain"}}},
		{Topic: "str", Value: "plain text value"},
		// binary mode, as the DTS source emits it
		{Topic: "dts", Value: map[string]any{"id": int64(9), "schema": map[string]any{"tableName": "orders"}, "f": 2.5},
			Headers: connect.Headers{{Key: "ce_specversion", Value: "1.0"}, {Key: "ce_id", Value: "abc-1"}, {Key: "ce_source", Value: "inflow"},
				{Key: "ce_type", Value: "dts:ConsumeMessage"}, {Key: "ce_time", Value: []byte("2026-11-22T01:00:00Z")}, {Key: "ce_x", Value: int64(3)},
				{Key: "ce_id", Value: "abc-2"}, {Key: "ce_none", Value: nil}, {Key: "content-type", Value: "application/json; charset=utf-8"}, {Key: "other", Value: "h"}}},
		{Topic: "dts-null", Value: nil, Headers: connect.Headers{{Key: "ce_specversion", Value: "1.0"}, {Key: "Content-Type", Value: nil}}},
		{Topic: "dts-str", Value: "text", Headers: connect.Headers{{Key: "ce_specversion", Value: "1.0"}, {Key: "ce_data", Value: "x"}}},
		{Topic: "dts-nilspec", Value: "text", Headers: connect.Headers{{Key: "ce_specversion", Value: nil}}},
		{Topic: "e", Value: map[string]any{"t": time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), "b": []byte("hi"), "ss": []string{"a", "b"},
			"ms": map[string]string{"k": "v"}, "f32": float32(0.1), "nested": []any{map[string]any{"u": uint64(1 << 63)}}}},
	}
	ec := connect.EventContext{Pipeline: "p", Connector: "c", Source: "src"}
	for i, r := range recs {
		ev, err := NewEvent(r, ec)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := connect.CloudEvent(r, ec)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"$.data", "$.id", "$.x", "$.data.schema.tableName", "$.datacontenttype", "$.none", "$.time", "$.specversion"} {
			x := mustPath(t, p)
			a, okA := ev.lookup(x)
			b, okB := x.Lookup(ref)
			if okA != okB || text(a) != text(b) {
				t.Errorf("record %d %s: %v %v vs %v %v", i, p, a, okA, b, okB)
			}
		}
		got, _ := ev.Original()
		want := string(appendJSON(nil, ref))
		if got != want {
			t.Errorf("record %d:\n got %s\nwant %s", i, got, want)
		}
	}
	for _, r := range recs {
		ev, _ := NewEvent(r, ec)
		fast := ev.d != nil
		want := r.Topic == "dts" || r.Topic == "dts-null" || r.Topic == "a" || r.Topic == "str" || r.Topic == "ct"
		if r.Topic == "bin" || r.Topic == "dts-str" || r.Topic == "dts-nilspec" {
			want = false
		}
		if fast != want && (r.Topic == "dts" || r.Topic == "bin" || r.Topic == "dts-str" || r.Topic == "dts-nilspec" || r.Topic == "a") {
			t.Errorf("record %q: fast path %v, want %v", r.Topic, fast, want)
		}
	}
}

func TestLookupIntoOtherGoContainers(t *testing.T) {
	ev, _ := NewEvent(connect.NewRecord("t", nil, map[string]any{"ms": map[string]string{"k": "v"}, "ss": []string{"a", "b"},
		"nan": math.NaN()}), connect.EventContext{})
	for p, want := range map[string]string{"$.data.ms.k": "v", "$.data.ss[1]": "b", "$.data.ms": `{"k":"v"}`, "$.data.nan": "null"} {
		if got, ok, _ := MustCompile(Spec{Form: JSONPath, Value: p}).Eval(ev); !ok || got != want {
			t.Errorf("%s = %q %v, want %q", p, got, ok, want)
		}
	}
}

// TestDerivedLookupMatchesMap checks the map-free lookup of a derived
// event against a lookup on its full map.
func TestDerivedLookupMatchesMap(t *testing.T) {
	paths := []string{"$", "$.id", "$.source", "$.type", "$.subject", "$.time", "$.specversion", "$.datacontenttype",
		"$.data", "$.data.body", "$.data.list[0]", "$.nope", "$.id.x", "$[0]", "$.data.userProperties.region"}
	for _, p := range paths {
		x, err := CompilePath(p)
		if err != nil {
			t.Fatal(err)
		}
		ev := sampleEvent(t)
		if ev.d == nil {
			t.Fatal("sample event is not derived")
		}
		v1, ok1 := ev.lookup(x)
		v2, ok2 := x.Lookup(sampleEvent(t).Map())
		if ok1 != ok2 || text(v1) != text(v2) {
			t.Errorf("%s: %v %v vs %v %v", p, v1, ok1, v2, ok2)
		}
	}
}

// FuzzFastView checks, on arbitrary JSON values, in derived and binary
// mode, that the map-free view renders the whole event exactly as
// connect.CloudEvent's view does, and that paths find the same nodes.
func FuzzFastView(f *testing.F) {
	f.Add(`{"a":{"b":[1,"x",null,true,{"c":1.50}]},"s":"<\u2028>"}`, false)
	f.Add(`[1,2,3]`, true)
	f.Add(`"text"`, false)
	f.Add(`12345678901234567890`, true)
	f.Add(`null`, true)
	paths := []*Path{}
	for _, p := range []string{"$", "$.data", "$.data.a", "$.data.a.b[4].c", "$.data[1]", "$.id", "$.data.s"} {
		paths = append(paths, mustPath(f, p))
	}
	f.Fuzz(func(t *testing.T, doc string, binary bool) {
		v, err := connect.ParseJSON([]byte(doc))
		if err != nil {
			return
		}
		r := connect.NewRecord("t", nil, v)
		r.Origin = connect.Origin{Topic: "t", Partition: 1, Offset: 2}
		if binary {
			r.Headers = connect.Headers{{Key: "ce_specversion", Value: "1.0"}, {Key: "ce_id", Value: doc}, {Key: "content-type", Value: "application/json"}}
		}
		ev, err := NewEvent(r, connect.EventContext{Pipeline: "p"})
		if err != nil {
			t.Fatal(err)
		}
		ref, err := connect.CloudEvent(r, connect.EventContext{Pipeline: "p"})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			a, okA := ev.lookup(p)
			b, okB := p.Lookup(ref)
			if okA != okB || text(a) != text(b) {
				t.Fatalf("%s: %v %v vs %v %v", p, a, okA, b, okB)
			}
		}
		got, _ := ev.Original()
		if want := string(appendJSON(nil, ref)); got != want {
			t.Fatalf("ORIGINAL\n got %s\nwant %s", got, want)
		}
		// A reused view (Reset) is the fresh one, whatever it showed before:
		// here a binary-mode event with more attributes than fit inline.
		var reused Event
		if err := reused.Reset(manyAttrs, connect.EventContext{}); err != nil {
			t.Fatal(err)
		}
		_, _ = reused.Original()
		if err := reused.Reset(r, connect.EventContext{Pipeline: "p"}); err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			a, okA := reused.lookup(p)
			b, okB := ev.lookup(p)
			s, okS := reused.lookupText(p)
			if okA != okB || text(a) != text(b) || okS != okA || okS && s != text(a) {
				t.Fatalf("reused %s: %v %v vs %v %v (text %q %v)", p, a, okA, b, okB, s, okS)
			}
		}
		if again, _ := reused.Original(); again != got {
			t.Fatalf("reused ORIGINAL\n got %s\nwant %s", again, got)
		}
	})
}

// manyAttrs is a binary-mode event with more attributes than a view keeps
// inline.
var manyAttrs = func() *connect.Record {
	r := connect.NewRecord("many", nil, map[string]any{"x": "y"})
	r.Headers = connect.Headers{{Key: "ce_specversion", Value: "1.0"}}
	for i := range 12 {
		r.Headers = append(r.Headers, connect.Header{Key: "ce_a" + strconv.Itoa(i), Value: strconv.Itoa(i)})
	}
	return r
}()

func TestManyAttributes(t *testing.T) {
	var ev Event
	if err := ev.Reset(manyAttrs, connect.EventContext{}); err != nil {
		t.Fatal(err)
	}
	ref, err := connect.CloudEvent(manyAttrs, connect.EventContext{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := ev.Original(); got != string(appendJSON(nil, ref)) || ev.d == nil {
		t.Fatalf("ORIGINAL %s (fast view %v), want %s", got, ev.d != nil, appendJSON(nil, ref))
	}
	for _, p := range []string{"$.a0", "$.a11", "$.specversion", "$.data.x", "$.a12"} {
		got, ok := ev.lookupText(mustPath(t, p))
		want, wantOK := mustPath(t, p).Lookup(ref)
		if ok != wantOK || ok && got != text(want) {
			t.Errorf("%s = %q %v, want %v %v", p, got, ok, want, wantOK)
		}
	}
}

func mustPath(tb testing.TB, s string) *Path {
	p, err := CompilePath(s)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// FuzzObjectOrder checks that small objects, rendered by sorting indexes
// on the stack (mapsort.Order), come out exactly as the general path
// (mapsort.Entries) renders them.
func FuzzObjectOrder(f *testing.F) {
	f.Add("b,a,c,,é,A,aa,a\"b")
	f.Add("k1,k2,k3,k4,k5,k6,k7,k8,k9,k10,k11,k12,k13,k14,k15,k16")
	f.Add("x")
	f.Add("abcdefgh1,abcdefgh,abcdefg,abcdefgZ,abcdefg\x00,\xff,é,,a")
	f.Fuzz(func(t *testing.T, keys string) {
		m := map[string]any{}
		for i, k := range strings.Split(keys, ",") {
			switch i % 3 {
			case 0:
				m[k] = int64(i)
			case 1:
				m[k] = map[string]any{k: k, "z": nil}
			default:
				m[k] = []any{k, true}
			}
		}
		got := string(appendJSON(nil, m))
		if want := string(appendObject(nil, m)); got != want {
			t.Fatalf("%d members:\n got %s\nwant %s", len(m), got, want)
		}
	})
}

// TestAppendEval: AppendEval appends exactly what Eval returns, and leaves
// dst as given when there is no value or an error.
func TestAppendEval(t *testing.T) {
	specs := []Spec{
		{Form: Original},
		{Form: Constant, Value: "fixed"},
		{Form: JSONPath, Value: "$.data.body"},
		{Form: JSONPath, Value: "$.data.userProperties"},
		{Form: JSONPath, Value: "$.data.nothing"},
		{Form: JSONPath, Value: "$.id"},
		{Form: JSONPath, Value: "$.nope"},
		{Form: JSONPath, Value: "$.data.missing"},
		{Form: Templated, Value: `{"b":"$.data.body","n":"$.data.count"}`, Template: "${b}/${n}/${x:-d}"},
		{Form: Templated, Value: `{"b":"$.data.quote"}`, Template: "${b}"},
		{Form: Templated, Value: `{"u":"$.data.userProperties","id":"$.id"}`, Template: `{"EB_SYS_EMBED_OBJECT":"${u}","id":"${id}"}`},
		{Form: Templated, Value: `{"u":"$.data.body"}`, Template: `{"EB_SYS_EMBED_OBJECT":"${u}"}`}, // not an object: error
		{Form: None},
	}
	for _, spec := range specs {
		x := MustCompile(spec)
		ev := sampleEvent(t)
		s, ok, err := x.Eval(ev)
		b, bok, berr := x.AppendEval([]byte("pre:"), ev)
		if ok != bok || (err == nil) != (berr == nil) {
			t.Errorf("%+v: AppendEval ok=%v err=%v, Eval ok=%v err=%v", spec, bok, berr, ok, err)
			continue
		}
		want := "pre:"
		if ok {
			want += s
		}
		if string(b) != want {
			t.Errorf("%+v: AppendEval = %q, want %q", spec, b, want)
		}
	}
}
