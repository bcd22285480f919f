package stripeapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/clockroom/clockroom/internal/billing"
)

// Stripe is the Gateway backed by the Stripe API (or stripe-mock).
type Stripe struct {
	api *client.API
}

// NewStripe talks to Stripe with key; a non-empty apiBase points it elsewhere
// (stripe-mock in development and tests). timeout bounds each HTTP request;
// billing bounds each whole call with the same figure.
func NewStripe(key, apiBase string, timeout time.Duration) *Stripe {
	cfg := &stripe.BackendConfig{LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelError},
		// One try within the timeout: the reconciler retries later, with the
		// same key, instead of a request waiting through stripe-go's retries.
		HTTPClient:        &http.Client{Timeout: timeout},
		MaxNetworkRetries: stripe.Int64(0),
	}
	if apiBase != "" {
		cfg.URL = stripe.String(apiBase)
	}
	api := &client.API{}
	api.Init(key, &stripe.Backends{
		API:     stripe.GetBackendWithConfig(stripe.APIBackend, cfg),
		Connect: stripe.GetBackendWithConfig(stripe.ConnectBackend, cfg),
		Uploads: stripe.GetBackendWithConfig(stripe.UploadsBackend, cfg),
	})
	return &Stripe{api: api}
}

// EnsureCustomer creates the customer once per user.
func (s *Stripe) EnsureCustomer(ctx context.Context, c billing.Customer) (string, error) {
	if c.Existing != "" {
		return c.Existing, nil
	}
	p := &stripe.CustomerParams{Email: stripe.String(c.Email), Name: stripe.String(c.Name)}
	p.Context = ctx
	p.SetIdempotencyKey(c.Key)
	p.AddMetadata("clockroom_user_id", strconv.FormatInt(c.UserID, 10))
	cus, err := s.api.Customers.New(p)
	if err != nil {
		return "", classify(err)
	}
	return cus.ID, nil
}

// SetupSession opens Checkout in setup mode, to save a card for later.
func (s *Stripe) SetupSession(ctx context.Context, ss billing.Session) (billing.Hosted, error) {
	p := &stripe.CheckoutSessionParams{
		Mode:               stripe.String(string(stripe.CheckoutSessionModeSetup)),
		Customer:           stripe.String(ss.CustomerID),
		Currency:           stripe.String(strings.ToLower(ss.Currency)),
		PaymentMethodTypes: stripe.StringSlice([]string{"card"}),
		SuccessURL:         stripe.String(ss.SuccessURL),
		CancelURL:          stripe.String(ss.CancelURL),
		ClientReferenceID:  stripe.String(ss.Reference),
	}
	return s.newSession(ctx, p, ss.Key)
}

// PaymentSession opens Checkout for one bill, paid on the guest's phone.
func (s *Stripe) PaymentSession(ctx context.Context, ss billing.Session) (billing.Hosted, error) {
	p := &stripe.CheckoutSessionParams{
		Mode: stripe.String(string(stripe.CheckoutSessionModePayment)),
		// Cards settle at once; slower methods would complete unpaid.
		PaymentMethodTypes: stripe.StringSlice([]string{"card"}),
		LineItems: []*stripe.CheckoutSessionLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{
				Currency:    stripe.String(strings.ToLower(ss.Currency)),
				UnitAmount:  stripe.Int64(ss.Amount),
				ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripe.String(ss.Description)},
			},
		}},
		PaymentIntentData: &stripe.CheckoutSessionPaymentIntentDataParams{
			Metadata: map[string]string{"clockroom_payment_id": ss.Reference},
		},
		SuccessURL:        stripe.String(ss.SuccessURL),
		CancelURL:         stripe.String(ss.CancelURL),
		ClientReferenceID: stripe.String(ss.Reference),
	}
	return s.newSession(ctx, p, ss.Key)
}

// newSession creates a Checkout Session with an idempotency key.
func (s *Stripe) newSession(ctx context.Context, p *stripe.CheckoutSessionParams, key string) (billing.Hosted, error) {
	p.Context = ctx
	p.SetIdempotencyKey(key)
	cs, err := s.api.CheckoutSessions.New(p)
	if err != nil {
		return billing.Hosted{}, classify(err)
	}
	return billing.Hosted{ID: cs.ID, URL: cs.URL}, nil
}

