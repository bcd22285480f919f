package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/clockroom/clockroom/internal/tariff"
)

// Visit endings.
const (
	EndedByScan      = "scan"
	EndedByStaff     = "staff"
	EndedAutomatical = "automatic"
)

// Visit is one stay in the room.
type Visit struct {
	ID            int64      `db:"id"`
	EventID       int64      `db:"event_id"`
	RSVPID        *int64     `db:"rsvp_id"`
	WalkInName    *string    `db:"walk_in_name"`
	GuestName     string     `db:"guest_name"`
	CheckedInAt   time.Time  `db:"checked_in_at"`
	CheckedOutAt  *time.Time `db:"checked_out_at"`
	EndedHow      *string    `db:"ended_how"`
	NeedsReview   bool       `db:"needs_review"`
	BilledMinutes *int       `db:"billed_minutes"`
	Amount        *int64     `db:"amount"`
	// Currency is what the stay is priced in, frozen with its tariff: a
	// later change of the venue's currency never re-labels its bill.
	Currency string `db:"currency"`
	// Tariff is the simple price the stay was admitted under, before the
	// venue kept tariffs (TariffID nil); TariffID the tariff version it was
	// admitted under since. Either is frozen at admission: a later change
	// to the venue's or the night's prices does not reach the stay.
	Tariff
	TariffID   *int64  `db:"tariff_id"`
	PriceGroup *string `db:"price_group"` // the guest's group, if any (student, member, ...)
	// BillBody is the explained bill kept when the stay closed.
	BillBody []byte `db:"bill"`
	// A resumed stay continues the guest's earlier stays that night: it is
	// priced with them as one bill (see Pricing), and what they came to is
	// kept here.
	Resumed        bool  `db:"resumed"`
	EarlierUS      int64 `db:"earlier_us"`
	EarlierMinutes int   `db:"earlier_minutes"`
	EarlierAmount  int64 `db:"earlier_amount"`
}

// EndedAutomatically reports whether the closing-time job checked the guest out.
func (v Visit) EndedAutomatically() bool { return v.EndedHow != nil && *v.EndedHow == EndedAutomatical }

const visitColumns = `v.id, v.event_id, v.rsvp_id, v.walk_in_name,
	COALESCE(v.walk_in_name, (SELECT u.name FROM rsvps r JOIN users u ON u.id = r.user_id WHERE r.id = v.rsvp_id)) AS guest_name,
	v.checked_in_at, v.checked_out_at, v.ended_how, v.needs_review, v.billed_minutes, v.amount, v.currency,
	COALESCE(v.per_minute, 0) AS per_minute, v.minimum_charge, v.daily_cap, COALESCE(v.grace_minutes, 0) AS grace_minutes,
	v.tariff_id, v.price_group, v.bill, v.resumed, v.earlier_us, v.earlier_minutes, v.earlier_amount`

func visitWhere(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) (Visit, error) {
	var v Visit
	err := sqlx.GetContext(ctx, q, &v, `SELECT `+visitColumns+` FROM visits v WHERE `+where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return Visit{}, ErrNotFound
	}
	return v, err
}

// newVisit is a stay beginning: a ticket holder's (RSVPID) or a walk-in's
// (WalkInName). It is priced by the night's tariff, or, when it resumes the
// night's earlier stays (Earlier), at the price and for the group of the
// latest of them (all of a night's stays share the first's price).
type newVisit struct {
	EventID                 int64
	RSVPID                  int64 // 0 for a walk-in
	WalkInName, WalkInEmail string
	At                      time.Time // when the guest came in
	ActorID                 int64
	Device                  string
	NeedsReview             bool
	Earlier                 *stays
}

// insertVisit is the one place a visit begins; now is the transaction's
// time (created_at). It returns the visit's id and the currency it is
// priced in.
func insertVisit(ctx context.Context, tx *sqlx.Tx, nv newVisit, now time.Time) (id int64, currency string, err error) {
	price, earlier := tariffOfEvent, stays{}
	if nv.Earlier != nil {
		price, earlier = `SELECT f.tariff_id, f.per_minute, f.minimum_charge, f.daily_cap, f.grace_minutes, f.currency, f.price_group
			FROM visits f WHERE f.rsvp_id = $2::bigint ORDER BY f.id DESC LIMIT 1`, *nv.Earlier
	}
	err = tx.QueryRowxContext(ctx, `
		INSERT INTO visits (event_id, rsvp_id, walk_in_name, walk_in_email, checked_in_at, checked_in_by, checked_in_device,
		                    created_at, needs_review, tariff_id, per_minute, minimum_charge, daily_cap, grace_minutes, currency,
		                    price_group, resumed, earlier_us, earlier_minutes, earlier_amount)
		SELECT $1, NULLIF($2::bigint, 0), NULLIF($3, ''), NULLIF($4, ''), $5, NULLIF($6::bigint, 0), $7, $8, $9,
		       t.tariff_id, t.per_minute, t.minimum_charge, t.daily_cap, t.grace_minutes, t.currency,
		       t.price_group, $10, $11, $12, $13
		FROM (`+price+`) t RETURNING id, currency`,
		nv.EventID, nv.RSVPID, nv.WalkInName, nv.WalkInEmail, nv.At, nv.ActorID, nv.Device, now, nv.NeedsReview,
		nv.Earlier != nil, earlier.US, earlier.Minutes, earlier.Amount).Scan(&id, &currency)
	return id, currency, err
}

