package handlers

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/clockroom/clockroom/internal/billing"
	"github.com/clockroom/clockroom/models"
)

// ticketPage is a ticket as its holder (or staff) sees it.
type ticketPage struct {
	Ticket    models.Ticket
	Code      string
	Loc       *time.Location
	Now       time.Time
	CanCancel bool
	Meter     *models.Inside       // the running bill while the holder is inside
	Owed      []models.OwedBill    // bills of earlier stays still to pay
	Stays     []models.SettledStay // earlier stays whose bills are settled
	Offer     models.PassOffer     // passes the night sells, and those on the bill
	// Confirming is the visit whose payment the guest just made on
	// Stripe's page while Stripe has yet to confirm it: the page says so
	// instead of offering to pay again, and reloads until it is through.
	Confirming int64
}

// Entry reports whether the ticket lets its holder in: a confirmed seat at a
// night still on. Only then does the page show a code to scan or type, so
// nobody at the door is shown a waitlist place as if it were a seat.
func (p ticketPage) Entry() bool { return entryTicket(p.Ticket) }

func entryTicket(t models.Ticket) bool {
	return t.Status == models.RSVPConfirmed && t.Event.Status != models.EventCancelled
}

// ShortCode is the ticket's short code as printed: two groups of three.
func (p ticketPage) ShortCode() string {
	c := p.Ticket.ShortCode
	if len(c) != 6 {
		return c
	}
	return c[:3] + " " + c[3:]
}

// ticketPage shows a ticket: status, QR code, waitlist position, calendar
// link and cancel button. The code itself is the credential, as on a paper
// ticket; a code that does not verify is "not a valid ticket".
func (a *App) ticketPage(c echo.Context) error {
	t, code, err := a.ticketFromPath(c)
	if err != nil {
		return err
	}
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return err
	}
	p := ticketPage{Ticket: t, Code: code, Loc: venue.Location(), Now: a.now(), CanCancel: canCancel(currentUser(c), t) && t.Active()}
	var flash string
	if c.QueryParam("paid") != "" || c.QueryParam("cancelled") != "" {
		// back from Stripe's page: say what became of the payment
		var confirming int64
		if flash, confirming, err = a.checkoutReturn(c, t); err != nil {
			return err
		}
		if confirming == 0 { // settled: the message once, on the ticket's own address
			return a.seeOther(c, "/tickets/"+code, flash)
		}
		p.Confirming = confirming
	}
	switch in, err := a.store.OpenVisitFor(c.Request().Context(), t.ID); {
	case err == nil:
		p.Meter, p.CanCancel = &in, false // a seat in use is not given away
	case !errors.Is(err, models.ErrNotFound):
		return err
	}
	if p.Owed, err = a.store.TicketBills(c.Request().Context(), t.ID); err != nil {
		return err
	}
	if p.Stays, err = a.store.TicketStays(c.Request().Context(), t.ID); err != nil {
		return err
	}
	if canCancel(currentUser(c), t) && t.Active() && !t.Event.Ended(p.Now) {
		if p.Offer, err = a.store.PassesFor(c.Request().Context(), models.PassPurchase{RSVPID: t.ID}); err != nil {
			return err
		}
	}
	return a.render(c, http.StatusOK, "ticket", page{Title: "Ticket: " + t.Event.Title, Flash: flash, Data: p})
}

// ticketQR is the ticket's QR code: the ticket's URL, so a phone camera
// opens the ticket and the door scanner reads the code from it.
func (a *App) ticketQR(c echo.Context) error {
	t, code, err := a.ticketFromPath(c)
	if err != nil {
		return err
	}
	if !entryTicket(t) {
		return echo.NewHTTPError(http.StatusNotFound, "This ticket is not valid for entry, so it has no QR code.")
	}
	png, err := qrcode.Encode(a.ticketURL(code), qrcode.Medium, 512)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, max-age=86400")
	return c.Blob(http.StatusOK, "image/png", png)
}

