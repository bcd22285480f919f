// Package stripemock runs stripe-mock, Stripe's official API emulator, as a
// child process for development and tests, so no real money can move.
// The version is pinned as a tool dependency in go.mod.
package stripemock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// TestKey is the API key sent to stripe-mock; it accepts any sk_test_ key.
const TestKey = "sk_test_clockroomlocalmock"

// Mock is a running stripe-mock.
type Mock struct {
	URL  string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
	done chan error
}

// Binary finds the stripe-mock executable: STRIPE_MOCK_BIN, else the tool
// dependency built by `go tool -n stripe-mock` (run in this module).
func Binary(ctx context.Context) (string, error) {
	if p := os.Getenv("STRIPE_MOCK_BIN"); p != "" {
		return p, nil
	}
	out, err := exec.CommandContext(ctx, "go", "tool", "-n", "stripe-mock").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("cannot build stripe-mock with `go tool` (run from the Clockroom checkout, set STRIPE_MOCK_BIN, or set STRIPE_SECRET_KEY to use real Stripe): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Start runs stripe-mock on a free loopback port and waits until it listens.
// It dies with this process, even if this process is killed.
func Start(ctx context.Context) (*Mock, error) {
	bin, err := Binary(ctx)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:", "-https-addr", "127.0.0.1:", "-strict-version-check")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	m := &Mock{cmd: cmd, done: make(chan error, 1)}
	started := make(chan error, 1)
	// The parent-death signal is tied to the forking thread: keep it alive.
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		m.done <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start stripe-mock: %w", err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		const prefix = "Listening for HTTP at address: "
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, prefix) {
				addr <- strings.TrimPrefix(line, prefix)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case a := <-addr:
		m.URL = "http://" + a
		return m, nil
	case err := <-m.done:
		return nil, fmt.Errorf("stripe-mock exited at start: %v", err)
	case <-time.After(30 * time.Second):
		m.Stop()
		return nil, errors.New("stripe-mock did not start listening within 30 seconds")
	case <-ctx.Done():
		m.Stop()
		return nil, ctx.Err()
	}
}

// Stop ends stripe-mock and waits for it.
func (m *Mock) Stop() {
	if m == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(5 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
}
