package props

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/inletdev/inlet/connect"
)

// refPattern is Kafka's ConfigTransformer pattern: ${provider:[path:]key}.
// builtinProviders are the provider aliases inlet users write by habit, with
// the class that declares each.
var builtinProviders = map[string]string{
	"env":  "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
	"file": "org.apache.kafka.common.config.provider.FileConfigProvider",
	"dir":  "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
}

var refPattern = regexp.MustCompile(`\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}`)

// Provider classes, by every name a worker file may use (Kafka's class
// names, their simple names, and short names).
var providerKinds = map[string]string{
	"org.apache.kafka.common.config.provider.fileconfigprovider": "file",
	"fileconfigprovider": "file",
	"file":               "file",
	"org.apache.kafka.common.config.provider.directoryconfigprovider": "dir",
	"directoryconfigprovider": "dir",
	"dir":                     "dir",
	"directory":               "dir",
	"org.apache.kafka.common.config.provider.envvarconfigprovider": "env",
	"envvarconfigprovider": "env",
	"env":                  "env",
}

// Resolver resolves config provider references. It is safe for concurrent use.
type Resolver struct {
	providers map[string]*provider // by alias
	lookupEnv func(string) (string, bool)
}

type provider struct {
	alias   string
	kind    string // file, dir, env
	allowed []string
	envRe   *regexp.Regexp
}

// NewResolver builds the providers a worker declares with
// config.providers=<alias>,... and config.providers.<alias>.class /
// .param.<key>. Every problem is reported, each naming its key.
func NewResolver(worker map[string]string) (*Resolver, error) {
	r := &Resolver{providers: map[string]*provider{}, lookupEnv: os.LookupEnv}
	var errs connect.ConfigErrors
	aliases := connect.SplitList(worker["config.providers"])
	for _, a := range aliases {
		if a == "" {
			continue
		}
		classKey := "config.providers." + a + ".class"
		class := strings.TrimSpace(worker[classKey])
		kind := providerKinds[strings.ToLower(class)]
		if class == "" {
			errs = append(errs, &connect.ConfigError{Key: classKey, Reason: "missing: name the provider class (FileConfigProvider, DirectoryConfigProvider or EnvVarConfigProvider)"})
			continue
		}
		if kind == "" {
			errs = append(errs, &connect.ConfigError{Key: classKey, Value: class, Reason: "unknown config provider; inlet has org.apache.kafka.common.config.provider.FileConfigProvider, DirectoryConfigProvider and EnvVarConfigProvider"})
			continue
		}
		p := &provider{alias: a, kind: kind}
		prefix := "config.providers." + a + ".param."
		for k, v := range worker {
			param, ok := strings.CutPrefix(k, prefix)
			if !ok {
				continue
			}
			switch {
			case param == "allowed.paths" && kind != "env":
				for _, d := range connect.SplitList(v) {
					if !filepath.IsAbs(d) {
						errs = append(errs, &connect.ConfigError{Key: k, Value: v, Reason: "allowed.paths must be absolute paths"})
						continue
					}
					p.allowed = append(p.allowed, filepath.Clean(d))
				}
			case param == "allowlist.pattern" && kind == "env":
				re, err := regexp.Compile(`^(?:` + v + `)$`)
				if err != nil {
					errs = append(errs, &connect.ConfigError{Key: k, Value: v, Reason: "not a valid regular expression: " + err.Error()})
					continue
				}
				p.envRe = re
			default:
				errs = append(errs, &connect.ConfigError{Key: k, Value: v, Reason: "unknown parameter for this provider (file and dir take allowed.paths, env takes allowlist.pattern)"})
			}
		}
		r.providers[a] = p
	}
	for k := range worker {
		rest, ok := strings.CutPrefix(k, "config.providers.")
		if !ok {
			continue
		}
		a, _, _ := strings.Cut(rest, ".")
		if !contains(aliases, a) {
			errs = append(errs, &connect.ConfigError{Key: k, Reason: fmt.Sprintf("provider %q is not listed in config.providers", a)})
		}
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	return r, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// SetLookupEnv replaces os.LookupEnv (for tests).
func (r *Resolver) SetLookupEnv(f func(string) (string, bool)) { r.lookupEnv = f }

// HasReferences reports whether any value refers to a declared provider.
func (r *Resolver) HasReferences(props map[string]string) bool {
	for _, v := range props {
		for _, m := range refPattern.FindAllStringSubmatch(v, -1) {
			if _, ok := r.providers[m[1]]; ok {
				return true
			}
		}
	}
	return false
}

// Resolve returns a copy of props with every reference to a declared
// provider replaced. References to aliases that are not declared stay as
// written (as in Kafka), so Debezium's ${routedByValue} placeholders and
// other ${...} text survive. A reference that cannot be resolved is an
// error naming the key; the resolved secret never appears in an error.
func (r *Resolver) Resolve(props map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(props))
	var errs connect.ConfigErrors
	cache := map[string]map[string]string{}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := props[k]
		if r == nil || !strings.Contains(v, "${") {
			out[k] = v
			continue
		}
		var firstErr error
		res := refPattern.ReplaceAllStringFunc(v, func(ref string) string {
			m := refPattern.FindStringSubmatch(ref)
			p, ok := r.providers[m[1]]
			if !ok {
				// Kafka leaves a reference to an undeclared alias as
				// written, so a forgotten config.providers line would
				// silently use "${env:PASSWORD}" as the password. For the
				// built-in provider names that is an error; other aliases
				// (and template defaults such as ${name:-x}) stay literal.
				if class, builtin := builtinProviders[m[1]]; builtin && !strings.HasPrefix(m[4], "-") && firstErr == nil {
					firstErr = fmt.Errorf("%s: %w: the %q config provider is not declared in the worker file (add config.providers=%s and config.providers.%s.class=%s)",
						ref, ErrProvider, m[1], m[1], m[1], class)
				}
				return ref
			}
			s, err := p.get(r, cache, m[3], m[4])
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("%s: %w", ref, err)
				}
				return ref
			}
			return s
		})
		if firstErr != nil {
			// Value stays empty: the unresolved text is not secret, but the
			// error already quotes the reference.
			errs = append(errs, &connect.ConfigError{Key: k, Reason: firstErr.Error()})
			out[k] = v // unresolved, so later checks do not also call it missing
			continue
		}
		out[k] = res
	}
	if len(errs) > 0 {
		return out, errs
	}
	return out, nil
}

