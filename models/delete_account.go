package models

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// ErrNotSelfService refuses to delete an account that runs the venue or
// hosts nights: an admin hands its work over first.
var ErrNotSelfService = newError(KindConflict, "this account hosts nights or works at the venue")

// DeleteAccount deletes a guest's own account, given its password. Seats
// on nights still to come are cancelled (waitlists move up); the account's
// email, name, password and saved card are erased, and every session ends.
// What the business must keep (visits, bills, payments, refunds and the
// audit log) stays, held by an anonymous "Deleted account". A guest inside
// the room leaves first.
func (s *Store) DeleteAccount(ctx context.Context, userID int64, password string) error {
	now := s.Now()
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if err := s.checkPassword(ctx, u, password, now); err != nil {
		return err
	}
	if u.Role != RoleAttendee {
		return ErrNotSelfService
	}
	var seats []struct {
		ID     int64 `db:"id"`
		Inside bool  `db:"inside"`
	}
	if err := s.DB.SelectContext(ctx, &seats, `
		SELECT r.id, EXISTS (SELECT 1 FROM visits v WHERE v.rsvp_id = r.id AND v.checked_out_at IS NULL) AS inside
		FROM rsvps r JOIN events e ON e.id = r.event_id
		WHERE r.user_id = $1 AND r.status <> 'cancelled' AND e.ends_at > $2`, userID, now); err != nil {
		return err
	}
	for _, seat := range seats {
		if seat.Inside {
			return ErrInside
		}
		if _, _, err := s.At(now).CancelRSVP(ctx, seat.ID, userID); err != nil {
			return err
		}
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			UPDATE users SET email = 'deleted-' || id || '@deleted.invalid', name = 'Deleted account', password_hash = '!',
			       stripe_customer_id = NULL, stripe_payment_method = NULL, card_label = NULL,
			       session_epoch = session_epoch + 1, updated_at = $2
			WHERE id = $1`, userID, now); err != nil {
			return err
		}
		for q, arg := range map[string]any{
			`DELETE FROM account_links WHERE user_id = $1`:               userID,
			`DELETE FROM login_failures WHERE email = $1`:                u.Email,
			`DELETE FROM outbox WHERE to_email = $1 AND sent_at IS NULL`: u.Email,
		} {
			if _, err := tx.ExecContext(ctx, q, arg); err != nil {
				return err
			}
		}
		return audit(ctx, tx, now, userID, "user.delete", fmt.Sprintf("user:%d", userID), nil)
	})
}
