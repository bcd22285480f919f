package billing

import (
	"context"

	"github.com/clockroom/clockroom/models"
)

// What Stripe says of a PaymentIntent (its status field) and of a Checkout
// Session ("checkout:" and its status, with ":" and its payment_status once
// complete). Adapters report these as they are; StatusFor maps them to ours.
const (
	StripeSucceeded             = "succeeded"
	StripeRequiresCapture       = "requires_capture" // a hold, waiting to be captured
	StripeProcessing            = "processing"
	StripeRequiresAction        = "requires_action"
	StripeRequiresConfirmation  = "requires_confirmation"
	StripeRequiresPaymentMethod = "requires_payment_method" // declined
	StripeCanceled              = "canceled"
	CheckoutOpen                = "checkout:open"
	CheckoutPaid                = "checkout:complete:paid"
	CheckoutUnpaid              = "checkout:complete:unpaid"
	CheckoutExpired             = "checkout:expired"
)

// ErrNotConfigured means no Stripe account is set up for this call.
var ErrNotConfigured = models.NewRefusal(models.KindUnavailable, "Card payments are not set up here. Take payment another way.")

// PermanentError is Stripe refusing a request for good (an invalid request,
// a card error without a PaymentIntent): sending it again cannot succeed, so
// the payment ends as failed with Stripe's message. Anything else an adapter
// returns (network errors, timeouts, 5xx, 409, 429) leaves it pending.
type PermanentError struct{ Message string }

func (e *PermanentError) Error() string { return "stripe refused the request: " + e.Message }

// Gateway is what Clockroom needs from Stripe. internal/stripeapi implements
// it against the Stripe API (or stripe-mock) and as a scripted fake. Every
// call that moves money carries an idempotency key derived from our row.
type Gateway interface {
	// EnsureCustomer returns the Stripe customer for a user, creating it
	// when existing is empty.
	EnsureCustomer(ctx context.Context, c Customer) (string, error)
	// SetupSession starts a hosted page where a guest saves a card.
	SetupSession(ctx context.Context, s Session) (Hosted, error)
	// PaymentSession starts a hosted page where a guest pays a bill on their phone.
	PaymentSession(ctx context.Context, s Session) (Hosted, error)
	// ExpireSession closes a hosted payment page so it can no longer be paid.
	ExpireSession(ctx context.Context, id string) (Result, error)
	// SavedCard returns the card a completed setup session saved: its
	// payment method and a label like "visa •••• 4242".
	SavedCard(ctx context.Context, setupIntent string) (paymentMethod, label string, err error)
	// ChargeSaved charges a saved card off-session and confirms at once.
	ChargeSaved(ctx context.Context, c Charge) (Result, error)
	// Hold authorises an amount on a saved card off-session, to capture later.
	Hold(ctx context.Context, c Charge) (Result, error)
	// Capture takes amount (at most what was held) from a hold.
	Capture(ctx context.Context, paymentIntent string, amount int64, idempotencyKey string) (Result, error)
	// CancelHold releases a hold without taking anything.
	CancelHold(ctx context.Context, paymentIntent, idempotencyKey string) error
	// CheckoutSession looks up a pay-by-phone page.
	CheckoutSession(ctx context.Context, id string) (Result, error)
	// PaymentIntent looks up a charge's current state.
	PaymentIntent(ctx context.Context, id string) (Result, error)
	// FindCharge looks up the charge made for our reference, when its
	// PaymentIntent id never reached us; found is false if there is none.
	FindCharge(ctx context.Context, reference string) (r Result, found bool, err error)
	// Refund returns amount of a charge to the guest.
	Refund(ctx context.Context, paymentIntent string, amount int64, idempotencyKey string) error
}

// Customer is a user as Stripe knows them.
type Customer struct {
	Existing string
	UserID   int64
	Email    string
	Name     string
	Key      string // idempotency key
}

// Session asks for a hosted Checkout page.
type Session struct {
	CustomerID  string
	Amount      int64 // payment sessions only
	Currency    string
	Description string
	SuccessURL  string
	CancelURL   string
	Reference   string // our id, echoed back in the webhook
	Key         string // idempotency key
}

// Hosted is a Checkout page to send the guest to.
type Hosted struct {
	ID  string
	URL string
}

// Charge is an off-session charge of a saved card.
type Charge struct {
	Amount        int64
	Currency      string
	CustomerID    string
	PaymentMethod string
	Description   string
	Reference     string
	Key           string
}

// Result is what Stripe said about a charge or a hosted page.
type Result struct {
	PaymentIntent string
	Status        string // one of the Stripe* or Checkout* values above
	Amount        int64
	Currency      string
	FailureReason string // Stripe's words: why it did not go through
}
