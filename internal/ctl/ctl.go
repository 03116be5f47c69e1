// Package ctl is `inlet ctl`: a small client for a worker's REST API, so
// that the common calls need no hand-written curl. It speaks only the Kafka
// Connect REST API, so it also works against a Kafka Connect worker.
package ctl

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/inletdev/inlet/internal/props"
)

const usage = `usage: inlet ctl [--url URL] [--user USER:PASSWORD] [--any-server] COMMAND [ARGS]

The worker's REST API is at --url (default $INLET_URL, else http://127.0.0.1:8083).
Before anything else ctl checks that an inlet worker answers there, so that a
Kafka Connect worker on the same port is not changed by mistake; --any-server
skips the check to manage any Kafka Connect-compatible REST API.

commands:
  list                          pipelines with their state
  status NAME                   state, tasks, figures and failure traces
  show NAME                     config (secrets masked) and tasks
  create FILE [--state S]       create from a .properties or .json file (S: RUNNING, PAUSED, STOPPED)
  update FILE                   replace the config of the pipeline the file names (creates it if absent)
  set NAME KEY=VALUE...         change some keys (KEY= with no value removes the key)
  pause NAME | resume NAME | stop NAME
  restart NAME [--tasks] [--only-failed]
  restart-task NAME TASK
  delete NAME
  offsets NAME                  stored source offsets
  offsets-reset NAME            delete them (the pipeline must be stopped)
  offsets-alter NAME FILE       set them from {"offsets":[{"partition":{..},"offset":{..}}]} (stopped only)
  validate FILE                 check a pipeline file against the worker's plugins
  plugins [--all]               connector plugins (--all: transforms, predicates, converters too)
`

// Main runs one command and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inlet ctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	base := fs.String("url", envOr("INLET_URL", "http://127.0.0.1:8083"), "worker REST URL")
	user := fs.String("user", os.Getenv("INLET_USER"), "basic auth USER:PASSWORD")
	anyServer := fs.Bool("any-server", false, "manage any Kafka Connect-compatible REST API, not only an inlet worker")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return 2
	}
	c := &client{base: strings.TrimRight(*base, "/"), user: *user, out: stdout, http: &http.Client{Timeout: 100 * time.Second},
		checkServer: !*anyServer}
	if err := c.run(rest[0], rest[1:]); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "inlet ctl %s: %v\n\n%s", rest[0], err, usage)
			return 2
		}
		fmt.Fprintf(stderr, "inlet ctl %s: %v\n", rest[0], err)
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

type client struct {
	base, user string
	out        io.Writer
	http       *http.Client
	// checkServer makes the first call check that an inlet worker
	// answers (its Server header), before anything is sent that could
	// change another program's state (a Kafka Connect worker on 8083).
	checkServer bool
}

// checkInlet asks GET / and fails unless the answer comes from inlet.
func (c *client) checkInlet() error {
	c.checkServer = false
	req, err := http.NewRequest("GET", c.base+"/", nil)
	if err != nil {
		return err
	}
	resp, err := c.do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if srv := resp.Header.Get("Server"); !strings.HasPrefix(srv, "inlet/") {
		if srv == "" {
			srv = "no Server header"
		}
		return fmt.Errorf("the server at %s is not an inlet worker (%s; another program, such as a Kafka Connect worker, may be using the port); "+
			"point --url or INLET_URL at the inlet worker, or pass --any-server to manage this one", c.base, srv)
	}
	return nil
}

