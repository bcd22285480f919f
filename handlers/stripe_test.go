package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/clockroom/clockroom/internal/stripeapi"
	"github.com/clockroom/clockroom/models"
)

// sendWebhook posts a Stripe event signed as Stripe would, at signedAt.
func (ta *testApp) sendWebhook(t testing.TB, id, typ string, object any, secret string, signedAt time.Time) (int, map[string]any) {
	t.Helper()
	obj, _ := json.Marshal(object)
	payload := []byte(fmt.Sprintf(`{"id":%q,"object":"event","api_version":"2023-10-16","type":%q,"data":{"object":%s}}`, id, typ, obj))
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: signedAt})
	req, _ := http.NewRequest(http.MethodPost, ta.srv.URL+"/webhooks/stripe", bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("Stripe-Signature", signed.Header)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body
}

// closedVisit admits a guest (with pm saved as their card, if any) 60
// minutes ago and checks them out: a bill of £4.80.
func closedVisit(t testing.TB, ta *testApp, e models.Event, email, pm string) int64 {
	t.Helper()
	in := time.Now().Add(-60 * time.Minute)
	visit, _ := admitted(t, ta, e, email, in)
	if _, _, _, err := ta.store.At(in.Add(60*time.Minute)).CheckOut(t.Context(), visit, 0, ""); err != nil {
		t.Fatal(err)
	}
	if pm != "" { // saved after they left, so staff charge it by hand
		saveTestCard(t, ta, email, pm)
	}
	return visit
}

func saveTestCard(t testing.TB, ta *testApp, email, pm string) {
	u := mustUser(t, ta, email)
	ta.store.DB.MustExec(`UPDATE users SET stripe_customer_id = $2, stripe_payment_method = $3, card_label = 'visa •••• 4242' WHERE id = $1`, u.ID, "cus_"+u.Name, pm)
}

func billingSetup(t testing.TB) (*testApp, *client, models.Event) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	_, host := ta.signedIn(t, "host@example.com", models.RoleHost)
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	return ta, staff, ta.tonight(t, v, host, 20)
}

func TestSaveACardThroughStripe(t *testing.T) {
	ta, _, _ := billingSetup(t)
	guest, u := ta.signedIn(t, "ada@example.com", models.RoleAttendee)
	wantBody(t, guest.get("/me/tickets"), "Save a card")
	res := guest.post("/me/card", nil)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "https://checkout.stripe.test/") {
		t.Fatalf("save card: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	guest.post("/me/card", nil) // a second try reuses the customer
	card, _ := ta.store.CardFor(t.Context(), u.ID)
	if card.Customer == nil || card.HasCard() {
		t.Fatalf("customer but no card yet: %+v", card)
	}
	st, _ := ta.sendWebhook(t, "evt_setup_1", "checkout.session.completed",
		map[string]any{"id": "cs_setup_1", "mode": "setup", "customer": *card.Customer, "setup_intent": "seti_1", "client_reference_id": fmt.Sprint(u.ID)},
		testWebhookSecret, time.Now())
	if st != http.StatusOK {
		t.Fatalf("webhook %d", st)
	}
	wantBody(t, guest.get("/me/tickets"), "Your card on file: <strong>visa •••• 4242</strong>", "Replace my card")
}

func TestCardOnFilePaths(t *testing.T) {
	ta, staff, e := billingSetup(t)
	ok := closedVisit(t, ta, e, "ok@example.com", stripeapi.FakeCardOK)
	declined := closedVisit(t, ta, e, "no@example.com", stripeapi.FakeCardDeclined)
	auth := closedVisit(t, ta, e, "sca@example.com", stripeapi.FakeCard3DSecure)
	walkIn, _ := ta.store.At(time.Now().Add(-time.Hour)).WalkIn(t.Context(), models.WalkInRequest{EventID: e.ID, Name: "Walt"})
	ta.store.CheckOut(t.Context(), walkIn.ID, 0, "")

	charge := func(visit int64) response {
		return staff.post(fmt.Sprintf("/staff/visits/%d/charge", visit), url.Values{"method": {"card_on_file"}})
	}
	charge(ok)
	wantBody(t, staff.get(fmt.Sprintf("/staff/visits/%d", ok)), "Paid by card: £4.80", "£4.80</strong> · card on file · succeeded")

	charge(declined)
	page := staff.get(fmt.Sprintf("/staff/visits/%d", declined))
	wantBody(t, page, "The card payment did not go through: Your card was declined.", "card on file · failed", "Take payment")
	staff.post(fmt.Sprintf("/staff/visits/%d/payments", declined), url.Values{"method": {"cash"}})
	wantBody(t, staff.get(fmt.Sprintf("/staff/visits/%d", declined)), "cash · succeeded")

	charge(auth)
	wantBody(t, staff.get(fmt.Sprintf("/staff/visits/%d", auth)), "needs the guest to confirm", "card on file · failed")

	charge(walkIn.ID)
	wantBody(t, staff.get(fmt.Sprintf("/staff/visits/%d", walkIn.ID)), "This guest has no card on file")
	if n := ta.fake.ChargesMade(); n != 1 {
		t.Fatalf("%d successful charges, want 1", n)
	}
}

func TestTenConcurrentChargesChargeOnce(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", stripeapi.FakeCardOK)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			staff.post(fmt.Sprintf("/staff/visits/%d/charge", visit), url.Values{"method": {"card_on_file"}})
		})
	}
	wg.Wait()
	ps, _ := ta.store.VisitPayments(t.Context(), visit)
	if len(ps) != 1 || ps[0].Status != models.PaymentSucceeded || ta.fake.Calls != 1 || ta.fake.ChargesMade() != 1 {
		t.Fatalf("%d payments %+v; %d Stripe calls, %d charges", len(ps), ps, ta.fake.Calls, ta.fake.ChargesMade())
	}
}

