package handlers

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// eventFormPage is the create/edit form.
type eventFormPage struct {
	Event *models.Event // nil when creating
	Venue models.Venue
}

// hostEvents lists the host's nights (every night, for staff).
func (a *App) hostEvents(c echo.Context) error {
	u := currentUser(c)
	hostID := u.ID
	if u.IsStaff() {
		hostID = 0
	}
	events, err := a.store.HostedEvents(c.Request().Context(), hostID)
	if err != nil {
		return err
	}
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return err
	}
	ids := make([]int64, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	came, err := a.store.Attendance(c.Request().Context(), ids)
	if err != nil {
		return err
	}
	ratings, err := a.store.RatingsOfHost(c.Request().Context(), hostID)
	if err != nil {
		return err
	}
	proposals := 0
	if u.IsStaff() {
		if proposals, err = a.store.PendingProposals(c.Request().Context()); err != nil {
			return err
		}
	}
	return a.render(c, http.StatusOK, "host_events", page{Title: "Your nights", Data: map[string]any{
		"Events": events, "Loc": venue.Location(), "Now": a.now(), "All": u.IsStaff(), "Proposals": proposals, "Ratings": ratings, "Came": came,
	}})
}

// newEventPage shows an empty event form with sensible defaults.
func (a *App) newEventPage(c echo.Context) error {
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return err
	}
	start := nextWeekAt19(a.now(), venue.Location())
	f := eventForm{HoldMinutes: strconv.Itoa(models.DefaultHoldMinutes), StartsAt: start.Format(formTimeLayout), EndsAt: start.Add(2 * time.Hour).Format(formTimeLayout),
		Capacity: strconv.Itoa(min(20, venue.RoomCapacity))}
	return a.render(c, http.StatusOK, "event_form", page{Title: "New night", Form: f, Data: eventFormPage{Venue: venue}})
}

// createEvent saves a new night as a draft, or publishes it at once.
func (a *App) createEvent(c echo.Context) error {
	var f eventForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	ctx := c.Request().Context()
	venue, err := a.store.Venue(ctx)
	if err != nil {
		return err
	}
	in, errs := f.validate(eventRules{Loc: venue.Location(), RoomCapacity: venue.RoomCapacity, Now: a.now(), IsNew: true, Currency: venue.Currency, Venue: venue})
	if !errs.valid() {
		return a.render(c, http.StatusUnprocessableEntity, "event_form", page{Title: "New night", Form: f, Errors: errs, Data: eventFormPage{Venue: venue}})
	}
	status := models.EventDraft
	if f.Action == "publish" {
		status = models.EventPublished
	}
	id, err := a.store.CreateEvent(ctx, models.NewEvent{EventInput: in, VenueID: venue.ID, HostID: currentUser(c).ID, Status: status})
	if err != nil {
		return err
	}
	msg := "Saved as a draft. Only you and staff can see it until you publish it."
	if status == models.EventPublished {
		msg = "Published: the night is listed and open for RSVPs."
	}
	return a.seeOther(c, fmt.Sprintf("/events/%d", id), msg)
}

// editEventPage shows the form for an existing night.
func (a *App) editEventPage(c echo.Context) error {
	e, venue, err := a.managedEventAndVenue(c)
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "event_form", page{Title: "Edit " + e.Title, Form: formFromEvent(e, venue.Location(), venue.Currency), Data: eventFormPage{Event: &e, Venue: venue}})
}

// updateEvent saves changes. Lowering capacity below the confirmed seats is
// refused; raising it promotes people from the waitlist.
func (a *App) updateEvent(c echo.Context) error {
	e, err := a.managedEvent(c)
	if err != nil {
		return err
	}
	var f eventForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	ctx := c.Request().Context()
	venue, err := a.store.Venue(ctx)
	if err != nil {
		return err
	}
	in, errs := f.validate(eventRules{Loc: venue.Location(), RoomCapacity: venue.RoomCapacity, Now: a.now(), Currency: venue.Currency, Venue: venue})
	var promoted []models.RSVP
	if errs.valid() {
		promoted, err = a.store.UpdateEvent(ctx, e.ID, currentUser(c).ID, in)
		var below *models.CapacityBelowConfirmedError
		switch {
		case errors.As(err, &below):
			errs["capacity"] = fmt.Sprintf("%d people already have confirmed seats, so capacity cannot be lower than %d. Cancel RSVPs from the guest list first.", below.Confirmed, below.Confirmed)
		case errors.Is(err, models.ErrEventCancelled):
			errs["form"] = "This night has been cancelled and can no longer be changed."
		case err != nil:
			return err
		}
	}
	if !errs.valid() {
		return a.render(c, http.StatusUnprocessableEntity, "event_form", page{Title: "Edit " + e.Title, Form: f, Errors: errs, Data: eventFormPage{Event: &e, Venue: venue}})
	}
	msg := "Saved."
	if len(promoted) > 0 {
		msg = fmt.Sprintf("Saved. %d %s moved up from the waitlist and told by email.", len(promoted), plural(len(promoted), "person", "people"))
	}
	return a.seeOther(c, fmt.Sprintf("/events/%d", e.ID), msg)
}

