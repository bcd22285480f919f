package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

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
		return apiRefusal(c, http.StatusBadRequest, apiError{Error: refused.why})
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

// signedInFuture reports whether a Stripe-Signature header's time is more
// than the tolerance ahead of now. Stripe's library refuses old signatures
// only; one from the future would be replayable for as long as it claims.
func signedInFuture(header string, now time.Time) bool {
	for _, part := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "t="); ok {
			ts, err := strconv.ParseInt(v, 10, 64)
			return err != nil || time.Unix(ts, 0).After(now.Add(webhook.DefaultTolerance))
		}
	}
	return false // no time: the signature check refuses it
}

// acceptWebhook verifies a signed delivery and applies its event once. The
// test checkout hands its events in here too, so they take the same path.
func (a *App) acceptWebhook(ctx context.Context, body []byte, signature string) (bool, error) {
	if a.cfg.StripeWebhookSecret == "" {
		return false, &webhookRefused{why: "webhooks are not configured: set STRIPE_WEBHOOK_SECRET"}
	}
	if signedInFuture(signature, a.now()) {
		return false, &webhookRefused{why: "invalid signature", err: errors.New("signed in the future")}
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
