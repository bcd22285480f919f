package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
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
