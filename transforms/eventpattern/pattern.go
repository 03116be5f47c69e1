// Package eventpattern implements EventBridge event patterns (Alibaba Cloud
// EventBridge, as in apache/rocketmq-eventbridge) and the EventPatternFilter
// transform that keeps the records whose CloudEvents view matches one.
//
// A pattern is compiled once into a list of leaves, each a path into the
// event and a small list of conditions (OR); Match walks the leaves (AND)
// without allocating. Semantics, exactly:
//
//   - Exact values compare text, ignoring the JSON type: "80" matches 80,
//     "true" matches true; numbers are not normalised (8 ≠ 8.0), so events
//     must keep number text (json.Number, as connect.CloudEvent does).
//     null matches only JSON null.
//   - prefix, suffix and contains test strings only.
//   - anything-but (a value, a list, or {"prefix"|"suffix": x}) matches a
//     present value that the inner condition rejects; JSON null is present.
//   - numeric matches JSON numbers only (never numeric-looking strings);
//     values within 1e-7 count as equal for every operator; pattern numbers
//     must lie in [-1e9, 1e9].
//   - cidr matches string IP addresses. inlet uses plain CIDR containment
//     (net/netip): a /32 (or /128) matches its one address, a /31 both, and
//     network and broadcast addresses are inside their subnet. The Apache
//     engine (commons-net SubnetUtils defaults) excludes them, so there /31
//     and /32 match nothing. IPv6 is accepted as well as IPv4.
//   - exists: true matches a present scalar, null or non-empty array of
//     scalars; false matches a missing key.
//   - A missing value matches only exists:false; an object value matches
//     nothing; an array matches if any element does, unless it holds an
//     object or array (then nothing) or is empty (then nothing).
//   - A pattern with data leaves never matches an event whose data is
//     missing or not a JSON object.
//
// AWS-only syntax (equals-ignore-case, wildcard, $or) is rejected.
package eventpattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// Attributes are the CloudEvents attributes a pattern may test.
var Attributes = []string{"specversion", "id", "source", "type", "datacontenttype", "dataschema", "subject", "time"}

// Options changes what Compile accepts.
type Options struct {
	// Extensions names CloudEvents extension attributes that patterns may
	// test, besides eventbusname and the aliyun* extensions, which are
	// always accepted.
	Extensions []string
}

// Pattern is a compiled event pattern. It is immutable and safe for
// concurrent use.
type Pattern struct {
	src    string
	leaves []leaf
}

// leaf is the condition list at one path: it matches if any condition does.
type leaf struct {
	path        []string // path[0] is an attribute or "data"
	data        bool
	conds       []cond
	existsFalse bool
	set         map[string]struct{} // large exact-match lists, by text
	nullInSet   bool
}

// Compile parses a pattern with the default options.
func Compile(pattern []byte) (*Pattern, error) {
	return CompileOptions(pattern, Options{})
}

// CompileOptions parses a pattern. Errors are *PatternError, each naming a
// category and the offending path.
func CompileOptions(pattern []byte, opts Options) (*Pattern, error) {
	dec := json.NewDecoder(bytes.NewReader(pattern))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, &PatternError{Category: InvalidJSONString, Detail: err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &PatternError{Category: InvalidJSONString, Detail: "unexpected content after the JSON value"}
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return nil, &PatternError{Category: NonSupportedJSON, Detail: "the pattern must be a JSON object"}
	}
	c := compiler{ext: opts.Extensions}
	p := &Pattern{src: string(pattern)}
	for _, k := range sortedKeys(obj) {
		v := obj[k]
		switch {
		case k == "data":
			d, ok := v.(map[string]any)
			if !ok {
				return nil, &PatternError{Category: NoDataPatternKey, Path: "data", Detail: "data must be a JSON object"}
			}
			if err := c.walkData(p, d, []string{"data"}); err != nil {
				return nil, err
			}
		case k == "$or":
			return nil, &PatternError{Category: UnrecognizedPatternKey, Path: k, Detail: "$or is AWS EventBridge syntax that Alibaba EventBridge does not support; list alternatives in one array, or use several filters"}
		case c.isAttribute(k):
			l, err := c.leaf(v, []string{k}, k)
			if err != nil {
				return nil, err
			}
			p.leaves = append(p.leaves, l)
		default:
			return nil, &PatternError{Category: UnrecognizedPatternKey, Path: k,
				Detail: "not a CloudEvents attribute (" + strings.Join(Attributes, ", ") + "), a known extension, or data"}
		}
	}
	// Attribute leaves first: they are cheaper and fail fast.
	sort.SliceStable(p.leaves, func(i, j int) bool { return !p.leaves[i].data && p.leaves[j].data })
	return p, nil
}

