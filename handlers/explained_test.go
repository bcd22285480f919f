package handlers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
	"github.com/clockroom/clockroom/models"
)

// eveningNight makes the venue's standard tariff acceptance case 1's (6p a
// minute until 18:00, 8p after) and a night yesterday from 17:00 to 23:30,
// London time; day gives that day's local times.
func eveningNight(t testing.TB, ta *testApp) (models.Event, func(h, m int) time.Time) {
	t.Helper()
	v := ta.venue(t)
	london, _ := time.LoadLocation("Europe/London")
	y, m, d := time.Now().In(london).AddDate(0, 0, -1).Date()
	day := func(h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, london) }
	admin := ta.user(t, "admin@example.com", models.RoleAdmin)
	host := ta.user(t, "host@example.com", models.RoleHost)
	tt := tariff.Tariff{Name: "Standard", Steps: []tariff.Step{{Rate: tariff.Rate{PerMinute: 6}}},
		Windows: []tariff.Window{{Name: "Evening", TimeRange: tariff.TimeRange{Start: tariff.At(18, 0), End: tariff.At(4, 0)},
			Steps: []tariff.Step{{Rate: tariff.Rate{PerMinute: 8}}}}}}
	at := ta.store.At(day(9, 0))
	if _, err := at.SaveTariff(t.Context(), tt, admin.ID); err != nil {
		t.Fatal(err)
	}
	if err := at.SetStandardTariff(t.Context(), tt.Name, admin.ID); err != nil {
		t.Fatal(err)
	}
	id, err := at.CreateEvent(t.Context(), models.NewEvent{VenueID: v.ID, HostID: host.ID, Status: models.EventPublished,
		EventInput: models.EventInput{Title: "Evening", StartsAt: day(17, 0), EndsAt: day(23, 30), Capacity: 20}})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := ta.store.EventByID(t.Context(), id)
	return e, day
}

