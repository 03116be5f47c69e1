package connect

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func testDef() *ConfigDef {
	return NewConfigDef(
		ConfigKey{Name: "topic", Required: true, Doc: "The topic. More text."},
		ConfigKey{Name: "batch", Type: TypeInt, Default: "10", Validator: Between(1, 100)},
		ConfigKey{Name: "big", Type: TypeLong, Default: "5"},
		ConfigKey{Name: "ratio", Type: TypeDouble, Default: "0.5", Validator: AtLeast(0)},
		ConfigKey{Name: "enabled", Type: TypeBoolean, Default: "false"},
		ConfigKey{Name: "list", Type: TypeList, Default: "a, b ,c"},
		ConfigKey{Name: "secret", Type: TypePassword, Default: ""},
		ConfigKey{Name: "mode", Default: "fast", Validator: OneOf("fast", "safe")},
		ConfigKey{Name: "re", Default: ".*", Validator: ValidRegex()},
		ConfigKey{Name: "short", Type: TypeShort, Default: "1"},
	).AllowPrefix("producer.override.", "producer settings").
		Reject("blacklist", "removed in Kafka 3.0; use exclude")
}

func TestParseTypedValuesAndDefaults(t *testing.T) {
	c, err := testDef().Parse(map[string]string{"topic": " orders ", "enabled": "TRUE", "secret": "s3cr3t",
		"producer.override.acks": "all", "big": "9000000000"})
	if err != nil {
		t.Fatal(err)
	}
	if c.String("topic") != "orders" || c.Int("batch") != 10 || c.Long("big") != 9000000000 || c.Double("ratio") != 0.5 ||
		!c.Bool("enabled") || !reflect.DeepEqual(c.List("list"), []string{"a", "b", "c"}) || c.Password("secret").Value() != "s3cr3t" {
		t.Fatalf("parsed %+v", c)
	}
	if !c.Has("topic") || c.Has("batch") {
		t.Fatal("Has must tell set from defaulted")
	}
	if got := c.Prefixed("producer.override."); !reflect.DeepEqual(got, map[string]string{"acks": "all"}) {
		t.Fatalf("Prefixed = %v", got)
	}
	if c.Raw("topic") != " orders " || len(c.Originals()) != 5 {
		t.Fatal("Raw/Originals")
	}
	if s := fmt.Sprintf("%v %+v %#v %s", c.Password("secret"), c.Password("secret"), c.Password("secret"), c.Password("secret")); strings.Contains(s, "s3cr3t") {
		t.Fatalf("password leaked: %s", s)
	}
}

func TestParseReportsEveryProblemNamingKeys(t *testing.T) {
	_, err := testDef().Parse(map[string]string{
		"batch": "abc", "ratio": "-1", "enabled": "yes", "mode": "slow", "re": "(?<=x)", "short": "70000",
		"topicc": "x", "blacklist": "a", "secret": "hunter2",
	})
	ces := AsConfigErrors(err)
	byKey := map[string]string{}
	for _, e := range ces {
		byKey[e.Key] = e.Error()
	}
	want := map[string]string{
		"topic":     "missing required configuration (STRING): The topic.",
		"batch":     "expected an integer",
		"ratio":     "at least 0",
		"enabled":   "expected a boolean",
		"mode":      "must be one of fast, safe",
		"re":        "RE2",
		"short":     "16-bit",
		"topicc":    `unknown configuration key (did you mean "topic"?)`,
		"blacklist": "removed in Kafka 3.0",
	}
	for k, sub := range want {
		if !strings.Contains(byKey[k], sub) {
			t.Errorf("%s: got %q, want it to contain %q", k, byKey[k], sub)
		}
	}
	if len(ces) != len(want) {
		t.Errorf("got %d errors, want %d: %v", len(ces), len(want), err)
	}
	for i := 1; i < len(ces); i++ {
		if ces[i-1].Key > ces[i].Key {
			t.Fatal("errors are not sorted by key")
		}
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatal("a password appeared in an error")
	}
	if !strings.HasPrefix(err.Error(), fmt.Sprintf("invalid configuration, %d errors:", len(ces))) {
		t.Fatalf("message: %v", err)
	}
}