// MustCompile is Compile for patterns known to be valid; it panics otherwise.
func MustCompile(pattern string) *Pattern {
	p, err := Compile([]byte(pattern))
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the pattern as given.
func (p *Pattern) String() string { return p.src }

// Match reports whether the event (a CloudEvent as a JSON map, numbers as
// json.Number) matches every leaf of the pattern.
func (p *Pattern) Match(event map[string]any) bool {
	var data map[string]any
	for i := range p.leaves {
		l := &p.leaves[i]
		var v any
		var present bool
		if l.data {
			if data == nil {
				d, ok := event["data"].(map[string]any)
				if !ok {
					return false
				}
				data = d
			}
			v, present = lookup(data, l.path[1:])
		} else {
			v, present = event[l.path[0]]
		}
		if !l.eval(v, present) {
			return false
		}
	}
	return true
}

func lookup(m map[string]any, path []string) (any, bool) {
	for i, k := range path {
		v, ok := m[k]
		if !ok {
			return nil, false
		}
		if i == len(path)-1 {
			return v, true
		}
		if m, ok = v.(map[string]any); !ok {
			return nil, false
		}
	}
	return nil, false
}

func (l *leaf) eval(v any, present bool) bool {
	if !present {
		return l.existsFalse
	}
	switch x := v.(type) {
	case map[string]any:
		return false
	case []any:
		if len(x) == 0 {
			return false
		}
		for _, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				return false
			}
		}
		for _, e := range x {
			if l.anyCond(e) {
				return true
			}
		}
		return false
	}
	return l.anyCond(v)
}

func (l *leaf) anyCond(v any) bool {
	if l.set != nil {
		if v == nil {
			if l.nullInSet {
				return true
			}
		} else if t, ok := scalarText(v); ok {
			if _, hit := l.set[t]; hit {
				return true
			}
		}
	}
	for _, c := range l.conds {
		if c.test(v) {
			return true
		}
	}
	return false
}

// scalarText is the text an exact match compares: a string's content, a
// number's literal text, true/false. Go numbers (events built by hand) use
// their shortest decimal form.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return string(x), true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	case int:
		return strconv.Itoa(x), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), true
	}
	return "", false
}

// number returns a JSON number's value; strings are never numbers.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// cond is one condition of a leaf, tested on a present scalar value (nil
// is JSON null).
type cond interface {
	test(v any) bool
}

type exactCond struct{ text string }

func (c exactCond) test(v any) bool {
	switch x := v.(type) {
	case string:
		return x == c.text
	case json.Number:
		return string(x) == c.text
	case nil:
		return false
	}
	t, ok := scalarText(v)
	return ok && t == c.text
}

type nullCond struct{}

func (nullCond) test(v any) bool { return v == nil }

type prefixCond struct{ s string }

func (c prefixCond) test(v any) bool { x, ok := v.(string); return ok && strings.HasPrefix(x, c.s) }

type suffixCond struct{ s string }

func (c suffixCond) test(v any) bool { x, ok := v.(string); return ok && strings.HasSuffix(x, c.s) }

type containsCond struct{ s string }

func (c containsCond) test(v any) bool { x, ok := v.(string); return ok && strings.Contains(x, c.s) }

type existsCond struct{ want bool }

// test: a present value satisfies exists:true and never exists:false.
func (c existsCond) test(any) bool { return c.want }

