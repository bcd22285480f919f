package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/clockroom/clockroom/internal/billing"
	"github.com/clockroom/clockroom/models"
)

// saveCard sends the guest to a Stripe page that saves a card for
// pay-as-you-leave.
func (a *App) saveCard(c echo.Context) error {
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return err
	}
	leaveLane(c)
	url, err := a.billing.SetupCard(c.Request().Context(), *currentUser(c), venue.Currency, randomKey())
	if errors.Is(err, billing.ErrUnavailable) {
		a.log.Warn("save card", "id", requestID(c), "error", err)
		return a.seeOther(c, "/me/tickets", "We could not reach our payment provider. Please try again in a minute.")
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, url)
}

// chargeVisit takes a closed visit's bill through Stripe: the guest's saved
// card, or a pay-by-phone page shown as a QR. The request leaves its lane
// before it waits on Stripe.
func (a *App) chargeVisit(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/staff/visits/%d", id)
	method := c.FormValue("method")
	if method != models.PayCardOnFile && method != models.PayByPhone {
		return a.seeOther(c, back, "Choose card on file or pay by phone.")
	}
	if method == models.PayCardOnFile {
		back = backTo(c, back) // a phone payment shows its QR on the visit page
	}
	leaveLane(c)
	p, err := a.billing.ChargeVisit(c.Request().Context(), id, method, currentUser(c).ID)
	msg, refused := models.Refused(err)
	switch { // what happens next to this charge first, then any refusal's words
	case errors.Is(err, billing.ErrUnavailable) && method == models.PayByPhone:
		a.log.Warn("pay by phone", "id", requestID(c), "error", err)
		return a.seeOther(c, back, "Stripe could not start the payment page. Try again, or take payment another way.")
	case errors.Is(err, billing.ErrUnavailable):
		a.log.Warn("charge card: Stripe did not answer; the reconciler will retry", "id", requestID(c), "error", err)
		return a.seeOther(c, back, "Stripe did not answer. The payment is pending and will be retried automatically; nothing is charged twice.")
	case refused:
		return a.seeOther(c, back, msg)
	case err != nil:
		return err
	}
	if method == models.PayByPhone {
		return a.seeOther(c, back, "Show the guest the QR code: they pay on their own phone, and this page updates when they have.")
	}
	return a.seeOther(c, back, chargeMessage(p))
}

// abandonPayment gives up on a payment still waiting on Stripe, so staff can
// take it another way.
func (a *App) abandonPayment(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := a.store.PaymentByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/staff/visits/%d", p.VisitID)
	leaveLane(c)
	p, err = a.billing.Abandon(c.Request().Context(), id, currentUser(c).ID)
	msg, refused := models.Refused(err)
	switch { // what happens next to this payment first, then any refusal's words
	case errors.Is(err, billing.ErrBusy):
		return a.seeOther(c, back, "This payment is being sent to Stripe right now. Try again in a few seconds.")
	case errors.Is(err, billing.ErrUnavailable):
		return a.seeOther(c, back, "Stripe did not answer, so we cannot be sure nothing was taken. Try again in a minute.")
	case refused:
		return a.seeOther(c, back, msg)
	case err != nil:
		return err
	}
	return a.seeOther(c, back, "Payment abandoned: Stripe took nothing. Take cash, use the terminal or waive the bill.")
}

func chargeMessage(p models.Payment) string {
	switch p.Status {
	case models.PaymentSucceeded:
		return "Paid by card: " + models.FormatMoney(p.Amount, p.Currency) + "."
	case models.PaymentPending:
		return "The card payment is being processed."
	}
	reason := "The card was declined."
	if p.FailureReason != nil {
		reason = *p.FailureReason
	}
	return "The card payment did not go through: " + reason + " Take payment another way."
}

// paymentQR is the QR of a pay-by-phone page.
func (a *App) paymentQR(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	url, err := a.store.CheckoutURL(c.Request().Context(), id)
	if err != nil {
		return err
	}
	png, err := qrcode.Encode(url, qrcode.Medium, 384)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "image/png", png)
}

// paid thanks a guest who paid on their phone.
func (a *App) paid(c echo.Context) error {
	return a.seeOther(c, "/", "Thank you: your payment went through. See you soon!")
}

// checkoutReturn reads the payment a guest comes back to their ticket from
// Stripe's page with (?paid= or ?cancelled=, a payment of this ticket) and
// says what became of it, as the database has it now: paid only once
// Stripe's confirmation was recorded. confirming is the payment's visit
// while Stripe has yet to confirm a payment the guest made, else 0.
func (a *App) checkoutReturn(c echo.Context, t models.Ticket) (msg string, confirming int64, err error) {
	raw, cancelled := c.QueryParam("paid"), false
	if raw == "" {
		raw, cancelled = c.QueryParam("cancelled"), true
	}
	id, err := parseID(raw)
	if err != nil {
		return "", 0, nil // not a payment: the ticket as it is
	}
	p, err := a.store.TicketPayment(c.Request().Context(), t.ID, id)
	if errors.Is(err, models.ErrNotFound) {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, err
	}
	amount := money(p.Amount, p.Currency)
	switch {
	case p.Status == models.PaymentSucceeded || p.Status == models.PaymentPartiallyRefunded || p.Status == models.PaymentRefunded:
		msg = "Paid " + amount + " — thank you."
		if t.HolderMail != "" {
			msg += " Your receipt is on its way to " + t.HolderMail + "."
		}
		return msg, 0, nil
	case p.Status == models.PaymentFailed || p.Status == models.PaymentCanceled:
		return "Your payment of " + amount + " did not go through, so nothing was charged. Try again, or pay at the counter.", 0, nil
	case cancelled:
		return "Nothing was charged: your bill of " + amount + " is still to pay, here or at the counter.", 0, nil
	}
	return "Your payment of " + amount + " is being confirmed: this page shows when it is through, and your receipt follows by email.", p.VisitID, nil
}
