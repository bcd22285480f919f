package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
)

// stripeMinimum is Stripe's smallest charge per currency, in minor units;
// smaller bills cannot go to Stripe.
var stripeMinimum = map[string]int64{"GBP": 30, "EUR": 50, "USD": 50, "CHF": 50, "JPY": 50, "SEK": 300, "NOK": 300, "DKK": 250}

// BelowStripeMinimum reports whether amount is too small to charge by card.
func BelowStripeMinimum(amount int64, currency string) bool {
	m, ok := stripeMinimum[currency]
	if !ok {
		m = 50
	}
	return amount < m
}

// SavedCard is a user's card for pay-as-you-leave.
type SavedCard struct {
	UserID        int64   `db:"id"`
	Email         string  `db:"email"`
	Name          string  `db:"name"`
	Customer      *string `db:"stripe_customer_id"`
	PaymentMethod *string `db:"stripe_payment_method"`
	Label         *string `db:"card_label"`
}

// HasCard reports whether a card is saved.
func (c SavedCard) HasCard() bool { return c.Customer != nil && c.PaymentMethod != nil }

// CardFor returns a user's Stripe customer and saved card, if any.
func (s *Store) CardFor(ctx context.Context, userID int64) (SavedCard, error) {
	var c SavedCard
	err := s.DB.GetContext(ctx, &c, `SELECT id, email, name, stripe_customer_id, stripe_payment_method, card_label FROM users WHERE id = $1`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	return c, err
}

// VisitGuestCard returns the saved card of the guest of a visit; walk-ins
// have none (ErrNotFound).
func (s *Store) VisitGuestCard(ctx context.Context, visitID int64) (SavedCard, error) {
	var userID int64
	err := s.DB.GetContext(ctx, &userID, `SELECT r.user_id FROM visits v JOIN rsvps r ON r.id = v.rsvp_id WHERE v.id = $1`, visitID)
	if errors.Is(err, sql.ErrNoRows) {
		return SavedCard{}, ErrNotFound
	}
	if err != nil {
		return SavedCard{}, err
	}
	return s.CardFor(ctx, userID)
}

// SetStripeCustomer remembers a user's Stripe customer; it is created once.
func (s *Store) SetStripeCustomer(ctx context.Context, userID int64, customer string) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE users SET stripe_customer_id = $2 WHERE id = $1 AND stripe_customer_id IS NULL`, userID, customer)
	return err
}

// Outcome is what the billing service learned from Stripe about a payment,
// already in our terms (billing maps Stripe's statuses in one table).
type Outcome struct {
	Status        PaymentStatus
	PaymentIntent string
	Amount        int64 // what Stripe took, for a success; 0 when it did not say
	Currency      string
	FailureReason string
}

// RecordOutcome applies what Stripe said about a payment and gives back the
// row's claim. Its status moves only through the payment table
// (NextPaymentStatus): replays change nothing, and a late answer that would
// undo a settled payment is refused. A success whose amount or currency
// differs from the bill is flagged for staff, never marked paid; a declined
// pay-by-phone page stays open (the guest may try another card); a hold that
// fails flags the visit; money that arrives on a payment given up on, after
// another payment was taken, is flagged as paid twice. A refused move is
// returned as a *TransitionError after the rest (the claim, the
// PaymentIntent) is committed: the caller logs it, and has nothing to do.
func (s *Store) RecordOutcome(ctx context.Context, paymentID int64, o Outcome) (Payment, error) {
	now := s.Now()
	var p Payment
	var refused error
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if p, err = paymentWhere(ctx, tx, `p.id = $1 FOR UPDATE`, paymentID); err != nil {
			return err
		}
		if refused, err = asRefusal(s.recordOutcome(ctx, tx, p, o, now, true)); err != nil {
			return err
		}
		p, err = paymentWhere(ctx, tx, `p.id = $1`, paymentID)
		return err
	})
	if err != nil {
		return p, err
	}
	return p, refused
}

// asRefusal splits err into a move the payment table refused, which leaves
// the transaction good to commit, and any other error.
func asRefusal(err error) (refused, other error) {
	if errors.Is(err, ErrIllegalTransition) {
		return err, nil
	}
	return nil, err
}

// outcomeEvent is the event Stripe's answer o is for p, or keepStatus when
// it says nothing final: no status, still pending, or an authorisation of
// anything but a hold (a charge is not money until it succeeds). A hold not
// yet placed is placed by an authorisation and fails by anything else.
func outcomeEvent(p Payment, o Outcome) PaymentEvent {
	switch {
	case o.Status == PaymentAuthorized && p.IsHold:
		return EventStripeAuthorized
	case p.IsHold && p.Status == PaymentPending && (o.Status == PaymentSucceeded || o.Status == PaymentFailed || o.Status == PaymentCanceled):
		return EventHoldFailed
	}
	switch o.Status {
	case PaymentSucceeded:
		return EventStripeSucceeded
	case PaymentFailed:
		return EventStripeFailed
	case PaymentCanceled:
		return EventStripeCanceled
	}
	return keepStatus
}

// recordOutcome moves p (locked by the caller) as o says. release gives
// back the caller's claim on the row: the caller that sent the payment to
// Stripe releases it; a webhook, which holds no claim, leaves another
// caller's claim where it is, so the reconciler cannot send the same key
// while that call is still out. A move the table refuses still records the
// rest and returns the *TransitionError.
func (s *Store) recordOutcome(ctx context.Context, tx *sqlx.Tx, p Payment, o Outcome, now time.Time, release bool) error {
	c := paymentChange{ReleaseClaim: release, PaymentIntent: o.PaymentIntent}
	// The status a write leaves p in says whether it still needs a reason:
	// one that went through and is not flagged now has none.
	note := func(reason string, attention bool) error {
		c.Reason, c.Attention = reason, attention
		c.ClearReason = (p.Status == PaymentSucceeded || p.Status == PaymentAuthorized) && !attention
		_, err := movePayment(ctx, tx, p.ID, keepStatus, c, now)
		return err
	}
	event := outcomeEvent(p, o)
	if event == keepStatus {
		return note("", false) // nothing moves; a caller's claim is given back
	}
	to, refused := NextPaymentStatus(p.Status, event)
	switch {
	case refused != nil: // late or out of order: a settled payment stays settled
		if err := note("", false); err != nil {
			return err
		}
		return &TransitionError{PaymentID: p.ID, From: p.Status, Event: event}
	case to == p.Status: // Stripe repeats what we hold
		return note("", false)
	case o.Status == PaymentSucceeded && ((o.Amount != 0 && o.Amount != p.Amount) || (o.Currency != "" && o.Currency != p.Currency)):
		return note(fmt.Sprintf("Stripe reported %d %s, the bill is %d %s: check in the Stripe dashboard", o.Amount, o.Currency, p.Amount, p.Currency), true)
	case o.Status == PaymentFailed && p.Method == PayByPhone && p.Live():
		return note("", false) // the guest may try another card on the same page
	case event == EventHoldFailed:
		c.Reason, c.Attention = "The hold at check-in failed: "+o.FailureReason, true
		_, err := movePayment(ctx, tx, p.ID, event, c, now)
		return err
	case to == PaymentSucceeded && !p.Live():
		var other bool
		if err := tx.GetContext(ctx, &other, `SELECT EXISTS (SELECT 1 FROM payments WHERE visit_id = $1 AND id <> $2
			AND status IN `+liveStatuses+`)`, p.VisitID, p.ID); err != nil {
			return err
		}
		if other {
			return note("Stripe took this payment after another one was recorded: the guest paid twice; refund one in Stripe.", true)
		}
	}
	c.Reason, c.ClearReason = o.FailureReason, to == PaymentSucceeded || to == PaymentAuthorized
	if _, err := movePayment(ctx, tx, p.ID, event, c, now); err != nil {
		return err
	}
	return s.mailAfterOutcome(ctx, tx, p, to, now)
}

// mailAfterOutcome writes to the guest when Stripe settled a payment: the
// receipt when it went through, the bill with a way to pay when a charge of
// a closed visit did not.
func (s *Store) mailAfterOutcome(ctx context.Context, tx *sqlx.Tx, was Payment, status PaymentStatus, now time.Time) error {
	switch {
	case status == PaymentSucceeded && was.Status != PaymentSucceeded: // a charge, or a captured hold
		p, err := paymentWhere(ctx, tx, `p.id = $1`, was.ID)
		if err != nil {
			return err
		}
		return s.mailReceipt(ctx, tx, now, p)
	case (status == PaymentFailed || status == PaymentCanceled) && was.Method == PayCardOnFile && !was.IsHold:
		return s.mailBillDue(ctx, tx, now, was.VisitID)
	}
	return nil
}

// ClaimPayment leases a pending (or authorised) payment to the caller for a
// call to Stripe and reports whether it won: a staff click during a
// background charge, or two instances, never send the same payment at once.
// The lease ends when the outcome is recorded, when the caller gives it
// back, or after lease if the caller died.
func (s *Store) ClaimPayment(ctx context.Context, paymentID int64, lease time.Duration) (Payment, bool, error) {
	now := s.Now()
	var p Payment
	err := s.DB.GetContext(ctx, &p, `UPDATE payments p SET claimed_until = $3, stripe_sent_at = COALESCE(stripe_sent_at, $2)
		WHERE p.id = $1 AND p.status IN ($4, $5) AND (p.claimed_until IS NULL OR p.claimed_until <= $2)
		RETURNING `+paymentColumns, paymentID, now, now.Add(lease), PaymentPending, PaymentAuthorized)
	if errors.Is(err, sql.ErrNoRows) {
		return Payment{}, false, nil
	}
	return p, err == nil, err
}

// ReleasePayment gives a claim back without a result (Stripe did not
// answer), so the reconciler may try again.
func (s *Store) ReleasePayment(ctx context.Context, paymentID int64) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE payments SET claimed_until = NULL WHERE id = $1`, paymentID)
	return err
}

