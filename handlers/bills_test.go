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

// A bill left unpaid at the exit is listed for staff until it is collected,
// and can be collected from the list in one click.
func TestStaffBillsListsEveryUnpaidBill(t *testing.T) {
	ta, staff, e := billingSetup(t)
	ada := closedVisit(t, ta, e, "ada@example.com", "")
	bob := closedVisit(t, ta, e, "bob@example.com", stripeapi.FakeCardOK)
	paid := closedVisit(t, ta, e, "cy@example.com", "")
	staff.post(fmt.Sprintf("/staff/visits/%d/payments", paid), url.Values{"method": {"cash"}})
	free, _ := admitted(t, ta, e, "dee@example.com", time.Now().Add(-2*time.Minute)) // inside the grace period
	if _, _, _, err := ta.store.CheckOut(t.Context(), free, 0, ""); err != nil {
		t.Fatal(err)
	}
	inside, _ := admitted(t, ta, e, "eve@example.com", time.Now().Add(-time.Hour))

	res := staff.get("/staff/bills")
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, "2</strong> bills to collect", "£9.60", fmt.Sprintf(`id="bill-%d"`, ada), fmt.Sprintf(`id="bill-%d"`, bob), "Charge card")
	for _, gone := range []int64{paid, free, inside} {
		if strings.Contains(res.body, fmt.Sprintf(`id="bill-%d"`, gone)) {
			t.Fatalf("visit %d is listed, but owes nothing yet", gone)
		}
	}
	if strings.Count(res.body, `value="card_on_file"`) != 1 {
		t.Fatal("only Bob has a card on file to charge")
	}
	wantBody(t, staff.get("/staff/live"), "2</strong> bills to collect")

	csv := staff.get("/staff/bills.csv")
	wantStatus(t, csv, http.StatusOK)
	if lines := strings.Split(strings.TrimSpace(csv.body), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "visit,date,night,guest") ||
		!strings.Contains(lines[1], ",ada,") || !strings.Contains(lines[1], ",60,4.80,GBP,unpaid,") || !strings.HasSuffix(lines[1], " · 60 min × 8p = £4.80") {
		t.Fatalf("bills CSV:\n%s", csv.body)
	}

	// Cash from the list comes back to the list, and the bill leaves it.
	res = staff.post(fmt.Sprintf("/staff/visits/%d/payments", ada), url.Values{"method": {"cash"}, "next": {"/staff/bills"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/bills" {
		t.Fatalf("cash from the list: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res = staff.get("/staff/bills")
	wantBody(t, res, "Recorded: cash, £4.80.", "1</strong> bill to collect")
	// A waiver needs a reason; with one, the list is empty.
	staff.post(fmt.Sprintf("/staff/visits/%d/payments", bob), url.Values{"method": {"waived"}, "next": {"/staff/bills"}})
	wantBody(t, staff.get("/staff/bills"), "Say why the bill is waived", fmt.Sprintf(`id="bill-%d"`, bob))
	staff.post(fmt.Sprintf("/staff/visits/%d/payments", bob), url.Values{"method": {"waived"}, "note": {"regular, on the house"}, "next": {"/staff/bills"}})
	wantBody(t, staff.get("/staff/bills"), "Nothing to collect")
	wantBody(t, staff.get("/staff/live"), "No bills to collect")
}

// The list filters by night, refuses a malformed filter, only returns to
// staff pages, and only staff see it.
func TestStaffBillsFilterAndAccess(t *testing.T) {
	ta, staff, e := billingSetup(t)
	v, _ := ta.store.Venue(t.Context())
	host := mustUser(t, ta, "host@example.com")
	other := ta.tonight(t, v, host, 20)
	ada := closedVisit(t, ta, e, "ada@example.com", "")
	bob := closedVisit(t, ta, other, "bob@example.com", "")

	res := staff.get(fmt.Sprintf("/staff/bills?event=%d", other.ID))
	wantBody(t, res, fmt.Sprintf(`id="bill-%d"`, bob), "1</strong> bill to collect")
	if strings.Contains(res.body, fmt.Sprintf(`id="bill-%d"`, ada)) {
		t.Fatal("the filter shows another night's bill")
	}
	wantStatus(t, staff.get("/staff/bills?event=x"), http.StatusUnprocessableEntity)

	res = staff.post(fmt.Sprintf("/staff/visits/%d/payments", ada), url.Values{"method": {"cash"}, "next": {"https://evil.example/"}})
	if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/staff/visits/%d", ada) {
		t.Fatalf("a foreign next sent staff to %q", loc)
	}

	for _, role := range []models.Role{models.RoleAttendee, models.RoleHost} {
		c, _ := ta.signedIn(t, fmt.Sprintf("%s2@example.com", role), role)
		wantStatus(t, c.get("/staff/bills"), http.StatusForbidden)
		wantStatus(t, c.get("/staff/bills.csv"), http.StatusForbidden)
	}
}
