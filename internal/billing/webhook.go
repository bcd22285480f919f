package billing

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"

	"github.com/clockroom/clockroom/models"
)

// ErrBadEvent means a signed webhook's object could not be read.
var ErrBadEvent = errors.New("unreadable event object")

// stripeObject holds the fields of the objects in the events we handle.
type stripeObject struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	Status            string            `json:"status"`
	Mode              string            `json:"mode"`
	Customer          string            `json:"customer"`
	SetupIntent       string            `json:"setup_intent"`
	PaymentIntent     string            `json:"payment_intent"`
	ClientReferenceID string            `json:"client_reference_id"`
	AmountTotal       int64             `json:"amount_total"`
	Amount            int64             `json:"amount"`
	AmountReceived    int64             `json:"amount_received"`
	PaymentStatus     string            `json:"payment_status"`
	AmountRefunded    int64             `json:"amount_refunded"`
	Currency          string            `json:"currency"`
	Metadata          map[string]string `json:"metadata"`
	LastPaymentError  *struct {
		Message string `json:"message"`
	} `json:"last_payment_error"`
}

// ApplyWebhook applies a verified Stripe event once, by its id, and reports
// whether it was new. A webhook is a trigger: the state it reports is mapped
// through the same table as every lookup, and applied so that order and
// repeats cannot move a payment the wrong way (models.ProcessStripeEvent): a
// move the payment table refuses is logged and acknowledged. A completed card
// setup is read back from Stripe; if Stripe does not answer the error makes
// Stripe deliver the event again.
func (s *Service) ApplyWebhook(ctx context.Context, id, typ string, raw json.RawMessage) (bool, error) {
	var o stripeObject
	if err := json.Unmarshal(raw, &o); err != nil {
		return false, ErrBadEvent
	}
	e := models.StripeEvent{ID: id, Type: typ, Currency: strings.ToUpper(o.Currency), Customer: o.Customer,
		PaymentID: models.ParseReference(o.Metadata["clockroom_payment_id"]), AmountRefunded: o.AmountRefunded}
	switch {
	case typ == "checkout.session.completed" && o.Mode == "setup":
		e.Mode = o.Mode
		err := s.call(ctx, func(ctx context.Context) (err error) {
			e.PaymentMethod, e.CardLabel, err = s.gw.SavedCard(ctx, o.SetupIntent)
			return err
		})
		if err != nil {
			return false, err
		}
	case strings.HasPrefix(typ, "checkout.session.") && o.Mode == "payment":
		e.CheckoutSession, e.Mode, e.PaymentIntent, e.Amount = o.ID, o.Mode, o.PaymentIntent, o.AmountTotal
		e.PaymentID = models.ParseReference(o.ClientReferenceID)
		status := "checkout:" + o.Status
		if o.Status == "complete" {
			status += ":" + o.PaymentStatus
		}
		e.Status = StatusFor(status)
		if e.Status == models.PaymentCanceled {
			e.FailureReason = reasons[CheckoutExpired]
		}
	case strings.HasPrefix(typ, "payment_intent."):
		// What was taken, which for a captured hold is less than was held.
		e.PaymentIntent, e.Amount = o.ID, o.AmountReceived
		res := Result{Status: o.Status}
		if o.LastPaymentError != nil {
			res.FailureReason = o.LastPaymentError.Message
		}
		out := outcome(res)
		e.Status, e.FailureReason = out.Status, out.FailureReason
	case typ == "charge.refunded":
		e.PaymentIntent, e.Amount = o.PaymentIntent, o.Amount
	}
	if e.Status == models.PaymentPending {
		e.Status = "" // nothing to move yet
	}
	fresh, err := s.store.ProcessStripeEvent(ctx, e)
	return fresh, s.nothingToDo(err, slog.LevelInfo, "stripe webhook came late or out of order", "event", id, "type", typ)
}
