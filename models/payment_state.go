package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// PaymentStatus is where a payment stands. The database's CHECK on
// payments.status holds the same set.
type PaymentStatus string

// Payment statuses.
const (
	PaymentPending           PaymentStatus = "pending"
	PaymentAuthorized        PaymentStatus = "authorized" // a hold placed at check-in
	PaymentSucceeded         PaymentStatus = "succeeded"
	PaymentFailed            PaymentStatus = "failed"
	PaymentRefunded          PaymentStatus = "refunded"
	PaymentPartiallyRefunded PaymentStatus = "partially_refunded"
	PaymentCanceled          PaymentStatus = "canceled"

	// PaymentNone is the status of a payment not written yet: the table's
	// creation events start from it. No row ever holds it.
	PaymentNone PaymentStatus = ""
)

// PaymentStatuses are the statuses a payment row may hold.
var PaymentStatuses = []PaymentStatus{PaymentPending, PaymentAuthorized, PaymentSucceeded, PaymentFailed,
	PaymentRefunded, PaymentPartiallyRefunded, PaymentCanceled}

// Live reports whether a payment in this status holds its visit's money, or
// is on its way to (payments_one_live_per_visit allows one per visit).
func (s PaymentStatus) Live() bool {
	return s != PaymentNone && s != PaymentFailed && s != PaymentCanceled
}

// PaymentEvent is something that happens to a payment. Every change of a
// payment's status is one of these, applied through paymentMoves.
type PaymentEvent string

// Payment events.
const (
	// EventRecorded: staff record cash, the terminal or a waiver, paid at once.
	EventRecorded PaymentEvent = "recorded"
	// EventStarted: a card charge, a pay-by-phone page or a hold is written
	// before Stripe is asked.
	EventStarted PaymentEvent = "started"
	// EventStripeAuthorized: Stripe holds the amount of a hold at check-in.
	EventStripeAuthorized PaymentEvent = "stripe-authorized"
	// EventHoldFailed: Stripe placed no hold (declined, canceled, anything
	// but an authorisation).
	EventHoldFailed PaymentEvent = "hold-failed"
	// EventStripeSucceeded: Stripe took the money (a charge, a paid page, a
	// captured hold).
	EventStripeSucceeded PaymentEvent = "stripe-succeeded"
	// EventStripeFailed: Stripe refused (declined, an invalid request, a
	// capture refused).
	EventStripeFailed PaymentEvent = "stripe-failed"
	// EventStripeCanceled: Stripe canceled it (a hold released, a page
	// expired).
	EventStripeCanceled PaymentEvent = "stripe-canceled"
	// EventAbandoned: we give up on a payment Stripe has taken nothing for
	// (staff abandon it, its page was never created, a never-placed hold
	// turned out too small to charge or its visit waits for review).
	EventAbandoned PaymentEvent = "abandoned"
	// EventRefundedPart: some of the money went back, not all.
	EventRefundedPart PaymentEvent = "refunded-part"
	// EventRefundedAll: all of the money went back.
	EventRefundedAll PaymentEvent = "refunded-all"

	// keepStatus writes a payment's other columns without moving it.
	keepStatus PaymentEvent = ""
)

// PaymentEvents are all the events, in the order the table lists them.
var PaymentEvents = []PaymentEvent{EventRecorded, EventStarted, EventStripeAuthorized, EventHoldFailed,
	EventStripeSucceeded, EventStripeFailed, EventStripeCanceled, EventAbandoned, EventRefundedPart, EventRefundedAll}

type paymentMove struct {
	from  PaymentStatus
	event PaymentEvent
}

