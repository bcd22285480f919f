package models

import "fmt"

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
// status does not move.
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
