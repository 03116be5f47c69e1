package props

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/inletdev/inlet/connect"
)

func TestParseKeepsPlaceholdersAndGrammar(t *testing.T) {
	in := "# comment\n! also a comment\n" +
		"name = outbox\n" +
		"transforms.outbox.route.topic.replacement=outbox.event.${routedByValue}\n" +
		"a:colon\n" +
		"b spaced value\n" +
		"long = one, \\\n   two\n" +
		"uni=caf\\u00e9\n" +
		"key\\ with\\ space=x\n"
	got, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"name": "outbox",
		"transforms.outbox.route.topic.replacement": "outbox.event.${routedByValue}",
		"a":              "colon",
		"b":              "spaced value",
		"long":           "one, two",
		"uni":            "café",
		"key with space": "x",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
}

func TestParseJSONForms(t *testing.T) {
	body := `{"name":"c1","config":{"connector.class":"file","tasks.max":2,"flag":true,"gone":null}}`
	got, err := ParseJSON([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"name": "c1", "connector.class": "file", "tasks.max": "2", "flag": "true"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
	flat, err := ParseJSON([]byte(`{"name":"c2","connector.class":"x"}`))
	if err != nil || flat["name"] != "c2" || flat["connector.class"] != "x" {
		t.Fatalf("flat: %v %v", flat, err)
	}
	if _, err := ParseJSON([]byte(`{"name":"c","config":{"nested":{"a":1}}}`)); !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), `"nested"`) {
		t.Fatalf("nested value: %v", err)
	}
	if _, err := ParseJSON([]byte(`{"name":"a","config":{"name":"b"}}`)); err == nil {
		t.Fatal("mismatched names accepted")
	}
	m, st, err := ParseJSONState([]byte(`{"name":"a","config":{"k":"v"},"initial_state":"paused"}`))
	if err != nil || st != "PAUSED" || m["name"] != "a" {
		t.Fatalf("initial_state: %v %q %v", m, st, err)
	}
	for _, bad := range []string{`{"name":"a","config":{},"initial_state":"ASLEEP"}`, `{"name":"a","config":{},"tasks":[]}`} {
		if _, _, err := ParseJSONState([]byte(bad)); err == nil {
			t.Fatalf("accepted %s", bad)
		}
	}
}

func TestReadFileNamesFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.json")
	os.WriteFile(p, []byte(`{"name":`), 0o600)
	_, err := ReadFile(p)
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("error does not name the file: %v", err)
	}
	q := filepath.Join(dir, "ok.properties")
	os.WriteFile(q, []byte("name=x\nconnector.class=y\n"), 0o600)
	m, err := ReadFile(q)
	if err != nil || m["connector.class"] != "y" {
		t.Fatal(m, err)
	}
}

