package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
)

// OwedBill is a closed visit whose bill nobody has collected yet: no
// payment went through, and it was not waived. A card payment still
// waiting on Stripe keeps it here, marked, until Stripe answers.
type OwedBill struct {
	Visit
	EventTitle    string     `db:"event_title"`
	EventStartsAt time.Time  `db:"event_starts_at"`
	CardLabel     *string    `db:"card_label"`     // the guest's saved card, if any
	State         BillStatus `db:"state"`          // pending or unpaid (billState)
	PendingMethod *string    `db:"pending_method"` // the method of a payment waiting on Stripe, if any
	TicketID      []byte     `db:"ticket_id"`      // nil for a walk-in
}

// HasCard reports whether the guest has a card on file to charge.
func (b OwedBill) HasCard() bool { return b.CardLabel != nil }

// Pending reports whether a payment for this bill is waiting on Stripe.
func (b OwedBill) Pending() bool { return b.State == BillPending }

// PhonePending reports whether that payment is a pay-by-phone page.
func (b OwedBill) PhonePending() bool {
	return b.PendingMethod != nil && *b.PendingMethod == PayByPhone
}

// Owed is the bill's amount (a closed visit always has one).
func (b OwedBill) Owed() int64 { return *b.Amount }

// LeftAt is when the guest checked out.
func (b OwedBill) LeftAt() time.Time { return *b.CheckedOutAt }

// Minutes are the minutes billed.
func (b OwedBill) Minutes() int { return *b.BilledMinutes }

// Bill is the bill as it was kept when the stay closed: explained line by
// line, unless it was kept before the engine kept its lines.
func (b OwedBill) Bill() Bill { return storedBill(b.Visit) }

// BillStatus is where a closed visit's bill stands: the one answer that the
// door, Bills to collect, tickets, receipts and reports all give, from one
// SQL expression (billState).
type BillStatus string

// Where a bill stands.
const (
	BillPaid    BillStatus = "paid"    // nothing owed, a payment went through, or it was waived
	BillPending BillStatus = "pending" // a payment is waiting on Stripe
	BillUnpaid  BillStatus = "unpaid"  // staff must collect it
)

// billState is the SQL expression of a closed visit v's BillStatus. A hold
// set to be released (its amount 0) leaves the bill unpaid; one set to be
// captured, pending.
var billState = `CASE WHEN COALESCE(v.amount, 0) = 0
	     OR EXISTS (SELECT 1 FROM payments p WHERE p.visit_id = v.id AND p.status IN ` + inStatuses(settledStatuses...) + `) THEN 'paid'
	WHEN EXISTS (SELECT 1 FROM payments p WHERE p.visit_id = v.id
	             AND (p.status = '` + string(PaymentPending) + `' OR (p.status = '` + string(PaymentAuthorized) + `' AND p.amount > 0))) THEN 'pending'
	ELSE 'unpaid' END`

// settledStatuses are the statuses of a payment that went through.
var settledStatuses = []PaymentStatus{PaymentSucceeded, PaymentRefunded, PaymentPartiallyRefunded}

// owedWhere is a closed visit whose bill is not paid (billState); v is
// visits.
var owedWhere = `v.checked_out_at IS NOT NULL AND (` + billState + `) <> 'paid'`

// owedBills reads owed bills matching the extra condition cond ($1 is arg).
func owedBills(ctx context.Context, q sqlx.QueryerContext, cond string, arg any, limit int) ([]OwedBill, error) {
	var bs []OwedBill
	err := sqlx.SelectContext(ctx, q, &bs, `
		SELECT `+visitColumns+`, e.title AS event_title, e.starts_at AS event_starts_at,
		       (SELECT u.card_label FROM rsvps r JOIN users u ON u.id = r.user_id
		        WHERE r.id = v.rsvp_id AND u.stripe_payment_method IS NOT NULL) AS card_label,
		       `+billState+` AS state, p.method AS pending_method,
		       (SELECT r.ticket_id FROM rsvps r WHERE r.id = v.rsvp_id) AS ticket_id
		FROM visits v
		JOIN events e ON e.id = v.event_id
		LEFT JOIN LATERAL (SELECT status, method FROM payments p
		                   WHERE p.visit_id = v.id AND p.status IN ('pending', 'authorized')
		                   ORDER BY p.id DESC LIMIT 1) p ON true
		WHERE `+owedWhere+` AND `+cond+`
		ORDER BY v.checked_out_at, v.id
		LIMIT $2`, arg, limit)
	return bs, err
}

