package models_test

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"

	"github.com/clockroom/clockroom/internal/testdb"
	"github.com/clockroom/clockroom/migrations"
	"github.com/clockroom/clockroom/models"
)

// migratedTo is a fresh database with the migrations up to version applied,
// for a test to put rows in before the next ones run.
func migratedTo(t *testing.T, version int64) *sqlx.DB {
	t.Helper()
	db, err := models.Open(context.Background(), testdb.NewURL(t, false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(t.Context(), version); err != nil {
		t.Fatal(err)
	}
	return db
}

// oldNight puts a venue, a past night and a guest's closed stay (£4.80,
// flagged for review when flagged) into a database of an earlier version,
// and returns the visit's id.
func oldNight(t *testing.T, db *sqlx.DB, email string, flagged bool) int64 {
	t.Helper()
	var visit int64
	err := db.Get(&visit, `
		WITH ve AS (INSERT INTO venues (name, currency, room_capacity, per_minute) SELECT 'Old Café', 'GBP', 60, 8
		            WHERE NOT EXISTS (SELECT 1 FROM venues) RETURNING id),
		     venue AS (SELECT id FROM ve UNION ALL SELECT id FROM venues),
		     u AS (INSERT INTO users (email, name, password_hash) VALUES ($1, 'Guest', 'x') RETURNING id),
		     e AS (INSERT INTO events (venue_id, host_id, title, starts_at, ends_at, capacity, status)
		           SELECT (SELECT id FROM venue LIMIT 1), u.id, 'Old night', now() - interval '1 day', now() - interval '20 hours', 10, 'published' FROM u RETURNING id),
		     r AS (INSERT INTO rsvps (event_id, user_id, ticket_id, status, confirmed_at)
		           SELECT e.id, u.id, decode(md5($1), 'hex'), 'confirmed', now() - interval '2 days' FROM e, u RETURNING id, event_id)
		INSERT INTO visits (event_id, rsvp_id, checked_in_at, checked_out_at, ended_how, needs_review, billed_minutes, amount, per_minute, grace_minutes)
		SELECT r.event_id, r.id, now() - interval '1 day', now() - interval '1 day' + interval '1 hour', 'scan', $2, 60, 480, 8, 0 FROM r
		RETURNING id`, email, flagged)
	if err != nil {
		t.Fatal(err)
	}
	return visit
}

// Card payments of flagged visits made by themselves before the rule that
// a flagged visit waits for staff: never sent, given up; already sent,
// left to the reconciler to finish; holds set to capture, released. Others
// are left as they were.
func TestMigrationStopsOldChargesOfFlaggedVisits(t *testing.T) {
	db := migratedTo(t, 25)
	unsent, sent, held, plain := oldNight(t, db, "a@example.com", true), oldNight(t, db, "b@example.com", true),
		oldNight(t, db, "c@example.com", true), oldNight(t, db, "d@example.com", false)
	db.MustExec(`INSERT INTO payments (visit_id, method, amount, currency, status, stripe_sent_at) VALUES
		($1, 'card_on_file', 480, 'GBP', 'pending', NULL), ($2, 'card_on_file', 480, 'GBP', 'pending', now()),
		($3, 'card_on_file', 480, 'GBP', 'pending', NULL)`, unsent, sent, plain)
	db.MustExec(`INSERT INTO payments (visit_id, method, amount, currency, status, is_hold, stripe_payment_intent)
		VALUES ($1, 'card_on_file', 480, 'GBP', 'authorized', true, 'pi_held')`, held)
	if _, err := models.Migrate(t.Context(), db.DB); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		VisitID  int64   `db:"visit_id"`
		Status   string  `db:"status"`
		Amount   int64   `db:"amount"`
		Approved bool    `db:"approved"`
		Reason   *string `db:"failure_reason"`
	}
	if err := db.Select(&got, `SELECT visit_id, status, amount, approved_at IS NOT NULL AS approved, failure_reason FROM payments ORDER BY visit_id`); err != nil {
		t.Fatal(err)
	}
	want := map[int64]struct {
		status   string
		amount   int64
		approved bool
	}{unsent: {"canceled", 480, false}, sent: {"pending", 480, true}, held: {"authorized", 0, false}, plain: {"pending", 480, false}}
	for _, p := range got {
		w := want[p.VisitID]
		if p.Status != w.status || p.Amount != w.amount || p.Approved != w.approved {
			t.Errorf("visit %d: %s %d approved %v (%v); want %s %d approved %v", p.VisitID, p.Status, p.Amount, p.Approved, p.Reason, w.status, w.amount, w.approved)
		}
	}
}

// Stays recorded before amounts kept their currency take the venue's, or,
// when paid, the currency their payment took (the venue's may have been
// changed since, re-labelling them).
func TestMigrationGivesStaysTheirCurrency(t *testing.T) {
	db := migratedTo(t, 26)
	unpaid, paid := oldNight(t, db, "a@example.com", false), oldNight(t, db, "b@example.com", false)
	db.MustExec(`INSERT INTO payments (visit_id, method, amount, currency, status) VALUES ($1, 'cash', 480, 'EUR', 'succeeded')`, paid)
	if _, err := models.Migrate(t.Context(), db.DB); err != nil {
		t.Fatal(err)
	}
	for visit, want := range map[int64]string{unpaid: "GBP", paid: "EUR"} {
		var got string
		if err := db.Get(&got, `SELECT currency FROM visits WHERE id = $1`, visit); err != nil || got != want {
			t.Errorf("visit %d: currency %q (%v), want %s", visit, got, err, want)
		}
	}
	if _, err := db.Exec(`INSERT INTO visits (event_id, walk_in_name, checked_in_at, per_minute, grace_minutes) SELECT event_id, 'W', now(), 8, 0 FROM visits LIMIT 1`); err == nil {
		t.Fatal("a stay without a currency was stored")
	}
}
