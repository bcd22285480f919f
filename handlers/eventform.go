package handlers

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/clockroom/clockroom/models"
)

// formTimeLayout is what <input type="datetime-local"> sends.
const formTimeLayout = "2006-01-02T15:04"

// eventForm is what the host's event form posts. Times are local to the
// venue.
type eventForm struct {
	Title        string `form:"title"`
	Description  string `form:"description"`
	StartsAt     string `form:"starts_at"`
	EndsAt       string `form:"ends_at"`
	Capacity     string `form:"capacity"`
	HoldMinutes  string `form:"hold_minutes"` // empty: models.DefaultHoldMinutes
	RSVPOpensAt  string `form:"rsvp_opens_at"`
	RSVPClosesAt string `form:"rsvp_closes_at"`
	Action       string `form:"action"` // "publish" or "draft", when creating
	// The night's own tariff, when OwnTariff is "on"; else the venue's.
	OwnTariff     string `form:"own_tariff"`
	PerMinute     string `form:"per_minute"`
	MinimumCharge string `form:"minimum_charge"`
	DailyCap      string `form:"daily_cap"`
	GraceMinutes  string `form:"grace_minutes"`
}

// eventRules is what validation needs to know beyond the form.
type eventRules struct {
	Loc          *time.Location
	RoomCapacity int
	Now          time.Time
	IsNew        bool
	Currency     string
	Venue        models.Venue // its ceilings bound a night's own price
}

// validate checks every field and returns the event to save, or the
// message for each field that is wrong.
func (f eventForm) validate(r eventRules) (models.EventInput, fieldErrors) {
	errs := fieldErrors{}
	in := models.EventInput{Title: strings.TrimSpace(f.Title), Description: strings.TrimSpace(f.Description)}
	errs.check(in.Title != "", "title", "Give the night a title.")
	errs.check(oneLine(in.Title), "title", "Write the title on one line, without special characters.")
	errs.check(maxChars(in.Title, models.MaxTitleLength), "title", fmt.Sprintf("Keep the title under %d characters.", models.MaxTitleLength))
	errs.check(maxChars(in.Description, models.MaxDescriptionLength), "description", fmt.Sprintf("Keep the description under %d characters.", models.MaxDescriptionLength))

	var ok bool
	in.StartsAt, ok = parseFormTime(f.StartsAt, r.Loc)
	errs.check(ok, "starts_at", "Enter when the night starts, like 2026-12-01 19:00.")
	if ok && r.IsNew {
		errs.check(in.StartsAt.After(r.Now), "starts_at", "A new night must start in the future.")
	}
	in.EndsAt, ok = parseFormTime(f.EndsAt, r.Loc)
	errs.check(ok, "ends_at", "Enter when the night ends.")
	if ok && !in.StartsAt.IsZero() {
		errs.check(in.EndsAt.After(in.StartsAt), "ends_at", "The night must end after it starts.")
		errs.check(in.EndsAt.Sub(in.StartsAt) <= 24*time.Hour, "ends_at", "A night can last at most 24 hours.")
	}

	n, err := strconv.Atoi(strings.TrimSpace(f.Capacity))
	errs.check(err == nil && n >= 1 && n <= r.RoomCapacity, "capacity",
		fmt.Sprintf("Capacity must be a whole number from 1 to %d (the room's limit).", r.RoomCapacity))
	in.Capacity = n
	if h := strings.TrimSpace(f.HoldMinutes); h != "" {
		m, err := strconv.Atoi(h)
		errs.check(err == nil && m >= 0 && m <= 24*60, "hold_minutes", "Hold seats for a whole number of minutes after the start, from 0 to 1440 (or leave it empty for 20).")
		in.HoldMinutes = &m
	}

	in.RSVPOpensAt, ok = optionalFormTime(f.RSVPOpensAt, r.Loc)
	errs.check(ok, "rsvp_opens_at", "Enter a date and time, or leave it empty to open RSVPs when the night is published.")
	in.RSVPClosesAt, ok = optionalFormTime(f.RSVPClosesAt, r.Loc)
	errs.check(ok, "rsvp_closes_at", "Enter a date and time, or leave it empty to keep RSVPs open until the night ends.")
	if in.RSVPOpensAt != nil && in.RSVPClosesAt != nil {
		errs.check(in.RSVPClosesAt.After(*in.RSVPOpensAt), "rsvp_closes_at", "RSVPs must close after they open.")
	}
	if in.RSVPClosesAt != nil && !in.EndsAt.IsZero() {
		errs.check(!in.RSVPClosesAt.After(in.EndsAt), "rsvp_closes_at", "RSVPs cannot close after the night ends.")
	}
	if in.RSVPOpensAt != nil && !in.StartsAt.IsZero() {
		errs.check(in.RSVPOpensAt.Before(in.StartsAt), "rsvp_opens_at", "RSVPs must open before the night starts.")
	}
	if f.OwnTariff == "on" {
		t := tariffFields{f.PerMinute, f.MinimumCharge, f.DailyCap, f.GraceMinutes}.parse(r.Currency, errs)
		if errs["per_minute"] == "" && errs["daily_cap"] == "" {
			field, why := r.Venue.CheckNightPrice(t)
			errs.check(field == "", field, priceWords(why, field, r.Venue))
		}
		in.Tariff = &t
	}
	return in, errs
}

func parseFormTime(s string, loc *time.Location) (time.Time, bool) {
	t, err := time.ParseInLocation(formTimeLayout, strings.TrimSpace(s), loc)
	return t, err == nil
}

func optionalFormTime(s string, loc *time.Location) (*time.Time, bool) {
	if strings.TrimSpace(s) == "" {
		return nil, true
	}
	t, ok := parseFormTime(s, loc)
	return &t, ok
}

// formFromEvent fills the form with an event's values, for editing.
func formFromEvent(e models.Event, loc *time.Location, currency string) eventForm {
	f := eventForm{Title: e.Title, Description: e.Description, Capacity: strconv.Itoa(e.Capacity), HoldMinutes: strconv.Itoa(e.HoldMinutes),
		StartsAt: e.StartsAt.In(loc).Format(formTimeLayout), EndsAt: e.EndsAt.In(loc).Format(formTimeLayout)}
	if e.RSVPOpensAt != nil {
		f.RSVPOpensAt = e.RSVPOpensAt.In(loc).Format(formTimeLayout)
	}
	if e.RSVPClosesAt != nil {
		f.RSVPClosesAt = e.RSVPClosesAt.In(loc).Format(formTimeLayout)
	}
	if t := e.OwnTariff(); t != nil {
		tf := tariffFieldsFrom(*t, currency)
		f.OwnTariff, f.PerMinute, f.MinimumCharge, f.DailyCap, f.GraceMinutes = "on", tf.PerMinute, tf.MinimumCharge, tf.DailyCap, tf.GraceMinutes
	}
	return f
}
