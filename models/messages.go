package models

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Message kinds.
const (
	MsgRSVPConfirmed  = "rsvp_confirmed"
	MsgWaitlisted     = "waitlisted"
	MsgPromoted       = "promoted"
	MsgEventCancelled = "event_cancelled"
	MsgReminder       = "reminder"
)

// Message is one email in the outbox.
type Message struct {
	ID        int64      `db:"id"`
	Kind      string     `db:"kind"`
	DedupeKey *string    `db:"dedupe_key"`
	ToEmail   string     `db:"to_email"`
	ToName    string     `db:"to_name"`
	Subject   string     `db:"subject"`
	Body      string     `db:"body"`
	CreatedAt time.Time  `db:"created_at"`
	Attempts  int        `db:"attempts"`
	LastError *string    `db:"last_error"`
	SentAt    *time.Time `db:"sent_at"`
}

const messageColumns = `id, kind, dedupe_key, to_email, to_name, subject, body, created_at, attempts, last_error, sent_at`

// queue writes m to the outbox in the caller's transaction, so a message
// exists exactly when the change it describes does. It is due at now, the
// caller's clock.
func queue(ctx context.Context, tx sqlx.ExtContext, now time.Time, m Message) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO outbox (kind, dedupe_key, to_email, to_name, subject, body, created_at, send_after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (dedupe_key) DO NOTHING`,
		m.Kind, m.DedupeKey, m.ToEmail, m.ToName, m.Subject, m.Body, now)
	return err
}

func (s *Store) ticketURL(ticketID []byte) string {
	if s.Tickets == nil {
		return s.BaseURL + "/me/tickets"
	}
	return s.BaseURL + "/tickets/" + s.Tickets.Code(ticketID)
}

func when(e Event, loc *time.Location) string {
	return e.StartsAt.In(loc).Format("Monday 2 January at 15:04") + " (" + loc.String() + ")"
}

// rsvpMessages are the emails of an RSVP to e with ticketID, one for a
// confirmed seat and one for a waitlist place, written before the place is
// known: the waitlist's subject and body are PostgreSQL format() strings
// whose %1$s is the place.
func (s *Store) rsvpMessages(u User, e Event, ticketID []byte, loc *time.Location) (confirmed, waitlisted Message) {
	confirmed = Message{Kind: MsgRSVPConfirmed, ToEmail: u.Email, ToName: u.Name,
		Subject: "You're in: " + e.Title,
		Body: fmt.Sprintf("Hello %s,\n\nYour seat at %s on %s is confirmed.\n"+
			"Show this ticket at the door: %s\n\nYou pay for the minutes you stay, from check-in to check-out.\n",
			u.Name, e.Title, when(e, loc), s.ticketURL(ticketID))}
	// The place is written as a NUL, which no text from the database holds,
	// then made format()'s first argument once every % is escaped.
	const place = "\x00"
	placed := func(text string) string {
		return strings.ReplaceAll(strings.ReplaceAll(text, "%", "%%"), place, "%1$s")
	}
	waitlisted = Message{Kind: MsgWaitlisted, ToEmail: u.Email, ToName: u.Name,
		Subject: placed(fmt.Sprintf("You are #%s on the waitlist: %s", place, e.Title)),
		Body: placed(fmt.Sprintf("Hello %s,\n\n%s on %s is full, so you are number %s on the waitlist.\n"+
			"If a seat frees up you get it automatically, and we will write to you.\n\nYour ticket: %s\n",
			u.Name, e.Title, when(e, loc), place, s.ticketURL(ticketID)))}
	return confirmed, waitlisted
}

func (s *Store) promotedMessage(u User, e Event, r RSVP, now time.Time, loc *time.Location) Message {
	if !now.Before(e.StartsAt) {
		return Message{Kind: MsgPromoted, ToEmail: u.Email, ToName: u.Name,
			Subject: "The night has started and a seat is yours: " + e.Title,
			Body: fmt.Sprintf("Hello %s,\n\n%s started at %s, and a seat has just opened up for you.\n"+
				"Come now and show your ticket at the door: %s\n\nIf you can't make it, please cancel so the next person gets the seat.\n",
				u.Name, e.Title, e.StartsAt.In(loc).Format("15:04"), s.ticketURL(r.TicketID))}
	}
	return Message{Kind: MsgPromoted, ToEmail: u.Email, ToName: u.Name,
		Subject: "A seat opened up: you're in for " + e.Title,
		Body: fmt.Sprintf("Hello %s,\n\nGood news: a seat opened up at %s on %s, and it is yours.\n"+
			"Your ticket: %s\n\nIf you can no longer come, please cancel so the next person gets the seat.\n",
			u.Name, e.Title, when(e, loc), s.ticketURL(r.TicketID))}
}

func eventCancelledMessage(email, name string, e Event, loc *time.Location) Message {
	return Message{Kind: MsgEventCancelled, ToEmail: email, ToName: name,
		Subject: "Cancelled: " + e.Title,
		Body: fmt.Sprintf("Hello %s,\n\nWe are sorry: %s on %s has been cancelled, and your RSVP with it.\n",
			name, e.Title, when(e, loc))}
}

// QueueReminders queues the reminders of every confirmed guest: one the day
// before a night, and one the venue's LateReminderHours before it (none when
// 0). Each goes once per RSVP (its dedupe key), however many instances run
// it; people who RSVPed after a reminder's time get none, their confirmation
// being fresh. Each carries the ticket and "I can't come: give my seat away".
// A night cancelled or moved, or a seat given up, drops its reminders not
// yet sent (dropReminders), so none goes out with the wrong text; a moved
// night's are queued again with the new time.
func (s *Store) QueueReminders(ctx context.Context) (int, error) {
	now := s.Now()
	venue, err := s.Venue(ctx)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	loc := venue.Location()
	n := 0
	for _, r := range []struct {
		key    string
		before time.Duration
	}{{"reminder", 24 * time.Hour}, {"reminder-late", time.Duration(venue.LateReminderHours) * time.Hour}} {
		if r.before == 0 {
			continue
		}
		var rows []guestRow
		err := s.DB.SelectContext(ctx, &rows, guestRows+`
			WHERE r.status = 'confirmed' AND e.status = 'published'
			  AND e.starts_at > $1 AND e.starts_at <= $1::timestamptz + $2 * interval '1 second'
			  AND r.confirmed_at < e.starts_at - $2 * interval '1 second'
			  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dedupe_key = $3 || ':' || r.id)`, now, r.before.Seconds(), r.key)
		if err != nil {
			return n, err
		}
		for _, row := range rows {
			key := fmt.Sprintf("%s:%d", r.key, row.ID)
			subject := "Tomorrow: " + row.Event.Title
			if r.key == "reminder-late" {
				subject = fmt.Sprintf("At %s: %s", row.Event.StartsAt.In(loc).Format("15:04"), row.Event.Title)
			}
			m := Message{Kind: MsgReminder, DedupeKey: &key, ToEmail: row.Email, ToName: row.Name, Subject: subject,
				Body: fmt.Sprintf("Hello %s,\n\nA reminder that %s is on %s.\nYour ticket: %s\n\n"+
					"Can't come after all? Give your seat to the next person on the waitlist, in one click, no sign-in:\n%s\n",
					row.Name, row.Event.Title, when(row.Event, loc), s.ticketURL(row.TicketID), s.guestLink(LinkGiveAway, row.ID))}
			if err := queue(ctx, s.DB, now, m); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// guestRow is a guest's RSVP with its night, for a message about it.
type guestRow struct {
	RSVP
	Event Event  `db:"event"`
	Email string `db:"email"`
	Name  string `db:"name"`
}

// guestRows selects guestRows: rsvps r, their events e (hosted by users u)
// and their guests g; the caller adds the WHERE.
var guestRows = `SELECT ` + rsvpColumns + `, ` + prefixed(eventColumns, "event") + `, g.email, g.name
	FROM rsvps r
	JOIN events e ON e.id = r.event_id
	JOIN users u ON u.id = e.host_id
	JOIN users g ON g.id = r.user_id `

// dropReminders deletes the reminders not yet sent of the RSVPs that where
// selects (an SQL condition on rsvps r, with args).
func dropReminders(ctx context.Context, tx sqlx.ExtContext, where string, args ...any) error {
	_, err := tx.ExecContext(ctx, `
		DELETE FROM outbox WHERE kind = 'reminder' AND sent_at IS NULL AND dedupe_key IN (
			SELECT k || ':' || r.id FROM rsvps r, (VALUES ('reminder'), ('reminder-late')) AS keys (k) WHERE `+where+`)`, args...)
	return err
}

// Outbox lists the newest messages, for /admin/outbox.
func (s *Store) Outbox(ctx context.Context, limit int) ([]Message, error) {
	var ms []Message
	err := s.DB.SelectContext(ctx, &ms, `SELECT `+messageColumns+` FROM outbox ORDER BY id DESC LIMIT $1`, limit)
	return ms, err
}

// MessagesTo lists the messages to one address, oldest first.
func (s *Store) MessagesTo(ctx context.Context, email string) ([]Message, error) {
	var ms []Message
	err := s.DB.SelectContext(ctx, &ms, `SELECT `+messageColumns+` FROM outbox WHERE to_email = $1 ORDER BY id`, NormalizeEmail(email))
	return ms, err
}

// sentLinkBody stands for an account link's body once it is sent.
const sentLinkBody = "(This message held a one-time link. It was sent, and is not kept.)"

// sendLease is how long a claimed message is left to its sender before
// another instance may take it (the sender died mid-send).
const sendLease = 5 * time.Minute

// DeliverPending sends up to limit due messages. No transaction is open while
// send talks to the mail server: the batch is claimed first (FOR UPDATE SKIP
// LOCKED, then a lease in send_after, committed), so several instances never
// take the same message; each message is then sent and marked on its own. An
// instance killed mid-batch leaves at most the message it was sending to be
// sent again once its lease ends. A failure is kept with its error and retried
// with backoff. It returns how many were sent.
func (s *Store) DeliverPending(ctx context.Context, limit int, send func(context.Context, Message) error) (int, error) {
	now := s.Now()
	var ms []Message
	err := s.DB.SelectContext(ctx, &ms, `
		UPDATE outbox SET send_after = $3, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND send_after <= $1
		             ORDER BY send_after, id LIMIT $2 FOR UPDATE SKIP LOCKED)
		RETURNING `+messageColumns, now, limit, now.Add(sendLease))
	if err != nil {
		return 0, err
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
	sent := 0
	for _, m := range ms {
		if err := send(ctx, m); err != nil {
			if _, err := s.DB.ExecContext(ctx, `
				UPDATE outbox SET last_error = $2, send_after = $3 WHERE id = $1 AND sent_at IS NULL`,
				m.ID, truncate(err.Error(), 500), now.Add(retryDelay(m.Attempts))); err != nil {
				return sent, err
			}
			continue
		}
		// A sent account link's body is not kept: its token is a credential
		// until used or expired, and nobody needs it once delivered.
		if _, err := s.DB.ExecContext(ctx, `UPDATE outbox SET sent_at = $2, last_error = NULL,
			body = CASE WHEN kind LIKE 'link\_%' THEN $3 ELSE body END WHERE id = $1`, m.ID, now, sentLinkBody); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// retryDelay backs off from 30 seconds to at most an hour.
func retryDelay(attempt int) time.Duration {
	d := 30 * time.Second << min(attempt-1, 7)
	return min(d, time.Hour)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