// OwedBills lists the bills still to collect, oldest exit first, for one
// night (eventID) or every night (0).
func (s *Store) OwedBills(ctx context.Context, eventID int64, limit int) ([]OwedBill, error) {
	return owedBills(ctx, s.DB, `($1 = 0 OR v.event_id = $1)`, eventID, limit)
}

// TicketBills lists what a ticket's holder still owes, oldest first.
func (s *Store) TicketBills(ctx context.Context, rsvpID int64) ([]OwedBill, error) {
	return owedBills(ctx, s.DB, `v.rsvp_id = $1`, rsvpID, 10)
}

// UserOwedBills lists what a guest still owes for any of their tickets.
func (s *Store) UserOwedBills(ctx context.Context, userID int64) ([]OwedBill, error) {
	return owedBills(ctx, s.DB, `v.rsvp_id IN (SELECT id FROM rsvps WHERE user_id = $1)`, userID, 50)
}

// SettledStay is a ticket's closed stay whose bill is settled: paid,
// waived, or nothing to pay.
type SettledStay struct {
	Visit
	PaymentMethod *string        `db:"method"`
	PaymentStatus *PaymentStatus `db:"status"`
}

// Bill is the stay's bill as it was kept when it closed.
func (s SettledStay) Bill() Bill { return storedBill(s.Visit) }

// LeftAt is when the guest checked out.
func (s SettledStay) LeftAt() time.Time { return *s.CheckedOutAt }

// PaidHow says how the bill was settled, for the guest: "paid by card".
func (s SettledStay) PaidHow() string {
	return PastBill{Amount: s.Amount, PaymentMethod: s.PaymentMethod, PaymentStatus: s.PaymentStatus}.PaidHow()
}

// TicketStays lists a ticket's stays whose bills are settled, oldest first
// (the ones still owed are TicketBills).
func (s *Store) TicketStays(ctx context.Context, rsvpID int64) ([]SettledStay, error) {
	var ss []SettledStay
	err := s.DB.SelectContext(ctx, &ss, `
		SELECT `+visitColumns+`, p.method, p.status
		FROM visits v
		LEFT JOIN LATERAL (SELECT method, status FROM payments p
		                   WHERE p.visit_id = v.id AND p.status IN `+inStatuses(settledStatuses...)+`
		                   ORDER BY p.id DESC LIMIT 1) p ON true
		WHERE v.rsvp_id = $1 AND v.checked_out_at IS NOT NULL AND (`+billState+`) = 'paid'
		ORDER BY v.checked_in_at, v.id
		LIMIT 20`, rsvpID)
	return ss, err
}

// OwedCount is how many bills are still to collect, for the live page's link.
func (s *Store) OwedCount(ctx context.Context) (int, error) {
	var n int
	err := s.DB.GetContext(ctx, &n, `SELECT count(*) FROM visits v WHERE `+owedWhere)
	return n, err
}

// NightsWithOwedBills are the nights that have bills to collect, for the
// bills page's filter, latest first.
func (s *Store) NightsWithOwedBills(ctx context.Context) ([]Event, error) {
	var es []Event
	err := s.DB.SelectContext(ctx, &es, `
		SELECT `+columns(eventColumns)+` FROM events e JOIN users u ON u.id = e.host_id
		WHERE EXISTS (SELECT 1 FROM visits v WHERE v.event_id = e.id AND `+owedWhere+`)
		ORDER BY e.starts_at DESC LIMIT 200`)
	return es, err
}

// BillState says where a closed visit's bill stands: paid (nothing owed, a
// payment went through, or it was waived), pending (waiting on Stripe) or
// unpaid (staff must collect it).
func (s *Store) BillState(ctx context.Context, visitID int64) (PaymentState, error) {
	var st PaymentState
	err := s.DB.GetContext(ctx, &st, `SELECT COALESCE(v.amount, 0) AS amount, v.currency, `+billState+` AS status
		FROM visits v WHERE v.id = $1`, visitID)
	if errors.Is(err, sql.ErrNoRows) {
		return st, ErrNotFound
	}
	return st, err
}
