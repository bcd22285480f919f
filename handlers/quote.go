package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/internal/tariff"
	"github.com/clockroom/clockroom/models"
)

// quoteJSON is what a stay would cost, explained: the answer of GET
// /staff/quote and of the tariff editor's calculator.
type quoteJSON struct {
	Amount   int64       `json:"amount"`
	Currency string      `json:"currency"`
	Tariff   string      `json:"tariff"`
	Lines    []quoteLine `json:"lines"`
}

// quoteLine is one line of the bill: its text for people, and the local
// times it runs from and to (RFC 3339 in the venue's zone; none for a
// line of no time, such as a discount).
type quoteLine struct {
	Label  string `json:"label"`
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
	Amount int64  `json:"amount"`
}

// quoteOf writes a bill as a quote in currency, its times in loc.
func quoteOf(b tariff.Bill, currency string, loc *time.Location) (quoteJSON, error) {
	f, err := tariff.NewFormatter(currency, "en")
	if err != nil {
		return quoteJSON{}, err
	}
	q := quoteJSON{Amount: b.Total, Currency: currency, Tariff: b.Tariff, Lines: make([]quoteLine, len(b.Lines))}
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	for i, l := range b.Lines {
		q.Lines[i] = quoteLine{Label: f.Line(l), From: stamp(l.From), To: stamp(l.To), Amount: l.Amount}
	}
	return q, nil
}

// maxQuotedStay is the longest stay a quote prices.
const maxQuotedStay = 7 * 24 * time.Hour

// localMinute is how a local date and time is typed, in the venue's zone
// (an HTML datetime-local input's value).
const localMinute = "2006-01-02T15:04"

// stayBetween reads a stay's arrival and departure, typed as local times
// in the venue's zone ("2026-12-08T17:40"), or says what is wrong with
// them and in which field ("arrive" or "leave").
func stayBetween(arrive, leave string, loc *time.Location) (in, out time.Time, field, why string) {
	parse := func(s string) (time.Time, bool) {
		for _, layout := range []string{localMinute, localMinute + ":05"} {
			if t, err := time.ParseInLocation(layout, strings.TrimSpace(s), loc); err == nil {
				return t, true
			}
		}
		return time.Time{}, false
	}
	in, ok := parse(arrive)
	if !ok {
		return in, in, "arrive", "Enter the arrival as a local date and time, like 2026-12-08T17:40."
	}
	out, ok = parse(leave)
	switch {
	case !ok:
		return in, out, "leave", "Enter the departure as a local date and time, like 2026-12-08T18:25."
	case !out.After(in):
		return in, out, "leave", "The departure must come after the arrival."
	case out.Sub(in) > maxQuotedStay:
		return in, out, "leave", "A quote is for a stay of at most 7 days."
	}
	return in, out, "", ""
}

// staffQuote is GET /staff/quote: what a stay from arrive to leave (local
// times) would cost by a tariff (the standard one unless named) for a
// group, explained as a check-out would explain it.
func (a *App) staffQuote(c echo.Context) error {
	ctx := c.Request().Context()
	v, err := a.store.Venue(ctx)
	if err != nil {
		return err
	}
	loc := v.Location()
	in, out, field, why := stayBetween(c.QueryParam("arrive"), c.QueryParam("leave"), loc)
	if why != "" {
		return apiRefusal(c, http.StatusUnprocessableEntity, apiError{Error: why, Field: field})
	}
	name, group := c.QueryParam("tariff"), c.QueryParam("group")
	b, err := a.store.QuoteStay(ctx, name, group, in, out)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return apiRefusal(c, http.StatusNotFound, apiError{Error: "There is no tariff called " + name + ".", Field: "tariff"})
	case errors.Is(err, models.ErrNoSuchGroup):
		return apiRefusal(c, http.StatusUnprocessableEntity, apiError{Error: "The tariff has no group called " + group + ".", Field: "group"})
	case err != nil:
		return err
	}
	q, err := quoteOf(b, v.Currency, loc)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, q)
}