// apiError is the worker's {"error_code","message"} answer.
type apiError struct {
	Code    int    `json:"error_code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d: %s", e.Code, e.Message) }

func (c *client) call(method, path string, body any, out any) error {
	if c.checkServer {
		if err := c.checkInlet(); err != nil {
			return err
		}
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		ae := &apiError{Code: resp.StatusCode}
		if json.Unmarshal(data, ae) != nil || ae.Message == "" {
			ae.Message = strings.TrimSpace(string(data))
		}
		return ae
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}

// do sends req with the client's basic auth.
func (c *client) do(req *http.Request) (*http.Response, error) {
	if c.user != "" {
		u, p, _ := strings.Cut(c.user, ":")
		req.SetBasicAuth(u, p)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the worker at %s (is it running? set --url or INLET_URL): %w", c.base, err)
	}
	return resp, nil
}

func esc(name string) string { return url.PathEscape(name) }

func need(args []string, n int, what string) error {
	if len(args) < n {
		return usageError{"missing " + what}
	}
	return nil
}

func (c *client) run(cmd string, args []string) error {
	switch cmd {
	case "list", "ls":
		return c.list()
	case "status":
		if err := need(args, 1, "NAME"); err != nil {
			return err
		}
		return c.status(args[0])
	case "show", "get":
		if err := need(args, 1, "NAME"); err != nil {
			return err
		}
		var info any
		if err := c.call("GET", "/connectors/"+esc(args[0]), nil, &info); err != nil {
			return err
		}
		return c.printJSON(info)
	case "create":
		return c.create(args)
	case "update":
		if err := need(args, 1, "FILE"); err != nil {
			return err
		}
		name, cfg, err := readPipeline(args[0])
		if err != nil {
			return err
		}
		var info any
		if err := c.call("PUT", "/connectors/"+esc(name)+"/config", cfg, &info); err != nil {
			return err
		}
		fmt.Fprintf(c.out, "pipeline %s updated\n", name)
		return nil
	case "set":
		if err := need(args, 2, "NAME KEY=VALUE"); err != nil {
			return err
		}
		patch := map[string]*string{}
		for _, kv := range args[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return usageError{fmt.Sprintf("%q is not KEY=VALUE", kv)}
			}
			if v == "" {
				patch[k] = nil
			} else {
				patch[k] = &v
			}
		}
		if err := c.call("PATCH", "/connectors/"+esc(args[0])+"/config", patch, nil); err != nil {
			return err
		}
		fmt.Fprintf(c.out, "pipeline %s updated\n", args[0])
		return nil
	case "pause", "resume", "stop":
		if err := need(args, 1, "NAME"); err != nil {
			return err
		}
		if err := c.call("PUT", "/connectors/"+esc(args[0])+"/"+cmd, nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(c.out, "pipeline %s: %s requested\n", args[0], cmd)
		return nil
	case "restart":
		return c.restart(args)
	case "restart-task":
		if err := need(args, 2, "NAME TASK"); err != nil {
			return err
		}
		if err := c.call("POST", "/connectors/"+esc(args[0])+"/tasks/"+esc(args[1])+"/restart", nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(c.out, "task %s-%s restarted\n", args[0], args[1])
		return nil
	case "delete", "rm":
		if err := need(args, 1, "NAME"); err != nil {
			return err
		}
		if err := c.call("DELETE", "/connectors/"+esc(args[0]), nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(c.out, "pipeline %s deleted (its offsets are kept; offsets-reset before delete removes them)\n", args[0])
		return nil
	case "offsets":
		if err := need(args, 1, "NAME"); err != nil {
			return err
		}
		var offs any
		if err := c.call("GET", "/connectors/"+esc(args[0])+"/offsets", nil, &offs); err != nil {
			return err
		}
		return c.printJSON(offs)
	case "offsets-reset":
		if err := need(args, 1, "NAME"); err != nil {
			return err
		}
		var msg map[string]string
		if err := c.call("DELETE", "/connectors/"+esc(args[0])+"/offsets", nil, &msg); err != nil {
			return err
		}
		fmt.Fprintln(c.out, msg["message"])
		return nil
	case "offsets-alter":
		if err := need(args, 2, "NAME FILE"); err != nil {
			return err
		}
		data, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		var body any
		if err := json.Unmarshal(data, &body); err != nil {
			return fmt.Errorf("%s: not JSON: %w", args[1], err)
		}
		var msg map[string]string
		if err := c.call("PATCH", "/connectors/"+esc(args[0])+"/offsets", body, &msg); err != nil {
			return err
		}
		fmt.Fprintln(c.out, msg["message"])
		return nil
	case "validate":
		return c.validate(args)
	case "plugins":
		all := len(args) > 0 && args[0] == "--all"
		var ps []map[string]any
		if err := c.call("GET", "/connector-plugins?connectorsOnly="+fmt.Sprint(!all), nil, &ps); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TYPE\tCLASS")
		for _, p := range ps {
			fmt.Fprintf(tw, "%v\t%v\n", p["type"], p["class"])
		}
		return tw.Flush()
	case "help", "-h", "--help":
		fmt.Fprint(c.out, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

func (c *client) printJSON(v any) error {
	enc := json.NewEncoder(c.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

type statusObj struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	Connector struct {
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
		Trace    string `json:"trace"`
	} `json:"connector"`
	Tasks []struct {
		ID               int     `json:"id"`
		State            string  `json:"state"`
		Trace            string  `json:"trace"`
		RecordsDelivered int64   `json:"records_delivered"`
		RecordsPerSecond float64 `json:"records_per_second"`
		LastError        string  `json:"last_error"`
		Progress         []struct {
			Phase string `json:"phase"`
			Item  string `json:"item"`
			Done  int64  `json:"done"`
			Total int64  `json:"total"`
		} `json:"progress"`
	} `json:"tasks"`
}

func (c *client) list() error {
	var all map[string]struct {
		Status statusObj `json:"status"`
	}
	if err := c.call("GET", "/connectors?expand=status", nil, &all); err != nil {
		return err
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tSTATE\tTASKS\tRECORDS/S")
	for _, n := range names {
		st := all[n].Status
		running, rate := 0, 0.0
		for _, t := range st.Tasks {
			if t.State == "RUNNING" {
				running++
			}
			rate += t.RecordsPerSecond
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%.0f\n", n, st.Type, st.Connector.State, running, len(st.Tasks), rate)
	}
	return tw.Flush()
}

func (c *client) status(name string) error {
	var st statusObj
	if err := c.call("GET", "/connectors/"+esc(name)+"/status", nil, &st); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "%s (%s): %s on %s\n", st.Name, st.Type, st.Connector.State, st.Connector.WorkerID)
	if st.Connector.Trace != "" {
		fmt.Fprintf(c.out, "  %s\n", indent(st.Connector.Trace))
	}
	for _, t := range st.Tasks {
		fmt.Fprintf(c.out, "  task %d: %s, %d delivered, %.0f records/s\n", t.ID, t.State, t.RecordsDelivered, t.RecordsPerSecond)
		for _, p := range t.Progress {
			fmt.Fprintf(c.out, "    %s %s: %d", p.Phase, p.Item, p.Done)
			if p.Total > 0 {
				fmt.Fprintf(c.out, "/%d (%.0f%%)", p.Total, 100*float64(p.Done)/float64(p.Total))
			}
			fmt.Fprintln(c.out)
		}
		if t.Trace != "" {
			fmt.Fprintf(c.out, "    %s\n", indent(t.Trace))
		} else if t.LastError != "" {
			fmt.Fprintf(c.out, "    last error: %s\n", t.LastError)
		}
	}
	return nil
}

func indent(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ") }

// readPipeline reads a pipeline file; the name is its `name` key, else the
// file name without extension.
func readPipeline(path string) (string, map[string]string, error) {
	cfg, err := props.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	name := cfg["name"]
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		cfg["name"] = name
	}
	return name, cfg, nil
}

func (c *client) create(args []string) error {
	state := ""
	var files []string
	for i := 0; i < len(args); i++ {
		if args[i] == "--state" && i+1 < len(args) {
			state = strings.ToUpper(args[i+1])
			i++
			continue
		}
		files = append(files, args[i])
	}
	if len(files) != 1 {
		return usageError{"create takes one FILE"}
	}
	name, cfg, err := readPipeline(files[0])
	if err != nil {
		return err
	}
	body := map[string]any{"name": name, "config": cfg}
	if state != "" {
		body["initial_state"] = state
	}
	if err := c.call("POST", "/connectors", body, nil); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "pipeline %s created\n", name)
	return nil
}

func (c *client) restart(args []string) error {
	var name string
	q := url.Values{}
	for _, a := range args {
		switch a {
		case "--tasks":
			q.Set("includeTasks", "true")
		case "--only-failed":
			q.Set("onlyFailed", "true")
		default:
			name = a
		}
	}
	if name == "" {
		return usageError{"missing NAME"}
	}
	path := "/connectors/" + esc(name) + "/restart"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	if err := c.call("POST", path, nil, nil); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "pipeline %s restarting\n", name)
	return nil
}

func (c *client) validate(args []string) error {
	if err := need(args, 1, "FILE"); err != nil {
		return err
	}
	_, cfg, err := readPipeline(args[0])
	if err != nil {
		return err
	}
	class := cfg["connector.class"]
	if class == "" {
		return fmt.Errorf("%s: connector.class: missing", args[0])
	}
	var res struct {
		ErrorCount int `json:"error_count"`
		Configs    []struct {
			Value struct {
				Name   string   `json:"name"`
				Value  *string  `json:"value"`
				Errors []string `json:"errors"`
			} `json:"value"`
		} `json:"configs"`
	}
	if err := c.call("PUT", "/connector-plugins/"+esc(class)+"/config/validate", cfg, &res); err != nil {
		return err
	}
	for _, v := range res.Configs {
		for _, e := range v.Value.Errors {
			fmt.Fprintf(c.out, "%s: %s: %s\n", args[0], v.Value.Name, e)
		}
	}
	if res.ErrorCount > 0 {
		return fmt.Errorf("%d error(s)", res.ErrorCount)
	}
	fmt.Fprintf(c.out, "%s: ok\n", args[0])
	return nil
}
