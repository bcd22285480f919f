package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"

	"github.com/jmoiron/sqlx"
)

// Venue is the time café. One per install for now; events carry venue_id so
// more can come.
type Venue struct {
	ID           int64  `db:"id"`
	Name         string `db:"name"`
	TimeZone     string `db:"time_zone"`
	Currency     string `db:"currency"`
	RoomCapacity int    `db:"room_capacity"`
	Tariff
	HoldAtCheckin bool   `db:"hold_at_checkin"` // authorise money on a saved card at admission
	HoldAmount    *int64 `db:"hold_amount"`     // what to hold when the tariff has no daily cap
	// The admins' ceilings on the prices hosts may set for their nights
	// (nil: no ceiling beyond MaxPerMinute and MaxAmount).
	MaxPerMinute *int64 `db:"max_per_minute"`
	MaxDailyCap  *int64 `db:"max_daily_cap"`
	// AutoChargeLimit is the largest bill charged to a saved card without a
	// staff click (nil: the stay's daily cap).
	AutoChargeLimit *int64 `db:"auto_charge_limit"`
	// LateReminderHours before a night its guests get a second reminder;
	// 0 for none.
	LateReminderHours int `db:"late_reminder_hours"`
}

// DefaultLateReminderHours is the second reminder's lead unless the venue
// sets another.
const DefaultLateReminderHours = 2

// CheckNightPrice says what is wrong with a host's price for a night under
// the venue's ceilings: "" when it is within them.
func (v Venue) CheckNightPrice(t Tariff) (field string, why PriceProblem) {
	switch {
	case v.MaxPerMinute != nil && t.PerMinute > *v.MaxPerMinute:
		return "per_minute", PriceAboveCeiling
	case t.DailyCap == nil:
		return "daily_cap", PriceNeedsCap
	case v.MaxDailyCap != nil && *t.DailyCap > *v.MaxDailyCap:
		return "daily_cap", PriceAboveCeiling
	}
	return "", ""
}

// PriceProblem is why a night's own price is refused.
type PriceProblem string

// The ways a night's price can break the venue's rules.
const (
	PriceAboveCeiling PriceProblem = "above_ceiling"
	PriceNeedsCap     PriceProblem = "needs_cap" // a night with its own price must cap a day
)

// HoldFor is what to authorise at check-in under tariff t, or 0 for no
// hold: the most a day can cost (its day cap, the weekend's if higher, or
// a cap per stay), else the venue's hold amount.
func (v Venue) HoldFor(t *tariff.Tariff) int64 {
	if !v.HoldAtCheckin {
		return 0
	}
	most := int64(0)
	if c := t.Caps.Day; c != nil {
		most = max(c.Weekday, deref(c.Weekend))
	}
	if c := t.Caps.Stay; c != nil && (most == 0 || *c < most) {
		most = *c
	}
	if most > 0 {
		return most
	}
	return deref(v.HoldAmount)
}

// Tariff is a price list in integer minor units of the venue's currency.
// MinimumCharge and DailyCap are optional.
type Tariff struct {
	PerMinute     int64  `db:"per_minute"`
	MinimumCharge *int64 `db:"minimum_charge"`
	DailyCap      *int64 `db:"daily_cap"`
	GraceMinutes  int    `db:"grace_minutes"`
}

