package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/stripeapi"
	"github.com/clockroom/clockroom/internal/testkit/testdb"
	"github.com/clockroom/clockroom/models"
)

// With Stripe hanging, the door's exit scan answers from the database while
// the charge is still waiting on Stripe, and pages on the same instance keep
// answering; when the call times out the payment stays pending, and the
// reconciler charges it once when Stripe is back.
func TestHangingStripeNeverHoldsTheDoor(t *testing.T) {
	ta, staff, e := billingSetup(t)
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	_, code := admitted(t, ta, e, "ada@example.com", now.Add(-60*time.Minute))
	saveTestCard(t, ta, "ada@example.com", stripeapi.FakeCardOK)
	ta.fake.Delay(time.Hour) // Stripe accepts the connection and says nothing

	st, body := staff.apiPost(scanPath(e), map[string]string{"code": code, "direction": "out"})
	if st != http.StatusOK || body["result"] != "checked_out" {
		t.Fatalf("exit scan: %d %v", st, body)
	}
	pay, _ := body["payment"].(map[string]any)
	if pay["status"] != "pending" || pay["amount"] != float64(480) || pay["currency"] != "GBP" {
		t.Fatalf("exit payment: %v", body)
	}
	// The charge is still waiting on Stripe after the door has its answer
	// (had the scan waited for it, the call would be over by now).
	waitFor(t, func() bool { return ta.fake.InFlight() == 1 }, "the charge to be waiting on Stripe")
	// Many more requests than any lane has slots, all while Stripe hangs.
	var wg sync.WaitGroup
	codes := make([]int, 3*generalLane)
	for i := range codes {
		wg.Go(func() { // the client's own http.Client: its CSRF scraping is not for concurrent use
			if res, err := staff.http.Get(ta.srv.URL + "/staff/live"); err == nil {
				codes[i] = res.StatusCode
				res.Body.Close()
			}
		})
	}
	wg.Wait()
	for _, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("pages while Stripe hangs: %v", codes)
		}
	}

	ta.settle(t) // the call times out (2 s in tests)
	ps, _ := ta.store.VisitPayments(t.Context(), 1)
	if len(ps) != 1 || ps[0].Status != models.PaymentPending {
		t.Fatalf("after the timeout: %+v", ps)
	}
	ta.fake.Delay(0)
	if _, err := ta.engine.At(time.Now().Add(time.Minute)).Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	ps, _ = ta.store.VisitPayments(t.Context(), 1)
	if ps[0].Status != models.PaymentSucceeded || ta.fake.ChargesMade() != 1 {
		t.Fatalf("after Stripe came back: %+v, %d charges", ps[0], ta.fake.ChargesMade())
	}
}

// Stripe refusing a request for good ends the payment as failed with
// Stripe's message, so staff can take it another way at once.
func TestPermanentStripeErrorFailsThePayment(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", stripeapi.FakeCardOK)
	ta.fake.RefuseNext("No such customer: 'cus_ada'")
	staff.post(fmt.Sprintf("/staff/visits/%d/charge", visit), url.Values{"method": {"card_on_file"}})
	ps, _ := ta.store.VisitPayments(t.Context(), visit)
	if len(ps) != 1 || ps[0].Status != models.PaymentFailed || ps[0].FailureReason == nil || *ps[0].FailureReason != "No such customer: 'cus_ada'" {
		t.Fatalf("payment after a permanent refusal: %+v", ps)
	}
	wantBody(t, staff.get(fmt.Sprintf("/staff/visits/%d", visit)), "No such customer")
	staff.post(fmt.Sprintf("/staff/visits/%d/payments", visit), url.Values{"method": {"cash"}})
	if ps, _ = ta.store.VisitPayments(t.Context(), visit); len(ps) != 2 || ps[1].Status != models.PaymentSucceeded {
		t.Fatalf("cash after a failed card: %+v", ps)
	}
}

