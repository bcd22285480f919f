package handlers

import (
	"net/http"
	"testing"

	"github.com/clockroom/clockroom/models"
)

func TestAdminEditsTheTariff(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	_, host := ta.signedIn(t, "host@example.com", models.RoleHost)
	ta.event(t, v, host, "Big night", 40)
	admin, _ := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	wantStatus(t, staff.get("/admin/venue"), http.StatusForbidden)
	wantBody(t, admin.get("/admin/venue"), `value="0.08"`, `value="3.00"`, `value="24.00"`, `value="Europe/London"`)

	good := form("name", "Clockroom Soho", "time_zone", "Europe/Paris", "currency", "eur", "room_capacity", "45",
		"per_minute", "0.10", "minimum_charge", "", "daily_cap", "30", "grace_minutes", "10")
	bad := []struct{ field, value, msg string }{
		{"name", "", "Give the venue a name"},
		{"time_zone", "Mars/Olympus", "Enter a time zone like Europe/London."},
		{"currency", "EURO", "ISO 4217 currency code"},
		{"currency", "ABC", "ISO 4217 currency code"},
		{"per_minute", "92233720368547758.07", "at most €10,000.00"},
		{"daily_cap", "10000000.01", "at most €10,000,000.00"},
		{"room_capacity", "30", "A night still to come has 40 seats"},
		{"per_minute", "ten pence", "Enter an amount like 0.08"},
		{"daily_cap", "0", "more than zero"},
		{"minimum_charge", "40", "cannot be more than the daily cap"},
		{"grace_minutes", "-1", "from 0 to 240"},
	}
	for _, b := range bad {
		f := form()
		for k, vs := range good {
			f[k] = vs
		}
		f.Set(b.field, b.value)
		res := admin.post("/admin/venue", f)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, b.msg)
	}
	if got, _ := ta.store.Venue(t.Context()); got.Name != v.Name {
		t.Fatal("an invalid form changed the venue")
	}
	wantStatus(t, admin.post("/admin/venue", good), http.StatusSeeOther)
	got, _ := ta.store.Venue(t.Context())
	if got.Name != "Clockroom Soho" || got.Currency != "EUR" || got.PerMinute != 10 || got.MinimumCharge != nil || *got.DailyCap != 3000 || got.GraceMinutes != 10 || got.RoomCapacity != 45 {
		t.Fatalf("saved venue %+v", got)
	}
	var audits int
	ta.store.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'venue.update'`)
	if audits != 1 {
		t.Fatalf("%d audit rows", audits)
	}
}

// The venue page says where prices live: once a tariff is standard, its
// simple price no longer prices stays.
func TestVenuePageSaysWhenATariffPrices(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	admin, u := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	wantBody(t, admin.get("/admin/venue"), `make a tariff on <a href="/admin/tariffs">Tariffs</a>`)
	wantBody(t, admin.get("/admin/tariffs"), "No tariff is standard yet", "£0.08 a minute")
	ta.standardTariff(t, eveningTariff(8), u)
	page := admin.get("/admin/venue")
	wantBody(t, page, "The standard tariff, Standard, prices stays now: the simple price below no longer does", `<a href="/admin/tariffs">Tariffs</a>`)
	res := admin.post("/admin/venue", form("name", ""))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "The standard tariff, Standard, prices stays now")
}
