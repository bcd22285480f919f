package handlers

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
	"github.com/clockroom/clockroom/models"
)

func TestBrowserStaffChecksOutAndTakesPaymentByPhone(t *testing.T) {
	ta, _, e := billingSetup(t)
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	admitted(t, ta, e, "ada@example.com", now.Add(-60*time.Minute))

	ctx := browsertest.New(t)
	do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
	text := func(sel string) string { t.Helper(); return browsertest.Text(t, ctx, sel) }
	signIn(t, ctx, ta.srv.URL, "staff@example.com", "/staff/live", "#live table")
	if row := text("#live tbody tr"); !strings.Contains(row, "ada") || !strings.Contains(row, "£4.80") || !strings.Contains(row, "60") {
		t.Fatalf("live row: %q", row)
	}
	browsertest.Screenshot(t, ctx, "live")
	browsertest.FitsWidth(t, ctx)

	do(browsertest.Loaded(), chromedp.Click(chromedp.CSS(`#live form[action$="/checkout"] button`)), chromedp.WaitVisible(chromedp.CSS(".receipt .amount")))
	if flash, amount := text(".flash"), text(".receipt .amount"); !strings.Contains(flash, "ada checked out: 60 minutes, £4.80.") || !strings.HasPrefix(amount, "£4.80") {
		t.Fatalf("after check-out: %q / %q", flash, amount)
	}
	do(browsertest.Loaded(), chromedp.Click(chromedp.CSS(`button[value="pay_by_phone"]`)),
		chromedp.WaitVisible(chromedp.CSS("#phone-pay img")), browsertest.Until(`document.querySelector('#phone-pay img').complete`))
	browsertest.Screenshot(t, ctx, "pay-by-phone")
	browsertest.FitsWidth(t, ctx)

	shot, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("#phone-pay img")))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	got, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the QR on screen does not decode: %v", err)
	}
	ps, _ := ta.store.VisitPayments(t.Context(), 1)
	if len(ps) != 1 || ps[0].Method != models.PayByPhone || got.GetText() != "https://checkout.stripe.test/c/pay/"+*ps[0].CheckoutSession {
		t.Fatalf("the QR says %q; payments %+v", got.GetText(), ps)
	}
}

// When the guest pays on their phone, the staff screen updates by itself.
func TestBrowserPayByPhoneScreenUpdatesWhenPaid(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", "")
	staff.post("/staff/visits/"+itoa(visit)+"/charge", form("method", "pay_by_phone"))
	ps, _ := ta.store.VisitPayments(t.Context(), visit)

	ctx := browsertest.New(t)
	browsertest.Do(t, ctx, chromedp.Navigate(ta.srv.URL+"/login?next=/staff/visits/"+itoa(visit)),
		chromedp.SendKeys(chromedp.ID("f-email"), "staff@example.com"),
		chromedp.SendKeys(chromedp.ID("f-password"), "password-123"),
		browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#phone-pay img")))
	ta.sendWebhook(t, "evt_paid", "checkout.session.completed", map[string]any{"status": "complete", "id": *ps[0].CheckoutSession, "mode": "payment",
		"payment_intent": "pi_phone", "amount_total": 480, "currency": "gbp", "client_reference_id": itoa(ps[0].ID), "payment_status": "paid"}, testWebhookSecret, time.Now())
	browsertest.Do(t, ctx, chromedp.WaitNotPresent(chromedp.CSS("#phone-pay")), chromedp.WaitVisible(chromedp.CSS(".payments")))
	if got := browsertest.Text(t, ctx, ".payments"); !strings.Contains(got, "pay by phone · succeeded") {
		t.Fatalf("after paying: %q", got)
	}
}
