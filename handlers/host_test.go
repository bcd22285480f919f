package handlers

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

const tl = formTimeLayout

func validEventForm() map[string]string {
	start := time.Now().In(london()).Add(72 * time.Hour).Truncate(time.Hour)
	return map[string]string{
		"title": "Tea and Trolley Problems", "description": "Ethics, with biscuits.",
		"starts_at": start.Format(tl), "ends_at": start.Add(2 * time.Hour).Format(tl), "capacity": "12",
	}
}

func london() *time.Location { l, _ := time.LoadLocation("Europe/London"); return l }

func countEvents(t testing.TB, ta *testApp) int {
	var n int
	ta.store.DB.Get(&n, `SELECT count(*) FROM events`)
	return n
}

func TestEventFormValidation(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t) // room capacity 60
	host, _ := ta.signedIn(t, "host@example.com", models.RoleHost)
	past := time.Now().In(london()).Add(-time.Hour).Format(tl)
	base := validEventForm()
	start, _ := time.ParseInLocation(tl, base["starts_at"], london())
	cases := []struct {
		change map[string]string
		field  string
		msg    string
	}{
		{map[string]string{"title": "  "}, "title", "Give the night a title."},
		{map[string]string{"title": "Tea\r\nBEGIN:VEVENT"}, "title", "on one line"},
		{map[string]string{"title": strings.Repeat("t", 121)}, "title", "Keep the title under 120 characters."},
		{map[string]string{"description": strings.Repeat("d", 10001)}, "description", "Keep the description under 10000 characters."},
		{map[string]string{"starts_at": "tomorrow"}, "starts_at", "Enter when the night starts"},
		{map[string]string{"starts_at": past}, "starts_at", "A new night must start in the future."},
		{map[string]string{"ends_at": ""}, "ends_at", "Enter when the night ends."},
		{map[string]string{"ends_at": start.Add(-time.Hour).Format(tl)}, "ends_at", "The night must end after it starts."},
		{map[string]string{"ends_at": start.Add(25 * time.Hour).Format(tl)}, "ends_at", "at most 24 hours"},
		{map[string]string{"capacity": "0"}, "capacity", "Capacity must be a whole number from 1 to 60"},
		{map[string]string{"capacity": "61"}, "capacity", "from 1 to 60 (the room&#39;s limit)"},
		{map[string]string{"capacity": "ten"}, "capacity", "Capacity must be a whole number"},
		{map[string]string{"rsvp_opens_at": "soon"}, "rsvp_opens_at", "Enter a date and time, or leave it empty"},
		{map[string]string{"rsvp_opens_at": start.Add(-time.Hour).Format(tl), "rsvp_closes_at": start.Add(-2 * time.Hour).Format(tl)}, "rsvp_closes_at", "RSVPs must close after they open."},
		{map[string]string{"rsvp_closes_at": start.Add(3 * time.Hour).Format(tl)}, "rsvp_closes_at", "RSVPs cannot close after the night ends."},
		{map[string]string{"rsvp_opens_at": start.Add(time.Hour).Format(tl)}, "rsvp_opens_at", "RSVPs must open before the night starts."},
	}
	for _, tc := range cases {
		f := form()
		for k, v := range base {
			f.Set(k, v)
		}
		for k, v := range tc.change {
			f.Set(k, v)
		}
		f.Set("action", "publish")
		res := host.post("/host/events/new", f)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, tc.msg, `id="f-`+tc.field+`-error"`)
	}
	if n := countEvents(t, ta); n != 0 {
		t.Fatalf("invalid forms wrote %d events", n)
	}

	f := form()
	for k, v := range base {
		f.Set(k, v)
	}
	f.Set("action", "draft")
	res := host.post("/host/events/new", f)
	wantStatus(t, res, http.StatusSeeOther)
	page := host.get(res.Header.Get("Location"))
	wantBody(t, page, "Saved as a draft", "Tea and Trolley Problems", "Draft — not listed")
	e, _ := ta.store.EventByID(t.Context(), 1)
	if !e.StartsAt.Equal(start) || e.Capacity != 12 || e.Status != models.EventDraft {
		t.Fatalf("saved event %+v (start %v)", e, start)
	}
}