func TestReconcilerFinishesAChargeInterruptedAfterCommit(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", stripeapi.FakeCardOK)
	ta.fake.FailNext(1) // Stripe unreachable right after the row is committed
	staff.post(fmt.Sprintf("/staff/visits/%d/charge", visit), url.Values{"method": {"card_on_file"}})
	wantBody(t, staff.get(fmt.Sprintf("/staff/visits/%d", visit)), "Stripe did not answer. The payment is pending", "card on file · pending")
	later := time.Now().Add(time.Minute)
	for range 2 { // two instances, or two rounds
		if _, err := ta.engine.At(later).Reconcile(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	ps, _ := ta.store.VisitPayments(t.Context(), visit)
	if len(ps) != 1 || ps[0].Status != models.PaymentSucceeded || ps[0].PaymentIntent == nil || ta.fake.ChargesMade() != 1 {
		t.Fatalf("after reconciling: %+v, %d charges", ps, ta.fake.ChargesMade())
	}
}

func TestStripeWebhooks(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", stripeapi.FakeCardOK)
	p, err := ta.store.CreatePayment(t.Context(), models.NewPayment{VisitID: visit, Method: models.PayCardOnFile})
	if err != nil {
		t.Fatal(err)
	}
	intent := func(amount int64, currency, status string) map[string]any {
		return map[string]any{"id": "pi_1", "status": status, "amount": amount, "amount_received": amount, "currency": currency, "metadata": map[string]string{"clockroom_payment_id": fmt.Sprint(p.ID)}}
	}
	status := func() models.Payment { q, _ := ta.store.PaymentByID(t.Context(), p.ID); return q }

	for name, c := range map[string]struct {
		secret string
		at     time.Time
	}{"unsigned": {"", time.Now()}, "wrong secret": {"whsec_wrong", time.Now()}, "stale": {testWebhookSecret, time.Now().Add(-10 * time.Minute)},
		"from the future": {testWebhookSecret, time.Now().Add(time.Hour)}} {
		if st, _ := ta.sendWebhook(t, "evt_bad_"+name, "payment_intent.succeeded", intent(480, "gbp", "succeeded"), c.secret, c.at); st != http.StatusBadRequest {
			t.Fatalf("%s webhook: %d", name, st)
		}
	}
	if status().Status != models.PaymentPending {
		t.Fatal("a rejected webhook changed the payment")
	}

	// Wrong amount: flagged, not paid.
	ta.sendWebhook(t, "evt_mismatch", "payment_intent.succeeded", intent(99, "gbp", "succeeded"), testWebhookSecret, time.Now())
	if q := status(); q.Status != models.PaymentPending || !q.NeedsAttention {
		t.Fatalf("amount mismatch: %+v", q)
	}
	// The right one, then a replay of it, then a late failure: paid once, stays paid.
	for i, evt := range []string{"evt_ok", "evt_ok"} {
		st, body := ta.sendWebhook(t, evt, "payment_intent.succeeded", intent(480, "gbp", "succeeded"), testWebhookSecret, time.Now())
		if st != http.StatusOK || body["duplicate"] != (i == 1) {
			t.Fatalf("delivery %d: %d %v", i, st, body)
		}
	}
	ta.sendWebhook(t, "evt_late_fail", "payment_intent.payment_failed", intent(480, "gbp", "requires_payment_method"), testWebhookSecret, time.Now())
	if q := status(); q.Status != models.PaymentSucceeded || q.PaymentIntent == nil || *q.PaymentIntent != "pi_1" {
		t.Fatalf("after success, replay and a late failure: %+v", q)
	}
	var events int
	ta.store.DB.Get(&events, `SELECT count(*) FROM stripe_events`)
	if events != 3 {
		t.Fatalf("%d events stored, want 3 distinct", events)
	}
	// A refund in Stripe's dashboard reaches us.
	ta.sendWebhook(t, "evt_refund", "charge.refunded", map[string]any{"id": "ch_1", "payment_intent": "pi_1", "amount": 480, "amount_refunded": 200, "currency": "gbp"}, testWebhookSecret, time.Now())
	if q := status(); q.Status != models.PaymentPartiallyRefunded || q.RefundedAmount != 200 {
		t.Fatalf("after charge.refunded: %+v", q)
	}
	if st, _ := ta.sendWebhook(t, "evt_other", "customer.created", map[string]any{"id": "cus_x"}, testWebhookSecret, time.Now()); st != http.StatusOK {
		t.Fatalf("unknown types are acknowledged: %d", st)
	}
	wantBody(t, staff.get(fmt.Sprintf("/staff/visits/%d", visit)), "partially_refunded", "£2.00 refunded")
}

func TestPayByPhone(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", "")
	staff.post(fmt.Sprintf("/staff/visits/%d/charge", visit), url.Values{"method": {"pay_by_phone"}})
	page := staff.get(fmt.Sprintf("/staff/visits/%d", visit))
	wantBody(t, page, "Show the guest the QR code", "Waiting for the guest to pay £4.80")
	ps, _ := ta.store.VisitPayments(t.Context(), visit)
	res, err := staff.http.Get(fmt.Sprintf("%s/staff/payments/%d/qr.png", ta.srv.URL, ps[0].ID))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	got, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil || !strings.HasPrefix(got.GetText(), "https://checkout.stripe.test/c/pay/") || got.GetText() != "https://checkout.stripe.test/c/pay/"+*ps[0].CheckoutSession {
		t.Fatalf("QR says %v (%v), want the Checkout URL", got, err)
	}
	ta.sendWebhook(t, "evt_phone", "checkout.session.completed", map[string]any{"status": "complete", "id": *ps[0].CheckoutSession, "mode": "payment",
		"payment_intent": "pi_phone", "amount_total": 480, "currency": "gbp", "client_reference_id": fmt.Sprint(ps[0].ID), "payment_status": "paid"}, testWebhookSecret, time.Now())
	wantBody(t, staff.get(fmt.Sprintf("/staff/visits/%d", visit)), "pay by phone · succeeded")
}

func TestBillsBelowStripesMinimumOfferCashOrWaive(t *testing.T) {
	ta, staff, e := billingSetup(t)
	ta.store.DB.MustExec(`UPDATE venues SET per_minute = 0, minimum_charge = 20, grace_minutes = 0`)
	visit := closedVisit(t, ta, e, "ada@example.com", stripeapi.FakeCardOK)
	staff.post(fmt.Sprintf("/staff/visits/%d/charge", visit), url.Values{"method": {"card_on_file"}})
	wantBody(t, staff.get(fmt.Sprintf("/staff/visits/%d", visit)), "below the smallest amount a card can be charged")
	if ta.fake.Calls != 0 {
		t.Fatal("Stripe was called for a bill below its minimum")
	}
}

// Pay as you leave: ten staff check-out clicks, and a door exit scan,
// each make one payment and one Stripe call.
func TestCheckOutChargesTheCardOnFileOnce(t *testing.T) {
	ta, staff, e := billingSetup(t)
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	visit, _ := admitted(t, ta, e, "ada@example.com", now.Add(-60*time.Minute))
	saveTestCard(t, ta, "ada@example.com", stripeapi.FakeCardOK)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { staff.post(fmt.Sprintf("/staff/visits/%d/checkout", visit), nil) })
	}
	wg.Wait()
	ta.settle(t)
	ps, _ := ta.store.VisitPayments(t.Context(), visit)
	if len(ps) != 1 || ps[0].Status != models.PaymentSucceeded || ps[0].Amount != 480 || ta.fake.Calls != 1 {
		t.Fatalf("10 check-outs: %+v, %d Stripe calls", ps, ta.fake.Calls)
	}

	_, bobCode := admitted(t, ta, e, "bob@example.com", now.Add(-30*time.Minute))
	saveTestCard(t, ta, "bob@example.com", stripeapi.FakeCardOK)
	for range 2 { // a double scan at the exit
		st, body := staff.apiPost(scanPath(e), map[string]string{"code": bobCode, "direction": "out"})
		if st != http.StatusOK || body["result"] != "checked_out" {
			t.Fatalf("exit scan: %d %v", st, body)
		}
		pay, _ := body["payment"].(map[string]any)
		if !(pay["status"] == "pending" && pay["amount"] == float64(300) && pay["currency"] == "GBP") && !strings.Contains(fmt.Sprint(body["message"]), "Already checked out") {
			t.Fatalf("exit answer: %v", body)
		}
	}
	ta.settle(t)
	if ta.fake.Calls != 2 || ta.fake.ChargesMade() != 2 {
		t.Fatalf("%d Stripe calls, %d charges; want 2 and 2", ta.fake.Calls, ta.fake.ChargesMade())
	}
}

