package billing

import (
	"testing"

	"github.com/clockroom/clockroom/models"
)

// Every status Stripe reports maps to ours in the one table.
func TestStatusFor(t *testing.T) {
	for _, c := range []struct {
		stripe string
		want   models.PaymentStatus
	}{
		{StripeSucceeded, models.PaymentSucceeded},
		{StripeRequiresCapture, models.PaymentAuthorized},
		{StripeProcessing, models.PaymentPending},
		{StripeRequiresConfirmation, models.PaymentPending},
		{StripeRequiresAction, models.PaymentFailed},
		{StripeRequiresPaymentMethod, models.PaymentFailed},
		{StripeCanceled, models.PaymentCanceled},
		{CheckoutOpen, models.PaymentPending},
		{CheckoutPaid, models.PaymentSucceeded},
		{CheckoutUnpaid, models.PaymentPending},
		{CheckoutExpired, models.PaymentCanceled},
		{"something_new", models.PaymentPending}, // unknown: looked up again later
		{"", models.PaymentPending},
	} {
		if got := StatusFor(c.stripe); got != c.want {
			t.Errorf("StatusFor(%q) = %q, want %q", c.stripe, got, c.want)
		}
	}
}

// A failure without Stripe's own words gets ours; Stripe's words win.
func TestOutcomeReasons(t *testing.T) {
	if o := outcome(Result{Status: StripeRequiresPaymentMethod}); o.Status != models.PaymentFailed || o.FailureReason != "The card was declined." {
		t.Fatalf("declined: %+v", o)
	}
	if o := outcome(Result{Status: StripeRequiresPaymentMethod, FailureReason: "Your card has insufficient funds."}); o.FailureReason != "Your card has insufficient funds." {
		t.Fatalf("Stripe's reason lost: %+v", o)
	}
	if o := outcome(Result{Status: StripeSucceeded, Amount: 480, Currency: "GBP"}); o.FailureReason != "" || o.Amount != 480 {
		t.Fatalf("success: %+v", o)
	}
}
