package stripeapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/clockroom/clockroom/internal/billing"
)

// Rehearsal lets staff practise every card path with no Stripe account. The
// local emulator (stripe-mock) creates Checkout sessions, but their pages
// lead nowhere; Rehearsal gives each session a page of Clockroom's own,
// marked TEST, whose Pay and Decline buttons produce the webhook Stripe
// would send, signed with the development secret, for the app's real
// webhook endpoint to verify and apply. It wraps the gateway and changes
// nothing else.
type Rehearsal struct {
	billing.Gateway
	base   string // the app's base URL
	secret string // the webhook signing secret

	mu       sync.Mutex
	sessions map[string]*TestSession
}

// TestSession is a hosted page the rehearsal stands in for.
type TestSession struct {
	ID      string
	Setup   bool // saving a card (else paying Amount)
	Session billing.Session
	Result  string // "", "paid", "declined" or "expired": what became of the page
}

// NewRehearsal wraps gw so that its hosted pages are the test checkout at
// base + "/test-checkout/{id}", whose events are signed with secret.
func NewRehearsal(gw billing.Gateway, base, secret string) *Rehearsal {
	return &Rehearsal{Gateway: gw, base: strings.TrimRight(base, "/"), secret: secret, sessions: map[string]*TestSession{}}
}

// SetupSession creates the session at the emulator and points it at the
// test checkout.
func (r *Rehearsal) SetupSession(ctx context.Context, s billing.Session) (billing.Hosted, error) {
	h, err := r.Gateway.SetupSession(ctx, s)
	return r.keep(h, err, s, true)
}

// PaymentSession creates the session at the emulator and points it at the
// test checkout.
func (r *Rehearsal) PaymentSession(ctx context.Context, s billing.Session) (billing.Hosted, error) {
	h, err := r.Gateway.PaymentSession(ctx, s)
	return r.keep(h, err, s, false)
}

func (r *Rehearsal) keep(h billing.Hosted, err error, s billing.Session, setup bool) (billing.Hosted, error) {
	if err != nil {
		return h, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sessions[h.ID] = &TestSession{ID: h.ID, Setup: setup, Session: s}
	h.URL = r.base + "/test-checkout/" + h.ID
	return h, nil
}

// ExpireSession expires the session at the emulator and closes its test page.
func (r *Rehearsal) ExpireSession(ctx context.Context, id string) (billing.Result, error) {
	res, err := r.Gateway.ExpireSession(ctx, id)
	if err == nil {
		r.mu.Lock()
		if s, ok := r.sessions[id]; ok {
			s.Result = "expired"
		}
		r.mu.Unlock()
	}
	return res, err
}

// gone reports whether the page is closed, as Stripe's is once paid or
// expired.
func (s *TestSession) gone() bool { return s.Result == "paid" || s.Result == "expired" }

// ErrNoTestSession means the page is not one this process made (the server
// restarted since, or the link is wrong).
var ErrNoTestSession = errors.New("no such test checkout")

// TestSession returns the session behind a test checkout page.
func (r *Rehearsal) TestSession(id string) (TestSession, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sessions[id]
	if !ok || s.gone() {
		return TestSession{}, ErrNoTestSession
	}
	return *s, nil
}

// Answer is what the guest did on a test page: the signed webhook to
// deliver (nil when Stripe would send none) and where the page goes next.
type Answer struct {
	Payload   []byte
	Signature string // the Stripe-Signature header
	Next      string // the session's success URL after paying, else "" (stay on the page)
}

// Pay completes the session as Stripe does when the card goes through.
func (r *Rehearsal) Pay(id string) (Answer, error) {
	s, err := r.settle(id, "paid")
	if err != nil {
		return Answer{}, err
	}
	obj := map[string]any{"id": s.ID, "object": "checkout.session", "status": "complete", "livemode": false,
		"client_reference_id": s.Session.Reference, "customer": s.Session.CustomerID}
	if s.Setup {
		obj["mode"], obj["setup_intent"] = "setup", "seti_test_"+s.ID
	} else {
		obj["mode"], obj["payment_status"], obj["payment_intent"] = "payment", "paid", "pi_test_"+s.ID
		obj["amount_total"], obj["currency"] = s.Session.Amount, strings.ToLower(s.Session.Currency)
	}
	a, err := r.sign("checkout.session.completed", obj)
	a.Next = s.Session.SuccessURL
	return a, err
}

// Decline is a refused card: Stripe keeps the page open for another try
// and, for a payment, reports the failed attempt.
func (r *Rehearsal) Decline(id string) (Answer, error) {
	s, err := r.settle(id, "declined")
	if err != nil || s.Setup {
		return Answer{}, err
	}
	return r.sign("payment_intent.payment_failed", map[string]any{"id": "pi_test_" + s.ID, "object": "payment_intent",
		"status": "requires_payment_method", "amount": s.Session.Amount, "currency": strings.ToLower(s.Session.Currency),
		"metadata":           map[string]string{"clockroom_payment_id": s.Session.Reference},
		"last_payment_error": map[string]string{"message": "Your card was declined. (This was the test checkout.)"}})
}

func (r *Rehearsal) settle(id, result string) (TestSession, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sessions[id]
	if !ok || s.gone() {
		return TestSession{}, ErrNoTestSession
	}
	s.Result = result
	return *s, nil
}

// sign wraps obj in an event of type typ, signed as Stripe signs webhooks.
func (r *Rehearsal) sign(typ string, obj map[string]any) (Answer, error) {
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	now := time.Now()
	payload, err := json.Marshal(map[string]any{"id": "evt_test_" + hex.EncodeToString(id), "object": "event", "type": typ,
		"api_version": "2023-10-16", "created": now.Unix(), "livemode": false, "data": map[string]any{"object": obj}})
	if err != nil {
		return Answer{}, err
	}
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: r.secret, Timestamp: now})
	return Answer{Payload: signed.Payload, Signature: signed.Header}, nil
}
