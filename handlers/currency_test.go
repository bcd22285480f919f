package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/stripeapi"
	"github.com/clockroom/clockroom/models"
)

// venueForm is the admin's venue form as it stands, with changes.
func venueFormWith(ta *testApp, t *testing.T, kv ...string) url.Values {
	t.Helper()
	v, err := ta.store.Venue(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	f := venueFormFrom(v)
	vals := form("name", f.Name, "time_zone", f.TimeZone, "currency", f.Currency, "room_capacity", f.RoomCapacity,
		"per_minute", f.PerMinute, "minimum_charge", f.MinimumCharge, "daily_cap", f.DailyCap, "grace_minutes", f.GraceMinutes,
		"late_reminder_hours", f.LateReminderHours)
	for i := 0; i+1 < len(kv); i += 2 {
		vals.Set(kv[i], kv[i+1])
	}
	return vals
}

// While a bill priced in pounds is unpaid, the venue's currency cannot
// change (it would read £4.80 as ¥480): the form says why next to the
// field, and nothing changes. Once it is paid the change goes through, and
// the stay, its payment and the guest's bills keep their pounds.
func TestCurrencyChangeIsRefusedWhileABillIsUnpaid(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", "")
	admin, _ := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	admin.get("/admin/venue")

	res := admin.post("/admin/venue", venueFormWith(ta, t, "currency", "JPY", "name", "Renamed Café", "per_minute", "8", "minimum_charge", "300", "daily_cap", "2400"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, `<small id="f-currency-error" class="field-error">The currency stays GBP while 1 bill is still to collect: amounts keep the currency they were priced in. First collect or waive the bills on Bills to collect, then change it.</small>`,
		`value="Renamed Café"`, `value="JPY"`)
	if v, _ := ta.store.Venue(t.Context()); v.Currency != "GBP" || v.Name != "Test Café" || v.PerMinute != 8 {
		t.Fatalf("a refused change changed the venue: %+v", v)
	}
	var audits int
	ta.store.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'venue.update'`)
	if audits != 0 {
		t.Fatalf("%d venue updates audited, want none", audits)
	}
	wantBody(t, staff.get("/staff/bills"), "£4.80")

	wantStatus(t, staff.post(fmt.Sprintf("/staff/visits/%d/payments", visit), form("method", "cash")), http.StatusSeeOther)
	wantStatus(t, admin.post("/admin/venue", venueFormWith(ta, t, "currency", "JPY", "per_minute", "8", "minimum_charge", "300", "daily_cap", "2400")), http.StatusSeeOther)
	if v, _ := ta.store.Venue(t.Context()); v.Currency != "JPY" || v.PerMinute != 8 {
		t.Fatalf("after the bill was paid the change must go through: %+v", v)
	}
	page := staff.get(fmt.Sprintf("/staff/visits/%d", visit))
	wantBody(t, page, "£4.80")
	if strings.Contains(page.body, "¥") {
		t.Fatalf("a stay priced in pounds is shown in yen:\n%s", page.body)
	}
	ada := mustClient(t, ta, "ada@example.com")
	wantBody(t, ada.get("/me/tickets"), "£4.80")
}

// Nights to come with their own prices, and guests inside, hold the
// currency too; each is named in the message.
func TestCurrencyChangeIsRefusedWhileNightsWithPricesAreToCome(t *testing.T) {
	ta, _, e := billingSetup(t)
	admitted(t, ta, e, "ada@example.com", time.Now().Add(-10*time.Minute))
	host := mustUser(t, ta, "host@example.com")
	priced := ta.event(t, models.Venue{ID: e.VenueID}, host, "Jazz and Justice", 10)
	ta.store.DB.MustExec(`UPDATE events SET per_minute = 10, daily_cap = 2000 WHERE id = $1`, priced.ID)
	admin, _ := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	admin.get("/admin/venue")
	res := admin.post("/admin/venue", venueFormWith(ta, t, "currency", "EUR"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, `<small id="f-currency-error" class="field-error">The currency stays GBP while 1 guest is inside and 1 night to come has its own prices (Jazz and Justice)`,
		"check the guests out and give those nights the venue&#39;s prices or let them pass")
	if v, _ := ta.store.Venue(t.Context()); v.Currency != "GBP" {
		t.Fatalf("refused, yet the currency is %s", v.Currency)
	}
	// Another setting changes as ever while the currency stays.
	wantStatus(t, admin.post("/admin/venue", venueFormWith(ta, t, "name", "Renamed Café")), http.StatusSeeOther)
	if v, _ := ta.store.Venue(t.Context()); v.Name != "Renamed Café" {
		t.Fatalf("a change that keeps the currency was refused: %+v", v)
	}
}

// A stay keeps the currency it was priced in even when the venue's changed
// under it (as it could before the change was refused): the door, the bills
// page and Stripe all use the stay's pounds.
func TestAStayKeepsTheCurrencyItWasPricedIn(t *testing.T) {
	ta, staff, e := billingSetup(t)
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	_, code := admitted(t, ta, e, "ada@example.com", now.Add(-60*time.Minute))
	_, bob := admitted(t, ta, e, "bob@example.com", now.Add(-60*time.Minute))
	saveTestCard(t, ta, "ada@example.com", stripeapi.FakeCardOK)
	ta.store.DB.MustExec(`UPDATE venues SET currency = 'JPY'`)

	st, body := staff.apiPost(scanPath(e), map[string]string{"code": code, "direction": "out"})
	wantResult(t, st, body, "checked_out")
	if pay := body["payment"].(map[string]any); pay["currency"] != "GBP" || pay["amount"] != float64(480) {
		t.Fatalf("the door says %v; want £4.80", pay)
	}
	if !strings.Contains(body["message"].(string), "£4.80") {
		t.Fatalf("the door's message: %q", body["message"])
	}
	ta.settle(t)
	ps, _ := ta.store.VisitPayments(t.Context(), int64(body["visit"].(map[string]any)["id"].(float64)))
	if len(ps) != 1 || ps[0].Currency != "GBP" || ps[0].Amount != 480 || ps[0].Status != models.PaymentSucceeded {
		t.Fatalf("the card was charged %+v; want £4.80 in GBP", ps)
	}
	res, _ := ta.fake.PaymentIntent(t.Context(), *ps[0].PaymentIntent)
	if res.Currency != "GBP" || res.Amount != 480 {
		t.Fatalf("Stripe was asked for %d %s; want 480 GBP", res.Amount, res.Currency)
	}

	staff.apiPost(scanPath(e), map[string]string{"code": bob, "direction": "out"})
	bills := staff.get("/staff/bills")
	wantBody(t, bills, "£4.80")
	if strings.Contains(bills.body, "¥") {
		t.Fatalf("a bill priced in pounds is listed in yen:\n%s", bills.body)
	}
}
