package models

import (
	"context"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
)

// Inside is a guest in the room now, with what they owe so far (in the
// visit's Currency).
type Inside struct {
	Visit
	EventTitle string `db:"event_title"`
	HoldFailed bool   `db:"hold_failed"` // the hold at check-in did not go through
	Bill       Bill   `db:"-"`
	// Quote is the live quote: what the stay costs now, the next change of
	// price (a rate from 18:00, a cap reached at 14:30) and a pass that would
	// save money.
	Quote tariff.Quote `db:"-"`
}

// InsideNow lists everyone inside the venue, longest stay first, each with
// the bill they would get if they left now, by the store's clock.
func (s *Store) InsideNow(ctx context.Context) ([]Inside, error) {
	now := s.Now()
	var rows []Inside
	if err := s.DB.SelectContext(ctx, &rows, `
		SELECT `+visitColumns+`, e.title AS event_title,
		       EXISTS (SELECT 1 FROM payments p WHERE p.visit_id = v.id AND p.is_hold AND p.status = 'failed') AS hold_failed
		FROM visits v JOIN events e ON e.id = v.event_id
		WHERE v.checked_out_at IS NULL
		ORDER BY v.checked_in_at, v.id`); err != nil {
		return nil, err
	}
	vs := make([]Visit, len(rows))
	for i := range rows {
		vs[i] = rows[i].Visit
	}
	ps, err := pricesOf(ctx, s.DB, vs)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		if err := meter(&rows[i], ps[i], now); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// meter is a running bill: what leaving at now would cost, and the quote.
func meter(in *Inside, p Pricing, now time.Time) error {
	var err error
	if in.Bill, err = p.BillAt(in.Visit, now); err != nil {
		return err
	}
	in.Quote, err = p.Quote(in.Visit, now)
	return err
}

// OpenVisitFor returns the holder's open visit for an RSVP, or ErrNotFound,
// with the running bill, for the ticket page.
func (s *Store) OpenVisitFor(ctx context.Context, rsvpID int64) (Inside, error) {
	now := s.Now()
	var in Inside
	v, err := visitWhere(ctx, s.DB, `v.rsvp_id = $1 AND v.checked_out_at IS NULL`, rsvpID)
	if err != nil {
		return in, err
	}
	in.Visit = v
	p, err := priceOf(ctx, s.DB, v)
	if err != nil {
		return in, err
	}
	return in, meter(&in, p, now)
}
