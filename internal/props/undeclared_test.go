package props

import (
	"strings"
	"testing"
)

// A reference to a built-in provider name that the worker did not declare
// is an error naming the key and the lines to add; other aliases and
// template defaults stay literal, as in Kafka.
func TestUndeclaredBuiltinProviderIsAnError(t *testing.T) {
	r, err := NewResolver(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Resolve(map[string]string{"topic": "${env:MYTOPIC}"})
	if err == nil || !strings.Contains(err.Error(), "topic") || !strings.Contains(err.Error(), "config.providers=env") {
		t.Fatalf("err = %v", err)
	}
	out, err := r.Resolve(map[string]string{
		"a": "outbox.event.${routedByValue}",
		"b": `{"k":"${userProperties:-none}"}`,
		"c": "${vault:secret/db:password}",
		"d": "${env:-fallback}",
	})
	if err != nil {
		t.Fatal(err)
	}
	if out["a"] != "outbox.event.${routedByValue}" || out["b"] != `{"k":"${userProperties:-none}"}` || out["c"] != "${vault:secret/db:password}" || out["d"] != "${env:-fallback}" {
		t.Fatalf("literal references changed: %v", out)
	}
	r2, err := NewResolver(map[string]string{"config.providers": "env", "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider"})
	if err != nil {
		t.Fatal(err)
	}
	r2.SetLookupEnv(func(string) (string, bool) { return "orders", true })
	out, err = r2.Resolve(map[string]string{"topic": "${env:MYTOPIC}"})
	if err != nil || out["topic"] != "orders" {
		t.Fatalf("declared provider: %v %v", out, err)
	}
}
