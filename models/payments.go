package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Payment methods.
const (
	PayCardOnFile = "card_on_file"
	PayByPhone    = "pay_by_phone"
	PayCash       = "cash"
	PayTerminal   = "terminal"
	PayWaived     = "waived"
)

// Errors of the billing rules.
var (
	ErrVisitOpen        = NewRefusal(KindConflict, "The guest is still inside: check them out first.")
	ErrAlreadyPaid      = NewRefusal(KindConflict, "This visit already has a payment.")
	ErrNothingToPay     = NewRefusal(KindConflict, "This visit costs nothing, so there is nothing to take.")
	ErrRefundTooMuch    = NewRefusal(KindInvalid, "A refund cannot be more than what was paid and not yet refunded.")
	ErrBelowCardMinimum = NewRefusal(KindInvalid, "This bill is below the smallest amount a card can be charged. Take cash or waive it.")
)

// liveStatuses are the payment statuses that hold (or are taking) a visit's
// money, as SQL; a visit has at most one payment in them
// (payments_one_live_per_visit).
var liveStatuses = inStatuses(PaymentPending, PaymentAuthorized, PaymentSucceeded, PaymentRefunded, PaymentPartiallyRefunded)

// Payment is money for one visit.
type Payment struct {
	ID              int64         `db:"id"`
	VisitID         int64         `db:"visit_id"`
	Method          string        `db:"method"`
	Amount          int64         `db:"amount"`
	Currency        string        `db:"currency"`
	Status          PaymentStatus `db:"status"`
	RefundedAmount  int64         `db:"refunded_amount"`
	PaymentIntent   *string       `db:"stripe_payment_intent"`
	CheckoutSession *string       `db:"stripe_checkout_session"`
	FailureReason   *string       `db:"failure_reason"`
	Note            string        `db:"note"`
	NeedsAttention  bool          `db:"needs_attention"`
	IsHold          bool          `db:"is_hold"`
	CreatedAt       time.Time     `db:"created_at"`
}

// Live reports whether the payment holds the visit's money (or is on its way).
func (p Payment) Live() bool { return p.Status.Live() }

// refundable reports whether money can still go back from the payment.
func (p Payment) refundable() bool {
	_, err := NextPaymentStatus(p.Status, EventRefundedPart)
	return err == nil
}

const paymentColumns = `p.id, p.visit_id, p.method, p.amount, p.currency, p.status, p.refunded_amount,
	p.stripe_payment_intent, p.stripe_checkout_session, p.failure_reason, p.note, p.needs_attention, p.is_hold, p.created_at`

// CheckOut closes an open visit at the store's clock, by staff, and returns
// it with its bill. When the guest saved a card, the card payment row is
// created in the same transaction and returned, for the caller to send to
// Stripe after commit; only the call that closed the visit gets it. Checking
// out a visit that is already closed returns it unchanged.
func (s *Store) CheckOut(ctx context.Context, visitID, actorID int64, device string) (Visit, Bill, *Payment, error) {
	now := s.Now()
	var v Visit
	var b Bill
	var pay *Payment
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if v, err = visitWhere(ctx, tx, `v.id = $1 FOR UPDATE`, visitID); err != nil {
			return err
		}
		if v.CheckedOutAt != nil {
			b = storedBill(v)
			return nil
		}
		// A flag set at admission (an entry time from a door device's late
		// queue) stays: staff checking the guest out have not checked that.
		if v, b, err = closeVisit(ctx, tx, v, maxTime(now, v.CheckedInAt), actorID, EndedByStaff, device, v.NeedsReview); err != nil {
			return err
		}
		if pay, err = s.payAsYouLeave(ctx, tx, v, actorID, now); err != nil {
			return err
		}
		return audit(ctx, tx, now, actorID, "visit.checkout", fmt.Sprintf("visit:%d", v.ID), map[string]any{"minutes": b.Minutes, "amount": b.Amount, "device": device})
	})
	return v, b, pay, err
}

// NewPayment is a payment staff start or record for a closed visit.
type NewPayment struct {
	VisitID int64
	Method  string
	Note    string
	ActorID int64
	// Approved marks a card payment a staff member clicked to take: only
	// such a one is sent to Stripe for a visit flagged for review.
	Approved bool
}

