package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
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

// maxListingPage bounds ?page=: no venue lists this many pages of nights,
// and the offset it makes stays far from overflowing.
const maxListingPage = 1000

// home lists published events that have not ended, soonest first. The list
// itself comes from the listing cache; only the page around it (the
// visitor's name, CSRF token and flash) is rendered per request.
func (a *App) home(c echo.Context) error {
	n, err := strconv.Atoi(c.QueryParam("page"))
	if err != nil || n < 1 {
		n = 1
	}
	if n > maxListingPage {
		return echo.NewHTTPError(http.StatusNotFound, "There is no such page of nights.")
	}
	ctx := c.Request().Context()
	now := a.now()
	list, err := a.listing.get(ctx, n, now, func(ctx context.Context) (template.HTML, time.Time, error) {
		return a.renderListing(ctx, n, now)
	})
	if err != nil {
		return err
	}
	p := page{Title: "Upcoming nights", Data: list}
	if !a.anyonesListing(c) || currentUser(c) != nil {
		return a.render(c, http.StatusOK, "home", p)
	}
	// An anonymous visitor with no session and no message: the page holds
	// nothing of theirs, so the whole of it is kept for the next one
	// (listingPage).
	body, err := a.renderBytes(c, http.StatusOK, "home", p)
	if err != nil {
		return err
	}
	if tok, _ := c.Get("csrf").(string); tok == "" || !bytes.Contains(body, []byte(tok)) {
		a.listing.keepAnonymousPage(n, list, body)
	}
	return writePage(c, body)
}

// listingPage serves GET / to an anonymous visitor (anyonesListing) from
// the kept whole page, before the lanes and the session, CSRF and user
// middleware, which have nothing to do for them; otherwise, or with no
// fresh copy, the request goes on to them and home.
func (a *App) listingPage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, err := a.known.token(c); err != nil {
			return err
		}
		if !a.anyonesListing(c) {
			return next(c)
		}
		n := 1
		switch q := c.QueryParams(); {
		case len(q) == 0:
		case len(q) == 1 && len(q["page"]) == 1:
			var err error
			if n, err = strconv.Atoi(q.Get("page")); err != nil || n < 1 {
				return next(c)
			}
		default:
			return next(c)
		}
		body, ok := a.listing.anonymousPage(n, a.now())
		if !ok {
			return next(c)
		}
		return writePage(c, body)
	}
}

// anyonesListing reports whether the request's listing page is the one
// anyone gets: it carries no session that exists (no cookie, or one that
// names none: knownSessions) and no message left for it (a flash can name
// the visitor: "Your account's email is now ..."). Only such a page is kept
// for the next visitor, and only such a visitor is given it.
func (a *App) anyonesListing(c echo.Context) bool {
	if token, err := a.known.token(c); err != nil || token != "" {
		return false
	}
	_, err := c.Request().Cookie(flashCookie)
	return err != nil
}

// writePage sends a whole page rendered for anyone.
func writePage(c echo.Context, body []byte) error {
	h := c.Response().Header()
	if !slices.Contains(h.Values("Vary"), "Cookie") {
		h.Add("Vary", "Cookie")
	}
	h.Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, body)
}

// renderListing reads and renders page n of the listing, and says when that
// rendering goes stale on its own: when a night on it starts or ends.
func (a *App) renderListing(ctx context.Context, n int, now time.Time) (template.HTML, time.Time, error) {
	venue, err := a.venue(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	events, err := a.store.At(now).UpcomingEvents(ctx, eventsPerPage+1, (n-1)*eventsPerPage)
	if err != nil {
		return "", time.Time{}, err
	}
	p := homePage{Events: events, Loc: venue.Location(), Now: now, Page: n, Venue: venue}
	if len(events) > eventsPerPage {
		p.Events, p.HasMore = events[:eventsPerPage], true
	}
	expires := now.Add(listingTTL)
	for _, e := range p.Events {
		for _, t := range []time.Time{e.StartsAt, e.EndsAt} {
			if t.After(now) && t.Before(expires) {
				expires = t
			}
		}
	}
	var buf bytes.Buffer
	if err := a.pages["home"].ExecuteTemplate(&buf, "event-list", p); err != nil {
		return "", time.Time{}, fmt.Errorf("render the listing: %w", err)
	}
	return template.HTML(buf.String()), expires, nil //nolint:gosec // our own template's output
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

// location is the venue's time zone, for words that name a time; UTC when
// the venue cannot be read (the words are still right, in another zone).
func (a *App) location(ctx context.Context) *time.Location {
	v, err := a.venue(ctx)
	if err != nil {
		return time.UTC
	}
	return v.Location()
}
