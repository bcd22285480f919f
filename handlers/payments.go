package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/clockroom/clockroom/internal/payments"
	"github.com/clockroom/clockroom/models"
)

// saveCard sends the guest to a Stripe page that saves a card for
// pay-as-you-leave. The Stripe customer is created once per user; the card
// is stored when Stripe's webhook confirms it.
func (a *App) saveCard(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	card, err := a.store.CardFor(ctx, u.ID)
	if err != nil {
		return err
	}
	existing := ""
	if card.Customer != nil {
		existing = *card.Customer
	}
	venue, err := a.venue(ctx)
	if err != nil {
		return err
	}
	customer, err := a.payments.EnsureCustomer(ctx, payments.Customer{Existing: existing, UserID: u.ID, Email: u.Email, Name: u.Name,
		Key: fmt.Sprintf("clockroom-customer-%d", u.ID)})
	if err == nil && existing == "" {
		err = a.store.SetStripeCustomer(ctx, u.ID, customer)
	}
	if err != nil {
		a.log.Error("save card: customer", "id", requestID(c), "error", err)
		return a.seeOther(c, "/me/tickets", "We could not reach our payment provider. Please try again in a minute.")
	}
	base := a.cfg.BaseURL.String()
	page, err := a.payments.SetupSession(ctx, payments.Session{CustomerID: customer, Currency: venue.Currency,
		SuccessURL: base + "/me/tickets?card=saved", CancelURL: base + "/me/tickets", Reference: strconv.FormatInt(u.ID, 10),
		Key: fmt.Sprintf("clockroom-setup-%d-%s", u.ID, randomKey())})
	if err != nil {
		a.log.Error("save card: session", "id", requestID(c), "error", err)
		return a.seeOther(c, "/me/tickets", "We could not reach our payment provider. Please try again in a minute.")
	}
	return c.Redirect(http.StatusSeeOther, page.URL)
}