type anythingButCond struct{ not []cond }

func (c anythingButCond) test(v any) bool {
	for _, n := range c.not {
		if n.test(v) {
			return false
		}
	}
	return true
}

// tolerance is the EventBridge numeric tolerance: closer values are equal.
const tolerance = 1e-7

type numOp uint8

const (
	opEq numOp = iota
	opNe
	opGt
	opGe
	opLt
	opLe
)

type numericCond struct {
	n   int
	ops [2]numOp
	val [2]float64
}

func (c *numericCond) test(v any) bool {
	f, ok := number(v)
	if !ok {
		return false
	}
	for i := 0; i < c.n; i++ {
		d := f - c.val[i]
		eq := d <= tolerance && d >= -tolerance
		var hold bool
		switch c.ops[i] {
		case opEq:
			hold = eq
		case opNe:
			hold = !eq
		case opGt:
			hold = !eq && d > 0
		case opGe:
			hold = eq || d > 0
		case opLt:
			hold = !eq && d < 0
		case opLe:
			hold = eq || d < 0
		}
		if !hold {
			return false
		}
	}
	return true
}

type cidrCond struct {
	prefix netip.Prefix
}

func (c cidrCond) test(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	return c.prefix.Contains(a.Unmap())
}

// compiler turns the parsed pattern into leaves.
type compiler struct {
	ext []string
}

func (c *compiler) isAttribute(k string) bool {
	for _, a := range Attributes {
		if k == a {
			return true
		}
	}
	if k == "eventbusname" {
		return true
	}
	if rest, ok := strings.CutPrefix(k, "aliyun"); ok && rest != "" && isLowerAlnum(rest) {
		return true
	}
	for _, e := range c.ext {
		if k == e {
			return true
		}
	}
	return false
}

func isLowerAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= 'a' && s[i] <= 'z' || s[i] >= '0' && s[i] <= '9') {
			return false
		}
	}
	return true
}

func (c *compiler) walkData(p *Pattern, obj map[string]any, path []string) error {
	at := strings.Join(path, ".")
	if len(obj) == 0 {
		return &PatternError{Category: NoDataPatternKey, Path: at, Detail: "an object under data must not be empty"}
	}
	for _, k := range sortedKeys(obj) {
		sub := append(append([]string(nil), path...), k)
		subAt := at + "." + k
		if k == "$or" {
			return &PatternError{Category: UnrecognizedPatternKey, Path: subAt, Detail: "$or is AWS EventBridge syntax that Alibaba EventBridge does not support"}
		}
		switch v := obj[k].(type) {
		case map[string]any:
			if err := c.walkData(p, v, sub); err != nil {
				return err
			}
		case []any:
			l, err := c.leaf(v, sub, subAt)
			if err != nil {
				return err
			}
			p.leaves = append(p.leaves, l)
		default:
			return &PatternError{Category: InvalidPatternValue, Path: subAt, Detail: fmt.Sprintf("want an object or a non-empty array of conditions, got %s", jsonText(v))}
		}
	}
	return nil
}

func (c *compiler) leaf(v any, path []string, at string) (leaf, error) {
	arr, ok := v.([]any)
	if !ok {
		return leaf{}, &PatternError{Category: InvalidPatternValue, Path: at, Detail: fmt.Sprintf("want a non-empty array of conditions, got %s", jsonText(v))}
	}
	if len(arr) == 0 {
		return leaf{}, &PatternError{Category: InvalidPatternValue, Path: at, Detail: "the array of conditions is empty"}
	}
	l := leaf{path: path, data: path[0] == "data" && len(path) > 1}
	var exacts []string
	hasNull := false
	for i, e := range arr {
		eAt := fmt.Sprintf("%s[%d]", at, i)
		switch x := e.(type) {
		case []any:
			return leaf{}, &PatternError{Category: NestedPatternValue, Path: eAt, Detail: "a condition cannot be an array"}
		case map[string]any:
			cd, err := c.operator(x, eAt)
			if err != nil {
				return leaf{}, err
			}
			if ec, ok := cd.(existsCond); ok && !ec.want {
				l.existsFalse = true
			}
			l.conds = append(l.conds, cd)
		case nil:
			hasNull = true
		default:
			t, _ := scalarText(x)
			exacts = append(exacts, t)
		}
	}
	// Many exact values: one map lookup instead of a scan.
	if len(exacts) > 8 {
		l.set = make(map[string]struct{}, len(exacts))
		for _, t := range exacts {
			l.set[t] = struct{}{}
		}
		l.nullInSet = hasNull
	} else {
		pre := make([]cond, 0, len(exacts)+1+len(l.conds))
		for _, t := range exacts {
			pre = append(pre, exactCond{t})
		}
		if hasNull {
			pre = append(pre, nullCond{})
		}
		l.conds = append(pre, l.conds...)
	}
	return l, nil
}

