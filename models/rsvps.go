package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// RSVP statuses.
const (
	RSVPConfirmed  = "confirmed"
	RSVPWaitlisted = "waitlisted"
	RSVPCancelled  = "cancelled"
)

// RSVPClosedError says why an RSVP (or a walk-in) is not possible now; the
// handlers word Why for people.
type RSVPClosedError struct {
	Why   Closed
	Event Event
}

func (e *RSVPClosedError) Error() string { return "closed: " + string(e.Why) }

var errNobodyWaiting = errors.New("nobody is on the waitlist")

// ErrUnverified refuses a seat to an account whose email is not confirmed:
// throwaway sign-ups must not fill a night.
var ErrUnverified = newError(KindForbidden, "the account's email is not confirmed")

// ErrInside refuses to cancel the seat of a guest who is in the room: the
// meter is running on it.
var ErrInside = newError(KindConflict, "the ticket's holder is inside")

// RSVP is one person's place at one event, and their ticket.
type RSVP struct {
	ID               int64      `db:"id"`
	EventID          int64      `db:"event_id"`
	UserID           int64      `db:"user_id"`
	TicketID         []byte     `db:"ticket_id"`
	Status           string     `db:"status"`
	WaitlistPosition int        `db:"waitlist_position"` // 1-based; 0 unless waitlisted
	CreatedAt        time.Time  `db:"created_at"`
	ConfirmedAt      *time.Time `db:"confirmed_at"`
	CancelledAt      *time.Time `db:"cancelled_at"`
	// ReleasedAt is set on a confirmed seat given to the waitlist because
	// its guest had not arrived by the night's release time.
	ReleasedAt *time.Time `db:"released_at"`
	ShortCode  string     `db:"short_code"` // six characters to type at the door
}

// Active reports whether the RSVP holds a seat or a waitlist place.
func (r RSVP) Active() bool { return r.Status != RSVPCancelled }

// waitlistPosition is derived, never stored: the rank of RSVP r among its
// event's waitlisted RSVPs by queue order. It stays contiguous by construction.
const waitlistPosition = `CASE WHEN r.status = 'waitlisted' THEN (
		SELECT count(*) FROM rsvps w WHERE w.event_id = r.event_id AND w.status = 'waitlisted' AND w.queue_seq <= r.queue_seq
	) ELSE 0 END AS waitlist_position`

const rsvpColumns = `r.id, r.event_id, r.user_id, r.ticket_id, r.status, r.created_at, r.confirmed_at, r.cancelled_at, r.released_at, r.short_code, ` + waitlistPosition