func (p *provider) get(r *Resolver, cache map[string]map[string]string, path, key string) (string, error) {
	switch p.kind {
	case "env":
		if path != "" {
			return "", fmt.Errorf("%w: the env provider takes no path (write ${%s:VAR})", ErrProvider, p.alias)
		}
		if p.envRe != nil && !p.envRe.MatchString(key) {
			return "", fmt.Errorf("%w: environment variable %s is not allowed by allowlist.pattern", ErrProvider, key)
		}
		v, ok := r.lookupEnv(key)
		if !ok {
			return "", fmt.Errorf("%w: environment variable %s is not set", ErrProvider, key)
		}
		return v, nil
	case "file":
		if path == "" {
			return "", fmt.Errorf("%w: the file provider needs a path: ${%s:/path/file.properties:key}", ErrProvider, p.alias)
		}
		if err := p.checkPath(path); err != nil {
			return "", err
		}
		m, ok := cache[path]
		if !ok {
			data, err := os.ReadFile(path)
			if err != nil {
				return "", fmt.Errorf("%w: %v", ErrProvider, err)
			}
			m, err = Parse(data)
			if err != nil {
				return "", fmt.Errorf("%w: %s: %v", ErrProvider, path, err)
			}
			cache[path] = m
		}
		v, ok := m[key]
		if !ok {
			return "", fmt.Errorf("%w: %s has no key %q", ErrProvider, path, key)
		}
		return v, nil
	case "dir":
		if path == "" {
			return "", fmt.Errorf("%w: the dir provider needs a directory: ${%s:/run/secrets:name}", ErrProvider, p.alias)
		}
		if err := p.checkPath(path); err != nil {
			return "", err
		}
		if key == "" || strings.ContainsAny(key, `/\`) || key == "." || key == ".." {
			return "", fmt.Errorf("%w: %q is not a file name", ErrProvider, key)
		}
		full := filepath.Join(path, key)
		fi, err := os.Lstat(full)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrProvider, err)
		}
		if !fi.Mode().IsRegular() {
			return "", fmt.Errorf("%w: %s is not a regular file", ErrProvider, full)
		}
		data, err := os.ReadFile(full)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrProvider, err)
		}
		return string(data), nil
	}
	return "", fmt.Errorf("%w: unknown provider kind %q", ErrProvider, p.kind)
}

func (p *provider) checkPath(path string) error {
	if len(p.allowed) == 0 {
		return nil
	}
	clean := filepath.Clean(path)
	for _, a := range p.allowed {
		if clean == a || strings.HasPrefix(clean, a+string(filepath.Separator)) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s is outside allowed.paths", ErrProvider, path)
}
