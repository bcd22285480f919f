package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// seriesForm is what a host posts to start a series: what every night of
// it has (SeriesFields), and when they fall.
type seriesForm struct {
	SeriesFields
	FirstStart string `form:"first_start"`
	Minutes    string `form:"minutes"`
	Repeat     string `form:"repeat"` // weekly, fortnightly, monthly, custom
	Rule       string `form:"rule"`   // an RRULE, for custom
}

func (f seriesForm) validate(venue models.Venue, now time.Time) (models.NewSeries, fieldErrors) {
	errs := fieldErrors{}
	ch := f.SeriesFields.validate(venue.RoomCapacity, errs)
	ns := models.NewSeries{VenueID: venue.ID, Title: ch.Title, Description: ch.Description, Capacity: ch.Capacity}
	var ok bool
	ns.FirstStart, ok = parseFormTime(f.FirstStart, venue.Location())
	errs.check(ok && ns.FirstStart.After(now), "first_start", "Enter when the first night starts, in the future, like 2027-01-05 19:00.")
	m, err := strconv.Atoi(strings.TrimSpace(f.Minutes))
	errs.check(err == nil && m >= 15 && m <= 24*60, "minutes", "Say how long each night lasts, from 15 to 1440 minutes.")
	ns.Minutes = m
	if ok {
		ns.Rule, ns.Pattern, err = models.SeriesRule(f.Repeat, ns.FirstStart.In(venue.Location()), f.Rule)
		if _, bad := errs["minutes"]; err == nil && !bad {
			ns.Rule, err = models.CheckSeriesRule(ns.Rule, ns.FirstStart.In(venue.Location()), ns.Minutes)
		}
		errs.check(err == nil, "rule", ruleProblem(err))
	}
	return ns, errs
}

// ruleProblem says what is wrong with a series' rule, for the rule field.
func ruleProblem(err error) string {
	switch {
	case errors.Is(err, models.ErrRuleTooOften):
		return "A series repeats at most once a day: use FREQ=DAILY, WEEKLY, MONTHLY or YEARLY (HOURLY, MINUTELY and SECONDLY are not allowed)."
	case errors.Is(err, models.ErrRuleOverlap):
		return "By this rule a night would start before the one before it ends: nights of a series must not overlap. Leave out BYHOUR, BYMINUTE and BYSECOND (every night starts at the first night's time), or make the nights shorter."
	case errors.Is(err, models.ErrRuleTwiceADay):
		return "By this rule a day would have more than one night: a series has at most one night a day, at the first night's time. Leave out BYHOUR, BYMINUTE and BYSECOND."
	case errors.Is(err, models.ErrRuleFirst):
		return "The first night must be one of the rule's: choose a first night on a day (and at a time) the rule gives, or change the rule."
	}
	return "Choose how it repeats, or write an RFC 5545 rule like FREQ=WEEKLY;BYDAY=TU."
}

// isRuleError reports whether err is a model's refusal of a series' rule.
func isRuleError(err error) bool {
	for _, e := range []error{models.ErrBadRule, models.ErrRuleTooOften, models.ErrRuleOverlap, models.ErrRuleTwiceADay, models.ErrRuleFirst} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// newSeriesPage is GET /host/series/new.
func (a *App) newSeriesPage(c echo.Context) error {
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return err
	}
	start := nextWeekAt19(a.now(), venue.Location())
	f := seriesForm{SeriesFields: SeriesFields{Capacity: strconv.Itoa(min(20, venue.RoomCapacity))},
		FirstStart: start.Format(formTimeLayout), Minutes: "120", Repeat: "weekly"}
	return a.render(c, http.StatusOK, "series_form", page{Title: "New series", Form: f, Data: venue})
}

