package handlers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
)

// A guest's ticket explains the bill line by line (6p a minute until 18:00,
// 8p after); they pay it through the test checkout and land back on the
// ticket with what was paid and where the receipt goes; on a phone and a
// laptop.
func TestBrowserExplainedBillPaidFromTheTicket(t *testing.T) {
	for _, size := range []struct {
		name string
		size browsertest.Size
	}{{"phone", browsertest.Phone}, {"laptop", browsertest.Laptop}} {
		t.Run(size.name, func(t *testing.T) {
			ta := newTestApp(t, map[string]string{testRehearsal: "on"})
			e, day := eveningNight(t, ta)
			visit, code := stayed(t, ta, e, "ann@example.com", day(17, 40), day(18, 25))
			lines := []string{"17:40–18:00 · 20 min × 6p = £1.20", "18:00–18:25 · 25 min × 8p = £2.00"}

			ctx := browsertest.NewAt(t, size.size)
			do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
			text := func(sel string) string { t.Helper(); return browsertest.Text(t, ctx, sel) }
			owed := fmt.Sprintf("#owed-%d", visit)
			do(chromedp.Navigate(ta.srv.URL+"/tickets/"+code), chromedp.WaitVisible(chromedp.CSS(owed+" .bill-lines")), browsertest.Loaded())
			if got := text(owed + " .bill-lines"); got != lines[0]+"\n"+lines[1] {
				t.Fatalf("the bill's lines: %q", got)
			}
			if got := text(owed + " .bill-total"); got != "Total £3.20" {
				t.Fatalf("the bill's total: %q", got)
			}
			browsertest.Screenshot(t, ctx, "ticket-to-pay")
			browsertest.FitsWidth(t, ctx)

			do(chromedp.Click(chromedp.CSS(owed+` button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".test-stamp")), browsertest.Loaded())
			browsertest.Screenshot(t, ctx, "test-checkout")
			browsertest.FitsWidth(t, ctx)

			do(chromedp.Click(chromedp.CSS(`button[value="pay"]`)), chromedp.WaitVisible(chromedp.CSS(".flash")), browsertest.Loaded())
			if flash := text(".flash"); flash != "Paid £3.20 — thank you. Your receipt is on its way to ann@example.com." {
				t.Fatalf("back on the ticket: %q", flash)
			}
			stay := fmt.Sprintf("#stay-%d", visit)
			if got := text(stay); !strings.Contains(got, "45 min, £3.20 · paid by phone.") || !strings.Contains(got, lines[0]+"\n"+lines[1]) ||
				!strings.Contains(got, "Total £3.20") {
				t.Fatalf("the paid stay: %q", got)
			}
			if got := text("main"); strings.Contains(got, "To pay") {
				t.Fatalf("the ticket still asks to pay: %q", got)
			}
			browsertest.Screenshot(t, ctx, "ticket-paid")
			browsertest.FitsWidth(t, ctx)
		})
	}
}
