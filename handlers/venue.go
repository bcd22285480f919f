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

// venueForm is the admin's venue and tariff form. Money is typed in major
// units ("0.08"); it is stored in minor units.
type venueForm struct {
	Name          string `form:"name"`
	TimeZone      string `form:"time_zone"`
	Currency      string `form:"currency"`
	RoomCapacity  string `form:"room_capacity"`
	PerMinute     string `form:"per_minute"`
	MinimumCharge string `form:"minimum_charge"`
	DailyCap      string `form:"daily_cap"`
	GraceMinutes  string `form:"grace_minutes"`
	HoldAtCheckin string `form:"hold_at_checkin"`
	HoldAmount    string `form:"hold_amount"`
	// The admins' rules for hosts' prices and automatic card charges.
	MaxPerMinute    string `form:"max_per_minute"`
	MaxDailyCap     string `form:"max_daily_cap"`
	AutoChargeLimit string `form:"auto_charge_limit"`
	// Hours before a night its guests get a second reminder; 0 for none.
	LateReminderHours string `form:"late_reminder_hours"`
}

func venueFormFrom(v models.Venue) venueForm {
	t := tariffFieldsFrom(v.Tariff, v.Currency)
	f := venueForm{Name: v.Name, TimeZone: v.TimeZone, Currency: v.Currency, RoomCapacity: strconv.Itoa(v.RoomCapacity),
		PerMinute: t.PerMinute, MinimumCharge: t.MinimumCharge, DailyCap: t.DailyCap, GraceMinutes: t.GraceMinutes,
		LateReminderHours: strconv.Itoa(v.LateReminderHours)}
	if v.HoldAtCheckin {
		f.HoldAtCheckin = "on"
	}
	opt := func(p *int64) string {
		if p == nil {
			return ""
		}
		return models.MajorUnits(*p, v.Currency)
	}
	f.HoldAmount, f.MaxPerMinute, f.MaxDailyCap, f.AutoChargeLimit = opt(v.HoldAmount), opt(v.MaxPerMinute), opt(v.MaxDailyCap), opt(v.AutoChargeLimit)
	return f
}

// validate checks the form; largest is the most seats of any night to come.
func (f venueForm) validate(v models.Venue, largest int) (models.Venue, fieldErrors) {
	errs := fieldErrors{}
	v.Name = strings.TrimSpace(f.Name)
	errs.check(v.Name != "" && maxChars(v.Name, 200), "name", "Give the venue a name (up to 200 characters).")
	errs.check(oneLine(v.Name), "name", "Write the venue's name on one line, without special characters.")
	v.TimeZone = strings.TrimSpace(f.TimeZone)
	_, err := time.LoadLocation(v.TimeZone)
	errs.check(v.TimeZone != "" && err == nil, "time_zone", "Enter a time zone like Europe/London.")
	v.Currency = strings.ToUpper(strings.TrimSpace(f.Currency))
	errs.check(models.ValidCurrency(v.Currency), "currency", "Enter an ISO 4217 currency code like GBP, EUR or JPY.")
	n, err := strconv.Atoi(strings.TrimSpace(f.RoomCapacity))
	errs.check(err == nil && n >= 1 && n <= 10000, "room_capacity", "Enter how many people the room holds safely, from 1 to 10000.")
	errs.check(err != nil || n >= largest, "room_capacity", fmt.Sprintf("A night still to come has %d seats; the room limit cannot be lower.", largest))
	v.RoomCapacity = n
	v.LateReminderHours = models.DefaultLateReminderHours
	if hours := strings.TrimSpace(f.LateReminderHours); hours != "" {
		h, err := strconv.Atoi(hours)
		errs.check(err == nil && h >= 0 && h <= 12, "late_reminder_hours", "Enter how many hours before a night to remind its guests again, from 0 (no second reminder) to 12.")
		v.LateReminderHours = h
	}
	v.Tariff = tariffFields{f.PerMinute, f.MinimumCharge, f.DailyCap, f.GraceMinutes}.parse(v.Currency, errs)
	v.HoldAtCheckin, v.HoldAmount = f.HoldAtCheckin == "on", nil
	if amount := strings.TrimSpace(f.HoldAmount); amount != "" {
		n, ok := parseMoney(amount, v.Currency)
		errs.check(ok, "hold_amount", "Enter the amount to hold, like 20.00, or leave it empty.")
		v.HoldAmount = &n
	}
	errs.check(!v.HoldAtCheckin || v.DailyCap != nil || v.HoldAmount != nil, "hold_amount", "With no daily cap, say how much to hold at check-in.")
	v.MaxPerMinute = optionalMoney(errs, "max_per_minute", f.MaxPerMinute, v.Currency, models.MaxPerMinute)
	v.MaxDailyCap = optionalMoney(errs, "max_daily_cap", f.MaxDailyCap, v.Currency, models.MaxAmount)
	v.AutoChargeLimit = optionalMoney(errs, "auto_charge_limit", f.AutoChargeLimit, v.Currency, models.MaxAmount)
	for field, p := range map[string]*int64{"max_daily_cap": v.MaxDailyCap, "auto_charge_limit": v.AutoChargeLimit} {
		errs.check(p == nil || *p > 0, field, "Enter an amount above zero, or leave it empty.")
	}
	return v, errs
}

