package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"
)

// What an emailed account link does.
const (
	LinkReset  = "reset"  // choose a new password
	LinkSignIn = "signin" // sign in without the password
	LinkVerify = "verify" // confirm the email (and complete an RSVP)
	LinkEmail  = "email"  // move the account to a new email address
)

// LinkLifetime is how long an emailed link works (once).
const LinkLifetime = 30 * time.Minute

// ErrLinkUsed means a link is unknown, used already or expired.
var ErrLinkUsed = newError(KindNotFound, "the link is unknown, used or expired")

// SendLink emails the account at email a one-time link for purpose, and
// reports whether there is such an account (callers must not tell the
// visitor: the answer would reveal who has an account). The message is
// queued in the same transaction as the link.
func (s *Store) SendLink(ctx context.Context, email, purpose string) (bool, error) {
	now := s.Now()
	return s.sendLink(ctx, email, purpose, "", now)
}

// SendGuessingNotice tells an account's owner that someone keeps trying
// wrong passwords on it, with a sign-in link: the owner gets in whatever the
// guesser does, and nothing is locked.
func (s *Store) SendGuessingNotice(ctx context.Context, email string) error {
	now := s.Now()
	_, err := s.sendLink(ctx, email, LinkSignIn, "Someone has been trying to sign in to your account with wrong passwords. "+
		"Your account is not locked, and nobody got in. If it was you, you can sign in with the link below instead.\n\n", now)
	return err
}

// AccountFailures is how many failed sign-ins an account had, from any
// network, within AccountGuessWindow.
func (s *Store) AccountFailures(ctx context.Context, email string) (int, error) {
	now := s.Now()
	var n int
	err := s.DB.GetContext(ctx, &n, `SELECT count(*) FROM login_failures WHERE email = $1 AND failed_at > $2`, NormalizeEmail(email), now.Add(-AccountGuessWindow))
	return n, err
}

func (s *Store) sendLink(ctx context.Context, email, purpose, note string, now time.Time) (bool, error) {
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	token, err := newToken()
	if err != nil {
		return false, err
	}
	return true, s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO account_links (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			tokenHash(token), u.ID, purpose, now, now.Add(LinkLifetime)); err != nil {
			return err
		}
		m := Message{Kind: "link_" + purpose, ToEmail: u.Email, ToName: u.Name}
		switch purpose {
		case LinkReset:
			m.Subject = "Reset your Clockroom password"
			m.Body = fmt.Sprintf("Hello %s,\n\nSomeone (we hope you) asked to reset the password of your Clockroom account.\n"+
				"Choose a new one here, within 30 minutes: %s/reset/%s\n\nIf it was not you, ignore this message: your password stays as it is.\n",
				u.Name, s.BaseURL, token)
		default:
			m.Subject = "Your Clockroom sign-in link"
			m.Body = fmt.Sprintf("Hello %s,\n\n%sSign in to Clockroom with this link, within 30 minutes, once: %s/signin/%s\n\n"+
				"If you did not ask for it, ignore this message: nobody can use it without this mailbox.\n", u.Name, note, s.BaseURL, token)
			if note != "" {
				m.Subject = "Someone is trying to sign in to your Clockroom account"
			}
		}
		return queue(ctx, tx, now, m)
	})
}

// UseLink spends a one-time link for purpose and returns its account; a
// link works once (two clicks at once: one wins), and not after 30 minutes.
func (s *Store) UseLink(ctx context.Context, token, purpose string) (User, error) {
	now := s.Now()
	var u User
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if u, err = useLink(ctx, tx, token, purpose, now); err != nil || purpose != LinkSignIn {
			return err
		}
		return forgetFailures(ctx, tx, u.Email) // the mailbox's owner: the password works again
	})
	return u, err
}

func useLink(ctx context.Context, tx *sqlx.Tx, token, purpose string, now time.Time) (User, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `UPDATE account_links SET used_at = $3
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING user_id`, tokenHash(token), purpose, now)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrLinkUsed
	}
	if err != nil {
		return User{}, err
	}
	var u User
	err = tx.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
	return u, err
}

