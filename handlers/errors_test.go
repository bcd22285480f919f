package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/internal/billing"
	"github.com/clockroom/clockroom/models"
)

func TestPanicShowsAFriendly500WithRequestID(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.Handler().GET("/boom", func(echo.Context) error { panic("pq: relation \"secret_table\" does not exist") })
	ta.Handler().GET("/api/v1/boom", func(echo.Context) error { return errors.New("dial tcp 10.0.0.5:5432: connection refused") })
	c := ta.client(t)

	res := c.get("/boom")
	wantStatus(t, res, http.StatusInternalServerError)
	id := res.Header.Get("X-Request-Id")
	if id == "" {
		t.Fatal("no request id header")
	}
	wantBody(t, res, "Something went wrong on our side", id)
	if strings.Contains(res.body, "secret_table") || strings.Contains(res.body, "goroutine") {
		t.Fatal("internal details leaked into the page")
	}
	if !strings.Contains(ta.logs.String(), "secret_table") || !strings.Contains(ta.logs.String(), id) {
		t.Fatal("the panic must be logged with its request id")
	}

	api := c.get("/api/v1/boom")
	wantStatus(t, api, http.StatusInternalServerError)
	var body map[string]string
	if err := json.Unmarshal([]byte(api.body), &body); err != nil || body["request_id"] == "" || strings.Contains(api.body, "10.0.0.5") {
		t.Fatalf("API errors are JSON with a request id and no internals: %s", api.body)
	}
}

func TestNotFoundPage(t *testing.T) {
	ta := newTestApp(t, nil)
	res := ta.client(t).get("/no/such/page")
	wantStatus(t, res, http.StatusNotFound)
	wantBody(t, res, "There is nothing here", "Back to upcoming nights")
}

func TestOneSessionCookieWhenAHandlerFails(t *testing.T) {
	ta := newTestApp(t, nil)
	g := ta.Handler().Group("/t", ta.loadSession)
	g.GET("/fail", func(c echo.Context) error {
		ta.sessions.Put(c.Request().Context(), "k", "v")
		return echo.NewHTTPError(http.StatusBadRequest, "nope")
	})
	res := ta.client(t).get("/t/fail")
	wantStatus(t, res, http.StatusBadRequest)
	n := 0
	for _, h := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "clockroom_session=") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("want exactly one session cookie, got %d: %v", n, res.Header.Values("Set-Cookie"))
	}
}

func TestSecurityHeaders(t *testing.T) {
	ta := newTestApp(t, nil)
	res := ta.client(t).get("/")
	wantStatus(t, res, http.StatusOK)
	for h, want := range map[string]string{
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'self'",
		"Referrer-Policy":         "same-origin",
	} {
		if got := res.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	ta := newTestApp(t, nil)
	c := ta.client(t)
	c.get("/login")
	req, _ := http.NewRequest(http.MethodPost, ta.srv.URL+"/login", strings.NewReader("email="+strings.Repeat("a", 2<<20)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wantStatus(t, c.do(req), http.StatusRequestEntityTooLarge)
}

// Errors are mapped once: a refusal's kind chooses the status (Stripe not
// answering is a 503 with Retry-After) and its sentence is what people
// read, on a page or in the API's one error shape, which always carries the
// request id; another model error's text is never shown.
func TestErrorsAreMappedOnce(t *testing.T) {
	ta := newTestApp(t, nil)
	for path, err := range map[string]error{
		"/t/stripe":          billing.ErrUnavailable,
		"/api/v1/t/stripe":   fmt.Errorf("charge: %w", billing.ErrUnavailable),
		"/t/paid":            models.ErrAlreadyPaid,
		"/api/v1/t/internal": models.ErrNotFound,
	} {
		ta.Handler().GET(path, func(echo.Context) error { return err })
	}
	c := ta.client(t)
	res := c.get("/t/stripe")
	wantStatus(t, res, http.StatusServiceUnavailable)
	wantBody(t, res, "Stripe did not answer. Please try again in a minute.")
	if res.Header.Get("Retry-After") == "" {
		t.Fatal("a 503 for Stripe says when to try again")
	}
	wantBody(t, c.get("/t/paid"), "This visit already has a payment.")
	for path, want := range map[string]struct {
		status int
		words  string
	}{
		"/api/v1/t/stripe":      {http.StatusServiceUnavailable, "Stripe did not answer. Please try again in a minute."},
		"/api/v1/t/internal":    {http.StatusNotFound, friendly[http.StatusNotFound]},
		"/api/v1/events/1/scan": {http.StatusUnauthorized, "Sign in first."},
	} {
		var res response
		if strings.HasSuffix(path, "/scan") {
			res = c.post(path, nil)
		} else {
			res = c.get(path)
		}
		var body apiError
		if err := json.Unmarshal([]byte(res.body), &body); err != nil || res.StatusCode != want.status || body.Error != want.words || body.RequestID != res.Header.Get("X-Request-Id") {
			t.Errorf("%s: %d %s; want %d with %q and the request id", path, res.StatusCode, res.body, want.status, want.words)
		}
	}
}
