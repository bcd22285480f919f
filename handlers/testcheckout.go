package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/internal/stripeapi"
)

// testCheckout is the rehearsal's stand-in for Stripe's hosted page, in
// test mode with the local emulator only: Pay and Decline buttons, clearly
// marked TEST.
func (a *App) testCheckout(c echo.Context) error {
	s, err := a.rehearsal.TestSession(c.Param("id"))
	if errors.Is(err, stripeapi.ErrNoTestSession) {
		return echo.NewHTTPError(http.StatusNotFound, "This test checkout page is gone: it was used already, or the server restarted since. Start the payment again.")
	}
	if err != nil {
		return err
	}
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "test_checkout", page{Title: "Test checkout", Data: map[string]any{"S": s, "Venue": venue}})
}

// testCheckoutAnswer is the guest pressing Pay or Decline: the event Stripe
// would send goes through the app's own webhook verification and handling.
func (a *App) testCheckoutAnswer(c echo.Context) error {
	id := c.Param("id")
	var ans stripeapi.Answer
	var err error
	switch c.FormValue("outcome") {
	case "pay":
		ans, err = a.rehearsal.Pay(id)
	case "decline":
		ans, err = a.rehearsal.Decline(id)
	default:
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Choose Pay or Decline.")
	}
	if errors.Is(err, stripeapi.ErrNoTestSession) {
		return echo.NewHTTPError(http.StatusNotFound, "This test checkout page is gone: it was used already, or the server restarted since. Start the payment again.")
	}
	if err != nil {
		return err
	}
	if ans.Payload != nil {
		if _, err := a.acceptWebhook(c.Request().Context(), ans.Payload, ans.Signature); err != nil {
			return err
		}
	}
	if ans.Next != "" {
		return c.Redirect(http.StatusSeeOther, ans.Next)
	}
	return a.seeOther(c, "/test-checkout/"+id, "Declined: the test card was refused, as a real one can be. Pay, or close this page.")
}