func (c *compiler) operator(m map[string]any, at string) (cond, error) {
	if len(m) != 1 {
		return nil, &PatternError{Category: InvalidPatternCondition, Path: at, Detail: fmt.Sprintf("an operator object has exactly one key, got %d", len(m))}
	}
	var name string
	var arg any
	for k, v := range m {
		name, arg = k, v
	}
	opAt := at + "." + name
	switch name {
	case "prefix":
		return stringOperand(arg, opAt, "prefix", EmptyPrefixCondition, InvalidPrefixCondition, func(s string) cond { return prefixCond{s} })
	case "suffix":
		return stringOperand(arg, opAt, "suffix", EmptySuffixCondition, InvalidSuffixCondition, func(s string) cond { return suffixCond{s} })
	case "contains":
		return stringOperand(arg, opAt, "contains", EmptyContainsCondition, InvalidContainsCondition, func(s string) cond { return containsCond{s} })
	case "exists":
		b, ok := arg.(bool)
		if !ok {
			return nil, &PatternError{Category: InvalidExistsCondition, Path: opAt, Detail: fmt.Sprintf("exists takes true or false, got %s", jsonText(arg))}
		}
		return existsCond{b}, nil
	case "cidr":
		return cidr(arg, opAt)
	case "numeric":
		return numeric(arg, opAt)
	case "anything-but":
		return anythingBut(arg, opAt)
	case "equals-ignore-case", "wildcard":
		return nil, &PatternError{Category: UnrecognizedPatternCondition, Path: opAt, Detail: name + " is an AWS EventBridge operator that Alibaba EventBridge does not support"}
	}
	return nil, &PatternError{Category: UnrecognizedPatternCondition, Path: opAt,
		Detail: fmt.Sprintf("unknown operator %q (known: prefix, suffix, anything-but, numeric, cidr, exists, contains)", name)}
}

func stringOperand(arg any, at, op, emptyCat, invalidCat string, mk func(string) cond) (cond, error) {
	s, ok := arg.(string)
	if !ok {
		return nil, &PatternError{Category: invalidCat, Path: at, Detail: fmt.Sprintf("%s takes a string, got %s", op, jsonText(arg))}
	}
	if s == "" {
		return nil, &PatternError{Category: emptyCat, Path: at, Detail: op + " must not be empty"}
	}
	return mk(s), nil
}

func cidr(arg any, at string) (cond, error) {
	s, ok := arg.(string)
	if !ok || s == "" {
		return nil, &PatternError{Category: InvalidCidrCondition, Path: at, Detail: fmt.Sprintf("cidr takes an IP address or CIDR block as a string, got %s", jsonText(arg))}
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, &PatternError{Category: InvalidCidrCondition, Path: at, Detail: fmt.Sprintf("%q is not a CIDR block", s)}
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return cidrCond{p.Masked()}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return nil, &PatternError{Category: InvalidCidrCondition, Path: at, Detail: fmt.Sprintf("%q is not an IP address", s)}
	}
	a = a.Unmap()
	return cidrCond{netip.PrefixFrom(a, a.BitLen())}, nil
}

