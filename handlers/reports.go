package handlers

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// staffReports shows each night's attendance, minutes and money.
func (a *App) staffReports(c echo.Context) error {
	rs, err := a.store.Reports(c.Request().Context(), a.now(), 100)
	if err != nil {
		return err
	}
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "reports", page{Title: "Reports", Data: map[string]any{"Reports": rs, "Loc": venue.Location()}})
}

// staffReportsCSV exports the same numbers, money in major units.
func (a *App) staffReportsCSV(c echo.Context) error {
	rs, err := a.store.Reports(c.Request().Context(), a.now(), 10000)
	if err != nil {
		return err
	}
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return err
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"date", "night", "currency", "rsvps", "attended", "no_shows", "walk_ins", "minutes", "average_stay_minutes",
		"card", "cash", "terminal", "waived", "refunds", "revenue", "outstanding", "needing_review"})
	for _, r := range rs {
		m := func(v int64) string { return models.MajorUnits(v, r.Currency) }
		_ = w.Write([]string{r.StartsAt.In(venue.Location()).Format("2006-01-02"), csvSafe(r.Title), r.Currency,
			strconv.Itoa(r.RSVPs), strconv.Itoa(r.Attended), strconv.Itoa(r.NoShows), strconv.Itoa(r.WalkIns),
			strconv.FormatInt(r.Minutes, 10), strconv.FormatFloat(r.AverageStay, 'f', 1, 64),
			m(r.Card), m(r.Cash), m(r.Terminal), m(r.Waived), m(r.Refunds), m(r.Revenue()), m(r.Outstanding), strconv.Itoa(r.NeedingReview)})
	}
	w.Flush()
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="clockroom-reports.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", []byte(b.String()))
}