// Two instances reconciling at once send every pending payment to Stripe
// exactly once: rows are claimed before any call.
func TestReconcilersOnTwoInstancesClaimTheirRows(t *testing.T) {
	db := testdb.New(t)
	one := newTestAppOn(t, db, nil)
	two := newTestAppOn(t, db, nil)
	two.fake = one.fake
	v := one.venue(t)
	host := one.user(t, "host@example.com", models.RoleHost)
	e := one.tonight(t, v, host, 40)
	const guests = 12
	for i := range guests {
		email := fmt.Sprintf("g%d@example.com", i)
		visit, _ := admitted(t, one, e, email, time.Now().Add(-60*time.Minute))
		saveTestCard(t, one, email, stripeapi.FakeCardOK)
		if _, _, pay, err := one.store.CheckOut(t.Context(), visit, 0, ""); err != nil || pay == nil {
			t.Fatalf("check-out %d: %v %v", i, pay, err)
		}
	}
	// Both instances share one Stripe, so the fake counts every call.
	engineTwo := newEngine(two, one.fake)
	one.fake.Delay(50 * time.Millisecond) // calls overlap, as on a real network
	var wg sync.WaitGroup
	later := time.Now().Add(time.Minute)
	for range 3 {
		wg.Go(func() { one.engine.At(later).Reconcile(t.Context()) })
		wg.Go(func() { engineTwo.At(later).Reconcile(t.Context()) })
	}
	wg.Wait()
	var paid int
	db.Get(&paid, `SELECT count(*) FROM payments WHERE status = 'succeeded'`)
	if paid != guests || one.fake.Calls != guests || one.fake.ChargesMade() != guests {
		t.Fatalf("%d paid, %d Stripe calls, %d charges; want %d each", paid, one.fake.Calls, one.fake.ChargesMade(), guests)
	}
}

// Stripe delivers webhooks late, twice and out of order: a refund total
// only rises to what Stripe holds, and an event about a payment not here yet
// is kept and applied when the reconciler next runs.
func TestWebhooksInAnyOrder(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", stripeapi.FakeCardOK)
	staff.post(fmt.Sprintf("/staff/visits/%d/charge", visit), url.Values{"method": {"card_on_file"}})
	ps, _ := ta.store.VisitPayments(t.Context(), visit)
	pi := *ps[0].PaymentIntent
	refunded := func(id string, total int64) {
		ta.sendWebhook(t, id, "charge.refunded", map[string]any{"id": "ch_1", "payment_intent": pi, "amount": 480, "amount_refunded": total, "currency": "gbp"}, testWebhookSecret, time.Now())
	}
	refunded("evt_r300", 300) // the second refund's event arrives first
	refunded("evt_r100", 100)
	refunded("evt_r300", 300) // and again
	if p, _ := ta.store.PaymentByID(t.Context(), ps[0].ID); p.RefundedAmount != 300 || p.Status != models.PaymentPartiallyRefunded {
		t.Fatalf("after refunds out of order: %d %s", p.RefundedAmount, p.Status)
	}

	// A success for a payment this database does not hold yet (its row is
	// committed a moment later, on another instance).
	other := closedVisit(t, ta, e, "bob@example.com", "")
	next := ps[0].ID + 1
	ta.sendWebhook(t, "evt_early", "payment_intent.succeeded", map[string]any{"id": "pi_early", "status": "succeeded", "amount": 480,
		"amount_received": 480, "currency": "gbp", "metadata": map[string]string{"clockroom_payment_id": fmt.Sprint(next)}}, testWebhookSecret, time.Now())
	var kept int
	ta.store.DB.Get(&kept, `SELECT count(*) FROM stripe_events WHERE applied_at IS NULL`)
	if kept != 1 {
		t.Fatalf("%d events kept, want the early one", kept)
	}
	p, err := ta.store.CreatePayment(t.Context(), models.NewPayment{VisitID: other, Method: models.PayByPhone})
	if err != nil || p.ID != next {
		t.Fatalf("payment %d (want %d): %v", p.ID, next, err)
	}
	ta.fake.Delay(0)
	if _, err := ta.engine.Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	if p, _ = ta.store.PaymentByID(t.Context(), next); p.Status != models.PaymentSucceeded {
		t.Fatalf("the kept event was not applied: %s", p.Status)
	}
}

