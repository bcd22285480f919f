package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/clockroom/clockroom/internal/testkit/testdb"
	"github.com/clockroom/clockroom/models"
)

// Over https (by BASE_URL, behind a proxy that does not say so), every
// response carries HSTS and the CSRF cookie is __Host- prefixed.
func TestHTTPSHeadersFollowTheBaseURL(t *testing.T) {
	ta := newTestApp(t, map[string]string{"BASE_URL": "https://cafe.example.com"})
	res := ta.client(t).get("/login")
	if hsts := res.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(hsts, "max-age=31536000") {
		t.Fatalf("HSTS %q", hsts)
	}
	var csrf string
	for _, h := range res.Header.Values("Set-Cookie") {
		if strings.Contains(h, "csrf") {
			csrf = h
		}
	}
	if !strings.HasPrefix(csrf, "__Host-clockroom_csrf=") || !strings.Contains(csrf, "Secure") || !strings.Contains(csrf, "Path=/") {
		t.Fatalf("CSRF cookie %q", csrf)
	}
	plain := newTestApp(t, nil)
	if hsts := plain.client(t).get("/login").Header.Get("Strict-Transport-Security"); hsts != "" {
		t.Fatalf("HSTS over plain http: %q", hsts)
	}
}

// The CSRF token counts only from the form body or the header, and a new
// one guards the account once signed in.
func TestCSRFTokenIsBodyOnlyAndRotatedAtSignIn(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.user(t, "gus@example.com", models.RoleAttendee)
	c := ta.client(t)
	c.get("/login")
	before := c.csrf
	res := c.postRaw("/login?_csrf="+url.QueryEscape(before), url.Values{"email": {"gus@example.com"}, "password": {"password-123"}})
	wantStatus(t, res, http.StatusForbidden)
	c.login("gus@example.com")
	c.get("/me/tickets")
	if c.csrf == before || c.csrf == "" {
		t.Fatal("the CSRF token from before sign-in still guards the account")
	}
	wantStatus(t, c.postRaw("/logout", url.Values{"_csrf": {before}}), http.StatusForbidden)
}

// Static folders are not listed, and ticket codes (credentials) never
// reach the access log.
func TestNoFolderListingsAndNoTicketCodesInLogs(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	e := ta.tonight(t, v, ta.user(t, "host@example.com", models.RoleHost), 10)
	code := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	c := ta.client(t)
	for _, p := range []string{"/static/js/", "/static/js", "/static/", "/static/vendor/"} {
		wantStatus(t, c.get(p), http.StatusNotFound)
	}
	wantStatus(t, c.get("/static/js/door.js"), http.StatusOK)
	wantStatus(t, c.get("/tickets/"+code), http.StatusOK)
	wantStatus(t, c.get("/tickets/"+code+"/qr.png"), http.StatusOK)
	// Emailed links' tokens are credentials too.
	const token = "SeCrEtToKeNoFaNeMaIlEdLiNk0123456789abcdefg"
	for _, p := range []string{"/reset/", "/signin/", "/verify/", "/email/", "/test-checkout/", "/feedback/", "/give-away/"} {
		c.get(p + token)
	}
	if logs := ta.logs.String(); strings.Contains(logs, code) || strings.Contains(logs, token) ||
		!strings.Contains(logs, "/tickets/[redacted]") || !strings.Contains(logs, "/signin/[redacted]") {
		t.Fatalf("the access log holds a ticket code or a link's token:\n%s", logs)
	}
}

// A flash message is the visitor's own: a request carrying one never gets
// or leaves the listing page kept for everyone, so a message cookie made
// from a sign-up whose name is a lure cannot put it on every visitor's
// page; and a kept cookie works for two minutes only.
func TestAFlashCannotPoisonTheSharedListing(t *testing.T) {
	dbURL := testdb.NewURL(t, true)
	db, err := models.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ta := newTestAppOn(t, db, nil)
	ta.watch(t, dbURL)
	ta.event(t, ta.venue(t), ta.user(t, "host@example.com", models.RoleHost), "Quiz night", 5)
	const lure = "Clockroom moved, pay at evil.example"
	attacker := ta.client(t)
	attacker.get("/signup")
	attacker.post("/signup", url.Values{"name": {lure}, "email": {"mallory@example.com"}, "password": {"a long enough secret"}})
	flash := attacker.cookie(flashCookie)
	if flash == nil {
		t.Fatal("the sign-up left no message")
	}
	base, _ := url.Parse(ta.srv.URL)
	replay := func() response {
		c := ta.client(t) // no session: only the message cookie
		c.http.Jar.SetCookies(base, []*http.Cookie{{Name: flashCookie, Value: flash.Value, Path: "/"}})
		return c.get("/")
	}
	wantBody(t, replay(), lure) // shown to whoever holds it, for now
	eventually(t, "the listing is kept for everyone", func() bool {
		return strings.Contains(ta.client(t).get("/").body, "Quiz night") && ta.cachedPages() > 0
	})
	for range 3 {
		replay()
		if body := ta.client(t).get("/").body; strings.Contains(body, "evil.example") {
			t.Fatal("a replayed message cookie reached another visitor's page")
		}
	}
	ta.store.SetClock(func() time.Time { return time.Now().Add(flashLife + time.Minute) })
	if strings.Contains(replay().body, "evil.example") {
		t.Fatal("a message cookie still works after it expired")
	}
}

