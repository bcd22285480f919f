package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/clockroom/clockroom/models"
)

func countUsers(t testing.TB, ta *testApp) int {
	var n int
	if err := ta.store.DB.Get(&n, `SELECT count(*) FROM users`); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignupValidation(t *testing.T) {
	ta := newTestApp(t, nil)
	c := ta.client(t)
	cases := []struct {
		form url.Values
		msgs []string
	}{
		{url.Values{}, []string{"Enter your name.", "Enter your email address.", "Use at least 10 characters"}},
		{url.Values{"name": {strings.Repeat("n", 101)}, "email": {"a@example.com"}, "password": {"long enough pw"}}, []string{"Keep your name under 100 characters."}},
		{url.Values{"name": {"Ada"}, "email": {"not-an-email"}, "password": {"long enough pw"}}, []string{"Enter an email address like name@example.com."}},
		{url.Values{"name": {"Ada"}, "email": {"Ada <ada@example.com>"}, "password": {"long enough pw"}}, []string{"Enter an email address like"}},
		{url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"short"}}, []string{"Use at least 10 characters"}},
		{url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {strings.Repeat("p", 73)}}, []string{"Use at most 72 characters"}},
		{url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"password123"}}, []string{"one of the most common ones"}},
		{url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"iloveyou12"}}, []string{"one of the most common ones"}},
		{url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"ada@example.com"}}, []string{"one of the most common ones"}},
	}
	for _, tc := range cases {
		res := c.post("/signup", tc.form)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, tc.msgs...)
		wantBody(t, res, `aria-invalid="true"`, `aria-describedby="f-`)
		if strings.Contains(res.body, "long enough pw") {
			t.Fatal("the password must not be echoed back")
		}
	}
	// What was typed is shown again.
	res := c.post("/signup", url.Values{"name": {"Ada Lovelace"}, "email": {"ada@example.com"}, "password": {"short"}})
	wantBody(t, res, `value="Ada Lovelace"`, `value="ada@example.com"`)
	if n := countUsers(t, ta); n != 0 {
		t.Fatalf("invalid sign-ups wrote %d users", n)
	}
}

