// Package cli is the inlet command line, usable with any plugin registry:
// a program that registers its own plugins and calls Run is an inlet
// binary with those plugins built in.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/connect/worker"
	"github.com/inletdev/inlet/connect/worker/configstore"
	"github.com/inletdev/inlet/connect/worker/rest"
	"github.com/inletdev/inlet/internal/ctl"
	"github.com/inletdev/inlet/internal/props"
)

// Version is inlet's version, set at build time with
// -ldflags "-X github.com/inletdev/inlet/cmd/inlet/cli.Version=v1.2.3".
var Version = ""

const usage = `usage:
  inlet standalone WORKER.properties PIPELINE.properties|PIPELINE.json...
  inlet validate [--worker WORKER.properties] FILE...
  inlet plugins
  inlet describe PLUGIN
  inlet version
  inlet ctl [--url URL] COMMAND...   (manage a running worker over its REST API; inlet ctl help)
`

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1 // a task failed, or the configuration is invalid
	ExitUsage   = 2
)

// Run runs the inlet command line with args (without the program name).
// ctx ends the standalone worker (the caller cancels it on SIGINT/SIGTERM).
func Run(ctx context.Context, reg *connect.Registry, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	switch args[0] {
	case "standalone":
		if len(args) < 2 {
			fmt.Fprint(stderr, usage)
			return ExitUsage
		}
		return standalone(ctx, reg, args[1], args[2:], stderr)
	case "validate":
		return validate(reg, args[1:], stdout, stderr)
	case "plugins":
		return plugins(reg, stdout)
	case "describe":
		if len(args) != 2 {
			fmt.Fprint(stderr, usage)
			return ExitUsage
		}
		return describe(reg, args[1], stdout, stderr)
	case "ctl":
		return ctl.Main(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "inlet", version())
		return ExitOK
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return ExitOK
	}
	fmt.Fprintf(stderr, "inlet: unknown command %q\n%s", args[0], usage)
	return ExitUsage
}

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func newLogger(w io.Writer) *slog.Logger {
	l, _ := newLeveledLogger(w)
	return l
}

