package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/internal/billing"
	"github.com/clockroom/clockroom/models"
)

// livePage is who is inside and what they owe.
type livePage struct {
	Inside   []models.Inside
	Owed     int // bills still to collect, everywhere
	Total    int64
	Currency string
	Room     int
	Loc      *time.Location
}

// staffLive shows everyone inside now with their running bill. The page
// refreshes its table by itself.
func (a *App) staffLive(c echo.Context) error {
	ctx := c.Request().Context()
	inside, err := a.store.InsideNow(ctx)
	if err != nil {
		return err
	}
	venue, err := a.venue(ctx)
	if err != nil {
		return err
	}
	p := livePage{Inside: inside, Currency: venue.Currency, Room: venue.RoomCapacity, Loc: venue.Location()}
	if p.Owed, err = a.store.OwedCount(ctx); err != nil {
		return err
	}
	for _, in := range inside {
		p.Total += in.Bill.Amount
	}
	return a.render(c, http.StatusOK, "staff_live", page{Title: "Inside now", Data: p})
}

// checkoutVisit closes a visit now and shows its bill. Repeating it is
// harmless: a closed visit stays as it is.
func (a *App) checkoutVisit(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	v, b, st, err := a.billing.CheckOut(c.Request().Context(), id, currentUser(c).ID, deviceName(c))
	if err != nil {
		return err
	}
	d, err := a.store.VisitDetail(c.Request().Context(), v.ID)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("%s checked out: %d minutes, %s.", v.GuestName, b.Minutes, models.FormatMoney(b.Amount, d.Currency))
	if v.Resumed { // the night's bill goes on from earlier stays: say what this one added
		msg = v.GuestName + " checked out: " + addedWords(models.VisitInfo{Minutes: b.Minutes, Amount: b.Amount, Night: b.Night, Currency: d.Currency}) + "."
	}
	if st.Status == models.BillPending {
		msg += " The card on file is being charged: this page shows the result when Stripe answers."
	}
	return a.seeOther(c, fmt.Sprintf("/staff/visits/%d", v.ID), msg)
}

// visitPage is a visit's bill, payments and receipt.
func (a *App) visitPage(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	d, err := a.store.VisitDetail(c.Request().Context(), id)
	if err != nil {
		return err
	}
	live := false
	for _, p := range d.Payments {
		live = live || p.Live()
	}
	card, err := a.store.VisitGuestCard(c.Request().Context(), id)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	offer, err := a.store.PassesFor(c.Request().Context(), models.PassPurchase{VisitID: id})
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "visit", page{Title: "Visit: " + d.GuestName, Data: map[string]any{
		"D": d, "Loc": d.Venue.Location(), "Paid": live, "Card": card, "RequestKey": randomKey(), "Offer": offer,
	}})
}

// recordPayment records cash, a card-terminal payment, or a waiver, with a note.
func (a *App) recordPayment(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	method, note := c.FormValue("method"), strings.TrimSpace(c.FormValue("note"))
	back := backTo(c, fmt.Sprintf("/staff/visits/%d", id))
	switch {
	case method != models.PayCash && method != models.PayTerminal && method != models.PayWaived:
		return a.seeOther(c, back, "Choose cash, card terminal or waive.")
	case method == models.PayWaived && note == "":
		return a.seeOther(c, back, "Say why the bill is waived, in the note.")
	case len(note) > 500:
		return a.seeOther(c, back, "Keep the note under 500 characters.")
	}
	p, err := a.store.CreatePayment(c.Request().Context(), models.NewPayment{VisitID: id, Method: method, Note: note, ActorID: currentUser(c).ID})
	if msg, ok := models.Refused(err); ok {
		return a.seeOther(c, back, msg)
	}
	if err != nil {
		return err
	}
	return a.seeOther(c, back, fmt.Sprintf("Recorded: %s, %s.", methodName(p.Method), models.FormatMoney(p.Amount, p.Currency)))
}

// refundPayment hands back part or all of a recorded payment.
func (a *App) refundPayment(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := a.store.PaymentByID(ctx, id)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/staff/visits/%d", p.VisitID)
	amount, ok := parseMoney(c.FormValue("amount"), p.Currency)
	if !ok {
		return a.seeOther(c, back, "Enter the refund as an amount like 2.50.")
	}
	if p.Method == models.PayCardOnFile || p.Method == models.PayByPhone {
		return a.refundThroughStripe(c, p, amount, back)
	}
	_, err = a.store.RefundRecorded(ctx, id, amount, currentUser(c).ID, strings.TrimSpace(c.FormValue("note")))
	if msg, ok := models.Refused(err); ok {
		return a.seeOther(c, back, msg)
	}
	if err != nil {
		return err
	}
	return a.seeOther(c, back, "Refunded "+models.FormatMoney(amount, p.Currency)+". Hand it back to the guest.")
}

// parseMoney reads a positive amount typed in major units ("2.50", or "250"
// in a zero-decimal currency) as minor units, up to models.MaxAmount.
func parseMoney(s, currency string) (int64, bool) {
	n, err := models.ParseMoney(s, currency, models.MaxAmount)
	return n, err == nil && n > 0
}

func methodName(m string) string {
	return map[string]string{models.PayCash: "cash", models.PayTerminal: "card terminal", models.PayWaived: "waived",
		models.PayCardOnFile: "card on file", models.PayByPhone: "pay by phone"}[m]
}

// refundThroughStripe asks Stripe, through the billing service, to refund a
// card payment; the request leaves its lane before it waits.
func (a *App) refundThroughStripe(c echo.Context, p models.Payment, amount int64, back string) error {
	key := c.FormValue("request_key")
	if len(key) < 8 || len(key) > 64 {
		key = randomKey()
	}
	leaveLane(c)
	r, err := a.billing.Refund(c.Request().Context(), p.ID, amount, currentUser(c).ID, strings.TrimSpace(c.FormValue("note")), key)
	money := models.FormatMoney(amount, p.Currency)
	msg, refused := models.Refused(err)
	switch { // what happens next to this refund first, then any refusal's words
	case errors.Is(err, billing.ErrUnavailable), errors.Is(err, billing.ErrBusy):
		a.log.Warn("stripe refund: left for the reconciler", "id", requestID(c), "refund", r.ID, "error", err)
		return a.seeOther(c, back, "Stripe did not answer. The refund of "+money+" is queued and will be sent automatically, once.")
	case refused:
		return a.seeOther(c, back, msg)
	case err != nil:
		return err
	case r.Status == "failed":
		return a.seeOther(c, back, "Stripe refused the refund of "+money+". Hand it back another way.")
	}
	return a.seeOther(c, back, "Refund of "+money+" sent to Stripe. It shows here once Stripe confirms it, usually within seconds.")
}
