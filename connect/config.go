package connect

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ConfigType is the type of a configuration key (Kafka's ConfigDef.Type).
type ConfigType uint8

// Kafka's config types.
const (
	TypeString ConfigType = iota + 1
	TypeBoolean
	TypeInt
	TypeShort
	TypeLong
	TypeDouble
	TypeList
	TypeClass
	TypePassword
)

var configTypeNames = [...]string{"", "STRING", "BOOLEAN", "INT", "SHORT", "LONG", "DOUBLE", "LIST", "CLASS", "PASSWORD"}

func (t ConfigType) String() string {
	if int(t) < len(configTypeNames) {
		return configTypeNames[t]
	}
	return "UNKNOWN"
}

// Importance is how much a key matters to most users.
type Importance uint8

// Kafka's importance levels.
const (
	High Importance = iota + 1
	Medium
	Low
)

func (i Importance) String() string {
	switch i {
	case High:
		return "HIGH"
	case Medium:
		return "MEDIUM"
	case Low:
		return "LOW"
	}
	return "LOW"
}

// Password is a PASSWORD value. It prints as [hidden]; call Value for the
// secret itself, and only where it is used.
type Password struct{ secret string }

// NewPassword wraps a secret.
func NewPassword(s string) Password { return Password{s} }

// Value returns the secret.
func (p Password) Value() string { return p.secret }

// String returns "[hidden]".
func (p Password) String() string { return Hidden }

// GoString returns "[hidden]" so %#v does not leak either.
func (p Password) GoString() string { return Hidden }

// MarshalText keeps secrets out of JSON and logs.
func (p Password) MarshalText() ([]byte, error) { return []byte(Hidden), nil }

// Hidden is how a PASSWORD value is shown.
const Hidden = "[hidden]"

// Validator checks a parsed value (string, bool, int, int64, float64,
// []string, Password, by key type) and returns a reason when it is wrong.
type Validator func(v any) error

// ConfigKey declares one key.
type ConfigKey struct {
	Name        string
	Type        ConfigType
	Default     string // the textual default, as a user would write it
	Required    bool   // no default; the key must be set
	Validator   Validator
	Importance  Importance
	Doc         string
	Group       string
	Recommended []string // recommended values, shown by validate
	// Deprecated names this key's replacement; the key still works.
	Deprecated string
}

// ConfigDef declares the keys a plugin accepts. Parse validates a flat
// map[string]string against it and reports every problem at once; the same
// declaration renders docs (Keys) and the REST validate answer (Validate).
type ConfigDef struct {
	keys     []ConfigKey
	index    map[string]int
	prefixes []prefixDef
	rejected map[string]string
	checks   []func(Config) ConfigErrors
}

type prefixDef struct{ prefix, doc string }

// NewConfigDef declares keys. It panics on a duplicate name (a plugin bug).
func NewConfigDef(keys ...ConfigKey) *ConfigDef {
	d := &ConfigDef{index: map[string]int{}, rejected: map[string]string{}}
	for _, k := range keys {
		d.Define(k)
	}
	return d
}

// Define adds a key and returns d.
func (d *ConfigDef) Define(k ConfigKey) *ConfigDef {
	if _, dup := d.index[k.Name]; dup {
		panic("connect: duplicate config key " + k.Name)
	}
	if k.Type == 0 {
		k.Type = TypeString
	}
	if k.Importance == 0 {
		k.Importance = Medium
	}
	d.index[k.Name] = len(d.keys)
	d.keys = append(d.keys, k)
	return d
}

// AllowPrefix lets any key under prefix through unparsed (e.g.
// "producer.override."); the plugin reads them with Config.Prefixed.
func (d *ConfigDef) AllowPrefix(prefix, doc string) *ConfigDef {
	d.prefixes = append(d.prefixes, prefixDef{prefix, doc})
	return d
}

// Reject names a key that users of the Java product may set but inlet does
// not support; setting it fails with reason.
func (d *ConfigDef) Reject(key, reason string) *ConfigDef {
	d.rejected[key] = reason
	return d
}

// Check adds a validation across keys, run after every key parsed.
func (d *ConfigDef) Check(f func(Config) ConfigErrors) *ConfigDef {
	d.checks = append(d.checks, f)
	return d
}

// Merge returns a new ConfigDef with the keys of d and others.
func (d *ConfigDef) Merge(others ...*ConfigDef) *ConfigDef {
	out := NewConfigDef()
	for _, x := range append([]*ConfigDef{d}, others...) {
		if x == nil {
			continue
		}
		for _, k := range x.keys {
			if _, dup := out.index[k.Name]; !dup {
				out.Define(k)
			}
		}
		out.prefixes = append(out.prefixes, x.prefixes...)
		for k, v := range x.rejected {
			out.rejected[k] = v
		}
		out.checks = append(out.checks, x.checks...)
	}
	return out
}

// Keys returns the declared keys in declaration order.
func (d *ConfigDef) Keys() []ConfigKey {
	if d == nil {
		return nil
	}
	return append([]ConfigKey(nil), d.keys...)
}

// Key returns one declared key.
func (d *ConfigDef) Key(name string) (ConfigKey, bool) {
	if d == nil {
		return ConfigKey{}, false
	}
	i, ok := d.index[name]
	if !ok {
		return ConfigKey{}, false
	}
	return d.keys[i], true
}

// Prefixes returns the free-form prefixes and their docs.
func (d *ConfigDef) Prefixes() [][2]string {
	var out [][2]string
	for _, p := range d.prefixes {
		out = append(out, [2]string{p.prefix, p.doc})
	}
	return out
}

// Config is a parsed, validated configuration. The zero value is empty.
type Config struct {
	raw    map[string]string
	values map[string]any
	set    map[string]bool
}

// Parse validates props against d and returns the typed config, or a
// ConfigErrors listing every problem, each naming its key. Keys that d does
// not declare (and no allowed prefix covers) are errors, with the closest
// declared key suggested: an accepted key must do something.
func (d *ConfigDef) Parse(props map[string]string) (Config, error) {
	c, errs := d.parse(props)
	if len(errs) > 0 {
		errs.Sort()
		return c, errs
	}
	return c, nil
}

func (d *ConfigDef) parse(props map[string]string) (Config, ConfigErrors) {
	c := Config{raw: make(map[string]string, len(props)), values: map[string]any{}, set: map[string]bool{}}
	for k, v := range props {
		c.raw[k] = v
	}
	var errs ConfigErrors
	if d == nil {
		return c, nil
	}
	for _, k := range d.keys {
		s, present := props[k.Name]
		if !present {
			if k.Required {
				errs = append(errs, &ConfigError{Key: k.Name, Reason: "missing required configuration (" + k.Type.String() + "): " + firstSentence(k.Doc)})
				continue
			}
			s = k.Default
		} else {
			c.set[k.Name] = true
		}
		v, err := parseValue(k.Type, s)
		if err != nil {
			errs = append(errs, &ConfigError{Key: k.Name, Value: maskIf(k.Type, s), Reason: err.Error()})
			continue
		}
		if k.Validator != nil && (present || s != "") {
			if err := k.Validator(v); err != nil {
				errs = append(errs, &ConfigError{Key: k.Name, Value: maskIf(k.Type, s), Reason: err.Error()})
				continue
			}
		}
		c.values[k.Name] = v
	}
	for key, val := range props {
		if _, ok := d.index[key]; ok {
			continue
		}
		if reason, ok := d.rejected[key]; ok {
			errs = append(errs, &ConfigError{Key: key, Value: val, Reason: reason})
			continue
		}
		if d.coveredByPrefix(key) {
			continue
		}
		reason := "unknown configuration key"
		if s := d.closest(key); s != "" {
			reason += fmt.Sprintf(" (did you mean %q?)", s)
		}
		errs = append(errs, &ConfigError{Key: key, Value: val, Reason: reason})
	}
	if len(errs) == 0 {
		for _, check := range d.checks {
			errs = append(errs, check(c)...)
		}
	}
	return c, errs
}

func (d *ConfigDef) coveredByPrefix(key string) bool {
	for _, p := range d.prefixes {
		if strings.HasPrefix(key, p.prefix) {
			return true
		}
	}
	return false
}

func (d *ConfigDef) closest(key string) string {
	best, bestD := "", 4
	for _, k := range d.keys {
		if dist := Levenshtein(key, k.Name); dist < bestD {
			best, bestD = k.Name, dist
		}
	}
	return best
}

// ConfigValue is the validate answer for one key (Kafka's ConfigValue).
type ConfigValue struct {
	Key    ConfigKey
	Value  string // masked for PASSWORD
	Errors []string
}

// Validate returns one ConfigValue per declared key, plus one per unknown
// key, with every error attached to its key (for the REST validate call).
func (d *ConfigDef) Validate(props map[string]string) []ConfigValue {
	_, errs := d.parse(props)
	byKey := map[string][]string{}
	for _, e := range errs {
		byKey[e.Key] = append(byKey[e.Key], e.Reason)
	}
	var out []ConfigValue
	seen := map[string]bool{}
	for _, k := range d.keys {
		v, ok := props[k.Name]
		if !ok {
			v = k.Default
		}
		out = append(out, ConfigValue{Key: k, Value: maskIf(k.Type, v), Errors: byKey[k.Name]})
		seen[k.Name] = true
	}
	var extra []string
	for k := range byKey {
		if !seen[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		out = append(out, ConfigValue{Key: ConfigKey{Name: k, Type: TypeString}, Value: props[k], Errors: byKey[k]})
	}
	return out
}

func maskIf(t ConfigType, s string) string {
	if t == TypePassword && s != "" {
		return Hidden
	}
	return s
}

func firstSentence(doc string) string {
	if i := strings.Index(doc, ". "); i > 0 {
		return doc[:i+1]
	}
	return doc
}

func parseValue(t ConfigType, s string) (any, error) {
	s = strings.TrimSpace(s)
	switch t {
	case TypeString, TypeClass:
		return s, nil
	case TypePassword:
		return Password{s}, nil
	case TypeBoolean:
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false", "":
			return false, nil
		}
		return nil, fmt.Errorf("expected a boolean (true or false)")
	case TypeInt, TypeShort:
		if s == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("expected an integer (32-bit)")
		}
		if t == TypeShort && (n < math.MinInt16 || n > math.MaxInt16) {
			return nil, fmt.Errorf("expected a 16-bit integer")
		}
		return int(n), nil
	case TypeLong:
		if s == "" {
			return int64(0), nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("expected a long integer")
		}
		return n, nil
	case TypeDouble:
		if s == "" {
			return 0.0, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("expected a number")
		}
		return f, nil
	case TypeList:
		return SplitList(s), nil
	}
	return nil, fmt.Errorf("unknown config type %v", t)
}

