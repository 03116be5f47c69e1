package forms

import (
	"strings"
	"testing"

	"github.com/inletdev/inlet/connect"
)

func TestFromConfig(t *testing.T) {
	def := connect.NewConfigDef(ConfigKeys("message.body", "the body", "", Original, Original, JSONPath, Constant, Templated)...)
	tests := []struct {
		props  map[string]string
		key    string // expected error key, "" = ok
		reason string
		want   Form
	}{
		{map[string]string{}, "", "", Original},
		{map[string]string{"message.body.form": "jsonpath", "message.body.value": "$.data.body"}, "", "", JSONPath},
		{map[string]string{"message.body.form": "JSONPATH", "message.body.value": "$..x"}, "message.body.value", "deep scan", 0},
		{map[string]string{"message.body.form": "TEMPLATE", "message.body.value": "{}", "message.body.template": "x"}, "message.body.value", "at least one parameter", 0},
		{map[string]string{"message.body.form": "TEMPLATE", "message.body.value": `{"a":"$.a"}`, "message.body.template": "${a"}, "message.body.template", "no closing", 0},
		{map[string]string{"message.body.form": "NONE"}, "message.body.form", "must be one of", 0},
	}
	for _, tc := range tests {
		cfg, err := def.Parse(tc.props)
		if err != nil {
			if tc.key == "message.body.form" && strings.Contains(err.Error(), tc.reason) {
				continue
			}
			t.Fatalf("%v: %v", tc.props, err)
		}
		x, errs := FromConfig(cfg, "message.body", Original, Original, JSONPath, Constant, Templated)
		if tc.key == "" {
			if errs != nil || x.Form() != tc.want {
				t.Errorf("%v: %v %v", tc.props, x, errs)
			}
			continue
		}
		if len(errs) != 1 || errs[0].Key != tc.key || !strings.Contains(errs[0].Reason, tc.reason) {
			t.Errorf("%v: errs = %v, want %s: %s", tc.props, errs, tc.key, tc.reason)
		}
	}
}