// Reserve RSVPs userID to an event: a confirmed seat while one is free,
// otherwise a waitlist place. Repeating it returns the same RSVP. The event
// row is locked for the rest of the transaction, so the cap holds across any
// number of server instances; the schema's CHECK (confirmed_count <= capacity)
// backs it. On a popular night every RSVP queues for that lock, so the work
// done while holding it is kept to three statements: the lock itself, the
// repeat check, and one statement that writes the RSVP and moves the counter.
func (s *Store) Reserve(ctx context.Context, eventID, userID int64, now time.Time) (RSVP, error) {
	var out RSVP
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		u, err := userByID(ctx, tx, userID) // before the lock: it does not need it
		if err != nil {
			return err
		}
		if !u.Verified() {
			return ErrUnverified // a seat is held only for an address that is someone's
		}
		loc := s.loc(ctx, tx)
		e, err := eventByID(ctx, tx, eventID, true)
		if err != nil {
			return err
		}
		existing, err := rsvpWhere(ctx, tx, `r.event_id = $1 AND r.user_id = $2`, eventID, userID)
		if err == nil && existing.Active() {
			out = existing
			return nil // a repeat: the same ticket
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if why := e.RSVPClosed(now); why != NotClosed {
			return &RSVPClosedError{Why: why, Event: e}
		}
		status, counter, position := RSVPConfirmed, "confirmed_count", 0
		if e.ConfirmedCount >= e.Capacity || e.WaitlistCount > 0 {
			// At the back of the queue: everyone waiting came before, under this lock.
			status, counter, position = RSVPWaitlisted, "waitlist_count", e.WaitlistCount+1
		}
		write := `INSERT INTO rsvps (event_id, user_id, ticket_id, status, queue_seq, confirmed_at, created_at)
			VALUES ($1, $2, $3, $4, CASE WHEN $4 = 'waitlisted' THEN nextval('rsvp_queue_seq') END,
			        CASE WHEN $4 = 'confirmed' THEN $5::timestamptz END, $5)
			RETURNING *`
		args := []any{eventID, userID, NewTicketID(), status, now}
		if err == nil { // they cancelled before and come back: same row, back of the queue
			write = `UPDATE rsvps SET status = $4, cancelled_at = NULL, released_at = NULL, updated_at = $5,
			       queue_seq = CASE WHEN $4 = 'waitlisted' THEN nextval('rsvp_queue_seq') END,
			       confirmed_at = CASE WHEN $4 = 'confirmed' THEN $5::timestamptz END
				WHERE id = $3 AND event_id = $1 AND user_id = $2 RETURNING *`
			args[2] = existing.ID
		}
		err = tx.GetContext(ctx, &out, `
			WITH r AS (`+write+`),
			     c AS (UPDATE events SET `+counter+` = `+counter+` + 1 WHERE id = $1)
			SELECT r.id, r.event_id, r.user_id, r.ticket_id, r.status, r.created_at, r.confirmed_at, r.cancelled_at, r.released_at, r.short_code,
			       $6::int AS waitlist_position
			FROM r`, append(args, position)...)
		if err != nil {
			return err
		}
		return queue(ctx, tx, now, s.rsvpMessage(u, e, out, loc))
	})
	return out, err
}