// Due names a kind of payment the reconciler works on.
type Due string

// What the reconciler claims.
const (
	DueCharges  Due = "charges"  // card charges of closed visits never confirmed
	DuePhone    Due = "phone"    // pay-by-phone pages whose webhook may be lost
	DueHolds    Due = "holds"    // holds at check-in never confirmed, guest still inside
	DueCaptures Due = "captures" // authorised holds of closed visits not yet captured
)

// dueWhere is each kind's condition; $1 is now. Money is never taken by
// itself from a visit flagged for review: its charges and captures are due
// only once staff clicked to take them (approved_at); a hold's release,
// which takes nothing, is due as any other.
var dueWhere = map[Due]string{
	DueCharges: `p.status IN ` + inStatuses(PaymentPending) + ` AND p.method = 'card_on_file' AND NOT p.is_hold AND v.checked_out_at IS NOT NULL
		AND p.created_at < $1::timestamptz - interval '30 seconds' AND ` + approvedIfFlagged,
	DuePhone: `p.status IN ` + inStatuses(PaymentPending) + ` AND p.method = 'pay_by_phone' AND p.created_at < $1::timestamptz - interval '3 minutes'`,
	DueHolds: `p.status IN ` + inStatuses(PaymentPending) + ` AND p.is_hold AND v.checked_out_at IS NULL AND p.created_at < $1::timestamptz - interval '30 seconds'`,
	DueCaptures: `p.status IN ` + inStatuses(PaymentAuthorized) + ` AND v.checked_out_at IS NOT NULL AND p.amount <= v.amount
		AND v.checked_out_at < $1::timestamptz - interval '30 seconds' AND (p.amount = 0 OR ` + approvedIfFlagged + `)`,
}