func TestSignupSignsInAndRefusesADuplicateEmail(t *testing.T) {
	ta := newTestApp(t, nil)
	c := ta.client(t)
	res := c.post("/signup", url.Values{"name": {"Ada"}, "email": {"Ada@Example.com"}, "password": {"long enough pw"}, "next": {"/?page=1"}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/verify" {
		t.Fatalf("redirect to %q, want the page that asks to confirm the email", loc)
	}
	wantBody(t, c.get("/verify"), "Welcome to Clockroom, Ada", "confirm your email", "Sign out Ada")

	other := ta.client(t)
	res = other.post("/signup", url.Values{"name": {"Imposter"}, "email": {"ada@example.com"}, "password": {"another long pw"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "An account with this email already exists")
	if n := countUsers(t, ta); n != 1 {
		t.Fatalf("%d users", n)
	}
}

func TestSignupRefusesOffsiteNext(t *testing.T) {
	ta := newTestApp(t, nil)
	c := ta.client(t)
	res := c.post("/signup", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"long enough pw"}, "next": {"//evil.example/"}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/verify" {
		t.Fatalf("an off-site next must be ignored, redirected to %q", loc)
	}
}

func TestLoginLogoutRenewsTheSession(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.user(t, "gus@example.com", models.RoleAttendee)
	c := ta.client(t)
	c.login("gus@example.com")
	first := c.cookie("clockroom_session")
	if first == nil {
		t.Fatal("no session cookie after sign-in")
	}
	wantBody(t, c.get("/"), "Signed in as gus", "Sign out gus")

	res := c.post("/logout", nil)
	wantStatus(t, res, http.StatusSeeOther)
	afterLogout := c.cookie("clockroom_session")
	if afterLogout == nil || afterLogout.Value == first.Value {
		t.Fatal("sign-out must renew the session token")
	}
	page := c.get("/")
	wantBody(t, page, "You are signed out.", `href="/login"`)

	c.login("gus@example.com")
	second := c.cookie("clockroom_session")
	if second.Value == afterLogout.Value || second.Value == first.Value {
		t.Fatal("sign-in must renew the session token")
	}
	// The pre-login token no longer signs anyone in (no session fixation).
	stale := ta.client(t)
	u, _ := url.Parse(ta.srv.URL)
	stale.http.Jar.SetCookies(u, []*http.Cookie{{Name: "clockroom_session", Value: first.Value}})
	if strings.Contains(stale.get("/").body, "Sign out") {
		t.Fatal("an old session token still works")
	}
}

func TestSessionCookieFlags(t *testing.T) {
	for _, base := range []string{"http://localhost:8080", "https://cafe.example.com"} {
		ta := newTestApp(t, map[string]string{"BASE_URL": base})
		ta.user(t, "gus@example.com", models.RoleAttendee)
		c := ta.client(t)
		res := c.post("/login", url.Values{"email": {"gus@example.com"}, "password": {"password-123"}})
		var set string
		for _, h := range res.Header.Values("Set-Cookie") {
			if strings.HasPrefix(h, "clockroom_session=") {
				set = h
			}
		}
		if !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Lax") {
			t.Fatalf("cookie flags: %s", set)
		}
		if secure := strings.Contains(set, "Secure"); secure != strings.HasPrefix(base, "https") {
			t.Fatalf("BASE_URL %s: Secure=%v in %s", base, secure, set)
		}
	}
}

func TestLoginGivesOneMessageForWrongEmailOrPassword(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.user(t, "gus@example.com", models.RoleAttendee)
	c := ta.client(t)
	wrongPw := c.post("/login", url.Values{"email": {"gus@example.com"}, "password": {"nope nope nope"}})
	unknown := c.post("/login", url.Values{"email": {"who@example.com"}, "password": {"nope nope nope"}})
	for _, res := range []response{wrongPw, unknown} {
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Email or password is wrong.", `role="alert"`)
	}
	empty := c.post("/login", url.Values{})
	wantStatus(t, empty, http.StatusUnprocessableEntity)
	wantBody(t, empty, "Enter your email address.", "Enter your password.")
}

func TestLoginIsRateLimited(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.user(t, "gus@example.com", models.RoleAttendee)
	c := ta.client(t)
	for range models.MaxFailuresPerEmail {
		wantStatus(t, c.post("/login", url.Values{"email": {"gus@example.com"}, "password": {"wrong wrong"}}), http.StatusUnprocessableEntity)
	}
	res := c.post("/login", url.Values{"email": {"gus@example.com"}, "password": {"password-123"}})
	wantStatus(t, res, http.StatusTooManyRequests)
	wantBody(t, res, "Too many failed attempts", "Try again in")
	if c.cookie("clockroom_session") != nil && strings.Contains(c.get("/").body, "Sign out") {
		t.Fatal("a throttled sign-in must not sign in")
	}
}

func TestCSRFIsRequired(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.user(t, "gus@example.com", models.RoleAttendee)
	c := ta.client(t)
	c.get("/login")
	for _, form := range []url.Values{
		{"email": {"gus@example.com"}, "password": {"password-123"}},
		{"email": {"gus@example.com"}, "password": {"password-123"}, "_csrf": {"forged-token"}},
	} {
		res := c.postRaw("/login", form)
		wantStatus(t, res, http.StatusForbidden)
		wantBody(t, res, "This form has expired")
	}
	res := c.postRaw("/signup", url.Values{"name": {"X"}, "email": {"x@example.com"}, "password": {"long enough pw"}})
	wantStatus(t, res, http.StatusForbidden)
	if n := countUsers(t, ta); n != 1 {
		t.Fatalf("a forged sign-up wrote a user (%d users)", n)
	}
}
