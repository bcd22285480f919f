package payments

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Test card payment methods the Fake understands, named as Stripe's test cards.
const (
	FakeCardOK         = "pm_card_visa"
	FakeCardDeclined   = "pm_card_chargeDeclined"
	FakeCard3DSecure   = "pm_card_authenticationRequired"
	fakeCheckoutPrefix = "https://checkout.stripe.test/c/pay/"
)

// ErrFakeOutage is what the Fake returns while an outage is scripted.
var ErrFakeOutage = errors.New("stripe: connection refused (scripted outage)")

// Fake is a Gateway that behaves like Stripe for tests: idempotent by key,
// with scripted declines, required authentication and outages. It counts the
// charges it made.
type Fake struct {
	mu       sync.Mutex
	outages  int // calls still to fail with ErrFakeOutage
	byKey    map[string]Result
	intents  map[string]Result
	Charges  int // distinct charges made (not counting idempotent repeats)
	Calls    int // every ChargeSaved call
	Refunded map[string]int64
	Holds    int               // holds placed
	Captured int64             // total captured from holds
	Released int               // holds canceled
	refunds  map[string]bool   // idempotency keys already refunded
	sessions map[string]Result // completed checkout sessions
	n        int
}

// NewFake returns a Fake with no outages.
func NewFake() *Fake {
	return &Fake{byKey: map[string]Result{}, intents: map[string]Result{}, Refunded: map[string]int64{}, refunds: map[string]bool{}, sessions: map[string]Result{}}
}

// FailNext makes the next n calls fail as if Stripe could not be reached.
func (f *Fake) FailNext(n int) { f.mu.Lock(); f.outages = n; f.mu.Unlock() }

func (f *Fake) outage() bool {
	if f.outages > 0 {
		f.outages--
		return true
	}
	return false
}

func (f *Fake) id(prefix string) string { f.n++; return fmt.Sprintf("%s_fake%04d", prefix, f.n) }

// EnsureCustomer returns existing, or a new customer id.
func (f *Fake) EnsureCustomer(_ context.Context, c Customer) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage() {
		return "", ErrFakeOutage
	}
	if c.Existing != "" {
		return c.Existing, nil
	}
	return f.id("cus"), nil
}

// CompleteSession marks a pay-by-phone page paid, as if the guest paid and
// the webhook was lost.
func (f *Fake) CompleteSession(id string, amount int64, currency string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions[id] = Result{Status: StatusSucceeded, PaymentIntent: "pi_" + id, Amount: amount, Currency: currency}
}

// CheckoutSession reports a page's state: open unless CompleteSession ran.
func (f *Fake) CheckoutSession(_ context.Context, id string) (Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage() {
		return Result{}, ErrFakeOutage
	}
	if r, ok := f.sessions[id]; ok {
		return r, nil
	}
	return Result{Status: StatusProcessing}, nil
}

// SetupSession returns a hosted page.
func (f *Fake) SetupSession(_ context.Context, s Session) (Hosted, error) {
	return f.session("cs_setup")
}

// PaymentSession returns a hosted page.
func (f *Fake) PaymentSession(_ context.Context, s Session) (Hosted, error) {
	return f.session("cs_pay")
}

func (f *Fake) session(prefix string) (Hosted, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage() {
		return Hosted{}, ErrFakeOutage
	}
	id := f.id(prefix)
	return Hosted{ID: id, URL: fakeCheckoutPrefix + id}, nil
}

// SavedCard returns the Fake's good test card.
func (f *Fake) SavedCard(_ context.Context, _ string) (string, string, error) {
	return FakeCardOK, "visa •••• 4242", nil
}

// ChargeSaved charges by the test card's script; a repeated key returns the
// first answer without charging again.
func (f *Fake) ChargeSaved(ctx context.Context, c Charge) (Result, error) {
	return f.offSession(c, false)
}

// Hold authorises by the test card's script.
func (f *Fake) Hold(ctx context.Context, c Charge) (Result, error) { return f.offSession(c, true) }

// Capture takes amount from a hold, once per key.
func (f *Fake) Capture(_ context.Context, pi string, amount int64, key string) (Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage() {
		return Result{}, ErrFakeOutage
	}
	if r, ok := f.byKey[key]; ok {
		return r, nil
	}
	r, ok := f.intents[pi]
	if !ok || r.Status != StatusAuthorized || amount > r.Amount {
		return Result{}, fmt.Errorf("cannot capture %d from %s", amount, pi)
	}
	r.Status, r.Amount = StatusSucceeded, amount
	f.Captured += amount
	f.Charges++
	f.byKey[key], f.intents[pi] = r, r
	return r, nil
}

// CancelHold releases a hold.
func (f *Fake) CancelHold(_ context.Context, pi, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage() {
		return ErrFakeOutage
	}
	r := f.intents[pi]
	r.Status = StatusCanceled
	f.intents[pi] = r
	f.Released++
	return nil
}

func (f *Fake) offSession(c Charge, hold bool) (Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Calls++
	if f.outage() {
		return Result{}, ErrFakeOutage
	}
	if r, ok := f.byKey[c.Key]; ok {
		return r, nil
	}
	r := Result{PaymentIntent: f.id("pi"), Amount: c.Amount, Currency: c.Currency}
	switch c.PaymentMethod {
	case FakeCardDeclined:
		r.Status, r.FailureReason = StatusFailed, "Your card was declined."
	case FakeCard3DSecure:
		r.Status, r.FailureReason = StatusRequiresAction, "The card needs the guest to confirm the payment; take payment another way."
	default:
		if hold {
			r.Status = StatusAuthorized
			f.Holds++
			break
		}
		r.Status = StatusSucceeded
		f.Charges++
	}
	f.byKey[c.Key], f.intents[r.PaymentIntent] = r, r
	return r, nil
}

// PaymentIntent returns a charge made earlier.
func (f *Fake) PaymentIntent(_ context.Context, id string) (Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage() {
		return Result{}, ErrFakeOutage
	}
	r, ok := f.intents[id]
	if !ok {
		return Result{}, fmt.Errorf("no such payment intent %s", id)
	}
	return r, nil
}

// Refund records a refund once per idempotency key.
func (f *Fake) Refund(_ context.Context, pi string, amount int64, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage() {
		return ErrFakeOutage
	}
	if !f.refunds[key] {
		f.refunds[key] = true
		f.Refunded[pi] += amount
	}
	return nil
}

// RefundedFor is how much was refunded on a charge.
func (f *Fake) RefundedFor(pi string) int64 { f.mu.Lock(); defer f.mu.Unlock(); return f.Refunded[pi] }

// ChargesMade is how many distinct charges went through.
func (f *Fake) ChargesMade() int { f.mu.Lock(); defer f.mu.Unlock(); return f.Charges }
