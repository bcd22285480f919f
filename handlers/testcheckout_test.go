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
	if res.StatusCode != http.StatusSeeOther || pathOf(t, res.Header.Get("Location")) != "/paid" {
		t.Fatalf("after paying: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if ps, _ := ta.store.VisitPayments(t.Context(), visit); len(ps) != 1 || ps[0].Status != models.PaymentSucceeded || ps[0].Amount != 480 {
		t.Fatalf("after paying: %+v", ps)
	}
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
