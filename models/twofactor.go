package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TwoFactorOn reports whether the account signs in with a second factor.
func (u User) TwoFactorOn() bool { return u.TOTPEnabledAt != nil }

// NewTOTP makes a fresh authenticator secret for u, not yet saved: it is
// saved by EnableTOTP once the person proves their app has it.
func NewTOTP(u User, issuer string) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: u.Email})
}

// totpPeriod is the authenticator's time step, in seconds.
const totpPeriod = 30

// totpStep returns the time step whose authenticator code for secret is
// code, looking at now's step and one either side (for clocks a little
// apart). The step is what makes a code single-use: each account keeps the
// last step it accepted, and only a later one works.
func totpStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	opts := totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	step := now.Unix() / totpPeriod
	for _, s := range []int64{step, step - 1, step + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), opts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// ErrBadCode refuses a wrong authenticator or recovery code.
var ErrBadCode = newError(KindInvalid, "the code is wrong")

// EnableTOTP turns two-factor sign-in on with secret, when code shows the
// person's app has it, and returns ten one-time recovery codes to show once.
func (s *Store) EnableTOTP(ctx context.Context, userID int64, secret, code string) ([]string, error) {
	now := s.Now()
	step, ok := totpStep(secret, code, now)
	if !ok {
		return nil, ErrBadCode
	}
	codes := make([]string, 10)
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = $2, totp_enabled_at = $3, totp_last_step = $4, updated_at = $3 WHERE id = $1`,
			userID, secret, now, step); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for i := range codes {
			b := make([]byte, 5)
			if _, err := rand.Read(b); err != nil {
				return err
			}
			codes[i] = strings.ToLower(base32.StdEncoding.EncodeToString(b)) // 8 letters and digits
			if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, codeHash(codes[i])); err != nil {
				return err
			}
		}
		return audit(ctx, tx, now, userID, "user.2fa_on", "", nil)
	})
	return codes, err
}

// CheckSecondFactor accepts the authenticator's current code once (a code
// seen over a shoulder, or replayed, does not work again), or spends one
// recovery code.
func (s *Store) CheckSecondFactor(ctx context.Context, u User, code string) error {
	now := s.Now()
	if u.TOTPSecret != nil {
		if step, ok := totpStep(*u.TOTPSecret, code, now); ok {
			res, err := s.DB.ExecContext(ctx, `UPDATE users SET totp_last_step = $2
				WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)`, u.ID, step)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				return nil
			}
			return ErrBadCode // this code, or a later one, was used already
		}
	}
	res, err := s.DB.ExecContext(ctx, `UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
		u.ID, codeHash(strings.ToLower(strings.TrimSpace(code))), now)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	return ErrBadCode
}

func codeHash(code string) []byte {
	h := sha256.Sum256([]byte("clockroom recovery\x00" + code))
	return h[:]
}
