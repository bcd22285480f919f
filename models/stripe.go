package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// ChargeOutcome is what Stripe said about a charge we started.
type ChargeOutcome struct {
	PaymentIntent string
	Status        string // succeeded, processing, requires_action, failed, canceled
	FailureReason string
}

// ApplyCharge records a charge's outcome on its pending payment. A payment
// that has already settled (by a webhook that came first) is left alone.
func (s *Store) ApplyCharge(ctx context.Context, paymentID int64, o ChargeOutcome) (Payment, error) {
	status := map[string]string{"succeeded": PaymentSucceeded, "requires_action": PaymentFailed, "failed": PaymentFailed, "canceled": PaymentCanceled}[o.Status]
	var p Payment
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `
			UPDATE payments SET stripe_payment_intent = COALESCE(stripe_payment_intent, NULLIF($2, '')),
			       status = CASE WHEN status IN ('pending', 'authorized') AND $3 <> '' THEN $3 ELSE status END,
			       failure_reason = CASE WHEN status IN ('pending', 'authorized') AND $3 IN ('failed', 'canceled') THEN NULLIF($4, '') ELSE failure_reason END,
			       updated_at = now()
			WHERE id = $1`, paymentID, o.PaymentIntent, status, o.FailureReason)
		if err != nil {
			return err
		}
		p, err = paymentWhere(ctx, tx, `p.id = $1`, paymentID)
		return err
	})
	return p, err
}

