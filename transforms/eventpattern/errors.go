package eventpattern

import "errors"

// The error categories of Alibaba / Apache RocketMQ EventBridge
// (PatternErrorMessages.java), plus inlet's own for what the upstream
// engine lacks (contains, the numeric element count).
const (
	InvalidJSONString                 = "INVALID_JSON_STRING"
	NonSupportedJSON                  = "NON_SUPPORTED_JSON"
	UnrecognizedPatternKey            = "UNRECOGNIZED_PATTERN_KEY"
	InvalidPatternValue               = "INVALID_PATTERN_VALUE"
	NoDataPatternKey                  = "NO_DATA_PATTERN_KEY"
	NestedPatternValue                = "NESTED_PATTERN_VALUE"
	InvalidPatternCondition           = "INVALID_PATTERN_CONDITION"
	UnrecognizedPatternCondition      = "UNRECOGNIZED_PATTERN_CONDITION"
	EmptyPrefixCondition              = "EMPTY_PREFIX_CONDITION"
	InvalidPrefixCondition            = "INVALID_PREFIX_CONDITION"
	EmptySuffixCondition              = "EMPTY_SUFFIX_CONDITION"
	InvalidSuffixCondition            = "INVALID_SUFFIX_CONDITION"
	EmptyContainsCondition            = "EMPTY_CONTAINS_CONDITION"   // inlet
	InvalidContainsCondition          = "INVALID_CONTAINS_CONDITION" // inlet
	InvalidExistsCondition            = "INVALID_EXISTS_CONDITION"
	InvalidCidrCondition              = "INVALID_CIDR_CONDITION"
	InvalidNestedAnythingButCondition = "INVALID_NESTED_ANYTHING_BUT_CONDITION"
	InvalidAnythingButCondition       = "INVALID_ANYTHING_BUT_CONDITION"
	InvalidNumericCondition           = "INVALID_NUMERIC_CONDITION"
	UnrecognizedNumericConditionValue = "UNRECOGNIZED_NUMERIC_CONDITION_VALUE"
	InvalidNumericConditionValue      = "INVALID_NUMERIC_CONDITION_VALUE"
	UnrecognizedNumericConditionExp   = "UNRECOGNIZED_NUMERIC_CONDITION_EXP"
)

// ErrInvalidPattern is wrapped by every *PatternError.
var ErrInvalidPattern = errors.New("event pattern is not valid")

// PatternError is an invalid pattern: the category, where in the pattern
// (data.user.name[1], source), and what is wrong.
type PatternError struct {
	Category string
	Path     string
	Detail   string
}

func (e *PatternError) Error() string {
	msg := "Event pattern is not valid, reason: " + e.Category
	if e.Path != "" {
		msg += " at " + e.Path
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap lets errors.Is(err, ErrInvalidPattern) hold.
func (e *PatternError) Unwrap() error { return ErrInvalidPattern }
