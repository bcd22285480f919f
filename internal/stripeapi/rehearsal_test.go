package stripeapi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/clockroom/clockroom/internal/billing"
)

// The test checkout's events are what Stripe would send, signed so that
// Stripe's own verification accepts them; an expired page takes no payment.
func TestRehearsalSignsStripesEvents(t *testing.T) {
	const secret = "whsec_test_rehearsal"
	r := NewRehearsal(NewFake(), "http://localhost:8080/", secret)
	ctx := context.Background()
	h, err := r.PaymentSession(ctx, billing.Session{Amount: 480, Currency: "GBP", Reference: "42", SuccessURL: "http://localhost:8080/paid"})
	if err != nil || h.URL != "http://localhost:8080/test-checkout/"+h.ID {
		t.Fatalf("page %+v %v", h, err)
	}
	for _, c := range []struct {
		answer func(string) (Answer, error)
		typ    string
		want   []string
	}{
		{r.Decline, "payment_intent.payment_failed", []string{`"clockroom_payment_id":"42"`, `"status":"requires_payment_method"`}},
		{r.Pay, "checkout.session.completed", []string{`"client_reference_id":"42"`, `"amount_total":480`, `"currency":"gbp"`, `"payment_status":"paid"`}},
	} {
		a, err := c.answer(h.ID)
		if err != nil {
			t.Fatal(err)
		}
		evt, err := webhook.ConstructEventWithOptions(a.Payload, a.Signature, secret, webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
		if err != nil || string(evt.Type) != c.typ {
			t.Fatalf("event %s: %v", evt.Type, err)
		}
		obj, _ := json.Marshal(evt.Data.Object)
		for _, w := range c.want {
			if !strings.Contains(string(obj), w) {
				t.Fatalf("%s lacks %s: %s", c.typ, w, obj)
			}
		}
		if _, err := webhook.ConstructEventWithOptions(a.Payload, a.Signature, "whsec_other", webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true}); err == nil {
			t.Fatal("the event verifies with another secret")
		}
	}
	if _, err := r.Pay(h.ID); !errors.Is(err, ErrNoTestSession) {
		t.Fatalf("a paid page paid again: %v", err)
	}
	other, _ := r.PaymentSession(ctx, billing.Session{Amount: 300, Currency: "GBP", Reference: "43"})
	if _, err := r.ExpireSession(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Pay(other.ID); !errors.Is(err, ErrNoTestSession) {
		t.Fatalf("an expired page took a payment: %v", err)
	}
}
