package worker

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/inletdev/inlet/connect"
)

// Each config problem is reported once, under the key the user wrote, even
// when the dead-letter queue's config (the sink's overlaid by
// errors.deadletterqueue.*) parses the same keys a second time.
func TestConfigProblemReportedOnceUnderWrittenKey(t *testing.T) {
	e := newEnv(t)
	w, _ := e.newWorker()
	dlq := []string{"errors.deadletterqueue.topic.name", "dlq"}
	for _, c := range []struct {
		name string
		kv   []string
		want string // the one key every error names
	}{
		{"sink", []string{"sink.token.ref", "x"}, "sink.token.ref"},
		{"sink with DLQ", append([]string{"sink.token.ref", "x"}, dlq...), "sink.token.ref"},
		{"missing sink key with DLQ", append([]string{"sink.connector.class", "needy"}, dlq...), "sink.path"},
		{"source", []string{"sink.connector.class", "<unset>", "connector.class", "memsink", "source.connector.class", "mem", "source.token.ref", "x"}, "source.token.ref"},
		{"sink connector with DLQ", append([]string{"sink.connector.class", "<unset>", "connector.class", "memsink", "source.connector.class", "mem", "token.ref", "x"}, dlq...), "token.ref"},
		{"transform", []string{"transforms", "a", "transforms.a.type", "Tag", "transforms.a.tag", "t", "transforms.a.token.ref", "x"}, "transforms.a.token.ref"},
		{"predicate", []string{"predicates", "p", "predicates.p.type", "ValueIs", "predicates.p.value", "v", "predicates.p.token.ref", "x"}, "predicates.p.token.ref"},
		{"DLQ overlay", append([]string{"errors.deadletterqueue.token.ref", "x"}, dlq...), "errors.deadletterqueue.token.ref"},
		{"DLQ connector", append([]string{"errors.deadletterqueue.connector.class", "memsink", "errors.deadletterqueue.token.ref", "x"}, dlq...), "errors.deadletterqueue.token.ref"},
		{"converter", []string{"value.converter", "NoSuchConverter"}, "value.converter"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := w.Create(context.Background(), "p", pipe(c.kv...), TargetRunning)
			var ci *ConfigInvalidError
			if !errors.As(err, &ci) {
				t.Fatalf("want ConfigInvalidError, got %v", err)
			}
			if len(ci.Errors) != 1 || ci.Errors[0].Key != c.want {
				t.Fatalf("want one error naming %s, got:\n%v", c.want, err)
			}
			if errs := CheckConfig(e.reg, w.cfg, nil, pipe(c.kv...)); len(errs) != 1 || errs[0].Key != c.want {
				t.Fatalf("CheckConfig: want one error naming %s, got:\n%v", c.want, errs)
			}
		})
	}
}

// A pipeline's own converter reports every problem, each under the key
// written (value.converter.<key>), not the first one with a count.
func TestConverterProblemsEachNamed(t *testing.T) {
	e := newEnv(t)
	e.reg.Register(connect.Plugin{Kind: connect.KindConverter, Name: "Conv",
		Config:       connect.NewConfigDef(connect.ConfigKey{Name: "a", Type: connect.TypeInt}),
		NewConverter: func(cfg connect.Config, isKey bool) (connect.Converter, error) { return nil, nil }})
	w, _ := e.newWorker()
	m := pipe("value.converter", "Conv", "value.converter.a", "x", "value.converter.tokn.ref", "y")
	err := w.Create(context.Background(), "p", m, TargetRunning)
	var ci *ConfigInvalidError
	if !errors.As(err, &ci) {
		t.Fatalf("want ConfigInvalidError, got %v", err)
	}
	var keys []string
	for _, ce := range ci.Errors {
		keys = append(keys, ce.Key)
	}
	if want := []string{"value.converter.a", "value.converter.tokn.ref"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("errors name %v, want %v:\n%v", keys, want, err)
	}
}