// CreatePayment writes the payment row for a closed visit, for the amount
// its bill says. Recorded methods (cash, terminal, waived) succeed at once;
// Stripe ones start pending, and the Stripe call comes after this commits.
// A visit has at most one live payment (ErrAlreadyPaid). The payment, its
// audit entry and its receipt are stamped by the store's clock.
func (s *Store) CreatePayment(ctx context.Context, np NewPayment) (Payment, error) {
	var p Payment
	now := s.Now()
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		v, err := visitWhere(ctx, tx, `v.id = $1 FOR UPDATE`, np.VisitID)
		if err != nil {
			return err
		}
		if p, err = createPayment(ctx, tx, v, np, now); err != nil || p.Status != PaymentSucceeded {
			return err
		}
		return s.mailReceipt(ctx, tx, now, p)
	})
	return p, err
}

// createPayment writes a payment row for the closed visit v (locked by the
// caller) in tx, made at now.
func createPayment(ctx context.Context, tx *sqlx.Tx, v Visit, np NewPayment, now time.Time) (Payment, error) {
	var p Payment
	if v.CheckedOutAt == nil {
		return p, ErrVisitOpen
	}
	amount, currency := *v.Amount, v.Currency // the bill as it was priced, whatever the venue's currency is now
	if amount == 0 && np.Method != PayWaived {
		return p, ErrNothingToPay
	}
	if (np.Method == PayCardOnFile || np.Method == PayByPhone) && BelowStripeMinimum(amount, currency) {
		return p, ErrBelowCardMinimum
	}
	event := EventStarted // sent to Stripe after commit
	switch np.Method {
	case PayCash, PayTerminal, PayWaived:
		event = EventRecorded
	}
	// The visit row is locked, so this check cannot race; the unique index
	// backs it, but a violation would abort the caller's transaction.
	var live bool
	if err := tx.GetContext(ctx, &live, `SELECT EXISTS (SELECT 1 FROM payments WHERE visit_id = $1
		AND status IN `+liveStatuses+`)`, v.ID); err != nil {
		return p, err
	}
	if live {
		return p, ErrAlreadyPaid
	}
	id, err := insertPayment(ctx, tx, newPaymentRow{VisitID: v.ID, Method: np.Method, Amount: amount, Currency: currency,
		Note: np.Note, ActorID: np.ActorID, Approved: np.Approved}, event, now)
	if isUniqueViolation(err, "payments_one_live_per_visit") {
		return p, ErrAlreadyPaid
	}
	if err != nil {
		return p, err
	}
	if err := audit(ctx, tx, now, np.ActorID, "payment."+np.Method, fmt.Sprintf("visit:%d", v.ID), map[string]any{"amount": amount, "note": np.Note}); err != nil {
		return p, err
	}
	return paymentWhere(ctx, tx, `p.id = $1`, id)
}

// payAsYouLeave starts the card payment of a visit that has just closed,
// in the same transaction, when its guest saved a card and the bill can go
// to Stripe. It returns the pending payment, or nil.
// When nothing will be charged and money is owed, the guest is emailed the
// bill with a link to pay it. A visit flagged for review is never charged
// here: its hold is released, and its bill waits on Bills to collect for a
// staff click.
func (s *Store) payAsYouLeave(ctx context.Context, tx *sqlx.Tx, v Visit, actorID int64, now time.Time) (*Payment, error) {
	if hold, err := settleHold(ctx, tx, v, now); err != nil || hold != nil {
		return hold, err
	}
	if v.Amount == nil || *v.Amount == 0 {
		return nil, nil
	}
	var hasCard bool
	if v.RSVPID != nil {
		if err := tx.GetContext(ctx, &hasCard, `
			SELECT u.stripe_payment_method IS NOT NULL AND u.stripe_customer_id IS NOT NULL
			FROM rsvps r JOIN users u ON u.id = r.user_id WHERE r.id = $1`, *v.RSVPID); err != nil {
			return nil, err
		}
	}
	if !hasCard {
		return nil, s.mailBillDue(ctx, tx, now, v.ID)
	}
	if v.NeedsReview {
		return nil, nil // its times are in doubt: it waits for staff on the bills page
	}
	var limit *int64
	if err := tx.GetContext(ctx, &limit, `SELECT COALESCE(ve.auto_charge_limit, $2) FROM events e JOIN venues ve ON ve.id = e.venue_id
		WHERE e.id = $1`, v.EventID, v.DailyCap); err != nil {
		return nil, err
	}
	if limit != nil && *v.Amount > *limit {
		return nil, nil // too much to take without a person: it waits for staff on the bills page
	}
	p, err := createPayment(ctx, tx, v, NewPayment{VisitID: v.ID, Method: PayCardOnFile, ActorID: actorID}, now)
	if errors.Is(err, ErrAlreadyPaid) || errors.Is(err, ErrBelowCardMinimum) {
		return nil, s.mailBillDue(ctx, tx, now, v.ID) // staff collect it another way
	}
	return &p, err
}

