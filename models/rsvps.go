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

// Reserve RSVPs userID to an event: a confirmed seat while one is free and
// nobody waits, otherwise a waitlist place. Repeating it returns the same
// RSVP.
//
// The cap holds across any number of server instances because the seat is
// decided and counted by an UPDATE of the night's row, which holds the
// row's lock until it commits; the schema's CHECK (confirmed_count <=
// capacity) backs it. On a popular night every RSVP queues for that lock, so
// it is held for as little as a capped RSVP can do: one statement, which
// takes the seat, writes the RSVP and queues its email, and commits on its
// own, with no round trip to the server inside the lock. Everything else
// comes before, in one read: the guest, the night (checked open; the
// statement takes the seat only from the night as it was read: after an
// edit, the reservation starts again), the venue's time zone and the repeat
// check. Two requests of one person racing each other meet the RSVP's
// unique key, and the loser starts again and finds the winner's RSVP. With
// s.Listing, the listing's change notice goes out after the commit, not
// inside it (migration 00023).
func (s *Store) Reserve(ctx context.Context, eventID, userID int64) (RSVP, error) {
	now := s.Now()
	for try := 0; ; try++ {
		out, changed, err := s.reserve(ctx, eventID, userID, now)
		if errors.Is(err, errRaced) && try < 3 {
			continue
		}
		if changed && s.Listing != nil {
			s.Listing.Changed()
		}
		return out, err
	}
}

// errRaced is a reservation overtaken by another of the same person's, or
// by an edit of the night: it is tried again.
var errRaced = errors.New("models: the RSVP was overtaken by another change")

func (s *Store) reserve(ctx context.Context, eventID, userID int64, now time.Time) (out RSVP, changed bool, err error) {
	var got struct {
		User     User    `db:"user"`
		Event    Event   `db:"event"`
		TimeZone string  `db:"time_zone"`
		RSVPID   *int64  `db:"rsvp_id"`
		Status   *string `db:"rsvp_status"`
		TicketID []byte  `db:"rsvp_ticket_id"`
	}
	err = s.getPrepared(ctx, &got, reserveRead, userID, eventID)
	if errors.Is(err, sql.ErrNoRows) {
		return out, false, ErrNotFound
	}
	if err != nil {
		return out, false, err
	}
	u, e, loc := got.User, got.Event, Venue{TimeZone: got.TimeZone}.Location()
	if !u.Verified() {
		return out, false, ErrUnverified // a seat is held only for an address that is someone's
	}
	if got.RSVPID != nil && *got.Status != RSVPCancelled {
		out, err = rsvpWhere(ctx, s.DB, `r.id = $1`, *got.RSVPID)
		return out, false, err // a repeat: the same ticket
	}
	if why := e.RSVPClosed(now); why != NotClosed {
		return out, false, &RSVPClosedError{Why: why, Event: e}
	}
	notice := ""
	if s.Listing != nil {
		notice = "after_commit"
	}
	// The statement: the seat decided and counted (a waitlist place is at
	// the back of the queue: everyone waiting came before, under the lock),
	// the RSVP written, its email queued.
	ticket := NewTicketID()
	write := reserveInsert
	args := []any{eventID, userID, ticket, now, e.UpdatedAt}
	again := got.RSVPID != nil // they cancelled before and come back: same row, back of the queue
	if again {
		write = `UPDATE rsvps SET status = e.status, cancelled_at = NULL, released_at = NULL, updated_at = $4,
		       queue_seq = CASE WHEN e.status = 'waitlisted' THEN nextval('rsvp_queue_seq') END,
		       confirmed_at = CASE WHEN e.status = 'confirmed' THEN $4::timestamptz END
			FROM e WHERE rsvps.id = $3 AND rsvps.event_id = $1 AND rsvps.user_id = $2 AND rsvps.status = 'cancelled'
			RETURNING rsvps.*`
		ticket = got.TicketID
		args[2] = *got.RSVPID
	}
	yes, wait := s.rsvpMessages(u, e, ticket, loc)
	args = append(args, yes.Kind, wait.Kind, u.Email, u.Name, yes.Subject, wait.Subject, yes.Body, wait.Body, notice)
	if again {
		// The seat may be counted and the row found taken back by the same
		// person's other request: in a transaction, undone when no row.
		err = s.inTx(ctx, func(tx *sqlx.Tx) error { return tx.GetContext(ctx, &out, reserveWrite(write), args...) })
	} else {
		// One statement, its own transaction: an RSVP refused by its unique
		// key undoes the seat with it.
		err = s.getPrepared(ctx, &out, reserveNew, args...)
	}
	if errors.Is(err, sql.ErrNoRows) || isUniqueViolation(err, "rsvps_event_id_user_id_key") {
		return out, false, errRaced // edited since read, or the same person's other request got there first
	}
	return out, err == nil, err
}