// CancelRSVP cancels an RSVP. A freed confirmed seat goes to the first person
// on the waitlist in the same transaction. Cancelling twice is a no-op. It
// returns the cancelled RSVP and the promoted one, if any.
func (s *Store) CancelRSVP(ctx context.Context, rsvpID, actorID int64, now time.Time) (RSVP, *RSVP, error) {
	var out RSVP
	var promoted *RSVP
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var eventID int64
		if err := tx.GetContext(ctx, &eventID, `SELECT event_id FROM rsvps WHERE id = $1`, rsvpID); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		e, err := eventByID(ctx, tx, eventID, true) // the same lock order as Reserve: event, then RSVP
		if err != nil {
			return err
		}
		// The door locks this row to admit its holder, so once it is ours no
		// one walks in on a seat being given away.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM rsvps WHERE id = $1 FOR NO KEY UPDATE`, rsvpID); err != nil {
			return err
		}
		r, err := rsvpWhere(ctx, tx, `r.id = $1`, rsvpID)
		if err != nil {
			return err
		}
		if !r.Active() {
			out = r
			return nil
		}
		var inside bool
		if err := tx.GetContext(ctx, &inside, `SELECT EXISTS (SELECT 1 FROM visits WHERE rsvp_id = $1 AND checked_out_at IS NULL)`, rsvpID); err != nil {
			return err
		}
		if inside {
			return ErrInside
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE rsvps SET status = 'cancelled', queue_seq = NULL, cancelled_at = $2, updated_at = $2
			WHERE id = $1`, rsvpID, now); err != nil {
			return err
		}
		if err := bumpCounts(ctx, tx, eventID, r.Status, -1); err != nil {
			return err
		}
		if err := dropReminders(ctx, tx, `r.id = $1`, rsvpID); err != nil {
			return err
		}
		if r.Status == RSVPConfirmed && !e.Ended(now) {
			e.ConfirmedCount--
			p, err := s.promoteNext(ctx, tx, e, now)
			if err == nil {
				promoted = &p
			} else if !errors.Is(err, errNobodyWaiting) {
				return err
			}
		}
		if out, err = rsvpWhere(ctx, tx, `r.id = $1`, rsvpID); err != nil {
			return err
		}
		return audit(ctx, tx, now, actorID, "rsvp.cancel", fmt.Sprintf("rsvp:%d", rsvpID), map[string]any{"was": r.Status, "promoted": promoted != nil})
	})
	return out, promoted, err
}

// promoteNext gives a free seat to the first waitlisted RSVP of e (locked by
// the caller) and queues the good news.
func (s *Store) promoteNext(ctx context.Context, tx *sqlx.Tx, e Event, now time.Time) (RSVP, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `
		SELECT id FROM rsvps WHERE event_id = $1 AND status = 'waitlisted'
		ORDER BY queue_seq LIMIT 1 FOR UPDATE`, e.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return RSVP{}, errNobodyWaiting
	}
	if err != nil {
		return RSVP{}, err
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE rsvps SET status = 'confirmed', queue_seq = NULL, confirmed_at = $2, updated_at = $2
		WHERE id = $1`, id, now); err != nil {
		return RSVP{}, err
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE events SET confirmed_count = confirmed_count + 1, waitlist_count = waitlist_count - 1
		WHERE id = $1`, e.ID); err != nil {
		return RSVP{}, err
	}
	r, err := rsvpWhere(ctx, tx, `r.id = $1`, id)
	if err != nil {
		return RSVP{}, err
	}
	u, err := userByID(ctx, tx, r.UserID)
	if err != nil {
		return RSVP{}, err
	}
	return r, queue(ctx, tx, now, s.promotedMessage(u, e, r, now, s.loc(ctx, tx)))
}

// bumpCounts moves the event's seat or waitlist counter by delta.
func bumpCounts(ctx context.Context, tx *sqlx.Tx, eventID int64, status string, delta int) error {
	col := "confirmed_count"
	if status == RSVPWaitlisted {
		col = "waitlist_count"
	}
	_, err := tx.ExecContext(ctx, `UPDATE events SET `+col+` = `+col+` + $2 WHERE id = $1`, eventID, delta)
	return err
}

func rsvpWhere(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) (RSVP, error) {
	var r RSVP
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+rsvpColumns+` FROM rsvps r WHERE `+where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return RSVP{}, ErrNotFound
	}
	return r, err
}

// RSVPFor returns userID's RSVP to an event, or ErrNotFound.
func (s *Store) RSVPFor(ctx context.Context, eventID, userID int64) (RSVP, error) {
	return rsvpWhere(ctx, s.DB, `r.event_id = $1 AND r.user_id = $2`, eventID, userID)
}

// Ticket is an RSVP with its event and holder, as a ticket page shows it.
type Ticket struct {
	RSVP
	Event      Event
	HolderName string
	HolderMail string
}

// TicketByID returns the ticket with a verified ticket id, or ErrNotFound.
func (s *Store) TicketByID(ctx context.Context, ticketID []byte) (Ticket, error) {
	r, err := rsvpWhere(ctx, s.DB, `r.ticket_id = $1`, ticketID)
	if err != nil {
		return Ticket{}, err
	}
	e, err := s.EventByID(ctx, r.EventID)
	if err != nil {
		return Ticket{}, err
	}
	u, err := s.UserByID(ctx, r.UserID)
	if err != nil {
		return Ticket{}, err
	}
	return Ticket{RSVP: r, Event: e, HolderName: u.Name, HolderMail: u.Email}, nil
}

// UserTicket is one line of "my tickets".
type UserTicket struct {
	RSVP
	Event Event `db:"event"`
}

// UserTickets lists userID's RSVPs with their events: upcoming soonest first,
// then past ones, latest first.
func (s *Store) UserTickets(ctx context.Context, userID int64, now time.Time) ([]UserTicket, error) {
	var ts []UserTicket
	err := s.DB.SelectContext(ctx, &ts, `
		SELECT `+rsvpColumns+`, `+prefixed(eventColumns, "event")+`
		FROM rsvps r JOIN events e ON e.id = r.event_id JOIN users u ON u.id = e.host_id
		WHERE r.user_id = $1
		ORDER BY e.ends_at <= $2, CASE WHEN e.ends_at > $2 THEN e.starts_at END, e.starts_at DESC`, userID, now)
	return ts, err
}

func userByID(ctx context.Context, q sqlx.QueryerContext, id int64) (User, error) {
	var u User
	err := sqlx.GetContext(ctx, q, &u, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	return u, err
}