// ClaimForStripe marks a pending payment as being sent to Stripe and reports
// whether this caller won it, so concurrent clicks make one Stripe call. A
// claimer that dies leaves the payment to the reconciler, which retries with
// the same idempotency key.
func (s *Store) ClaimForStripe(ctx context.Context, paymentID int64) (bool, error) {
	res, err := s.DB.ExecContext(ctx, `UPDATE payments SET stripe_sent_at = now()
		WHERE id = $1 AND status IN ('pending', 'authorized') AND stripe_sent_at IS NULL`, paymentID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetCheckoutSession stores the hosted page of a pay-by-phone payment.
func (s *Store) SetCheckoutSession(ctx context.Context, paymentID int64, id, url string) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE payments SET stripe_checkout_session = $2, stripe_checkout_url = $3, updated_at = now() WHERE id = $1`, paymentID, id, url)
	return err
}

// CheckoutURL returns the hosted page of a pay-by-phone payment.
func (s *Store) CheckoutURL(ctx context.Context, paymentID int64) (string, error) {
	var url *string
	err := s.DB.GetContext(ctx, &url, `SELECT stripe_checkout_url FROM payments WHERE id = $1 AND status = 'pending'`, paymentID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && url == nil) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	return *url, nil
}

// PendingCardPayments lists card payments still pending since before, for
// the reconciler.
func (s *Store) PendingCardPayments(ctx context.Context, before time.Time) ([]Payment, error) {
	var ps []Payment
	err := s.DB.SelectContext(ctx, &ps, `SELECT `+paymentColumns+` FROM payments p JOIN visits v ON v.id = p.visit_id
		WHERE p.status = 'pending' AND p.method = 'card_on_file' AND NOT p.is_hold AND v.checked_out_at IS NOT NULL
		  AND p.created_at < $1 ORDER BY p.id LIMIT 100`, before)
	return ps, err
}

// PendingPhonePayments lists pay-by-phone payments still pending since
// before, whose webhook may have been lost, for the reconciler.
func (s *Store) PendingPhonePayments(ctx context.Context, before time.Time) ([]Payment, error) {
	var ps []Payment
	err := s.DB.SelectContext(ctx, &ps, `SELECT `+paymentColumns+` FROM payments p
		WHERE p.status = 'pending' AND p.method = 'pay_by_phone' AND p.stripe_checkout_session IS NOT NULL AND p.created_at < $1
		ORDER BY p.id LIMIT 100`, before)
	return ps, err
}

// CancelStalePhonePayments gives up on pay-by-phone payments whose page was
// never created (the server stopped between the row and the Stripe call),
// so staff can take payment another way. It returns how many.
func (s *Store) CancelStalePhonePayments(ctx context.Context, before time.Time) (int, error) {
	res, err := s.DB.ExecContext(ctx, `UPDATE payments SET status = 'canceled', updated_at = now(),
		failure_reason = 'The payment page was never created; take payment again.'
		WHERE method = 'pay_by_phone' AND status = 'pending' AND stripe_checkout_session IS NULL AND created_at < $1`, before)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// SettleFromLookup applies what a Stripe lookup found, with the same money
// checks as a webhook: a succeeded payment must match amount and currency.
func (s *Store) SettleFromLookup(ctx context.Context, p Payment, status, paymentIntent string, amount int64, currency, reason string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		return settle(ctx, tx, StripeEvent{PaymentID: p.ID, PaymentIntent: paymentIntent, Amount: amount, Currency: currency, FailureReason: reason}, status)
	})
}

// StripeEvent is a verified Stripe webhook, reduced to what Clockroom uses.
type StripeEvent struct {
	ID              string
	Type            string
	PaymentID       int64 // our payment, from metadata or the client reference
	UserID          int64 // for a saved card, from the client reference
	PaymentIntent   string
	CheckoutSession string
	Mode            string // checkout session mode: setup or payment
	Customer        string
	PaymentMethod   string
	CardLabel       string
	Amount          int64
	Currency        string
	AmountRefunded  int64
	FailureReason   string
}

// ProcessStripeEvent applies a webhook exactly once: a replayed event id
// changes nothing and reports false. Amounts and currencies are checked
// against our payment row; a mismatch is flagged for staff, never marked paid.
// Late or out-of-order events never undo a settled payment.
func (s *Store) ProcessStripeEvent(ctx context.Context, e StripeEvent) (bool, error) {
	fresh := false
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO stripe_events (id, type) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, e.ID, e.Type)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // seen before
		}
		fresh = true
		switch {
		case e.Type == "checkout.session.completed" && e.Mode == "setup":
			_, err = tx.ExecContext(ctx, `UPDATE users SET stripe_payment_method = $2, card_label = $3 WHERE stripe_customer_id = $1`, e.Customer, e.PaymentMethod, e.CardLabel)
			return err
		case e.Type == "checkout.session.completed", e.Type == "payment_intent.succeeded":
			return settle(ctx, tx, e, PaymentSucceeded)
		case e.Type == "payment_intent.payment_failed":
			return settle(ctx, tx, e, PaymentFailed)
		case e.Type == "payment_intent.canceled":
			return settle(ctx, tx, e, PaymentCanceled)
		case e.Type == "charge.refunded":
			_, err = tx.ExecContext(ctx, `
				UPDATE payments SET refunded_amount = LEAST($2, amount), updated_at = now(),
				       status = CASE WHEN $2 >= amount THEN 'refunded' WHEN $2 > 0 THEN 'partially_refunded' ELSE status END
				WHERE stripe_payment_intent = $1 AND status IN ('succeeded', 'partially_refunded', 'refunded')`, e.PaymentIntent, e.AmountRefunded)
			return err
		}
		return nil // a type we do not use: acknowledged
	})
	return fresh, err
}

// settle moves a payment to status from a webhook, checking the money.
func settle(ctx context.Context, tx *sqlx.Tx, e StripeEvent, status string) error {
	p, err := paymentWhere(ctx, tx, `(p.id = $1 OR p.stripe_payment_intent = NULLIF($2, '') OR p.stripe_checkout_session = NULLIF($3, '')) FOR UPDATE`,
		e.PaymentID, e.PaymentIntent, e.CheckoutSession)
	if errors.Is(err, ErrNotFound) {
		return nil // not ours
	}
	if err != nil {
		return err
	}
	// A pay-by-phone page stays open after a declined attempt: the guest may
	// still pay, so only completion or expiry settles it.
	if status == PaymentFailed && p.Method == PayByPhone {
		return nil
	}
	if status == PaymentSucceeded && (e.Amount != p.Amount || e.Currency != p.Currency) {
		_, err := tx.ExecContext(ctx, `UPDATE payments SET needs_attention = true, updated_at = now(),
			failure_reason = $2 WHERE id = $1`, p.ID, fmt.Sprintf("Stripe reported %d %s, the bill is %d %s: check in the Stripe dashboard", e.Amount, e.Currency, p.Amount, p.Currency))
		return err
	}
	switch {
	case p.Status == status, p.Status == PaymentRefunded, p.Status == PaymentPartiallyRefunded:
		return nil
	case p.Status == PaymentSucceeded: // never undo a settled payment
		return nil
	}
	if status == PaymentSucceeded && !p.Live() {
		// Money arrived on a payment given up on; if staff have since taken
		// another payment the guest paid twice: flag it for a refund.
		var other bool
		if err := tx.GetContext(ctx, &other, `SELECT EXISTS (SELECT 1 FROM payments WHERE visit_id = $1 AND id <> $2
			AND status IN `+liveStatuses+`)`, p.VisitID, p.ID); err != nil {
			return err
		}
		if other {
			_, err := tx.ExecContext(ctx, `UPDATE payments SET needs_attention = true, updated_at = now(), stripe_payment_intent = COALESCE(stripe_payment_intent, NULLIF($2, '')),
				failure_reason = 'Stripe took this payment after another one was recorded: the guest paid twice; refund one in Stripe.' WHERE id = $1`, p.ID, e.PaymentIntent)
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE payments SET status = $2, updated_at = now(),
		stripe_payment_intent = COALESCE(stripe_payment_intent, NULLIF($3, '')),
		failure_reason = CASE WHEN $2 = 'succeeded' THEN NULL ELSE COALESCE(NULLIF($4, ''), failure_reason) END
		WHERE id = $1`, p.ID, status, e.PaymentIntent, e.FailureReason)
	return err
}

// ParseReference reads our numeric id from a Stripe reference string.
func ParseReference(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
