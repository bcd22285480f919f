package handlers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
)

// A guest leaves without paying; staff find the bill from the live page and
// take cash from the list, on a phone and on a laptop.
func TestBrowserUnpaidBillCollectedFromTheList(t *testing.T) {
	for _, size := range []struct {
		name string
		size browsertest.Size
	}{{"phone", browsertest.Phone}, {"laptop", browsertest.Laptop}} {
		t.Run(size.name, func(t *testing.T) {
			ta, _, e := billingSetup(t)
			now := time.Now()
			ta.store.SetClock(func() time.Time { return now })
			visit, _ := admitted(t, ta, e, "ada@example.com", now.Add(-60*time.Minute))

			ctx := browsertest.NewAt(t, size.size)
			do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
			text := func(sel string) string { t.Helper(); return browsertest.Text(t, ctx, sel) }
			signIn(t, ctx, ta.srv.URL, "staff@example.com", "/staff/live", "#live table")
			// Ada leaves with nothing on file: the bill stays to collect.
			do(browsertest.Loaded(), chromedp.Click(chromedp.CSS(`#live form[action$="/checkout"] button`)), chromedp.WaitVisible(chromedp.CSS(".receipt .amount")))
			do(chromedp.Navigate(ta.srv.URL+"/staff/live"), chromedp.WaitVisible(chromedp.ID("bills-link")))
			if link := text("#bills-link"); link != "1 bill to collect" {
				t.Fatalf("live page link: %q", link)
			}
			browsertest.FitsWidth(t, ctx)
			do(browsertest.Loaded(), chromedp.Click(chromedp.ID("bills-link")), chromedp.WaitVisible(chromedp.CSS(".bill-list")))
			bill := fmt.Sprintf("#bill-%d", visit)
			if b := text(bill); !strings.Contains(b, "ada") || !strings.Contains(b, "£4.80") || !strings.Contains(b, "60 min") {
				t.Fatalf("the bill: %q", b)
			}
			browsertest.FitsWidth(t, ctx)
			browsertest.Screenshot(t, ctx, "bills")
			browsertest.FitsWidth(t, ctx)

			do(browsertest.Loaded(), chromedp.Click(chromedp.CSS(bill+` button[value="cash"]`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
			if flash := text(".flash"); !strings.Contains(flash, "Recorded: cash, £4.80.") {
				t.Fatalf("after cash: %q", flash)
			}
			if !strings.Contains(text("main"), "Nothing to collect") {
				t.Fatal("the bill is still listed after cash")
			}
			browsertest.Screenshot(t, ctx, "collected")
			browsertest.FitsWidth(t, ctx)
		})
	}
}