func TestStripeRefundsAreBoundedAndConfirmedByWebhook(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", stripeapi.FakeCardOK)
	staff.post(fmt.Sprintf("/staff/visits/%d/charge", visit), url.Values{"method": {"card_on_file"}})
	ps, _ := ta.store.VisitPayments(t.Context(), visit)
	p := ps[0]
	refund := fmt.Sprintf("/staff/payments/%d/refund", p.ID)
	staff.post(refund, url.Values{"amount": {"5.00"}})
	wantBody(t, staff.get(fmt.Sprintf("/staff/visits/%d", visit)), "A refund cannot be more than what was paid")
	for range 2 { // a double click: the same form, the same request key
		staff.post(refund, url.Values{"amount": {"2.00"}, "note": {"left early"}, "request_key": {"form-key-1"}})
	}
	if got := ta.fake.RefundedFor(*p.PaymentIntent); got != 200 {
		t.Fatalf("Stripe refunded %d, want 200 once", got)
	}
	// Another refund (a new form) is allowed, but only up to what is left.
	staff.post(refund, url.Values{"amount": {"2.81"}, "request_key": {"form-key-2"}})
	wantBody(t, staff.get(fmt.Sprintf("/staff/visits/%d", visit)), "A refund cannot be more than what was paid")
	ta.fake.FailNext(1) // Stripe down: queued, then sent by the reconciler, once
	staff.post(refund, url.Values{"amount": {"1.00"}, "request_key": {"form-key-3"}})
	wantBody(t, staff.get(fmt.Sprintf("/staff/visits/%d", visit)), "queued and will be sent automatically")
	for range 2 {
		ta.engine.At(time.Now().Add(time.Minute)).Reconcile(t.Context())
	}
	if got := ta.fake.RefundedFor(*p.PaymentIntent); got != 300 {
		t.Fatalf("Stripe refunded %d in all, want 300", got)
	}
	if q, _ := ta.store.PaymentByID(t.Context(), p.ID); q.RefundedAmount != 0 {
		t.Fatal("the refund shows before Stripe confirms it")
	}
	ta.sendWebhook(t, "evt_ref", "charge.refunded", map[string]any{"id": "ch_x", "payment_intent": *p.PaymentIntent, "amount": 480, "amount_refunded": 200, "currency": "gbp"}, testWebhookSecret, time.Now())
	wantBody(t, staff.get(fmt.Sprintf("/staff/visits/%d", visit)), "£2.00 refunded", "partially_refunded")
}