// publishEvent lists a draft and opens its RSVPs.
func (a *App) publishEvent(c echo.Context) error {
	e, err := a.managedEvent(c)
	if err != nil {
		return err
	}
	err = a.store.PublishEvent(c.Request().Context(), e.ID, currentUser(c).ID)
	if errors.Is(err, models.ErrEventCancelled) {
		return a.seeOther(c, fmt.Sprintf("/events/%d", e.ID), "A cancelled night cannot be published again. Create a new one.")
	}
	if err != nil {
		return err
	}
	return a.seeOther(c, fmt.Sprintf("/events/%d", e.ID), "Published: the night is listed and open for RSVPs.")
}

// cancelEvent cancels a night and every RSVP to it, and tells the guests.
func (a *App) cancelEvent(c echo.Context) error {
	e, err := a.managedEvent(c)
	if err != nil {
		return err
	}
	told, err := a.store.CancelEvent(c.Request().Context(), e.ID, currentUser(c).ID)
	if err != nil {
		return err
	}
	return a.seeOther(c, fmt.Sprintf("/events/%d", e.ID), fmt.Sprintf("The night is cancelled. %d %s told by email.", told, plural(told, "guest was", "guests were")))
}

// guestList shows everyone who RSVPed, with their status. Guests are named
// by their RSVP ids, never by their ticket codes, which open the guest's
// own pages.
func (a *App) guestList(c echo.Context) error {
	e, guests, loc, err := a.guests(c)
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "guests", page{Title: "Guests: " + e.Title, Data: map[string]any{
		"Event": e, "Guests": guests, "Loc": loc,
	}})
}

// cancelGuest is POST /host/events/{id}/guests/{rsvp}/cancel: the host or
// staff cancel a guest's RSVP from the guest list; the first person on the
// waitlist gets the seat.
func (a *App) cancelGuest(c echo.Context) error {
	e, err := a.managedEvent(c)
	if err != nil {
		return err
	}
	rsvpID, err := parseID(c.Param("rsvp"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	t, err := a.store.TicketByRSVP(ctx, rsvpID)
	if errors.Is(err, models.ErrNotFound) || err == nil && t.EventID != e.ID {
		return echo.NewHTTPError(http.StatusNotFound, "This guest has no RSVP to this night.")
	}
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/host/events/%d/guests", e.ID)
	_, _, err = a.store.CancelRSVP(ctx, t.ID, currentUser(c).ID)
	switch {
	case errors.Is(err, models.ErrInside):
		return a.seeOther(c, back, t.HolderName+" is inside now: check them out at the door or the counter before cancelling the seat.")
	case err != nil:
		return err
	case !t.Active():
		return a.seeOther(c, back, t.HolderName+"'s RSVP was already cancelled.")
	case t.Status == models.RSVPConfirmed:
		return a.seeOther(c, back, t.HolderName+"'s RSVP is cancelled. The seat has gone to the next person waiting, if anyone was.")
	}
	return a.seeOther(c, back, t.HolderName+" is off the waitlist; the people behind have moved up.")
}

// guestListCSV exports the guest list for spreadsheets.
func (a *App) guestListCSV(c echo.Context) error {
	e, guests, loc, err := a.guests(c)
	if err != nil {
		return err
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"name", "email", "status", "rsvp_at", "waitlist_position", "checked_in"})
	for _, g := range guests {
		pos, in := "", "no"
		if g.WaitlistPosition > 0 {
			pos = strconv.Itoa(g.WaitlistPosition)
		}
		if g.CheckedInAt != nil {
			in = g.CheckedInAt.In(loc).Format("2006-01-02 15:04")
		}
		_ = w.Write([]string{csvSafe(g.Name), csvSafe(g.Email), g.Status, g.RSVPAt.In(loc).Format("2006-01-02 15:04"), pos, in})
	}
	w.Flush()
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="guests-event-%d.csv"`, e.ID))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", []byte(b.String()))
}

func (a *App) guests(c echo.Context) (models.Event, []models.Guest, *time.Location, error) {
	e, err := a.managedEvent(c)
	if err != nil {
		return e, nil, nil, err
	}
	guests, err := a.store.GuestList(c.Request().Context(), e.ID)
	if err != nil {
		return e, nil, nil, err
	}
	venue, err := a.venue(c.Request().Context())
	return e, guests, venue.Location(), err
}

// managedEventAndVenue is managedEvent plus the venue, which most pages
// about an event need for its time zone and currency.
func (a *App) managedEventAndVenue(c echo.Context) (models.Event, models.Venue, error) {
	e, err := a.managedEvent(c)
	if err != nil {
		return e, models.Venue{}, err
	}
	v, err := a.venue(c.Request().Context())
	return e, v, err
}

// managedEvent loads the event in the path for its host or staff: 404 if it
// does not exist, 403 for another host.
func (a *App) managedEvent(c echo.Context) (models.Event, error) {
	id, err := pathID(c)
	if err != nil {
		return models.Event{}, err
	}
	e, err := a.store.EventByID(c.Request().Context(), id)
	if err != nil {
		return e, err
	}
	if !canManage(currentUser(c), e) {
		return e, echo.NewHTTPError(http.StatusForbidden, "Only this night's host and venue staff can manage it.")
	}
	return e, nil
}

// csvSafe stops a spreadsheet from running a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// nextWeekAt19 is 19:00 a week from now, the time a new night's form
// suggests.
func nextWeekAt19(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).AddDate(0, 0, 7).Date()
	return time.Date(y, m, d, 19, 0, 0, 0, loc)
}
