package handlers

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/stripeapi"
	"github.com/clockroom/clockroom/models"
)

// Stripe was down at check-in: the reconciler places the hold (it must not
// charge the whole hold while the guest is inside), and the exit captures
// exactly the bill.
func TestAHoldMissedAtCheckInIsPlacedLaterNotCharged(t *testing.T) {
	ta, staff, e := billingSetup(t)
	ta.store.DB.MustExec(`UPDATE venues SET hold_at_checkin = true`)
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	code := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	saveTestCard(t, ta, "ada@example.com", stripeapi.FakeCardOK)
	ta.fake.FailNext(1)
	if st, body := staff.apiPost(scanPath(e), map[string]string{"code": code}); st != http.StatusOK || body["result"] != "admitted" {
		t.Fatalf("admit: %d %v", st, body)
	}
	ta.settle(t)
	if _, err := ta.engine.At(now.Add(time.Minute)).Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	if ta.fake.ChargesMade() != 0 || ta.fake.Holds != 1 {
		t.Fatalf("while inside: %d charges, %d holds; want 0 and 1", ta.fake.ChargesMade(), ta.fake.Holds)
	}
	ta.store.SetClock(func() time.Time { return now.Add(30 * time.Minute) })
	staff.apiPost(scanPath(e), map[string]string{"code": code, "direction": "out"})
	ta.settle(t)
	if ta.fake.Captured != 300 || ta.fake.ChargesMade() != 1 {
		t.Fatalf("captured %d in %d charges; want the £3.00 bill once", ta.fake.Captured, ta.fake.ChargesMade())
	}
}

// A guest who never scanned out is checked out automatically, and the visit
// is flagged for review: the reconciler releases the hold rather than
// capture it, and the bill waits on Bills to collect until staff charge it.
func TestAutoCheckoutReleasesTheHoldAndWaitsForStaff(t *testing.T) {
	ta, staff, e := billingSetup(t)
	ta.store.DB.MustExec(`UPDATE venues SET hold_at_checkin = true`)
	code := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	saveTestCard(t, ta, "ada@example.com", stripeapi.FakeCardOK)
	staff.apiPost(scanPath(e), map[string]string{"code": code})
	ta.settle(t)
	after := e.EndsAt.Add(31 * time.Minute)
	if n, err := ta.store.At(after).CloseForgottenVisits(t.Context(), 30*time.Minute); err != nil || n != 1 {
		t.Fatalf("auto check-out: %d %v", n, err)
	}
	if _, err := ta.engine.At(after.Add(time.Minute)).Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	v, _ := ta.store.VisitByID(t.Context(), 1)
	if ta.fake.Captured != 0 || ta.fake.Released != 1 || ta.fake.ChargesMade() != 0 {
		t.Fatalf("a flagged visit's hold: captured %d, released %d, %d charges; want it released and nothing taken",
			ta.fake.Captured, ta.fake.Released, ta.fake.ChargesMade())
	}
	wantBody(t, staff.get("/staff/bills"), fmt.Sprintf(`id="bill-%d"`, v.ID), "To review: checked out automatically at closing", "Charge card")
	staff.post(fmt.Sprintf("/staff/visits/%d/charge", v.ID), form("method", "card_on_file", "next", "/staff/bills"))
	ta.settle(t)
	if ta.fake.ChargesMade() != 1 {
		t.Fatalf("a staff click charged %d times, want once", ta.fake.ChargesMade())
	}
	if st, _ := ta.store.BillState(t.Context(), v.ID); st.Status != "paid" || st.Amount != *v.Amount {
		t.Fatalf("after the staff click: %+v, want the bill of %d paid", st, *v.Amount)
	}
}

func TestWebhookEdgeCases(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", "")
	staff.post(fmt.Sprintf("/staff/visits/%d/charge", visit), form("method", "pay_by_phone"))
	ps, _ := ta.store.VisitPayments(t.Context(), visit)
	p := ps[0]
	// A declined attempt on the phone page does not fail the payment: the
	// page is still open and the guest may try another card.
	ta.sendWebhook(t, "evt_f", "payment_intent.payment_failed", map[string]any{"status": "requires_payment_method", "id": "pi_p", "amount": 480, "currency": "gbp",
		"metadata": map[string]string{"clockroom_payment_id": fmt.Sprint(p.ID)}, "last_payment_error": map[string]string{"message": "declined"}}, testWebhookSecret, time.Now())
	// A completed session that is not paid yet is not money.
	ta.sendWebhook(t, "evt_u", "checkout.session.completed", map[string]any{"status": "complete", "id": *p.CheckoutSession, "mode": "payment", "amount_total": 480,
		"currency": "gbp", "client_reference_id": fmt.Sprint(p.ID), "payment_status": "unpaid"}, testWebhookSecret, time.Now())
	if q, _ := ta.store.PaymentByID(t.Context(), p.ID); q.Status != models.PaymentPending {
		t.Fatalf("after a decline and an unpaid completion: %s", q.Status)
	}
	// A captured hold reports amount (held) and amount_received (taken).
	ta.sendWebhook(t, "evt_ok", "payment_intent.succeeded", map[string]any{"status": "succeeded", "id": "pi_p", "amount": 2400, "amount_received": 480, "currency": "gbp",
		"metadata": map[string]string{"clockroom_payment_id": fmt.Sprint(p.ID)}}, testWebhookSecret, time.Now())
	if q, _ := ta.store.PaymentByID(t.Context(), p.ID); q.Status != models.PaymentSucceeded || q.NeedsAttention {
		t.Fatalf("a payment of the bill must settle without a flag: %+v", q)
	}
}

func TestReceiptsKeepTheirBillAfterATariffChange(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", "")
	ta.store.DB.MustExec(`UPDATE venues SET per_minute = 20`)
	wantBody(t, staff.get(fmt.Sprintf("/staff/visits/%d", visit)), "£4.80", "Record payment of £4.80")
	staff.post(fmt.Sprintf("/staff/visits/%d/checkout", visit), nil)
	if v, _ := ta.store.VisitByID(t.Context(), visit); *v.Amount != 480 {
		t.Fatalf("a repeated check-out re-priced the visit: %d", *v.Amount)
	}
}

func TestAutoCheckoutSurvivesANightMovedEarlier(t *testing.T) {
	ta, staff, e := billingSetup(t)
	code := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	staff.apiPost(scanPath(e), map[string]string{"code": code})
	ta.store.DB.MustExec(`UPDATE events SET ends_at = starts_at + interval '1 minute'`)
	if n, err := ta.store.At(time.Now().Add(2*time.Hour)).CloseForgottenVisits(t.Context(), 0); err != nil || n != 1 {
		t.Fatalf("auto check-out: %d %v", n, err)
	}
}

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/events/1": "/events/1", "/?page=2": "/?page=2", "": "/", "//evil.example": "/", "/\t/evil.example": "/",
		"/\\evil.example": "/", "https://evil.example": "/", "/\n/evil.example": "/", "javascript:alert(1)": "/",
	} {
		if got := safeNext(next, "/"); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
