package models

import (
	"context"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// shortCodeAlphabet is the short codes' alphabet: no 0/O, 1/I/L to mix up.
// The database makes the codes (ticket_short_code); this must match it.
const shortCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// Short-code guessing: a door session may get this many codes wrong in
// ShortCodeWindow before it must wait (or scan the QR).
const (
	ShortCodeMisses = 10
	ShortCodeWindow = 10 * time.Minute
)

// Errors of a short-code lookup.
var (
	ErrTooManyMisses = newError(KindConflict, "too many wrong codes from this door")
	ErrAmbiguousCode = newError(KindConflict, "two tickets of this night share that code")
)

// ShortCode reads a short code as people type it ("k7m 4pq", "K7M-4PQ"):
// the code, and whether it is one.
func ShortCode(s string) (string, bool) {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(s))
	if len(s) != 6 {
		return "", false
	}
	for _, r := range s {
		if !strings.ContainsRune(shortCodeAlphabet, r) {
			return "", false
		}
	}
	return s, true
}

// TicketByShortCode finds the ticket of eventID with a short code, for a
// door session (session: any key of it). A session that got
// ShortCodeMisses codes wrong in the window is refused (ErrTooManyMisses)
// before anything is looked up, so guessing stays slow; a miss counts,
// and is ErrNotFound.
func (s *Store) TicketByShortCode(ctx context.Context, eventID int64, code, session string) ([]byte, error) {
	now := s.Now()
	var ticket []byte
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('door-code:' || $1, 0))`, session); err != nil {
			return err
		}
		var misses int
		if err := tx.GetContext(ctx, &misses, `SELECT count(*) FROM rate_events WHERE kind = 'door-code' AND key = $1 AND at > $2`,
			session, now.Add(-ShortCodeWindow)); err != nil {
			return err
		}
		if misses >= ShortCodeMisses {
			return ErrTooManyMisses
		}
		var ids [][]byte
		if err := tx.SelectContext(ctx, &ids, `SELECT ticket_id FROM rsvps WHERE event_id = $1 AND short_code = $2 LIMIT 2`, eventID, code); err != nil {
			return err
		}
		switch len(ids) {
		case 1:
			ticket = ids[0]
			return nil
		case 2:
			return ErrAmbiguousCode
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO rate_events (kind, key, at) VALUES ('door-code', $1, $2)`, session, now); err != nil {
			return err
		}
		ticket = nil
		return nil
	})
	if err == nil && ticket == nil {
		err = ErrNotFound
	}
	return ticket, err
}