func paymentWhere(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) (Payment, error) {
	var p Payment
	err := sqlx.GetContext(ctx, q, &p, `SELECT `+paymentColumns+` FROM payments p WHERE `+where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return Payment{}, ErrNotFound
	}
	return p, err
}

// PaymentByID returns one payment, or ErrNotFound.
func (s *Store) PaymentByID(ctx context.Context, id int64) (Payment, error) {
	return paymentWhere(ctx, s.DB, `p.id = $1`, id)
}

// TicketPayment is a payment for one of a ticket's stays (rsvpID), or
// ErrNotFound: a ticket's page says what became of its own payments only.
func (s *Store) TicketPayment(ctx context.Context, rsvpID, paymentID int64) (Payment, error) {
	return paymentWhere(ctx, s.DB, `p.id = $1 AND p.visit_id IN (SELECT v.id FROM visits v WHERE v.rsvp_id = $2)`, paymentID, rsvpID)
}

// VisitTicketCode is the code of the ticket a visit was admitted with, so a
// payment page can send the guest back to it; "" for a walk-in.
func (s *Store) VisitTicketCode(ctx context.Context, visitID int64) (string, error) {
	var id []byte
	err := s.DB.GetContext(ctx, &id, `SELECT r.ticket_id FROM visits v JOIN rsvps r ON r.id = v.rsvp_id WHERE v.id = $1`, visitID)
	if errors.Is(err, sql.ErrNoRows) || s.Tickets == nil {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return s.Tickets.Code(id), nil
}

// VisitPayments lists a visit's payments, oldest first.
func (s *Store) VisitPayments(ctx context.Context, visitID int64) ([]Payment, error) {
	var ps []Payment
	err := s.DB.SelectContext(ctx, &ps, `SELECT `+paymentColumns+` FROM payments p WHERE p.visit_id = $1 ORDER BY p.id`, visitID)
	return ps, err
}

// RefundRecorded refunds part or all of a cash or terminal payment, which
// staff hand back themselves, and records who did it.
func (s *Store) RefundRecorded(ctx context.Context, paymentID, amount, actorID int64, note string) (Payment, error) {
	now := s.Now()
	var p Payment
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if p, err = paymentWhere(ctx, tx, `p.id = $1 FOR UPDATE`, paymentID); err != nil {
			return err
		}
		if p.Method != PayCash && p.Method != PayTerminal {
			return ErrNotRefundable
		}
		if amount <= 0 || amount > p.Amount-p.RefundedAmount {
			return ErrRefundTooMuch
		}
		total := p.RefundedAmount + amount
		event := EventRefundedPart
		if total == p.Amount {
			event = EventRefundedAll
		}
		if _, err := movePayment(ctx, tx, p.ID, event, paymentChange{Refunded: &total}, now); errors.Is(err, ErrIllegalTransition) {
			return fmt.Errorf("%w: %w", ErrRefundTooMuch, err) // nothing left to refund
		} else if err != nil {
			return err
		}
		if err := audit(ctx, tx, now, actorID, "payment.refund", fmt.Sprintf("payment:%d", paymentID), map[string]any{"amount": amount, "note": note}); err != nil {
			return err
		}
		if p, err = paymentWhere(ctx, tx, `p.id = $1`, paymentID); err != nil {
			return err
		}
		return s.mailRefund(ctx, tx, now, p, amount, fmt.Sprintf("%d:%d", p.ID, p.RefundedAmount))
	})
	return p, err
}

// PendingCharge returns a visit's card payment that still has to be sent to
// Stripe, or ErrNotFound.
func (s *Store) PendingCharge(ctx context.Context, visitID int64) (Payment, error) {
	return paymentWhere(ctx, s.DB, `p.visit_id = $1 AND p.method = $2 AND p.status = $3 AND NOT p.is_hold
		AND p.stripe_payment_intent IS NULL`, visitID, PayCardOnFile, PaymentPending)
}

