package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
	"github.com/clockroom/clockroom/models"
)

// A guest buys a pass on their ticket, staff price the stay for students at
// the counter with a reason, and the bill at check-out is the cheapest way
// to pay for the stay, less the students' discount. Every way in checks who
// asks.
func TestPassesAndGroups(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	_, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	staff, staffUser := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	std := tariff.Tariff{Name: "Standard", Steps: []tariff.Step{{Rate: tariff.Rate{PerMinute: 10}}},
		Passes: []tariff.Pass{{Name: "Evening pass", Kind: tariff.HoursPack, Price: 1000, Covers: tariff.Cover{Minutes: 240}}},
		Groups: []tariff.Group{{Name: "Students", PercentOffBP: 2000}}}
	if _, err := ta.store.SaveTariff(t.Context(), std, staffUser.ID); err != nil {
		t.Fatal(err)
	}
	if err := ta.store.SetStandardTariff(t.Context(), "Standard", staffUser.ID); err != nil {
		t.Fatal(err)
	}
	id, _ := ta.store.CreateEvent(t.Context(), models.NewEvent{VenueID: v.ID, HostID: hostUser.ID, Status: models.EventPublished,
		EventInput: models.EventInput{Title: "Long night", StartsAt: now.Add(-4 * time.Hour), EndsAt: now.Add(2 * time.Hour), Capacity: 10}})
	e, _ := ta.store.EventByID(t.Context(), id)
	visit, code := admitted(t, ta, e, "ada@example.com", now.Add(-3*time.Hour)) // 180 min × 10p = £18.00 by the meter

	ada := ta.client(t)
	ada.login("ada@example.com")
	wantBody(t, ada.get("/tickets/"+code), "Add a pass to the bill", "Evening pass · £10.00")
	stranger, _ := ta.signedIn(t, "eve@example.com", models.RoleAttendee)
	wantStatus(t, stranger.post("/tickets/"+code+"/passes", url.Values{"pass": {"Evening pass"}}), http.StatusForbidden)
	res := ada.post("/tickets/"+code+"/passes", url.Values{"pass": {"Moon pass"}})
	wantStatus(t, res, http.StatusSeeOther)
	wantBody(t, ada.get("/tickets/"+code), "Choose one of the passes on offer.")
	ada.post("/tickets/"+code+"/passes", url.Values{"pass": {"Evening pass"}})
	wantBody(t, ada.get("/tickets/"+code), "Evening pass added to the bill", "On the bill: <strong>Evening pass</strong>")
	ada.post("/tickets/"+code+"/passes", url.Values{"pass": {"Evening pass"}})
	wantBody(t, ada.get("/tickets/"+code), "The Evening pass is on the bill already.")

	page := fmt.Sprintf("/staff/visits/%d", visit)
	wantStatus(t, ada.post(page+"/group", url.Values{"group": {"Students"}, "reason": {"me"}}), http.StatusForbidden)
	wantBody(t, staff.get(page), "Price group", `<option value="Students">Students</option>`)
	staff.post(page+"/group", url.Values{"group": {"Students"}})
	wantBody(t, staff.get(page), "Say why (for example, the card you were shown)")
	staff.post(page+"/group", url.Values{"group": {"Students"}, "reason": {"student card"}})
	wantBody(t, staff.get(page), "Tonight&#39;s bill is priced for Students")

	// The pass (£10.00) beats the meter (£18.00); students pay 20% less.
	if _, b, _, err := ta.store.CheckOut(t.Context(), visit, staffUser.ID, ""); err != nil || b.Amount != 800 {
		t.Fatalf("check-out: %+v %v", b, err)
	}
	res = staff.post(page+"/passes", url.Values{"pass": {"Evening pass"}})
	wantStatus(t, res, http.StatusSeeOther)
	wantBody(t, staff.get(page), "This stay is over: a pass can no longer be added.", "Evening pass")
	var audited int
	ta.store.DB.Get(&audited, `SELECT count(*) FROM audit_log WHERE action IN ('pass.buy', 'visit.group')`)
	if audited != 2 {
		t.Fatalf("%d audit entries for the pass and the group, want 2", audited)
	}
}

// An admin sets the group a guest's stays are priced for, with a reason;
// the guest's next stay is priced for it.
func TestAdminSetsAGuestsGroup(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	_, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	admin, adminUser := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	std := tariff.Tariff{Name: "Standard", Steps: []tariff.Step{{Rate: tariff.Rate{PerMinute: 10}}},
		Groups: []tariff.Group{{Name: "Students", PercentOffBP: 2000}}}
	if _, err := ta.store.SaveTariff(t.Context(), std, adminUser.ID); err != nil {
		t.Fatal(err)
	}
	if err := ta.store.SetStandardTariff(t.Context(), "Standard", adminUser.ID); err != nil {
		t.Fatal(err)
	}
	ada := ta.user(t, "ada@example.com", models.RoleAttendee)
	path := fmt.Sprintf("/admin/users/%d/group", ada.ID)
	wantBody(t, admin.get("/admin/users"), "Price group for ada", `<option value="Students">Students</option>`)
	admin.post(path, url.Values{"group": {"Pensioners"}, "reason": {"card"}})
	wantBody(t, admin.get("/admin/users"), "Choose one of the groups the standard tariff prices.")
	admin.post(path, url.Values{"group": {"Students"}})
	wantBody(t, admin.get("/admin/users"), "Say why, on one line")
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	wantStatus(t, staff.post(path, url.Values{"group": {"Students"}, "reason": {"card"}}), http.StatusForbidden)
	admin.post(path, url.Values{"group": {"Students"}, "reason": {"student card, valid to June"}})
	wantBody(t, admin.get("/admin/users"), "stays are priced for Students.", `<option value="Students" selected>`)

	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	id, _ := ta.store.CreateEvent(t.Context(), models.NewEvent{VenueID: v.ID, HostID: hostUser.ID, Status: models.EventPublished,
		EventInput: models.EventInput{Title: "Tonight", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(2 * time.Hour), Capacity: 10}})
	e, _ := ta.store.EventByID(t.Context(), id)
	ticket, _ := ta.store.Tickets.Verify(ta.ticket(t, e, ada))
	resp, err := ta.store.At(now.Add(-30*time.Minute)).Scan(t.Context(), models.ScanRequest{EventID: e.ID, TicketID: ticket, Direction: models.ScanIn, Key: "ada-in-1"})
	if err != nil || resp.Result != models.ResultAdmitted {
		t.Fatalf("admit: %+v %v", resp, err)
	}
	if _, b, _, err := ta.store.CheckOut(t.Context(), resp.Visit.ID, 0, ""); err != nil || b.Amount != 240 { // 30 min × 10p, 20% off
		t.Fatalf("a student's stay: %+v %v", b, err)
	}
	var reason string
	ta.store.DB.Get(&reason, `SELECT detail->>'reason' FROM audit_log WHERE action = 'user.group'`)
	if reason != "student card, valid to June" {
		t.Fatalf("the group is not audited with its reason: %q", reason)
	}
}
