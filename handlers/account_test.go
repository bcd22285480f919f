package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

var linkInMail = regexp.MustCompile(`/(reset|signin|verify|email)/([A-Za-z0-9_-]{43})`)

// lastLink is the path of the newest emailed link to email.
func lastLink(t *testing.T, ta *testApp, email string) string {
	t.Helper()
	ms, _ := ta.store.MessagesTo(t.Context(), email)
	for i := len(ms) - 1; i >= 0; i-- {
		if m := linkInMail.FindString(ms[i].Body); m != "" {
			return m
		}
	}
	t.Fatalf("no link emailed to %s", email)
	return ""
}

// A forgotten password is reset by an emailed link that works once: the
// new password signs in, the old one does not, and every other session of
// the account ends. Asking for an unknown email looks the same and sends
// nothing.
func TestPasswordResetByEmailedLink(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	elsewhere, _ := ta.signedIn(t, "gus@example.com", models.RoleAttendee)
	c := ta.client(t)
	c.get("/login/email?purpose=reset")
	for _, email := range []string{"gus@example.com", "nobody@example.com"} {
		res := c.post("/login/email", url.Values{"email": {email}, "purpose": {"reset"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("asking for a link for %s: %d", email, res.StatusCode)
		}
		wantBody(t, c.get("/login"), "If "+email+" has an account, a link is on its way.")
	}
	if ms, _ := ta.store.MessagesTo(t.Context(), "nobody@example.com"); len(ms) != 0 {
		t.Fatal("a link was sent to an address with no account")
	}
	link := lastLink(t, ta, "gus@example.com")
	wantBody(t, c.get(link), "Choose a new password")
	res := c.post(link, url.Values{"password": {"password123"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	res = c.post(link, url.Values{"password": {"a brand new secret"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", res.StatusCode, res.body)
	}
	wantBody(t, c.get("/"), "Your password is changed", "Sign out gus")
	wantStatus(t, c.get(link), http.StatusNotFound) // once only
	if res := elsewhere.get("/me/tickets"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("another session of the account survived the reset: %d", res.StatusCode)
	}
	if _, err := ta.store.Authenticate(t.Context(), "gus@example.com", "password-123", "10.7.7.7"); err == nil {
		t.Fatal("the old password still works")
	}
	if _, err := ta.store.Authenticate(t.Context(), "gus@example.com", "a brand new secret", "10.7.7.7"); err != nil {
		t.Fatalf("the new password: %v", err)
	}
}

// A sign-in link asks to be confirmed (mail scanners open links), signs in
// once, and not after 30 minutes.
func TestSignInByEmailedLink(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	ta.user(t, "gus@example.com", models.RoleAttendee)
	c := ta.client(t)
	c.get("/login/email?purpose=signin")
	c.post("/login/email", url.Values{"email": {"gus@example.com"}, "purpose": {"signin"}})
	link := lastLink(t, ta, "gus@example.com")
	if !strings.HasPrefix(link, "/signin/") {
		t.Fatalf("link %s", link)
	}
	wantBody(t, c.get(link), "Sign me in")
	if strings.Contains(c.get("/").body, "Sign out gus") {
		t.Fatal("opening the link signed in without the click")
	}
	c.get(link)
	wantStatus(t, c.post(link, nil), http.StatusSeeOther)
	wantBody(t, c.get("/"), "Sign out gus")
	wantStatus(t, c.post(link, nil), http.StatusNotFound)

	other := ta.client(t)
	other.get("/login/email")
	other.post("/login/email", url.Values{"email": {"gus@example.com"}, "purpose": {"signin"}})
	late := lastLink(t, ta, "gus@example.com")
	ta.store.SetClock(func() time.Time { return time.Now().Add(31 * time.Minute) })
	wantStatus(t, other.get(late), http.StatusNotFound)
}

// Sign out everywhere ends every session of the account.
func TestSignOutEverywhere(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	phone, _ := ta.signedIn(t, "gus@example.com", models.RoleAttendee)
	laptop := ta.client(t)
	laptop.login("gus@example.com")
	laptop.get("/me/tickets")
	wantStatus(t, laptop.post("/me/sign-out-everywhere", nil), http.StatusSeeOther)
	for name, c := range map[string]*client{"phone": phone, "laptop": laptop} {
		if res := c.get("/me/tickets"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("the %s is still signed in: %d", name, res.StatusCode)
		}
	}
	laptop.login("gus@example.com") // and signing in again works
	wantStatus(t, laptop.get("/me/tickets"), http.StatusOK)
}

// postFrom submits the form at path as a browser on network ip would (the
// app trusts X-Forwarded-For in these tests), after fetching the page.
func (c *client) postFrom(ip, path string, form url.Values) response {
	c.t.Helper()
	c.get(path)
	form.Set("_csrf", c.csrf)
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", ip)
	return c.do(req)
}

// A full night's guests sign up on the café's Wi-Fi (one address) within
// minutes, while a script there stops at the hour's limit; and however many
// networks and accounts ask, one mailbox gets only a few emails an hour
// (links, email changes).
func TestSignupsAndLinksAreLimited(t *testing.T) {
	ta := newTestApp(t, map[string]string{"TRUST_PROXY_HEADERS": "true"})
	ta.venue(t)
	for i := range signupsPerNetworkHour + 1 {
		c := ta.client(t) // a fresh phone each time, on the café's Wi-Fi
		res := c.postFrom("192.0.2.1", "/signup", url.Values{"name": {"Guest"}, "email": {fmt.Sprintf("t%d@example.com", i)}, "password": {"a long enough secret"}})
		want := http.StatusSeeOther
		if i == signupsPerNetworkHour {
			want = http.StatusTooManyRequests
		}
		if res.StatusCode != want {
			t.Fatalf("sign-up %d from one address: %d, want %d", i, res.StatusCode, want)
		}
	}
	ta.user(t, "gus@example.com", models.RoleAttendee)
	for i := range mailsPerAddress + 1 {
		d := ta.client(t) // from a new network each time: the mailbox's own limit holds
		res := d.postFrom(fmt.Sprintf("198.51.100.%d", i), "/login/email", url.Values{"email": {"gus@example.com"}, "purpose": {"signin"}})
		if want := map[bool]int{true: http.StatusTooManyRequests, false: http.StatusSeeOther}[i == mailsPerAddress]; res.StatusCode != want {
			t.Fatalf("link %d: %d, want %d", i, res.StatusCode, want)
		}
	}
	// Two accounts asking to move to a stranger's address flood it no more.
	for _, email := range []string{"a@example.com", "b@example.com"} {
		c, _ := ta.signedIn(t, email, models.RoleAttendee)
		for range emailChangesPerUser {
			c.get("/me/tickets")
			c.post("/me/email", url.Values{"email": {"victim@example.com"}, "password": {"password-123"}})
		}
	}
	if ms, _ := ta.store.MessagesTo(t.Context(), "victim@example.com"); len(ms) != mailsPerAddress {
		t.Fatalf("%d emails to one address in an hour, want the limit %d", len(ms), mailsPerAddress)
	}
}

// Asking for the current password (to change it or the email, or to delete
// the account) is limited: after a few wrong tries even the right one
// changes nothing for a while.
func TestCurrentPasswordGuessingIsLimited(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	c, _ := ta.signedIn(t, "gus@example.com", models.RoleAttendee)
	for range models.MaxPasswordChecks {
		c.get("/me/tickets")
		c.post("/me/delete", url.Values{"password": {"a guess"}})
	}
	c.get("/me/tickets")
	c.post("/me/password", url.Values{"current_password": {"password-123"}, "password": {"a brand new secret"}})
	wantBody(t, c.get("/me/tickets"), "asked for too many times")
	if _, err := ta.store.Authenticate(t.Context(), "gus@example.com", "password-123", "10.3.3.3"); err != nil {
		t.Fatalf("the password changed past the limit: %v", err)
	}
}

// Guesses at one account from many networks make its password alone stop
// working, for the owner too, who is told to sign in by emailed link; the
// link signs in and the password works again.
func TestGuessesFromManyNetworksNeedAnEmailedLink(t *testing.T) {
	ta := newTestApp(t, map[string]string{"TRUST_PROXY_HEADERS": "true"})
	ta.venue(t)
	ta.user(t, "gus@example.com", models.RoleAttendee)
	for i := range models.MaxFailuresPerAccount {
		ip := fmt.Sprintf("2001:db8:%x::1", i) // a /64 of its own each
		if res := ta.client(t).postFrom(ip, "/login", url.Values{"email": {"gus@example.com"}, "password": {"a guess"}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: %d", i, res.StatusCode)
		}
	}
	owner := ta.client(t)
	res := owner.postFrom("203.0.113.5", "/login", url.Values{"email": {"gus@example.com"}, "password": {"password-123"}})
	wantStatus(t, res, http.StatusTooManyRequests)
	wantBody(t, res, "Sign in with a link by email")
	owner.postFrom("203.0.113.5", "/login/email", url.Values{"email": {"gus@example.com"}, "purpose": {"signin"}})
	link := lastLink(t, ta, "gus@example.com")
	owner.get(link)
	wantStatus(t, owner.post(link, nil), http.StatusSeeOther)
	wantBody(t, owner.get("/"), "Sign out gus")
	if _, err := ta.store.Authenticate(t.Context(), "gus@example.com", "password-123", "203.0.113.5"); err != nil {
		t.Fatalf("the password after the owner's link: %v", err)
	}
}

// Wrong passwords piling up on one account from many addresses lock
// nothing: the owner is emailed a sign-in link, once an hour, and signs in.
func TestGuessingEmailsTheOwnerInsteadOfLocking(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	ta.user(t, "gus@example.com", models.RoleAttendee)
	for i := range guessingNotice + 3 {
		ta.store.Authenticate(t.Context(), "gus@example.com", "a guess", fmt.Sprintf("10.8.0.%d", i))
	}
	c := ta.client(t)
	c.get("/login")
	wantStatus(t, c.post("/login", url.Values{"email": {"gus@example.com"}, "password": {"one more guess"}}), http.StatusUnprocessableEntity)
	c.post("/login", url.Values{"email": {"gus@example.com"}, "password": {"and another"}})
	ms, _ := ta.store.MessagesTo(t.Context(), "gus@example.com")
	notices := 0
	for _, m := range ms {
		if strings.Contains(m.Body, "Your account is not locked") {
			notices++
		}
	}
	if notices != 1 {
		t.Fatalf("%d notices to the owner, want one", notices)
	}
	owner := ta.client(t)
	link := lastLink(t, ta, "gus@example.com")
	owner.get(link)
	wantStatus(t, owner.post(link, nil), http.StatusSeeOther)
	wantBody(t, owner.get("/"), "Sign out gus")
}

// Changing the password needs the current one, keeps this session and ends
// the others.
func TestChangePassword(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	here, _ := ta.signedIn(t, "gus@example.com", models.RoleAttendee)
	there := ta.client(t)
	there.login("gus@example.com")
	here.get("/me/tickets")
	here.post("/me/password", url.Values{"current_password": {"not it"}, "password": {"a brand new secret"}})
	wantBody(t, here.get("/me/tickets"), "Your current password is not right")
	here.post("/me/password", url.Values{"current_password": {"password-123"}, "password": {"a brand new secret"}})
	wantBody(t, here.get("/me/tickets"), "Password changed")
	if res := there.get("/me/tickets"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("another session survived the change: %d", res.StatusCode)
	}
	if _, err := ta.store.Authenticate(t.Context(), "gus@example.com", "a brand new secret", "10.3.3.3"); err != nil {
		t.Fatalf("the new password: %v", err)
	}
}

// A guest deletes their account: seats to come go to the waitlist, the
// name, email and card are erased, bills and payments stay with an
// anonymous holder, and the email can sign up afresh.
func TestDeleteAccount(t *testing.T) {
	ta, staff, e := billingSetup(t)
	v, _ := ta.store.Venue(t.Context())
	later := ta.event(t, v, mustUser(t, ta, "host@example.com"), "Later", 1)
	visit := closedVisit(t, ta, e, "ada@example.com", "")
	staff.post(fmt.Sprintf("/staff/visits/%d/payments", visit), url.Values{"method": {"cash"}})
	ada := ta.client(t)
	ada.login("ada@example.com")
	ada.rsvp(later.ID)
	waiting, _ := ta.signedIn(t, "bob@example.com", models.RoleAttendee)
	waiting.rsvp(later.ID) // waitlisted behind Ada
	ada.get("/me/tickets")
	ada.post("/me/delete", url.Values{"password": {"wrong one"}})
	wantBody(t, ada.get("/me/tickets"), "That password is not right")
	wantStatus(t, ada.post("/me/delete", url.Values{"password": {"password-123"}}), http.StatusSeeOther)
	if res := ada.get("/me/tickets"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("still signed in after deleting: %d", res.StatusCode)
	}
	if _, err := ta.store.UserByEmail(t.Context(), "ada@example.com"); err == nil {
		t.Fatal("the email is still on an account")
	}
	bob, _ := ta.store.RSVPFor(t.Context(), later.ID, mustUser(t, ta, "bob@example.com").ID)
	if bob.Status != models.RSVPConfirmed {
		t.Fatalf("the seat did not go to the waitlist: %s", bob.Status)
	}
	d, _ := ta.store.VisitDetail(t.Context(), visit)
	if d.GuestName != "Deleted account" || len(d.Payments) != 1 || d.Payments[0].Amount != 480 {
		t.Fatalf("the bill after deletion: %s, %+v", d.GuestName, d.Payments)
	}
	fresh := ta.client(t)
	fresh.get("/signup")
	wantStatus(t, fresh.post("/signup", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"a long enough secret"}}), http.StatusSeeOther)
}

// A seat is held only for a confirmed address: an unconfirmed account's
// RSVP sends the link instead, and following it books the seat. Signing up
// on the way to a night does the same in one go.
func TestRSVPWaitsForAConfirmedEmail(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	e := ta.event(t, v, ta.user(t, "host@example.com", models.RoleHost), "Small table", 5)
	c := ta.client(t)
	c.get(fmt.Sprintf("/signup?next=/events/%d", e.ID))
	res := c.post("/signup", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"a long enough secret"}, "next": {fmt.Sprintf("/events/%d", e.ID)}})
	if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/verify?event=%d", e.ID) {
		t.Fatalf("after sign-up: %q", loc)
	}
	c.get(res.Header.Get("Location"))
	res = c.post(fmt.Sprintf("/events/%d/rsvp", e.ID), nil)
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/verify") {
		t.Fatalf("an unconfirmed RSVP went to %q", loc)
	}
	if got, _ := ta.store.EventByID(t.Context(), e.ID); got.ConfirmedCount != 0 {
		t.Fatal("an unconfirmed account holds a seat")
	}
	link := lastLink(t, ta, "ada@example.com")
	c.get(link)
	res = c.post(link, nil)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/tickets/") {
		t.Fatalf("confirming: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	wantBody(t, c.get(res.Header.Get("Location")), "Your email is confirmed, and you&#39;re in!")
	if got, _ := ta.store.EventByID(t.Context(), e.ID); got.ConfirmedCount != 1 {
		t.Fatalf("%d confirmed after confirming the email", got.ConfirmedCount)
	}
	wantStatus(t, c.post(link, nil), http.StatusNotFound) // once only
}

// Changing the email: a link to the new address confirms it, the old
// address is told, and the account then signs in with the new one.
func TestChangeEmailByLink(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	c, _ := ta.signedIn(t, "gus@example.com", models.RoleAttendee)
	ta.user(t, "taken@example.com", models.RoleAttendee)
	c.get("/me/tickets")
	c.post("/me/email", url.Values{"email": {"taken@example.com"}, "password": {"password-123"}})
	wantBody(t, c.get("/me/tickets"), "Another account uses that address")
	c.post("/me/email", url.Values{"email": {"gus@new.example"}, "password": {"wrong"}})
	wantBody(t, c.get("/me/tickets"), "Your password is not right")
	c.post("/me/email", url.Values{"email": {"gus@new.example"}, "password": {"password-123"}})
	wantBody(t, c.get("/me/tickets"), "We sent a link to gus@new.example")
	if u, _ := ta.store.UserByEmail(t.Context(), "gus@example.com"); u.ID == 0 {
		t.Fatal("the email changed before the new address confirmed")
	}
	old, _ := ta.store.MessagesTo(t.Context(), "gus@example.com")
	if !strings.Contains(old[len(old)-1].Body, "asked to move it to gus@new.example") {
		t.Fatal("the old address was not told")
	}
	link := lastLink(t, ta, "gus@new.example")
	c.get(link)
	wantStatus(t, c.post(link, nil), http.StatusSeeOther)
	if u, err := ta.store.UserByEmail(t.Context(), "gus@new.example"); err != nil || !u.Verified() {
		t.Fatalf("after confirming: %+v %v", u, err)
	}
	wantStatus(t, c.post(link, nil), http.StatusNotFound)
}
