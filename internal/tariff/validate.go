package tariff

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bojanz/currency"
)

// FieldError is one thing wrong with a tariff: Field is the JSON path of
// the field ("windows[1].start"), Message a sentence for the admin.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Errors is everything wrong with a tariff, in the order of its fields.
type Errors []FieldError

// Error lists every field error in one sentence, for logs.
func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, fe := range e {
		parts[i] = fe.Field + ": " + fe.Message
	}
	return "invalid tariff: " + strings.Join(parts, "; ")
}

// ByField maps each field to its first message, for a form's 422 page.
func (e Errors) ByField() map[string]string {
	m := make(map[string]string, len(e))
	for _, fe := range e {
		if _, ok := m[fe.Field]; !ok {
			m[fe.Field] = fe.Message
		}
	}
	return m
}

// validator gathers field errors under a path prefix.
type validator struct {
	prefix string
	errs   *Errors
}

func (v validator) add(field, format string, args ...any) {
	*v.errs = append(*v.errs, FieldError{Field: v.prefix + field, Message: fmt.Sprintf(format, args...)})
}

func (v validator) amount(field string, a int64) {
	switch {
	case a < 0:
		v.add(field, "must not be negative")
	case a > MaxAmount:
		v.add(field, "is more than %d, the largest amount a tariff may state", MaxAmount)
	}
}

func (v validator) length(field string, n, least int) {
	switch {
	case n < least:
		v.add(field, "must be at least %d minutes", least)
	case n > MaxMinutes:
		v.add(field, "is longer than a week (%d minutes)", MaxMinutes)
	}
}

func (v validator) clock(field string, c Clock) {
	if !c.valid() {
		v.add(field, "must be a time of day, 00:00 to 23:59")
	}
}

func (v validator) count(field string, n int) bool {
	if n > MaxEntries {
		v.add(field, "has %d entries; a tariff may have %d at most", n, MaxEntries)
		return false
	}
	return true
}

// Validate says everything wrong with the tariff, field by field (Errors),
// or nil: overlapping windows, steps that go backwards, a cap below the
// minimum, a time step other than 1, 5, 10 or 15 minutes, negative prices,
// and figures beyond the bounds (MaxAmount, MaxPerMinute, MaxMinutes,
// MaxMultiplier, MaxEntries) that keep every product inside int64.
func (t *Tariff) Validate() error {
	var errs Errors
	t.validate(validator{errs: &errs}, true)
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func (t *Tariff) validate(v validator, withGroups bool) {
	switch name := strings.TrimSpace(t.Name); {
	case name == "":
		v.add("name", "is required")
	case utf8.RuneCountInString(name) > MaxNameLength:
		v.add("name", "is longer than %d characters", MaxNameLength)
	}
	if t.Version < 0 {
		v.add("version", "must not be negative")
	}
	if t.Currency != "" && (len(t.Currency) != 3 || strings.ToUpper(t.Currency) != t.Currency || !currency.IsValid(t.Currency)) {
		v.add("currency", "%q is not an ISO 4217 currency code", t.Currency)
	}
	if t.GraceMinutes != 0 {
		v.length("grace_minutes", t.GraceMinutes, 0)
	}
	switch t.TimeStep {
	case 0, 1, 5, 10, 15:
	default:
		v.add("time_step_minutes", "must be 1, 5, 10 or 15 minutes")
	}
	v.clock("day_start", t.DayStart)
	first := 0
	if fp := t.FirstPeriod; fp != nil {
		v.length("first_period.minutes", fp.Minutes, 1)
		v.amount("first_period.price", fp.Price)
		first = fp.Minutes
	}
	v.steps("steps", t.Steps, first)
	v.amount("minimum_charge", t.MinimumCharge)
	t.validateWindows(v, first)
	t.validateCaps(v)
	t.validatePasses(v)
	if !v.count("groups", len(t.Groups)) {
		return
	}
	seen := map[string]bool{}
	for i, g := range t.Groups {
		f := fmt.Sprintf("groups[%d]", i)
		v.name(f, g.Name, "group", MaxGroupNameLength, seen)
		switch {
		case !withGroups:
			v.add(f, "a group's own tariff cannot have groups")
		case (g.PercentOffBP != 0) == (g.Tariff != nil):
			v.add(f, "needs either a percentage off or a tariff of its own")
		case g.Tariff != nil:
			g.Tariff.validate(validator{prefix: v.prefix + f + ".tariff.", errs: v.errs}, false)
		case g.PercentOffBP < 0 || g.PercentOffBP > BasisPoints:
			v.add(f+".percent_off_bp", "must be between 1 and 10000 (0.01 %% to 100 %%)")
		}
	}
}

// steps checks a list of steps: in order, none going backwards, the first
// from the start (or from within the first period).
func (v validator) steps(field string, steps []Step, first int) {
	if !v.count(field, len(steps)) {
		return
	}
	for i, st := range steps {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case st.FromMinute < 0 || st.FromMinute > MaxMinutes:
			v.add(f+".from_minute", "must be between 0 and %d minutes", MaxMinutes)
		case i == 0 && st.FromMinute > first:
			v.add(f+".from_minute", "the first step must start at minute 0 (or within the first period): time before it would be free")
		case i > 0 && st.FromMinute < steps[i-1].FromMinute:
			v.add(f+".from_minute", "starts at minute %d, before the step above it (minute %d): steps go in order", st.FromMinute, steps[i-1].FromMinute)
		case i > 0 && st.FromMinute == steps[i-1].FromMinute:
			v.add(f+".from_minute", "starts at the same minute as the step above it")
		}
		v.rate(f, st.Rate)
	}
}