// approvedIfFlagged holds for a payment p of a visit v that may be sent
// without a person: the visit is not flagged for review, or staff clicked.
const approvedIfFlagged = `(NOT v.needs_review OR p.approved_at IS NOT NULL)`

// ClaimDue leases up to limit payments of one kind that are waiting on
// Stripe and not claimed by anyone else (FOR UPDATE SKIP LOCKED, then the
// lease, committed before any call), so instances share the work and never
// send the same payment at once.
func (s *Store) ClaimDue(ctx context.Context, kind Due, lease time.Duration, limit int) ([]Payment, error) {
	now := s.Now()
	where, ok := dueWhere[kind]
	if !ok {
		return nil, fmt.Errorf("no such kind of due payment: %q", kind)
	}
	var ps []Payment
	err := s.DB.SelectContext(ctx, &ps, `UPDATE payments p SET claimed_until = $2, stripe_sent_at = COALESCE(stripe_sent_at, $1)
		WHERE p.id IN (SELECT p.id FROM payments p JOIN visits v ON v.id = p.visit_id
		               WHERE `+where+` AND (p.claimed_until IS NULL OR p.claimed_until <= $1)
		               ORDER BY p.id LIMIT $3 FOR UPDATE OF p SKIP LOCKED)
		RETURNING `+paymentColumns, now, now.Add(lease), limit)
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	return ps, err
}

