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
	now, _ := totp.GenerateCode(secret, time.Now())
	wantStatus(t, signInWith(now).get("/me/tickets"), http.StatusOK)
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
