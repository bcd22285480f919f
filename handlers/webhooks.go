package handlers

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/clockroom/clockroom/models"
)

// stripeWebhook is POST /webhooks/stripe. The signature is checked with
// STRIPE_WEBHOOK_SECRET (unsigned, wrongly signed and stale deliveries get
// 400), each event id is applied once, and types we do not use are
// acknowledged.
func (a *App) stripeWebhook(c echo.Context) error {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, 256<<10))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "unreadable body")
	}
	if a.cfg.StripeWebhookSecret == "" {
		return c.JSON(http.StatusBadRequest, apiError{Error: "webhooks are not configured: set STRIPE_WEBHOOK_SECRET"})
	}
	// Events from other API versions are accepted: we read only stable fields.
	evt, err := webhook.ConstructEventWithOptions(body, c.Request().Header.Get("Stripe-Signature"), a.cfg.StripeWebhookSecret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		a.log.Warn("stripe webhook rejected", "id", requestID(c), "error", err)
		return c.JSON(http.StatusBadRequest, apiError{Error: "invalid signature"})
	}
	e, err := a.readStripeEvent(c, evt.ID, string(evt.Type), evt.Data.Raw)
	if err != nil {
		return err
	}
	fresh, err := a.store.ProcessStripeEvent(c.Request().Context(), e)
	if err != nil {
		return err // 500: Stripe delivers it again
	}
	return c.JSON(http.StatusOK, map[string]bool{"received": true, "duplicate": !fresh})
}

// stripeObject holds the fields of the objects in the events we handle.
type stripeObject struct {
	ID                string            `json:"id"`
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

func (a *App) readStripeEvent(c echo.Context, id, typ string, raw json.RawMessage) (models.StripeEvent, error) {
	var o stripeObject
	if err := json.Unmarshal(raw, &o); err != nil {
		return models.StripeEvent{}, echo.NewHTTPError(http.StatusBadRequest, "unreadable event object")
	}
	e := models.StripeEvent{ID: id, Type: typ, Currency: strings.ToUpper(o.Currency), Customer: o.Customer,
		PaymentID: models.ParseReference(o.Metadata["clockroom_payment_id"]), AmountRefunded: o.AmountRefunded}
	switch {
	case strings.HasPrefix(typ, "checkout.session."):
		e.CheckoutSession, e.Mode, e.PaymentIntent, e.Amount = o.ID, o.Mode, o.PaymentIntent, o.AmountTotal
		if o.Mode == "payment" {
			e.PaymentID = models.ParseReference(o.ClientReferenceID)
			if typ == "checkout.session.completed" && o.PaymentStatus != "paid" {
				e.Type = "checkout.session.completed.unpaid" // not money yet: acknowledged, nothing settled
			}
		}
		if typ == "checkout.session.completed" && o.Mode == "setup" {
			pm, label, err := a.payments.SavedCard(c.Request().Context(), o.SetupIntent)
			if err != nil {
				return e, err // 500: Stripe retries
			}
			e.PaymentMethod, e.CardLabel = pm, label
		}
	case strings.HasPrefix(typ, "payment_intent."):
		// What was taken, which for a captured hold is less than was held.
		e.PaymentIntent, e.Amount = o.ID, o.AmountReceived
		if o.LastPaymentError != nil {
			e.FailureReason = o.LastPaymentError.Message
		}
	case typ == "charge.refunded":
		e.PaymentIntent, e.Amount = o.PaymentIntent, o.Amount
	}
	return e, nil
}
