package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// MsgSeatReleased tells a confirmed guest who had not arrived by the
// release time that the seat went to someone on the waitlist.
const MsgSeatReleased = "seat_released"

// ReleaseSeats releases the held seats of every night whose release time
// has come: a confirmed guest not here by then gives the seat to the first
// person on the waitlist (told by email that the night has started), as
// many as are waiting; the seats left over are free for walk-ins. Each
// night is released once, by whichever instance claims it first. It
// returns how many seats went to the waitlist.
func (s *Store) ReleaseSeats(ctx context.Context) (int, error) {
	now := s.Now()
	// Nights that ended before anyone released them have nothing to give.
	if _, err := s.DB.ExecContext(ctx, `
		UPDATE events SET seats_released_at = $1
		WHERE seats_released_at IS NULL AND status = 'published' AND starts_at <= $1
		  AND starts_at + hold_minutes * interval '1 minute' <= $1 AND ends_at <= $1`, now); err != nil {
		return 0, err
	}
	given := 0
	for {
		n, more, err := s.releaseOne(ctx, now)
		given += n
		if err != nil || !more {
			return given, err
		}
	}
}

// releaseOne releases one night due now; more is false when none was due.
func (s *Store) releaseOne(ctx context.Context, now time.Time) (given int, more bool, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		var id int64
		err := tx.GetContext(ctx, &id, `
			SELECT id FROM events
			WHERE seats_released_at IS NULL AND status = 'published' AND starts_at <= $1
			  AND starts_at + hold_minutes * interval '1 minute' <= $1
			ORDER BY starts_at + hold_minutes * interval '1 minute', id
			LIMIT 1 FOR UPDATE SKIP LOCKED`, now)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		more = true
		e, err := eventByID(ctx, tx, id, true) // the lock order of Reserve and CancelRSVP: event, then RSVPs
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET seats_released_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		if e.WaitlistCount == 0 {
			return nil // nobody is waiting: the free seats are the walk-ins'
		}
		// The latest to confirm give their seats first. The door locks an
		// RSVP to admit its holder, so once these are locked, a guest who
		// arrives now is either inside already (and kept) or released.
		var ids []int64
		if err := tx.SelectContext(ctx, &ids, `
			SELECT r.id FROM rsvps r
			WHERE r.event_id = $1 AND r.status = 'confirmed'
			  AND (SELECT v.id FROM visits v WHERE v.rsvp_id = r.id LIMIT 1) IS NULL -- one index probe a guest, not a pass over all visits
			ORDER BY r.confirmed_at DESC, r.id DESC LIMIT $2 FOR UPDATE OF r`, id, e.WaitlistCount); err != nil {
			return err
		}
		loc := s.loc(ctx, tx)
		for _, rid := range ids {
			var u User
			err := tx.GetContext(ctx, &u.ID, `
				UPDATE rsvps r SET status = 'cancelled', cancelled_at = $2, released_at = $2, updated_at = $2
				WHERE r.id = $1 AND r.status = 'confirmed' AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.rsvp_id = r.id)
				RETURNING r.user_id`, rid, now)
			if errors.Is(err, sql.ErrNoRows) {
				continue // admitted while we waited for the lock
			}
			if err != nil {
				return err
			}
			if u, err = userByID(ctx, tx, u.ID); err != nil {
				return err
			}
			if err := bumpCounts(ctx, tx, id, RSVPConfirmed, -1); err != nil {
				return err
			}
			if err := dropReminders(ctx, tx, `r.id = $1`, rid); err != nil {
				return err
			}
			e.ConfirmedCount--
			p, err := s.promoteNext(ctx, tx, e, now)
			if err != nil {
				return err // errNobodyWaiting too: the count said someone was
			}
			e.ConfirmedCount++
			given++
			if err := queue(ctx, tx, now, seatReleasedMessage(u, e, loc)); err != nil {
				return err
			}
			if err := audit(ctx, tx, now, 0, "rsvp.released", fmt.Sprintf("rsvp:%d", rid), map[string]any{"to": fmt.Sprintf("rsvp:%d", p.ID)}); err != nil {
				return err
			}
		}
		return nil
	})
	return given, more, err
}

func seatReleasedMessage(u User, e Event, loc *time.Location) Message {
	return Message{Kind: MsgSeatReleased, ToEmail: u.Email, ToName: u.Name,
		Subject: "Your seat was released: " + e.Title,
		Body: fmt.Sprintf("Hello %s,\n\n%s started at %s, and seats are held until %s. You had not arrived by then, "+
			"so your seat went to someone on the waitlist.\n\nYou can still come: the door lets guests in while the room has space.\n",
			u.Name, e.Title, e.StartsAt.In(loc).Format("15:04"), e.ReleaseAt().In(loc).Format("15:04"))}
}