// SentAt is when the payment was first sent to Stripe (nil: never).
func (s *Store) SentAt(ctx context.Context, paymentID int64) (*time.Time, error) {
	var at *time.Time
	err := s.DB.GetContext(ctx, &at, `SELECT stripe_sent_at FROM payments WHERE id = $1`, paymentID)
	return at, err
}

// AbandonPayment gives up on a payment still waiting on Stripe (the caller
// has made sure Stripe took nothing), so staff can take cash, the terminal
// or waive the bill. It is audited.
func (s *Store) AbandonPayment(ctx context.Context, paymentID, actorID int64, reason string) (Payment, error) {
	now := s.Now()
	var p Payment
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if p, err = paymentWhere(ctx, tx, `p.id = $1 FOR UPDATE`, paymentID); err != nil {
			return err
		}
		_, err = movePayment(ctx, tx, p.ID, EventAbandoned, paymentChange{ReleaseClaim: true, Reason: reason}, now)
		if errors.Is(err, ErrIllegalTransition) {
			return fmt.Errorf("%w: %w", ErrNotPending, err)
		}
		if err != nil {
			return err
		}
		if err := audit(ctx, tx, now, actorID, "payment.abandon", fmt.Sprintf("payment:%d", p.ID), map[string]any{"amount": p.Amount, "method": p.Method, "visit": p.VisitID}); err != nil {
			return err
		}
		p, err = paymentWhere(ctx, tx, `p.id = $1`, p.ID)
		return err
	})
	return p, err
}

// ErrNotPending means the payment is no longer waiting: it went through,
// failed or was given up already.
var ErrNotPending = NewRefusal(KindConflict, "This payment is no longer pending: the page shows what happened to it.")

// SetCheckoutSession stores the hosted page of a pay-by-phone payment.
func (s *Store) SetCheckoutSession(ctx context.Context, paymentID int64, id, url string) error {
	now := s.Now()
	_, err := s.DB.ExecContext(ctx, `UPDATE payments SET stripe_checkout_session = $2, stripe_checkout_url = $3, updated_at = $4, claimed_until = NULL
		WHERE id = $1`, paymentID, id, url, now)
	return err
}

// CheckoutURL returns the hosted page of a pay-by-phone payment.
func (s *Store) CheckoutURL(ctx context.Context, paymentID int64) (string, error) {
	var url *string
	err := s.DB.GetContext(ctx, &url, `SELECT stripe_checkout_url FROM payments WHERE id = $1 AND status = $2`, paymentID, PaymentPending)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && url == nil) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	return *url, nil
}