// ApprovePayment records that a staff member clicked to take a payment
// already written (a charge made at the exit and not yet through), so the
// reconciler may finish it even for a visit flagged for review.
func (s *Store) ApprovePayment(ctx context.Context, paymentID, actorID int64) error {
	now := s.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE payments SET approved_at = $2 WHERE id = $1 AND approved_at IS NULL`, paymentID, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // approved before
		}
		return audit(ctx, tx, now, actorID, "payment.approve", fmt.Sprintf("payment:%d", paymentID), map[string]any{})
	})
}

// Refund is a card refund staff asked Stripe for.
type Refund struct {
	ID            int64  `db:"id"`
	PaymentID     int64  `db:"payment_id"`
	Amount        int64  `db:"amount"`
	Status        string `db:"status"`
	PaymentIntent string `db:"stripe_payment_intent"`
}

// Key is the refund's Stripe idempotency key, derived from its row.
func (r Refund) Key() string { return fmt.Sprintf("clockroom-refund-%d", r.ID) }

// RequestRefund writes a card refund before Stripe is asked for it. The
// amount is bounded by what was paid less what was refunded or requested
// already, under the payment's row lock, so double clicks cannot overdraw.
// A repeated requestKey (the same form submitted twice) returns the first
// refund.
func (s *Store) RequestRefund(ctx context.Context, paymentID, amount, actorID int64, note, requestKey string) (Refund, error) {
	now := s.Now()
	var r Refund
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		p, err := paymentWhere(ctx, tx, `p.id = $1 FOR UPDATE`, paymentID)
		if err != nil {
			return err
		}
		err = tx.GetContext(ctx, &r, `SELECT r.id, r.payment_id, r.amount, r.status, $3::text AS stripe_payment_intent
			FROM refunds r WHERE r.payment_id = $1 AND r.request_key = $2`, paymentID, requestKey, p.PaymentIntent)
		if err == nil {
			return nil // the same form again
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if p.PaymentIntent == nil || !p.refundable() {
			return ErrNotRefundable
		}
		var requested int64
		if err := tx.GetContext(ctx, &requested, `SELECT COALESCE(sum(amount), 0) FROM refunds WHERE payment_id = $1`, p.ID); err != nil {
			return err
		}
		if amount <= 0 || amount > p.Amount-max(p.RefundedAmount, requested) {
			return ErrRefundTooMuch
		}
		if err := tx.GetContext(ctx, &r.ID, `INSERT INTO refunds (payment_id, amount, status, note, created_by, request_key, created_at)
			VALUES ($1, $2, 'pending', $3, NULLIF($4, 0), $5, $6) RETURNING id`, p.ID, amount, note, actorID, requestKey, now); err != nil {
			return err
		}
		r.PaymentID, r.Amount, r.Status, r.PaymentIntent = p.ID, amount, "pending", *p.PaymentIntent
		return audit(ctx, tx, now, actorID, "payment.refund_requested", fmt.Sprintf("payment:%d", p.ID), map[string]any{"amount": amount, "note": note, "refund": r.ID})
	})
	return r, err
}

// FinishRefund records what Stripe said of a refund and gives back its
// claim: sent, or failed for good with Stripe's reason (reason != "").
func (s *Store) FinishRefund(ctx context.Context, refundID int64, reason string) error {
	now := s.Now()
	_, err := s.DB.ExecContext(ctx, `UPDATE refunds SET claimed_until = NULL,
		status = CASE WHEN $2 = '' THEN 'sent' ELSE 'failed' END, failure_reason = NULLIF($2, ''),
		sent_at = CASE WHEN $2 = '' THEN $3::timestamptz END
		WHERE id = $1 AND status = 'pending'`, refundID, reason, now)
	return err
}

// ReleaseRefund gives a refund's claim back (Stripe did not answer).
func (s *Store) ReleaseRefund(ctx context.Context, refundID int64) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE refunds SET claimed_until = NULL WHERE id = $1`, refundID)
	return err
}

// ClaimRefunds leases pending refunds to the caller, one (id != 0) or those
// waiting longer than 30 seconds (id == 0, for the reconciler), so no two
// callers send one refund at once.
func (s *Store) ClaimRefunds(ctx context.Context, id int64, lease time.Duration) ([]Refund, error) {
	now := s.Now()
	var rs []Refund
	err := s.DB.SelectContext(ctx, &rs, `UPDATE refunds r SET claimed_until = $3
		FROM payments p
		WHERE p.id = r.payment_id AND r.id IN (SELECT id FROM refunds
			WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until <= $1)
			  AND (id = $2 OR ($2 = 0 AND created_at < $1::timestamptz - interval '30 seconds'))
			ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED)
		RETURNING r.id, r.payment_id, r.amount, r.status, p.stripe_payment_intent`, now, id, now.Add(lease))
	return rs, err
}

// reviewNote says why a card payment of a visit flagged for review took
// nothing by itself.
const reviewNote = "the visit is flagged for staff review; charge it from Bills to collect."

// ErrNotRefundable means the payment has no card charge to refund.
var ErrNotRefundable = NewRefusal(KindConflict, "Only a card payment that went through can be refunded.")