// CheckLink reports whether a link would still work, without spending it
// (for the page that asks for a new password, or to confirm a sign-in).
func (s *Store) CheckLink(ctx context.Context, token, purpose string) error {
	now := s.Now()
	var ok bool
	err := s.DB.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM account_links
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3)`, tokenHash(token), purpose, now)
	if err == nil && !ok {
		return ErrLinkUsed
	}
	return err
}

// ResetPassword spends a reset link and sets the account's new password.
// Every session of the account ends (a thief signed in elsewhere is out),
// and its sign-in failures are forgotten.
func (s *Store) ResetPassword(ctx context.Context, token, password string) (User, error) {
	now := s.Now()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost())
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	var u User
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if u, err = useLink(ctx, tx, token, LinkReset, now); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &u, `UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1, updated_at = $3
			WHERE id = $1 RETURNING `+userColumns, u.ID, string(hash), now); err != nil {
			return err
		}
		if err := revokeLinks(ctx, tx, u.ID, now); err != nil {
			return err
		}
		return forgetFailures(ctx, tx, u.Email)
	})
	return u, err
}

// revokeLinks spends every unused emailed link of the account: after its
// password or email changes, or it signs out everywhere, a link sent before
// (perhaps to a mailbox no longer the owner's) must not sign anyone in.
func revokeLinks(ctx context.Context, tx sqlx.ExtContext, userID int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE account_links SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL`, userID, now)
	return err
}

// ErrWrongPassword refuses a change made without the current password.
var ErrWrongPassword = newError(KindInvalid, "the current password is wrong")

// ChangePassword sets a new password when current is right, and ends every
// other session of the account (the caller signs this one in again with
// the returned user's new epoch).
func (s *Store) ChangePassword(ctx context.Context, userID int64, current, password string) (User, error) {
	now := s.Now()
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return u, err
	}
	if err := s.checkPassword(ctx, u, current, now); err != nil {
		return u, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost())
	if err != nil {
		return u, fmt.Errorf("hash password: %w", err)
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &u, `UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1, updated_at = $3
			WHERE id = $1 RETURNING `+userColumns, userID, string(hash), now); err != nil {
			return err
		}
		return revokeLinks(ctx, tx, userID, now)
	})
	return u, err
}

// SendVerification emails u a link that confirms their address and, when
// eventID is set, completes their RSVP to that night.
func (s *Store) SendVerification(ctx context.Context, u User, eventID *int64) error {
	now := s.Now()
	token, err := newToken()
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO account_links (token_hash, user_id, purpose, created_at, expires_at, event_id)
			VALUES ($1, $2, 'verify', $3, $4, $5)`, tokenHash(token), u.ID, now, now.Add(VerifyLifetime), eventID); err != nil {
			return err
		}
		then := ""
		if eventID != nil {
			then = " Your seat is booked as you confirm, if there is still room (or you join the waitlist)."
		}
		return queue(ctx, tx, now, Message{Kind: "link_verify", ToEmail: u.Email, ToName: u.Name,
			Subject: "Confirm your email for Clockroom",
			Body: fmt.Sprintf("Hello %s,\n\nPlease confirm that this address is yours: %s/verify/%s\n%s\n\n"+
				"The link works for two days. If you did not sign up, ignore this message.\n", u.Name, s.BaseURL, token, then)})
	})
}

// VerifyLifetime is how long an email confirmation link works.
const VerifyLifetime = 48 * time.Hour

// VerifyEmail spends a confirmation link, marks the address confirmed and
// returns the account and the night it was for, if any.
func (s *Store) VerifyEmail(ctx context.Context, token string) (User, *int64, error) {
	now := s.Now()
	var u User
	var eventID *int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &eventID, `UPDATE account_links SET used_at = $2
			WHERE token_hash = $1 AND purpose = 'verify' AND used_at IS NULL AND expires_at > $2 RETURNING event_id`, tokenHash(token), now)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrLinkUsed
		}
		if err != nil {
			return err
		}
		return tx.GetContext(ctx, &u, `UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2), updated_at = $2
			WHERE id = (SELECT user_id FROM account_links WHERE token_hash = $1) RETURNING `+userColumns, tokenHash(token), now)
	})
	return u, eventID, err
}

// SendEmailChange starts moving u to newEmail, given u's password: a link
// goes to the new address (which must prove it is theirs), and a notice to
// the old one.
func (s *Store) SendEmailChange(ctx context.Context, u User, password, newEmail string) error {
	now := s.Now()
	if err := s.checkPassword(ctx, u, password, now); err != nil {
		return err
	}
	newEmail = NormalizeEmail(newEmail)
	if _, err := s.UserByEmail(ctx, newEmail); err == nil {
		return ErrDuplicateEmail
	}
	token, err := newToken()
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO account_links (token_hash, user_id, purpose, created_at, expires_at, new_email)
			VALUES ($1, $2, 'email', $3, $4, $5)`, tokenHash(token), u.ID, now, now.Add(LinkLifetime), newEmail); err != nil {
			return err
		}
		if err := queue(ctx, tx, now, Message{Kind: "link_email", ToEmail: newEmail, ToName: u.Name,
			Subject: "Confirm your new email for Clockroom",
			Body: fmt.Sprintf("Hello %s,\n\nTo use this address for your Clockroom account, open this link within 30 minutes: %s/email/%s\n\n"+
				"If you did not ask for it, ignore this message.\n", u.Name, s.BaseURL, token)}); err != nil {
			return err
		}
		return queue(ctx, tx, now, Message{Kind: "email_change_notice", ToEmail: u.Email, ToName: u.Name,
			Subject: "Your Clockroom email is about to change",
			Body: fmt.Sprintf("Hello %s,\n\nSomeone signed in to your account asked to move it to %s. It changes only when that address confirms.\n"+
				"If it was not you, change your password and sign out on every device from My tickets.\n", u.Name, newEmail)})
	})
}