func TestLoadWorkerFlatKeysAndEnv(t *testing.T) {
	t.Setenv("INLET_OFFSET_FLUSH_INTERVAL_MS", "1234")
	t.Setenv("INLET_TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS", "99")
	data := []byte("offset.flush.interval.ms=10000\nbootstrap.servers=localhost:9092\nconfig.providers.f.param.allowedPaths=/x\n")
	got, err := LoadWorkerBytes(data, []string{"task.shutdown.graceful.timeout.ms", "offset.storage.file.filename"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"offset.flush.interval.ms":              "1234",
		"bootstrap.servers":                     "localhost:9092",
		"config.providers.f.param.allowedPaths": "/x",
		"task.shutdown.graceful.timeout.ms":     "99",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
	if EnvName("offset.flush.interval.ms") != "INLET_OFFSET_FLUSH_INTERVAL_MS" {
		t.Fatal(EnvName("offset.flush.interval.ms"))
	}
}

func TestResolver(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "creds.properties"), []byte("dbPassword=s3cret\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "token"), []byte("tok"), 0o600)
	r, err := NewResolver(map[string]string{
		"config.providers":                             "file,env,dir",
		"config.providers.file.class":                  "org.apache.kafka.common.config.provider.FileConfigProvider",
		"config.providers.file.param.allowed.paths":    dir,
		"config.providers.env.class":                   "EnvVarConfigProvider",
		"config.providers.env.param.allowlist.pattern": "INLET_T_.*",
		"config.providers.dir.class":                   "DirectoryConfigProvider",
	})
	if err != nil {
		t.Fatal(err)
	}
	r.SetLookupEnv(func(k string) (string, bool) {
		if k == "INLET_T_USER" {
			return "bob", true
		}
		return "", false
	})
	got, err := r.Resolve(map[string]string{
		"database.password": "${file:" + dir + "/creds.properties:dbPassword}",
		"database.user":     "${env:INLET_T_USER}",
		"token":             "pre-${dir:" + dir + ":token}",
		"route":             "outbox.event.${routedByValue}",
		"other":             "${vault:secret/x:y}",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"database.password": "s3cret", "database.user": "bob", "token": "pre-tok",
		"route": "outbox.event.${routedByValue}", "other": "${vault:secret/x:y}"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}

	_, err = r.Resolve(map[string]string{
		"a": "${env:INLET_T_MISSING}",
		"b": "${env:HOME}",
		"c": "${file:/etc/passwd:root}",
		"d": "${file:" + dir + "/creds.properties:nokey}",
		"e": "${env:x:INLET_T_USER}",
	})
	ces := connect.AsConfigErrors(err)
	if len(ces) != 5 {
		t.Fatalf("want 5 errors, got %v", err)
	}
	for i, k := range []string{"a", "b", "c", "d", "e"} {
		if ces[i].Key != k {
			t.Errorf("error %d names %q, want %q", i, ces[i].Key, k)
		}
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatal("secret leaked into error")
	}
}

func TestResolverConfigErrors(t *testing.T) {
	_, err := NewResolver(map[string]string{
		"config.providers":               "v,f",
		"config.providers.v.class":       "com.example.VaultConfigProvider",
		"config.providers.x.class":       "FileConfigProvider",
		"config.providers.f.class":       "file",
		"config.providers.f.param.bogus": "1",
	})
	ces := connect.AsConfigErrors(err)
	keys := []string{}
	for _, e := range ces {
		keys = append(keys, e.Key)
	}
	want := []string{"config.providers.f.param.bogus", "config.providers.v.class", "config.providers.x.class"}
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("keys %v want %v (%v)", keys, want, err)
	}
}

func FuzzProperties(f *testing.F) {
	for _, s := range []string{
		"a=b\n", "a:b", "a b", "# c\n!d\n", "a=\\\n  b", "k=\\u00e9", "k=\\uZZZZ", "=v", "k=${x}", "k=${x:y:z}",
		"a\\=b=c", "\\", "k=v\\", "\xff\xfe=\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		// What we parsed must survive a write and a re-read unchanged.
		again, err := Parse([]byte(Format(m)))
		if err != nil {
			t.Fatalf("re-read of formatted output failed: %v\n%q", err, Format(m))
		}
		if !reflect.DeepEqual(m, again) {
			t.Fatalf("round trip changed the map:\n%q\n%q", m, again)
		}
	})
}

func FuzzPipelineJSON(f *testing.F) {
	for _, s := range []string{`{"name":"a","config":{"k":"v"}}`, `{"k":1,"b":true,"n":null}`, `{"config":[]}`, `[]`, `{"a":{"b":1}}`, `{"name":1,"config":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseJSON(data)
		if err != nil {
			return
		}
		// A parsed config written back as a flat JSON map reads the same.
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseJSON(b)
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, b)
		}
		if _, nested := m["config"]; !nested && !reflect.DeepEqual(m, again) {
			t.Fatalf("round trip changed the map: %q vs %q", m, again)
		}
	})
}
