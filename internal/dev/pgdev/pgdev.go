// Package pgdev runs a private PostgreSQL cluster from the machine's own
// PostgreSQL binaries, for `make run` and for tests. The cluster keeps its data
// in a folder that survives restarts, listens only on a unix socket in a
// private folder, and dies with the process that started it.
//
// When the caller is root, initdb and postgres run as the "postgres" user,
// because PostgreSQL refuses to run as root.
package pgdev

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/lib/pq" // the PostgreSQL driver
)

// ErrNoPostgres means the machine has no PostgreSQL server binaries.
var ErrNoPostgres = errors.New("no PostgreSQL server found: install it (on Debian: apt-get install postgresql) or set DATABASE_URL")

// Options say where and how to run the cluster.
type Options struct {
	Dir      string // the cluster's folder; relocated when root and the postgres user cannot reach it
	Database string // created if missing; default "clockroom"
	Fast     bool   // trade durability for speed (tests): fsync and synchronous_commit off
	Log      func(format string, args ...any)
}

// Cluster is a running private PostgreSQL.
type Cluster struct {
	Dir       string // the folder that holds pgdata, the log and the socket
	SocketDir string
	cmd       *exec.Cmd
	done      chan error
}

// BinDir finds the folder holding initdb and postgres: PG_BINDIR, then
// `pg_config --bindir`, then the newest /usr/lib/postgresql/*/bin.
func BinDir() (string, error) {
	var candidates []string
	if d := os.Getenv("PG_BINDIR"); d != "" {
		candidates = append(candidates, d)
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	versions, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(versions, func(i, j int) bool { return pgVersion(versions[i]) > pgVersion(versions[j]) })
	candidates = append(candidates, versions...)
	for _, d := range candidates {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", ErrNoPostgres
}

func pgVersion(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// Start runs the cluster in opts.Dir, creating it on first use, and returns
// once it accepts connections and the database exists.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Database == "" {
		opts.Database = "clockroom"
	}
	if opts.Log == nil {
		opts.Log = func(string, ...any) {}
	}
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	owner, err := clusterOwner()
	if err != nil {
		return nil, err
	}
	dir, err := resolveDir(opts.Dir, owner)
	if err != nil {
		return nil, err
	}
	if dir != mustAbs(opts.Dir) {
		opts.Log("the postgres user cannot reach %s, so the private database lives in %s", opts.Dir, dir)
	}
	c := &Cluster{Dir: dir, SocketDir: socketDir(dir)}
	for _, d := range []string{dir, c.SocketDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("create %s: %w", d, err)
		}
		if err := owner.chown(d); err != nil {
			return nil, err
		}
	}
	pgdata := filepath.Join(dir, "pgdata")
	if _, err := os.Stat(filepath.Join(pgdata, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		opts.Log("creating a private PostgreSQL cluster in %s", pgdata)
		if err := c.initdb(ctx, bin, pgdata, owner, opts.Fast); err != nil {
			return nil, err
		}
	}
	stopStale(pgdata)
	if err := c.start(bin, pgdata, owner, opts.Fast); err != nil {
		return nil, err
	}
	if err := c.waitReady(ctx, opts.Database); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// URL is the connection URL for database name on this cluster.
func (c *Cluster) URL(name string) string {
	q := url.Values{"host": {c.SocketDir}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User("clockroom"), Path: "/" + name, RawQuery: q.Encode()}).String()
}

// Resolve is the folder Start uses for dir: dir itself, or its stand-in
// under /var/lib/clockroom when the postgres user cannot reach it.
func Resolve(dir string) (string, error) {
	owner, err := clusterOwner()
	if err != nil {
		return "", err
	}
	return resolveDir(dir, owner)
}

// URL is the connection URL for database name on the cluster that Start runs
// in dir, for another process (a load generator, say) to reach the cluster a
// server started. It does not check that the cluster is running.
func URL(dir, name string) (string, error) {
	abs, err := Resolve(dir)
	if err != nil {
		return "", err
	}
	return (&Cluster{Dir: abs, SocketDir: socketDir(abs)}).URL(name), nil
}

// Stop shuts the cluster down (fast shutdown: open sessions are ended) and
// waits for it to exit.
func (c *Cluster) Stop() error {
	if c.cmd == nil || c.cmd.Process == nil {
		return nil
	}
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-c.done:
		return ignoreSignalExit(err)
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Signal(syscall.SIGQUIT)
		return ignoreSignalExit(<-c.done)
	}
}

// Pid is the postmaster's process id.
func (c *Cluster) Pid() int { return c.cmd.Process.Pid }

func ignoreSignalExit(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && !ee.Exited() {
		return nil
	}
	return err
}

