package eventpattern

import (
	"errors"
	"strings"
	"testing"

	"github.com/inletdev/inlet/connect"
)

func event(t testing.TB, s string) map[string]any {
	t.Helper()
	v, err := connect.ParseJSON([]byte(s))
	if err != nil {
		t.Fatalf("event %s: %v", s, err)
	}
	return v.(map[string]any)
}

// data wraps a data object into a CloudEvent.
func data(t testing.TB, d string) map[string]any {
	return event(t, `{"specversion":"1.0","id":"1","source":"acs.dts","type":"dts:insert","data":`+d+`}`)
}

func TestOperators(t *testing.T) {
	cases := []struct {
		name    string
		pattern string // the leaf at data.v
		match   []string
		noMatch []string
	}{
		{"exact string", `["abc"]`, []string{`"abc"`, `["x","abc"]`}, []string{`"abcd"`, `"ABC"`, `null`, `[]`, `{"a":1}`, `["abc",{"a":1}]`, `["abc",["abc"]]`, `missing`}},
		{"exact text ignores type", `["80"]`, []string{`"80"`, `80`}, []string{`80.0`, `8e1`, `"080"`}},
		{"exact number text", `[80]`, []string{`80`, `"80"`}, []string{`80.0`, `8.0e1`}},
		{"numbers not normalised", `[300]`, []string{`300`}, []string{`3.0e2`, `300.0`}},
		{"exact bool", `[true]`, []string{`true`, `"true"`}, []string{`false`, `"TRUE"`, `1`}},
		{"exact null", `[null]`, []string{`null`, `[null,"x"]`}, []string{`"null"`, `missing`, `""`}},
		{"string null is text", `["null"]`, []string{`"null"`}, []string{`null`}},
		{"empty string", `[""]`, []string{`""`}, []string{`null`, `missing`, `" "`}},
		{"or within array", `["a", "b", 3]`, []string{`"a"`, `"b"`, `3`, `"3"`}, []string{`"c"`}},
		{"big exact list (set)", `["a","b","c","d","e","f","g","h","i","j",null,5]`, []string{`"j"`, `null`, `5`, `["z","i"]`}, []string{`"k"`, `missing`}},
		{"prefix", `[{"prefix":"ord"}]`, []string{`"order"`, `"ord"`, `["x","order"]`}, []string{`"Order"`, `"or"`, `null`, `5`, `missing`}},
		{"suffix", `[{"suffix":".png"}]`, []string{`"a.png"`}, []string{`"a.PNG"`, `null`, `missing`}},
		{"contains", `[{"contains":"Normal"}]`, []string{`"isNormalUser"`, `"Normal"`}, []string{`"normal"`, `5`, `null`, `missing`}},
		{"anything-but string", `[{"anything-but":"x"}]`, []string{`"y"`, `null`, `5`, `["x","y"]`}, []string{`"x"`, `["x"]`, `missing`, `[]`, `{"a":1}`}},
		{"anything-but number", `[{"anything-but":5}]`, []string{`6`, `"6"`, `5.0`}, []string{`5`, `"5"`}},
		{"anything-but null", `[{"anything-but":null}]`, []string{`"x"`, `0`}, []string{`null`, `missing`}},
		{"anything-but list", `[{"anything-but":["a","b",1]}]`, []string{`"c"`, `2`, `null`}, []string{`"a"`, `"b"`, `1`, `"1"`, `missing`}},
		{"anything-but empty list", `[{"anything-but":[]}]`, []string{`"a"`, `null`, `1`}, []string{`missing`}},
		{"anything-but prefix", `[{"anything-but":{"prefix":"init"}}]`, []string{`"done"`, `5`, `null`}, []string{`"initial"`, `missing`}},
		{"anything-but suffix", `[{"anything-but":{"suffix":"ed"}}]`, []string{`"open"`}, []string{`"closed"`}},
		{"numeric range", `[{"numeric":[">",0,"<=",5]}]`, []string{`5`, `0.1`, `[9,3]`, `4.99999999`}, []string{`0`, `5.1`, `"3"`, `null`, `missing`, `[9]`}},
		{"numeric tolerance =", `[{"numeric":["=",1.5]}]`, []string{`1.5`, `1.50000005`, `1.49999995`}, []string{`1.5000002`}},
		{"numeric tolerance >", `[{"numeric":[">",10]}]`, []string{`10.0000002`}, []string{`10.00000005`, `10`}},
		{"numeric tolerance >=", `[{"numeric":[">=",10]}]`, []string{`9.99999995`, `10`, `11`}, []string{`9.9999998`}},
		{"numeric <", `[{"numeric":["<",-3]}]`, []string{`-4`}, []string{`-3`, `-2.99999995`}},
		{"numeric !=", `[{"numeric":["!=",0]}]`, []string{`1`, `-0.001`}, []string{`0`, `0.00000001`}},
		{"numeric bounds", `[{"numeric":[">=",-1e9,"<=",1e9]}]`, []string{`1000000000`, `-1e9`}, []string{`1000000001`}},
		{"cidr subnet", `[{"cidr":"10.0.0.0/24"}]`, []string{`"10.0.0.1"`, `"10.0.0.0"`, `"10.0.0.255"`, `["1.1.1.1","10.0.0.9"]`}, []string{`"10.0.1.1"`, `"10.0.0"`, `"x"`, `167772161`, `null`, `missing`}},
		{"cidr /32", `[{"cidr":"192.168.1.7/32"}]`, []string{`"192.168.1.7"`}, []string{`"192.168.1.6"`}},
		{"cidr /31", `[{"cidr":"192.168.1.6/31"}]`, []string{`"192.168.1.6"`, `"192.168.1.7"`}, []string{`"192.168.1.8"`}},
		{"cidr address", `[{"cidr":"10.0.0.1"}]`, []string{`"10.0.0.1"`}, []string{`"10.0.0.2"`}},
		{"cidr ipv6", `[{"cidr":"2001:db8::/32"}]`, []string{`"2001:db8::1"`}, []string{`"2001:db9::1"`, `"10.0.0.1"`}},
		{"exists true", `[{"exists":true}]`, []string{`"x"`, `null`, `0`, `[1]`, `[null]`}, []string{`missing`, `{"a":1}`, `[]`, `[{"a":1}]`}},
		{"exists false", `[{"exists":false}]`, []string{`missing`}, []string{`null`, `"x"`, `{"a":1}`, `[]`}},
		{"exists false or value", `[{"exists":false},"x"]`, []string{`missing`, `"x"`}, []string{`"y"`}},
	}
	for _, c := range cases {
		p, err := Compile([]byte(`{"data":{"v":` + c.pattern + `}}`))
		if err != nil {
			t.Errorf("%s: compile: %v", c.name, err)
			continue
		}
		ev := func(v string) map[string]any {
			if v == "missing" {
				return data(t, `{"other":1}`)
			}
			return data(t, `{"other":1,"v":`+v+`}`)
		}
		for _, v := range c.match {
			if !p.Match(ev(v)) {
				t.Errorf("%s: %s should match %s", c.name, c.pattern, v)
			}
		}
		for _, v := range c.noMatch {
			if p.Match(ev(v)) {
				t.Errorf("%s: %s should not match %s", c.name, c.pattern, v)
			}
		}
	}
}

