package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// eventPage is one night, as a guest sees it.
type eventPage struct {
	Event       models.Event
	Loc         *time.Location
	Now         time.Time
	RSVP        *models.RSVP // the viewer's, if any
	TicketCode  string
	ClosedWhy   string // why nobody can RSVP now, if so
	CanManage   bool
	OGURL       string
	Description string // first lines, for link previews
	Price       models.EventPrice
	Feedback    *models.NightFeedback // what guests thought, for its host and staff
}

// eventPage shows an event with the right button for the viewer. It also
// answers /events/{id}.ics with the event's calendar file.
func (a *App) eventPage(c echo.Context) error {
	raw := c.Param("id")
	if id, ok := strings.CutSuffix(raw, ".ics"); ok {
		return a.eventICS(c, id)
	}
	e, err := a.visibleEvent(c, raw)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	venue, err := a.venue(ctx)
	if err != nil {
		return err
	}
	now := a.now()
	p := eventPage{Event: e, Loc: venue.Location(), Now: now, ClosedWhy: closedWords(e.RSVPClosed(now), e, venue.Location()),
		OGURL: a.cfg.BaseURL.String() + "/events/" + raw, Description: summary(e.Description, 200)}
	if p.Price, err = a.store.EventPrice(ctx, e.ID); err != nil {
		return err
	}
	if u := currentUser(c); u != nil {
		p.CanManage = canManage(u, e)
		if p.CanManage && e.Ended(now) {
			fb, err := a.store.FeedbackOn(ctx, e.ID)
			if err != nil {
				return err
			}
			p.Feedback = &fb
		}
		r, err := a.store.RSVPFor(ctx, e.ID, u.ID)
		switch {
		case err == nil:
			p.RSVP, p.TicketCode = &r, a.store.Tickets.Code(r.TicketID)
		case !errors.Is(err, models.ErrNotFound):
			return err
		}
	}
	return a.render(c, http.StatusOK, "event", page{Title: e.Title, Data: p})
}

// rsvp books the signed-in user a seat, or a waitlist place, and shows the
// ticket. Repeating it shows the same ticket.
func (a *App) rsvp(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if u == nil {
		return a.seeOther(c, "/login?next=/events/"+c.Param("id"), "Sign in or create an account to RSVP.")
	}
	r, err := a.store.Reserve(c.Request().Context(), id, u.ID)
	var closed *models.RSVPClosedError
	switch {
	case errors.Is(err, models.ErrUnverified):
		if err := a.sendVerification(c, *u, &id); err != nil {
			return err
		}
		return a.seeOther(c, verifyPage(&id), "Confirm your email to hold the seat: we sent a link to "+u.Email+". Opening it books the seat.")
	case errors.As(err, &closed) && closed.Why == models.ClosedUnpublished && !canManage(u, closed.Event):
		return echo.ErrNotFound // a draft does not exist for anyone but its host and staff
	case errors.As(err, &closed):
		venue, verr := a.venue(c.Request().Context())
		if verr != nil {
			return verr
		}
		return a.seeOther(c, "/events/"+c.Param("id"), closedWords(closed.Why, closed.Event, venue.Location()))
	case err != nil:
		return err
	}
	msg := "You're in! This is your ticket: show the QR code at the door."
	if r.Status == models.RSVPWaitlisted {
		msg = "This night is full, so you are #" + strconv.Itoa(r.WaitlistPosition) + " on the waitlist. If a seat frees up it is yours automatically, and we will email you."
	}
	return a.seeOther(c, "/tickets/"+a.store.Tickets.Code(r.TicketID), msg)
}

// visibleEvent loads the event named by a path id, hiding drafts from all
// but their host and staff (404, as if they did not exist).
func (a *App) visibleEvent(c echo.Context, raw string) (models.Event, error) {
	id, err := parseID(raw)
	if err != nil {
		return models.Event{}, err
	}
	e, err := a.store.EventByID(c.Request().Context(), id)
	if err != nil {
		return models.Event{}, err
	}
	if e.Status == models.EventDraft && !canManage(currentUser(c), e) {
		return models.Event{}, echo.ErrNotFound
	}
	return e, nil
}

// canManage reports whether u may edit e and see its guests: its host, or staff.
func canManage(u *models.User, e models.Event) bool {
	return u != nil && (u.IsStaff() || (u.IsHost() && u.ID == e.HostID))
}

// summary is the first n characters of s on one line, for previews.
func summary(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return strings.TrimSpace(string(r[:n-1])) + "…"
	}
	return s
}
