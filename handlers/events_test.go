package handlers

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/clockroom/clockroom/models"
)

func TestRSVPAndCancelAreIdempotent(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	e := ta.event(t, v, host, "Small", 1)
	ada, _ := ta.signedIn(t, "ada@example.com", models.RoleAttendee)
	bob, _ := ta.signedIn(t, "bob@example.com", models.RoleAttendee)

	first := ada.rsvp(e.ID)
	if again := ada.rsvp(e.ID); again != first {
		t.Fatalf("double RSVP gave another ticket: %s vs %s", first, again)
	}
	wantBody(t, ada.get(first), "Confirmed — show this at the door", `src="`+first+`/qr.png"`)
	bobTicket := bob.rsvp(e.ID)
	wantBody(t, bob.get(bobTicket), "you are <strong>#1</strong> on the waitlist")
	wantBody(t, bob.get(fmt.Sprintf("/events/%d", e.ID)), "Full", "#1</strong> on the waitlist", "Show my ticket")

	wantStatus(t, ada.post(first+"/cancel", nil), http.StatusSeeOther)
	wantBody(t, ada.get(first), "Your RSVP is cancelled. Your seat has gone to the next person")
	wantStatus(t, ada.post(first+"/cancel", nil), http.StatusSeeOther)
	wantBody(t, ada.get(first), "This ticket was already cancelled.")
	wantBody(t, bob.get(bobTicket), "Confirmed — show this at the door")

	var n int
	ta.store.DB.Get(&n, `SELECT count(*) FROM rsvps WHERE event_id = $1`, e.ID)
	msgs, _ := ta.store.MessagesTo(t.Context(), "bob@example.com")
	if n != 2 || len(msgs) != 2 || msgs[1].Kind != models.MsgPromoted {
		t.Fatalf("%d RSVPs and bob's messages %+v", n, msgs)
	}
}

func TestRSVPNeedsASignIn(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	e := ta.event(t, v, ta.user(t, "host@example.com", models.RoleHost), "Night", 5)
	anon := ta.client(t)
	wantBody(t, anon.get(fmt.Sprintf("/events/%d", e.ID)), "Sign in to RSVP")
	res := anon.post(fmt.Sprintf("/events/%d/rsvp", e.ID), nil)
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/login?next=/events/%d", e.ID) {
		t.Fatalf("redirect %q", loc)
	}
}

