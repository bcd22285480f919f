package handlers

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
	"github.com/clockroom/clockroom/models"
)

// tonight creates a published event that started half an hour ago.
func (ta *testApp) tonight(t testing.TB, v models.Venue, host models.User, capacity int) models.Event {
	t.Helper()
	return ta.startedAgo(t, v, host, capacity, 30*time.Minute)
}

// startedAgo creates a published night of v, four hours long, that started ago.
func (ta *testApp) startedAgo(t testing.TB, v models.Venue, host models.User, capacity int, ago time.Duration) models.Event {
	t.Helper()
	start := time.Now().Add(-ago).Truncate(time.Second)
	id, err := ta.store.CreateEvent(t.Context(), models.NewEvent{VenueID: v.ID, HostID: host.ID, Status: models.EventPublished,
		EventInput: models.EventInput{Title: "Tonight", StartsAt: start, EndsAt: start.Add(4 * time.Hour), Capacity: capacity}})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := ta.store.EventByID(t.Context(), id)
	return e
}

// ticketCode RSVPs u to e and returns the ticket code.
func (ta *testApp) ticket(t testing.TB, e models.Event, u models.User) string {
	t.Helper()
	r, err := ta.store.Reserve(t.Context(), e.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ta.store.Tickets.Code(r.TicketID)
}

func TestBrowserDoorScansWithTheCamera(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	e := ta.tonight(t, v, host, 10)
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	bob := ta.ticket(t, e, ta.user(t, "bob@example.com", models.RoleAttendee))
	_, cy := admitted(t, ta, e, "cy@example.com", time.Now().Add(-time.Hour)) // inside for an hour, no card on file

	ctx := browsertest.New(t, browsertest.FakeCamera(t, ta.ticketURL(ada))...)
	do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
	text := func(sel string) string { t.Helper(); return browsertest.Text(t, ctx, sel) }
	openDoor(t, ctx, ta, e, "host@example.com")

	// The camera sees Ada's ticket: admitted, with her name.
	do(chromedp.WaitVisible(chromedp.CSS(`#result[data-result="admitted"]`)))
	if word, name := text(".result-word"), text(".result-name"); !strings.EqualFold(word, "Admitted") || name != "ada" {
		t.Fatalf("camera scan showed %q for %q", word, name)
	}
	browsertest.Screenshot(t, ctx, "admitted")
	browsertest.FitsWidth(t, ctx)
	// It clears itself, and the camera, still on the ticket, scans it again.
	do(chromedp.WaitVisible(chromedp.CSS(`#result[data-result="already_inside"]`)))
	if word := text(".result-word"); !strings.EqualFold(word, "Already inside") {
		t.Fatalf("second scan: %q", word)
	}
	browsertest.Screenshot(t, ctx, "already-inside")
	browsertest.FitsWidth(t, ctx)

	// Stop the camera. The result covers the page until it clears (and the
	// camera may show a new one meanwhile), so click until the button says
	// the camera has stopped, as a person would.
	for tries := 0; text("#camera-toggle") != "Start camera"; tries++ {
		if tries == 5 {
			t.Fatalf("the camera did not stop: its button says %q", text("#camera-toggle"))
		}
		do(chromedp.WaitNotVisible(chromedp.ID("result")), chromedp.Click(chromedp.ID("camera-toggle")))
	}
	// A keyboard-wedge scanner types Bob's ticket URL and Enter.
	do(chromedp.WaitNotVisible(chromedp.ID("result")),
		chromedp.SendKeys(chromedp.ID("scan-input"), ta.ticketURL(bob)+"\n"),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-result="admitted"]`)))
	if name := text(".result-name"); name != "bob" {
		t.Fatalf("wedge scan admitted %q", name)
	}
	do(browsertest.Until(`document.getElementById('c-inside').textContent === '3'`))

	var visits int
	ta.store.DB.Get(&visits, `SELECT count(*) FROM visits WHERE event_id = $1`, e.ID)
	if visits != 3 {
		t.Fatalf("%d visits, want 3", visits)
	}
	if got := text(".count-line"); got != "3 inside · 0 of 3 seats still to arrive · room 60" {
		t.Fatalf("the door's count: %q", got)
	}

	// Exit mode: Cy leaves with nothing on file, so the door sends them to
	// the counter, in the colour kept for money owed.
	do(chromedp.WaitNotVisible(chromedp.ID("result")), chromedp.Click(chromedp.CSS(`input[name=mode][value=out]`)),
		chromedp.SendKeys(chromedp.ID("scan-input"), cy+"\n"),
		chromedp.WaitVisible(chromedp.CSS(`#result.due[data-result="checked_out"]`)))
	if word, detail := text(".result-word"), text(".result-detail"); !strings.EqualFold(word, "Unpaid") ||
		!strings.Contains(detail, " min · £4.8") || !strings.Contains(detail, "pay at the counter") {
		t.Fatalf("unpaid exit showed %q: %q", word, detail)
	}
	browsertest.Screenshot(t, ctx, "unpaid")
	browsertest.FitsWidth(t, ctx)
	// Scanned out again: the door says so, with the time, not a second bill.
	do(chromedp.Click(chromedp.ID("result")), chromedp.WaitNotVisible(chromedp.ID("result")), // a tap clears it
		chromedp.SendKeys(chromedp.ID("scan-input"), cy+"\n"),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-result="checked_out"]`)))
	if word, detail := text(".result-word"), text(".result-detail"); !strings.EqualFold(word, "Already checked out") || !strings.Contains(detail, "Already checked out at ") {
		t.Fatalf("second exit showed %q: %q", word, detail)
	}
}

// openDoor signs in through the browser and lands on the event's door page.
func openDoor(t testing.TB, ctx context.Context, ta *testApp, e models.Event, email string) {
	t.Helper()
	openDoorAt(t, ctx, ta.srv.URL, e, email)
}

// openDoorAt is openDoor through the server at base (a test's proxy, say).
func openDoorAt(t testing.TB, ctx context.Context, base string, e models.Event, email string) {
	t.Helper()
	signIn(t, ctx, base, email, "/host/events/"+itoa(e.ID)+"/door", "#scan-input")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A guest whose QR and code are not at hand is found by name and admitted
// with one tap; when the room is full, staff admit the next one anyway with
// a reason. The search gives the page RSVP ids, never ticket codes.
func TestBrowserDoorAdmitsAGuestFoundByName(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venueWith(t, 2)
	ta.user(t, "staff@example.com", models.RoleStaff)
	e := ta.tonight(t, v, ta.user(t, "host@example.com", models.RoleHost), 2)
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	bob := ta.ticket(t, e, ta.user(t, "bob@example.com", models.RoleAttendee))

	ctx := browsertest.New(t)
	do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
	text := func(sel string) string { t.Helper(); return browsertest.Text(t, ctx, sel) }
	openDoor(t, ctx, ta, e, "staff@example.com")
	find := func(name string) {
		t.Helper()
		evalJS[bool](t, ctx, `document.querySelector('details.search').open = true`)
		evalJS[string](t, ctx, `document.getElementById('guest-search').value = ''`)
		do(chromedp.SendKeys(chromedp.ID("guest-search"), name),
			chromedp.WaitVisible(chromedp.CSS(`#guest-results button[aria-label="Admit `+name+`"]`)))
		if list := evalJS[string](t, ctx, `document.getElementById('guest-results').outerHTML`); strings.Contains(list, ada) || strings.Contains(list, bob) {
			t.Fatalf("the search result holds a ticket code: %s", list)
		}
		do(chromedp.Click(chromedp.CSS(`#guest-results button[aria-label="Admit ` + name + `"]`)))
	}

	find("ada")
	do(chromedp.WaitVisible(chromedp.CSS(`#result[data-result="admitted"]`)))
	if name := text(".result-name"); name != "ada" {
		t.Fatalf("the name search admitted %q", name)
	}
	// Staff can go on to price the stay for a group or add a pass.
	var adaVisit int64
	ta.store.DB.Get(&adaVisit, `SELECT id FROM visits WHERE event_id = $1`, e.ID)
	if href := evalJS[string](t, ctx, `document.getElementById('result-visit').hidden ? '' : document.getElementById('result-visit').getAttribute('href')`); href != "/staff/visits/"+itoa(adaVisit) {
		t.Fatalf("the link to the stay's page: %q", href)
	}
	do(chromedp.Click(chromedp.ID("result")), chromedp.WaitNotVisible(chromedp.ID("result")))

	// A fire door closes: the room holds one, so Bob is refused until staff
	// say why he comes in anyway.
	ta.store.DB.MustExec(`UPDATE venues SET room_capacity = 1 WHERE id = $1`, v.ID)
	find("bob")
	do(chromedp.WaitVisible(chromedp.CSS(`#result[data-result="room_full"]`)),
		chromedp.Click(chromedp.ID("admit-anyway")), chromedp.WaitVisible(chromedp.ID("override-reason")),
		chromedp.SendKeys(chromedp.ID("override-reason"), "fire door reopened"), chromedp.Click(chromedp.ID("override-admit")),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-result="admitted"]`)))
	if name := text(".result-name"); name != "bob" {
		t.Fatalf("admitted anyway: %q", name)
	}
	var visits int
	ta.store.DB.Get(&visits, `SELECT count(*) FROM visits WHERE event_id = $1`, e.ID)
	if visits != 2 {
		t.Fatalf("%d visits, want Ada's and Bob's", visits)
	}
	var reason string
	ta.store.DB.Get(&reason, `SELECT detail->>'reason' FROM audit_log WHERE action = 'door.admit_over_limit'`)
	if reason != "fire door reopened" {
		t.Fatalf("the override was not audited: %q", reason)
	}
}