// rate checks a rate: by the minute or by the block, within bounds.
func (v validator) rate(field string, r Rate) {
	switch {
	case r.PerMinute < 0:
		v.add(field+".per_minute", "must not be negative")
	case r.PerMinute > MaxPerMinute:
		v.add(field+".per_minute", "is more than %d a minute, the largest rate a tariff may state", MaxPerMinute)
	case r.PerMinute > 0 && (r.BlockMinutes != 0 || r.BlockPrice != 0):
		v.add(field, "is either a rate a minute or a price a block, not both")
	}
	switch {
	case r.BlockMinutes != 0:
		v.length(field+".block_minutes", r.BlockMinutes, 1)
		v.amount(field+".block_price", r.BlockPrice)
	case r.BlockPrice != 0:
		v.add(field+".block_minutes", "a block price needs the block's length")
	}
}

func (t *Tariff) validateWindows(v validator, first int) {
	if !v.count("windows", len(t.Windows)) {
		return
	}
	for i, w := range t.Windows {
		f := fmt.Sprintf("windows[%d]", i)
		if strings.TrimSpace(w.Name) == "" {
			v.add(f+".name", "is required")
		}
		v.clock(f+".start", w.Start)
		v.clock(f+".end", w.End)
		switch {
		case len(w.Steps) > 0 && w.MultiplierBP != 0:
			v.add(f, "either switches the rate (steps) or applies a multiplier, not both")
		case len(w.Steps) > 0:
			v.steps(f+".steps", w.Steps, first)
		case w.MultiplierBP <= 0 || w.MultiplierBP > MaxMultiplier:
			v.add(f+".multiplier_bp", "needs steps of its own or a multiplier between 1 and %d basis points", MaxMultiplier)
		}
		if w.Cap != nil {
			v.amount(f+".cap", *w.Cap)
			v.atLeastMinimum(f+".cap", *w.Cap, t.MinimumCharge)
		}
		for j := range i {
			if day, ok := overlap(t.Windows[j].TimeRange, w.TimeRange); ok {
				v.add(f, "overlaps %q on %ss from %s: windows may not overlap", t.Windows[j].Name, day, w.Start)
			}
		}
	}
}

