// Package props reads inlet's configuration files: Java .properties (the
// Kafka Connect format, keys kept flat), JSON connector files, the worker
// file through viper with INLET_* environment overrides, and resolves
// config provider references (${env:VAR}, ${file:path:key}, ${dir:path:file}).
package props

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/magiconair/properties"
)

// Parse reads Java .properties text (comments, '=' ':' or space separators,
// continuation lines, \uXXXX escapes) into a flat map. ${...} is kept as
// written: Kafka Connect files use it for config provider references and
// Debezium's outbox router for placeholders like outbox.event.${routedByValue}.
func Parse(data []byte) (map[string]string, error) {
	l := &properties.Loader{Encoding: properties.UTF8, DisableExpansion: true}
	p, err := l.LoadBytes(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	out := make(map[string]string, p.Len())
	for _, k := range p.Keys() {
		v, _ := p.Get(k)
		out[k] = v
	}
	return out, nil
}

// ReadFile reads a pipeline (connector) file: Java properties, or JSON,
// either a POST /connectors body {"name":..,"config":{..}} or a flat map,
// as connect-standalone accepts. JSON is recognised by a .json extension or
// a leading '{'. Errors name the file.
func ReadFile(path string) (map[string]string, error) {
	m, _, err := ReadFileState(path)
	return m, err
}

// ReadFileState is ReadFile that also returns the "initial_state" of a
// JSON POST /connectors body (RUNNING, PAUSED or STOPPED; "" if none).
func ReadFileState(path string) (map[string]string, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err // *PathError names the file
	}
	var m map[string]string
	state := ""
	if strings.EqualFold(filepath.Ext(path), ".json") || bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		m, state, err = ParseJSONState(data)
	} else {
		m, err = Parse(data)
	}
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return m, state, nil
}

// ParseJSON reads a connector config in JSON: {"name":..,"config":{..}} or a
// flat map. Non-string values (numbers, booleans) are kept as their text.
func ParseJSON(data []byte) (map[string]string, error) {
	m, _, err := ParseJSONState(data)
	return m, err
}

// ParseJSONState is ParseJSON that also returns a body's "initial_state".
func ParseJSONState(data []byte) (map[string]string, string, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	if _, ok := raw["config"]; !ok {
		m, err := flatJSON(raw)
		return m, "", err
	}
	var body struct {
		Name         string                     `json:"name"`
		Config       map[string]json.RawMessage `json:"config"`
		InitialState string                     `json:"initial_state"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	for k := range raw {
		if k != "name" && k != "config" && k != "initial_state" {
			return nil, "", fmt.Errorf("%w: unknown field %q in a connector body (expected name, config, initial_state)", ErrSyntax, k)
		}
	}
	switch strings.ToUpper(body.InitialState) {
	case "", "RUNNING", "PAUSED", "STOPPED":
	default:
		return nil, "", fmt.Errorf("%w: initial_state %q: expected RUNNING, PAUSED or STOPPED", ErrSyntax, body.InitialState)
	}
	out, err := flatJSON(body.Config)
	if err != nil {
		return nil, "", err
	}
	if n, ok := out["name"]; ok && body.Name != "" && n != body.Name {
		return nil, "", fmt.Errorf("%w: \"name\" is %q but config.name is %q", ErrSyntax, body.Name, n)
	}
	if body.Name != "" {
		out["name"] = body.Name
	}
	return out, strings.ToUpper(body.InitialState), nil
}

func flatJSON(raw map[string]json.RawMessage) (map[string]string, error) {
	out := make(map[string]string, len(raw))
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := bytes.TrimSpace(raw[k])
		switch {
		case len(v) == 0 || string(v) == "null":
			continue // Kafka's PATCH semantics: null means unset
		case v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, fmt.Errorf("%w: key %q: %v", ErrSyntax, k, err)
			}
			out[k] = s
		case v[0] == '{' || v[0] == '[':
			return nil, fmt.Errorf("%w: key %q: expected a string, number or boolean, found %s", ErrSyntax, k, kindOf(v[0]))
		default:
			if _, err := strconv.ParseFloat(string(v), 64); err != nil && string(v) != "true" && string(v) != "false" {
				return nil, fmt.Errorf("%w: key %q: bad value %s", ErrSyntax, k, v)
			}
			out[k] = string(v)
		}
	}
	return out, nil
}

func kindOf(b byte) string {
	if b == '{' {
		return "an object"
	}
	return "an array"
}

// Format renders a flat map as .properties text, keys sorted, escaped so
// Parse reads back exactly the same map.
func Format(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		escape(&b, k, true)
		b.WriteByte('=')
		escape(&b, m[k], false)
		b.WriteByte('\n')
	}
	return b.String()
}

func escape(b *strings.Builder, s string, isKey bool) {
	for i, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\f':
			b.WriteString(`\f`)
		case '=', ':', '#', '!':
			if isKey || i == 0 {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		case ' ':
			if isKey || i == 0 {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		default:
			if r < 0x20 || r == 0x7f || r == 0xfffd {
				fmt.Fprintf(b, `\u%04x`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
}
