package handlers

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/stripeapi"
	"github.com/clockroom/clockroom/models"
)

// Hosts price their nights within the admins' ceilings, and a night with
// its own price must cap a day.
func TestHostPricesStayWithinTheVenueCeilings(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	e := ta.tonight(t, v, hostUser, 10)
	admin, _ := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	settings := form("name", v.Name, "time_zone", v.TimeZone, "currency", "GBP", "room_capacity", "60", "per_minute", "0.08",
		"grace_minutes", "5", "minimum_charge", "3.00", "daily_cap", "24.00", "max_per_minute", "0.20", "max_daily_cap", "30.00", "auto_charge_limit", "0")
	res := admin.post("/admin/venue", settings)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Enter an amount above zero")
	settings.Set("auto_charge_limit", "")
	wantStatus(t, admin.post("/admin/venue", settings), http.StatusSeeOther)

	f := formFromEvent(e, london(), "GBP")
	edit := form("title", f.Title, "starts_at", f.StartsAt, "ends_at", f.EndsAt, "capacity", "10", "own_tariff", "on",
		"per_minute", "5.00", "grace_minutes", "0", "minimum_charge", "", "daily_cap", "20.00")
	for _, c := range []struct{ field, value, msg string }{
		{"per_minute", "5.00", "The venue allows at most £0.20 a minute."},
		{"daily_cap", "", "needs a daily cap"},
		{"daily_cap", "500.00", "The venue allows a daily cap of at most £30.00."},
		{"per_minute", "92233720368547758.07", "at most £10,000.00"},
	} {
		bad := form()
		for k, vs := range edit {
			bad[k] = vs
		}
		bad.Set("per_minute", "0.10")
		bad.Set(c.field, c.value)
		res := host.post(fmt.Sprintf("/host/events/%d/edit", e.ID), bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, c.msg)
	}
	if got, _ := ta.store.EventByID(t.Context(), e.ID); got.OwnPerMinute != nil {
		t.Fatalf("a refused price was saved: %+v", got)
	}
	edit.Set("per_minute", "0.20")
	edit.Set("daily_cap", "30.00")
	wantStatus(t, host.post(fmt.Sprintf("/host/events/%d/edit", e.ID), edit), http.StatusSeeOther)
}

// The price is the one a guest was admitted under: a later change to the
// venue's or the night's prices applies to guests who come in afterwards.
func TestThePriceIsFrozenAtAdmission(t *testing.T) {
	ta, _, e := billingSetup(t)
	now := time.Now()
	store := ta.store.At(now)
	before, _ := admitted(t, ta, e, "ada@example.com", now.Add(-60*time.Minute))
	v, _ := ta.store.Venue(t.Context())
	v.PerMinute, v.MinimumCharge, v.DailyCap = 50, nil, nil
	if err := store.UpdateVenue(t.Context(), v, 0); err != nil {
		t.Fatal(err)
	}
	after, _ := admitted(t, ta, e, "bob@example.com", now.Add(-60*time.Minute))
	if inside, _ := store.InsideNow(t.Context()); len(inside) != 2 || inside[0].Bill.Amount != 480 || inside[1].Bill.Amount != 3000 {
		t.Fatalf("running bills: %+v", inside)
	}
	for visit, want := range map[int64]int64{before: 480, after: 3000} {
		if _, b, _, err := store.CheckOut(t.Context(), visit, 0, ""); err != nil || b.Amount != want {
			t.Fatalf("visit %d billed %d (%v), want %d", visit, b.Amount, err, want)
		}
	}
	if d, _ := store.VisitDetail(t.Context(), before); d.Bill.Amount != 480 || d.Tariff.PerMinute != 8 {
		t.Fatalf("the receipt of the earlier stay: %+v", d.Bill)
	}
}

// A bill above the automatic limit is not charged to the saved card by
// itself: it waits on the bills page for staff.
func TestLargeBillsWaitForAStaffClick(t *testing.T) {
	ta, staff, e := billingSetup(t)
	ta.store.DB.MustExec(`UPDATE venues SET auto_charge_limit = 400`)
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	visits := map[string]int64{}
	for email, minutes := range map[string]int{"ada@example.com": 45, "bob@example.com": 60} { // £3.60 and £4.80
		visits[email], _ = admitted(t, ta, e, email, now.Add(-time.Duration(minutes)*time.Minute))
		saveTestCard(t, ta, email, stripeapi.FakeCardOK)
		staff.post(fmt.Sprintf("/staff/visits/%d/checkout", visits[email]), nil)
	}
	ta.settle(t)
	if ps, _ := ta.store.VisitPayments(t.Context(), visits["ada@example.com"]); len(ps) != 1 || ps[0].Status != models.PaymentSucceeded {
		t.Fatalf("a bill under the limit is charged by itself: %+v", ps)
	}
	if ps, _ := ta.store.VisitPayments(t.Context(), visits["bob@example.com"]); len(ps) != 0 {
		t.Fatalf("a bill over the limit was charged without a click: %+v", ps)
	}
	res := staff.get("/staff/bills")
	wantBody(t, res, "1</strong> bill to collect", "£4.80", `value="card_on_file"`)
	staff.post(fmt.Sprintf("/staff/visits/%d/charge", visits["bob@example.com"]), form("method", "card_on_file", "next", "/staff/bills"))
	wantBody(t, staff.get("/staff/bills"), "Nothing to collect")
}
