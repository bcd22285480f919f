package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/testkit/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// syncBuffer collects what run prints while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envMap(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var runningAt = regexp.MustCompile(`Clockroom is running at (http://\S+)`)

// startServe runs `clockroom serve` in dev mode and returns its URL and a
// stop function that returns run's error.
func startServe(t *testing.T, dataDir string) (string, *syncBuffer, func() error) {
	t.Helper()
	return startServeWith(t, map[string]string{"CLOCKROOM_DATA_DIR": dataDir, "ADDR": "127.0.0.1:0"})
}

// startServeWith runs `clockroom serve` with env and returns its URL and a
// stop function that returns run's error.
func startServeWith(t *testing.T, env map[string]string) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, envMap(env), out)
	}()
	// A bound on a hung start, not a speed target: a first start seeds the
	// demo (bcrypt at full cost, under the race detector) and may share the
	// machine with other test binaries.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		// The announcement is written line by line: wait for its last.
		if s := out.String(); strings.Contains(s, "Press Ctrl-C to stop.") {
			if m := runningAt.FindStringSubmatch(s); m != nil {
				return m[1], out, func() error { cancel(); return <-done }
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve stopped at start: %v\n%s", err, out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start in time:\n%s", out)
		}
	}
}

func TestServeInDevModeFromNothing(t *testing.T) {
	dataDir, err := os.MkdirTemp("", "clockroom-serve-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dataDir)
	if err := os.Chmod(dataDir, 0o755); err != nil { // let the postgres user in when root
		t.Fatal(err)
	}

	base, out, stop := startServe(t, dataDir)
	log := out.String()
	for _, want := range []string{"admin@clockroom.test", "guest@clockroom.test", `password "clockroom-demo"`, "test mode — no real charges", "loaded demo data"} {
		if !strings.Contains(log, want) {
			t.Fatalf("start-up output lacks %q:\n%s", want, log)
		}
	}
	home := get(t, http.DefaultClient, base+"/")
	for _, want := range []string{"Happening now", "Small Table", "Test mode — no real charges"} {
		if !strings.Contains(home, want) {
			t.Fatalf("home page lacks %q", want)
		}
	}
	if !strings.Contains(get(t, http.DefaultClient, base+"/healthz"), `"ok"`) {
		t.Fatal("healthz not ok")
	}
	adminLogin(t, base)
	postgresPids := pidsWithArg(t, dataDir)
	if len(postgresPids) == 0 {
		t.Fatal("no private postgres found running")
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v on shutdown", err)
	}
	if left := pidsWithArg(t, dataDir); len(left) > 0 {
		t.Fatalf("processes left running after shutdown: %v", left)
	}

	// A second start reuses the folder: no second seeding, same data.
	base, out, stop = startServe(t, dataDir)
	if strings.Contains(out.String(), "loaded demo data") || strings.Contains(out.String(), "creating a private PostgreSQL") {
		t.Fatalf("second start must reuse the cluster and its data:\n%s", out)
	}
	adminLogin(t, base)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func adminLogin(t *testing.T, base string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	// A real bcrypt (cost 12) under the race detector on a busy 2-core machine
	// can take seconds; this bounds a hang, not the speed.
	c := &http.Client{Jar: jar, Timeout: 2 * time.Minute}
	page := get(t, c, base+"/login")
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if token == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	res, err := c.PostForm(base+"/login", url.Values{"_csrf": {token[1]}, "email": {"admin@clockroom.test"}, "password": {"clockroom-demo"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "Signed in as Ada Admin") {
		t.Fatalf("demo admin could not sign in: %d\n%s", res.StatusCode, b)
	}
	if !strings.Contains(get(t, c, base+"/admin/users"), "host@clockroom.test") {
		t.Fatal("demo admin cannot open the admin page")
	}
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", u, res.StatusCode, b)
	}
	return string(b)
}

// pidsWithArg lists live processes whose command line mentions s.
func pidsWithArg(t *testing.T, s string) []string {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	var pids []string
	for _, e := range entries {
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !strings.Contains(string(cmdline), s) {
			continue
		}
		if stat, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil {
			if i := strings.LastIndexByte(string(stat), ')'); i > 0 && string(stat)[i+2] == 'Z' {
				continue
			}
		}
		pids = append(pids, e.Name())
	}
	return pids
}

func TestBadConfigurationStopsStartUp(t *testing.T) {
	for env, want := range map[string]string{
		"ADDR":         "ADDR must end in a port",
		"BASE_URL":     "BASE_URL must be an absolute",
		"DATABASE_URL": "SECRET_KEY is required outside development",
	} {
		vals := map[string]string{"ADDR": "localhost:8080"}
		switch env {
		case "ADDR":
			vals["ADDR"] = "localhost:eighty"
		case "BASE_URL":
			vals["BASE_URL"] = "not a url"
		case "DATABASE_URL":
			vals["DATABASE_URL"] = "postgres://db.invalid/clockroom"
		}
		err := run(context.Background(), []string{"serve"}, envMap(vals), io.Discard)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", env, err, want)
		}
	}
	if err := run(context.Background(), []string{"frobnicate"}, envMap(nil), io.Discard); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("unknown command: %v", err)
	}
}

func TestMigrateAndUserCreate(t *testing.T) {
	env := envMap(map[string]string{
		"DATABASE_URL": testdb.NewURL(t, false),
		"SECRET_KEY":   strings.Repeat("x", 40),
	})
	ctx := context.Background()
	var out strings.Builder
	if err := run(ctx, []string{"migrate"}, env, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "applied migrations") {
		t.Fatalf("first migrate should apply migrations:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"migrate"}, env, &out); err != nil || strings.Contains(out.String(), "applied migrations") {
		t.Fatalf("second migrate must apply nothing: %v\n%s", err, out.String())
	}
	out.Reset()
	err := run(ctx, []string{"user", "create", "--email", "Owner@Cafe.example", "--name", "Owner", "--role", "admin"}, env, &out)
	if err != nil || !strings.Contains(out.String(), "created Owner <owner@cafe.example> as admin") || !strings.Contains(out.String(), "password: ") {
		t.Fatalf("user create: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"user", "create", "--email", "x@cafe.example", "--name", "X", "--role", "king"}, env, io.Discard); err == nil || !strings.Contains(err.Error(), "--role must be") {
		t.Fatalf("bad role: %v", err)
	}
	if err := run(ctx, []string{"user", "create", "--email", "owner@cafe.example", "--name", "Again", "--password", "long enough pw"}, env, io.Discard); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate: %v", err)
	}
}

// In production the server does not quietly run on the Stripe emulator: it
// refuses to start without a key unless STRIPE_API_BASE chooses one.
func TestProductionRefusesTheEmulatorByDefault(t *testing.T) {
	env := envMap(map[string]string{"DATABASE_URL": testdb.NewURL(t, false), "SECRET_KEY": strings.Repeat("x", 40), "ADDR": "127.0.0.1:0"})
	err := run(context.Background(), []string{"serve"}, env, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "STRIPE_SECRET_KEY is required in production") {
		t.Fatalf("serve in production without a Stripe key: %v", err)
	}
}

// Production on a Stripe emulator (docker-compose.yml's default) mounts no
// TEST checkout, whose Pay button settles a bill with no money, and says
// so; REHEARSAL_CHECKOUT=true mounts it with a warning at start-up.
func TestProductionMountsTheTestCheckoutOnlyWhenChosen(t *testing.T) {
	for _, chosen := range []bool{false, true} {
		env := map[string]string{"DATABASE_URL": testdb.NewURL(t, false), "SECRET_KEY": strings.Repeat("x", 40), "ADDR": "127.0.0.1:0",
			"STRIPE_API_BASE": "http://127.0.0.1:9"}
		if chosen {
			env["REHEARSAL_CHECKOUT"] = "true"
		}
		_, out, stop := startServeWith(t, env)
		// Production announces BASE_URL; the port it listens on is logged.
		addr := regexp.MustCompile(`"addr":"([^"]+)"`).FindStringSubmatch(out.String())
		if addr == nil {
			stop()
			t.Fatalf("no listening address logged:\n%s", out)
		}
		res, err := http.Get("http://" + addr[1] + "/test-checkout/cs_test_1")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if err := stop(); err != nil {
			t.Fatalf("serve returned %v on shutdown", err)
		}
		// Mounted, the route answers for a page it does not know; not
		// mounted, there is no such route.
		mounted := strings.Contains(string(b), "This test checkout page is gone")
		warned := strings.Contains(out.String(), "WARNING: REHEARSAL_CHECKOUT=true") && strings.Contains(out.String(), "settle a bill with no money")
		switch {
		case res.StatusCode != http.StatusNotFound:
			t.Fatalf("REHEARSAL_CHECKOUT=%v: GET /test-checkout/...: %d", chosen, res.StatusCode)
		case mounted != chosen:
			t.Fatalf("REHEARSAL_CHECKOUT=%v: test checkout mounted: %v\n%s", chosen, mounted, b)
		case warned != chosen:
			t.Fatalf("REHEARSAL_CHECKOUT=%v: warned: %v\n%s", chosen, warned, out)
		case !chosen && !strings.Contains(out.String(), "no TEST checkout (REHEARSAL_CHECKOUT is not set)"):
			t.Fatalf("start-up does not say the TEST checkout is off:\n%s", out)
		}
	}
}