func TestHoldAtCheckInThenCaptureOrRelease(t *testing.T) {
	ta, staff, e := billingSetup(t)
	ta.store.DB.MustExec(`UPDATE venues SET hold_at_checkin = true`)
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	scan := func(code, dir string) map[string]any {
		t.Helper()
		st, body := staff.apiPost(scanPath(e), map[string]string{"code": code, "direction": dir})
		if st != http.StatusOK {
			t.Fatalf("scan %s: %d %v", dir, st, body)
		}
		return body
	}
	ticketWithCard := func(email, pm string) string {
		code := ta.ticket(t, e, ta.user(t, email, models.RoleAttendee))
		saveTestCard(t, ta, email, pm)
		return code
	}

	// Held at the door, then exactly the bill captured: 60 minutes, £4.80.
	ada := ticketWithCard("ada@example.com", stripeapi.FakeCardOK)
	if body := scan(ada, "in"); body["result"] != "admitted" {
		t.Fatalf("admit: %v", body)
	}
	ta.settle(t) // the hold is placed off the door's path
	ps, _ := ta.store.VisitPayments(t.Context(), 1)
	if len(ps) != 1 || ps[0].Status != models.PaymentAuthorized || ps[0].Amount != 2400 || ta.fake.Holds != 1 {
		t.Fatalf("after admit: %+v, %d holds", ps, ta.fake.Holds)
	}
	ta.store.SetClock(func() time.Time { return now.Add(60 * time.Minute) })
	if pay := scan(ada, "out")["payment"].(map[string]any); pay["status"] != "pending" || pay["amount"] != float64(480) {
		t.Fatalf("exit: %v", pay)
	}
	ta.settle(t)
	ps, _ = ta.store.VisitPayments(t.Context(), 1)
	if len(ps) != 1 || ps[0].Status != models.PaymentSucceeded || ps[0].Amount != 480 || ta.fake.Captured != 480 || ta.fake.ChargesMade() != 1 {
		t.Fatalf("after exit: %+v; captured %d", ps, ta.fake.Captured)
	}

	// In and out within the free minutes: the hold is released.
	bob := ticketWithCard("bob@example.com", stripeapi.FakeCardOK)
	scan(bob, "in")
	ta.settle(t)
	ta.store.SetClock(func() time.Time { return now.Add(62 * time.Minute) })
	if pay := scan(bob, "out")["payment"].(map[string]any); pay["status"] != "paid" || pay["amount"] != float64(0) {
		t.Fatalf("free stay: %v", pay)
	}
	ta.settle(t)
	if ta.fake.Released != 1 {
		t.Fatalf("%d holds released", ta.fake.Released)
	}

	// A hold that fails still admits, and staff see the flag.
	cy := ticketWithCard("cy@example.com", stripeapi.FakeCardDeclined)
	if body := scan(cy, "in"); body["result"] != "admitted" {
		t.Fatalf("failed hold: %v", body)
	}
	ta.settle(t)
	wantBody(t, staff.get("/staff/live"), "cy", "card hold failed")
}

// The guest paid on their phone but the webhook never came: the reconciler
// finds the paid Checkout Session and settles the payment.
func TestReconcilerSettlesAPhonePaymentWhoseWebhookWasLost(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", "")
	staff.post(fmt.Sprintf("/staff/visits/%d/charge", visit), url.Values{"method": {"pay_by_phone"}})
	ps, _ := ta.store.VisitPayments(t.Context(), visit)
	if _, err := ta.engine.At(time.Now().Add(10 * time.Minute)).Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	if p, _ := ta.store.PaymentByID(t.Context(), ps[0].ID); p.Status != models.PaymentPending {
		t.Fatal("an unpaid page must stay pending")
	}
	ta.fake.CompleteSession(*ps[0].CheckoutSession, 480, "GBP")
	if _, err := ta.engine.At(time.Now().Add(10 * time.Minute)).Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	if p, _ := ta.store.PaymentByID(t.Context(), ps[0].ID); p.Status != models.PaymentSucceeded || p.PaymentIntent == nil {
		t.Fatalf("after the lookup: %+v", p)
	}
}
