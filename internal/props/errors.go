package props

import "errors"

// ErrSyntax is wrapped by every error about a file that cannot be read as
// properties or JSON.
var ErrSyntax = errors.New("syntax error")

// ErrProvider is wrapped by errors resolving a ${provider:...} reference.
var ErrProvider = errors.New("config provider")