// paymentMoves is the payment state machine: (status, event) → next
// status. A pair it does not hold is refused. A move to the same status is
// a repeat (Stripe saying again what we hold) and moves nothing; a settled
// payment is never undone by an answer that comes late. In short:
//
//	(none) ─started─▶ pending ─stripe-succeeded─▶ succeeded ─refunded-part─▶ partially_refunded ─refunded-all─▶ refunded
//	(none) ─recorded (cash, terminal, waived)───▶ succeeded ─refunded-all─▶ refunded
//	pending ─stripe-authorized (a hold)─▶ authorized ─stripe-succeeded (captured)─▶ succeeded
//	pending, authorized ─stripe-failed─▶ failed            pending ─hold-failed─▶ failed
//	pending, authorized ─stripe-canceled (released)─▶ canceled    pending ─abandoned─▶ canceled
//	failed ◀─stripe-failed, stripe-canceled─▶ canceled ─stripe-succeeded (taken after all)─▶ succeeded ◀─ failed
var paymentMoves = map[paymentMove]PaymentStatus{
	{PaymentNone, EventRecorded}: PaymentSucceeded,
	{PaymentNone, EventStarted}:  PaymentPending,

	{PaymentPending, EventStripeAuthorized}:    PaymentAuthorized,
	{PaymentAuthorized, EventStripeAuthorized}: PaymentAuthorized, // a repeat
	{PaymentPending, EventHoldFailed}:          PaymentFailed,

	{PaymentPending, EventStripeSucceeded}:           PaymentSucceeded,
	{PaymentAuthorized, EventStripeSucceeded}:        PaymentSucceeded,         // captured
	{PaymentFailed, EventStripeSucceeded}:            PaymentSucceeded,         // Stripe took it after all
	{PaymentCanceled, EventStripeSucceeded}:          PaymentSucceeded,         // Stripe took it after all
	{PaymentSucceeded, EventStripeSucceeded}:         PaymentSucceeded,         // a repeat
	{PaymentPartiallyRefunded, EventStripeSucceeded}: PaymentPartiallyRefunded, // a charge stays succeeded at Stripe when refunded
	{PaymentRefunded, EventStripeSucceeded}:          PaymentRefunded,

	{PaymentPending, EventStripeFailed}:    PaymentFailed,
	{PaymentAuthorized, EventStripeFailed}: PaymentFailed, // the capture was refused
	{PaymentCanceled, EventStripeFailed}:   PaymentFailed,
	{PaymentFailed, EventStripeFailed}:     PaymentFailed, // a repeat

	{PaymentPending, EventStripeCanceled}:    PaymentCanceled,
	{PaymentAuthorized, EventStripeCanceled}: PaymentCanceled, // released
	{PaymentFailed, EventStripeCanceled}:     PaymentCanceled,
	{PaymentCanceled, EventStripeCanceled}:   PaymentCanceled, // a repeat

	{PaymentPending, EventAbandoned}: PaymentCanceled,

	{PaymentSucceeded, EventRefundedPart}:         PaymentPartiallyRefunded,
	{PaymentPartiallyRefunded, EventRefundedPart}: PaymentPartiallyRefunded, // more, not yet all
	{PaymentSucceeded, EventRefundedAll}:          PaymentRefunded,
	{PaymentPartiallyRefunded, EventRefundedAll}:  PaymentRefunded,
}

// ErrIllegalTransition is what every refused move matches (errors.Is).
var ErrIllegalTransition = newError(KindConflict, "a payment cannot move that way")

// TransitionError is a move the payment table refused. The payment's
// status does not move. Where the caller had more to record, it says so:
// Store.RecordOutcome and the webhook calls commit the rest (a claim given
// back, the event marked applied) and return the refusal afterwards, for the
// caller to log as "nothing to do".
type TransitionError struct {
	PaymentID int64
	From      PaymentStatus
	Event     PaymentEvent
}

func (e *TransitionError) Error() string {
	from := string(e.From)
	if from == "" {
		from = "nothing"
	}
	if e.PaymentID == 0 {
		return fmt.Sprintf("a payment cannot go from %s by %s", from, e.Event)
	}
	return fmt.Sprintf("payment %d cannot go from %s by %s", e.PaymentID, from, e.Event)
}

