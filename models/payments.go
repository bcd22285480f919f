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

// Payment statuses.
const (
	PaymentPending           = "pending"
	PaymentSucceeded         = "succeeded"
	PaymentFailed            = "failed"
	PaymentRefunded          = "refunded"
	PaymentPartiallyRefunded = "partially_refunded"
	PaymentCanceled          = "canceled"
)

// Errors of the billing rules.
var (
	ErrVisitOpen     = errors.New("the guest is still inside: check them out first")
	ErrAlreadyPaid   = errors.New("this visit already has a payment")
	ErrNothingToPay  = errors.New("this visit costs nothing")
	ErrRefundTooMuch = errors.New("a refund cannot be more than what was paid and not yet refunded")
)

// Payment is money for one visit.
type Payment struct {
	ID              int64     `db:"id"`
	VisitID         int64     `db:"visit_id"`
	Method          string    `db:"method"`
	Amount          int64     `db:"amount"`
	Currency        string    `db:"currency"`
	Status          string    `db:"status"`
	RefundedAmount  int64     `db:"refunded_amount"`
	IdempotencyKey  string    `db:"idempotency_key"`
	PaymentIntent   *string   `db:"stripe_payment_intent"`
	CheckoutSession *string   `db:"stripe_checkout_session"`
	FailureReason   *string   `db:"failure_reason"`
	Note            string    `db:"note"`
	NeedsAttention  bool      `db:"needs_attention"`
	CreatedAt       time.Time `db:"created_at"`
}

// Live reports whether the payment holds the visit's money (or is on its way).
func (p Payment) Live() bool { return p.Status != PaymentFailed && p.Status != PaymentCanceled }

const paymentColumns = `p.id, p.visit_id, p.method, p.amount, p.currency, p.status, p.refunded_amount, p.idempotency_key,
	p.stripe_payment_intent, p.stripe_checkout_session, p.failure_reason, p.note, p.needs_attention, p.created_at`

// CheckOut closes an open visit now, by staff, and returns it with its bill.
// When the guest saved a card, the card payment row is created in the same
// transaction and returned, for the caller to send to Stripe after commit;
// only the call that closed the visit gets it. Checking out a visit that is
// already closed returns it unchanged.
func (s *Store) CheckOut(ctx context.Context, visitID, actorID int64, device string, now time.Time) (Visit, Bill, *Payment, error) {
	var v Visit
	var b Bill
	var pay *Payment
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if v, err = visitWhere(ctx, tx, `v.id = $1 FOR UPDATE`, visitID); err != nil {
			return err
		}
		if v.CheckedOutAt != nil {
			t, _, err := eventTariff(ctx, tx, v.EventID)
			b = ComputeBill(t, v.CheckedInAt, *v.CheckedOutAt)
			return err
		}
		if v, b, err = closeVisit(ctx, tx, v, maxTime(now, v.CheckedInAt), actorID, EndedByStaff, device, false); err != nil {
			return err
		}
		if pay, err = payAsYouLeave(ctx, tx, v, actorID); err != nil {
			return err
		}
		return audit(ctx, tx, actorID, "visit.checkout", fmt.Sprintf("visit:%d", v.ID), map[string]any{"minutes": b.Minutes, "amount": b.Amount, "device": device})
	})
	return v, b, pay, err
}

// NewPayment is a payment staff start or record for a closed visit.
type NewPayment struct {
	VisitID int64
	Method  string
	Note    string
	ActorID int64
}

// CreatePayment writes the payment row for a closed visit, for the amount
// its bill says. Recorded methods (cash, terminal, waived) succeed at once;
// Stripe ones start pending, and the Stripe call comes after this commits.
// A visit has at most one live payment (ErrAlreadyPaid).
func (s *Store) CreatePayment(ctx context.Context, np NewPayment) (Payment, error) {
	var p Payment
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		v, err := visitWhere(ctx, tx, `v.id = $1 FOR UPDATE`, np.VisitID)
		if err != nil {
			return err
		}
		p, err = createPayment(ctx, tx, v, np)
		return err
	})
	return p, err
}