// adminVenue shows the venue and tariff settings.
func (a *App) adminVenue(c echo.Context) error {
	v, err := a.store.Venue(c.Request().Context())
	if err != nil {
		return err
	}
	return a.venuePage(c, http.StatusOK, venueFormFrom(v), nil)
}

// venuePage shows the venue form with what is wrong with it, saying when
// its simple price no longer prices stays (the venue has a standard tariff).
func (a *App) venuePage(c echo.Context, status int, f venueForm, errs fieldErrors) error {
	ts, err := a.store.Tariffs(c.Request().Context(), false)
	if err != nil {
		return err
	}
	standard := ""
	if len(ts) > 0 && ts[0].Standard {
		standard = ts[0].Name
	}
	return a.render(c, status, "admin_venue", page{Title: "Venue and tariff", Form: f, Errors: errs, Data: map[string]string{"Standard": standard}})
}

// updateVenue saves the venue and tariff. New prices apply to stays that start
// after the change; bills already made keep their amounts.
func (a *App) updateVenue(c echo.Context) error {
	var f venueForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	ctx := c.Request().Context()
	v, err := a.store.Venue(ctx)
	if err != nil {
		return err
	}
	largest, err := a.store.LargestEventCapacity(ctx)
	if err != nil {
		return err
	}
	nv, errs := f.validate(v, largest)
	if !errs.valid() {
		return a.venuePage(c, http.StatusUnprocessableEntity, f, errs)
	}
	err = a.store.UpdateVenue(ctx, nv, currentUser(c).ID)
	var inUse *models.CurrencyInUseError
	if errors.As(err, &inUse) {
		return a.venuePage(c, http.StatusUnprocessableEntity, f, fieldErrors{"currency": currencyInUseWords(inUse)})
	}
	if err != nil {
		return err
	}
	return a.seeOther(c, "/admin/venue", "Saved. The new tariff applies to guests admitted from now on; guests inside keep the price they came in under.")
}