// SavedCard reads the payment method a setup intent saved.
func (s *Stripe) SavedCard(ctx context.Context, setupIntent string) (string, string, error) {
	p := &stripe.SetupIntentParams{}
	p.Context = ctx
	p.AddExpand("payment_method")
	si, err := s.api.SetupIntents.Get(setupIntent, p)
	if err != nil {
		return "", "", err
	}
	if si.PaymentMethod == nil {
		return "", "", errors.New("the setup intent has no payment method")
	}
	label := "card"
	if c := si.PaymentMethod.Card; c != nil {
		label = string(c.Brand) + " •••• " + c.Last4
	}
	return si.PaymentMethod.ID, label, nil
}

// ChargeSaved creates and confirms an off-session PaymentIntent.
func (s *Stripe) ChargeSaved(ctx context.Context, c billing.Charge) (billing.Result, error) {
	return s.offSession(ctx, c, false)
}

// Hold authorises c.Amount with manual capture.
func (s *Stripe) Hold(ctx context.Context, c billing.Charge) (billing.Result, error) {
	return s.offSession(ctx, c, true)
}

// Capture takes amount from a hold.
func (s *Stripe) Capture(ctx context.Context, pi string, amount int64, key string) (billing.Result, error) {
	p := &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(amount)}
	p.Context = ctx
	p.SetIdempotencyKey(key)
	intent, err := s.api.PaymentIntents.Capture(pi, p)
	if err != nil {
		return declined(err)
	}
	return result(intent), nil
}

// CancelHold releases a hold.
func (s *Stripe) CancelHold(ctx context.Context, pi, key string) error {
	p := &stripe.PaymentIntentCancelParams{CancellationReason: stripe.String("abandoned")}
	p.Context = ctx
	p.SetIdempotencyKey(key)
	_, err := s.api.PaymentIntents.Cancel(pi, p)
	return classify(err)
}

func (s *Stripe) offSession(ctx context.Context, c billing.Charge, hold bool) (billing.Result, error) {
	p := &stripe.PaymentIntentParams{
		Amount:        stripe.Int64(c.Amount),
		Currency:      stripe.String(strings.ToLower(c.Currency)),
		Customer:      stripe.String(c.CustomerID),
		PaymentMethod: stripe.String(c.PaymentMethod),
		Description:   stripe.String(c.Description),
		Confirm:       stripe.Bool(true),
		OffSession:    stripe.Bool(true),
	}
	if hold {
		p.CaptureMethod = stripe.String(string(stripe.PaymentIntentCaptureMethodManual))
	}
	p.Context = ctx
	p.SetIdempotencyKey(c.Key)
	p.AddMetadata("clockroom_payment_id", c.Reference)
	pi, err := s.api.PaymentIntents.New(p)
	if err != nil {
		return declined(err)
	}
	return result(pi), nil
}

// CheckoutSession looks a hosted payment page up.
func (s *Stripe) CheckoutSession(ctx context.Context, id string) (billing.Result, error) {
	p := &stripe.CheckoutSessionParams{}
	p.Context = ctx
	cs, err := s.api.CheckoutSessions.Get(id, p)
	if err != nil {
		return billing.Result{}, classify(err)
	}
	return sessionResult(cs), nil
}

// ExpireSession closes a hosted payment page; one already paid or expired
// is looked up instead.
func (s *Stripe) ExpireSession(ctx context.Context, id string) (billing.Result, error) {
	p := &stripe.CheckoutSessionExpireParams{}
	p.Context = ctx
	cs, err := s.api.CheckoutSessions.Expire(id, p)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && se.Type == stripe.ErrorTypeInvalidRequest {
			return s.CheckoutSession(ctx, id) // no longer open: say where it stands
		}
		return billing.Result{}, classify(err)
	}
	return sessionResult(cs), nil
}

