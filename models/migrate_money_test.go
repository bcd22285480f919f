package models_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"

	"github.com/clockroom/clockroom/internal/testkit/testdb"
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

// Counter payments were once stamped with year 1 (a caller left out the
// time): the migration dates each, its audit entry and its receipt by when
// its visit was checked out, and from then on the database refuses a
// moment before 2020 in any column that records one.
func TestMigrationRepairsYearOneAndRefusesIt(t *testing.T) {
	db := migratedTo(t, 26) // before stays kept their currency, as oldNight writes them
	visit := oldNight(t, db, "a@example.com", false)
	year1 := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	var pay int64
	if err := db.Get(&pay, `INSERT INTO payments (visit_id, method, amount, currency, status, created_at, updated_at)
		VALUES ($1, 'cash', 480, 'GBP', 'succeeded', $2, $2) RETURNING id`, visit, year1); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`INSERT INTO audit_log (action, subject, detail, created_at) VALUES ('payment.cash', $1, '{}', $2)`, fmt.Sprintf("visit:%d", visit), year1)
	db.MustExec(`INSERT INTO outbox (kind, dedupe_key, to_email, to_name, subject, body, created_at, send_after)
		VALUES ('receipt', $1, 'a@example.com', 'Guest', 'Receipt', 'Paid: £4.80, in cash, on Sun 31 Dec 0000, 23:58.', $2, $2)`, fmt.Sprintf("receipt:%d", pay), year1)
	if _, err := models.Migrate(t.Context(), db.DB); err != nil {
		t.Fatal(err)
	}
	var out time.Time
	if err := db.Get(&out, `SELECT checked_out_at FROM visits WHERE id = $1`, visit); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Paid    time.Time `db:"paid"`
		Updated time.Time `db:"updated"`
		Audited time.Time `db:"audited"`
		Queued  time.Time `db:"queued"`
		Body    string    `db:"body"`
	}
	if err := db.Get(&got, `SELECT p.created_at AS paid, p.updated_at AS updated,
		(SELECT created_at FROM audit_log WHERE subject = 'visit:' || p.visit_id) AS audited,
		o.created_at AS queued, o.body FROM payments p, outbox o WHERE p.id = $1 AND o.dedupe_key = 'receipt:' || p.id`, pay); err != nil {
		t.Fatal(err)
	}
	for what, at := range map[string]time.Time{"the payment": got.Paid, "its update": got.Updated, "its audit entry": got.Audited, "its receipt": got.Queued} {
		if !at.Equal(out) {
			t.Errorf("%s is dated %s, want the check-out, %s", what, at, out)
		}
	}
	if want := "on " + out.UTC().Format("Mon 2 Jan 2006, 15:04") + "."; !strings.Contains(got.Body, want) {
		t.Errorf("the receipt says %q, want %q", got.Body, want)
	}
	for table, insert := range map[string]string{
		"payments":  `INSERT INTO payments (visit_id, method, amount, currency, status, created_at, updated_at) VALUES ($1, 'waived', 0, 'GBP', 'succeeded', $2, $2)`,
		"audit_log": `INSERT INTO audit_log (action, subject, detail, created_at) VALUES ('payment.cash', 'visit:' || $1, '{}', $2)`,
		"users":     `INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ('z' || $1 || '@example.com', 'Z', 'x', $2, $2)`,
	} {
		if _, err := db.Exec(insert, visit, year1); err == nil || !strings.Contains(err.Error(), "after_2020") {
			t.Errorf("%s took a year-1 time: %v", table, err)
		}
	}
}
