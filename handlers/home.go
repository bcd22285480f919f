package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

const eventsPerPage = 20

// homePage is the listing of upcoming nights.
type homePage struct {
	Events  []models.Event
	Loc     *time.Location
	Now     time.Time
	Page    int
	HasMore bool
	Venue   models.Venue
}

// home lists published events that have not ended, soonest first.
func (a *App) home(c echo.Context) error {
	n, err := strconv.Atoi(c.QueryParam("page"))
	if err != nil || n < 1 {
		n = 1
	}
	ctx := c.Request().Context()
	venue, err := a.venue(ctx)
	if err != nil {
		return err
	}
	now := a.now()
	events, err := a.store.UpcomingEvents(ctx, now, eventsPerPage+1, (n-1)*eventsPerPage)
	if err != nil {
		return err
	}
	p := homePage{Events: events, Loc: venue.Location(), Now: now, Page: n, Venue: venue}
	if len(events) > eventsPerPage {
		p.Events, p.HasMore = events[:eventsPerPage], true
	}
	return a.render(c, http.StatusOK, "home", page{Title: "Upcoming nights", Data: p})
}

// venue returns the install's venue; before one exists, a placeholder so
// pages still render.
func (a *App) venue(ctx context.Context) (models.Venue, error) {
	v, err := a.store.Venue(ctx)
	if errors.Is(err, models.ErrNotFound) {
		return models.Venue{Name: "Clockroom", TimeZone: "UTC", Currency: "GBP"}, nil
	}
	return v, err
}