func (v validator) atLeastMinimum(field string, c, minimum int64) {
	if c < minimum {
		v.add(field, "is below the minimum charge (%d): a cap below the minimum cannot hold", minimum)
	}
}

func (t *Tariff) validateCaps(v validator) {
	if c := t.Caps.Stay; c != nil {
		v.amount("caps.stay", *c)
		v.atLeastMinimum("caps.stay", *c, t.MinimumCharge)
	}
	dc := t.Caps.Day
	if dc == nil {
		return
	}
	v.amount("caps.day.weekday", dc.Weekday)
	v.atLeastMinimum("caps.day.weekday", dc.Weekday, t.MinimumCharge)
	if dc.Weekend != nil {
		v.amount("caps.day.weekend", *dc.Weekend)
		v.atLeastMinimum("caps.day.weekend", *dc.Weekend, t.MinimumCharge)
	}
	switch dc.Per {
	case "", PerBusinessDay, PerStarted24h:
	default:
		v.add("caps.day.per", "must be %q or %q", PerBusinessDay, PerStarted24h)
	}
}

func (t *Tariff) validatePasses(v validator) {
	if !v.count("passes", len(t.Passes)) {
		return
	}
	seen := map[string]bool{}
	for i, ps := range t.Passes {
		f := fmt.Sprintf("passes[%d]", i)
		v.name(f, ps.Name, "pass", MaxNameLength, seen)
		switch ps.Kind {
		case DayPass, HalfDayPass, HoursPack, NightPack:
		default:
			v.add(f+".kind", "must be day, half_day, hours or night")
		}
		v.amount(f+".price", ps.Price)
		c := ps.Covers
		n := 0
		if c.Minutes != 0 {
			n++
			v.length(f+".covers.minutes", c.Minutes, 1)
		}
		if c.Window != nil {
			n++
			v.clock(f+".covers.window.start", c.Window.Start)
			v.clock(f+".covers.window.end", c.Window.End)
		}
		if c.BusinessDay {
			n++
		}
		if n != 1 {
			v.add(f+".covers", "covers exactly one of: minutes, a window, the business day")
		}
		switch c.From {
		case "", FromArrival:
		case FromPurchase:
			if c.Minutes == 0 {
				v.add(f+".covers.from", "only a duration counts from the purchase")
			}
		default:
			v.add(f+".covers.from", "must be %q or %q", FromArrival, FromPurchase)
		}
		if ps.Extension != nil {
			v.rate(f+".extension", *ps.Extension)
		}
	}
}

// overlap reports whether two weekly ranges share a moment, and on which
// weekday the second's shared occurrence starts.
func overlap(a, b TimeRange) (time.Weekday, bool) {
	const week = 7 * 24 * 60
	length := func(r TimeRange) int {
		if l := (int(r.End) - int(r.Start) + 24*60) % (24 * 60); l > 0 {
			return l
		}
		return 24 * 60
	}
	la, lb := length(a), length(b)
	for da := range 7 {
		if !a.Days.Has(time.Weekday(da)) {
			continue
		}
		for db := range 7 {
			if !b.Days.Has(time.Weekday(db)) {
				continue
			}
			sa, sb := da*24*60+int(a.Start), db*24*60+int(b.Start)
			if ((sb-sa)%week+week)%week < la || ((sa-sb)%week+week)%week < lb {
				return time.Weekday(db), true
			}
		}
	}
	return 0, false
}

// name checks the name of a list's entry f (a group, a pass): given, and
// not the name of an earlier one.
func (v validator) name(f, name, what string, most int, seen map[string]bool) {
	switch {
	case strings.TrimSpace(name) == "":
		v.add(f+".name", "is required")
	case utf8.RuneCountInString(name) > most:
		v.add(f+".name", "is longer than %d characters", most)
	case seen[name]:
		v.add(f+".name", "%q is already a %s", name, what)
	}
	seen[name] = true
}