// A visitor who is not signed in never costs a stored session, even when a
// page leaves them a message; a forged message cookie shows nothing.
func TestAnonymousVisitorsStoreNoSessions(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	e := ta.event(t, v, ta.user(t, "host@example.com", models.RoleHost), "Night", 3)
	for range 20 {
		c := ta.client(t)
		c.get("/")
		res := c.post(fmt.Sprintf("/events/%d/rsvp", e.ID), nil)
		wantStatus(t, res, http.StatusSeeOther)
		wantBody(t, c.get(res.Header.Get("Location")), "Sign in or create an account to RSVP.")
		c.post("/logout", nil)
		c.get("/no-such-page")
	}
	var n int
	ta.store.DB.Get(&n, `SELECT count(*) FROM sessions`)
	if n != 0 {
		t.Fatalf("%d sessions stored for visitors who never signed in", n)
	}
	c := ta.client(t)
	u, _ := url.Parse(ta.srv.URL)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "clockroom_flash", Value: "SGFja2Vk.bm90LWEtbWFj", Path: "/"}})
	if strings.Contains(c.get("/").body, "Hacked") {
		t.Fatal("an unsigned flash cookie was shown")
	}
	ta.user(t, "gus@example.com", models.RoleAttendee)
	c.login("gus@example.com")
	if ta.store.DB.Get(&n, `SELECT count(*) FROM sessions`); n != 1 {
		t.Fatalf("%d sessions after one sign-in", n)
	}
}

// With the database unreachable (a restart, a failover), pages and the door
// answer 503 with Retry-After, so browsers and the door's queue try again,
// never a 500.
func TestDatabaseOutageIsA503(t *testing.T) {
	down, err := sqlx.Open("postgres", "postgres://clockroom@127.0.0.1:1/clockroom?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { down.Close() })
	ta := newTestAppOn(t, down, nil)
	c := ta.client(t)
	for _, path := range []string{"/", "/events/1", "/events.ics"} {
		res := c.get(path)
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(res.body, "cannot reach its database") {
			t.Fatalf("GET %s with the database down: %d, Retry-After %q", path, res.StatusCode, res.Header.Get("Retry-After"))
		}
	}
	// A door signed in before the outage: its session cannot be read now.
	req, _ := http.NewRequest(http.MethodPost, ta.srv.URL+"/api/v1/events/1/scan", strings.NewReader(`{"code":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(&http.Cookie{Name: "clockroom_session", Value: laneToken("door")}) // shaped as scs makes them
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a door scan with the database down: %d", res.StatusCode)
	}
}

// Staff sessions end after 12 hours unused; using them keeps them alive
// without rewriting the session on every request; attendees stay signed in.
func TestStaffSessionsEndWhenIdle(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	start := time.Now()
	at := func(d time.Duration) { ta.store.SetClock(func() time.Time { return start.Add(d) }) }
	at(0)
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	guest, _ := ta.signedIn(t, "gus@example.com", models.RoleAttendee)
	row := func() string {
		var data []byte
		ta.store.DB.Get(&data, `SELECT data FROM sessions WHERE token = $1`, staff.cookie("clockroom_session").Value)
		return string(data)
	}
	at(time.Minute)
	wantStatus(t, staff.get("/staff/live"), http.StatusOK)
	before := row()
	if before == "" {
		t.Fatal("no session row for staff")
	}
	at(2 * time.Minute)
	wantStatus(t, staff.get("/staff/live"), http.StatusOK)
	if row() != before {
		t.Fatal("a request a minute after the last rewrote the session")
	}
	for _, h := range []time.Duration{11 * time.Hour, 22 * time.Hour} { // used every 11 hours: kept
		at(h)
		wantStatus(t, staff.get("/staff/live"), http.StatusOK)
	}
	at(35 * time.Hour) // 13 hours unused
	res := staff.get("/staff/live")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("an idle staff session still works: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	wantBody(t, staff.get(res.Header.Get("Location")), "signed out after 12 hours")
	wantStatus(t, guest.get("/me/tickets"), http.StatusOK) // attendees are not timed out
}
