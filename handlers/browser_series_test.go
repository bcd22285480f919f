package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/browsertest"
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
	nights, _ := ta.store.SeriesNights(t.Context(), series, ta.now())
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

	// A member follows it.
	mia := ta.client(t)
	mia.login(member.Email)
	wantStatus(t, mia.post("/series/"+itoa(series)+"/follow", nil), http.StatusSeeOther)
	if mine, n, _ := ta.store.Follows(t.Context(), series, member.ID); !mine || n != 1 {
		t.Fatalf("following: %v, %d", mine, n)
	}
	wantBody(t, mia.get("/series/"+itoa(series)), "Following: stop", "1 follower")
}
