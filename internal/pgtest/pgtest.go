// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb into
// a temporary directory (as user postgres when running as root), logical
// replication enabled, listening on a free port of 127.0.0.1 with its unix
// socket inside the temporary directory. Tests that need it skip when the
// server binaries are missing, except under INLET_CI=1, where that is a
// failure.
//
// One cluster per test binary is the intended use (start it in TestMain with
// RunMain); tests then create their own databases, so they do not see each
// other's tables, slots or publications.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoServer is returned by Start when no PostgreSQL server binaries are
// installed.
var ErrNoServer = errors.New("pgtest: PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin " +
	"(install them, e.g. `apt-get install postgresql`, to run these tests)")

// Cluster is a running throwaway PostgreSQL cluster. Its methods are safe
// for concurrent use, except Restart, Stop and Close, which tests call from
// one goroutine.
type Cluster struct {
	Host   string // 127.0.0.1
	Port   int
	User   string // the superuser, "postgres"
	BinDir string
	Dir    string // the temporary directory holding data, socket and log

	asPostgres bool // run server commands via runuser -u postgres
	dbs        atomic.Int64
}

// BinDir returns the newest /usr/lib/postgresql/<v>/bin that holds a postgres
// binary, or "" when none does.
func BinDir() string {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(matches) == 0 {
		return ""
	}
	sort.Slice(matches, func(i, j int) bool { return version(matches[i]) > version(matches[j]) })
	return filepath.Dir(matches[0])
}

func version(binPath string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(binPath))))
	return v
}

// InCI reports whether INLET_CI=1, where missing binaries fail tests.
func InCI() bool { return os.Getenv("INLET_CI") == "1" }

