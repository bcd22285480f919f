package stripeapi

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/clockroom/clockroom/internal/billing"
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
	byKey    map[string]billing.Result
	intents  map[string]billing.Result
	Charges  int // distinct charges made (not counting idempotent repeats)
	Calls    int // every ChargeSaved call
	Refunded map[string]int64
	Holds    int                       // holds placed
	Captured int64                     // total captured from holds
	Released int                       // holds canceled
	refunds  map[string]bool           // idempotency keys already refunded
	sessions map[string]billing.Result // completed checkout sessions
	byRef    map[string]billing.Result // charges by our reference
	delay    time.Duration             // every call waits this long first (or until its context ends)
	refuse   string                    // the next money call is refused for good with this message
	inFlight int                       // calls waiting out the delay now
	n        int
}

// Delay makes every call wait d before answering, or until its context
// ends, as a Stripe that hangs does.
func (f *Fake) Delay(d time.Duration) { f.mu.Lock(); f.delay = d; f.mu.Unlock() }

// InFlight is how many calls are waiting on a scripted delay right now.
func (f *Fake) InFlight() int { f.mu.Lock(); defer f.mu.Unlock(); return f.inFlight }

// RefuseNext makes the next charge, hold or refund a permanent refusal
// (Stripe's invalid_request_error) with msg.
func (f *Fake) RefuseNext(msg string) { f.mu.Lock(); f.refuse = msg; f.mu.Unlock() }

// wait sleeps for the scripted delay, or until ctx ends.
func (f *Fake) wait(ctx context.Context) error {
	f.mu.Lock()
	d := f.delay
	if d > 0 {
		f.inFlight++
	}
	f.mu.Unlock()
	if d == 0 {
		return nil
	}
	defer func() { f.mu.Lock(); f.inFlight--; f.mu.Unlock() }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stripe: %w", ctx.Err())
	}
}

// refused reports a scripted permanent refusal, once.
func (f *Fake) refused() error {
	if f.refuse == "" {
		return nil
	}
	msg := f.refuse
	f.refuse = ""
	return &billing.PermanentError{Message: msg}
}

