package models

import (
	"context"
	"time"
)

// Inside is a guest in the room now, with what they owe so far (in the
// visit's Currency).
type Inside struct {
	Visit
	EventTitle string `db:"event_title"`
	HoldFailed bool   `db:"hold_failed"` // the hold at check-in did not go through
	Bill       Bill   `db:"-"`
	CapLeft    *int64 `db:"-"` // how much more until the daily cap, when there is one
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
	for i := range rows {
		rows[i].Bill, rows[i].CapLeft = meter(rows[i].Visit, now)
	}
	return rows, nil
}

// meter is a running bill: what leaving at now would cost, and how far the
// night's bill is from the daily cap.
func meter(v Visit, now time.Time) (Bill, *int64) {
	b := v.BillAt(now)
	if v.DailyCap == nil {
		return b, nil
	}
	left := max(*v.DailyCap-v.EarlierAmount-b.Amount, 0)
	return b, &left
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
	in.Bill, in.CapLeft = meter(v, now)
	return in, nil
}