// ChangeEmail spends an email-change link and moves the account to the new
// address, which the link proved; ErrDuplicateEmail if it was taken since.
func (s *Store) ChangeEmail(ctx context.Context, token string) (User, error) {
	now := s.Now()
	var u User
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var l struct {
			UserID   int64  `db:"user_id"`
			NewEmail string `db:"new_email"`
		}
		err := tx.GetContext(ctx, &l, `UPDATE account_links SET used_at = $2
			WHERE token_hash = $1 AND purpose = 'email' AND used_at IS NULL AND expires_at > $2 RETURNING user_id, new_email`, tokenHash(token), now)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrLinkUsed
		}
		if err != nil {
			return err
		}
		err = tx.GetContext(ctx, &u, `UPDATE users SET email = $2, email_verified_at = $3, updated_at = $3 WHERE id = $1 RETURNING `+userColumns,
			l.UserID, l.NewEmail, now)
		if isUniqueViolation(err, "users_email_key") {
			return ErrDuplicateEmail
		}
		if err != nil {
			return err
		}
		return revokeLinks(ctx, tx, u.ID, now)
	})
	return u, err
}

// SignOutEverywhere ends every session of the account, this one included,
// and revokes its unused emailed links.
func (s *Store) SignOutEverywhere(ctx context.Context, userID int64) error {
	now := s.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET session_epoch = session_epoch + 1, updated_at = $2 WHERE id = $1`, userID, now); err != nil {
			return err
		}
		return revokeLinks(ctx, tx, userID, now)
	})
}

// Allow counts one action of kind by key and reports whether it is within
// max in window (counted and decided under a lock on kind and key).
func (s *Store) Allow(ctx context.Context, kind, key string, max int, window time.Duration) (bool, error) {
	now := s.Now()
	ok := false
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))`, kind, key); err != nil {
			return err
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM rate_events WHERE kind = $1 AND key = $2 AND at > $3`, kind, key, now.Add(-window)); err != nil || n >= max {
			return err
		}
		ok = true
		_, err := tx.ExecContext(ctx, `INSERT INTO rate_events (kind, key, at) VALUES ($1, $2, $3)`, kind, key, now)
		return err
	})
	return ok, err
}

// newToken is 32 random bytes for a link, as URL-safe text.
func newToken() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