// reserveRead is Reserve's read before the lock: the guest ($1), the night
// ($2) and its host, the venue's time zone, and the guest's RSVP if any.
var reserveRead = `
	SELECT ` + prefixed(userColumnList, "user") + `, ` + prefixed(eventColumns, "event") + `,
	       COALESCE((SELECT time_zone FROM venues ORDER BY id LIMIT 1), 'UTC') AS time_zone,
	       r.id AS rsvp_id, r.status AS rsvp_status, r.ticket_id AS rsvp_ticket_id
	FROM users g JOIN events e ON e.id = $2 JOIN users u ON u.id = e.host_id
	LEFT JOIN rsvps r ON r.event_id = e.id AND r.user_id = g.id
	WHERE g.id = $1`

// reserveNew is Reserve's statement for a new RSVP.
var reserveNew = reserveWrite(reserveInsert)

// reserveInsert writes a new RSVP with the seat e decided.
const reserveInsert = `INSERT INTO rsvps (event_id, user_id, ticket_id, status, queue_seq, confirmed_at, created_at)
		SELECT $1, $2, $3, e.status, CASE WHEN e.status = 'waitlisted' THEN nextval('rsvp_queue_seq') END,
		       CASE WHEN e.status = 'confirmed' THEN $4::timestamptz END, $4
		FROM e RETURNING *`

// reserveWrite is Reserve's statement around write, the RSVP's own write.
func reserveWrite(write string) string {
	return `
		WITH n AS (SELECT set_config('clockroom.listing_notice', $14, true)),
		e AS (
		    UPDATE events SET
		        confirmed_count = confirmed_count + CASE WHEN confirmed_count < capacity AND waitlist_count = 0 THEN 1 ELSE 0 END,
		        waitlist_count = waitlist_count + CASE WHEN confirmed_count < capacity AND waitlist_count = 0 THEN 0 ELSE 1 END
		    WHERE id = $1 AND status = 'published' AND updated_at = $5
		    RETURNING CASE WHEN waitlist_count = 0 THEN 'confirmed' ELSE 'waitlisted' END AS status, waitlist_count AS position),
		r AS (` + write + `),
		m AS (
		    INSERT INTO outbox (kind, to_email, to_name, subject, body, created_at, send_after)
		    SELECT CASE WHEN r.status = 'confirmed' THEN $6 ELSE $7 END, $8, $9,
		           CASE WHEN r.status = 'confirmed' THEN $10 ELSE format($11, e.position) END,
		           CASE WHEN r.status = 'confirmed' THEN $12 ELSE format($13, e.position) END, $4, $4
		    FROM r, e)
		SELECT r.id, r.event_id, r.user_id, r.ticket_id, r.status, r.created_at, r.confirmed_at, r.cancelled_at, r.released_at, r.short_code,
		       CASE WHEN r.status = 'waitlisted' THEN e.position ELSE 0 END AS waitlist_position
		FROM r, e, n`
}

// CancelRSVP cancels an RSVP. A freed confirmed seat goes to the first person
// on the waitlist in the same transaction. Cancelling twice is a no-op. It
// returns the cancelled RSVP and the promoted one, if any.
func (s *Store) CancelRSVP(ctx context.Context, rsvpID, actorID int64) (RSVP, *RSVP, error) {
	now := s.Now()
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
	return s.ticketWhere(ctx, `r.ticket_id = $1`, ticketID)
}

// TicketByRSVP returns the ticket of an RSVP, or ErrNotFound: for a guest's
// own links (TicketByGuestToken) and the host's guest list, which name an
// RSVP by its id, never by its ticket code.
func (s *Store) TicketByRSVP(ctx context.Context, rsvpID int64) (Ticket, error) {
	return s.ticketWhere(ctx, `r.id = $1`, rsvpID)
}

func (s *Store) ticketWhere(ctx context.Context, where string, args ...any) (Ticket, error) {
	r, err := rsvpWhere(ctx, s.DB, where, args...)
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
func (s *Store) UserTickets(ctx context.Context, userID int64) ([]UserTicket, error) {
	now := s.Now()
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