// createPayment writes a payment row for the closed visit v (locked by the
// caller) in tx.
func createPayment(ctx context.Context, tx *sqlx.Tx, v Visit, np NewPayment) (Payment, error) {
	var p Payment
	if v.CheckedOutAt == nil {
		return p, ErrVisitOpen
	}
	_, currency, err := eventTariff(ctx, tx, v.EventID)
	if err != nil {
		return p, err
	}
	amount := *v.Amount
	if amount == 0 && np.Method != PayWaived {
		return p, ErrNothingToPay
	}
	status := PaymentPending
	switch np.Method {
	case PayCash, PayTerminal, PayWaived:
		status = PaymentSucceeded
	}
	err = tx.GetContext(ctx, &p.ID, `
		INSERT INTO payments (visit_id, method, amount, currency, status, idempotency_key, note, created_by)
		VALUES ($1, $2, $3, $4, $5, 'payment-' || gen_random_uuid(), $6, NULLIF($7, 0)) RETURNING id`,
		v.ID, np.Method, amount, currency, status, np.Note, np.ActorID)
	if isUniqueViolation(err, "payments_one_live_per_visit") {
		return p, ErrAlreadyPaid
	}
	if err != nil {
		return p, err
	}
	// The key Stripe sees is derived from the row itself.
	if _, err := tx.ExecContext(ctx, `UPDATE payments SET idempotency_key = 'clockroom-payment-' || id WHERE id = $1`, p.ID); err != nil {
		return p, err
	}
	if err := audit(ctx, tx, np.ActorID, "payment."+np.Method, fmt.Sprintf("visit:%d", v.ID), map[string]any{"amount": amount, "note": np.Note}); err != nil {
		return p, err
	}
	return paymentWhere(ctx, tx, `p.id = $1`, p.ID)
}

// payAsYouLeave starts the card payment of a visit that has just closed,
// in the same transaction, when its guest saved a card and the bill can go
// to Stripe. It returns the pending payment, or nil.
func payAsYouLeave(ctx context.Context, tx *sqlx.Tx, v Visit, actorID int64) (*Payment, error) {
	if v.RSVPID == nil || v.Amount == nil || *v.Amount == 0 {
		return nil, nil
	}
	var hasCard bool
	if err := tx.GetContext(ctx, &hasCard, `
		SELECT u.stripe_payment_method IS NOT NULL AND u.stripe_customer_id IS NOT NULL
		FROM rsvps r JOIN users u ON u.id = r.user_id WHERE r.id = $1`, *v.RSVPID); err != nil || !hasCard {
		return nil, err
	}
	_, currency, err := eventTariff(ctx, tx, v.EventID)
	if err != nil || BelowStripeMinimum(*v.Amount, currency) {
		return nil, err
	}
	p, err := createPayment(ctx, tx, v, NewPayment{VisitID: v.ID, Method: PayCardOnFile, ActorID: actorID})
	if errors.Is(err, ErrAlreadyPaid) {
		return nil, nil
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

// VisitPayments lists a visit's payments, oldest first.
func (s *Store) VisitPayments(ctx context.Context, visitID int64) ([]Payment, error) {
	var ps []Payment
	err := s.DB.SelectContext(ctx, &ps, `SELECT `+paymentColumns+` FROM payments p WHERE p.visit_id = $1 ORDER BY p.id`, visitID)
	return ps, err
}

// RefundRecorded refunds part or all of a cash or terminal payment, which
// staff hand back themselves, and records who did it.
func (s *Store) RefundRecorded(ctx context.Context, paymentID, amount, actorID int64, note string) (Payment, error) {
	var p Payment
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if p, err = paymentWhere(ctx, tx, `p.id = $1 FOR UPDATE`, paymentID); err != nil {
			return err
		}
		if amount <= 0 || amount > p.Amount-p.RefundedAmount || (p.Status != PaymentSucceeded && p.Status != PaymentPartiallyRefunded) {
			return ErrRefundTooMuch
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE payments SET refunded_amount = refunded_amount + $2, updated_at = now(),
			       status = CASE WHEN refunded_amount + $2 = amount THEN 'refunded' ELSE 'partially_refunded' END
			WHERE id = $1`, paymentID, amount); err != nil {
			return err
		}
		if err := audit(ctx, tx, actorID, "payment.refund", fmt.Sprintf("payment:%d", paymentID), map[string]any{"amount": amount, "note": note}); err != nil {
			return err
		}
		p, err = paymentWhere(ctx, tx, `p.id = $1`, paymentID)
		return err
	})
	return p, err
}

// PendingCharge returns a visit's card payment that still has to be sent to
// Stripe, or ErrNotFound.
func (s *Store) PendingCharge(ctx context.Context, visitID int64) (Payment, error) {
	return paymentWhere(ctx, s.DB, `p.visit_id = $1 AND p.method = 'card_on_file' AND p.status = 'pending' AND p.stripe_payment_intent IS NULL`, visitID)
}

// NoteRefundRequested records in the audit log that staff asked Stripe for a
// refund; the amount itself changes when Stripe confirms it.
func (s *Store) NoteRefundRequested(ctx context.Context, paymentID, amount, actorID int64, note string) error {
	return audit(ctx, s.DB, actorID, "payment.refund_requested", fmt.Sprintf("payment:%d", paymentID), map[string]any{"amount": amount, "note": note})
}