// stayed gives email a ticket for e, admits them at in and checks them out
// at out, leaving the bill unpaid; it returns the visit and the ticket code.
func stayed(t testing.TB, ta *testApp, e models.Event, email string, in, out time.Time) (int64, string) {
	t.Helper()
	u := ta.user(t, email, models.RoleAttendee)
	r, err := ta.store.At(in.Add(-time.Hour)).Reserve(t.Context(), e.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ta.store.At(in).Scan(t.Context(), models.ScanRequest{EventID: e.ID, TicketID: r.TicketID, Direction: models.ScanIn, Key: "in-" + email})
	if err != nil || resp.Result != models.ResultAdmitted {
		t.Fatalf("admit %s: %+v %v", email, resp, err)
	}
	if _, _, _, err := ta.store.At(out).CheckOut(t.Context(), resp.Visit.ID, 0, ""); err != nil {
		t.Fatal(err)
	}
	return resp.Visit.ID, ta.store.Tickets.Code(r.TicketID)
}

// The bill is explained line by line wherever a guest or staff see it: the
// ticket (to pay, then paid), the bill and receipt emails, the bills CSV. A
// bill kept before the engine kept its lines shows as it did.
func TestTheExplainedBillOnTheTicketEmailsAndCSV(t *testing.T) {
	ta := newTestApp(t, nil)
	e, day := eveningNight(t, ta)
	visit, code := stayed(t, ta, e, "ann@example.com", day(17, 40), day(18, 25))
	old, oldCode := stayed(t, ta, e, "bob@example.com", day(17, 40), day(18, 25))
	ta.store.DB.MustExec(`UPDATE visits SET bill = NULL WHERE id = $1`, old) // kept before the engine kept lines
	lines := []string{"17:40–18:00 · 20 min × 6p = £1.20", "18:00–18:25 · 25 min × 8p = £2.00"}

	ms, _ := ta.store.MessagesTo(t.Context(), "ann@example.com")
	if due := ms[len(ms)-1]; due.Kind != models.MsgBillDue ||
		!strings.Contains(due.Body, "45 minutes: £3.20\n\n  "+lines[0]+"\n  "+lines[1]+"\n  Total £3.20\n\nPay now") {
		t.Fatalf("bill email:\n%s", due.Body)
	}

	ann := ta.client(t)
	page := ann.get("/tickets/" + code)
	wantBody(t, page, "To pay", "<li>"+lines[0]+"</li><li>"+lines[1]+"</li>", "Total £3.20", "Pay £3.20 now")
	if page := ann.get("/tickets/" + oldCode); !strings.Contains(page.body, "Pay £3.20 now") || strings.Contains(page.body, "bill-lines") {
		t.Fatalf("a bill kept without its lines shows as before:\n%s", page.body)
	}

	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	csv := staff.get("/staff/bills.csv")
	rows := strings.Split(strings.TrimSpace(csv.body), "\n")
	if len(rows) != 3 || !strings.HasSuffix(rows[0], ",state,lines") ||
		!strings.HasSuffix(rows[1], ",45,3.20,GBP,unpaid,"+lines[0]+" / "+lines[1]) || !strings.HasSuffix(rows[2], ",45,3.20,GBP,unpaid,") {
		t.Fatalf("bills CSV:\n%s", csv.body)
	}

	// Paid at the counter: the receipt explains the bill, and the ticket
	// shows the stay's bill, paid.
	if _, err := ta.store.CreatePayment(t.Context(), models.NewPayment{VisitID: visit, Method: models.PayCash}); err != nil {
		t.Fatal(err)
	}
	ms, _ = ta.store.MessagesTo(t.Context(), "ann@example.com")
	if r := ms[len(ms)-1]; r.Kind != models.MsgReceipt ||
		!strings.Contains(r.Body, "45 minutes: £3.20\n\n  "+lines[0]+"\n  "+lines[1]+"\n  Total £3.20\n\nPaid: £3.20, in cash") {
		t.Fatalf("receipt:\n%s", r.Body)
	}
	// Back the same night: the night's lines, its total and what this stay added.
	id, _ := ta.store.Tickets.Verify(code)
	resp, err := ta.store.At(day(18, 40)).Scan(t.Context(), models.ScanRequest{EventID: e.ID, TicketID: id, Direction: models.ScanIn, Key: "in-again-ann@example.com"})
	if err != nil || !resp.Resumed {
		t.Fatalf("back in: %+v %v", resp, err)
	}
	if _, _, _, err := ta.store.At(day(18, 50)).CheckOut(t.Context(), resp.Visit.ID, 0, ""); err != nil {
		t.Fatal(err)
	}
	page = ann.get("/tickets/" + code)
	wantBody(t, page, fmt.Sprintf(`id="owed-%d"`, resp.Visit.ID), "10 min, <strong>£0.80</strong>",
		"<li>"+lines[0]+"</li><li>"+lines[1]+"</li><li>18:40–18:50 · 10 min × 8p = £0.80</li>", "Total tonight £4.00</strong> · this stay £0.80")
	ms, _ = ta.store.MessagesTo(t.Context(), "ann@example.com")
	if due := ms[len(ms)-1]; !strings.Contains(due.Body, "  18:40–18:50 · 10 min × 8p = £0.80\n  Total tonight £4.00 · this stay £0.80\n") {
		t.Fatalf("bill email of a resumed stay:\n%s", due.Body)
	}
	if _, err := ta.store.CreatePayment(t.Context(), models.NewPayment{VisitID: resp.Visit.ID, Method: models.PayCash}); err != nil {
		t.Fatal(err)
	}

	page = ann.get("/tickets/" + code)
	if strings.Contains(page.body, "To pay") {
		t.Fatal("a paid bill is still to pay")
	}
	wantBody(t, page, "Your stays", fmt.Sprintf(`id="stay-%d"`, visit), "45 min, <strong>£3.20</strong> · paid in cash.",
		"<li>"+lines[0]+"</li><li>"+lines[1]+"</li></ul>", "Total £3.20", fmt.Sprintf(`id="stay-%d"`, resp.Visit.ID), "Total tonight £4.00")
}
