package handlers

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
	"github.com/clockroom/clockroom/models"
)

// sizes are the screens every counter page is tried on.
var sizes = []struct {
	name string
	size browsertest.Size
}{{"phone", browsertest.Phone}, {"laptop", browsertest.Laptop}}

// signIn signs email in through the browser and lands on next, waiting for
// the element css shows there.
func signIn(t testing.TB, ctx context.Context, base, email, next, css string) {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.Navigate(base+"/login?next="+url.QueryEscape(next)),
		chromedp.SendKeys(chromedp.ID("f-email"), email),
		chromedp.SendKeys(chromedp.ID("f-password"), "password-123"),
		browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(css)), browsertest.Loaded())
}

// The counter as people use it, on a phone and on a laptop: a guest back
// the same night resumes their bill at the door; a guest pays a bill from
// their ticket through the TEST checkout; a host's price above the venue's
// ceiling is refused next to the field; a guest inside has no cancel button.
func TestBrowserCounter(t *testing.T) {
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			ta := newTestApp(t, map[string]string{testRehearsal: "on"})
			v := ta.venue(t)
			ta.store.DB.MustExec(`UPDATE venues SET max_per_minute = 20, max_daily_cap = 3000`)
			host := ta.user(t, "host@example.com", models.RoleHost)
			e := ta.tonight(t, v, host, 20)
			now := time.Now()
			// Ada came and went: 30 minutes, the £3.00 minimum, unpaid.
			first, ada := admitted(t, ta, e, "ada@example.com", now.Add(-80*time.Minute))
			if _, _, _, err := ta.store.At(now.Add(-50*time.Minute)).CheckOut(t.Context(), first, 0, ""); err != nil {
				t.Fatal(err)
			}
			// Bob is inside.
			_, bob := admitted(t, ta, e, "bob@example.com", now.Add(-20*time.Minute))

			t.Run("re-entry resumes the bill", func(t *testing.T) {
				ctx := browsertest.NewAt(t, size.size)
				do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
				openDoor(t, ctx, ta, e, "host@example.com")
				do(chromedp.SendKeys(chromedp.ID("scan-input"), ada+"\n"), chromedp.WaitVisible(chromedp.CSS(`#result[data-result="admitted"]`)))
				if detail := browsertest.Text(t, ctx, ".result-detail"); !strings.Contains(detail, "Welcome back") || !strings.Contains(detail, "£3.00 from earlier is still to pay") {
					t.Fatalf("re-entry showed %q", detail)
				}
				browsertest.Screenshot(t, ctx, "resumed")
				browsertest.FitsWidth(t, ctx)
				// Out again: what this stay added, the night's total, and the
				// earlier stay still to pay, in the colour kept for money owed.
				do(chromedp.Click(chromedp.ID("result")), chromedp.WaitNotVisible(chromedp.ID("result")),
					chromedp.Click(chromedp.CSS(`input[name=mode][value=out]`)),
					chromedp.SendKeys(chromedp.ID("scan-input"), ada+"\n"),
					chromedp.WaitVisible(chromedp.CSS(`#result.due[data-result="checked_out"]`)))
				if word, detail := browsertest.Text(t, ctx, ".result-word"), browsertest.Text(t, ctx, ".result-detail"); !strings.EqualFold(word, "Unpaid") ||
					!strings.HasPrefix(detail, "Goodbye, ada: ") || !strings.HasSuffix(detail, " min more · £0.00 more · tonight £3.00, £3.00 to pay.") {
					t.Fatalf("the resumed stay's exit showed %q: %q", word, detail)
				}
				browsertest.Screenshot(t, ctx, "resumed-exit")
				browsertest.FitsWidth(t, ctx)
			})

			t.Run("pay now through the test checkout", func(t *testing.T) {
				ctx := browsertest.NewAt(t, size.size)
				do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
				signIn(t, ctx, ta.srv.URL, "ada@example.com", "/me/tickets", fmt.Sprintf("#owed-%d", first))
				browsertest.FitsWidth(t, ctx)
				do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#owed-%d button`, first))), chromedp.WaitVisible(chromedp.CSS(".test-stamp")), browsertest.Loaded())
				if h := browsertest.Text(t, ctx, "h1"); h != "Pay £3.00" {
					t.Fatalf("the test checkout says %q", h)
				}
				browsertest.Screenshot(t, ctx, "test-checkout")
				browsertest.FitsWidth(t, ctx)
				do(chromedp.Click(chromedp.CSS(`button[value="pay"]`)), chromedp.WaitNotPresent(chromedp.CSS(".test-stamp")), browsertest.Loaded())
				if flash := browsertest.Text(t, ctx, ".flash"); flash != "Paid £3.00 — thank you. Your receipt is on its way to ada@example.com." ||
					!strings.Contains(browsertest.Text(t, ctx, "main"), "Ticket for ada") {
					t.Fatalf("after paying, back on the ticket: %q", flash)
				}
				if ps, _ := ta.store.VisitPayments(t.Context(), first); len(ps) != 1 || ps[0].Status != models.PaymentSucceeded || ps[0].Amount != 300 {
					t.Fatalf("after paying on the test checkout: %+v", ps)
				}
				do(chromedp.Navigate(ta.srv.URL+"/me/tickets"), browsertest.Loaded())
				if strings.Contains(browsertest.Text(t, ctx, "main"), "To pay") {
					t.Fatal("the paid bill is still to pay")
				}
			})

			t.Run("a price above the ceiling is refused", func(t *testing.T) {
				ctx := browsertest.NewAt(t, size.size)
				do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
				signIn(t, ctx, ta.srv.URL, "host@example.com", fmt.Sprintf("/host/events/%d/edit", e.ID), "#f-title")
				do(chromedp.Click(chromedp.CSS(`details:has(input[name=own_tariff]) summary`)),
					chromedp.Click(chromedp.CSS(`input[name=own_tariff]`)),
					chromedp.SendKeys(chromedp.ID("f-per_minute"), "5.00"),
					chromedp.SendKeys(chromedp.ID("f-daily_cap"), "20.00"),
					chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
					chromedp.WaitVisible(chromedp.ID("f-per_minute-error")))
				if msg := browsertest.Text(t, ctx, "#f-per_minute-error"); msg != "The venue allows at most £0.20 a minute." {
					t.Fatalf("refused price says %q", msg)
				}
				browsertest.Screenshot(t, ctx, "price-refused")
				browsertest.FitsWidth(t, ctx)
			})

			t.Run("a guest inside cannot cancel", func(t *testing.T) {
				ctx := browsertest.NewAt(t, size.size)
				signIn(t, ctx, ta.srv.URL, "bob@example.com", "/tickets/"+bob, ".meter")
				if page := browsertest.Text(t, ctx, "main"); !strings.Contains(page, "so far") || strings.Contains(page, "Cancel my seat") {
					t.Fatalf("the ticket of a guest inside: %q", page)
				}
				browsertest.Screenshot(t, ctx, "inside-no-cancel")
				browsertest.FitsWidth(t, ctx)
			})
		})
	}
}
