package handlers

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// admitted sets up tonight with a guest admitted at `in` and returns the
// visit id.
func admitted(t testing.TB, ta *testApp, e models.Event, email string, in time.Time) (int64, string) {
	t.Helper()
	code := ta.ticket(t, e, ta.user(t, email, models.RoleAttendee))
	id, _ := ta.store.Tickets.Verify(code)
	resp, err := ta.store.At(in).Scan(t.Context(), models.ScanRequest{EventID: e.ID, TicketID: id, Direction: models.ScanIn, Key: "k-" + email})
	if err != nil || resp.Result != models.ResultAdmitted {
		t.Fatalf("admit %s: %+v %v", email, resp, err)
	}
	return resp.Visit.ID, code
}

func TestLiveMeterAndTicketMeter(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	_, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	id, _ := ta.store.CreateEvent(t.Context(), models.NewEvent{VenueID: v.ID, HostID: hostUser.ID, Status: models.EventPublished,
		EventInput: models.EventInput{Title: "Long night", StartsAt: now.Add(-6 * time.Hour), EndsAt: now.Add(2 * time.Hour), Capacity: 10}})
	e, _ := ta.store.EventByID(t.Context(), id)
	_, adaCode := admitted(t, ta, e, "ada@example.com", now.Add(-47*time.Minute))
	admitted(t, ta, e, "bob@example.com", now.Add(-6*time.Hour+time.Minute))

	live := staff.get("/staff/live")
	wantStatus(t, live, http.StatusOK)
	// Ada: 47 min × 8p = £3.76; Bob: capped at £24.00.
	wantBody(t, live, "ada", "£3.76", "bob", "£24.00", "(capped)", "<strong>2</strong> / 60 inside", "£27.76")

	ada := ta.client(t)
	ada.login("ada@example.com")
	page := ada.get("/tickets/" + adaCode)
	// The live quote says when the cap is reached (300 min at 8p), and the
	// bill so far is explained.
	capAt := now.Add(253 * time.Minute).In(v.Location())
	layout := "15:04"
	if capAt.YearDay() != now.In(v.Location()).YearDay() {
		layout = "Mon 15:04" // a change on another day names it
	}
	wantBody(t, page, "47 min", "£3.76</strong> so far", "The daily cap of £24.00 is reached at "+capAt.Format(layout),
		"47 min × 8p = £3.76", `http-equiv="refresh"`)

	for _, c := range []*client{ada, mustClient(t, ta, "host@example.com")} {
		wantStatus(t, c.get("/staff/live"), http.StatusForbidden)
		wantStatus(t, c.get("/staff/reports"), http.StatusForbidden)
		wantStatus(t, c.post("/staff/visits/1/checkout", nil), http.StatusForbidden)
	}
}

func mustClient(t testing.TB, ta *testApp, email string) *client {
	c := ta.client(t)
	c.login(email)
	return c
}

func TestCheckoutAndRecordedPaymentsAreIdempotent(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	_, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	e := ta.tonight(t, v, hostUser, 10)
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	visit, _ := admitted(t, ta, e, "ada@example.com", now.Add(-90*time.Minute))
	path := fmt.Sprintf("/staff/visits/%d", visit)

	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { staff.post(path+"/checkout", nil) })
	}
	wg.Wait()
	page := staff.get(path)
	wantBody(t, page, "90", "£7.20", "Take payment")
	var closes int
	ta.store.DB.Get(&closes, `SELECT count(*) FROM audit_log WHERE action = 'visit.checkout'`)
	if closes != 1 {
		t.Fatalf("10 check-outs closed the visit %d times", closes)
	}

	wantBody(t, staff.post(path+"/payments", url.Values{"method": {"waived"}}), "")
	wantBody(t, staff.get(path), "Say why the bill is waived")
	for range 10 {
		wg.Go(func() { staff.post(path+"/payments", url.Values{"method": {"cash"}, "note": {"paid at the bar"}}) })
	}
	wg.Wait()
	ps, _ := ta.store.VisitPayments(t.Context(), visit)
	if len(ps) != 1 || ps[0].Amount != 720 || ps[0].Status != models.PaymentSucceeded || ps[0].Method != models.PayCash {
		t.Fatalf("payments %+v", ps)
	}
	page = staff.get(path)
	wantBody(t, page, "£7.20</strong> · cash · succeeded", "Note: paid at the bar")
	if strings.Contains(page.body, "Take payment") {
		t.Fatal("a paid visit must not offer another payment")
	}

	refund := fmt.Sprintf("/staff/payments/%d/refund", ps[0].ID)
	for _, bad := range []string{"8.00", "-1", "abc", "1.234", "0"} {
		staff.post(refund, url.Values{"amount": {bad}})
	}
	if p, _ := ta.store.PaymentByID(t.Context(), ps[0].ID); p.RefundedAmount != 0 {
		t.Fatalf("a bad refund changed the payment: %+v", p)
	}
	staff.post(refund, url.Values{"amount": {"2.20"}, "note": {"left early"}})
	wantBody(t, staff.get(path), "£2.20 refunded", "partially_refunded")
	staff.post(refund, url.Values{"amount": {"5.01"}})
	if p, _ := ta.store.PaymentByID(t.Context(), ps[0].ID); p.RefundedAmount != 220 {
		t.Fatalf("refunded more than was left: %+v", p)
	}
	staff.post(refund, url.Values{"amount": {"5.00"}})
	if p, _ := ta.store.PaymentByID(t.Context(), ps[0].ID); p.Status != models.PaymentRefunded {
		t.Fatalf("a full refund: %+v", p)
	}
}