// currencyInUseWords says why the venue's currency cannot change yet, and
// what to do first.
func currencyInUseWords(e *models.CurrencyInUseError) string {
	var what, todo []string
	if e.Unpaid > 0 {
		what = append(what, fmt.Sprintf("%d %s still to collect", e.Unpaid, plural(e.Unpaid, "bill is", "bills are")))
		todo = append(todo, "collect or waive the bills on Bills to collect")
	}
	if e.Inside > 0 {
		what = append(what, fmt.Sprintf("%d %s inside", e.Inside, plural(e.Inside, "guest is", "guests are")))
		todo = append(todo, "check the guests out")
	}
	if e.Nights > 0 {
		names := strings.Join(e.Titles, ", ")
		if e.Nights > len(e.Titles) {
			names += ", …"
		}
		what = append(what, fmt.Sprintf("%d %s to come %s own prices (%s)", e.Nights, plural(e.Nights, "night", "nights"), plural(e.Nights, "has its", "have their"), names))
		todo = append(todo, "give those nights the venue's prices or let them pass")
	}
	if e.Tariffs > 0 {
		what = append(what, fmt.Sprintf("%d %s in it", e.Tariffs, plural(e.Tariffs, "tariff is stated", "tariffs are stated")))
		todo = append(todo, "retire those tariffs (export them first to keep them)")
	}
	return fmt.Sprintf("The currency stays %s while %s: amounts keep the currency they were priced in. First %s, then change it.",
		e.Currency, andList(what), andList(todo))
}

// andList joins words as a sentence does: "a", "a and b", "a, b and c".
func andList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// tariffFields are a tariff as typed into a form, money in major units.
type tariffFields struct{ PerMinute, MinimumCharge, DailyCap, GraceMinutes string }

// parse reads the fields in currency, adding a message per wrong field.
func (f tariffFields) parse(currency string, errs fieldErrors) models.Tariff {
	var t models.Tariff
	money := func(field, s string, optional bool, max int64) *int64 {
		if strings.TrimSpace(s) == "" && !optional {
			errs.check(false, field, "Enter an amount like "+models.MajorUnits(8, currency)+".")
			return nil
		}
		return optionalMoney(errs, field, s, currency, max)
	}
	if pm := money("per_minute", f.PerMinute, false, models.MaxPerMinute); pm != nil {
		t.PerMinute = *pm
	}
	t.MinimumCharge = money("minimum_charge", f.MinimumCharge, true, models.MaxAmount)
	t.DailyCap = money("daily_cap", f.DailyCap, true, models.MaxAmount)
	if t.DailyCap != nil {
		errs.check(*t.DailyCap > 0, "daily_cap", "A daily cap must be more than zero, or left empty.")
	}
	if t.MinimumCharge != nil && t.DailyCap != nil {
		errs.check(*t.MinimumCharge <= *t.DailyCap, "minimum_charge", "The minimum charge cannot be more than the daily cap.")
	}
	grace := strings.TrimSpace(f.GraceMinutes)
	if grace == "" {
		grace = "0" // no free minutes unless some are given
	}
	g, err := strconv.Atoi(grace)
	errs.check(err == nil && g >= 0 && g <= 240, "grace_minutes", "Enter the free minutes, from 0 to 240.")
	t.GraceMinutes = g
	return t
}

// optionalMoney reads an amount typed in major units, nil when left empty,
// adding the field's message when it is not an amount or above max.
func optionalMoney(errs fieldErrors, field, s, currency string, max int64) *int64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	amount, err := models.ParseMoney(s, currency, max)
	switch {
	case errors.Is(err, models.ErrTooMuch):
		errs.check(false, field, "That is more than Clockroom takes: at most "+models.FormatMoney(max, currency)+".")
	case err != nil:
		errs.check(false, field, "Enter an amount like "+models.MajorUnits(8, currency)+", or leave it empty where allowed.")
	}
	return &amount
}

// tariffFieldsFrom shows a tariff in a form.
func tariffFieldsFrom(t models.Tariff, currency string) tariffFields {
	opt := func(p *int64) string {
		if p == nil {
			return ""
		}
		return models.MajorUnits(*p, currency)
	}
	return tariffFields{models.MajorUnits(t.PerMinute, currency), opt(t.MinimumCharge), opt(t.DailyCap), strconv.Itoa(t.GraceMinutes)}
}