// tariffOfEvent selects the tariff (and currency) that prices stays at the
// event $1: its own, else the venue's.
const tariffOfEvent = `
	SELECT v.currency, e.tariff_id,
	       CASE WHEN e.tariff_id IS NOT NULL THEN NULL WHEN e.per_minute IS NULL THEN v.per_minute ELSE e.per_minute END AS per_minute,
	       CASE WHEN e.tariff_id IS NOT NULL THEN NULL WHEN e.per_minute IS NULL THEN v.minimum_charge ELSE e.minimum_charge END AS minimum_charge,
	       CASE WHEN e.tariff_id IS NOT NULL THEN NULL WHEN e.per_minute IS NULL THEN v.daily_cap ELSE e.daily_cap END AS daily_cap,
	       CASE WHEN e.tariff_id IS NOT NULL THEN NULL WHEN e.per_minute IS NULL THEN v.grace_minutes ELSE COALESCE(e.grace_minutes, 0) END AS grace_minutes,
	       (SELECT u.price_group FROM rsvps r JOIN users u ON u.id = r.user_id WHERE r.id = NULLIF($2::bigint, 0)) AS price_group
	FROM events e0
	JOIN venues v ON v.id = e0.venue_id
	CROSS JOIN LATERAL (
		SELECT e0.per_minute, e0.minimum_charge, e0.daily_cap, e0.grace_minutes,
		       CASE WHEN e0.per_minute IS NULL THEN (SELECT t.id FROM tariffs t
		            WHERE t.venue_id = v.id AND t.name = v.tariff_name AND NOT t.retired ORDER BY t.version DESC LIMIT 1) END AS tariff_id
	) e
	WHERE e0.id = $1`

// EventPrice is what prices stays at a night: a version of the venue's
// tariffs, or a simple price (the night's own, or the venue's when it keeps
// no tariffs), in the venue's currency.
type EventPrice struct {
	Simple   *Tariff        // nil when a tariff version prices the night
	Tariff   *tariff.Tariff // the engine's terms, always set
	Currency string
}

// eventPrice is what prices stays at an event: the night's own price when
// it sets one, else the venue's standard tariff (or simple price).
func eventPrice(ctx context.Context, q sqlx.QueryerContext, eventID int64) (EventPrice, error) {
	var r struct {
		Currency      string  `db:"currency"`
		TariffID      *int64  `db:"tariff_id"`
		PerMinute     *int64  `db:"per_minute"`
		MinimumCharge *int64  `db:"minimum_charge"`
		DailyCap      *int64  `db:"daily_cap"`
		GraceMinutes  *int    `db:"grace_minutes"`
		PriceGroup    *string `db:"price_group"`
	}
	err := sqlx.GetContext(ctx, q, &r, tariffOfEvent, eventID, 0)
	if errors.Is(err, sql.ErrNoRows) {
		return EventPrice{}, ErrNotFound
	}
	if err != nil {
		return EventPrice{}, err
	}
	ep := EventPrice{Currency: r.Currency}
	if r.TariffID != nil {
		ep.Tariff, err = tariffVersion(ctx, q, *r.TariffID)
		return ep, err
	}
	simple := Tariff{PerMinute: deref(r.PerMinute), MinimumCharge: r.MinimumCharge, DailyCap: r.DailyCap, GraceMinutes: deref(r.GraceMinutes)}
	t := tariff.FromSimple("Standard", tariff.Simple(simple))
	t.Currency = r.Currency
	ep.Simple, ep.Tariff = &simple, &t
	return ep, nil
}

