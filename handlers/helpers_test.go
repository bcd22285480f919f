package handlers

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/clockroom/clockroom/internal/billing"
	"github.com/clockroom/clockroom/internal/config"
	"github.com/clockroom/clockroom/internal/stripeapi"
	"github.com/clockroom/clockroom/internal/testkit/testdb"
	"github.com/clockroom/clockroom/models"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// testApp is the real router on a fresh database.
type testApp struct {
	*App
	engine *billing.Service
	srv    *httptest.Server
	store  *models.Store
	logs   *strings.Builder
	fake   *stripeapi.Fake
}

const testWebhookSecret = "whsec_clockroomtestsecret"

func newTestApp(t testing.TB, env map[string]string) *testApp {
	t.Helper()
	return newTestAppOn(t, testdb.New(t), env)
}

// testRehearsal, set in a test app's env, serves the test checkout over the
// fake gateway, as make run does over the local emulator.
const testRehearsal = "TEST_REHEARSAL"

// newTestAppOn builds an app on db; two apps on one database stand for two
// server instances.
func newTestAppOn(t testing.TB, db *sqlx.DB, env map[string]string) *testApp {
	t.Helper()
	if env == nil {
		env = map[string]string{}
	}
	env["SECRET_KEY"] = strings.Repeat("t", 40)
	env["STRIPE_WEBHOOK_SECRET"] = testWebhookSecret
	// The server's own address is its base URL (as it is in production), so
	// absolute links, redirects and the test checkout lead back to it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if env["BASE_URL"] == "" {
		env["BASE_URL"] = "http://" + ln.Addr().String()
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	store := &models.Store{DB: db, BcryptCost: 4, Tickets: models.NewTicketSigner(cfg.SecretKey), BaseURL: cfg.BaseURL.String()}
	logs := &strings.Builder{}
	fake := stripeapi.NewFake()
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, nil))
	var gw billing.Gateway = fake
	var rehearsal *stripeapi.Rehearsal
	if env[testRehearsal] != "" { // as serve does with the local emulator
		rehearsal = stripeapi.NewRehearsal(fake, cfg.BaseURL.String(), testWebhookSecret)
		gw = rehearsal
	}
	engine := billing.New(store, gw, log, billing.Options{Timeout: testStripeTimeout, BaseURL: cfg.BaseURL.String()})
	t.Cleanup(func() { engine.Wait(context.Background()) })
	app, err := New(Deps{Config: cfg, Store: store, Log: log, Billing: engine, Rehearsal: rehearsal})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(app.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		if t.Failed() {
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			t.Logf("last requests:\n%s", strings.Join(lines[max(0, len(lines)-12):], "\n"))
		}
	})
	return &testApp{App: app, engine: engine, srv: srv, store: store, logs: logs, fake: fake}
}

// user creates an account with role.
func (ta *testApp) user(t testing.TB, email string, role models.Role) models.User {
	t.Helper()
	u, err := ta.store.CreateUser(t.Context(), models.NewUser{Email: email, Name: strings.Split(email, "@")[0], Password: "password-123", Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// client is a browser stand-in: cookies, no redirects followed, and the last
// CSRF token seen on a page.
type client struct {
	t    testing.TB
	base string
	http *http.Client
	csrf string
}

func (ta *testApp) client(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: ta.srv.URL, http: &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

type response struct {
	*http.Response
	body string
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := csrfField.FindStringSubmatch(string(b)); m != nil {
		c.csrf = m[1]
	}
	return response{res, string(b)}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.do(req)
}

// post submits a form with the CSRF token from the last page, fetching
// the sign-in page first if none was seen yet.
func (c *client) post(path string, form url.Values) response {
	c.t.Helper()
	if c.csrf == "" {
		c.get("/login")
	}
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if f.Get("_csrf") == "" {
		f.Set("_csrf", c.csrf)
	}
	return c.postRaw(path, f)
}

func (c *client) postRaw(path string, form url.Values) response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// login signs in and fails the test if it does not work.
func (c *client) login(email string) {
	c.t.Helper()
	c.get("/login") // the form and its token, as a browser has them
	res := c.post("/login", url.Values{"email": {email}, "password": {"password-123"}})
	if res.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login %s: %d\n%s", email, res.StatusCode, res.body)
	}
	c.get(res.Header.Get("Location")) // as a browser follows it: the token is new once signed in
}

func (c *client) cookie(name string) *http.Cookie {
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

func wantStatus(t testing.TB, res response, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", res.Request.Method, res.Request.URL.Path, res.StatusCode, want, res.body)
	}
}

func wantBody(t testing.TB, res response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(res.body, p) {
			t.Fatalf("%s %s: body lacks %q\n%s", res.Request.Method, res.Request.URL.Path, p, res.body)
		}
	}
}

// settle waits for the payment engine's background Stripe calls (charges at
// the exit, holds at admission) to finish.
func (ta *testApp) settle(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := ta.engine.Wait(ctx); err != nil {
		t.Fatalf("background payments still running: %v", err)
	}
}

// testStripeTimeout bounds each Stripe call in tests.
const testStripeTimeout = 2 * time.Second

// newEngine is a second payment engine for ta's store over gw, as another
// instance would run.
func newEngine(ta *testApp, gw billing.Gateway) *billing.Service {
	return billing.New(ta.store, gw, slog.New(slog.NewTextHandler(&lockedWriter{w: ta.logs}, nil)), billing.Options{Timeout: testStripeTimeout})
}
