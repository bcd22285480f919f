package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
	"github.com/clockroom/clockroom/models"
)

// evalJS is the value of a JavaScript expression in the page.
func evalJS[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// The door on a phone is a kiosk: no site navigation, the screen kept on,
// the counts against both limits, walk-ins kept out of the seats held for
// ticket holders, a ticket's short code typed in, and staff admitting over
// the room's limit with a reason.
func TestBrowserKioskDoorOnAPhone(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venueWith(t, 4)
	ta.user(t, "staff@example.com", models.RoleStaff)
	e := ta.startedAgo(t, v, ta.user(t, "host@example.com", models.RoleHost), 10, 5*time.Minute)
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	bobID, _ := ta.store.Tickets.Verify(ta.ticket(t, e, ta.user(t, "bob@example.com", models.RoleAttendee)))
	cy := ta.ticket(t, e, ta.user(t, "cy@example.com", models.RoleAttendee))
	bob, err := ta.store.TicketByID(t.Context(), bobID)
	if err != nil {
		t.Fatal(err)
	}
	until := e.ReleaseAt().In(v.Location()).Format("15:04")

	ctx := browsertest.NewAt(t, browsertest.Phone, browsertest.FakeCamera(t, ta.ticketURL(ada))...)
	do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
	text := func(sel string) string { t.Helper(); return browsertest.Text(t, ctx, sel) }
	openDoor(t, ctx, ta, e, "staff@example.com")

	// The camera admits Ada at once.
	do(chromedp.WaitVisible(chromedp.CSS(`#result[data-result="admitted"]`)))
	browsertest.Screenshot(t, ctx, "admitted")
	browsertest.FitsWidth(t, ctx)
	for tries := 0; text("#camera-toggle") != "Start camera"; tries++ {
		if tries == 5 {
			t.Fatalf("the camera did not stop: %q", text("#camera-toggle"))
		}
		do(chromedp.WaitNotVisible(chromedp.ID("result")), chromedp.Click(chromedp.ID("camera-toggle")))
	}
	do(chromedp.WaitNotVisible(chromedp.ID("result")))

	// A kiosk: no site navigation, no sign-out button to tap by mistake.
	if evalJS[int](t, ctx, `document.querySelectorAll('nav[aria-label="Main"], form[action="/logout"]').length`) != 0 {
		t.Fatal("the door shows the site's navigation")
	}
	// The screen stays on while the door is open.
	do(browsertest.Until(`document.getElementById('door').dataset.awake === 'yes'`))
	do(browsertest.Until(`document.getElementById('c-inside').textContent === '1'`))
	if got := text(".count-line"); got != "1 inside · 2 of 3 seats still to arrive · room 4" {
		t.Fatalf("the count: %q", got)
	}
	if got := text(".count-more"); got != "2 seats held for ticket holders until "+until+" · 0 walk-ins" {
		t.Fatalf("the held seats: %q", got)
	}

	// Room 4: Ada inside and two seats held, so one walk-in, not two.
	walkIn := func(name string) {
		t.Helper()
		evalJS[bool](t, ctx, `document.querySelector('details.walkin').open = true`)
		evalJS[string](t, ctx, `document.getElementById('walkin-name').value = ''`)
		do(chromedp.SendKeys(chromedp.ID("walkin-name"), name),
			chromedp.Click(chromedp.CSS(`#walkin-form button[type=submit]`)))
	}
	walkIn("Wanda")
	do(chromedp.WaitVisible(chromedp.CSS(`#result[data-result="admitted"]`)), chromedp.Click(chromedp.ID("result")), chromedp.WaitNotVisible(chromedp.ID("result")))
	walkIn("Walt")
	do(browsertest.Until(`document.getElementById('walkin-error').textContent !== ''`))
	if got := text("#walkin-error"); got != "No place for walk-ins: 2 inside, and 2 seats are held for ticket holders until "+until+". Staff can admit anyway with a reason." {
		t.Fatalf("a walk-in into a held seat: %q", got)
	}
	browsertest.Screenshot(t, ctx, "held-seats")
	browsertest.FitsWidth(t, ctx)

	// Bob's QR won't scan: his short code, typed as people do, lets him in.
	code := strings.ToLower(bob.ShortCode[:3] + " " + bob.ShortCode[3:])
	do(chromedp.SendKeys(chromedp.ID("scan-input"), code+"\n"),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-result="admitted"]`)))
	if name := text(".result-name"); name != "bob" {
		t.Fatalf("the short code admitted %q", name)
	}
	do(chromedp.Click(chromedp.ID("result")), chromedp.WaitNotVisible(chromedp.ID("result")))

	// The room is made smaller (a fire door closed): Cy, confirmed, is
	// refused, and staff admit him with a reason.
	ta.store.DB.MustExec(`UPDATE venues SET room_capacity = 3 WHERE id = $1`, v.ID)
	do(chromedp.SendKeys(chromedp.ID("scan-input"), cy+"\n"),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-result="room_full"]`)))
	if word, detail := text(".result-word"), text(".result-detail"); !strings.EqualFold(word, "Room full") || detail != "The room is full: 3 inside, and the limit is 3." {
		t.Fatalf("a ticket holder at the limit: %q %q", word, detail)
	}
	browsertest.Screenshot(t, ctx, "room-full")
	browsertest.FitsWidth(t, ctx)
	do(chromedp.Click(chromedp.ID("admit-anyway")), chromedp.WaitVisible(chromedp.ID("override-reason")))
	// An empty reason admits nobody.
	do(chromedp.Click(chromedp.ID("override-admit")), browsertest.Until(`document.getElementById('override-dialog').open`))
	browsertest.Screenshot(t, ctx, "override-reason")
	browsertest.FitsWidth(t, ctx)
	do(chromedp.SendKeys(chromedp.ID("override-reason"), "his sister is inside and leaving now"),
		chromedp.Click(chromedp.ID("override-admit")),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-result="admitted"]`)))
	var reason string
	ta.store.DB.Get(&reason, `SELECT detail->>'reason' FROM audit_log WHERE action = 'door.admit_over_limit'`)
	if reason != "his sister is inside and leaving now" {
		t.Fatalf("the override's audit: %q", reason)
	}
	var inside int
	ta.store.DB.Get(&inside, `SELECT count(*) FROM visits WHERE checked_out_at IS NULL`)
	if inside != 4 {
		t.Fatalf("%d inside, want 3 and the one staff let in", inside)
	}

	// The narrowest phone: nothing sideways, the result word whole.
	small := browsertest.NewAt(t, browsertest.SmallPhone)
	openDoor(t, small, ta, e, "staff@example.com")
	browsertest.Do(t, small, chromedp.SendKeys(chromedp.ID("scan-input"), ada+"\n"),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-result="already_inside"]`)))
	browsertest.Screenshot(t, small, "already-inside-320")
	browsertest.FitsWidth(t, small)
	if evalJS[bool](t, small, `(() => { const w = document.querySelector('.result-word'); return w.scrollWidth > w.clientWidth; })()`) {
		t.Fatal("the result word is cut on a 320 px phone")
	}

	// A laptop at the door: the same kiosk, wider.
	laptop := browsertest.NewAt(t, browsertest.Laptop)
	openDoor(t, laptop, ta, e, "staff@example.com")
	browsertest.Do(t, laptop, browsertest.Until(`document.getElementById('c-inside').textContent === '4'`))
	browsertest.Screenshot(t, laptop, "laptop")
	browsertest.FitsWidth(t, laptop)
}