// A pay-by-phone payment the guest never completes can be abandoned by staff
// (the page is expired at Stripe first), audited, and then paid in cash.
func TestStaffAbandonAPendingPhonePayment(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", "")
	staff.post(fmt.Sprintf("/staff/visits/%d/charge", visit), url.Values{"method": {"pay_by_phone"}})
	staff.post(fmt.Sprintf("/staff/visits/%d/payments", visit), url.Values{"method": {"cash"}})
	if ps, _ := ta.store.VisitPayments(t.Context(), visit); len(ps) != 1 {
		t.Fatalf("cash was taken beside a pending phone payment: %+v", ps)
	}
	ps, _ := ta.store.VisitPayments(t.Context(), visit)
	staff.post(fmt.Sprintf("/staff/payments/%d/abandon", ps[0].ID), nil)
	wantBody(t, staff.get(fmt.Sprintf("/staff/visits/%d", visit)), "Payment abandoned")
	if p, _ := ta.store.PaymentByID(t.Context(), ps[0].ID); p.Status != models.PaymentCanceled {
		t.Fatalf("abandoned payment: %s", p.Status)
	}
	var audited int
	ta.store.DB.Get(&audited, `SELECT count(*) FROM audit_log WHERE action = 'payment.abandon'`)
	if audited != 1 {
		t.Fatal("the abandon was not audited")
	}
	staff.post(fmt.Sprintf("/staff/visits/%d/payments", visit), url.Values{"method": {"cash"}})
	if ps, _ = ta.store.VisitPayments(t.Context(), visit); len(ps) != 2 || ps[1].Method != models.PayCash || ps[1].Status != models.PaymentSucceeded {
		t.Fatalf("cash after abandon: %+v", ps)
	}

	// A phone page the guest did pay is not abandoned: it is recorded paid.
	bob := closedVisit(t, ta, e, "bob@example.com", "")
	staff.post(fmt.Sprintf("/staff/visits/%d/charge", bob), url.Values{"method": {"pay_by_phone"}})
	ps, _ = ta.store.VisitPayments(t.Context(), bob)
	ta.fake.CompleteSession(*ps[0].CheckoutSession, 480, "GBP")
	staff.post(fmt.Sprintf("/staff/payments/%d/abandon", ps[0].ID), nil)
	if p, _ := ta.store.PaymentByID(t.Context(), ps[0].ID); p.Status != models.PaymentSucceeded {
		t.Fatalf("a paid page was abandoned: %s", p.Status)
	}
}

// A webhook that arrives while a charge is out with Stripe leaves that
// charge's claim alone, so no reconciler can send the same key meanwhile.
func TestWebhookLeavesAClaimInPlace(t *testing.T) {
	ta, _, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", stripeapi.FakeCardOK)
	now := time.Now()
	p, err := ta.store.CreatePayment(t.Context(), models.NewPayment{VisitID: visit, Method: models.PayCardOnFile})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := ta.store.At(now).ClaimPayment(t.Context(), p.ID, time.Minute); !ok || err != nil {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	// An event that moves nothing for this charge (it is not a hold).
	st, _ := ta.sendWebhook(t, "evt_capturable", "payment_intent.amount_capturable_updated", map[string]any{"id": "pi_ada", "status": "requires_capture",
		"amount": 480, "currency": "gbp", "metadata": map[string]string{"clockroom_payment_id": fmt.Sprint(p.ID)}}, testWebhookSecret, now)
	if st != http.StatusOK {
		t.Fatalf("webhook: %d", st)
	}
	if got, _ := ta.store.PaymentByID(t.Context(), p.ID); got.Status != models.PaymentPending {
		t.Fatalf("the webhook moved the charge to %s", got.Status)
	}
	if _, ok, err := ta.store.At(now.Add(time.Second)).ClaimPayment(t.Context(), p.ID, time.Minute); ok || err != nil {
		t.Fatalf("a second caller claimed a charge still out with Stripe (%v, %v)", ok, err)
	}
}

// waitFor polls cond until it holds, failing the test after 10 seconds.
func waitFor(t testing.TB, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}
