package tariff

import "time"

// Bounds on every figure a tariff states, so that no price, however wrong,
// reaches the edges of int64 (they match models.MaxPerMinute and
// models.MaxAmount; the engine also saturates rather than wraps).
const (
	MaxPerMinute  = 1_000_000     // 10,000.00 a minute in a two-decimal currency
	MaxAmount     = 1_000_000_000 // 10,000,000.00: any price, cap or minimum
	MaxMultiplier = 100_000       // ×10, in basis points
	MaxMinutes    = 7 * 24 * 60   // any stated length: a step's start, a block, a pass, grace
	MaxEntries    = 64            // steps, windows, passes or groups in one tariff
	MaxNameLength = 60            // a tariff's or a pass's name, in characters
	// MaxGroupNameLength bounds a group's name, in characters.
	MaxGroupNameLength = 40
	BasisPoints        = 10_000 // 100 % (or ×1) in basis points
)

// Tariff is a venue's named, versioned price list in integer minor units of
// the venue's currency. A stay is priced by Price; the tariff is a value
// that pricing never changes, so the version a stay was admitted under
// prices all of it, its own scheduled changes included.
type Tariff struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
	// Currency is the ISO 4217 code the amounts are in, for export and
	// import; pricing does not read it.
	Currency string `json:"currency,omitempty"`

	// GraceMinutes: a stay no longer than this is free.
	GraceMinutes int `json:"grace_minutes,omitempty"`
	// TimeStep is the billing step in minutes: 1, 5, 10 or 15 (0 means 1).
	// Time spent is rounded up to whole steps.
	TimeStep int `json:"time_step_minutes,omitempty"`
	// DayStart is when the business day begins, local time (e.g. 04:00).
	DayStart Clock `json:"day_start,omitempty"`

	// FirstPeriod is due in full once a stay passes grace.
	FirstPeriod *FirstPeriod `json:"first_period,omitempty"`
	// Steps are the meter's rates by time already spent; time before the
	// first step (and with no steps at all) is free.
	Steps []Step `json:"steps,omitempty"`
	// Windows switch the rate or apply a multiplier at local times.
	Windows []Window `json:"windows,omitempty"`

	// MinimumCharge is the least a stay past grace costs.
	MinimumCharge int64 `json:"minimum_charge,omitempty"`
	Caps          Caps  `json:"caps,omitzero"`

	Passes []Pass  `json:"passes,omitempty"`
	Groups []Group `json:"groups,omitempty"`
}

// Rate is what time costs: PerMinute minor units a minute or, when
// BlockMinutes > 0, BlockPrice for every started block of BlockMinutes.
// The zero Rate is free.
type Rate struct {
	PerMinute    int64 `json:"per_minute,omitempty"`
	BlockPrice   int64 `json:"block_price,omitempty"`
	BlockMinutes int   `json:"block_minutes,omitempty"`
}

// IsBlock reports whether the rate charges per started block.
func (r Rate) IsBlock() bool { return r.BlockMinutes > 0 }

// Step is a rate that applies once the stay has spent FromMinute minutes
// (counted across all its visits, gaps not counted).
type Step struct {
	FromMinute int `json:"from_minute"`
	Rate
}

// FirstPeriod is a price due in full for the first Minutes of a stay,
// however little of them the guest stays.
type FirstPeriod struct {
	Minutes int   `json:"minutes"`
	Price   int64 `json:"price"`
}

// TimeRange is a weekly local-time range: on each of Days (every day when
// empty) from Start to End; an End at or before Start runs into the next
// day (Start == End: 24 hours).
type TimeRange struct {
	Days  Days  `json:"days,omitempty"`
	Start Clock `json:"start"`
	End   Clock `json:"end"`
}

// Window is a calendar window that changes how the meter counts while it
// is open: its own Steps (still by time spent in the stay) replace the
// tariff's, or MultiplierBP (basis points, 15000 = ×1.5) scales them. Cap
// bounds what one occurrence of the window (one night) costs.
type Window struct {
	Name string `json:"name"`
	TimeRange
	Steps        []Step `json:"steps,omitempty"`
	MultiplierBP int64  `json:"multiplier_bp,omitempty"`
	Cap          *int64 `json:"cap,omitempty"`
}