// Unwrap makes a TransitionError match ErrIllegalTransition, of kind conflict.
func (e *TransitionError) Unwrap() error { return ErrIllegalTransition }

// NextPaymentStatus is where event takes a payment in status from, or a
// *TransitionError when the table has no such move.
func NextPaymentStatus(from PaymentStatus, event PaymentEvent) (PaymentStatus, error) {
	if to, ok := paymentMoves[paymentMove{from, event}]; ok {
		return to, nil
	}
	return from, &TransitionError{From: from, Event: event}
}

// paymentChange is what a write sets on a payment besides its status.
type paymentChange struct {
	ReleaseClaim  bool   // give the caller's claim back (claimed_until)
	PaymentIntent string // recorded when the row has none yet
	Reason        string // failure_reason; "" keeps the one recorded
	ClearReason   bool   // failure_reason goes (a payment that went through)
	Attention     bool   // flag the payment for staff; never unflags
	Refunded      *int64 // refunded_amount: the new running total
}

// movePayment is the one writer of a payment's status. In tx it locks
// payment id, moves it by event through paymentMoves and writes c with it;
// keepStatus writes c alone. A move the table refuses writes nothing and
// returns a *TransitionError. It returns the status the payment is left in.
func movePayment(ctx context.Context, tx *sqlx.Tx, id int64, event PaymentEvent, c paymentChange, now time.Time) (PaymentStatus, error) {
	var from PaymentStatus
	if err := tx.GetContext(ctx, &from, `SELECT status FROM payments WHERE id = $1 FOR UPDATE`, id); err != nil {
		return from, err
	}
	to := from
	if event != keepStatus {
		var err error
		if to, err = NextPaymentStatus(from, event); err != nil {
			return from, &TransitionError{PaymentID: id, From: from, Event: event}
		}
	}
	res, err := tx.ExecContext(ctx, `UPDATE payments SET status = $3, updated_at = $4,
		claimed_until = CASE WHEN $5 THEN NULL ELSE claimed_until END,
		stripe_payment_intent = COALESCE(stripe_payment_intent, NULLIF($6, '')),
		failure_reason = CASE WHEN $7 THEN NULL ELSE COALESCE(NULLIF($8, ''), failure_reason) END,
		needs_attention = needs_attention OR $9,
		refunded_amount = COALESCE($10, refunded_amount)
		WHERE id = $1 AND status = $2`,
		id, from, to, now, c.ReleaseClaim, c.PaymentIntent, c.ClearReason, c.Reason, c.Attention, c.Refunded)
	if err != nil {
		return from, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return from, fmt.Errorf("payment %d: moved by %s from %s, %d rows written: %v", id, event, from, n, err)
	}
	return to, nil
}

// newPaymentRow is a payment about to be written.
type newPaymentRow struct {
	VisitID  int64
	Method   string
	Amount   int64
	Currency string
	IsHold   bool
	Note     string
	ActorID  int64
	Approved bool // a staff member clicked to take it
}

// insertPayment writes a payment in tx, in the status the table gives
// event (EventRecorded or EventStarted) from nothing, and returns its id.
func insertPayment(ctx context.Context, tx *sqlx.Tx, r newPaymentRow, event PaymentEvent, now time.Time) (int64, error) {
	status, err := NextPaymentStatus(PaymentNone, event)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.GetContext(ctx, &id, `
		INSERT INTO payments (visit_id, method, amount, currency, status, is_hold, note, created_by, created_at, updated_at, approved_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, 0), $9, $9, CASE WHEN $10 THEN $9::timestamptz END) RETURNING id`,
		r.VisitID, r.Method, r.Amount, r.Currency, status, r.IsHold, r.Note, r.ActorID, now, r.Approved)
	return id, err
}

// inStatuses is an SQL list of statuses, for a query's IN: "('pending', 'authorized')".
func inStatuses(ss ...PaymentStatus) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + string(s) + "'"
	}
	return "(" + strings.Join(q, ", ") + ")"
}
