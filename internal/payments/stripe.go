package payments

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// Stripe is the Gateway backed by the Stripe API (or stripe-mock).
type Stripe struct {
	api *client.API
}

// NewStripe talks to Stripe with key; a non-empty apiBase points it elsewhere
// (stripe-mock in development and tests).
func NewStripe(key, apiBase string) *Stripe {
	cfg := &stripe.BackendConfig{LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelError}}
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
func (s *Stripe) EnsureCustomer(ctx context.Context, c Customer) (string, error) {
	if c.Existing != "" {
		return c.Existing, nil
	}
	p := &stripe.CustomerParams{Email: stripe.String(c.Email), Name: stripe.String(c.Name)}
	p.Context = ctx
	p.SetIdempotencyKey(c.Key)
	p.AddMetadata("clockroom_user_id", strconv.FormatInt(c.UserID, 10))
	cus, err := s.api.Customers.New(p)
	if err != nil {
		return "", err
	}
	return cus.ID, nil
}

// SetupSession opens Checkout in setup mode, to save a card for later.
func (s *Stripe) SetupSession(ctx context.Context, ss Session) (Hosted, error) {
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
func (s *Stripe) PaymentSession(ctx context.Context, ss Session) (Hosted, error) {
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
func (s *Stripe) newSession(ctx context.Context, p *stripe.CheckoutSessionParams, key string) (Hosted, error) {
	p.Context = ctx
	p.SetIdempotencyKey(key)
	cs, err := s.api.CheckoutSessions.New(p)
	if err != nil {
		return Hosted{}, err
	}
	return Hosted{ID: cs.ID, URL: cs.URL}, nil
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
func (s *Stripe) ChargeSaved(ctx context.Context, c Charge) (Result, error) {
	return s.offSession(ctx, c, false)
}

// Hold authorises c.Amount with manual capture.
func (s *Stripe) Hold(ctx context.Context, c Charge) (Result, error) {
	return s.offSession(ctx, c, true)
}

// Capture takes amount from a hold.
func (s *Stripe) Capture(ctx context.Context, pi string, amount int64, key string) (Result, error) {
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
	return err
}

func (s *Stripe) offSession(ctx context.Context, c Charge, hold bool) (Result, error) {
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
func (s *Stripe) CheckoutSession(ctx context.Context, id string) (Result, error) {
	p := &stripe.CheckoutSessionParams{}
	p.Context = ctx
	cs, err := s.api.CheckoutSessions.Get(id, p)
	if err != nil {
		return Result{}, err
	}
	r := Result{Amount: cs.AmountTotal, Currency: strings.ToUpper(string(cs.Currency)), Status: StatusProcessing}
	if cs.PaymentIntent != nil {
		r.PaymentIntent = cs.PaymentIntent.ID
	}
	switch {
	case cs.Status == stripe.CheckoutSessionStatusComplete && cs.PaymentStatus == stripe.CheckoutSessionPaymentStatusPaid:
		r.Status = StatusSucceeded
	case cs.Status == stripe.CheckoutSessionStatusExpired:
		r.Status, r.FailureReason = StatusCanceled, "The guest did not pay before the payment page expired."
	}
	return r, nil
}

// PaymentIntent looks a charge up.
func (s *Stripe) PaymentIntent(ctx context.Context, id string) (Result, error) {
	p := &stripe.PaymentIntentParams{}
	p.Context = ctx
	pi, err := s.api.PaymentIntents.Get(id, p)
	if err != nil {
		return Result{}, err
	}
	return result(pi), nil
}

// Refund returns money from a charge.
func (s *Stripe) Refund(ctx context.Context, paymentIntent string, amount int64, key string) error {
	p := &stripe.RefundParams{PaymentIntent: stripe.String(paymentIntent), Amount: stripe.Int64(amount)}
	p.Context = ctx
	p.SetIdempotencyKey(key)
	_, err := s.api.Refunds.New(p)
	return err
}

func result(pi *stripe.PaymentIntent) Result {
	r := Result{PaymentIntent: pi.ID, Amount: pi.Amount, Currency: strings.ToUpper(string(pi.Currency))}
	switch pi.Status {
	case stripe.PaymentIntentStatusSucceeded:
		r.Status = StatusSucceeded
	case stripe.PaymentIntentStatusRequiresCapture:
		r.Status = StatusAuthorized
	case stripe.PaymentIntentStatusRequiresAction:
		r.Status, r.FailureReason = StatusRequiresAction, "The card needs the guest to confirm the payment; take payment another way."
	case stripe.PaymentIntentStatusCanceled:
		r.Status, r.FailureReason = StatusCanceled, "The payment was canceled."
	case stripe.PaymentIntentStatusRequiresPaymentMethod:
		r.Status, r.FailureReason = StatusFailed, "The card was declined."
	default:
		r.Status = StatusProcessing
	}
	if pi.LastPaymentError != nil && pi.LastPaymentError.Msg != "" {
		r.FailureReason = pi.LastPaymentError.Msg
	}
	return r
}

// declined turns a card error into a failed Result; other errors (network,
// Stripe down) are returned, so the payment stays pending for the reconciler.
func declined(err error) (Result, error) {
	var se *stripe.Error
	if !errors.As(err, &se) || se.Type != stripe.ErrorTypeCard {
		return Result{}, err
	}
	r := Result{Status: StatusFailed, FailureReason: se.Msg}
	if se.PaymentIntent != nil {
		r.PaymentIntent = se.PaymentIntent.ID
	}
	if se.Code == stripe.ErrorCodeAuthenticationRequired {
		r.Status = StatusRequiresAction
		r.FailureReason = "The card needs the guest to confirm the payment; take payment another way."
	}
	if r.FailureReason == "" {
		r.FailureReason = "The card was declined."
	}
	return r, nil
}
