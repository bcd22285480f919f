package billing

import "github.com/clockroom/clockroom/models"

// statuses is the one table from what Stripe says to our payment status.
// An off-session charge that needs the guest to authenticate cannot be
// completed at the counter, so requires_action ends it as failed.
var statuses = map[string]models.PaymentStatus{
	StripeSucceeded:             models.PaymentSucceeded,
	StripeRequiresCapture:       models.PaymentAuthorized,
	StripeProcessing:            models.PaymentPending,
	StripeRequiresConfirmation:  models.PaymentPending,
	StripeRequiresAction:        models.PaymentFailed,
	StripeRequiresPaymentMethod: models.PaymentFailed,
	StripeCanceled:              models.PaymentCanceled,
	CheckoutOpen:                models.PaymentPending,
	CheckoutPaid:                models.PaymentSucceeded,
	CheckoutUnpaid:              models.PaymentPending, // not money yet
	CheckoutExpired:             models.PaymentCanceled,
}

// reasons are what staff read when Stripe gave no words of its own.
var reasons = map[string]string{
	StripeRequiresAction:        "The card needs the guest to confirm the payment; take payment another way.",
	StripeRequiresPaymentMethod: "The card was declined.",
	StripeCanceled:              "The payment was canceled.",
	CheckoutExpired:             "The guest did not pay before the payment page expired.",
}

// StatusFor maps a Stripe status to ours; a status it does not know is
// pending, to be looked up again.
func StatusFor(stripeStatus string) models.PaymentStatus {
	if s, ok := statuses[stripeStatus]; ok {
		return s
	}
	return models.PaymentPending
}

// outcome is a Stripe result in our terms.
func outcome(r Result) models.Outcome {
	o := models.Outcome{Status: StatusFor(r.Status), PaymentIntent: r.PaymentIntent, Amount: r.Amount, Currency: r.Currency, FailureReason: r.FailureReason}
	if o.FailureReason == "" && (o.Status == models.PaymentFailed || o.Status == models.PaymentCanceled) {
		o.FailureReason = reasons[r.Status]
	}
	return o
}
