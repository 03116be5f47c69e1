package dts_test

import (
	"strings"
	"testing"

	"github.com/inletdev/inlet/source/dts"
)

func TestParseCheckpoint(t *testing.T) {
	for in, want := range map[string]int64{
		"1655740800":                        1655740800,
		"2022-06-21 00:00:00 +08:00":        1655740800,
		"2022-06-21 00:00:00+08:00":         1655740800,
		"2022-06-21 00:00:00 +0800":         1655740800,
		"2022-06-21 00:00:00 Asia/Shanghai": 1655740800,
		"2022-06-21T00:00:00+08:00":         1655740800,
		"2022-06-20 16:00:00 UTC":           1655740800,
		"2022-06-20T16:00:00Z":              1655740800,
		" 2022-06-20 16:00:00 Z ":           1655740800,
	} {
		got, err := dts.ParseCheckpoint(in)
		if err != nil || got != want {
			t.Errorf("%q: %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"2022-06-21 00:00:00":           "no time zone",
		"1655740800000":                 "milliseconds are not accepted",
		"2022-06-21 00:00:00 Mars/Base": "unknown time zone",
		"yesterday":                     "neither Unix seconds nor a date-time",
		"7000-01-01 00:00:00 +08:00":    "out of range",
		"1969-12-31 23:59:59 UTC":       "out of range",
	} {
		if _, err := dts.ParseCheckpoint(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error containing %q", in, err, want)
		}
	}
}

func TestConfigReportsEveryProblem(t *testing.T) {
	_, err := dts.ConfigDef().Parse(map[string]string{"dts.broker.url": "no-port", "dts.output.format": "canal", "dts.passwrd": "x"})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, key := range []string{"dts.broker.url", "dts.topic", "dts.sid", "dts.user", "dts.password", "dts.output.format", "dts.passwrd"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s:\n%v", key, err)
		}
	}
	cfg, err := dts.ConfigDef().Parse(map[string]string{"dts.broker.url": "h:1", "dts.topic": "t", "dts.sid": "s", "dts.user": "u", "dts.password": "secret"})
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Password("dts.password").String(); strings.Contains(s, "secret") {
		t.Error("password printed")
	}
}

func TestSubjectKeysNeedTheEventBridgeFormat(t *testing.T) {
	base := map[string]string{"dts.broker.url": "h:1", "dts.topic": "t", "dts.sid": "s", "dts.user": "u", "dts.password": "p",
		"dts.task.id": "dtsabc", "dts.region": "cn-hangzhou"}
	if _, err := dts.ConfigDef().Parse(base); err != nil {
		t.Fatalf("eventbridge format: %v", err)
	}
	base["dts.output.format"] = "debezium"
	_, err := dts.ConfigDef().Parse(base)
	for _, w := range []string{`dts.task.id="dtsabc": has no effect with dts.output.format=debezium`, `dts.region="cn-hangzhou": has no effect`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("debezium format with subject keys: %v; want %q", err, w)
		}
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	for _, s := range []string{"1655740800", "2022-06-21 00:00:00 +08:00", "2022-06-21 00:00:00 Asia/Shanghai", "2022-06-21T00:00:00Z", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := dts.ParseCheckpoint(s)
		if err == nil && (n < 0 || n > 99999999999) {
			t.Fatalf("%q parsed to %d", s, n)
		}
	})
}
