package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/clockroom/clockroom/internal/dev/pgdev"
)

// server is the Clockroom binary under test.
type server struct {
	cmd    *exec.Cmd
	base   string
	secret string
	done   chan error
	log    *os.File
}

// startServer runs `clockroom serve` with a fresh data folder and no
// DATABASE_URL or Stripe key, so it starts its private PostgreSQL and
// stripe-mock exactly as `make run` does, and waits until it answers.
func startServer(ctx context.Context, bin, dir string) (*server, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("no server binary at %s: run `make build` first", bin)
	}
	if err := wipe(dir); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	s := &server{base: "http://127.0.0.1:" + strconv.Itoa(port), secret: hex.EncodeToString(buf), done: make(chan error, 1)}
	if s.log, err = os.Create(filepath.Join(dir, "server.log")); err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = append(cleanEnv(),
		"CLOCKROOM_DATA_DIR="+dir,
		"ADDR=127.0.0.1:"+strconv.Itoa(port),
		"SECRET_KEY="+s.secret, // the load generator signs ticket codes with it
		"LOG_FORMAT=json",
	)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { s.done <- s.cmd.Wait() }()

	deadline := time.Now().Add(3 * time.Minute)
	for {
		select {
		case err := <-s.done:
			s.done <- err
			return nil, fmt.Errorf("the server exited while starting (%v); its log:\n%s", err, tailFile(s.log.Name(), 20))
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		res, err := http.Get(s.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("the server did not answer /healthz within 3 minutes; its log:\n%s", tailFile(s.log.Name(), 20))
		}
	}
}

// cleanEnv is the environment without settings that would point the server
// at another database or a real Stripe account.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "DATABASE_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE", "SMTP_URL",
			"ADDR", "BASE_URL", "SECRET_KEY", "CLOCKROOM_DATA_DIR", "CLOCKROOM_ENV", "SEED_DEMO":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// wipe empties dir and the private database Start would use for it,
// stopping a PostgreSQL left running there by a run that was killed.
func wipe(dir string) error {
	pgDir, err := pgdev.Resolve(filepath.Join(dir, "postgres"))
	if err != nil {
		return err
	}
	if b, err := os.ReadFile(filepath.Join(pgDir, "pgdata", "postmaster.pid")); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])); err == nil && n > 0 {
			_ = syscall.Kill(n, syscall.SIGQUIT)
			time.Sleep(time.Second)
		}
	}
	for _, d := range []string{pgDir, dir} {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("clear %s: %w", d, err)
		}
	}
	return os.MkdirAll(dir, 0o755)
}

// stop asks the server to shut down (it stops its PostgreSQL and stripe-mock
// too) and waits.
func (s *server) stop() {
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.log.Close()
}

// peakRSS is the server process's high-water mark of resident memory, in
// bytes (VmHWM), and its current RSS.
func (s *server) peakRSS() (peak, now int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmHWM:":
			peak = kb * 1024
		case "VmRSS:":
			now = kb * 1024
		}
	}
	if peak == 0 {
		return 0, 0, errors.New("no VmHWM in /proc status")
	}
	return peak, now, sc.Err()
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
