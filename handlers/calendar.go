package handlers

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

// The calendar feed is bounded, so no number of nights (a series' rule,
// nights published far ahead) makes it large: it holds the nights that end
// after feedPast ago and start within feedAhead, the soonest feedMaxEvents
// of them. A calendar that refreshes it learns of later nights as they come
// into the window.
const (
	feedPast      = 30 * 24 * time.Hour  // cancelled nights stay so long, so calendars drop them
	feedAhead     = 366 * 24 * time.Hour // a year ahead
	feedMaxEvents = 1000                 // a café's year of nights, a few a day
)

// calendarFeed serves the published nights of a bounded window (and recently
// cancelled ones, so subscribed calendars learn of the cancellation) as one
// iCalendar feed.
func (a *App) calendarFeed(c echo.Context) error {
	now := a.now()
	events, err := a.store.PublishedEvents(c.Request().Context(), now.Add(-feedPast), now.Add(feedAhead), feedMaxEvents)
	if err != nil {
		return err
	}
	return a.writeICS(c, "clockroom.ics", events)
}

// writeICS serves events as an iCalendar file.
func (a *App) writeICS(c echo.Context, filename string, events []models.Event) error {
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return err
	}
	body, err := encodeICS(events, venue.Name, a.cfg.BaseURL.String(), a.cfg.BaseURL.Hostname(), a.now())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", body)
}

// encodeICS encodes events per RFC 5545. Times are in UTC, which every
// calendar converts to its own zone; UIDs are stable per event. Text of any
// kind (a textarea's CRLF, stray control characters) is made into what a
// TEXT value may hold before the encoder sees it.
func encodeICS(events []models.Event, venue, base, host string, now time.Time) ([]byte, error) {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, "-//Clockroom//Clockroom//EN")
	cal.Props.SetText("X-WR-CALNAME", icsText(venue))
	stamp := now.UTC().Truncate(time.Second)
	for _, e := range events {
		ev := ical.NewEvent()
		ev.Props.SetText(ical.PropUID, "event-"+strconv.FormatInt(e.ID, 10)+"@"+host)
		ev.Props.SetDateTime(ical.PropDateTimeStamp, stamp)
		ev.Props.SetDateTime(ical.PropDateTimeStart, e.StartsAt.UTC())
		ev.Props.SetDateTime(ical.PropDateTimeEnd, e.EndsAt.UTC())
		ev.Props.SetText(ical.PropSummary, icsText(e.Title))
		ev.Props.SetText(ical.PropDescription, icsText(e.Description+"\n\nHosted by "+e.HostName+". You pay for the minutes you stay."))
		ev.Props.SetText(ical.PropLocation, icsText(venue))
		ev.Props.SetText(ical.PropURL, base+"/events/"+strconv.FormatInt(e.ID, 10))
		status := "CONFIRMED"
		if e.Status == models.EventCancelled {
			status = "CANCELLED"
		}
		ev.Props.SetText(ical.PropStatus, status)
		cal.Children = append(cal.Children, ev.Component)
	}
	var buf bytes.Buffer
	err := ical.NewEncoder(&buf).Encode(cal)
	return buf.Bytes(), err
}

// icsText turns any text into what an iCalendar TEXT value may hold: line
// breaks of every kind become one newline (which the encoder escapes), and
// other control characters, which RFC 5545 forbids, are dropped.
func icsText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r) || r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
}
