package handlers

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
	"github.com/clockroom/clockroom/models"
)

// sweepRole is someone who looks at pages: signed out, or signed in as email.
type sweepRole struct {
	name  string
	email string // "" for nobody signed in
	ready string // CSS of what the sign-in lands on
}

// sweepPage is one page as one role sees it.
type sweepPage struct {
	role, name, path string
	ready            string // CSS of an element that shows the page is there
}

// The roles in the order the sweep signs them in, each once per screen.
var sweepRoles = []sweepRole{
	{name: "anonymous"},
	{name: "half-signed-in", email: "two.factor@example.com", ready: "#f-code"}, // password given, code owed
	{name: "newcomer", email: "bartholomew.featherstonehaugh-smythe@example-university.ac.uk", ready: `form[action="/logout"]`},
	{name: "attendee", email: "ada@example.com", ready: `form[action="/logout"]`},
	{name: "host", email: "grace.hopper@example.com", ready: `form[action="/logout"]`},
	{name: "staff", email: "katherine.johnson@example.com", ready: `form[action="/logout"]`},
	{name: "admin", email: "margaret.hamilton@example.com", ready: `form[action="/logout"]`},
}

// No page is wider than the screen: every HTML page, as each role that
// uses it, on the narrowest phone in use and on a common one. Nothing may
// scroll sideways; a wide table scrolls in its own box. Set SCREENSHOT_DIR
// to keep a picture of every page at 390 px.
func TestBrowserPagesFitTheScreen(t *testing.T) {
	ta := newTestApp(t, map[string]string{testRehearsal: "on"}) // the TEST banner, and the test checkout
	pages := sweepPages(t, ta)
	for _, size := range []struct {
		name string
		size browsertest.Size
		shot bool
	}{{"320", browsertest.SmallPhone, false}, {"390", browsertest.Phone, true}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := browsertest.NewAt(t, size.size)
			for _, role := range sweepRoles {
				if role.email != "" {
					signIn(t, ctx, ta.srv.URL, role.email, "/", role.ready)
				}
				for _, p := range pages {
					if p.role != role.name {
						continue
					}
					t.Run(p.role+"/"+p.name, func(t *testing.T) {
						browsertest.Do(t, ctx, chromedp.Navigate(ta.srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready)), browsertest.Loaded())
						if size.shot {
							browsertest.Screenshot(t, ctx, "page")
						}
						browsertest.FitsWidth(t, ctx)
					})
				}
				signOutIfIn(t, ctx, ta.srv.URL)
			}
		})
	}
}

// signOutIfIn presses the nav's Sign out button on the home page, if
// someone is signed in.
func signOutIfIn(t testing.TB, ctx context.Context, base string) {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(".site-nav")), browsertest.Loaded())
	if in, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('form[action="/logout"] button')`)); err != nil || !in {
		return
	}
	browsertest.Do(t, ctx, browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/login"]`)))
}