// NewFake returns a Fake with no outages.
func NewFake() *Fake {
	return &Fake{byKey: map[string]billing.Result{}, intents: map[string]billing.Result{}, Refunded: map[string]int64{}, refunds: map[string]bool{}, sessions: map[string]billing.Result{}, byRef: map[string]billing.Result{}}
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
func (f *Fake) EnsureCustomer(_ context.Context, c billing.Customer) (string, error) {
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
	f.sessions[id] = billing.Result{Status: billing.CheckoutPaid, PaymentIntent: "pi_" + id, Amount: amount, Currency: currency}
}

// CheckoutSession reports a page's state: open unless CompleteSession ran.
func (f *Fake) CheckoutSession(ctx context.Context, id string) (billing.Result, error) {
	if err := f.wait(ctx); err != nil {
		return billing.Result{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage() {
		return billing.Result{}, ErrFakeOutage
	}
	if r, ok := f.sessions[id]; ok {
		return r, nil
	}
	return billing.Result{Status: billing.CheckoutOpen}, nil
}

// ExpireSession closes a page not yet paid; a paid one says so.
func (f *Fake) ExpireSession(ctx context.Context, id string) (billing.Result, error) {
	if err := f.wait(ctx); err != nil {
		return billing.Result{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage() {
		return billing.Result{}, ErrFakeOutage
	}
	if r, ok := f.sessions[id]; ok {
		return r, nil
	}
	f.sessions[id] = billing.Result{Status: billing.CheckoutExpired}
	return f.sessions[id], nil
}

// FindCharge finds a charge by our reference.
func (f *Fake) FindCharge(ctx context.Context, reference string) (billing.Result, bool, error) {
	if err := f.wait(ctx); err != nil {
		return billing.Result{}, false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage() {
		return billing.Result{}, false, ErrFakeOutage
	}
	r, ok := f.byRef[reference]
	return r, ok, nil
}

// SetupSession returns a hosted page.
func (f *Fake) SetupSession(ctx context.Context, s billing.Session) (billing.Hosted, error) {
	return f.session(ctx, "cs_setup")
}

// PaymentSession returns a hosted page.
func (f *Fake) PaymentSession(ctx context.Context, s billing.Session) (billing.Hosted, error) {
	return f.session(ctx, "cs_pay")
}

func (f *Fake) session(ctx context.Context, prefix string) (billing.Hosted, error) {
	if err := f.wait(ctx); err != nil {
		return billing.Hosted{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage() {
		return billing.Hosted{}, ErrFakeOutage
	}
	id := f.id(prefix)
	return billing.Hosted{ID: id, URL: fakeCheckoutPrefix + id}, nil
}

// SavedCard returns the Fake's good test card.
func (f *Fake) SavedCard(_ context.Context, _ string) (string, string, error) {
	return FakeCardOK, "visa •••• 4242", nil
}

// ChargeSaved charges by the test card's script; a repeated key returns the
// first answer without charging again.
func (f *Fake) ChargeSaved(ctx context.Context, c billing.Charge) (billing.Result, error) {
	return f.offSession(ctx, c, false)
}

// Hold authorises by the test card's script.
func (f *Fake) Hold(ctx context.Context, c billing.Charge) (billing.Result, error) {
	return f.offSession(ctx, c, true)
}

// Capture takes amount from a hold, once per key.
func (f *Fake) Capture(ctx context.Context, pi string, amount int64, key string) (billing.Result, error) {
	if err := f.wait(ctx); err != nil {
		return billing.Result{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage() {
		return billing.Result{}, ErrFakeOutage
	}
	if r, ok := f.byKey[key]; ok {
		return r, nil
	}
	r, ok := f.intents[pi]
	if !ok || r.Status != billing.StripeRequiresCapture || amount > r.Amount {
		return billing.Result{}, fmt.Errorf("cannot capture %d from %s", amount, pi)
	}
	r.Status, r.Amount = billing.StripeSucceeded, amount
	f.Captured += amount
	f.Charges++
	f.byKey[key], f.intents[pi] = r, r
	return r, nil
}

// CancelHold releases a hold.
func (f *Fake) CancelHold(ctx context.Context, pi, _ string) error {
	if err := f.wait(ctx); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage() {
		return ErrFakeOutage
	}
	r := f.intents[pi]
	r.Status = billing.StripeCanceled
	f.intents[pi] = r
	f.Released++
	return nil
}

func (f *Fake) offSession(ctx context.Context, c billing.Charge, hold bool) (billing.Result, error) {
	if err := f.wait(ctx); err != nil {
		return billing.Result{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Calls++
	if f.outage() {
		return billing.Result{}, ErrFakeOutage
	}
	if err := f.refused(); err != nil {
		return billing.Result{}, err
	}
	if r, ok := f.byKey[c.Key]; ok {
		return r, nil
	}
	r := billing.Result{PaymentIntent: f.id("pi"), Amount: c.Amount, Currency: c.Currency}
	switch c.PaymentMethod {
	case FakeCardDeclined:
		r.Status, r.FailureReason = billing.StripeRequiresPaymentMethod, "Your card was declined."
	case FakeCard3DSecure:
		r.Status = billing.StripeRequiresAction
	default:
		if hold {
			r.Status = billing.StripeRequiresCapture
			f.Holds++
			break
		}
		r.Status = billing.StripeSucceeded
		f.Charges++
	}
	f.byKey[c.Key], f.intents[r.PaymentIntent], f.byRef[c.Reference] = r, r, r
	return r, nil
}

// PaymentIntent returns a charge made earlier.
func (f *Fake) PaymentIntent(ctx context.Context, id string) (billing.Result, error) {
	if err := f.wait(ctx); err != nil {
		return billing.Result{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage() {
		return billing.Result{}, ErrFakeOutage
	}
	r, ok := f.intents[id]
	if !ok {
		return billing.Result{}, fmt.Errorf("no such payment intent %s", id)
	}
	return r, nil
}

// Refund records a refund once per idempotency key.
func (f *Fake) Refund(ctx context.Context, pi string, amount int64, key string) error {
	if err := f.wait(ctx); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage() {
		return ErrFakeOutage
	}
	if err := f.refused(); err != nil {
		return err
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