// newLeveledLogger returns the logger and the per-logger levels behind it,
// which GET/PUT /admin/loggers read and change at run time. The root level
// comes from INLET_LOG_LEVEL (default INFO).
func newLeveledLogger(w io.Writer) (*slog.Logger, *rest.Levels) {
	level := slog.LevelInfo
	if v := os.Getenv("INLET_LOG_LEVEL"); v != "" {
		_ = level.UnmarshalText([]byte(v))
	}
	levels := rest.NewLevels(level)
	// The inner handler lets everything through; Levels decides per logger.
	opts := &slog.HandlerOptions{Level: slog.LevelDebug - 4}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if strings.EqualFold(os.Getenv("INLET_LOG_FORMAT"), "json") {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(levels.Handler(h)), levels
}

// printErr prints err; config errors one per line, each naming file and key.
func printErr(w io.Writer, err error) {
	if ces := connect.AsConfigErrors(err); ces != nil {
		for _, ce := range ces {
			fmt.Fprintf(w, "inlet: %s\n", ce.Error())
		}
		return
	}
	fmt.Fprintf(w, "inlet: %v\n", err)
}

func setFile(err error, file string) error {
	for _, ce := range connect.AsConfigErrors(err) {
		if ce.File == "" {
			ce.File = file
		}
	}
	return err
}

func standalone(ctx context.Context, reg *connect.Registry, workerFile string, files []string, stderr io.Writer) int {
	log, levels := newLeveledLogger(stderr)
	// Libraries and plugins that log through slog's default logger (the
	// RocketMQ client's forwarded logs, say) follow the same format and the
	// levels set with /admin/loggers.
	slog.SetDefault(log)
	wc, err := worker.LoadWorkerConfig(workerFile)
	if err != nil {
		printErr(stderr, setFile(err, workerFile))
		return ExitFailure
	}
	promReg := prometheus.NewRegistry()
	promReg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	w, err := worker.New(wc, reg, worker.WithLogger(log), worker.WithMetrics(promReg))
	if err != nil {
		printErr(stderr, setFile(err, workerFile))
		return ExitFailure
	}
	// Read and create every pipeline before starting; report every problem
	// of every file, then give up if there was any.
	failed := false
	names := map[string]string{}
	for _, f := range files {
		m, state, err := worker.ReadPipelineFileState(f)
		if err != nil {
			printErr(stderr, err)
			failed = true
			continue
		}
		name := strings.TrimSpace(m[worker.KeyName])
		if name == "" {
			printErr(stderr, &connect.ConfigError{File: f, Key: worker.KeyName, Reason: "missing required configuration: the pipeline's name"})
			failed = true
			continue
		}
		if prev, dup := names[name]; dup {
			printErr(stderr, &connect.ConfigError{File: f, Key: worker.KeyName, Value: name, Reason: "already used by " + prev})
			failed = true
			continue
		}
		names[name] = f
		if err := w.Create(ctx, name, m, state); err != nil {
			printErr(stderr, setFile(err, f))
			failed = true
		}
	}
	if failed {
		return ExitFailure
	}
	// Pipelines created or changed over REST come back after a restart;
	// the command line wins over a stored copy of the same name.
	store, err := configstore.Open(rest.ConfigDir(wc))
	if err != nil {
		printErr(stderr, err)
		return ExitFailure
	}
	fromFiles := map[string]bool{}
	for n := range names {
		fromFiles[n] = true
	}
	if err := rest.Restore(ctx, w, store, fromFiles, log); err != nil {
		// The other pipelines still start; these are reported loudly.
		log.Error("pipelines kept from the REST API could not be restored", "err", err)
	}
	var srvErr chan error
	// listeners unset = the default loopback listener; listeners= (empty)
	// turns the REST API off.
	listeners, explicit := wc.Props["listeners"]
	if !explicit || len(connect.SplitList(listeners)) > 0 {
		o, err := rest.OptionsFromWorker(wc)
		if err != nil {
			printErr(stderr, setFile(err, workerFile))
			return ExitFailure
		}
		o.Gatherer, o.Logger, o.Version, o.Store, o.Levels = promReg, log, version(), store, levels
		srv := rest.New(w, o)
		ls, err := srv.Listen()
		switch {
		case err != nil && explicit:
			printErr(stderr, err)
			return ExitFailure
		case err != nil:
			// Nobody asked for this port; another worker on the machine
			// may hold it. Run without the API rather than not at all.
			log.Warn("REST API not started: the default listener is unavailable; set listeners= to choose a port or to turn it off",
				"listener", rest.DefaultListener, "err", err)
		default:
			srv.SetReady(true)
			srvErr = make(chan error, 1)
			go func() { srvErr <- srv.Serve(ctx, ls) }()
			log.Info("REST API listening", "url", srv.URL())
		}
	}
	err = w.Run(ctx)
	if srvErr != nil {
		if serr := <-srvErr; serr != nil {
			log.Warn("REST server", "err", serr)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "inlet: exiting with failed tasks:\n%v\n", err)
		return ExitFailure
	}
	return ExitOK
}

// validate checks worker and pipeline files (a file with connector.class is
// a pipeline) and prints every problem of every file, with file and key.
func validate(reg *connect.Registry, args []string, stdout, stderr io.Writer) int {
	var workerFile string
	var files []string
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "--worker" && i+1 < len(args):
			workerFile = args[i+1]
			i++
		case strings.HasPrefix(args[i], "--worker="):
			workerFile = strings.TrimPrefix(args[i], "--worker=")
		default:
			files = append(files, args[i])
		}
	}
	if len(files) == 0 && workerFile == "" {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	type parsed struct {
		file string
		m    map[string]string
	}
	var pipelines []parsed
	var workers []string
	if workerFile != "" {
		workers = append(workers, workerFile)
	}
	problems := 0
	report := func(err error, file string) {
		ces := connect.AsConfigErrors(err)
		if ces == nil {
			ces = connect.ConfigErrors{{File: file, Reason: err.Error()}}
		}
		for _, ce := range ces {
			if ce.File == "" {
				ce.File = file
			}
			if ce.Key == "" {
				fmt.Fprintf(stdout, "%s: %s\n", ce.File, ce.Reason)
			} else {
				fmt.Fprintln(stdout, ce.Error())
			}
			problems++
		}
	}
	for _, f := range files {
		m, err := props.ReadFile(f)
		if err != nil {
			report(err, f)
			continue
		}
		if _, ok := m[worker.KeyConnectorClass]; ok {
			pipelines = append(pipelines, parsed{f, m})
		} else {
			workers = append(workers, f)
		}
	}
	wc := worker.WorkerConfig{Props: map[string]string{}}
	for _, f := range workers {
		c, err := worker.LoadWorkerConfig(f)
		if err != nil {
			report(err, f)
			continue
		}
		// The REST settings (listeners, TLS, users file) are read by the REST
		// layer, so check them here too: standalone would refuse them.
		if _, err := rest.OptionsFromWorker(c); err != nil {
			report(setFile(err, f), f)
			continue
		}
		fmt.Fprintf(stdout, "%s: worker configuration OK\n", f)
		wc = c
	}
	res, err := props.NewResolver(wc.Props)
	if err != nil {
		res = nil
	}
	for _, p := range pipelines {
		ces := worker.CheckConfig(reg, wc, res, p.m)
		if len(ces) == 0 {
			fmt.Fprintf(stdout, "%s: pipeline %q OK\n", p.file, p.m[worker.KeyName])
			continue
		}
		report(ces, p.file)
	}
	if problems > 0 {
		fmt.Fprintf(stderr, "inlet: %d problem(s) found\n", problems)
		return ExitFailure
	}
	return ExitOK
}

