package handlers

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/emersion/go-ical"
	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// eventICS serves one event as an iCalendar file.
func (a *App) eventICS(c echo.Context, rawID string) error {
	e, err := a.visibleEvent(c, rawID)
	if err != nil {
		return err
	}
	if e.Status == models.EventDraft {
		return echo.ErrNotFound // calendars are for published nights
	}
	return a.writeICS(c, "clockroom-event-"+rawID+".ics", []models.Event{e})
}

// calendarFeed serves every published night (and recently cancelled ones, so
// subscribed calendars learn of the cancellation) as one iCalendar feed.
func (a *App) calendarFeed(c echo.Context) error {
	events, err := a.store.PublishedEvents(c.Request().Context(), a.now().Add(-30*24*time.Hour))
	if err != nil {
		return err
	}
	return a.writeICS(c, "clockroom.ics", events)
}

// writeICS encodes events per RFC 5545. Times are in UTC, which every
// calendar converts to its own zone; UIDs are stable per event.
func (a *App) writeICS(c echo.Context, filename string, events []models.Event) error {
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return err
	}
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, "-//Clockroom//Clockroom//EN")
	cal.Props.SetText("X-WR-CALNAME", venue.Name)
	stamp := a.now().UTC().Truncate(time.Second)
	for _, e := range events {
		ev := ical.NewEvent()
		ev.Props.SetText(ical.PropUID, "event-"+strconv.FormatInt(e.ID, 10)+"@"+a.cfg.BaseURL.Hostname())
		ev.Props.SetDateTime(ical.PropDateTimeStamp, stamp)
		ev.Props.SetDateTime(ical.PropDateTimeStart, e.StartsAt.UTC())
		ev.Props.SetDateTime(ical.PropDateTimeEnd, e.EndsAt.UTC())
		ev.Props.SetText(ical.PropSummary, e.Title)
		ev.Props.SetText(ical.PropDescription, e.Description+"\n\nHosted by "+e.HostName+". You pay for the minutes you stay.")
		ev.Props.SetText(ical.PropLocation, venue.Name)
		ev.Props.SetText(ical.PropURL, a.cfg.BaseURL.String()+"/events/"+strconv.FormatInt(e.ID, 10))
		status := "CONFIRMED"
		if e.Status == models.EventCancelled {
			status = "CANCELLED"
		}
		ev.Props.SetText(ical.PropStatus, status)
		cal.Children = append(cal.Children, ev.Component)
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", buf.Bytes())
}