func TestValidateAnswerAndChecks(t *testing.T) {
	d := testDef().Check(func(c Config) ConfigErrors {
		if c.Int("batch") > 50 && c.String("mode") == "safe" {
			return ConfigErrors{{Key: "batch", Reason: "safe mode allows at most 50"}}
		}
		return nil
	})
	if _, err := d.Parse(map[string]string{"topic": "t", "batch": "60", "mode": "safe"}); err == nil || !strings.Contains(err.Error(), "at most 50") {
		t.Fatalf("cross-key check: %v", err)
	}
	vals := d.Validate(map[string]string{"batch": "x", "secret": "pw", "other": "1"})
	found := map[string]ConfigValue{}
	for _, v := range vals {
		found[v.Key.Name] = v
	}
	if len(found["topic"].Errors) != 1 || len(found["batch"].Errors) != 1 || len(found["other"].Errors) != 1 || found["secret"].Value != Hidden {
		t.Fatalf("Validate: %+v", vals)
	}
	m := d.Merge(NewConfigDef(ConfigKey{Name: "extra"}, ConfigKey{Name: "topic"}))
	if _, ok := m.Key("extra"); !ok || len(m.Keys()) != len(d.Keys())+1 {
		t.Fatal("Merge")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("a duplicate key must panic")
			}
		}()
		NewConfigDef(ConfigKey{Name: "a"}, ConfigKey{Name: "a"})
	}()
}

func TestSplitListAndLevenshtein(t *testing.T) {
	if got := SplitList(" a, ,b "); !reflect.DeepEqual(got, []string{"a", "", "b"}) {
		t.Fatalf("SplitList = %q", got)
	}
	if len(SplitList("  ")) != 0 {
		t.Fatal("empty list")
	}
	if Levenshtein("Kitten", "sitting") != 3 || Levenshtein("", "abc") != 3 {
		t.Fatal("Levenshtein")
	}
}

func newTransformPlugin(name string, aliases ...string) Plugin {
	return Plugin{Kind: KindTransform, Name: name, Aliases: aliases,
		NewTransform: func(Config) (Transformation, error) { return nil, nil }}
}

func TestRegistryAliasesAndSuggestions(t *testing.T) {
	r := NewRegistry()
	r.Register(newTransformPlugin("RegexRouter", "org.apache.kafka.connect.transforms.RegexRouter"))
	r.Register(newTransformPlugin("Cast$Value", "org.apache.kafka.connect.transforms.Cast$Value"))
	r.Register(newTransformPlugin("a.one.SharedTransform"))
	r.Register(newTransformPlugin("b.two.SharedTransform"))
	r.Register(Plugin{Kind: KindConverter, Name: "JsonConverter", Aliases: []string{"org.apache.kafka.connect.json.JsonConverter"},
		NewConverter: func(Config, bool) (Converter, error) { return nil, nil }})
	for _, name := range []string{"regexrouter", "org.apache.kafka.connect.transforms.RegexRouter", "REGEXROUTER", "Cast$Value", "cast$value"} {
		if _, err := r.Lookup(KindTransform, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if p, err := r.Lookup(KindConverter, "Json"); err != nil || p.Name != "JsonConverter" {
		t.Errorf("suffix-less converter alias: %v", err)
	}
	if _, err := r.Lookup(KindTransform, "SharedTransform"); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("shared derived alias: %v", err)
	}
	_, err := r.Lookup(KindTransform, "RegexRouterr")
	var upe *UnknownPluginError
	if !errors.As(err, &upe) || !errors.Is(err, ErrUnknownPlugin) || !strings.Contains(err.Error(), `did you mean "RegexRouter"`) {
		t.Errorf("suggestion: %v", err)
	}
	if _, err := r.Lookup(KindTransform, "zzzzzzzzzzzz"); err == nil || !strings.Contains(err.Error(), "inlet plugins") {
		t.Errorf("no suggestion: %v", err)
	}
	if _, err := r.Lookup(KindSource, "RegexRouter"); err == nil {
		t.Error("kinds must not mix")
	}
	if len(r.Find("JsonConverter")) != 1 || len(r.Plugins()) != 5 {
		t.Error("Find/Plugins")
	}
	for _, bad := range []Plugin{{Kind: KindTransform}, {Kind: KindTransform, Name: "x"}, newTransformPlugin("RegexRouter")} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%+v) must panic", bad.Name)
				}
			}()
			r.Register(bad)
		}()
	}
}

func TestEventContextRoundTrip(t *testing.T) {
	ctx := WithEventContext(context.Background(), EventContext{Pipeline: "p", Connector: "c"})
	if ec := EventContextFrom(ctx); ec.Pipeline != "p" || ec.Connector != "c" {
		t.Fatal(ec)
	}
	if EventContextFrom(context.Background()) != (EventContext{}) {
		t.Fatal("empty context")
	}
}