func plugins(reg *connect.Registry, stdout io.Writer) int {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	var kind connect.Kind
	for _, p := range reg.Plugins() {
		if p.Kind != kind {
			if kind != 0 {
				fmt.Fprintln(tw)
			}
			kind = p.Kind
			fmt.Fprintf(tw, "%s:\n", strings.ToUpper(kindTitle(kind)))
		}
		aliases := append([]string(nil), p.Aliases...)
		sort.Strings(aliases)
		fmt.Fprintf(tw, "  %s\t%s\n", p.Name, strings.Join(aliases, ", "))
	}
	tw.Flush()
	return ExitOK
}

func kindTitle(k connect.Kind) string {
	switch k {
	case connect.KindSource:
		return "sources"
	case connect.KindSink:
		return "sinks"
	case connect.KindTransform:
		return "transforms"
	case connect.KindPredicate:
		return "predicates"
	case connect.KindConverter:
		return "converters"
	case connect.KindHeaderConverter:
		return "header converters"
	case connect.KindOffsetStore:
		return "offset stores"
	}
	return k.String()
}

func describe(reg *connect.Registry, name string, stdout, stderr io.Writer) int {
	ps := reg.Find(name)
	if len(ps) == 0 {
		var sugg []string
		for k := connect.KindSource; k <= connect.KindOffsetStore; k++ {
			_, err := reg.Lookup(k, name)
			var u *connect.UnknownPluginError
			if errors.As(err, &u) {
				sugg = append(sugg, u.Suggestions...)
			}
		}
		msg := fmt.Sprintf("inlet: no plugin is named %q", name)
		if len(sugg) > 0 {
			msg += " (did you mean " + strings.Join(unique(sugg), ", ") + "?)"
		} else {
			msg += " (run `inlet plugins` to list them)"
		}
		fmt.Fprintln(stderr, msg)
		return ExitFailure
	}
	for i, p := range ps {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "%s (%s)\n", p.Name, p.Kind)
		if len(p.Aliases) > 0 {
			fmt.Fprintf(stdout, "aliases: %s\n", strings.Join(p.Aliases, ", "))
		}
		if p.Version != "" {
			fmt.Fprintf(stdout, "version: %s\n", p.Version)
		}
		if p.Doc != "" {
			fmt.Fprintf(stdout, "\n%s\n", p.Doc)
		}
		keys := p.Config.Keys()
		if len(keys) == 0 && len(p.Config.Prefixes()) == 0 {
			fmt.Fprintln(stdout, "\nno configuration keys")
			continue
		}
		fmt.Fprintln(stdout)
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tTYPE\tDEFAULT\tIMPORTANCE\tDOC")
		for _, k := range keys {
			def := k.Default
			switch {
			case k.Required:
				def = "(required)"
			case def == "":
				def = `""`
			case k.Type == connect.TypePassword:
				def = connect.Hidden
			}
			doc := strings.ReplaceAll(k.Doc, "\n", " ")
			if k.Deprecated != "" {
				doc += " Deprecated: use " + k.Deprecated + "."
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Name, k.Type, def, k.Importance, doc)
		}
		for _, pre := range p.Config.Prefixes() {
			fmt.Fprintf(tw, "%s*\t%s\t%s\t%s\t%s\n", pre[0], "STRING", "", "LOW", pre[1])
		}
		tw.Flush()
	}
	return ExitOK
}

func unique(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, fmt.Sprintf("%q", s))
		}
	}
	return out
}
