package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/clockroom/clockroom/models"
)

var (
	totpKey       = regexp.MustCompile(`<code class="code">([A-Z2-7]+)</code>`)
	recoveryCodes = regexp.MustCompile(`<li><code>([a-z2-7]{8})</code></li>`)
)

// Two-factor sign-in: turned on with a code from the app, then signing in
// asks for a code after the password; a recovery code works once.
func TestTwoFactorSignIn(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	c, _ := ta.signedIn(t, "gus@example.com", models.RoleAttendee)
	page := c.get("/me/2fa")
	m := totpKey.FindStringSubmatch(page.body)
	if m == nil || !strings.Contains(page.body, `src="data:image/png;base64,`) {
		t.Fatalf("the set-up page shows no key or QR:\n%s", page.body)
	}
	secret := m[1]
	c.post("/me/2fa", url.Values{"code": {"000000"}})
	wantBody(t, c.get("/me/2fa"), "That code is not right")
	secret = totpKey.FindStringSubmatch(c.get("/me/2fa").body)[1] // a new key for the new try
	code, _ := totp.GenerateCode(secret, time.Now())
	res := c.post("/me/2fa", url.Values{"code": {code}})
	codes := recoveryCodes.FindAllStringSubmatch(res.body, -1)
	if res.StatusCode != http.StatusOK || len(codes) != 10 {
		t.Fatalf("turning it on: %d, %d recovery codes", res.StatusCode, len(codes))
	}

	signInWith := func(second string) *client {
		d := ta.client(t)
		d.get("/login")
		res := d.post("/login", url.Values{"email": {"gus@example.com"}, "password": {"password-123"}})
		if res.Header.Get("Location") != "/login/2fa" {
			t.Fatalf("after the password: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if r := d.get("/me/tickets"); r.StatusCode != http.StatusSeeOther {
			t.Fatal("signed in on the password alone")
		}
		d.get("/login/2fa")
		res = d.post("/login/2fa", url.Values{"code": {second}})
		if res.StatusCode == http.StatusSeeOther {
			d.get(res.Header.Get("Location"))
		}
		return d
	}
	if d := signInWith("123456"); d.get("/me/tickets").StatusCode != http.StatusSeeOther {
		t.Fatal("a wrong code signed in")
	}
	now := nextCode(t, secret) // the code that turned it on works once only
	wantStatus(t, signInWith(now).get("/me/tickets"), http.StatusOK)
	if d := signInWith(now); d.get("/me/tickets").StatusCode != http.StatusSeeOther {
		t.Fatal("an authenticator code worked twice")
	}
	wantStatus(t, signInWith(codes[0][1]).get("/me/tickets"), http.StatusOK)
	if d := signInWith(codes[0][1]); d.get("/me/tickets").StatusCode != http.StatusSeeOther {
		t.Fatal("a recovery code worked twice")
	}
}

// In production an admin must turn two-factor sign-in on before any admin
// page.
func TestAdminsNeedTwoFactorInProduction(t *testing.T) {
	ta := newTestApp(t, map[string]string{"CLOCKROOM_ENV": "production"})
	ta.venue(t)
	admin, _ := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	res := admin.get("/admin/users")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/me/2fa" {
		t.Fatalf("an admin without two factors: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	secret := totpKey.FindStringSubmatch(admin.get("/me/2fa").body)[1]
	code, _ := totp.GenerateCode(secret, time.Now())
	admin.post("/me/2fa", url.Values{"code": {code}})
	wantStatus(t, admin.get("/admin/users"), http.StatusOK)
}

// withTwoFactor turns two-factor sign-in on for u, as /me/2fa does, and
// returns the authenticator's secret.
func (ta *testApp) withTwoFactor(t testing.TB, u models.User) string {
	t.Helper()
	key, err := models.NewTOTP(u, "Clockroom")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(key.Secret(), ta.now())
	if _, err := ta.store.EnableTOTP(t.Context(), u.ID, key.Secret(), code); err != nil {
		t.Fatal(err)
	}
	return key.Secret()
}

// nextCode is the authenticator's code for the next time step: the server
// takes one step either side, and a code used already (the one that turned
// it on, say) does not work again.
func nextCode(t testing.TB, secret string) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// Every way into an account with two-factor sign-in on passes the second
// factor: the password, an emailed sign-in link, a password reset and an
// email confirmation each lead to the code, and no admin page opens before
// it; a reset leaves two-factor sign-in on.
func TestEveryWayInPassesTheSecondFactor(t *testing.T) {
	ta := newTestApp(t, map[string]string{"CLOCKROOM_ENV": "production"})
	ta.venue(t)
	ctx := t.Context()
	for way, firstProof := range map[string]func(c *client, u models.User) response{
		"password": func(c *client, u models.User) response {
			c.get("/login")
			return c.post("/login", url.Values{"email": {u.Email}, "password": {"password-123"}})
		},
		"sign-in link": func(c *client, u models.User) response {
			if _, err := ta.store.SendLink(ctx, u.Email, models.LinkSignIn); err != nil {
				t.Fatal(err)
			}
			link := lastLink(t, ta, u.Email)
			c.get(link)
			return c.post(link, nil)
		},
		"password reset": func(c *client, u models.User) response {
			if _, err := ta.store.SendLink(ctx, u.Email, models.LinkReset); err != nil {
				t.Fatal(err)
			}
			link := lastLink(t, ta, u.Email)
			c.get(link)
			return c.post(link, url.Values{"password": {"a brand new secret"}})
		},
		"email confirmation": func(c *client, u models.User) response {
			if err := ta.store.SendVerification(ctx, u, nil); err != nil {
				t.Fatal(err)
			}
			link := lastLink(t, ta, u.Email)
			c.get(link)
			return c.post(link, nil)
		},
	} {
		t.Run(way, func(t *testing.T) {
			u := ta.user(t, strings.ReplaceAll(way, " ", "-")+"@example.com", models.RoleAdmin)
			secret := ta.withTwoFactor(t, u)
			c := ta.client(t)
			res := firstProof(c, u)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login/2fa" {
				t.Fatalf("after the %s: %d to %q, want the second factor", way, res.StatusCode, res.Header.Get("Location"))
			}
			for _, p := range []string{"/admin/users", "/admin/outbox", "/staff/live", "/me/tickets"} {
				if res := c.get(p); res.StatusCode == http.StatusOK {
					t.Fatalf("%s opened on the %s alone", p, way)
				}
			}
			c.get("/login/2fa")
			res = c.post("/login/2fa", url.Values{"code": {nextCode(t, secret)}})
			wantStatus(t, res, http.StatusSeeOther)
			c.get(res.Header.Get("Location"))
			wantStatus(t, c.get("/admin/users"), http.StatusOK)
			if u, _ := ta.store.UserByID(ctx, u.ID); !u.TwoFactorOn() {
				t.Fatalf("the %s turned two-factor sign-in off", way)
			}
		})
	}
}

// A session signed in before two-factor sign-in was turned on (on another
// device) never passed it, and is signed out; the one that turned it on
// stays.
func TestSessionsThatSkippedTheFactorAreSignedOut(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	laptop, _ := ta.signedIn(t, "gus@example.com", models.RoleAttendee)
	phone := ta.client(t)
	phone.login("gus@example.com")
	secret := totpKey.FindStringSubmatch(laptop.get("/me/2fa").body)[1]
	code, _ := totp.GenerateCode(secret, time.Now())
	wantStatus(t, laptop.post("/me/2fa", url.Values{"code": {code}}), http.StatusOK)
	wantStatus(t, laptop.get("/me/tickets"), http.StatusOK)
	if res := phone.get("/me/tickets"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a session that never passed the second factor is still signed in: %d", res.StatusCode)
	}
}

// In production, staff pages (money) and the profiler need a session that
// passed the second factor, as admin pages do.
func TestStaffAndDebugNeedTwoFactorInProduction(t *testing.T) {
	ta := newTestApp(t, map[string]string{"CLOCKROOM_ENV": "production"})
	ta.venue(t)
	staff, u := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	for _, p := range []string{"/staff/live", "/staff/bills", "/staff/reports"} {
		if res := staff.get(p); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/me/2fa" {
			t.Fatalf("%s for staff without two factors: %d %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	admin, _ := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	if res := admin.get("/debug/pprof/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/me/2fa" {
		t.Fatalf("the profiler for an admin without two factors: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	secret := ta.withTwoFactor(t, u)
	if res := staff.get("/staff/live"); res.StatusCode == http.StatusOK {
		t.Fatal("a session that never passed the factor opened a staff page")
	}
	staff.get("/login")
	staff.post("/login", url.Values{"email": {u.Email}, "password": {"password-123"}})
	staff.get("/login/2fa")
	res := staff.post("/login/2fa", url.Values{"code": {nextCode(t, secret)}})
	staff.get(res.Header.Get("Location"))
	wantStatus(t, staff.get("/staff/live"), http.StatusOK)
}