// Caps bound what the meter charges: per stay and per day.
type Caps struct {
	Stay *int64  `json:"stay,omitempty"`
	Day  *DayCap `json:"day,omitempty"`
}

// DayBasis is what a day cap's day is.
type DayBasis string

// The day a day cap bounds.
const (
	// PerBusinessDay caps what each business day (from DayStart to the next)
	// costs, on its own.
	PerBusinessDay DayBasis = "business_day"
	// PerStarted24h caps the stay's total at the sum of the cap over every
	// started 24 hours of time spent: the rule of Clockroom's first tariff.
	PerStarted24h DayBasis = "started_24h"
)

// DayCap is a cap per day with a weekday and a weekend value.
type DayCap struct {
	Weekday int64 `json:"weekday"`
	// Weekend applies on WeekendDays; nil means the weekday value.
	Weekend     *int64   `json:"weekend,omitempty"`
	WeekendDays Days     `json:"weekend_days,omitempty"` // empty: Saturday and Sunday
	Per         DayBasis `json:"per,omitempty"`          // empty: business_day
}

// PassKind says what sort of pass a pass is, for people; what it covers is
// in its Cover.
type PassKind string

// The kinds of passes and packs.
const (
	DayPass     PassKind = "day"
	HalfDayPass PassKind = "half_day"
	HoursPack   PassKind = "hours"
	NightPack   PassKind = "night"
)

// Pass is a pass or pack: a price that covers part of a stay, and the rate
// after it (Extension; nil: the meter's own rates go on).
type Pass struct {
	Name      string   `json:"name"`
	Kind      PassKind `json:"kind"`
	Price     int64    `json:"price"`
	Covers    Cover    `json:"covers"`
	Extension *Rate    `json:"extension,omitempty"`
}

// Cover is what a pass covers, exactly one of: Minutes of time spent from
// arrival (or from purchase, From == "purchase"); the next occurrence of a
// local Window; or the BusinessDay of arrival (or purchase).
type Cover struct {
	Minutes     int        `json:"minutes,omitempty"`
	From        string     `json:"from,omitempty"` // "arrival" (default) or "purchase"
	Window      *TimeRange `json:"window,omitempty"`
	BusinessDay bool       `json:"business_day,omitempty"`
}

// Where a duration cover counts from.
const (
	FromArrival  = "arrival"
	FromPurchase = "purchase"
)

// Group is a kind of guest (student, member, child, staff) with a
// percentage off (PercentOffBP, basis points: 2000 = 20 %) or a Tariff of
// its own (whose own groups are ignored).
type Group struct {
	Name         string  `json:"name"`
	PercentOffBP int64   `json:"percent_off_bp,omitempty"`
	Tariff       *Tariff `json:"tariff,omitempty"`
}

// step is the billing step as a duration.
func (t *Tariff) step() time.Duration {
	switch t.TimeStep {
	case 5, 10, 15:
		return time.Duration(t.TimeStep) * time.Minute
	}
	return time.Minute
}

// group finds a group by name.
func (t *Tariff) group(name string) (*Group, bool) {
	for i := range t.Groups {
		if t.Groups[i].Name == name {
			return &t.Groups[i], true
		}
	}
	return nil, false
}

// pass finds a pass by name.
func (t *Tariff) pass(name string) (int, bool) {
	for i := range t.Passes {
		if t.Passes[i].Name == name {
			return i, true
		}
	}
	return -1, false
}

// HasGroup reports whether the tariff prices the named group.
func (t *Tariff) HasGroup(name string) bool {
	_, ok := t.group(name)
	return ok
}

// Sells is the passes a guest of the named group can have: the group's own
// tariff's when it has one, else the tariff's ("" or an unknown group: the
// tariff's).
func (t *Tariff) Sells(group string) []Pass {
	if g, ok := t.group(group); ok && g.Tariff != nil {
		return g.Tariff.Passes
	}
	return t.Passes
}