// OpenPhonePage returns the page of a visit's pay-by-phone payment that is
// still waiting for the guest, or ErrNotFound.
func (s *Store) OpenPhonePage(ctx context.Context, visitID int64) (string, error) {
	var url string
	err := s.DB.GetContext(ctx, &url, `SELECT stripe_checkout_url FROM payments
		WHERE visit_id = $1 AND method = 'pay_by_phone' AND status = $2 AND stripe_checkout_url IS NOT NULL
		ORDER BY id DESC LIMIT 1`, visitID, PaymentPending)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return url, err
}

// CancelUnstartedPhonePayment gives up on a pay-by-phone payment whose
// page was never created (the server stopped between the row and the Stripe
// call), so staff can take payment another way. A payment with a page is
// left alone; one no longer pending is refused (a *TransitionError) and
// changes nothing.
func (s *Store) CancelUnstartedPhonePayment(ctx context.Context, paymentID int64) error {
	now := s.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		p, err := paymentWhere(ctx, tx, `p.id = $1 AND p.method = 'pay_by_phone' AND p.stripe_checkout_session IS NULL FOR UPDATE`, paymentID)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		_, err = movePayment(ctx, tx, p.ID, EventAbandoned,
			paymentChange{ReleaseClaim: true, Reason: "The payment page was never created; take payment again."}, now)
		return err
	})
}

// StripeEvent is a verified Stripe webhook, reduced to what Clockroom uses.
// Status is the payment status the event's object is in, mapped to ours by
// the billing service's one table; "" for events that move no payment.
type StripeEvent struct {
	ID              string        `json:"id"`
	Type            string        `json:"type"`
	Status          PaymentStatus `json:"status,omitempty"`
	PaymentID       int64         `json:"payment_id,omitempty"` // our payment, from metadata or the client reference
	PaymentIntent   string        `json:"payment_intent,omitempty"`
	CheckoutSession string        `json:"checkout_session,omitempty"`
	Mode            string        `json:"mode,omitempty"` // checkout session mode: setup or payment
	Customer        string        `json:"customer,omitempty"`
	PaymentMethod   string        `json:"payment_method,omitempty"`
	CardLabel       string        `json:"card_label,omitempty"`
	Amount          int64         `json:"amount,omitempty"`
	Currency        string        `json:"currency,omitempty"`
	AmountRefunded  int64         `json:"amount_refunded,omitempty"`
	FailureReason   string        `json:"failure_reason,omitempty"`
}