// Start initialises and starts a cluster. settings are extra
// postgresql.conf lines ("key = value"). Stop it with Close.
func Start(settings ...string) (*Cluster, error) {
	bin := BinDir()
	if bin == "" {
		return nil, ErrNoServer
	}
	dir, err := os.MkdirTemp("", "inlet-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{Host: "127.0.0.1", User: "postgres", BinDir: bin, Dir: dir, asPostgres: os.Geteuid() == 0}
	if err := c.init(settings); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if err := c.start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

func (c *Cluster) dataDir() string { return filepath.Join(c.Dir, "data") }
func (c *Cluster) logFile() string { return filepath.Join(c.Dir, "postgres.log") }

// SocketDir is the directory holding the cluster's unix socket.
func (c *Cluster) SocketDir() string { return c.Dir }

func (c *Cluster) init(settings []string) error {
	if c.asPostgres {
		// the server refuses to run as root: hand the directory to postgres
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("pgtest: running as root but there is no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(c.Dir, uid, gid); err != nil {
			return fmt.Errorf("pgtest: %w", err)
		}
	}
	if out, err := c.run(filepath.Join(c.BinDir, "initdb"), "-D", c.dataDir(), "-U", c.User,
		"--auth=trust", "--encoding=UTF8", "--no-sync", "--locale=C").CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: initdb: %v: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	c.Port = port
	conf := []string{
		"listen_addresses = '127.0.0.1'",
		"port = " + strconv.Itoa(port),
		"unix_socket_directories = '" + c.Dir + "'",
		"wal_level = logical",
		"max_replication_slots = 40",
		"max_wal_senders = 40",
		"max_connections = 100",
		"fsync = off",
		"synchronous_commit = off",
		"full_page_writes = off",
		"shared_buffers = 64MB",
	}
	conf = append(conf, settings...)
	f, err := os.OpenFile(filepath.Join(c.dataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	_, err = f.WriteString("\n# pgtest\n" + strings.Join(conf, "\n") + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}

// run builds a command that runs as postgres when we are root.
func (c *Cluster) run(name string, args ...string) *exec.Cmd {
	if c.asPostgres {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

func (c *Cluster) start() error {
	out, err := c.run(filepath.Join(c.BinDir, "pg_ctl"), "-D", c.dataDir(), "-l", c.logFile(), "-w", "-t", "60", "start").CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(c.logFile())
		return fmt.Errorf("pgtest: pg_ctl start: %v: %s\n%s", err, out, log)
	}
	return nil
}

// Stop stops the server (fast shutdown) but keeps its data; Restart or
// StartAgain brings it back on the same port.
// A logical replication client that has not confirmed the WAL end keeps a
// fast shutdown waiting (the walsender waits for it); after 20 s the server
// is stopped in immediate mode so a test never hangs on teardown.
func (c *Cluster) Stop() error {
	out, err := c.run(filepath.Join(c.BinDir, "pg_ctl"), "-D", c.dataDir(), "-m", "fast", "-w", "-t", "20", "stop").CombinedOutput()
	if err == nil {
		return nil
	}
	out2, err2 := c.run(filepath.Join(c.BinDir, "pg_ctl"), "-D", c.dataDir(), "-m", "immediate", "-w", "stop").CombinedOutput()
	if err2 != nil {
		return fmt.Errorf("pgtest: pg_ctl stop: %v: %s; immediate: %v: %s", err, out, err2, out2)
	}
	return nil
}

// StartAgain starts a stopped cluster.
func (c *Cluster) StartAgain() error { return c.start() }

// Restart stops and starts the server, dropping every connection.
func (c *Cluster) Restart() error {
	if err := c.Stop(); err != nil {
		return err
	}
	return c.start()
}

// Crash stops the server in immediate mode (no shutdown checkpoint, as
// after a crash or kill -9) and starts it again.
func (c *Cluster) Crash() error {
	out, err := c.run(filepath.Join(c.BinDir, "pg_ctl"), "-D", c.dataDir(), "-m", "immediate", "-w", "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: pg_ctl stop -m immediate: %v: %s", err, out)
	}
	return c.start()
}

// Close stops the server and removes its directory.
func (c *Cluster) Close() error {
	err := c.Stop()
	if rerr := os.RemoveAll(c.Dir); err == nil {
		err = rerr
	}
	return err
}

// Log returns the server log (for failure messages).
func (c *Cluster) Log() string {
	b, _ := os.ReadFile(c.logFile())
	return string(b)
}

// ConnString returns a URL for database db as the superuser.
func (c *Cluster) ConnString(db string) string {
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", c.User, c.Host, c.Port, db)
}

// Exec runs SQL statements (simple protocol, several allowed) in database db.
func (c *Cluster) Exec(ctx context.Context, db string, sql string) error {
	conn, err := pgx.Connect(ctx, c.ConnString(db))
	if err != nil {
		return fmt.Errorf("pgtest: connect %s: %w", db, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.PgConn().Exec(ctx, sql).ReadAll(); err != nil {
		return fmt.Errorf("pgtest: %s: %w", firstLine(sql), err)
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i > 0 {
		s = s[:i] + " …"
	}
	return s
}

// NewDatabase creates a fresh database whose name starts with prefix and
// returns its name.
func (c *Cluster) NewDatabase(ctx context.Context, prefix string) (string, error) {
	name := fmt.Sprintf("%s_%d", sanitize(prefix), c.dbs.Add(1))
	if err := c.Exec(ctx, "postgres", "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return name, nil
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if len(out) > 40 {
		out = out[:40]
	}
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "db_" + out
	}
	return out
}

// Database creates a fresh database named after the test and returns its
// name; the test fails if that is impossible.
func (c *Cluster) Database(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := c.NewDatabase(ctx, t.Name())
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// MustExec runs SQL in db and fails the test on error.
func (c *Cluster) MustExec(t testing.TB, db, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Exec(ctx, db, sql); err != nil {
		t.Fatal(err)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// New starts a cluster for one test and stops it in t.Cleanup. Without
// server binaries the test is skipped (failed under INLET_CI=1).
func New(t testing.TB, settings ...string) *Cluster {
	t.Helper()
	c, err := Start(settings...)
	if err != nil {
		if errors.Is(err, ErrNoServer) && !InCI() {
			t.Skip(err.Error())
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Shared is a cluster started once per test binary by RunMain.
type Shared struct {
	c   *Cluster
	err error
}

// RunMain starts one cluster, runs the tests, stops the cluster and returns
// the exit code: `func TestMain(m *testing.M) { os.Exit(pgtest.RunMain(m, &shared)) }`.
// A cluster that cannot start does not abort the binary: tests that call
// shared.Need skip or fail with the reason, the others still run.
func RunMain(m *testing.M, s *Shared, settings ...string) int {
	s.c, s.err = Start(settings...)
	code := m.Run()
	if s.c != nil {
		if err := s.c.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	return code
}

// Need returns the shared cluster, or skips the test (fails under
// INLET_CI=1) when there is none.
func (s *Shared) Need(t testing.TB) *Cluster {
	t.Helper()
	if s.c != nil {
		return s.c
	}
	err := s.err
	if err == nil {
		err = errors.New("pgtest: RunMain was not called from TestMain")
	}
	if errors.Is(err, ErrNoServer) && !InCI() {
		t.Skip(err.Error())
	}
	t.Fatal(err)
	return nil
}