// createSeries is POST /host/series/new: the series, and its first nights.
func (a *App) createSeries(c echo.Context) error {
	var f seriesForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	ctx := c.Request().Context()
	venue, err := a.venue(ctx)
	if err != nil {
		return err
	}
	ns, errs := f.validate(venue, a.now())
	if !errs.valid() {
		return a.render(c, http.StatusUnprocessableEntity, "series_form", page{Title: "New series", Form: f, Errors: errs, Data: venue})
	}
	ns.HostID = currentUser(c).ID
	id, err := a.store.CreateSeries(ctx, ns)
	if isRuleError(err) { // the model's gate, should the form's have let it by
		errs["rule"] = ruleProblem(err)
		return a.render(c, http.StatusUnprocessableEntity, "series_form", page{Title: "New series", Form: f, Errors: errs, Data: venue})
	}
	if err != nil {
		return err
	}
	made, err := a.store.MakeNightsOf(ctx, id)
	if err != nil {
		return err
	}
	return a.seeOther(c, fmt.Sprintf("/series/%d", id), fmt.Sprintf("Series started: %s. %d %s open for RSVPs; more are added as the weeks go by.",
		ns.Pattern, made, plural(made, "night is", "nights are")))
}

// seriesPage is the data of a series' page.
type seriesPage struct {
	Series    models.Series
	Nights    []models.Event
	Loc       *time.Location
	CanManage bool
	Following bool
	Followers int
	Form      seriesEdit
}

// seriesEdit is the form that edits every night to come: what every night
// has, and when it starts and how long it lasts.
type seriesEdit struct {
	SeriesFields
	At      string `form:"at"`      // the venue's clock time, 15:04
	Minutes string `form:"minutes"` // each night's length
}

// validate records what is wrong in errs, and returns the change against sr
// (a time or length as it was is no change).
func (f seriesEdit) validate(sr models.Series, room int, loc *time.Location, errs fieldErrors) models.SeriesChange {
	ch := f.SeriesFields.validate(room, errs)
	at, err := time.Parse("15:04", strings.TrimSpace(f.At))
	errs.check(err == nil, "at", "Enter the time the nights start, like 19:00.")
	if d := time.Duration(at.Hour())*time.Hour + time.Duration(at.Minute())*time.Minute; err == nil && f.At != sr.FirstStart.In(loc).Format("15:04") {
		ch.At = &d
	}
	m, err := strconv.Atoi(strings.TrimSpace(f.Minutes))
	errs.check(err == nil && m >= 15 && m <= 24*60, "minutes", "Say how long each night lasts, from 15 to 1440 minutes.")
	if err == nil && m != sr.Minutes {
		ch.Minutes = m
	}
	return ch
}

// SeriesFields is what every night of a series has: what starts one,
// and what "edit all nights to come" changes. (Exported so that echo's
// binder fills it when embedded.)
type SeriesFields struct {
	Title       string `form:"title"`
	Description string `form:"description"`
	Capacity    string `form:"capacity"`
}

// validate records what is wrong in errs, and returns the change.
func (f SeriesFields) validate(room int, errs fieldErrors) models.SeriesChange {
	ch := models.SeriesChange{Title: strings.TrimSpace(f.Title), Description: strings.TrimSpace(f.Description)}
	errs.check(ch.Title != "" && oneLine(ch.Title) && maxChars(ch.Title, models.MaxTitleLength), "title", "Give the series a title on one line, up to 120 characters.")
	errs.check(maxChars(ch.Description, models.MaxDescriptionLength), "description", "Keep the description under 10000 characters.")
	n, err := strconv.Atoi(strings.TrimSpace(f.Capacity))
	errs.check(err == nil && n >= 1 && n <= room, "capacity", fmt.Sprintf("Seats must be a whole number from 1 to %d (the room's limit).", room))
	ch.Capacity = n
	return ch
}

// seriesByPath is the series of the path; ".ics" asks for its calendar.
func (a *App) seriesByPath(c echo.Context) (models.Series, error) {
	raw := strings.TrimSuffix(c.Param("id"), ".ics")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return models.Series{}, echo.ErrNotFound
	}
	return a.store.SeriesByID(c.Request().Context(), id)
}