// ProcessStripeEvent records a webhook once, by its id, and applies it: a
// replayed id changes nothing and reports false. Events are applied in any
// order without moving a payment the wrong way (see RecordOutcome; refunds
// only ever rise to the total Stripe reports). An event about a payment this
// database does not hold yet is kept and applied by ApplyKeptEvents once the
// row appears. An event whose move the payment table refuses (late, or out
// of order) is recorded as applied, and the refusal returned after commit as
// a *TransitionError: there is nothing more to do with it.
func (s *Store) ProcessStripeEvent(ctx context.Context, e StripeEvent) (bool, error) {
	now := s.Now()
	fresh := false
	var refused error
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO stripe_events (id, type, payload, received_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO NOTHING`, e.ID, e.Type, jsonDetail(e), now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // seen before
		}
		fresh = true
		refused, err = s.applyKept(ctx, tx, e, now)
		return err
	})
	if err != nil {
		return fresh, err
	}
	return fresh, refused
}

// ApplyKeptEvents applies webhooks kept because their payment was not there
// yet, for up to a week, claiming them so instances share the work. It
// returns how many it applied; moves the payment table refused are applied
// too, and returned after commit (joined *TransitionErrors).
func (s *Store) ApplyKeptEvents(ctx context.Context) (int, error) {
	now := s.Now()
	applied := 0
	var refused []error
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var kept []struct {
			Payload []byte `db:"payload"`
		}
		if err := tx.SelectContext(ctx, &kept, `SELECT payload FROM stripe_events
			WHERE applied_at IS NULL AND payload IS NOT NULL AND received_at > $1
			ORDER BY received_at LIMIT 100 FOR UPDATE SKIP LOCKED`, now.Add(-7*24*time.Hour)); err != nil {
			return err
		}
		for _, k := range kept {
			var e StripeEvent
			if err := json.Unmarshal(k.Payload, &e); err != nil {
				return err
			}
			var done bool
			r, err := s.applyKept(ctx, tx, e, now)
			if err != nil {
				return err
			}
			if r != nil {
				refused = append(refused, r)
			}
			if err := tx.GetContext(ctx, &done, `SELECT applied_at IS NOT NULL FROM stripe_events WHERE id = $1`, e.ID); err != nil {
				return err
			}
			if done {
				applied++
			}
		}
		return nil
	})
	if err != nil {
		return applied, err
	}
	return applied, errors.Join(refused...)
}

// applyKept applies e and marks it applied, unless its payment is not here
// yet. A move the payment table refused is applied (nothing is left to do)
// and returned as refused.
func (s *Store) applyKept(ctx context.Context, tx *sqlx.Tx, e StripeEvent, now time.Time) (refused, err error) {
	applied, err := s.applyEvent(ctx, tx, e, now)
	if refused, err = asRefusal(err); err != nil || !applied {
		return nil, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE stripe_events SET applied_at = $2 WHERE id = $1`, e.ID, now)
	return refused, err
}

// applyEvent applies one webhook and reports whether it could (false: the
// payment it names is not in this database yet).
func (s *Store) applyEvent(ctx context.Context, tx *sqlx.Tx, e StripeEvent, now time.Time) (bool, error) {
	switch {
	case e.Type == "checkout.session.completed" && e.Mode == "setup":
		_, err := tx.ExecContext(ctx, `UPDATE users SET stripe_payment_method = $2, card_label = $3 WHERE stripe_customer_id = $1`, e.Customer, e.PaymentMethod, e.CardLabel)
		return err == nil, err
	case e.Type == "charge.refunded":
		p, err := paymentWhere(ctx, tx, `p.stripe_payment_intent = $1 FOR UPDATE`, e.PaymentIntent)
		if errors.Is(err, ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		// amount_refunded is Stripe's running total: a late event carries a
		// smaller one, so the larger is what Stripe holds.
		total := max(p.RefundedAmount, min(e.AmountRefunded, p.Amount))
		if total == p.RefundedAmount {
			return true, nil // Stripe holds no more than is recorded
		}
		event := EventRefundedPart
		if total == p.Amount {
			event = EventRefundedAll
		}
		if _, err := movePayment(ctx, tx, p.ID, event, paymentChange{Refunded: &total}, now); err != nil {
			return true, err // refused when the payment took no money here
		}
		after, err := paymentWhere(ctx, tx, `p.id = $1`, p.ID)
		if err != nil {
			return false, err
		}
		return true, s.mailRefund(ctx, tx, now, after, after.RefundedAmount-p.RefundedAmount, fmt.Sprintf("%d:%d", p.ID, after.RefundedAmount))
	case e.Status != "":
		p, err := paymentWhere(ctx, tx, `(p.id = $1 OR p.stripe_payment_intent = NULLIF($2, '') OR p.stripe_checkout_session = NULLIF($3, '')) FOR UPDATE`,
			e.PaymentID, e.PaymentIntent, e.CheckoutSession)
		if errors.Is(err, ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		o := Outcome{Status: e.Status, PaymentIntent: e.PaymentIntent, Amount: e.Amount, Currency: e.Currency, FailureReason: e.FailureReason}
		return true, s.recordOutcome(ctx, tx, p, o, now, false)
	}
	return true, nil // a type we do not use: acknowledged
}

// ParseReference reads our numeric id from a Stripe reference string.
func ParseReference(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