func TestEditCapacityRulesAndPromotion(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	e := ta.event(t, v, hostUser, "Growing night", 2)
	for i := range 4 {
		c, _ := ta.signedIn(t, fmt.Sprintf("g%d@example.com", i), models.RoleAttendee)
		c.rsvp(e.ID)
	}
	f := formFromEvent(e, london(), "GBP")
	post := func(capacity string) response {
		return host.post(fmt.Sprintf("/host/events/%d/edit", e.ID), form("title", f.Title, "description", f.Description,
			"starts_at", f.StartsAt, "ends_at", f.EndsAt, "capacity", capacity))
	}
	res := post("1")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "2 people already have confirmed seats, so capacity cannot be lower than 2")
	if ev, _ := ta.store.EventByID(t.Context(), e.ID); ev.Capacity != 2 {
		t.Fatal("a refused edit changed the event")
	}
	wantStatus(t, post("3"), http.StatusSeeOther)
	wantBody(t, host.get(fmt.Sprintf("/events/%d", e.ID)), "Saved. 1 person moved up from the waitlist")
	guests := host.get(fmt.Sprintf("/host/events/%d/guests", e.ID))
	wantBody(t, guests, "g2@example.com", "waitlist #1", "g3@example.com")
}

func TestHostsManageOnlyTheirOwnNights(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	_, owner := ta.signedIn(t, "owner@example.com", models.RoleHost)
	e := ta.event(t, v, owner, "Owner's night", 5)
	other, _ := ta.signedIn(t, "other@example.com", models.RoleHost)
	guest, _ := ta.signedIn(t, "guest@example.com", models.RoleAttendee)
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	f := formFromEvent(e, london(), "GBP")
	edit := form("title", "Hijacked", "starts_at", f.StartsAt, "ends_at", f.EndsAt, "capacity", "5")

	for _, path := range []string{"/edit", "/guests", "/guests.csv"} {
		wantStatus(t, other.get(fmt.Sprintf("/host/events/%d%s", e.ID, path)), http.StatusForbidden)
		wantStatus(t, guest.get(fmt.Sprintf("/host/events/%d%s", e.ID, path)), http.StatusForbidden)
	}
	for _, path := range []string{"/edit", "/cancel", "/publish"} {
		wantStatus(t, other.post(fmt.Sprintf("/host/events/%d%s", e.ID, path), edit), http.StatusForbidden)
		wantStatus(t, guest.post(fmt.Sprintf("/host/events/%d%s", e.ID, path), edit), http.StatusForbidden)
	}
	wantStatus(t, guest.get("/host/events/new"), http.StatusForbidden)
	if ev, _ := ta.store.EventByID(t.Context(), e.ID); ev.Title != "Owner's night" || ev.Status != models.EventPublished {
		t.Fatalf("someone else changed the night: %+v", ev)
	}
	wantStatus(t, staff.post(fmt.Sprintf("/host/events/%d/edit", e.ID), edit), http.StatusSeeOther)
	if ev, _ := ta.store.EventByID(t.Context(), e.ID); ev.Title != "Hijacked" {
		t.Fatal("staff may edit any night")
	}
	wantBody(t, other.get("/host/events"), "My nights")
	if strings.Contains(other.get("/host/events").body, "Hijacked") {
		t.Fatal("a host sees another host's nights in their list")
	}
	wantBody(t, staff.get("/host/events"), "All nights", "Hijacked")
}