func numeric(arg any, at string) (cond, error) {
	arr, ok := arg.([]any)
	if !ok {
		return nil, &PatternError{Category: InvalidNumericCondition, Path: at, Detail: fmt.Sprintf("numeric takes an array like [\">\", 0, \"<=\", 5], got %s", jsonText(arg))}
	}
	if len(arr) != 2 && len(arr) != 4 {
		return nil, &PatternError{Category: InvalidNumericCondition, Path: at, Detail: fmt.Sprintf("numeric takes 2 or 4 elements (operator, number[, operator, number]), got %d", len(arr))}
	}
	c := &numericCond{n: len(arr) / 2}
	for i := 0; i < c.n; i++ {
		opv, numv := arr[2*i], arr[2*i+1]
		op, okOp := opv.(string)
		num, okNum := numv.(json.Number)
		if !okOp || !okNum {
			return nil, &PatternError{Category: UnrecognizedNumericConditionValue, Path: fmt.Sprintf("%s[%d]", at, 2*i),
				Detail: fmt.Sprintf("want an operator string then a JSON number, got %s, %s", jsonText(opv), jsonText(numv))}
		}
		f, err := strconv.ParseFloat(string(num), 64)
		if err != nil || f < -1e9 || f > 1e9 {
			return nil, &PatternError{Category: InvalidNumericConditionValue, Path: fmt.Sprintf("%s[%d]", at, 2*i+1),
				Detail: fmt.Sprintf("%s is outside [-1e9, 1e9]", num)}
		}
		switch op {
		case "=":
			c.ops[i] = opEq
		case "!=":
			c.ops[i] = opNe
		case ">":
			c.ops[i] = opGt
		case ">=":
			c.ops[i] = opGe
		case "<":
			c.ops[i] = opLt
		case "<=":
			c.ops[i] = opLe
		default:
			return nil, &PatternError{Category: UnrecognizedNumericConditionExp, Path: fmt.Sprintf("%s[%d]", at, 2*i),
				Detail: fmt.Sprintf("unknown operator %q (known: =, !=, >, >=, <, <=)", op)}
		}
		c.val[i] = f
	}
	return c, nil
}

func anythingBut(arg any, at string) (cond, error) {
	switch x := arg.(type) {
	case nil:
		return anythingButCond{[]cond{nullCond{}}}, nil
	case []any:
		var not []cond
		for i, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				return nil, &PatternError{Category: InvalidAnythingButCondition, Path: fmt.Sprintf("%s[%d]", at, i), Detail: "anything-but lists hold only strings, numbers, booleans and null"}
			case nil:
				not = append(not, nullCond{})
			default:
				t, _ := scalarText(e)
				not = append(not, exactCond{t})
			}
		}
		return anythingButCond{not}, nil
	case map[string]any:
		if len(x) != 1 {
			return nil, &PatternError{Category: InvalidPatternCondition, Path: at, Detail: fmt.Sprintf("a nested anything-but takes exactly one of prefix or suffix, got %d keys", len(x))}
		}
		for k, v := range x {
			switch k {
			case "prefix":
				inner, err := stringOperand(v, at+".prefix", "prefix", EmptyPrefixCondition, InvalidPrefixCondition, func(s string) cond { return prefixCond{s} })
				if err != nil {
					return nil, err
				}
				return anythingButCond{[]cond{inner}}, nil
			case "suffix":
				inner, err := stringOperand(v, at+".suffix", "suffix", EmptySuffixCondition, InvalidSuffixCondition, func(s string) cond { return suffixCond{s} })
				if err != nil {
					return nil, err
				}
				return anythingButCond{[]cond{inner}}, nil
			}
			return nil, &PatternError{Category: InvalidNestedAnythingButCondition, Path: at + "." + k, Detail: fmt.Sprintf("anything-but nests only prefix or suffix, got %q", k)}
		}
	}
	t, _ := scalarText(arg)
	return anythingButCond{[]cond{exactCond{t}}}, nil
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// jsonText renders a pattern fragment for an error message, as written
// (no HTML escaping of < and >).
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
