package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/clockroom/clockroom/internal/billing"
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
	fresh, err := a.acceptWebhook(c.Request().Context(), body, c.Request().Header.Get("Stripe-Signature"))
	var refused *webhookRefused
	switch {
	case errors.As(err, &refused):
		a.log.Warn("stripe webhook rejected", "id", requestID(c), "error", refused.err)
		return c.JSON(http.StatusBadRequest, apiError{Error: refused.why})
	case err != nil:
		return err // 500: Stripe delivers it again
	}
	return c.JSON(http.StatusOK, map[string]bool{"received": true, "duplicate": !fresh})
}

// webhookRefused is a delivery that is not a valid signed event.
type webhookRefused struct {
	why string
	err error
}

func (e *webhookRefused) Error() string { return e.why }

// acceptWebhook verifies a signed delivery and applies its event once. The
// test checkout hands its events in here too, so they take the same path.
func (a *App) acceptWebhook(ctx context.Context, body []byte, signature string) (bool, error) {
	if a.cfg.StripeWebhookSecret == "" {
		return false, &webhookRefused{why: "webhooks are not configured: set STRIPE_WEBHOOK_SECRET"}
	}
	// Events from other API versions are accepted: we read only stable fields.
	evt, err := webhook.ConstructEventWithOptions(body, signature, a.cfg.StripeWebhookSecret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		return false, &webhookRefused{why: "invalid signature", err: err}
	}
	fresh, err := a.billing.ApplyWebhook(ctx, evt.ID, string(evt.Type), evt.Data.Raw)
	if errors.Is(err, billing.ErrBadEvent) {
		return false, &webhookRefused{why: err.Error(), err: err}
	}
	return fresh, err
}