func TestCancelEventTellsGuestsAndGuestListCSV(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	e := ta.event(t, v, hostUser, "Doomed night", 1)
	ada, _ := ta.signedIn(t, "ada@example.com", models.RoleAttendee)
	ada.rsvp(e.ID)
	eve, _ := ta.signedIn(t, "=cmd@example.com", models.RoleAttendee)
	eve.rsvp(e.ID)

	csvRes := host.get(fmt.Sprintf("/host/events/%d/guests.csv", e.ID))
	wantStatus(t, csvRes, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(csvRes.body)).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("csv: %v %v", rows, err)
	}
	if strings.Join(rows[0], ",") != "name,email,status,rsvp_at,waitlist_position,checked_in" ||
		rows[1][1] != "ada@example.com" || rows[1][2] != "confirmed" || rows[1][5] != "no" ||
		rows[2][2] != "waitlisted" || rows[2][4] != "1" || rows[2][1] != "'=cmd@example.com" {
		t.Fatalf("csv rows: %v", rows)
	}

	wantStatus(t, host.post(fmt.Sprintf("/host/events/%d/cancel", e.ID), nil), http.StatusSeeOther)
	wantBody(t, host.get(fmt.Sprintf("/events/%d", e.ID)), "The night is cancelled. 2 guests were told by email.")
	for _, email := range []string{"ada@example.com", "=cmd@example.com"} {
		msgs, _ := ta.store.MessagesTo(t.Context(), email)
		if msgs[len(msgs)-1].Kind != models.MsgEventCancelled {
			t.Fatalf("%s was not told", email)
		}
	}
}

func TestOutboxPage(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	e := ta.event(t, v, ta.user(t, "host@example.com", models.RoleHost), "Mail night", 5)
	ada, _ := ta.signedIn(t, "ada@example.com", models.RoleAttendee)
	ada.rsvp(e.ID)
	wantStatus(t, ada.get("/admin/outbox"), http.StatusForbidden)
	admin, _ := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	// Links in messages are credentials of their recipients: hidden here.
	ada.get("/login/email")
	ada.post("/login/email", url.Values{"email": {"ada@example.com"}, "purpose": {"reset"}})
	token := strings.TrimPrefix(lastLink(t, ta, "ada@example.com"), "/reset/")
	code := strings.TrimPrefix(ada.rsvp(e.ID), "/tickets/")
	page := admin.get("/admin/outbox")
	wantBody(t, page, "You&#39;re in: Mail night", "ada@example.com", "kept", "/reset/[hidden]", "/tickets/[hidden]")
	if strings.Contains(page.body, token) || strings.Contains(page.body, code) {
		t.Fatal("the outbox shows a live reset token or ticket code")
	}
}

func TestANightCanHaveItsOwnPrices(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	e := ta.tonight(t, v, hostUser, 10)
	wantBody(t, host.get(fmt.Sprintf("/events/%d", e.ID)), "£0.08 a minute, first 5 minutes free, at least £3.00, at most £24.00 a day")
	f := formFromEvent(e, london(), "GBP")
	edit := form("title", f.Title, "starts_at", f.StartsAt, "ends_at", f.EndsAt, "capacity", "10", "own_tariff", "on",
		"per_minute", "0.05", "grace_minutes", "0", "minimum_charge", "", "daily_cap", "abc")
	res := host.post(fmt.Sprintf("/host/events/%d/edit", e.ID), edit)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Enter an amount like 0.08")
	edit.Set("daily_cap", "10")
	wantStatus(t, host.post(fmt.Sprintf("/host/events/%d/edit", e.ID), edit), http.StatusSeeOther)
	wantBody(t, host.get(fmt.Sprintf("/events/%d", e.ID)), "£0.05 a minute, at most £10.00 a day (this night's own prices)")

	// A stay is billed with the night's prices: 30 minutes at 5p.
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	visit, _ := admitted(t, ta, e, "ada@example.com", now.Add(-30*time.Minute))
	_, b, _, err := ta.store.CheckOut(t.Context(), visit, 0, "")
	if err != nil || b.Amount != 150 {
		t.Fatalf("bill %+v %v", b, err)
	}
	wantBody(t, host.get(fmt.Sprintf("/host/events/%d/edit", e.ID)), `value="0.05"`, `value="10.00"`, "checked")
}

