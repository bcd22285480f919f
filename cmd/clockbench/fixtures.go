package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/crypto/bcrypt"
)

// fixtures are the people and nights the scenarios use, made directly in the
// database: signing 1,000 people in through bcrypt would measure bcrypt.
type fixtures struct {
	venueID, hostID int64
	users           []*identity // attendees
	devices         []*identity // staff at the door, one per device
	tonight         int64       // a night under way, for the door
	tickets         [][]string  // ticket codes for tonight, one list per device
}

// makeUsers creates n accounts with role and a signed-in session each.
func makeUsers(ctx context.Context, db *sqlx.DB, prefix, role string, n int) ([]*identity, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(randomToken()), bcrypt.MinCost) // nobody signs in with it
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = db.SelectContext(ctx, &ids, `
		INSERT INTO users (email, name, password_hash, role, email_verified_at)
		SELECT $1 || i || '@bench.test', initcap($1) || ' ' || i, $2, $3, now() FROM generate_series(1, $4) i
		RETURNING id`, prefix, string(hash), role, n)
	if err != nil {
		return nil, fmt.Errorf("create %s users: %w", prefix, err)
	}
	return signIn(ctx, db, ids)
}

// signIn stores a session for each user as the server's session manager
// would after a sign-in (scs with its gob codec, in the sessions table).
func signIn(ctx context.Context, db *sqlx.DB, userIDs []int64) ([]*identity, error) {
	expiry := time.Now().Add(24 * time.Hour)
	tokens := make([]string, len(userIDs))
	data := make([][]byte, len(userIDs))
	out := make([]*identity, len(userIDs))
	csrf := randomToken()
	for i, id := range userIDs {
		b, err := scs.GobCodec{}.Encode(expiry, map[string]any{"user_id": id})
		if err != nil {
			return nil, err
		}
		tokens[i], data[i] = randomToken(), b
		out[i] = &identity{UserID: id, Session: tokens[i], CSRF: csrf}
	}
	_, err := db.ExecContext(ctx, `
		INSERT INTO sessions (token, data, expiry) SELECT t, d, $3 FROM unnest($1::text[], $2::bytea[]) AS s(t, d)`,
		pq.Array(tokens), pq.ByteaArray(data), expiry)
	if err != nil {
		return nil, fmt.Errorf("store sessions: %w", err)
	}
	return out, nil
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// makeEvents publishes n nights titled "title i", the first starting at
// first and each next one step later, three hours long.
func makeEvents(ctx context.Context, db *sqlx.DB, f *fixtures, title string, n int, first time.Time, step time.Duration, capacity int) ([]int64, error) {
	var ids []int64
	err := db.SelectContext(ctx, &ids, `
		INSERT INTO events (venue_id, host_id, title, description, starts_at, ends_at, capacity, status, published_at)
		SELECT $1, $2, $3 || ' ' || i,
		       'A conversation night made by the benchmark. Bring a question and a friend; tea is on the house.',
		       $4::timestamptz + (i - 1) * $5::interval, $4::timestamptz + (i - 1) * $5::interval + interval '3 hours',
		       $6, 'published', now()
		FROM generate_series(1, $7) i
		ORDER BY i
		RETURNING id`, f.venueID, f.hostID, title, first, fmt.Sprintf("%d microseconds", step.Microseconds()), capacity, n)
	if err != nil {
		return nil, fmt.Errorf("create %s nights: %w", title, err)
	}
	return ids, nil
}

// setUp makes the fixtures: attendees and door staff, signed in; twenty
// nights for the listing; and a night under way with a confirmed ticket for
// every attendee, split among the door devices.
func (b *bench) setUp(ctx context.Context) (*fixtures, error) {
	db := b.db
	f := &fixtures{}
	if err := db.GetContext(ctx, &f.venueID, `SELECT id FROM venues ORDER BY id LIMIT 1`); err != nil {
		return nil, fmt.Errorf("the server made no venue: %w", err)
	}
	if err := db.GetContext(ctx, &f.hostID, `SELECT id FROM users WHERE role = 'host' ORDER BY id LIMIT 1`); err != nil {
		return nil, fmt.Errorf("the server made no host: %w", err)
	}
	// The door devices admit every ticket they hold: a room big enough for
	// them all, so the room's limit (which holds for ticket holders too)
	// is not what the door scans measure.
	if _, err := db.ExecContext(ctx, `UPDATE venues SET room_capacity = 10000 WHERE id = $1`, f.venueID); err != nil {
		return nil, err
	}
	var err error
	if f.users, err = makeUsers(ctx, db, "guest", "attendee", 2*b.scale.Users); err != nil {
		return nil, err
	}
	if f.devices, err = makeUsers(ctx, db, "door", "staff", b.scale.Devices+1); err != nil { // +1: the latency probe
		return nil, err
	}
	now := time.Now()
	if _, err := makeEvents(ctx, db, f, "Listing night", 20, now.Add(24*time.Hour), 24*time.Hour, 40); err != nil {
		return nil, err
	}
	ids, err := makeEvents(ctx, db, f, "Tonight", 1, now.Add(-time.Hour), 0, len(f.users))
	if err != nil {
		return nil, err
	}
	f.tonight = ids[0]
	userIDs := make([]int64, len(f.users))
	for i, u := range f.users {
		userIDs[i] = u.UserID
	}
	var ticketIDs [][]byte
	err = db.SelectContext(ctx, &ticketIDs, `
		WITH r AS (
			INSERT INTO rsvps (event_id, user_id, ticket_id, status, confirmed_at)
			SELECT $1, u, decode(md5(random()::text || u), 'hex'), 'confirmed', now() FROM unnest($2::bigint[]) u
			RETURNING ticket_id
		), c AS (UPDATE events SET confirmed_count = $3 WHERE id = $1)
		SELECT ticket_id FROM r`, f.tonight, pq.Array(userIDs), len(userIDs))
	if err != nil {
		return nil, fmt.Errorf("tickets for tonight: %w", err)
	}
	f.tickets = make([][]string, len(f.devices))
	for i, id := range ticketIDs {
		d := i % len(f.devices)
		f.tickets[d] = append(f.tickets[d], b.signer.Code(id))
	}
	return f, nil
}

// growLarge adds the large database next to what is there: users, nights
// over four years past and one ahead, confirmed RSVPs on each, and visits
// (one per RSVP of a past night, then walk-ins up to the count), all by
// generate_series inside PostgreSQL.
func (b *bench) growLarge(ctx context.Context, f *fixtures) error {
	sc := b.scale
	perEvent := sc.LargeRSVPs / sc.LargeEvents
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"users", `INSERT INTO users (email, name, password_hash, email_verified_at)
			SELECT 'regular' || i || '@bench.test', 'Regular ' || i, 'x', now() FROM generate_series(1, $1) i`,
			[]any{sc.LargeUsers}},
		{"nights", `INSERT INTO events (venue_id, host_id, title, description, starts_at, ends_at, capacity, confirmed_count, status, published_at)
			SELECT $2, $3, 'Archive night ' || i, 'A night from the archive.', t, t + interval '3 hours', $4, $4, 'published', t - interval '30 days'
			FROM (SELECT i, now() - interval '4 years' + (i - 1) * (interval '5 years' / $1) AS t FROM generate_series(1, $1) i) s`,
			[]any{sc.LargeEvents, f.venueID, f.hostID, perEvent}},
		{"RSVPs", `INSERT INTO rsvps (event_id, user_id, ticket_id, status, confirmed_at, created_at)
			SELECT e.id, u.id, decode(md5(e.id || '-' || k), 'hex'), 'confirmed', e.starts_at - interval '7 days', e.starts_at - interval '7 days'
			FROM (SELECT id, starts_at, row_number() OVER (ORDER BY id) AS n FROM events WHERE title LIKE 'Archive night %') e
			CROSS JOIN generate_series(0, $1 - 1) k
			JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM users WHERE email LIKE 'regular%@bench.test') u
			  ON u.n = (e.n * $1 + k) % $2`,
			[]any{perEvent, sc.LargeUsers}},
		{"visits", `INSERT INTO visits (event_id, rsvp_id, checked_in_at, checked_out_at, ended_how, billed_minutes, amount, per_minute, grace_minutes, currency)
			SELECT r.event_id, r.id, e.starts_at + interval '10 minutes', e.starts_at + interval '2 hours', 'scan', 110, 880, 8, 0, ve.currency
			FROM rsvps r JOIN events e ON e.id = r.event_id JOIN venues ve ON ve.id = e.venue_id
			WHERE e.title LIKE 'Archive night %' AND e.ends_at < now()
			LIMIT $1`,
			[]any{sc.LargeVisits}},
		{"walk-in visits", `WITH past AS (
				SELECT e.id, e.starts_at, ve.currency, row_number() OVER (ORDER BY e.id) - 1 AS n
				FROM events e JOIN venues ve ON ve.id = e.venue_id WHERE e.title LIKE 'Archive night %' AND e.ends_at < now()),
			want AS (
				SELECT g, g % (SELECT count(*) FROM past) AS n
				FROM generate_series(1, $1 - (SELECT count(*) FROM visits v JOIN events e ON e.id = v.event_id WHERE e.title LIKE 'Archive night %')) g)
			INSERT INTO visits (event_id, walk_in_name, checked_in_at, checked_out_at, ended_how, billed_minutes, amount, per_minute, grace_minutes, currency)
			SELECT p.id, 'Walk-in ' || w.g, p.starts_at + interval '20 minutes', p.starts_at + interval '1 hour', 'staff', 40, 320, 8, 0, p.currency
			FROM want w JOIN past p ON p.n = w.n`,
			[]any{sc.LargeVisits}},
	}
	for _, s := range steps {
		start := time.Now()
		res, err := b.db.ExecContext(ctx, s.sql, s.args...)
		if err != nil {
			return fmt.Errorf("large database, %s: %w", s.what, err)
		}
		n, _ := res.RowsAffected()
		b.log.printf("  large database: %d %s in %.1fs", n, s.what, time.Since(start).Seconds())
	}
	start := time.Now()
	if _, err := b.db.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
		return fmt.Errorf("large database, analyze: %w", err)
	}
	b.log.printf("  large database: VACUUM ANALYZE in %.1fs", time.Since(start).Seconds())
	return nil
}
