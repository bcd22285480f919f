package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/clockroom/clockroom/models"
)

// ticketPage is a ticket as its holder (or staff) sees it.
type ticketPage struct {
	Ticket    models.Ticket
	Code      string
	Loc       *time.Location
	Now       time.Time
	CanCancel bool
	Meter     *models.Inside // the running bill while the holder is inside
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
	switch in, err := a.store.OpenVisitFor(c.Request().Context(), t.ID, a.now()); {
	case err == nil:
		p.Meter = &in
	case !errors.Is(err, models.ErrNotFound):
		return err
	}
	return a.render(c, http.StatusOK, "ticket", page{Title: "Ticket: " + t.Event.Title, Data: p})
}

// ticketQR is the ticket's QR code: the ticket's URL, so a phone camera
// opens the ticket and the door scanner reads the code from it.
func (a *App) ticketQR(c echo.Context) error {
	_, code, err := a.ticketFromPath(c)
	if err != nil {
		return err
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
	if _, _, err := a.store.CancelRSVP(c.Request().Context(), t.ID, u.ID, a.now()); err != nil {
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
	ts, err := a.store.UserTickets(c.Request().Context(), u.ID, a.now())
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
	return a.render(c, http.StatusOK, "my_tickets", page{Title: "My tickets", Data: map[string]any{
		"Tickets": rows, "Loc": venue.Location(), "Now": a.now(), "Card": card, "Bills": bills,
	}})
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
