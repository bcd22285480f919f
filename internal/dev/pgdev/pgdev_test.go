package pgdev

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain doubles as the helper process for TestNoOrphanWhenParentIsKilled.
func TestMain(m *testing.M) {
	if dir := os.Getenv("PGDEV_HELPER_DIR"); dir != "" {
		c, err := Start(context.Background(), Options{Dir: dir, Fast: true})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("pid:", c.Pid())
		select {} // wait to be killed
	}
	os.Exit(m.Run())
}

func TestStartReuseStop(t *testing.T) {
	dir := tempDir(t)
	ctx := context.Background()
	c, err := Start(ctx, Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	pid := c.Pid()
	if os.Geteuid() == 0 {
		pg, _ := user.Lookup("postgres")
		if uid := processUID(t, pid); uid != pg.Uid {
			t.Fatalf("as root, postgres must run as the postgres user (uid %s), runs as uid %s", pg.Uid, uid)
		}
	}
	exec1(t, c.URL("clockroom"), `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')`)
	if u, err := URL(dir, "clockroom"); err != nil || u != c.URL("clockroom") {
		t.Fatalf("URL(dir) = %q, %v; the running cluster is at %q", u, err, c.URL("clockroom"))
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if alive(pid) {
		t.Fatalf("postgres %d still running after Stop", pid)
	}

	c2, err := Start(ctx, Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatalf("second start on the same folder: %v", err)
	}
	defer c2.Stop()
	db, err := sql.Open("postgres", c2.URL("clockroom"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRow(`SELECT v FROM kept`).Scan(&v); err != nil || v != "still here" {
		t.Fatalf("data did not survive a restart: %q, %v", v, err)
	}
	if !strings.HasPrefix(c2.SocketDir, dir) {
		t.Fatalf("socket should live in the cluster folder, got %s", c2.SocketDir)
	}
}

func TestNoOrphanWhenParentIsKilled(t *testing.T) {
	dir := tempDir(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PGDEV_HELPER_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "pid: ") {
		cmd.Process.Kill()
		t.Fatalf("helper did not start postgres: %q %v", line, err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid: ")))
	if !alive(pid) {
		t.Fatalf("postgres %d is not running", pid)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	deadline := time.Now().Add(15 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("postgres %d outlived the killed server", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The folder is still usable afterwards.
	c, err := Start(context.Background(), Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatalf("restart after a killed server: %v", err)
	}
	c.Stop()
}

func TestRootRelocatesAnUnreachableFolder(t *testing.T) {
	if os.Geteuid() != 0 {
		owner, _ := clusterOwner()
		dir, err := resolveDir(filepath.Join(t.TempDir(), "db"), owner)
		if err != nil || !strings.HasPrefix(dir, os.TempDir()) {
			t.Fatalf("an ordinary user keeps the folder it asked for: %s %v", dir, err)
		}
		return
	}
	owner, err := clusterOwner()
	if err != nil {
		t.Fatal(err)
	}
	private := t.TempDir() // 0700, owned by root: postgres cannot enter
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(private, "checkout", ".clockroom", "postgres")
	got, err := resolveDir(want, owner)
	if err != nil {
		t.Fatal(err)
	}
	if got == want || !strings.HasPrefix(got, "/var/lib/clockroom/") {
		t.Fatalf("want a folder under /var/lib/clockroom, got %s", got)
	}
	again, _ := resolveDir(want, owner)
	if again != got {
		t.Fatalf("the relocated folder must be stable: %s then %s", got, again)
	}
	reachableDir := tempDir(t)
	os.Chmod(reachableDir, 0o755)
	if d, _ := resolveDir(filepath.Join(reachableDir, "pg"), owner); d != filepath.Join(reachableDir, "pg") {
		t.Fatalf("a reachable folder must be kept, got %s", d)
	}
}

func TestBinDirFindsPostgres(t *testing.T) {
	d, err := BinDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"initdb", "postgres"} {
		if !isExecutable(filepath.Join(d, b)) {
			t.Fatalf("%s missing from %s", b, d)
		}
	}
	t.Setenv("PG_BINDIR", t.TempDir())
	if d2, err := BinDir(); err != nil || d2 != d {
		t.Fatalf("an empty PG_BINDIR must fall through to the system binaries: %s %v", d2, err)
	}
}

func exec1(t *testing.T, url, stmt string) {
	t.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatal(err)
	}
}

// alive reports whether pid runs and is not a zombie waiting to be reaped.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] != 'Z' && s[i+2] != 'X'
}

func processUID(t *testing.T, pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "Uid:") {
			return strings.Fields(l)[1]
		}
	}
	return ""
}

// tempDir is a folder directly under the system temp folder (t.TempDir nests
// under a private parent the postgres user cannot enter).
func tempDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "pgdev-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}
