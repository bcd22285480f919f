package handlers

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
	"github.com/clockroom/clockroom/models"
)

// A member proposes a night on a phone; staff ask for a change, the member
// makes it, staff accept with a date; the member is the host of a draft
// night and is told so by email.
func TestBrowserProposeAndAcceptANight(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	member := ta.user(t, "mia@example.com", models.RoleAttendee)
	ta.user(t, "staff@example.com", models.RoleStaff)
	ctx := browsertest.NewAt(t, browsertest.Phone)
	do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
	text := func(sel string) string { t.Helper(); return browsertest.Text(t, ctx, sel) }
	submit := func(form string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.CSS(`form[action="` + form + `"] button[type=submit]`))
	}

	// From her tickets page, Mia proposes a night; an empty description is
	// refused next to its field, and what she typed is kept.
	signIn(t, ctx, ta.srv.URL, member.Email, "/me/tickets", ".host-a-night")
	do(chromedp.Click(chromedp.CSS(`.host-a-night a[href="/proposals/new"]`)), chromedp.WaitVisible(chromedp.ID("f-title")),
		chromedp.SendKeys(chromedp.ID("f-title"), "Stoic breakfast"),
		chromedp.SendKeys(chromedp.ID("f-preferred_dates"), "Saturday mornings"),
		browsertest.Loaded(), submit("/proposals/new"), chromedp.WaitVisible(chromedp.ID("f-description-error")))
	if got := text("#f-description-error"); !strings.Contains(got, "Say what the night is about") {
		t.Fatalf("an empty description: %q", got)
	}
	browsertest.Screenshot(t, ctx, "proposal-error")
	browsertest.FitsWidth(t, ctx)
	do(chromedp.SendKeys(chromedp.ID("f-description"), "Reading Seneca over toast, and talking about it."),
		browsertest.Loaded(), submit("/proposals/new"), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := text(".flash"); !strings.Contains(got, "your proposal is with staff") {
		t.Fatalf("after proposing: %q", got)
	}
	if got := text(".proposal-status"); got != "with staff" {
		t.Fatalf("her proposal's status: %q", got)
	}

	// Staff find it from All nights, and ask for a change.
	staff := browsertest.NewAt(t, browsertest.Phone)
	sdo := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, staff, actions...) }
	signIn(t, staff, ta.srv.URL, "staff@example.com", "/host/events", "#proposals-link")
	if got := browsertest.Text(t, staff, "#proposals-link"); !strings.Contains(got, "1 waiting") {
		t.Fatalf("the proposals link: %q", got)
	}
	sdo(chromedp.Click(chromedp.ID("proposals-link")), chromedp.WaitVisible(chromedp.CSS("article.proposal")))
	browsertest.Screenshot(t, staff, "staff-proposals")
	browsertest.FitsWidth(t, staff)
	id := evalJS[string](t, staff, `document.querySelector('article.proposal').id`)
	pid := strings.TrimPrefix(id, "proposal-")
	sdo(chromedp.Click(chromedp.CSS("#"+id+" details:nth-of-type(2) summary")),
		chromedp.SendKeys(chromedp.ID("msg-"+pid), "Could it start at 10, after the market?"),
		browsertest.Loaded(), chromedp.Click(chromedp.CSS(`#`+id+` button[value=changes]`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := browsertest.Text(t, staff, ".flash"); !strings.Contains(got, "Asked for changes") {
		t.Fatalf("after asking for changes: %q", got)
	}

	// Mia sees the question, and changes the proposal.
	do(chromedp.Navigate(ta.srv.URL+"/me/proposals"), chromedp.WaitVisible(chromedp.CSS(".proposal-status")))
	if got := text("#" + id); !strings.Contains(got, "staff asked for changes") || !strings.Contains(got, "after the market?") {
		t.Fatalf("her proposal after the question: %q", got)
	}
	do(chromedp.Click(chromedp.CSS(`a[href="/proposals/`+pid+`/edit"]`)), chromedp.WaitVisible(chromedp.ID("f-preferred_dates")))
	evalJS[string](t, ctx, `document.getElementById('f-preferred_dates').value = ''`)
	do(chromedp.SendKeys(chromedp.ID("f-preferred_dates"), "Saturdays at 10"),
		browsertest.Loaded(), submit("/proposals/"+pid+"/edit"), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := text(".proposal-status"); got != "with staff" {
		t.Fatalf("after her changes: %q", got)
	}

	// Staff accept it with the date suggested (a week on) and 14 seats.
	sdo(chromedp.Navigate(ta.srv.URL+"/staff/proposals"), chromedp.WaitVisible(chromedp.CSS("#"+id)),
		chromedp.Click(chromedp.CSS("#"+id+" details:nth-of-type(1) summary")))
	evalJS[string](t, staff, `document.getElementById('cap-`+pid+`').value = '14'`)
	sdo(browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action="/staff/proposals/`+pid+`/accept"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := browsertest.Text(t, staff, ".flash"); !strings.Contains(got, "Accepted: the member hosts this night") {
		t.Fatalf("after accepting: %q", got)
	}
	browsertest.Screenshot(t, staff, "accepted")
	browsertest.FitsWidth(t, staff)
	var e models.Event
	if err := ta.store.DB.Get(&e.ID, `SELECT id FROM events WHERE host_id = $1`, member.ID); err != nil {
		t.Fatalf("no night hosted by the member: %v", err)
	}
	e, _ = ta.store.EventByID(t.Context(), e.ID)
	if e.Status != models.EventDraft || e.Capacity != 14 || e.Title != "Stoic breakfast" {
		t.Fatalf("the night made: %+v", e)
	}
	ms, _ := ta.store.MessagesTo(t.Context(), member.Email)
	if len(ms) == 0 || ms[len(ms)-1].Kind != models.MsgProposalAccepted {
		t.Fatalf("the member's last email: %+v", ms)
	}

	// Mia is a host now: her proposal links to her night's form, and My
	// nights lists it.
	do(chromedp.Navigate(ta.srv.URL+"/me/proposals"), chromedp.WaitVisible(chromedp.CSS(`a[href="/host/events/`+itoa(e.ID)+`/edit"]`)))
	browsertest.Screenshot(t, ctx, "my-proposals")
	browsertest.FitsWidth(t, ctx)
	do(chromedp.Navigate(ta.srv.URL+"/host/events"), chromedp.WaitVisible(chromedp.CSS(`a[href="/events/`+itoa(e.ID)+`"]`)))
}
