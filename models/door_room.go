package models

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// roomCount is how many people are inside the venue now, and its limit.
func roomCount(ctx context.Context, q sqlx.QueryerContext, venueID int64) (inside, limit int, err error) {
	err = q.QueryRowxContext(ctx, `
		SELECT (SELECT count(*) FROM visits v JOIN events e ON e.id = v.event_id
		        WHERE e.venue_id = ve.id AND v.checked_out_at IS NULL), ve.room_capacity
		FROM venues ve WHERE ve.id = $1`, venueID).Scan(&inside, &limit)
	return inside, limit, err
}

// heldSeats counts the venue's seats held for confirmed guests not yet
// here: of every night whose door is open and whose release time is still
// to come. until is the earliest of those release times.
func heldSeats(ctx context.Context, q sqlx.QueryerContext, venueID int64, now time.Time) (held int, until time.Time, err error) {
	var first *time.Time
	err = q.QueryRowxContext(ctx, `
		SELECT count(*), min(e.starts_at + e.hold_minutes * interval '1 minute')
		FROM events e JOIN rsvps r ON r.event_id = e.id AND r.status = 'confirmed'
		WHERE e.venue_id = $1 AND e.status = 'published'
		  AND e.starts_at <= $2::timestamptz + $3 * interval '1 second' AND e.starts_at > $2::timestamptz - interval '1 day'
		  AND $2::timestamptz < e.starts_at + e.hold_minutes * interval '1 minute'
		  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.rsvp_id = r.id)`,
		venueID, now, DoorOpensBefore.Seconds()).Scan(&held, &first)
	if first != nil {
		until = *first
	}
	return held, until, err
}

// keepSeats tells check_room to keep n places free for ticket holders when
// this transaction admits someone.
func keepSeats(ctx context.Context, tx *sqlx.Tx, n int) error {
	if n == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT set_config('clockroom.seats_kept', $1, true)`, fmt.Sprint(n))
	return err
}

// overLimit tells check_room that staff chose to admit over the limit.
func overLimit(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT set_config('clockroom.over_limit', 'on', true)`)
	return err
}