func TestTicketCodesAreCheckedEverywhere(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	e := ta.event(t, v, ta.user(t, "host@example.com", models.RoleHost), "Night", 5)
	ada, _ := ta.signedIn(t, "ada@example.com", models.RoleAttendee)
	ticket := ada.rsvp(e.ID)
	code := strings.TrimPrefix(ticket, "/tickets/")
	swap := "A"
	if code[10] == 'A' {
		swap = "B"
	}
	tampered := code[:10] + swap + code[11:]
	for _, bad := range []string{tampered, "random-garbage", strings.Repeat("A", len(code)), ta.storeWithOtherKey().Code(models.NewTicketID())} {
		for _, path := range []string{"/tickets/" + bad, "/tickets/" + bad + "/qr.png"} {
			res := ada.get(path)
			wantStatus(t, res, http.StatusNotFound)
			wantBody(t, res, "not a valid ticket")
		}
		wantStatus(t, ada.post("/tickets/"+bad+"/cancel", nil), http.StatusNotFound)
	}

	// The QR code decodes to the ticket's URL, which holds the code.
	res, err := http.Get(ta.srv.URL + ticket + "/qr.png")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	img, err := png.Decode(res.Body)
	if err != nil {
		t.Fatalf("qr.png is not a PNG: %v", err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	got, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode QR: %v", err)
	}
	if want := ta.cfg.BaseURL.String() + ticket; got.GetText() != want {
		t.Fatalf("QR says %q, want %q", got.GetText(), want)
	}
}

func (ta *testApp) storeWithOtherKey() *models.TicketSigner {
	return models.NewTicketSigner(strings.Repeat("z", 40))
}

func TestNobodyCancelsAnotherPersonsTicket(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	e := ta.event(t, v, host, "Night", 5)
	ada, _ := ta.signedIn(t, "ada@example.com", models.RoleAttendee)
	ticket := ada.rsvp(e.ID)

	eve, _ := ta.signedIn(t, "eve@example.com", models.RoleAttendee)
	otherHost, _ := ta.signedIn(t, "host2@example.com", models.RoleHost)
	for _, c := range []*client{eve, otherHost} {
		res := c.post(ticket+"/cancel", nil)
		wantStatus(t, res, http.StatusForbidden)
		wantBody(t, res, "Only the ticket holder, the host or staff")
	}
	wantBody(t, eve.get(ticket), "Confirmed")
	if strings.Contains(eve.get(ticket).body, "Cancel my seat") {
		t.Fatal("a stranger is offered the cancel button")
	}
	anon := ta.client(t)
	if res := anon.post(ticket+"/cancel", nil); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("anonymous cancel: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// The event's host and staff may cancel, for the guest list.
	hostClient := ta.client(t)
	hostClient.login("host@example.com")
	wantStatus(t, hostClient.post(ticket+"/cancel", nil), http.StatusSeeOther)
	r, _ := ta.store.RSVPFor(t.Context(), e.ID, mustUser(t, ta, "ada@example.com").ID)
	if r.Status != models.RSVPCancelled {
		t.Fatalf("host cancel: %s", r.Status)
	}
}

func mustUser(t testing.TB, ta *testApp, email string) models.User {
	u, err := ta.store.UserByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestListingAndDraftVisibility(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host, _ := ta.signedIn(t, "host@example.com", models.RoleHost)
	hostUser := mustUser(t, ta, "host@example.com")
	listed := ta.event(t, v, hostUser, "Listed night", 2)
	start := time.Now().Add(48 * time.Hour)
	draftID, _ := ta.store.CreateEvent(t.Context(), models.NewEvent{VenueID: v.ID, HostID: hostUser.ID,
		EventInput: models.EventInput{Title: "Secret draft", StartsAt: start, EndsAt: start.Add(time.Hour), Capacity: 3}})
	cancelled := ta.event(t, v, hostUser, "Called off", 3)
	ta.store.CancelEvent(t.Context(), cancelled.ID, hostUser.ID)

	anon := ta.client(t)
	home := anon.get("/")
	wantBody(t, home, "Listed night", "2 spots left")
	for _, hidden := range []string{"Secret draft", "Called off"} {
		if strings.Contains(home.body, hidden) {
			t.Fatalf("%q must not be listed", hidden)
		}
	}
	wantStatus(t, anon.get(fmt.Sprintf("/events/%d", draftID)), http.StatusNotFound)
	guest, _ := ta.signedIn(t, "g@example.com", models.RoleAttendee)
	wantStatus(t, guest.get(fmt.Sprintf("/events/%d", draftID)), http.StatusNotFound)
	wantStatus(t, guest.post(fmt.Sprintf("/events/%d/rsvp", draftID), nil), http.StatusNotFound) // as if it did not exist
	wantBody(t, host.get(fmt.Sprintf("/events/%d", draftID)), "Draft — not listed", "Publish")
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	wantStatus(t, staff.get(fmt.Sprintf("/events/%d", draftID)), http.StatusOK)
	wantBody(t, anon.get(fmt.Sprintf("/events/%d", cancelled.ID)), "This night has been cancelled")

	page := anon.get(fmt.Sprintf("/events/%d", listed.ID))
	wantBody(t, page, `property="og:title" content="Listed night"`, `property="og:url"`, "Hosted by host")
	wantStatus(t, anon.get("/events/not-a-number"), http.StatusNotFound)
	wantStatus(t, anon.get("/events/99999"), http.StatusNotFound)
}

func TestDescriptionCannotInjectHTML(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	start := time.Now().Add(24 * time.Hour)
	id, _ := ta.store.CreateEvent(t.Context(), models.NewEvent{VenueID: v.ID, HostID: host.ID, Status: models.EventPublished,
		EventInput: models.EventInput{Title: `<img src=x onerror=alert(1)>`, Description: "<script>alert('x')</script>\n\n**bold**", StartsAt: start, EndsAt: start.Add(time.Hour), Capacity: 3}})
	page := ta.client(t).get(fmt.Sprintf("/events/%d", id))
	if strings.Contains(page.body, "<script>alert") || strings.Contains(page.body, "<img src=x") {
		t.Fatal("raw HTML from a host reached the page")
	}
	wantBody(t, page, "&lt;script&gt;")
}

func TestCalendarFilesParse(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	e := ta.event(t, v, host, "Calendar night", 5)
	gone := ta.event(t, v, host, "Gone night", 5)
	ta.store.CancelEvent(t.Context(), gone.ID, host.ID)
	c := ta.client(t)

	one := c.get(fmt.Sprintf("/events/%d.ics", e.ID))
	wantStatus(t, one, http.StatusOK)
	if ct := one.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Fatalf("content type %q", ct)
	}
	cal := parseICS(t, one.body)
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	start, _ := evs[0].DateTimeStart(time.UTC)
	end, _ := evs[0].DateTimeEnd(time.UTC)
	uid, _ := evs[0].Props.Text(ical.PropUID)
	if !start.Equal(e.StartsAt) || !end.Equal(e.EndsAt) {
		t.Fatalf("times %v–%v, want %v–%v", start, end, e.StartsAt, e.EndsAt)
	}
	if again := parseICS(t, c.get(fmt.Sprintf("/events/%d.ics", e.ID)).body); mustText(again.Events()[0], ical.PropUID) != uid {
		t.Fatal("the UID must be stable")
	}

	feed := parseICS(t, c.get("/events.ics").body)
	status := map[string]string{}
	for _, ev := range feed.Events() {
		status[mustText(ev, ical.PropSummary)] = mustText(ev, ical.PropStatus)
	}
	if status["Calendar night"] != "CONFIRMED" || status["Gone night"] != "CANCELLED" {
		t.Fatalf("feed statuses %v", status)
	}
}

func parseICS(t testing.TB, body string) *ical.Calendar {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader([]byte(body))).Decode()
	if err != nil {
		t.Fatalf("not valid iCalendar: %v\n%s", err, body)
	}
	return cal
}

func mustText(ev ical.Event, name string) string {
	s, _ := ev.Props.Text(name)
	return s
}