// chargeVisit takes a closed visit's bill through Stripe: the guest's saved
// card, or a pay-by-phone page shown as a QR. The payment row is committed
// first; the Stripe call carries the row's idempotency key.
func (a *App) chargeVisit(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	ctx := c.Request().Context()
	back := fmt.Sprintf("/staff/visits/%d", id)
	method := c.FormValue("method")
	var card models.SavedCard
	switch method {
	case models.PayCardOnFile:
		if card, err = a.store.VisitGuestCard(ctx, id); errors.Is(err, models.ErrNotFound) || (err == nil && !card.HasCard()) {
			return a.seeOther(c, back, "This guest has no card on file. Take payment another way.")
		} else if err != nil {
			return err
		}
	case models.PayByPhone:
	default:
		return a.seeOther(c, back, "Choose card on file or pay by phone.")
	}
	d, err := a.store.VisitDetail(ctx, id, a.now())
	if errors.Is(err, models.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	if d.Visit.Amount != nil && models.BelowStripeMinimum(*d.Visit.Amount, d.Currency) {
		return a.seeOther(c, back, "This bill is below the smallest amount a card can be charged. Take cash or waive it.")
	}
	p, err := a.store.PendingCharge(ctx, id) // created at check-out, not yet sent
	if method != models.PayCardOnFile || errors.Is(err, models.ErrNotFound) {
		p, err = a.store.CreatePayment(ctx, models.NewPayment{VisitID: id, Method: method, ActorID: currentUser(c).ID})
	}
	switch {
	case errors.Is(err, models.ErrVisitOpen), errors.Is(err, models.ErrAlreadyPaid), errors.Is(err, models.ErrNothingToPay):
		return a.seeOther(c, back, sentence(err))
	case err != nil:
		return err
	}
	if method == models.PayByPhone {
		return a.startPhonePayment(c, p, d, back)
	}
	if claimed, err := a.store.ClaimForStripe(ctx, p.ID); err != nil {
		return err
	} else if !claimed {
		return a.seeOther(c, back, "This card payment is already being processed.")
	}
	p, err = a.chargeCard(context.WithoutCancel(ctx), p, card)
	if err != nil {
		a.log.Warn("charge card: Stripe unreachable; the reconciler will retry", "id", requestID(c), "payment", p.ID, "error", err)
		return a.seeOther(c, back, "Stripe did not answer. The payment is pending and will be retried automatically; nothing is charged twice.")
	}
	return a.seeOther(c, back, chargeMessage(p))
}

// chargeCard sends a committed card payment to Stripe with the row's
// idempotency key and records the outcome. An error means Stripe did not
// answer: the payment stays pending for the reconciler.
func (a *App) chargeCard(ctx context.Context, p models.Payment, card models.SavedCard) (models.Payment, error) {
	res, err := a.payments.ChargeSaved(ctx, payments.Charge{Amount: p.Amount, Currency: p.Currency, CustomerID: *card.Customer,
		PaymentMethod: *card.PaymentMethod, Description: "Clockroom visit", Reference: strconv.FormatInt(p.ID, 10), Key: p.Key()})
	if err != nil {
		return p, err
	}
	return a.store.ApplyCharge(ctx, p.ID, models.ChargeOutcome{PaymentIntent: res.PaymentIntent, Status: res.Status, FailureReason: res.FailureReason})
}

// payAsYouLeave charges the card payment a check-out created, if any, and
// says what happened; "" when there was none.
func (a *App) payAsYouLeave(ctx context.Context, pay *models.Payment) string {
	if pay == nil {
		return ""
	}
	p := *pay
	if p.IsHold && p.Status == models.PaymentAuthorized {
		return a.settleHold(ctx, p)
	}
	card, err := a.store.VisitGuestCard(ctx, p.VisitID)
	if err == nil && card.HasCard() {
		p, err = a.chargeCard(ctx, p, card)
	}
	if err != nil {
		a.log.Warn("pay as you leave: left pending for the reconciler", "payment", p.ID, "error", err)
		return "The card payment is pending: Stripe did not answer, and it will be retried."
	}
	return chargeMessage(p)
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

func (a *App) startPhonePayment(c echo.Context, p models.Payment, d models.VisitDetail, back string) error {
	// The row is committed: finish the call and its bookkeeping even if the
	// person leaves the page.
	ctx := context.WithoutCancel(c.Request().Context())
	base := a.cfg.BaseURL.String()
	page, err := a.payments.PaymentSession(ctx, payments.Session{Amount: p.Amount, Currency: p.Currency,
		Description: "Your time at " + d.Venue.Name + ": " + d.Event.Title, SuccessURL: base + "/paid", CancelURL: base + "/",
		Reference: strconv.FormatInt(p.ID, 10), Key: p.Key()})
	if err == nil {
		err = a.store.SetCheckoutSession(ctx, p.ID, page.ID, page.URL)
	}
	if err != nil {
		a.log.Error("pay by phone", "id", requestID(c), "payment", p.ID, "error", err)
		_, _ = a.store.ApplyCharge(ctx, p.ID, models.ChargeOutcome{Status: "canceled", FailureReason: "Stripe could not start the payment page."})
		return a.seeOther(c, back, "Stripe could not start the payment page. Try again, or take payment another way.")
	}
	return a.seeOther(c, back, "Show the guest the QR code: they pay on their own phone, and this page updates when they have.")
}

// paymentQR is the QR of a pay-by-phone page.
func (a *App) paymentQR(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	url, err := a.store.CheckoutURL(c.Request().Context(), id)
	if errors.Is(err, models.ErrNotFound) {
		return echo.ErrNotFound
	}
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

// placeHold authorises a hold created at admission. If it fails the guest
// stays admitted and the visit is flagged for staff.
func (a *App) placeHold(ctx context.Context, h *models.Payment) string {
	if h == nil {
		return ""
	}
	card, err := a.store.VisitGuestCard(ctx, h.VisitID)
	if err != nil || !card.HasCard() {
		return ""
	}
	res, err := a.payments.Hold(ctx, payments.Charge{Amount: h.Amount, Currency: h.Currency, CustomerID: *card.Customer,
		PaymentMethod: *card.PaymentMethod, Description: "Clockroom: hold at check-in", Reference: strconv.FormatInt(h.ID, 10), Key: h.HoldKey()})
	if err != nil {
		a.log.Warn("hold at check-in: Stripe did not answer", "payment", h.ID, "error", err)
		return "No card hold: Stripe did not answer. Staff will take payment at the exit."
	}
	if err := a.store.ApplyHold(ctx, h.ID, models.ChargeOutcome{PaymentIntent: res.PaymentIntent, Status: res.Status, FailureReason: res.FailureReason}); err != nil {
		a.log.Error("hold at check-in: record", "payment", h.ID, "error", err)
	}
	if res.Status != payments.StatusAuthorized {
		return "The card hold failed; staff are told to take payment at the exit."
	}
	return "Card hold of " + models.FormatMoney(h.Amount, h.Currency) + " placed."
}

// settleHold captures the bill from an authorised hold, or releases the
// hold when there is nothing to pay.
func (a *App) settleHold(ctx context.Context, p models.Payment) string {
	var res payments.Result
	var err error
	if p.Amount == 0 {
		err = a.payments.CancelHold(ctx, *p.PaymentIntent, p.ReleaseKey())
		res = payments.Result{PaymentIntent: *p.PaymentIntent, Status: payments.StatusCanceled, FailureReason: "Nothing to pay: the hold was released."}
	} else {
		res, err = a.payments.Capture(ctx, *p.PaymentIntent, p.Amount, p.CaptureKey())
	}
	if err != nil {
		a.log.Warn("settle hold: Stripe did not answer; the reconciler will retry", "payment", p.ID, "error", err)
		return "The card payment is pending: Stripe did not answer, and it will be retried."
	}
	p, err = a.store.ApplyCharge(ctx, p.ID, models.ChargeOutcome{PaymentIntent: res.PaymentIntent, Status: res.Status, FailureReason: res.FailureReason})
	if err != nil {
		a.log.Error("settle hold: record", "payment", p.ID, "error", err)
		return ""
	}
	if p.Status == models.PaymentCanceled {
		return "Nothing to pay: the card hold was released."
	}
	return chargeMessage(p)
}
