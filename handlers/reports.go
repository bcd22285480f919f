package handlers

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// reportRange is the span of days a report covers: from its first day to
// its last, both whole days of the venue's time.
type reportRange struct {
	From, To string    // as the date inputs show them
	start    time.Time // the first day's midnight
	end      time.Time // the midnight after the last day, or now if sooner
}

// reportDays reads ?from=&to= (YYYY-MM-DD); the default is the last 30 days.
// A date that does not read, or a range backwards or longer than two years,
// gets a message and the default.
func (a *App) reportDays(c echo.Context, loc *time.Location) (reportRange, string) {
	now := a.now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	r := reportRange{start: today.AddDate(0, 0, -29), end: today.AddDate(0, 0, 1)}
	var problem string
	if f, t := c.QueryParam("from"), c.QueryParam("to"); f != "" || t != "" {
		from, err1 := time.ParseInLocation(time.DateOnly, f, loc)
		to, err2 := time.ParseInLocation(time.DateOnly, t, loc)
		switch {
		case err1 != nil || err2 != nil:
			problem = "Enter both dates, like 2026-11-01 and 2026-11-30. Showing the last 30 days."
		case to.Before(from) || to.Sub(from) > 2*366*24*time.Hour:
			problem = "The range must run forwards, and two years at most. Showing the last 30 days."
		default:
			r.start, r.end = from, to.AddDate(0, 0, 1)
		}
	}
	r.From, r.To = r.start.Format(time.DateOnly), r.end.AddDate(0, 0, -1).Format(time.DateOnly)
	if now.Before(r.end) {
		r.end = a.now() // nights that have not started yet have no report
	}
	return r, problem
}

// reportRows is how many nights the reports page lists; the CSV has all.
const reportRows = 500

// staffReports shows each night's attendance, stays and money over a range
// of days, with its totals, charts and the community's figures.
func (a *App) staffReports(c echo.Context) error {
	ctx := c.Request().Context()
	venue, err := a.venue(ctx)
	if err != nil {
		return err
	}
	r, problem := a.reportDays(c, venue.Location())
	rep, err := a.store.Report(ctx, r.start, r.end, reportRows, venue.Location())
	if err != nil {
		return err
	}
	rs := rep.Nights
	day := func(n models.NightReport) string { return n.StartsAt.In(venue.Location()).Format("2 Jan") }
	charts := append(reportCharts(rs, rep.Shape, venue.Currency, day), communityCharts(rs, rep.Community, day)...)
	status := http.StatusOK
	if problem != "" {
		status = http.StatusUnprocessableEntity
	}
	return a.render(c, status, "reports", page{Title: "Reports", Errors: map[string]string{"range": problem}, Data: map[string]any{
		"Reports": rs, "Nights": rep.Count, "Loc": venue.Location(), "Range": r, "Total": rep.Total, "Currency": venue.Currency,
		"Charts": charts, "Community": rep.Community, "Query": url.Values{"from": {r.From}, "to": {r.To}}.Encode(),
	}})
}

// staffNightReport is GET /staff/reports/nights/{id}: a night's stays,
// the unpaid marked.
func (a *App) staffNightReport(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	e, err := a.store.EventByID(ctx, id)
	if err != nil {
		return err
	}
	vs, err := a.store.NightVisits(ctx, id)
	if err != nil {
		return err
	}
	venue, err := a.venue(ctx)
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "night_report", page{Title: "Report: " + e.Title, Data: map[string]any{
		"Event": e, "Visits": vs, "Loc": venue.Location(),
	}})
}

// staffReportsCSV exports the same numbers, money in major units.
func (a *App) staffReportsCSV(c echo.Context) error {
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return err
	}
	r, _ := a.reportDays(c, venue.Location())
	rs, err := a.store.Reports(c.Request().Context(), r.start, r.end, 0)
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
			m(r.Card()), m(r.Cash), m(r.Terminal), m(r.Waived), m(r.Refunds), m(r.Revenue()), m(r.Outstanding), strconv.Itoa(r.NeedingReview)})
	}
	w.Flush()
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="clockroom-reports-`+r.From+`-to-`+r.To+`.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", []byte(b.String()))
}

// staffCommunityCSV is GET /staff/reports/community.csv: the community's
// figures for the range, one a row.
func (a *App) staffCommunityCSV(c echo.Context) error {
	ctx := c.Request().Context()
	venue, err := a.venue(ctx)
	if err != nil {
		return err
	}
	r, _ := a.reportDays(c, venue.Location())
	cm, err := a.store.CommunityFigures(ctx, r.start, r.end, venue.Location())
	if err != nil {
		return err
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"figure", "value", "from", "to"})
	row := func(name, value string) { _ = w.Write([]string{name, value, r.From, r.To}) }
	row("guests_who_came", strconv.Itoa(cm.Came))
	row("came_again_within_60_days", strconv.Itoa(cm.Returned))
	row("returning_rate", strconv.FormatFloat(cm.ReturningRate(), 'f', 3, 64))
	row("active_hosts", strconv.Itoa(cm.ActiveHosts))
	rating := ""
	if cm.Rating.Valid {
		rating = strconv.FormatFloat(cm.Rating.Float64, 'f', 2, 64)
	}
	row("average_rating", rating)
	row("ratings", strconv.Itoa(cm.Ratings))
	for _, m := range cm.NewMembers {
		row("new_members_"+m.Month.In(venue.Location()).Format("2006-01"), strconv.Itoa(m.Count))
	}
	w.Flush()
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="clockroom-community-`+r.From+`-to-`+r.To+`.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", []byte(b.String()))
}