func TestLogicAndShape(t *testing.T) {
	ev := event(t, `{"specversion":"1.0","id":"7","source":"acs.dts","type":"dts:insert","subject":"orders","aliyunregionid":"cn-hangzhou",
		"data":{"schema":{"tableName":"orders","db":"shop"},"operation":"INSERT","amount":120,"tags":["a","b"],"ip":"10.1.2.3"}}`)
	cases := []struct {
		pattern string
		want    bool
	}{
		{`{}`, true},
		{` { } `, true},
		{`{"source":["acs.dts"]}`, true},
		{`{"source":["acs.dts"],"type":["dts:update"]}`, false}, // AND across keys
		{`{"type":["dts:update","dts:insert"]}`, true},          // OR within an array
		{`{"source":[{"prefix":"acs."}],"data":{"schema":{"tableName":["orders"]},"operation":["INSERT"]}}`, true},
		{`{"data":{"schema":{"tableName":["customers"]}}}`, false},
		{`{"data":{"schema":{"db":[{"exists":true}],"tableName":[{"anything-but":"x"}]},"amount":[{"numeric":[">",100]}],"tags":["b"],"ip":[{"cidr":"10.1.0.0/16"}]}}`, true},
		{`{"data":{"schema":{"missing":[{"exists":false}]}}}`, true},
		{`{"data":{"operation":{"nested":["x"]}}}`, false}, // path through a string: missing
		{`{"aliyunregionid":["cn-hangzhou"]}`, true},
		{`{"eventbusname":[{"exists":false}]}`, true},
		{`{"subject":["orders"],"id":[7]}`, true},
	}
	for _, c := range cases {
		p, err := Compile([]byte(c.pattern))
		if err != nil {
			t.Errorf("%s: %v", c.pattern, err)
			continue
		}
		if got := p.Match(ev); got != c.want {
			t.Errorf("%s: Match = %v, want %v", c.pattern, got, c.want)
		}
	}
	// Data leaves never match an event without data, even exists:false.
	p := MustCompile(`{"data":{"x":[{"exists":false}]}}`)
	for _, e := range []string{`{"source":"s"}`, `{"source":"s","data":null}`, `{"source":"s","data":"text"}`} {
		if p.Match(event(t, e)) {
			t.Errorf("%s matched an event without object data: %s", p, e)
		}
	}
	// Go numbers in hand-built events use their decimal text.
	if !MustCompile(`{"data":{"n":[42],"f":[{"numeric":[">",1]}]}}`).Match(map[string]any{"data": map[string]any{"n": int64(42), "f": 1.5}}) {
		t.Error("Go numeric event values")
	}
}

