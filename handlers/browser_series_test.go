package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
	"github.com/clockroom/clockroom/models"
)

// A host starts a weekly series on a phone: eight nights open at once; one
// date is edited alone, another skipped; a member follows the series.
func TestBrowserWeeklySeries(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	member := ta.user(t, "mia@example.com", models.RoleAttendee)
	ctx := browsertest.NewAt(t, browsertest.Phone)
	do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
	text := func(sel string) string { t.Helper(); return browsertest.Text(t, ctx, sel) }

	signIn(t, ctx, ta.srv.URL, host.Email, "/host/events", `a[href="/host/series/new"]`)
	do(chromedp.Click(chromedp.CSS(`a[href="/host/series/new"]`)), chromedp.WaitVisible(chromedp.ID("f-title")),
		chromedp.SendKeys(chromedp.ID("f-title"), "How To Be Human"),
		chromedp.SendKeys(chromedp.ID("f-description"), "A conversation about being a person."),
		browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action="/host/series/new"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("series-nights")))
	var series int64
	if err := ta.store.DB.Get(&series, `SELECT id FROM series`); err != nil {
		t.Fatal(err)
	}
	// The first night is a week on, so eight weeks ahead hold seven or
	// eight of them, by the time of day.
	nights, _ := ta.store.SeriesNights(t.Context(), series)
	if len(nights) < 7 {
		t.Fatalf("%d nights made", len(nights))
	}
	if got := text(".flash"); !strings.Contains(got, "Series started: Every ") || !strings.Contains(got, itoa(int64(len(nights)))+" nights are open for RSVPs") {
		t.Fatalf("after starting the series: %q", got)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll('#series-nights li').length`); n != len(nights) {
		t.Fatalf("%d nights listed, want %d", n, len(nights))
	}
	browsertest.Screenshot(t, ctx, "series")
	browsertest.FitsWidth(t, ctx)

	// Edit one date alone: the second night gets a guest speaker.
	do(chromedp.Navigate(ta.srv.URL+"/host/events/"+itoa(nights[1].ID)+"/edit"), chromedp.WaitVisible(chromedp.ID("f-title")))
	evalJS[string](t, ctx, `document.getElementById('f-title').value = ''`)
	do(chromedp.SendKeys(chromedp.ID("f-title"), "How To Be Human, with a guest"),
		browsertest.Loaded(), chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("series-link")))
	do(chromedp.Click(chromedp.ID("series-link")), chromedp.WaitVisible(chromedp.ID("series-nights")))
	if got := text("#series-nights li:nth-child(2)"); !strings.Contains(got, "How To Be Human, with a guest") {
		t.Fatalf("the edited night in the list: %q", got)
	}
	for _, i := range []int{0, 2} {
		if e, _ := ta.store.EventByID(t.Context(), nights[i].ID); e.Title != "How To Be Human" {
			t.Fatalf("night %d changed too: %q", i, e.Title)
		}
	}

	// Skip the third date.
	do(browsertest.Loaded(), chromedp.Click(chromedp.CSS(`#series-nights li:nth-child(3) button`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if e, _ := ta.store.EventByID(t.Context(), nights[2].ID); e.Status != models.EventCancelled {
		t.Fatalf("the skipped night: %s", e.Status)
	}
	do(chromedp.Navigate(ta.srv.URL+"/series/"+itoa(series)), chromedp.WaitVisible(chromedp.ID("series-nights")))
	if got := text("#series-nights li:nth-child(3)"); !strings.Contains(got, "skipped") {
		t.Fatalf("the skipped night in the list: %q", got)
	}
	browsertest.Screenshot(t, ctx, "series-edited")

	// Move every night to come to 20:30, for an hour and a half.
	do(chromedp.Click(chromedp.CSS(`details summary`)), chromedp.WaitVisible(chromedp.ID("f-at")))
	evalJS[string](t, ctx, `document.getElementById('f-at').value = '20:30'`)
	evalJS[string](t, ctx, `document.getElementById('f-minutes').value = '90'`)
	do(browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action$="/edit"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := text(".flash"); !strings.Contains(got, "Saved: the series and its") {
		t.Fatalf("after moving the series: %q", got)
	}
	loc := time.Now().Location()
	if v, err := ta.store.Venue(t.Context()); err == nil {
		loc = v.Location()
	}
	moved, _ := ta.store.SeriesNights(t.Context(), series)
	for i, e := range moved {
		if at := e.StartsAt.In(loc); e.Status != models.EventCancelled && (at.Format("15:04") != "20:30" || e.EndsAt.Sub(e.StartsAt) != 90*time.Minute) {
			t.Fatalf("night %d after the move: %v for %v", i, at, e.EndsAt.Sub(e.StartsAt))
		}
	}
	if got := text("main"); !strings.Contains(got, "at 20:30") {
		t.Fatalf("the series page after the move does not say 20:30: %q", got)
	}
	browsertest.Screenshot(t, ctx, "series-moved")
	browsertest.FitsWidth(t, ctx)
	// A time that is not one is refused, and changes nothing.
	hostClient := ta.client(t)
	hostClient.login(host.Email)
	hostClient.get("/series/" + itoa(series))
	res := hostClient.post("/host/series/"+itoa(series)+"/edit", url.Values{"title": {"How To Be Human"}, "description": {"x"},
		"capacity": {"20"}, "at": {"25:99"}, "minutes": {"90"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Enter the time the nights start, like 19:00.")
	if again, _ := ta.store.SeriesNights(t.Context(), series); again[0].StartsAt != moved[0].StartsAt || again[0].Title != moved[0].Title {
		t.Fatalf("a refused edit changed the first night: %+v", again[0])
	}

	// A member follows it.
	mia := ta.client(t)
	mia.login(member.Email)
	wantStatus(t, mia.post("/series/"+itoa(series)+"/follow", nil), http.StatusSeeOther)
	if mine, n, _ := ta.store.Follows(t.Context(), series, member.ID); !mine || n != 1 {
		t.Fatalf("following: %v, %d", mine, n)
	}
	wantBody(t, mia.get("/series/"+itoa(series)), "Following: stop", "1 follower")
}