// Location is the venue's time zone, UTC if it is unknown to this machine.
func (v Venue) Location() *time.Location {
	if loc, ok := zones.Load(v.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(v.TimeZone) // reads the zone's file: kept below
	if err != nil {
		return time.UTC
	}
	zones.Store(v.TimeZone, loc)
	return loc
}

// zones keeps the time zones loaded, by name: a handful at most.
var zones sync.Map

const venueColumns = `id, name, time_zone, currency, room_capacity, per_minute, minimum_charge, daily_cap, grace_minutes, hold_at_checkin, hold_amount,
	max_per_minute, max_daily_cap, auto_charge_limit, late_reminder_hours`

// Venue returns the install's venue, or ErrNotFound before one is set up.
func (s *Store) Venue(ctx context.Context) (Venue, error) {
	var v Venue
	err := s.DB.GetContext(ctx, &v, `SELECT `+venueColumns+` FROM venues ORDER BY id LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return Venue{}, ErrNotFound
	}
	return v, err
}

// CreateVenue adds a venue and returns it with its id.
func (s *Store) CreateVenue(ctx context.Context, v Venue) (Venue, error) {
	err := s.DB.GetContext(ctx, &v.ID, `
		INSERT INTO venues (name, time_zone, currency, room_capacity, per_minute, minimum_charge, daily_cap, grace_minutes)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		v.Name, v.TimeZone, v.Currency, v.RoomCapacity, v.PerMinute, v.MinimumCharge, v.DailyCap, v.GraceMinutes)
	return v, err
}

// CurrencyInUseError refuses a change of the venue's currency while money
// priced in it is still to settle: stays whose bills are unpaid or still
// running, and nights to come with their own prices (stored in minor units
// of it). Amounts keep the currency they were priced in; the change waits
// until none of these is left.
type CurrencyInUseError struct {
	Currency string   // the venue's currency now
	Unpaid   int      // closed stays with money still owed (a card payment under way included)
	Inside   int      // stays still open, billed in it when they close
	Nights   int      // nights to come with their own prices
	Titles   []string // the first few of those nights, soonest first
	Tariffs  int      // tariffs offered, stated in it
}

func (e *CurrencyInUseError) Error() string {
	return fmt.Sprintf("currency %s in use: %d unpaid, %d inside, %d priced nights to come, %d tariffs", e.Currency, e.Unpaid, e.Inside, e.Nights, e.Tariffs)
}

// currencyInUse says what still holds the venue to its currency, as of now,
// or nil when it may change. The caller holds the venue's row lock.
func currencyInUse(ctx context.Context, tx *sqlx.Tx, venueID int64, currency string, now time.Time) error {
	e := &CurrencyInUseError{Currency: currency}
	err := tx.QueryRowxContext(ctx, `
		SELECT count(*) FILTER (WHERE `+owedWhere+`), count(*) FILTER (WHERE v.checked_out_at IS NULL)
		FROM visits v JOIN events ev ON ev.id = v.event_id
		WHERE ev.venue_id = $1 AND (v.checked_out_at IS NULL OR v.amount > 0)`, venueID).Scan(&e.Unpaid, &e.Inside)
	if err != nil {
		return err
	}
	var nights []struct {
		Title string `db:"title"`
		All   int    `db:"all_nights"` // every such night, before the LIMIT
	}
	if err := tx.SelectContext(ctx, &nights, `SELECT title, count(*) OVER () AS all_nights FROM events
		WHERE venue_id = $1 AND per_minute IS NOT NULL AND status <> 'cancelled' AND ends_at > $2
		ORDER BY starts_at, id LIMIT 3`, venueID, now); err != nil {
		return err
	}
	for _, n := range nights {
		e.Nights = n.All
		e.Titles = append(e.Titles, n.Title)
	}
	// A tariff's prices are in the currency it was saved in; one still
	// offered would price stays in the new currency with the old figures.
	if err := tx.GetContext(ctx, &e.Tariffs, `SELECT count(DISTINCT name) FROM tariffs t
		WHERE t.venue_id = $1 AND NOT t.retired AND t.body->>'currency' = $2`, venueID, currency); err != nil {
		return err
	}
	if e.Unpaid+e.Inside+e.Nights+e.Tariffs == 0 {
		return nil
	}
	return e
}

// UpdateVenue saves the venue's settings and tariff, and records who did it.
// A change of currency is refused (*CurrencyInUseError) while bills priced
// in the old one are unpaid or running, or nights with their own prices are
// to come: amounts keep the currency they were priced in, and no stored
// amount is ever read in another.
func (s *Store) UpdateVenue(ctx context.Context, v Venue, actorID int64) error {
	now := s.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var was string
		err := tx.GetContext(ctx, &was, `SELECT currency FROM venues WHERE id = $1 FOR UPDATE`, v.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if v.Currency != was {
			if err := currencyInUse(ctx, tx, v.ID, was, now); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE venues SET name = $2, time_zone = $3, currency = $4, room_capacity = $5, per_minute = $6,
			       minimum_charge = $7, daily_cap = $8, grace_minutes = $9, hold_at_checkin = $10, hold_amount = $11,
			       max_per_minute = $12, max_daily_cap = $13, auto_charge_limit = $14, late_reminder_hours = $15
			WHERE id = $1`, v.ID, v.Name, v.TimeZone, v.Currency, v.RoomCapacity, v.PerMinute, v.MinimumCharge, v.DailyCap, v.GraceMinutes,
			v.HoldAtCheckin, v.HoldAmount, v.MaxPerMinute, v.MaxDailyCap, v.AutoChargeLimit, v.LateReminderHours)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return audit(ctx, tx, now, actorID, "venue.update", fmt.Sprintf("venue:%d", v.ID), v)
	})
}

// LargestEventCapacity is the most seats any night still to come offers,
// which the room limit must not go below.
func (s *Store) LargestEventCapacity(ctx context.Context) (int, error) {
	now := s.Now()
	var n int
	err := s.DB.GetContext(ctx, &n, `SELECT COALESCE(max(capacity), 0) FROM events WHERE status <> 'cancelled' AND ends_at > $1`, now)
	return n, err
}