// SplitList splits a LIST value on commas and trims each item; "" is empty.
func SplitList(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return []string{}
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// Has reports whether the key was set explicitly (not defaulted).
func (c Config) Has(key string) bool { return c.set[key] }

// Raw returns the value as written, or "".
func (c Config) Raw(key string) string { return c.raw[key] }

// Originals returns a copy of every key as given, including prefixed ones.
func (c Config) Originals() map[string]string {
	out := make(map[string]string, len(c.raw))
	for k, v := range c.raw {
		out[k] = v
	}
	return out
}

// Prefixed returns the keys under prefix with the prefix cut off.
func (c Config) Prefixed(prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range c.raw {
		if strings.HasPrefix(k, prefix) {
			out[strings.TrimPrefix(k, prefix)] = v
		}
	}
	return out
}

// String returns a STRING, CLASS key (or "" when unset).
func (c Config) String(key string) string { s, _ := c.values[key].(string); return s }

// Bool returns a BOOLEAN key.
func (c Config) Bool(key string) bool { b, _ := c.values[key].(bool); return b }

// Int returns an INT or SHORT key.
func (c Config) Int(key string) int { n, _ := c.values[key].(int); return n }

// Long returns a LONG key.
func (c Config) Long(key string) int64 {
	switch n := c.values[key].(type) {
	case int64:
		return n
	case int:
		return int64(n)
	}
	return 0
}

// Double returns a DOUBLE key.
func (c Config) Double(key string) float64 { f, _ := c.values[key].(float64); return f }

// List returns a LIST key.
func (c Config) List(key string) []string { l, _ := c.values[key].([]string); return l }

// Password returns a PASSWORD key.
func (c Config) Password(key string) Password { p, _ := c.values[key].(Password); return p }

// NewConfig builds a Config from raw strings without a ConfigDef: every
// value is a string. For tests and for plugins that take free-form keys.
func NewConfig(props map[string]string) Config {
	c := Config{raw: map[string]string{}, values: map[string]any{}, set: map[string]bool{}}
	for k, v := range props {
		c.raw[k], c.values[k], c.set[k] = v, v, true
	}
	return c
}

// Validators, after Kafka's ConfigDef validators.

// AtLeast accepts numbers ≥ min.
func AtLeast(min float64) Validator {
	return func(v any) error {
		if f, ok := toFloat(v); ok && f < min {
			return fmt.Errorf("value must be at least %v", min)
		}
		return nil
	}
}

// Between accepts numbers in [min, max].
func Between(min, max float64) Validator {
	return func(v any) error {
		if f, ok := toFloat(v); ok && (f < min || f > max) {
			return fmt.Errorf("value must be between %v and %v", min, max)
		}
		return nil
	}
}

// OneOf accepts a string (or every item of a list) that equals one of the
// choices, case-insensitively (Kafka's CaseInsensitiveValidString).
func OneOf(choices ...string) Validator {
	return func(v any) error {
		check := func(s string) error {
			for _, c := range choices {
				if strings.EqualFold(c, s) {
					return nil
				}
			}
			return fmt.Errorf("must be one of %s", strings.Join(choices, ", "))
		}
		switch x := v.(type) {
		case string:
			return check(x)
		case []string:
			for _, s := range x {
				if err := check(s); err != nil {
					return fmt.Errorf("%q: %w", s, err)
				}
			}
		}
		return nil
	}
}

// NonEmpty rejects "" and empty lists.
func NonEmpty() Validator {
	return func(v any) error {
		switch x := v.(type) {
		case string:
			if x == "" {
				return fmt.Errorf("must not be empty")
			}
		case []string:
			if len(x) == 0 {
				return fmt.Errorf("must not be empty")
			}
		}
		return nil
	}
}

// ValidRegex accepts a string that compiles as a Go (RE2) regular expression.
func ValidRegex() Validator {
	return func(v any) error {
		s, _ := v.(string)
		if _, err := regexp.Compile(s); err != nil {
			return fmt.Errorf("not a valid regular expression (RE2 syntax; no lookaround or backreferences): %v", err)
		}
		return nil
	}
}

// All combines validators; the first failure wins.
func All(vs ...Validator) Validator {
	return func(v any) error {
		for _, f := range vs {
			if err := f(v); err != nil {
				return err
			}
		}
		return nil
	}
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// Levenshtein is the edit distance between a and b, case-insensitive; used
// for "did you mean" suggestions.
func Levenshtein(a, b string) int {
	a, b = strings.ToLower(a), strings.ToLower(b)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