// seriesShow is GET /series/{id}: the series, its nights to come, follow;
// GET /series/{id}.ics is its calendar.
func (a *App) seriesShow(c echo.Context) error {
	sr, err := a.seriesByPath(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	nights, err := a.store.SeriesNights(ctx, sr.ID)
	if err != nil {
		return err
	}
	if strings.HasSuffix(c.Param("id"), ".ics") {
		var listed []models.Event
		for _, e := range nights {
			if e.Status != models.EventDraft {
				listed = append(listed, e)
			}
		}
		return a.writeICS(c, fmt.Sprintf("clockroom-series-%d.ics", sr.ID), listed)
	}
	venue, err := a.venue(ctx)
	if err != nil {
		return err
	}
	p := seriesPage{Series: sr, Nights: nights, Loc: venue.Location(),
		Form: seriesEdit{SeriesFields: SeriesFields{Title: sr.Title, Description: sr.Description, Capacity: strconv.Itoa(sr.Capacity)},
			At: sr.FirstStart.In(venue.Location()).Format("15:04"), Minutes: strconv.Itoa(sr.Minutes)}}
	u := currentUser(c)
	if u != nil {
		p.CanManage = u.IsStaff() || u.ID == sr.HostID
	}
	var uid int64
	if u != nil {
		uid = u.ID
	}
	if p.Following, p.Followers, err = a.store.Follows(ctx, sr.ID, uid); err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "series", page{Title: sr.Title, Data: p})
}

// followSeries is POST /series/{id}/follow (follow=on or off).
func (a *App) followSeries(c echo.Context) error {
	sr, err := a.seriesByPath(c)
	if err != nil {
		return err
	}
	on := c.FormValue("follow") != "off"
	if err := a.store.Follow(c.Request().Context(), sr.ID, currentUser(c).ID, on); err != nil {
		return err
	}
	msg := "Following: you get an email when a new night of " + sr.Title + " opens for RSVPs."
	if !on {
		msg = "You no longer follow " + sr.Title + "."
	}
	return a.seeOther(c, fmt.Sprintf("/series/%d", sr.ID), msg)
}

// managedSeries is the series of the path, if the signed-in user may
// change it: its host, or staff.
func (a *App) managedSeries(c echo.Context) (models.Series, error) {
	sr, err := a.seriesByPath(c)
	if err != nil {
		return sr, err
	}
	if u := currentUser(c); !u.IsStaff() && u.ID != sr.HostID {
		return sr, echo.NewHTTPError(http.StatusForbidden, "Only the series' host and venue staff can change it.")
	}
	return sr, nil
}

// updateSeries is POST /host/series/{id}/edit: every night to come.
func (a *App) updateSeries(c echo.Context) error {
	sr, err := a.managedSeries(c)
	if err != nil {
		return err
	}
	var f seriesEdit
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	ctx := c.Request().Context()
	venue, err := a.venue(ctx)
	if err != nil {
		return err
	}
	errs := fieldErrors{}
	ch := f.validate(sr, venue.RoomCapacity, venue.Location(), errs)
	var changed int
	if errs.valid() {
		changed, err = a.store.UpdateSeries(ctx, sr.ID, currentUser(c).ID, ch)
		if errors.Is(err, models.ErrSeriesClash) {
			errs["at"] = "At that time two nights of the series would start together: choose another, or edit the nights one by one."
		} else if errors.Is(err, models.ErrRuleOverlap) {
			errs["minutes"] = "Nights that long would overlap the next night of the series: make them shorter."
		} else if isRuleError(err) {
			errs["at"] = "This series' rule is no longer allowed (" + ruleProblem(err) + ") End the series and start a new one."
		} else if err != nil {
			return err
		}
	}
	if !errs.valid() {
		nights, err := a.store.SeriesNights(ctx, sr.ID)
		if err != nil {
			return err
		}
		return a.render(c, http.StatusUnprocessableEntity, "series", page{Title: sr.Title, Errors: errs,
			Data: seriesPage{Series: sr, Nights: nights, Loc: venue.Location(), CanManage: true, Form: f}})
	}
	return a.seeOther(c, fmt.Sprintf("/series/%d", sr.ID), fmt.Sprintf("Saved: the series and its %d %s to come.", changed, plural(changed, "night", "nights")))
}

// endSeries is POST /host/series/{id}/end.
func (a *App) endSeries(c echo.Context) error {
	sr, err := a.managedSeries(c)
	if err != nil {
		return err
	}
	err = a.store.EndSeries(c.Request().Context(), sr.ID, currentUser(c).ID)
	if err != nil { // a series gone meanwhile is a 404, by its kind
		return err
	}
	return a.seeOther(c, fmt.Sprintf("/series/%d", sr.ID), "The series has ended: no new nights are added. The nights already open stay, with their guests; skip any you will not hold.")
}
