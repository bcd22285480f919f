package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/stripeapi"
	"github.com/clockroom/clockroom/models"
)

// A webhook that would undo a settled payment (a failure after the success,
// money back on a payment that took none) is refused by the payment table:
// Stripe gets 200, so it does not deliver it again for days; the event is
// recorded as applied, so the reconciler does not retry it; the refusal is
// logged at info level; the payment is as it was.
func TestLateWebhookIsAcknowledgedLoggedAndChangesNothing(t *testing.T) {
	ta, _, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", stripeapi.FakeCardOK)
	p, err := ta.store.CreatePayment(t.Context(), models.NewPayment{VisitID: visit, Method: models.PayCardOnFile})
	if err != nil {
		t.Fatal(err)
	}
	other := closedVisit(t, ta, e, "bea@example.com", stripeapi.FakeCardOK)
	q, err := ta.store.CreatePayment(t.Context(), models.NewPayment{VisitID: other, Method: models.PayCardOnFile})
	if err != nil {
		t.Fatal(err)
	}
	ta.store.DB.MustExec(`UPDATE payments SET stripe_payment_intent = 'pi_q' WHERE id = $1`, q.ID)
	intent := func(status string) map[string]any {
		return map[string]any{"id": "pi_1", "status": status, "amount": 480, "amount_received": 480, "currency": "gbp",
			"metadata": map[string]string{"clockroom_payment_id": fmt.Sprint(p.ID)}}
	}
	if st, _ := ta.sendWebhook(t, "evt_paid", "payment_intent.succeeded", intent("succeeded"), testWebhookSecret, time.Now()); st != http.StatusOK {
		t.Fatalf("success: %d", st)
	}
	paid, _ := ta.store.PaymentByID(t.Context(), p.ID)
	for _, c := range []struct {
		id, typ string
		object  map[string]any
	}{
		{"evt_late_fail", "payment_intent.payment_failed", intent("requires_payment_method")},
		{"evt_late_cancel", "payment_intent.canceled", intent("canceled")},
		{"evt_refund_unpaid", "charge.refunded", map[string]any{"id": "ch_q", "payment_intent": "pi_q", "amount": 480, "amount_refunded": 100, "currency": "gbp"}},
	} {
		st, body := ta.sendWebhook(t, c.id, c.typ, c.object, testWebhookSecret, time.Now())
		if st != http.StatusOK || body["duplicate"] != false {
			t.Fatalf("%s: %d %v, want acknowledged as new", c.id, st, body)
		}
		var applied bool
		if err := ta.store.DB.Get(&applied, `SELECT applied_at IS NOT NULL FROM stripe_events WHERE id = $1`, c.id); err != nil || !applied {
			t.Fatalf("%s is not recorded as applied: %v", c.id, err)
		}
	}
	if now, _ := ta.store.PaymentByID(t.Context(), p.ID); now.Status != models.PaymentSucceeded || now.FailureReason != nil || now.NeedsAttention || now.RefundedAmount != paid.RefundedAmount {
		t.Fatalf("a late webhook moved the paid payment: %+v", now)
	}
	if now, _ := ta.store.PaymentByID(t.Context(), q.ID); now.Status != models.PaymentPending || now.RefundedAmount != 0 {
		t.Fatalf("a refund moved a payment that took nothing: %+v", now)
	}
	logs := ta.logs.String()
	for _, want := range []string{"from succeeded by stripe-failed", "from succeeded by stripe-canceled", "from pending by refunded-part"} {
		if !strings.Contains(logs, "level=INFO msg=\"stripe webhook came late or out of order: nothing to do\"") || !strings.Contains(logs, want) {
			t.Fatalf("the refusal %q is not logged at info level:\n%s", want, logs)
		}
	}
}
