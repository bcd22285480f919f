package models

import (
	"context"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"
)

// DummyHashCost is the bcrypt cost of s's stand-in hash for unknown emails.
func DummyHashCost(s *Store) int {
	c, _ := bcrypt.Cost(s.dummyHash())
	return c
}

// PaymentChange is what the payment status writer sets besides the status.
type PaymentChange = paymentChange

// MovePayment runs the one payment status writer in a transaction of its
// own, at the store's clock.
func MovePayment(ctx context.Context, s *Store, id int64, event PaymentEvent, c PaymentChange) (PaymentStatus, error) {
	var to PaymentStatus
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		to, err = movePayment(ctx, tx, id, event, c, s.Now())
		return err
	})
	return to, err
}