func sessionResult(cs *stripe.CheckoutSession) billing.Result {
	r := billing.Result{Amount: cs.AmountTotal, Currency: strings.ToUpper(string(cs.Currency)), Status: "checkout:" + string(cs.Status)}
	if cs.Status == stripe.CheckoutSessionStatusComplete {
		r.Status += ":" + string(cs.PaymentStatus)
	}
	if cs.PaymentIntent != nil {
		r.PaymentIntent = cs.PaymentIntent.ID
	}
	return r
}

// PaymentIntent looks a charge up.
func (s *Stripe) PaymentIntent(ctx context.Context, id string) (billing.Result, error) {
	p := &stripe.PaymentIntentParams{}
	p.Context = ctx
	pi, err := s.api.PaymentIntents.Get(id, p)
	if err != nil {
		return billing.Result{}, classify(err)
	}
	return result(pi), nil
}

// FindCharge searches for the PaymentIntent made for our reference (its
// metadata), for a charge whose answer never reached us.
func (s *Stripe) FindCharge(ctx context.Context, reference string) (billing.Result, bool, error) {
	p := &stripe.PaymentIntentSearchParams{}
	p.Context = ctx
	p.Query = "metadata['clockroom_payment_id']:'" + reference + "'"
	it := s.api.PaymentIntents.Search(p)
	for it.Next() {
		if pi := it.PaymentIntent(); pi.Metadata["clockroom_payment_id"] == reference {
			return result(pi), true, nil
		}
	}
	if err := it.Err(); err != nil {
		return billing.Result{}, false, classify(err)
	}
	return billing.Result{}, false, nil
}

// Refund returns money from a charge.
func (s *Stripe) Refund(ctx context.Context, paymentIntent string, amount int64, key string) error {
	p := &stripe.RefundParams{PaymentIntent: stripe.String(paymentIntent), Amount: stripe.Int64(amount)}
	p.Context = ctx
	p.SetIdempotencyKey(key)
	_, err := s.api.Refunds.New(p)
	return classify(err)
}

// result reports a PaymentIntent as Stripe states it; billing maps it.
func result(pi *stripe.PaymentIntent) billing.Result {
	r := billing.Result{PaymentIntent: pi.ID, Status: string(pi.Status), Amount: pi.Amount, Currency: strings.ToUpper(string(pi.Currency))}
	if pi.Status == stripe.PaymentIntentStatusSucceeded && pi.AmountReceived > 0 {
		r.Amount = pi.AmountReceived // a captured hold took less than it held
	}
	if pi.LastPaymentError != nil && pi.LastPaymentError.Msg != "" {
		r.FailureReason = pi.LastPaymentError.Msg
	}
	return r
}

// declined turns a card error into the declined PaymentIntent it made (a
// card error is an answer, not a failure to reach Stripe); other errors are
// classified.
func declined(err error) (billing.Result, error) {
	var se *stripe.Error
	if !errors.As(err, &se) || se.Type != stripe.ErrorTypeCard {
		return billing.Result{}, classify(err)
	}
	r := billing.Result{Status: billing.StripeRequiresPaymentMethod, FailureReason: se.Msg}
	if se.PaymentIntent != nil {
		r.PaymentIntent = se.PaymentIntent.ID
	}
	if se.Code == stripe.ErrorCodeAuthenticationRequired {
		r.Status, r.FailureReason = billing.StripeRequiresAction, ""
	}
	return r, nil
}

// classify marks Stripe's refusals that no retry can change (an invalid
// request, a card error) as permanent; network errors, timeouts, 409
// (a request with this key in flight), 429 and 5xx stay transient.
func classify(err error) error {
	var se *stripe.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	switch {
	case se.HTTPStatusCode == 409, se.HTTPStatusCode == 429, se.HTTPStatusCode >= 500:
		return err
	case se.Type == stripe.ErrorTypeInvalidRequest, se.Type == stripe.ErrorTypeCard:
		msg := se.Msg
		if msg == "" {
			msg = "Stripe refused the request."
		}
		return &billing.PermanentError{Message: msg}
	}
	return err
}