// A host's guest list, its CSV and the door's name search hold no guest's
// ticket code, whatever the guest's state: a code opens the guest's own
// pages. The list still cancels a guest, by RSVP id, on its own night only.
func TestHostScreensShowNoTicketCodes(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	e := ta.tonight(t, v, hostUser, 2)
	var codes []string
	for _, name := range []string{"ada", "abe", "amy", "ann"} { // two confirmed, two waiting
		codes = append(codes, ta.ticket(t, e, ta.user(t, name+"@example.com", models.RoleAttendee)))
	}
	if _, err := ta.store.Scan(t.Context(), models.ScanRequest{EventID: e.ID, TicketID: mustVerify(t, ta, codes[0]),
		Direction: models.ScanIn, Key: "no-codes-ada"}); err != nil {
		t.Fatal(err)
	}
	ann, _ := ta.store.UserByEmail(t.Context(), "ann@example.com")
	annRSVP, _ := ta.store.RSVPFor(t.Context(), e.ID, ann.ID)
	if _, _, err := ta.store.CancelRSVP(t.Context(), annRSVP.ID, ann.ID); err != nil {
		t.Fatal(err)
	}

	list := host.get(fmt.Sprintf("/host/events/%d/guests", e.ID))
	wantStatus(t, list, http.StatusOK)
	wantBody(t, list, "ada@example.com", "ann@example.com")
	csv := host.get(fmt.Sprintf("/host/events/%d/guests.csv", e.ID))
	wantStatus(t, csv, http.StatusOK)
	search := host.get(fmt.Sprintf("/api/v1/events/%d/guests?q=example", e.ID))
	var found []doorGuest
	if err := json.Unmarshal([]byte(search.body), &found); err != nil || len(found) != 4 {
		t.Fatalf("the search found %s (%v)", search.body, err)
	}
	for _, screen := range []response{list, csv, search} {
		for i, code := range codes {
			id := code[:21] // the random id alone, as base64url
			if strings.Contains(screen.body, code) || strings.Contains(screen.body, id) {
				t.Fatalf("%s shows guest %d's ticket code:\n%s", screen.Request.URL.Path, i, screen.body)
			}
		}
	}

	// Cancelling from the list goes by RSVP id, and only on the host's night.
	abe, _ := ta.store.UserByEmail(t.Context(), "abe@example.com")
	abeRSVP, _ := ta.store.RSVPFor(t.Context(), e.ID, abe.ID)
	wantBody(t, list, fmt.Sprintf(`action="/host/events/%d/guests/%d/cancel"`, e.ID, abeRSVP.ID))
	other, otherHost := ta.signedIn(t, "other@example.com", models.RoleHost)
	theirs := ta.tonight(t, v, otherHost, 5)
	wantStatus(t, other.post(fmt.Sprintf("/host/events/%d/guests/%d/cancel", theirs.ID, abeRSVP.ID), nil), http.StatusNotFound)
	wantStatus(t, other.post(fmt.Sprintf("/host/events/%d/guests/%d/cancel", e.ID, abeRSVP.ID), nil), http.StatusForbidden)
	if r, _ := ta.store.RSVPFor(t.Context(), e.ID, abe.ID); r.Status != models.RSVPConfirmed {
		t.Fatalf("another host cancelled Abe: %s", r.Status)
	}
	res := host.post(fmt.Sprintf("/host/events/%d/guests/%d/cancel", e.ID, abeRSVP.ID), nil)
	wantStatus(t, res, http.StatusSeeOther)
	wantBody(t, host.get(res.Header.Get("Location")), "abe&#39;s RSVP is cancelled. The seat has gone to the next person waiting")
	amy, _ := ta.store.UserByEmail(t.Context(), "amy@example.com")
	if r, _ := ta.store.RSVPFor(t.Context(), e.ID, amy.ID); r.Status != models.RSVPConfirmed {
		t.Fatalf("Amy, first on the waitlist, after Abe was cancelled: %s", r.Status)
	}
	adaRSVP, _ := ta.store.RSVPFor(t.Context(), e.ID, mustUser(t, ta, "ada@example.com").ID)
	res = host.post(fmt.Sprintf("/host/events/%d/guests/%d/cancel", e.ID, adaRSVP.ID), nil)
	wantBody(t, host.get(res.Header.Get("Location")), "ada is inside now")
}

func mustVerify(t testing.TB, ta *testApp, code string) []byte {
	t.Helper()
	id, ok := ta.store.Tickets.Verify(code)
	if !ok {
		t.Fatalf("not a code: %q", code)
	}
	return id
}
