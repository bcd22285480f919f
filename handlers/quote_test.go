package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/clockroom/clockroom/internal/tariff"
	"github.com/clockroom/clockroom/models"
)

// eveningTariff is acceptance case 1's tariff: 6p a minute, and evening
// (18:00 to 04:00) at evening pence a minute.
func eveningTariff(evening int64) tariff.Tariff {
	return tariff.Tariff{Name: "Standard", Steps: []tariff.Step{{Rate: tariff.Rate{PerMinute: 6}}},
		Windows: []tariff.Window{{Name: "Evening", TimeRange: tariff.TimeRange{Start: tariff.At(18, 0), End: tariff.At(4, 0)},
			Steps: []tariff.Step{{Rate: tariff.Rate{PerMinute: evening}}}}},
		Groups: []tariff.Group{{Name: "Students", PercentOffBP: 2000}}}
}

// standardTariff saves t as the venue's standard tariff, by admin.
func (ta *testApp) standardTariff(t testing.TB, tt tariff.Tariff, admin models.User) {
	t.Helper()
	if _, err := ta.store.SaveTariff(t.Context(), tt, admin.ID); err != nil {
		t.Fatal(err)
	}
	if err := ta.store.SetStandardTariff(t.Context(), tt.Name, admin.ID); err != nil {
		t.Fatal(err)
	}
}

// quote asks GET /staff/quote with the query's pairs.
func (c *client) quote(kv ...string) response {
	c.t.Helper()
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return c.get("/staff/quote?" + q.Encode())
}

// wantRefusal checks an API refusal: its status, the field it names and
// words of its message.
func wantRefusal(t testing.TB, res response, status int, field, words string) {
	t.Helper()
	var e struct{ Error, Field, RequestID string }
	if err := json.Unmarshal([]byte(res.body), &e); err != nil || res.StatusCode != status || e.Field != field || !strings.Contains(e.Error, words) {
		t.Fatalf("%s: %d %s, want %d naming %q with %q", res.Request.URL, res.StatusCode, res.body, status, field, words)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: a refusal as %s", res.Request.URL, ct)
	}
}

// Acceptance case 1 at the counter: 17:40 to 18:25 in London by 6p a
// minute until 18:00 and 8p after is £3.20, explained in two lines, as
// exactly this JSON; the student group pays £2.56 (case 5).
func TestStaffQuoteAnswersTheExplainedBill(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	admin := ta.user(t, "admin@example.com", models.RoleAdmin)
	ta.standardTariff(t, eveningTariff(8), admin)
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)

	res := staff.quote("arrive", "2026-12-08T17:40", "leave", "2026-12-08T18:25")
	wantStatus(t, res, http.StatusOK)
	want := `{"amount":320,"currency":"GBP","tariff":"Standard","lines":[` +
		`{"label":"17:40–18:00 · 20 min × 6p = £1.20","from":"2026-12-08T17:40:00Z","to":"2026-12-08T18:00:00Z","amount":120},` +
		`{"label":"18:00–18:25 · 25 min × 8p = £2.00","from":"2026-12-08T18:00:00Z","to":"2026-12-08T18:25:00Z","amount":200}]}`
	if got := strings.TrimSpace(res.body); got != want {
		t.Fatalf("quote:\n got %s\nwant %s", got, want)
	}
	// In summer the times carry London's offset; a group comes off the total.
	res = staff.quote("arrive", "2026-07-08T17:40", "leave", "2026-07-08T18:25", "group", "Students", "tariff", "Standard")
	var q quoteJSON
	if err := json.Unmarshal([]byte(res.body), &q); err != nil || q.Amount != 256 || len(q.Lines) != 3 ||
		q.Lines[0].From != "2026-07-08T17:40:00+01:00" || q.Lines[2].Label != "Students −20% = -£0.64" || q.Lines[2].From != "" {
		t.Fatalf("a student's quote in summer: %s", res.body)
	}
}

// The quote refuses what it cannot price, naming the field, in the API's
// shape: times that are not times, a departure before the arrival, a stay
// over a week, a tariff or a group that does not exist.
func TestStaffQuoteRefusals(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	admin := ta.user(t, "admin@example.com", models.RoleAdmin)
	ta.standardTariff(t, eveningTariff(8), admin)
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)

	wantRefusal(t, staff.quote("arrive", "tonight", "leave", "2026-12-08T18:25"), http.StatusUnprocessableEntity, "arrive", "like 2026-12-08T17:40")
	wantRefusal(t, staff.quote("arrive", "2026-12-08T17:40"), http.StatusUnprocessableEntity, "leave", "Enter the departure")
	wantRefusal(t, staff.quote("arrive", "2026-12-08T18:25", "leave", "2026-12-08T17:40"), http.StatusUnprocessableEntity, "leave", "after the arrival")
	wantRefusal(t, staff.quote("arrive", "2026-12-01T17:40", "leave", "2026-12-08T17:41"), http.StatusUnprocessableEntity, "leave", "at most 7 days")
	wantRefusal(t, staff.quote("arrive", "2026-12-08T17:40", "leave", "2026-12-08T18:25", "tariff", "Moon"), http.StatusNotFound, "tariff", "no tariff called Moon")
	wantRefusal(t, staff.quote("arrive", "2026-12-08T17:40", "leave", "2026-12-08T18:25", "group", "Pensioners"), http.StatusUnprocessableEntity, "group", "no group called Pensioners")
	// Exactly seven days is a stay the counter may price.
	wantStatus(t, staff.quote("arrive", "2026-12-01T17:40", "leave", "2026-12-08T17:40"), http.StatusOK)
}

// Staff and admins may quote; hosts and attendees may not, and someone
// signed out is told so in JSON, not sent to a sign-in page.
func TestStaffQuoteRoles(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	stay := []string{"arrive", "2026-12-08T17:40", "leave", "2026-12-08T18:25"}
	wantRefusal(t, ta.client(t).quote(stay...), http.StatusUnauthorized, "", "Sign in")
	for _, role := range []models.Role{models.RoleAttendee, models.RoleHost} {
		c, _ := ta.signedIn(t, string(role)+"@example.com", role)
		wantRefusal(t, c.quote(stay...), http.StatusForbidden, "", "cannot")
	}
	for _, role := range []models.Role{models.RoleStaff, models.RoleAdmin} {
		c, _ := ta.signedIn(t, string(role)+"@example.com", role)
		res := c.quote(stay...)
		wantStatus(t, res, http.StatusOK)
		// No standard tariff: the venue's simple price (8p a minute) quotes.
		wantBody(t, res, `"amount":360`, `"tariff":"Standard"`)
	}
}