func TestPatternErrors(t *testing.T) {
	cases := []struct {
		pattern string
		cat     string
		path    string
		detail  string
	}{
		{`{"source":`, InvalidJSONString, "", ""},
		{`{"source":["a"]} x`, InvalidJSONString, "", "unexpected content"},
		{`["source"]`, NonSupportedJSON, "", "must be a JSON object"},
		{`"x"`, NonSupportedJSON, "", ""},
		{`{"sorce":["a"]}`, UnrecognizedPatternKey, "sorce", "not a CloudEvents attribute"},
		{`{"$or":[{"source":["a"]}]}`, UnrecognizedPatternKey, "$or", "AWS EventBridge"},
		{`{"data":{"$or":[{"a":["x"]}]}}`, UnrecognizedPatternKey, "data.$or", "AWS"},
		{`{"source":"acs.dts"}`, InvalidPatternValue, "source", `got "acs.dts"`},
		{`{"source":[]}`, InvalidPatternValue, "source", "empty"},
		{`{"source":{"prefix":"a"}}`, InvalidPatternValue, "source", ""},
		{`{"data":{"a":"x"}}`, InvalidPatternValue, "data.a", `got "x"`},
		{`{"data":{"a":null}}`, InvalidPatternValue, "data.a", "got null"},
		{`{"data":{"a":{"b":[]}}}`, InvalidPatternValue, "data.a.b", "empty"},
		{`{"data":["x"]}`, NoDataPatternKey, "data", "must be a JSON object"},
		{`{"data":{}}`, NoDataPatternKey, "data", "must not be empty"},
		{`{"data":{"a":{}}}`, NoDataPatternKey, "data.a", ""},
		{`{"data":{"a":[["x"]]}}`, NestedPatternValue, "data.a[0]", ""},
		{`{"data":{"a":["x",{}]}}`, InvalidPatternCondition, "data.a[1]", "exactly one key, got 0"},
		{`{"data":{"a":[{"prefix":"x","suffix":"y"}]}}`, InvalidPatternCondition, "data.a[0]", "got 2"},
		{`{"data":{"a":[{"anything-but":{}}]}}`, InvalidPatternCondition, "data.a[0].anything-but", ""},
		{`{"data":{"a":[{"anything-but":{"prefix":"x","suffix":"y"}}]}}`, InvalidPatternCondition, "data.a[0].anything-but", ""},
		{`{"data":{"a":[{"regex":"x"}]}}`, UnrecognizedPatternCondition, "data.a[0].regex", `unknown operator "regex"`},
		{`{"data":{"a":[{"equals-ignore-case":"x"}]}}`, UnrecognizedPatternCondition, "data.a[0].equals-ignore-case", "AWS EventBridge operator"},
		{`{"data":{"a":[{"wildcard":"x*"}]}}`, UnrecognizedPatternCondition, "data.a[0].wildcard", "AWS"},
		{`{"data":{"a":[{"prefix":""}]}}`, EmptyPrefixCondition, "data.a[0].prefix", ""},
		{`{"data":{"a":[{"prefix":5}]}}`, InvalidPrefixCondition, "data.a[0].prefix", "got 5"},
		{`{"data":{"a":[{"suffix":""}]}}`, EmptySuffixCondition, "data.a[0].suffix", ""},
		{`{"data":{"a":[{"suffix":["x"]}]}}`, InvalidSuffixCondition, "data.a[0].suffix", ""},
		{`{"data":{"a":[{"contains":""}]}}`, EmptyContainsCondition, "data.a[0].contains", ""},
		{`{"data":{"a":[{"contains":1}]}}`, InvalidContainsCondition, "data.a[0].contains", ""},
		{`{"data":{"a":[{"exists":"true"}]}}`, InvalidExistsCondition, "data.a[0].exists", `got "true"`},
		{`{"data":{"a":[{"cidr":"10.0.0.0/33"}]}}`, InvalidCidrCondition, "data.a[0].cidr", "not a CIDR block"},
		{`{"data":{"a":[{"cidr":"10.0.0"}]}}`, InvalidCidrCondition, "data.a[0].cidr", "not an IP address"},
		{`{"data":{"a":[{"cidr":""}]}}`, InvalidCidrCondition, "data.a[0].cidr", ""},
		{`{"data":{"a":[{"anything-but":{"wildcard":"x"}}]}}`, InvalidNestedAnythingButCondition, "data.a[0].anything-but.wildcard", ""},
		{`{"data":{"a":[{"anything-but":{"prefix":""}}]}}`, EmptyPrefixCondition, "data.a[0].anything-but.prefix", ""},
		{`{"data":{"a":[{"anything-but":["x",{"prefix":"y"}]}]}}`, InvalidAnythingButCondition, "data.a[0].anything-but[1]", ""},
		{`{"data":{"a":[{"anything-but":[["x"]]}]}}`, InvalidAnythingButCondition, "data.a[0].anything-but[0]", ""},
		{`{"data":{"a":[{"numeric":">5"}]}}`, InvalidNumericCondition, "data.a[0].numeric", "takes an array"},
		{`{"data":{"a":[{"numeric":[">",1,"<"]}]}}`, InvalidNumericCondition, "data.a[0].numeric", "2 or 4 elements"},
		{`{"data":{"a":[{"numeric":[">","5"]}]}}`, UnrecognizedNumericConditionValue, "data.a[0].numeric[0]", ""},
		{`{"data":{"a":[{"numeric":[5,">"]}]}}`, UnrecognizedNumericConditionValue, "data.a[0].numeric[0]", ""},
		{`{"data":{"a":[{"numeric":[">",1000000001]}]}}`, InvalidNumericConditionValue, "data.a[0].numeric[1]", "outside [-1e9, 1e9]"},
		{`{"data":{"a":[{"numeric":["~",2e9]}]}}`, InvalidNumericConditionValue, "data.a[0].numeric[1]", ""}, // range before operator
		{`{"data":{"a":[{"numeric":[">",0,"=<",5]}]}}`, UnrecognizedNumericConditionExp, "data.a[0].numeric[2]", `unknown operator "=<"`},
	}
	for _, c := range cases {
		_, err := Compile([]byte(c.pattern))
		var pe *PatternError
		if !errors.As(err, &pe) {
			t.Errorf("%s: err = %v, want a *PatternError", c.pattern, err)
			continue
		}
		if pe.Category != c.cat || pe.Path != c.path || !strings.Contains(pe.Detail, c.detail) {
			t.Errorf("%s:\n  got  %s | %s | %s\n  want %s | %s | …%s…", c.pattern, pe.Category, pe.Path, pe.Detail, c.cat, c.path, c.detail)
		}
		if !strings.HasPrefix(err.Error(), "Event pattern is not valid, reason: "+c.cat) || !errors.Is(err, ErrInvalidPattern) {
			t.Errorf("%s: message %q", c.pattern, err)
		}
	}
	// The full text a user sees.
	_, err := Compile([]byte(`{"data":{"price":[{"numeric":[">","5"]}]}}`))
	want := `Event pattern is not valid, reason: UNRECOGNIZED_NUMERIC_CONDITION_VALUE at data.price[0].numeric[0]: want an operator string then a JSON number, got ">", "5"`
	if err == nil || err.Error() != want {
		t.Errorf("message\n  %v\nwant\n  %s", err, want)
	}
}

func TestExtensions(t *testing.T) {
	if _, err := Compile([]byte(`{"myext":["x"]}`)); err == nil {
		t.Error("an unconfigured extension was accepted")
	}
	p, err := CompileOptions([]byte(`{"myext":["x"]}`), Options{Extensions: []string{"myext"}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Match(map[string]any{"myext": "x"}) || p.Match(map[string]any{"myext": "y"}) {
		t.Error("extension attribute not matched")
	}
}