// cancelTicket cancels an RSVP; the first person on the waitlist gets the seat.
func (a *App) cancelTicket(c echo.Context) error {
	t, code, err := a.ticketFromPath(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if !canCancel(u, t) {
		return echo.NewHTTPError(http.StatusForbidden, "Only the ticket holder, the host or staff can cancel this ticket.")
	}
	before := t.Status
	_, _, err = a.store.CancelRSVP(c.Request().Context(), t.ID, u.ID)
	switch {
	case errors.Is(err, models.ErrInside) && u.ID == t.UserID:
		return a.seeOther(c, "/tickets/"+code, "You are inside now, so your seat cannot be cancelled. Check out at the door or the counter when you leave.")
	case errors.Is(err, models.ErrInside):
		return a.seeOther(c, "/tickets/"+code, t.HolderName+" is inside now: check them out at the door or the counter before cancelling the seat.")
	case err != nil:
		return err
	}
	msg := "Your RSVP is cancelled."
	switch {
	case before == models.RSVPCancelled:
		msg = "This ticket was already cancelled."
	case before == models.RSVPConfirmed:
		msg = "Your RSVP is cancelled. Your seat has gone to the next person waiting, if anyone was."
	}
	return a.seeOther(c, "/tickets/"+code, msg)
}

// myTickets lists the signed-in user's tickets.
func (a *App) myTickets(c echo.Context) error {
	u := currentUser(c)
	ts, err := a.store.UserTickets(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return err
	}
	type row struct {
		models.UserTicket
		Code string
	}
	rows := make([]row, len(ts))
	for i, t := range ts {
		rows[i] = row{t, a.store.Tickets.Code(t.TicketID)}
	}
	card, err := a.store.CardFor(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	bills, err := a.store.UserBills(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	owed, err := a.store.UserOwedBills(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	type owedRow struct {
		models.OwedBill
		Code string
	}
	due := make([]owedRow, len(owed))
	for i, o := range owed {
		due[i] = owedRow{o, a.store.Tickets.Code(o.TicketID)}
	}
	return a.render(c, http.StatusOK, "my_tickets", page{Title: "My tickets", Data: map[string]any{
		"Tickets": rows, "Loc": venue.Location(), "Now": a.now(), "Card": card, "Bills": bills, "Owed": due,
	}})
}

// payTicket sends a ticket's holder to pay an earlier stay's bill by card:
// Stripe's page for the exact amount, the same payment as pay-by-phone. The
// ticket code is the credential, as for the ticket page.
func (a *App) payTicket(c echo.Context) error {
	t, code, err := a.ticketFromPath(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	back := "/tickets/" + code
	visit, err := parseID(c.FormValue("visit"))
	if err != nil {
		return a.seeOther(c, back, "Choose the bill to pay.")
	}
	owed, err := a.store.TicketBills(ctx, t.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(owed, func(b models.OwedBill) bool { return b.ID == visit })
	switch {
	case i < 0:
		return a.seeOther(c, back, "That bill is paid: there is nothing more to pay.")
	case owed[i].Pending() && !owed[i].PhonePending():
		return a.seeOther(c, back, "Your card on file is being charged for that bill: this page shows when it is paid.")
	}
	var actor int64
	if u := currentUser(c); u != nil {
		actor = u.ID
	}
	leaveLane(c)
	url, err := a.billing.PayNow(ctx, visit, actor)
	msg, refused := models.Refused(err)
	switch { // the guest's own words first, then any refusal's
	case errors.Is(err, models.ErrBelowCardMinimum):
		return a.seeOther(c, back, "This bill is below the smallest amount a card can be charged: please pay at the counter.")
	case errors.Is(err, billing.ErrBusy), errors.Is(err, billing.ErrUnavailable):
		a.log.Warn("pay now", "id", requestID(c), "error", err)
		return a.seeOther(c, back, "Stripe could not open the payment page just now. Try again in a minute, or pay at the counter.")
	case refused:
		return a.seeOther(c, back, msg)
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, url)
}

// ticketFromPath verifies the code in the path and loads its ticket. A code
// that does not verify, or names no ticket, is a 404 "not a valid ticket".
func (a *App) ticketFromPath(c echo.Context) (models.Ticket, string, error) {
	code := c.Param("code")
	id, ok := a.store.Tickets.Verify(code)
	if !ok {
		return models.Ticket{}, "", echo.NewHTTPError(http.StatusNotFound, "This is not a valid ticket. Check the link, or find your tickets under My tickets.")
	}
	t, err := a.store.TicketByID(c.Request().Context(), id)
	if errors.Is(err, models.ErrNotFound) {
		return models.Ticket{}, "", echo.NewHTTPError(http.StatusNotFound, "This is not a valid ticket. Check the link, or find your tickets under My tickets.")
	}
	return t, code, err
}

// canCancel reports whether u may cancel t: its holder, the event's host, or staff.
func canCancel(u *models.User, t models.Ticket) bool {
	return u != nil && (u.ID == t.UserID || canManage(u, t.Event))
}

func (a *App) ticketURL(code string) string { return a.cfg.BaseURL.String() + "/tickets/" + code }

// guestLinkFromPath verifies the token of a guest's own link for purpose
// and loads its ticket. Anything else, a ticket code included, is a 404.
func (a *App) guestLinkFromPath(c echo.Context, purpose string) (models.Ticket, string, error) {
	token := c.Param("token")
	t, err := a.store.TicketByGuestToken(c.Request().Context(), purpose, token)
	if errors.Is(err, models.ErrBadGuestLink) {
		return t, "", echo.NewHTTPError(http.StatusNotFound, "This link is not valid. Use the link in your latest email from us, or find your tickets under My tickets.")
	}
	return t, token, err
}

// retiredGuestLink answers the feedback and give-away links of emails sent
// before those links had tokens of their own: a ticket code no longer opens
// them, as the host sees codes at the door.
func (a *App) retiredGuestLink(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotFound, "This link no longer works. Use the link in your latest email from us, or find your tickets under My tickets.")
}

// giveAwayPage is GET /give-away/{token}, the reminder's "I can't come"
// link: one button, no sign-in (the token emailed to the guest alone is the
// credential). Opening it changes nothing: mail scanners open links too.
func (a *App) giveAwayPage(c echo.Context) error {
	t, token, err := a.guestLinkFromPath(c, models.LinkGiveAway)
	if err != nil {
		return err
	}
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "give_away", page{Title: "Give your seat away", Data: map[string]any{
		"Ticket": t, "Token": token, "Loc": venue.Location(), "Open": t.Active() && !t.Event.Ended(a.now()),
	}})
}

// giveAway is POST /give-away/{token}: the seat goes to the first person on
// the waitlist at once.
func (a *App) giveAway(c echo.Context) error {
	t, token, err := a.guestLinkFromPath(c, models.LinkGiveAway)
	if err != nil {
		return err
	}
	back := "/give-away/" + token
	if !t.Active() {
		return a.seeOther(c, back, "This ticket was already given up.")
	}
	if t.Event.Ended(a.now()) {
		return a.seeOther(c, back, "This night is over.")
	}
	_, promoted, err := a.store.CancelRSVP(c.Request().Context(), t.ID, 0)
	switch {
	case errors.Is(err, models.ErrInside):
		return a.seeOther(c, back, "You are inside now, so your seat stays yours. Check out at the door or the counter when you leave.")
	case err != nil:
		return err
	}
	msg := "Done: you have left the waitlist. Thank you for letting us know."
	if t.Status == models.RSVPConfirmed {
		msg = "Done: your seat is free again. Thank you for letting us know."
		if promoted != nil {
			msg = "Done: your seat has gone to the next person on the waitlist, who has been told. Thank you for letting us know."
		}
	}
	return a.seeOther(c, back, msg)
}
