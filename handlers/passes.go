package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// Passes and groups: a pass or pack put on a guest's bill for the night, at
// the counter (staff, on the visit page) or by the guest on their ticket;
// and the group a stay is priced for, chosen by staff with a reason. The
// bill at check-out is the cheapest of the meter and every pass.

// buyPassAtCounter is POST /staff/visits/:id/passes.
func (a *App) buyPassAtCounter(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/staff/visits/%d", id)
	pass := strings.TrimSpace(c.FormValue("pass"))
	err = a.store.BuyPass(c.Request().Context(), models.PassPurchase{VisitID: id, Pass: pass, ActorID: currentUser(c).ID})
	if msg, ok := passWords(err, pass); ok {
		return a.seeOther(c, back, msg)
	}
	return err
}

// buyPassOnTicket is POST /tickets/:code/passes: the holder (or the night's
// host or staff) puts a pass on the ticket's bill.
func (a *App) buyPassOnTicket(c echo.Context) error {
	t, code, err := a.ticketFromPath(c)
	if err != nil {
		return err
	}
	if !canCancel(currentUser(c), t) {
		return echo.NewHTTPError(http.StatusForbidden, "Only the ticket holder, the host or staff can buy a pass on this ticket.")
	}
	if !t.Active() || t.Event.Ended(a.now()) {
		return a.seeOther(c, "/tickets/"+code, "This ticket is not for a night to come, so it takes no pass.")
	}
	pass := strings.TrimSpace(c.FormValue("pass"))
	err = a.store.BuyPass(c.Request().Context(), models.PassPurchase{RSVPID: t.ID, Pass: pass, ActorID: currentUser(c).ID})
	if msg, ok := passWords(err, pass); ok {
		return a.seeOther(c, "/tickets/"+code, msg)
	}
	return err
}

// passWords is what a guest or staff read after buying a pass: the
// confirmation, or why it was refused.
func passWords(err error, pass string) (string, bool) {
	switch {
	case err == nil:
		return pass + " added to the bill. At check-out you pay the cheaper of the pass and the time you stayed.", true
	case errors.Is(err, models.ErrNoSuchPass):
		return "Choose one of the passes on offer.", true
	case errors.Is(err, models.ErrPassBought):
		return "The " + pass + " is on the bill already.", true
	case errors.Is(err, models.ErrVisitClosed):
		return "This stay is over: a pass can no longer be added.", true
	}
	return "", false
}

// setVisitGroup is POST /staff/visits/:id/group: price the stay for a
// group, with the reason (audited).
func (a *App) setVisitGroup(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/staff/visits/%d", id)
	group, reason := strings.TrimSpace(c.FormValue("group")), strings.TrimSpace(c.FormValue("reason"))
	if !maxChars(reason, 200) || !oneLine(reason) {
		return a.seeOther(c, back, "Give the reason on one line, in up to 200 characters.")
	}
	err = a.store.SetVisitGroup(c.Request().Context(), id, group, reason, currentUser(c).ID)
	switch {
	case err == nil && group == "":
		return a.seeOther(c, back, "The stay is priced at the tariff's own rates.")
	case err == nil:
		return a.seeOther(c, back, "Tonight's bill is priced for "+group+": the whole night, when this stay is checked out.")
	case errors.Is(err, models.ErrGroupPass):
		return a.seeOther(c, back, "A pass on the bill is not sold at "+group+"'s prices: the group cannot be set while it is there.")
	case errors.Is(err, models.ErrNeedsReason):
		return a.seeOther(c, back, "Say why (for example, the card you were shown): a group changes the price.")
	case errors.Is(err, models.ErrNoSuchGroup):
		return a.seeOther(c, back, "Choose one of the tariff's groups.")
	case errors.Is(err, models.ErrVisitClosed):
		return a.seeOther(c, back, "This stay is over: its price can no longer change.")
	}
	return err
}
