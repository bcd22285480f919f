package handlers

import (
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
	fresh, err := a.billing.ApplyWebhook(c.Request().Context(), evt.ID, string(evt.Type), evt.Data.Raw)
	if errors.Is(err, billing.ErrBadEvent) {
		return c.JSON(http.StatusBadRequest, apiError{Error: err.Error()})
	}
	if err != nil {
		return err // 500: Stripe delivers it again
	}
	return c.JSON(http.StatusOK, map[string]bool{"received": true, "duplicate": !fresh})
}
