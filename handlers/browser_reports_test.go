package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
)

// Staff read the demo's reports on a phone and a laptop: the last 30 days by
// default, totals, a night's stays with the unpaid marked, and a date
// range that does not read explained.
func TestBrowserReports(t *testing.T) {
	ta := newTestApp(t, nil)
	if _, err := ta.store.SeedDemo(t.Context(), "password-123"); err != nil {
		t.Fatal(err)
	}
	staff := ta.client(t)
	staff.login("staff@clockroom.test")
	res := staff.get("/staff/reports/community.csv")
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, "returning_rate,0.750,", "active_hosts,2,")
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := browsertest.NewAt(t, size.size)
			text := func(sel string) string { t.Helper(); return browsertest.Text(t, ctx, sel) }
			signIn(t, ctx, ta.srv.URL, "staff@clockroom.test", "/staff/reports", "#report-total")
			if got := text("#report-total"); !strings.HasPrefix(got, "4 nights · 18 came · 8 no-shows · ") || !strings.Contains(got, "unpaid") {
				t.Fatalf("the totals: %q", got)
			}
			// The charts say what the demo's three past nights were: 18 stays,
			// 14 of them an hour to an hour and a half; the cash taken.
			if got := text("#chart-stays table"); !strings.Contains(got, "60–90 min\t14") && !strings.Contains(got, "60–90 min 14") {
				t.Fatalf("the stays chart's table: %q", got)
			}
			if n := evalJS[int](t, ctx, `document.querySelectorAll('.chart svg[role=img] title').length`); n < 4 {
				t.Fatalf("%d charts with a title", n)
			}
			if got := text("#community-figures"); !strings.Contains(got, "75% came again within 60 days (6 of 8 guests)") || !strings.Contains(got, "2 active hosts") {
				t.Fatalf("the community figures: %q", got)
			}
			if got := text("#chart-first table"); !strings.Contains(got, "6 of 6") {
				t.Fatalf("first-time guests: %q", got)
			}
			browsertest.Screenshot(t, ctx, "reports")
			browsertest.FitsWidth(t, ctx)
			// The three past nights, and tonight's, under way.
			if n := evalJS[int](t, ctx, `document.querySelectorAll('.report-table tbody tr').length`); n != 4 {
				t.Fatalf("%d nights in the table", n)
			}
			evalJS[bool](t, ctx, `(() => { [...document.querySelectorAll('.report-table a')].find((a) => a.textContent.includes('strangers')).click(); return true; })()`)
			browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS(".night-visits")))
			if n := evalJS[int](t, ctx, `document.querySelectorAll('.night-visits li.unpaid').length`); n != 8 {
				t.Fatalf("%d unpaid stays marked, want the 8 of last week's night", n)
			}
			browsertest.Screenshot(t, ctx, "night-report")
			browsertest.FitsWidth(t, ctx)
			browsertest.Do(t, ctx, chromedp.Navigate(ta.srv.URL+"/staff/reports?from=yesterday&to="), chromedp.WaitVisible(chromedp.CSS(".form-error")))
			if got := text(".form-error"); !strings.Contains(got, "Enter both dates") {
				t.Fatalf("a range that does not read: %q", got)
			}
		})
	}
}