// sweepPages makes a venue whose pages have something on them (long names
// and titles, full tables, emails with links) and lists each page with the
// role that sees it.
func sweepPages(t *testing.T, ta *testApp) []sweepPage {
	ctx, now := t.Context(), time.Now()
	v := ta.venue(t)
	// Stays are priced by the demo's tariff: steps, a window, a cap, a pass
	// and a group, so bills have lines and the counter offers passes.
	if _, err := ta.store.SaveTariff(ctx, models.DemoTariff(), 0); err != nil {
		t.Fatal(err)
	}
	if err := ta.store.SetStandardTariff(ctx, "Standard", 0); err != nil {
		t.Fatal(err)
	}
	person := func(email, name string, role models.Role, unverified bool) models.User {
		u, err := ta.store.CreateUser(ctx, models.NewUser{Email: email, Name: name, Password: "password-123", Role: role, Unverified: unverified})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	host := person(sweepRoles[4].email, "Grace Brewster Murray Hopper", models.RoleHost, false)
	staff := person(sweepRoles[5].email, "Katherine Johnson", models.RoleStaff, false)
	person(sweepRoles[6].email, "Margaret Hamilton", models.RoleAdmin, false)
	newcomer := person(sweepRoles[2].email, "Bartholomew Featherstonehaugh-Smythe", models.RoleAttendee, true)
	twoFactor := person(sweepRoles[1].email, "Two Factor", models.RoleAttendee, false)
	key, err := models.NewTOTP(twoFactor, "Clockroom")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(key.Secret(), now)
	if _, err := ta.store.At(now).EnableTOTP(ctx, twoFactor.ID, key.Secret(), code); err != nil {
		t.Fatal(err)
	}

	// Tonight: Ada came and left without paying, Cy is inside, Dee (a long
	// name without a space) came, left and paid cash.
	tonight := ta.tonight(t, v, host, 20)
	adaVisit, adaTonight := admitted(t, ta, tonight, "ada@example.com", now.Add(-80*time.Minute))
	cyVisit, cyTicket := admitted(t, ta, tonight, "cy@example.com", now.Add(-20*time.Minute))
	deeVisit, _ := admitted(t, ta, tonight, "dorothea.featherstonehaugh@example.com", now.Add(-70*time.Minute))
	for _, visit := range []int64{adaVisit, deeVisit} {
		if _, _, _, err := ta.store.At(now.Add(-40*time.Minute)).CheckOut(ctx, visit, 0, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ta.store.CreatePayment(ctx, models.NewPayment{VisitID: deeVisit, Method: models.PayCash, ActorID: staff.ID}); err != nil {
		t.Fatal(err)
	}
	ada := mustUser(t, ta, "ada@example.com")

	// Nights to come: one with a long word in its title, Ada going; a full
	// one, Ada on its waitlist; and a draft.
	long := ta.event(t, v, host, "Unconferencing: Speedrunning Internationalization", 20)
	adaLong := ta.ticket(t, long, ada)
	full := ta.event(t, v, host, "Full house", 1)
	ta.ticket(t, full, ta.user(t, "bob@example.com", models.RoleAttendee))
	adaFull := ta.ticket(t, full, ada)
	draft, err := ta.store.At(now).CreateEvent(ctx, models.NewEvent{VenueID: v.ID, HostID: host.ID, Status: models.EventDraft,
		EventInput: models.EventInput{Title: "Planning night", StartsAt: now.Add(72 * time.Hour), EndsAt: now.Add(75 * time.Hour), Capacity: 10}})
	if err != nil {
		t.Fatal(err)
	}

	// Emailed links, each a page of its own (and mail in the outbox).
	link := func(send func() error, to string) string {
		t.Helper()
		if err := send(); err != nil {
			t.Fatal(err)
		}
		return lastLink(t, ta, to)
	}
	reset := link(func() error { _, err := ta.store.SendLink(ctx, ada.Email, models.LinkReset); return err }, ada.Email)
	signInLink := link(func() error { _, err := ta.store.SendLink(ctx, ada.Email, models.LinkSignIn); return err }, ada.Email)
	verify := link(func() error { return ta.store.SendVerification(ctx, newcomer, &long.ID) }, newcomer.Email)
	emailChange := link(func() error {
		return ta.store.SendEmailChange(ctx, ada, "password-123", "ada.byron.countess.of.lovelace@example.com")
	}, "ada.byron.countess.of.lovelace@example.com")

	// Ada starts saving a card: the TEST checkout page.
	res := mustClient(t, ta, ada.Email).post("/me/card", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save a card: %d", res.StatusCode)
	}
	checkout := pathOf(t, res.Header.Get("Location"))

	// Ada offers to host a night, with a long title.
	proposal, err := ta.store.Propose(ctx, ada.ID, models.ProposalInput{Title: "Internationalization of Breakfast: A Very Long Proposal Title",
		Description: "Toast from twelve countries.", PreferredDates: "Any Saturday morning in the spring, from nine to noon", Size: 24})
	if err != nil {
		t.Fatal(err)
	}

	// The tariff engine's example file: steps, windows, passes, groups.
	example, err := os.ReadFile(filepath.Join("..", "internal", "tariff", "testdata", "standard.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.store.ImportTariffs(ctx, example, 0); err != nil {
		t.Fatal(err)
	}

	ev := func(id int64, rest string) string { return fmt.Sprintf("/events/%d%s", id, rest) }
	hostEv := func(id int64, rest string) string { return fmt.Sprintf("/host/events/%d%s", id, rest) }
	return []sweepPage{
		{"anonymous", "home", "/", ".event-list"},
		{"anonymous", "event", ev(long.ID, ""), "main h1"},
		{"anonymous", "event-full", ev(full.ID, ""), "main h1"},
		{"anonymous", "signup", "/signup", "#f-name"},
		{"anonymous", "login", "/login", "#f-email"},
		{"anonymous", "email-link", "/login/email?purpose=reset", "#f-email"},
		{"anonymous", "reset", reset, "#f-password"},
		{"anonymous", "signin-link", signInLink, "main form"},
		{"anonymous", "verify-link", verify, "main form"},
		{"anonymous", "email-confirm", emailChange, "main form"},
		{"anonymous", "ticket-inside", "/tickets/" + cyTicket, ".meter"},
		{"anonymous", "not-found", "/events/999999", ".error-page"},
		{"half-signed-in", "two-factor", "/login/2fa", "#f-code"},
		{"newcomer", "verify", "/verify", "main form"},
		{"newcomer", "home", "/", ".event-list"},
		{"attendee", "home", "/", ".event-list"},
		{"attendee", "event-going", ev(long.ID, ""), ".status.ok"},
		{"attendee", "ticket-confirmed", "/tickets/" + adaLong, ".status.ok"},
		{"attendee", "ticket-waitlisted", "/tickets/" + adaFull, ".status.wait"},
		{"attendee", "ticket-owed", "/tickets/" + adaTonight, ".owed"},
		{"attendee", "my-tickets", "/me/tickets", "#account"},
		{"attendee", "propose", "/proposals/new", "#f-title"},
		{"attendee", "my-proposals", "/me/proposals", ".proposal-status"},
		{"attendee", "proposal-edit", fmt.Sprintf("/proposals/%d/edit", proposal), "#f-title"},
		{"attendee", "two-factor-setup", "/me/2fa", ".qr"},
		{"attendee", "test-checkout", checkout, ".test-stamp"},
		{"attendee", "forbidden", "/staff/live", ".error-page"},
		{"host", "home", "/", ".event-list"},
		{"host", "my-nights", "/host/events", "main table"},
		{"host", "event-draft", ev(draft, ""), "mark.draft"},
		{"host", "event-new", "/host/events/new", "#f-title"},
		{"host", "event-edit", hostEv(long.ID, "/edit"), "#f-title"},
		{"host", "guests", hostEv(tonight.ID, "/guests"), "main table"},
		// The door is a kiosk, without the site's nav.
		{"host", "door", hostEv(tonight.ID, "/door"), "#scan-input"},
		{"staff", "home", "/", ".event-list"},
		{"staff", "all-nights", "/host/events", "main table"},
		{"staff", "door", hostEv(tonight.ID, "/door"), "#scan-input"},
		{"staff", "live", "/staff/live", "#live table"},
		{"staff", "bills", "/staff/bills", ".bill-list"},
		{"staff", "visit-unpaid", fmt.Sprintf("/staff/visits/%d", adaVisit), ".pay-form"},
		{"staff", "visit-inside", fmt.Sprintf("/staff/visits/%d", cyVisit), ".group-form"},
		{"staff", "visit-paid", fmt.Sprintf("/staff/visits/%d", deeVisit), ".refund-form"},
		{"staff", "reports", "/staff/reports", "main table"},
		{"staff", "night-report", fmt.Sprintf("/staff/reports/nights/%d", tonight.ID), "main h1"},
		{"staff", "proposals", "/staff/proposals", "article.proposal"},
		{"staff", "ticket", "/tickets/" + adaLong, ".cancel-form"},
		{"admin", "home", "/", ".event-list"},
		{"admin", "people", "/admin/users", "main table"},
		{"admin", "venue", "/admin/venue", "#f-name"},
		{"admin", "outbox", "/admin/outbox", ".message"},
		{"admin", "tariffs", "/admin/tariffs", ".tariff-list"},
		{"admin", "tariff-edit", "/admin/tariffs/Standard/edit", "#tariff-form"},
		{"admin", "all-nights", "/host/events", "main table"},
		{"admin", "live", "/staff/live", "#live table"},
	}
}