func TestReports(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	_, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	staff, staffUser := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	e := ta.tonight(t, v, hostUser, 10)
	ta.ticket(t, e, ta.user(t, "noshow@example.com", models.RoleAttendee))
	now := time.Now()
	a, _ := admitted(t, ta, e, "ada@example.com", now.Add(-60*time.Minute))
	b, _ := admitted(t, ta, e, "bob@example.com", now.Add(-30*time.Minute))
	w, err := ta.store.At(now.Add(-20*time.Minute)).WalkIn(t.Context(), models.WalkInRequest{EventID: e.ID, Name: "Walt"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{a, b, w.ID} {
		if _, _, _, err := ta.store.At(now).CheckOut(t.Context(), id, staffUser.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	pa, _ := ta.store.CreatePayment(t.Context(), models.NewPayment{VisitID: a, Method: models.PayCash, ActorID: staffUser.ID})
	ta.store.CreatePayment(t.Context(), models.NewPayment{VisitID: b, Method: models.PayTerminal, ActorID: staffUser.ID})
	ta.store.RefundRecorded(t.Context(), pa.ID, 100, staffUser.ID, "")

	rs, err := ta.store.Reports(t.Context(), now.Add(-30*24*time.Hour), now, 0)
	if err != nil || len(rs) != 1 {
		t.Fatalf("reports %+v %v", rs, err)
	}
	r := rs[0]
	// Ada 60 min = £4.80, Bob 30 min = £3.00 (the minimum), Walt 20 min = £3.00 unpaid.
	if r.RSVPs != 3 || r.Attended != 2 || r.NoShows != 1 || r.WalkIns != 1 || r.Minutes != 110 ||
		r.Cash != 380 || r.Terminal != 300 || r.Refunds != 100 || r.Revenue() != 680 || r.Outstanding != 300 {
		t.Fatalf("report %+v", r)
	}
	wantBody(t, staff.get("/staff/reports"), "Tonight", "£6.80", "£3.00")
	res := staff.get("/staff/reports.csv")
	rows, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][1] != "Tonight" || rows[1][14] != "6.80" || rows[1][15] != "3.00" || rows[1][5] != "1" {
		t.Fatalf("csv %v %v", rows, err)
	}
}

func TestParseMoney(t *testing.T) {
	cases := []struct {
		in, cur string
		want    int64
		ok      bool
	}{
		{"2.50", "GBP", 250, true}, {"2.5", "GBP", 250, true}, {"2", "GBP", 200, true}, {"0.01", "EUR", 1, true},
		{"500", "JPY", 500, true}, {"5.00", "JPY", 0, false}, {"1.234", "GBP", 0, false}, {"-1", "GBP", 0, false},
		{"", "GBP", 0, false}, {"abc", "GBP", 0, false}, {"0", "GBP", 0, false}, {"1.", "GBP", 0, false},
	}
	for _, c := range cases {
		if got, ok := parseMoney(c.in, c.cur); got != c.want || ok != c.ok {
			t.Errorf("parseMoney(%q, %s) = %d, %v", c.in, c.cur, got, ok)
		}
	}
}

func TestGuestsSeeTheirPastBills(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", "")
	staff.post(fmt.Sprintf("/staff/visits/%d/payments", visit), url.Values{"method": {"cash"}})
	ada := mustClient(t, ta, "ada@example.com")
	wantBody(t, ada.get("/me/tickets"), "Your visits", "Tonight", "60 min", "£4.80</strong> · paid in cash")
}