func (c *Cluster) initdb(ctx context.Context, bin, pgdata string, owner pgUser, fast bool) error {
	args := []string{"-D", pgdata, "-U", "clockroom", "--auth=trust", "--encoding=UTF8", "--locale=C"}
	if fast {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), args...)
	cmd.SysProcAttr = owner.attr()
	cmd.Dir = c.Dir
	if out, err := cmd.CombinedOutput(); err != nil {
		_ = os.RemoveAll(pgdata)
		return fmt.Errorf("initdb failed: %w\n%s", err, out)
	}
	return nil
}

func (c *Cluster) start(bin, pgdata string, owner pgUser, fast bool) error {
	logPath := filepath.Join(c.Dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open the PostgreSQL log: %w", err)
	}
	args := []string{"-D", pgdata, "-k", c.SocketDir, "-c", "listen_addresses=", "-c", "port=5432",
		"-c", "unix_socket_permissions=0700", "-c", "max_connections=200"}
	if fast {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Dir = c.Dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	attr := owner.attr()
	attr.Setpgid = true              // Ctrl-C reaches us, and we stop postgres in order
	attr.Pdeathsig = syscall.SIGQUIT // if we die, even by SIGKILL, postgres goes too
	cmd.SysProcAttr = attr
	c.cmd = cmd
	c.done = make(chan error, 1)
	started := make(chan error, 1)
	// The parent-death signal fires when the thread that forked exits, so fork
	// from a locked thread that lives as long as postgres does.
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		err := cmd.Wait()
		logFile.Close()
		c.done <- err
	}()
	if err := <-started; err != nil {
		logFile.Close()
		return fmt.Errorf("start postgres: %w", err)
	}
	return nil
}

func (c *Cluster) waitReady(ctx context.Context, dbname string) error {
	db, err := sql.Open("postgres", c.URL("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := db.PingContext(ctx)
		if err == nil {
			break
		}
		select {
		case exitErr := <-c.done:
			c.done <- exitErr
			return fmt.Errorf("postgres exited during start-up (%v); its log says:\n%s", exitErr, tail(filepath.Join(c.Dir, "postgres.log"), 15))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within a minute: %w", err)
		}
	}
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, dbname).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := db.ExecContext(ctx, `CREATE DATABASE `+quoteIdent(dbname)); err != nil {
			return fmt.Errorf("create database %s: %w", dbname, err)
		}
	}
	return nil
}

// stopStale ends a postmaster left running on this data folder by an earlier
// run that could not stop it, so the folder can be reused.
func stopStale(pgdata string) {
	b, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil || pid <= 1 || syscall.Kill(pid, 0) != nil {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGINT)
	for i := 0; i < 200 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

// socketDir is a folder short enough for a unix socket path (about 107 bytes).
func socketDir(dir string) string {
	if d := filepath.Join(dir, "run"); len(d) < 80 {
		return d
	}
	return filepath.Join(os.TempDir(), "clockroom-"+shortHash(dir))
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])[:12]
}

// pgUser is who runs initdb and postgres: the caller, or "postgres" for root.
type pgUser struct {
	uid, gid int
	asOther  bool
}

func clusterOwner() (pgUser, error) {
	if os.Geteuid() != 0 {
		return pgUser{uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return pgUser{}, errors.New(`running as root needs a "postgres" user to run PostgreSQL (on Debian: apt-get install postgresql creates it)`)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return pgUser{uid: uid, gid: gid, asOther: true}, nil
}

func (u pgUser) attr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{}
	if u.asOther {
		a.Credential = &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid), NoSetGroups: true}
	}
	return a
}

func (u pgUser) chown(path string) error {
	if !u.asOther {
		return nil
	}
	if err := os.Chown(path, u.uid, u.gid); err != nil {
		return fmt.Errorf("hand %s to the postgres user: %w", path, err)
	}
	return nil
}

// resolveDir returns the absolute cluster folder for dir. When the cluster
// runs as another user who cannot walk down to dir (a checkout under /root,
// say), it returns a folder under /var/lib/clockroom named after dir instead,
// so every checkout keeps its own data.
func resolveDir(dir string, owner pgUser) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return "", err
	}
	if !owner.asOther || reachable(abs, owner) {
		return abs, nil
	}
	alt := filepath.Join("/var/lib/clockroom", filepath.Base(filepath.Dir(abs))+"-"+shortHash(abs))
	if err := os.MkdirAll(filepath.Dir(alt), 0o755); err != nil {
		return "", err
	}
	return alt, nil
}

// reachable reports whether owner may search every existing ancestor of path.
func reachable(path string, owner pgUser) bool {
	for p := filepath.Dir(path); ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err == nil {
			sys := st.Sys().(*syscall.Stat_t)
			mode := st.Mode().Perm()
			ok := mode&0o001 != 0 ||
				(int(sys.Uid) == owner.uid && mode&0o100 != 0) ||
				(int(sys.Gid) == owner.gid && mode&0o010 != 0)
			if !ok {
				return false
			}
		}
		if p == "/" || p == "." {
			return true
		}
	}
}
