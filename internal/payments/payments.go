// Package payments is Clockroom's adapter to Stripe. Handlers and jobs talk
// to the small Gateway interface; Stripe implements it against the real API
// or stripe-mock, and Fake scripts Stripe's behaviour (declines, required
// authentication) for tests.
package payments

import (
	"context"
	"errors"
)

// Charge statuses, as Stripe names PaymentIntent states we act on.
const (
	StatusSucceeded      = "succeeded"
	StatusAuthorized     = "requires_capture" // a hold, waiting to be captured
	StatusProcessing     = "processing"
	StatusRequiresAction = "requires_action"
	StatusFailed         = "failed"
	StatusCanceled       = "canceled"
)

// ErrNotConfigured means no Stripe account is set up for this call.
var ErrNotConfigured = errors.New("payments are not configured")

// Gateway is what Clockroom needs from Stripe. Every call that moves money
// carries an idempotency key derived from our payment row.
type Gateway interface {
	// EnsureCustomer returns the Stripe customer for a user, creating it
	// when existing is empty.
	EnsureCustomer(ctx context.Context, c Customer) (string, error)
	// SetupSession starts a hosted page where a guest saves a card.
	SetupSession(ctx context.Context, s Session) (Hosted, error)
	// PaymentSession starts a hosted page where a guest pays a bill on their phone.
	PaymentSession(ctx context.Context, s Session) (Hosted, error)
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
	// CheckoutSession looks up a pay-by-phone page: StatusSucceeded once
	// paid, StatusCanceled once expired, StatusProcessing while open.
	CheckoutSession(ctx context.Context, id string) (Result, error)
	// PaymentIntent looks up a charge's current state.
	PaymentIntent(ctx context.Context, id string) (Result, error)
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

// Result is what Stripe said about a charge.
type Result struct {
	PaymentIntent string
	Status        string // one of the Status constants
	Amount        int64
	Currency      string
	FailureReason string // for people: why it did not go through
}