// Key is the Stripe idempotency key of the payment's charge or Checkout
// Session. HoldKey, CaptureKey and ReleaseKey are those of a hold's three
// calls. All are derived from the row, so every retry sends the same key.
func (p Payment) Key() string        { return fmt.Sprintf("clockroom-payment-%d", p.ID) }
func (p Payment) HoldKey() string    { return fmt.Sprintf("clockroom-hold-%d", p.ID) }
func (p Payment) CaptureKey() string { return fmt.Sprintf("clockroom-capture-%d", p.ID) }
func (p Payment) ReleaseKey() string { return fmt.Sprintf("clockroom-release-%d", p.ID) }

// placeHoldRow writes the hold for a guest just admitted (in the admit's
// transaction) when the venue holds at check-in and the guest saved a card.
// The caller authorises it at Stripe after commit.
func placeHoldRow(ctx context.Context, tx *sqlx.Tx, visitID, rsvpID, eventID int64, currency string, actorID int64, now time.Time) (*Payment, error) {
	var r struct {
		Venue
		HasCard bool `db:"has_card"`
	}
	err := tx.GetContext(ctx, &r, `
		SELECT v.hold_at_checkin, v.hold_amount, u.stripe_payment_method IS NOT NULL AND u.stripe_customer_id IS NOT NULL AS has_card
		FROM rsvps x JOIN users u ON u.id = x.user_id JOIN events e ON e.id = x.event_id JOIN venues v ON v.id = e.venue_id
		WHERE x.id = $1`, rsvpID)
	if err != nil || !r.HasCard || !r.HoldAtCheckin {
		return nil, err
	}
	price, err := eventPrice(ctx, tx, eventID)
	if err != nil {
		return nil, err
	}
	amount := r.Venue.HoldFor(price.Tariff)
	if amount == 0 || BelowStripeMinimum(amount, currency) {
		return nil, nil
	}
	id, err := insertPayment(ctx, tx, newPaymentRow{VisitID: visitID, Method: PayCardOnFile, Amount: amount, Currency: currency,
		IsHold: true, Note: "hold at check-in", ActorID: actorID}, EventStarted, now)
	if err != nil {
		return nil, err
	}
	p, err := paymentWhere(ctx, tx, `p.id = $1`, id)
	return &p, err
}

// settleHold turns the visit's hold into its payment at check-out. An
// authorised hold is set to capture the bill (at most what was held; a
// remainder is flagged), or released when the bill is zero. A hold never
// placed (Stripe did not answer at check-in) becomes a plain card charge.
// A visit flagged for review takes nothing: its hold is released (or, never
// placed, given up), and its bill waits for a staff click.
func settleHold(ctx context.Context, tx *sqlx.Tx, v Visit, now time.Time) (*Payment, error) {
	h, err := paymentWhere(ctx, tx, `p.visit_id = $1 AND p.is_hold AND p.status IN ($2, $3) FOR UPDATE`, v.ID, PaymentPending, PaymentAuthorized)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	bill := *v.Amount
	capture, note, attention := min(bill, h.Amount), "", false
	if bill > h.Amount {
		note, attention = fmt.Sprintf("The bill is %s more than the hold: take the rest another way.", FormatMoney(bill-h.Amount, h.Currency)), true
	}
	isHold := h.Status == PaymentAuthorized
	switch {
	case v.NeedsReview && bill > 0 && isHold:
		capture, note, attention = 0, "Released, not captured: "+reviewNote, false
	case v.NeedsReview && bill > 0:
		capture, note, attention = 0, "Not charged: "+reviewNote, false
	case !isHold:
		capture = bill // a plain charge for the whole bill
	}
	if _, err := tx.ExecContext(ctx, `UPDATE payments SET amount = $2, is_hold = $3, needs_attention = $4,
		failure_reason = NULLIF($5, ''), updated_at = $6 WHERE id = $1`, h.ID, capture, isHold, attention, note, now); err != nil {
		return nil, err
	}
	if !isHold && (capture == 0 || BelowStripeMinimum(capture, h.Currency)) {
		// Nothing (or too little) for a card, or a bill staff must look at
		// first: staff charge it, take cash or waive.
		reason := "Too small to charge by card."
		if v.NeedsReview && bill > 0 {
			reason = note
		}
		_, err := movePayment(ctx, tx, h.ID, EventAbandoned, paymentChange{Reason: reason}, now)
		return nil, err
	}
	p, err := paymentWhere(ctx, tx, `p.id = $1`, h.ID)
	return &p, err
}
