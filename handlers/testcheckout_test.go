package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// pathOf is the path of an absolute Location, to follow it on the test server.
func pathOf(t testing.TB, location string) string {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil {
		t.Fatal(err)
	}
	if u.RawQuery != "" {
		return u.Path + "?" + u.RawQuery
	}
	return u.Path
}

// With no Stripe account, every card page is Clockroom's TEST checkout:
// saving a card and paying a bill work end to end, through the app's own
// signed-webhook path, and a decline leaves the page open for another try.
func TestRehearsalCheckout(t *testing.T) {
	ta := newTestApp(t, map[string]string{testRehearsal: "on"})
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	e := ta.tonight(t, v, host, 20)
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	visit, code := admitted(t, ta, e, "ada@example.com", now.Add(-60*time.Minute))
	if _, _, _, err := ta.store.CheckOut(t.Context(), visit, 0, ""); err != nil {
		t.Fatal(err)
	}
	ada := ta.client(t)
	ada.login("ada@example.com")

	// Save a card.
	res := ada.post("/me/card", nil)
	page := pathOf(t, res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(page, "/test-checkout/cs_setup") {
		t.Fatalf("save a card went to %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	wantBody(t, ada.get(page), "TEST", "Save test card", "Decline")
	res = ada.post(page, url.Values{"outcome": {"pay"}})
	if res.StatusCode != http.StatusSeeOther || pathOf(t, res.Header.Get("Location")) != "/me/tickets?card=saved" {
		t.Fatalf("after saving: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if card, _ := ta.store.CardFor(t.Context(), mustUser(t, ta, "ada@example.com").ID); !card.HasCard() {
		t.Fatal("the test checkout saved no card")
	}

	// Pay the bill now: declined once, then paid.
	res = ada.post("/tickets/"+code+"/pay", url.Values{"visit": {fmt.Sprint(visit)}})
	page = pathOf(t, res.Header.Get("Location"))
	wantBody(t, ada.get(page), "TEST", "Pay £4.80")
	res = ada.post(page, url.Values{"outcome": {"decline"}})
	wantBody(t, ada.get(pathOf(t, res.Header.Get("Location"))), "Declined: the test card was refused", "Pay £4.80")
	if ps, _ := ta.store.VisitPayments(t.Context(), visit); len(ps) != 1 || ps[0].Status != models.PaymentPending {
		t.Fatalf("after a decline the payment stays open for another try: %+v", ps)
	}
	res = ada.post(page, url.Values{"outcome": {"pay"}})
	ps, _ := ta.store.VisitPayments(t.Context(), visit)
	if res.StatusCode != http.StatusSeeOther || pathOf(t, res.Header.Get("Location")) != fmt.Sprintf("/tickets/%s?paid=%d", code, ps[0].ID) {
		t.Fatalf("after paying: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if len(ps) != 1 || ps[0].Status != models.PaymentSucceeded || ps[0].Amount != 480 {
		t.Fatalf("after paying: %+v", ps)
	}
	// Back on the ticket, with what was paid.
	res = ada.get(pathOf(t, res.Header.Get("Location")))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/tickets/"+code {
		t.Fatalf("back from paying: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	wantBody(t, ada.get("/tickets/"+code), "Paid £4.80 — thank you. Your receipt is on its way to ada@example.com.")
	var events int
	ta.store.DB.Get(&events, `SELECT count(*) FROM stripe_events`)
	if events != 3 {
		t.Fatalf("%d webhook events recorded, want the three the pages sent", events)
	}
	wantStatus(t, ada.get(page), http.StatusNotFound) // paid: the page is gone, as Stripe's is
	wantStatus(t, ada.post(page, url.Values{"outcome": {"pay"}}), http.StatusNotFound)
}

// With a real Stripe account there is no test checkout.
func TestNoTestCheckoutWithoutTheRehearsal(t *testing.T) {
	ta := newTestApp(t, nil)
	wantStatus(t, ta.client(t).get("/test-checkout/cs_pay_1"), http.StatusNotFound)
}

// Production on a Stripe emulator (as docker-compose.yml runs it) serves the
// TEST checkout, whose Pay button settles a bill with no money, only when
// REHEARSAL_CHECKOUT=true chooses it; development keeps it (above).
func TestRehearsalCheckoutInProductionOnlyWhenChosen(t *testing.T) {
	for _, chosen := range []bool{false, true} {
		t.Run(fmt.Sprintf("REHEARSAL_CHECKOUT=%v", chosen), func(t *testing.T) {
			env := map[string]string{"CLOCKROOM_ENV": "production", "STRIPE_API_BASE": "http://stripe-mock:12111", testRehearsal: "on"}
			if chosen {
				env["REHEARSAL_CHECKOUT"] = "true"
			}
			ta := newTestApp(t, env)
			ta.venue(t)
			ada, u := ta.signedIn(t, "ada@example.com", models.RoleAttendee)
			res := ada.post("/me/card", nil)
			page := pathOf(t, res.Header.Get("Location"))
			if !strings.HasPrefix(page, "/test-checkout/cs_setup") {
				t.Fatalf("save a card went to %d %q", res.StatusCode, res.Header.Get("Location"))
			}
			if !chosen {
				wantStatus(t, ada.get(page), http.StatusNotFound)
				wantStatus(t, ada.post(page, url.Values{"outcome": {"pay"}}), http.StatusNotFound)
				if card, _ := ta.store.CardFor(t.Context(), u.ID); card.HasCard() {
					t.Fatal("an unmounted test checkout saved a card")
				}
				return
			}
			wantBody(t, ada.get(page), "TEST", "Save test card")
			ada.post(page, url.Values{"outcome": {"pay"}})
			if card, _ := ta.store.CardFor(t.Context(), u.ID); !card.HasCard() {
				t.Fatal("the chosen test checkout saved no card")
			}
		})
	}
}

// Stripe's page sends the guest back to their ticket: having paid, with what
// was paid once Stripe's confirmation is recorded (and no claim before it),
// or having gone back, saying nothing was charged. A walk-in, who has no
// ticket, is thanked as before.
func TestBackFromCheckoutOnTheTicket(t *testing.T) {
	ta := newTestApp(t, map[string]string{testRehearsal: "on"})
	v := ta.venue(t)
	e := ta.tonight(t, v, ta.user(t, "host@example.com", models.RoleHost), 20)
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	visit, code := admitted(t, ta, e, "ada@example.com", now.Add(-60*time.Minute))
	if _, _, _, err := ta.store.CheckOut(t.Context(), visit, 0, ""); err != nil {
		t.Fatal(err)
	}
	guest := ta.client(t) // the ticket's code is the credential: no sign-in
	guest.get("/tickets/" + code)
	res := guest.post("/tickets/"+code+"/pay", url.Values{"visit": {fmt.Sprint(visit)}})
	page := pathOf(t, res.Header.Get("Location"))
	ps, _ := ta.store.VisitPayments(t.Context(), visit)
	s, err := ta.rehearsal.TestSession(strings.TrimPrefix(page, "/test-checkout/"))
	ticket := ta.ticketURL(code)
	if err != nil || len(ps) != 1 || s.Session.SuccessURL != fmt.Sprintf("%s?paid=%d", ticket, ps[0].ID) ||
		s.Session.CancelURL != fmt.Sprintf("%s?cancelled=%d", ticket, ps[0].ID) {
		t.Fatalf("the page's way back: %+v %v; payments %+v", s.Session, err, ps)
	}
	back := func(url, want string) response {
		t.Helper()
		res := guest.get(pathOf(t, url))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/tickets/"+code {
			t.Fatalf("GET %s: %d %q, want back to the ticket", url, res.StatusCode, res.Header.Get("Location"))
		}
		page := guest.get("/tickets/" + code)
		if want != "" {
			wantBody(t, page, `class="flash" role="status">`+want+"</article>")
		} else if strings.Contains(page.body, `class="flash"`) {
			t.Fatalf("GET %s says something: %s", url, page.body)
		}
		return page
	}

	// Back without paying.
	wantBody(t, guest.get(page), `href="`+s.Session.CancelURL+`"`, "Back without paying")
	wantBody(t, back(s.Session.CancelURL, "Nothing was charged: your bill of £4.80 is still to pay, here or at the counter."), "Pay £4.80 now")
	// Back before Stripe has confirmed: not paid yet, and the page reloads
	// until it is.
	res = guest.get(pathOf(t, s.Session.SuccessURL))
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, "Your payment of £4.80 is being confirmed: this page shows when it is through", `http-equiv="refresh" content="5"`,
		"Your payment is being confirmed: this page updates by itself.")
	if strings.Contains(res.body, "Pay £4.80 now") || strings.Contains(res.body, "Paid £4.80") {
		t.Fatal("a payment not yet confirmed is offered again, or called paid")
	}
	// Another ticket's code says nothing of this payment.
	other := ta.ticket(t, e, ta.user(t, "bob@example.com", models.RoleAttendee))
	res = guest.get(fmt.Sprintf("/tickets/%s?paid=%d", other, ps[0].ID))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/tickets/"+other {
		t.Fatalf("another ticket's return: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if strings.Contains(guest.get("/tickets/"+other).body, "£4.80") {
		t.Fatal("another ticket speaks of this payment")
	}

	// Paid: back on the ticket, with what was paid, once.
	res = guest.post(page, url.Values{"outcome": {"pay"}})
	if res.Header.Get("Location") != s.Session.SuccessURL {
		t.Fatalf("after paying: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	paid := back(s.Session.SuccessURL, "Paid £4.80 — thank you. Your receipt is on its way to ada@example.com.")
	if strings.Contains(paid.body, "To pay") || !strings.Contains(paid.body, "Your stay") {
		t.Fatalf("the paid ticket: %s", paid.body)
	}
	if strings.Contains(guest.get("/tickets/"+code).body, "Paid £4.80 — thank you") {
		t.Fatal("the thanks came twice")
	}
	// Gone back on an old tab after paying: it was paid after all.
	back(s.Session.CancelURL, "Paid £4.80 — thank you. Your receipt is on its way to ada@example.com.")
	back(fmt.Sprintf("%s?paid=nonsense", ticket), "")

	// A walk-in has no ticket to go back to.
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	walk, err := ta.store.At(now.Add(-30*time.Minute)).WalkIn(t.Context(), models.WalkInRequest{EventID: e.ID, Name: "Wes", ActorID: 0})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := ta.store.CheckOut(t.Context(), walk.ID, 0, ""); err != nil {
		t.Fatal(err)
	}
	staff.post(fmt.Sprintf("/staff/visits/%d/charge", walk.ID), url.Values{"method": {"pay_by_phone"}})
	wps, _ := ta.store.VisitPayments(t.Context(), walk.ID)
	if len(wps) != 1 || wps[0].CheckoutSession == nil {
		t.Fatalf("walk-in's phone payment: %+v", wps)
	}
	if ws, err := ta.rehearsal.TestSession(*wps[0].CheckoutSession); err != nil || pathOf(t, ws.Session.SuccessURL) != "/paid" {
		t.Fatalf("a walk-in's way back: %+v %v", ws.Session, err)
	}
}