// EventPrice returns what prices stays at an event.
func (s *Store) EventPrice(ctx context.Context, eventID int64) (EventPrice, error) {
	return eventPrice(ctx, s.DB, eventID)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

var errAlreadyClosed = errors.New("the visit was already closed")

// closeVisit ends an open visit at `at` and stores its bill, less what the
// guest's time bank covers (drawn here, in the same transaction). The
// caller holds the visit's row lock (or the event's).
func closeVisit(ctx context.Context, tx *sqlx.Tx, v Visit, at time.Time, by int64, how, device string, review bool) (Visit, Bill, error) {
	at = at.Truncate(time.Microsecond) // what PostgreSQL keeps, so the stored times give the same bill
	p, err := priceOf(ctx, tx, v)
	if err != nil {
		return v, Bill{}, err
	}
	b, err := p.BillAt(v, at)
	if err != nil {
		return v, b, err
	}
	b, bankedMinutes, bankedAmount, err := drawForStay(ctx, tx, v, p, b, at)
	if err != nil {
		return v, b, err
	}
	body, err := json.Marshal(b.Explained)
	if err != nil {
		return v, b, err
	}
	res, err := tx.ExecContext(ctx, `
		UPDATE visits SET checked_out_at = $2, checked_out_by = NULLIF($3, 0), ended_how = $4, checked_out_device = $5,
		       needs_review = $6, billed_minutes = $7, amount = $8, bill = $9, banked_minutes = $10, banked_amount = $11
		WHERE id = $1 AND checked_out_at IS NULL`, v.ID, at, by, how, device, review, b.Minutes, b.Amount, string(body), bankedMinutes, bankedAmount)
	if err != nil {
		return v, b, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return v, b, errAlreadyClosed // callers lock the visit first, so this is a bug guard
	}
	v.CheckedOutAt, v.EndedHow, v.NeedsReview = &at, &how, review
	v.BilledMinutes, v.Amount, v.BillBody = &b.Minutes, &b.Amount, body
	if b.Credit > 0 { // the night came to less than its earlier stays were billed: staff settle it
		if err := audit(ctx, tx, at, by, "visit.credit", fmt.Sprintf("visit:%d", v.ID), map[string]int64{"credit": b.Credit, "night": b.Night}); err != nil {
			return v, b, err
		}
	}
	return v, b, nil
}

// CloseForgottenVisits checks out every visit still open `after` its event
// ended, as of that moment, and flags it for staff review. Rows are claimed
// with SKIP LOCKED, so instances running it together close each visit once.
// It returns how many it closed.
func (s *Store) CloseForgottenVisits(ctx context.Context, after time.Duration) (int, error) {
	now := s.Now()
	closed := 0
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var due []struct {
			Visit
			EndsAt time.Time `db:"ends_at"`
		}
		if err := tx.SelectContext(ctx, &due, `
			SELECT `+visitColumns+`, e.ends_at
			FROM visits v JOIN events e ON e.id = v.event_id
			WHERE v.checked_out_at IS NULL AND e.ends_at + $2 * interval '1 second' <= $1
			ORDER BY v.id LIMIT 500
			FOR UPDATE OF v SKIP LOCKED`, now, after.Seconds()); err != nil {
			return err
		}
		for _, d := range due {
			at := maxTime(d.EndsAt.Add(after), d.CheckedInAt) // the night may have been moved earlier
			v, _, err := closeVisit(ctx, tx, d.Visit, at, 0, EndedAutomatical, "", true)
			if err != nil {
				return err
			}
			// A hold taken at check-in is set to capture the bill, not the
			// whole hold; the reconciler captures it.
			if _, err := settleHold(ctx, tx, v, now); err != nil {
				return err
			}
			if err := audit(ctx, tx, now, 0, "visit.auto_checkout", fmt.Sprintf("visit:%d", d.ID), map[string]any{"at": at}); err != nil {
				return err
			}
			closed++
		}
		return nil
	})
	return closed, err
}

// VisitByID returns one visit, or ErrNotFound.
func (s *Store) VisitByID(ctx context.Context, id int64) (Visit, error) {
	return visitWhere(ctx, s.DB, `v.id = $1`, id)
}

// storedBill is the bill of a closed visit as it was made: the stored
// minutes and amount, explained by the lines kept with them. A bill kept
// before the engine kept lines is explained again by its simple tariff
// where that gives the same figures.
func storedBill(v Visit) Bill {
	b := Bill{Duration: max(v.CheckedOutAt.Sub(v.CheckedInAt), 0)}
	if v.BilledMinutes != nil {
		b.Minutes = *v.BilledMinutes
	}
	if v.Amount != nil {
		b.Amount = *v.Amount
	}
	b.Night = b.Amount + v.EarlierAmount
	var e tariff.Bill
	switch {
	case len(v.BillBody) > 0 && string(v.BillBody) != "null":
		if json.Unmarshal(v.BillBody, &e) != nil {
			return b
		}
	case v.TariffID == nil && !v.Resumed:
		t := tariff.FromSimple("Standard", tariff.Simple(v.Tariff))
		var err error
		if e, err = t.Price(tariff.Stay{Intervals: []tariff.Interval{{In: v.CheckedInAt, Out: *v.CheckedOutAt}}}); err != nil || e.Total != b.Amount || e.Minutes != b.Minutes {
			return b
		}
	default:
		return b
	}
	b.Explained, b.Applied, b.Night = &e, appliedOf(e), e.Total
	b.Credit = max(v.EarlierAmount-e.Total, 0)
	return b
}