// Before the door opens the door page says when it does; a waitlisted
// ticket shows no code to scan, a confirmed one its QR and short code.
func TestBrowserDoorBeforeItOpensAndTickets(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	start := time.Now().Add(3 * time.Hour).Truncate(time.Minute)
	id, err := ta.store.CreateEvent(t.Context(), models.NewEvent{VenueID: v.ID, HostID: host.ID, Status: models.EventPublished,
		EventInput: models.EventInput{Title: "Later", StartsAt: start, EndsAt: start.Add(3 * time.Hour), Capacity: 1}})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := ta.store.EventByID(t.Context(), id)
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	bob := ta.ticket(t, e, ta.user(t, "bob@example.com", models.RoleAttendee))

	ctx := browsertest.NewAt(t, browsertest.SmallPhone)
	text := func(sel string) string { t.Helper(); return browsertest.Text(t, ctx, sel) }
	openDoor(t, ctx, ta, e, "host@example.com")
	opens := start.Add(-models.DoorOpensBefore).In(v.Location()).Format("15:04")
	if got := text("#door-opens"); !strings.HasPrefix(got, "The door opens at "+opens) {
		t.Fatalf("before the door opens: %q", got)
	}
	browsertest.Screenshot(t, ctx, "door-opens")
	browsertest.FitsWidth(t, ctx)

	// Bob is on the waitlist: no QR, no code, his place in line.
	browsertest.Do(t, ctx, chromedp.Navigate(ta.ticketURL(bob)), chromedp.WaitVisible(chromedp.ID("not-valid")))
	if got := text("#not-valid"); !strings.Contains(got, "Not valid for entry yet") || !strings.Contains(got, "#1") {
		t.Fatalf("a waitlisted ticket: %q", got)
	}
	if evalJS[int](t, ctx, `document.querySelectorAll('.qr, #short-code').length`) != 0 {
		t.Fatal("a waitlisted ticket shows a code to scan")
	}
	res, err := http.Get(ta.ticketURL(bob) + "/qr.png")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("a waitlisted ticket's QR image: %d", res.StatusCode)
	}
	browsertest.Screenshot(t, ctx, "ticket-waitlisted")
	browsertest.FitsWidth(t, ctx)

	// Ada's seat is confirmed: her QR, her short code, and until when her
	// seat is held.
	r, _ := ta.store.Tickets.Verify(ada)
	tk, _ := ta.store.TicketByID(t.Context(), r)
	browsertest.Do(t, ctx, chromedp.Navigate(ta.ticketURL(ada)), chromedp.WaitVisible(chromedp.ID("short-code")))
	if got := text("#short-code"); got != tk.ShortCode[:3]+" "+tk.ShortCode[3:] {
		t.Fatalf("the short code shows %q, want %s", got, tk.ShortCode)
	}
	if got := text(".ticket"); !strings.Contains(got, "Your seat is held until "+e.ReleaseAt().In(v.Location()).Format("15:04")) {
		t.Fatalf("the ticket does not say until when the seat is held: %q", got)
	}
	browsertest.Screenshot(t, ctx, "ticket-confirmed")
	browsertest.FitsWidth(t, ctx)
}
