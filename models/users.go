package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"
)

// Role is what a user may do. Each role includes the ones before it.
type Role string

// The roles, weakest first.
const (
	RoleAttendee Role = "attendee"
	RoleHost     Role = "host"
	RoleStaff    Role = "staff"
	RoleAdmin    Role = "admin"
)

// Roles lists every role, weakest first.
var Roles = []Role{RoleAttendee, RoleHost, RoleStaff, RoleAdmin}

// ParseRole turns s into a Role.
func ParseRole(s string) (Role, bool) {
	for _, r := range Roles {
		if string(r) == s {
			return r, true
		}
	}
	return "", false
}

func (r Role) rank() int {
	for i, x := range Roles {
		if x == r {
			return i
		}
	}
	return -1
}

// AtLeast reports whether r includes min (staff is at least host).
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() && r.rank() >= 0 }

// DefaultBcryptCost is the password hashing cost outside tests.
const DefaultBcryptCost = 12

// Login limits: failures within LoginWindow before sign-in is refused, for
// one account from one network, and for one network over all accounts; and
// failures on one account from every network within AccountGuessWindow
// before its password alone no longer signs in (its owner signs in by
// emailed link, which clears the count). A network is an IPv4 address or an
// IPv6 /64 (NetworkOf).
const (
	LoginWindow           = 15 * time.Minute
	MaxFailuresPerEmail   = 5
	MaxFailuresPerIP      = 30
	AccountGuessWindow    = 24 * time.Hour
	MaxFailuresPerAccount = 20
	MinPasswordLength     = 10
	MaxPasswordBytes      = 72 // bcrypt's limit
	MaxNameLength         = 100
	MaxEmailLength        = 254
)

// ErrPasswordSuspended means so many wrong passwords were tried on an
// account, from anywhere, that its password alone does not sign in for now:
// its owner signs in by emailed link. Given for an unknown email too, so it
// tells nobody whether an account exists.
var ErrPasswordSuspended = newError(KindForbidden, "password sign-in suspended after too many failures on the account")

// NetworkOf is the key that limits count an address under: an IPv4 address
// itself, and an IPv6 address's /64, the block one subscriber holds (one
// machine may rotate through all of it). Anything unparsable is its own key.
func NetworkOf(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is4() {
		return addr.String()
	}
	p, _ := addr.Prefix(64)
	return p.String()
}

// ThrottledError means too many failed sign-ins; try again after RetryAfter.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("sign-in throttled for %s", e.RetryAfter)
}

// User is a person with an account.
type User struct {
	ID           int64     `db:"id"`
	Email        string    `db:"email"`
	Name         string    `db:"name"`
	Role         Role      `db:"role"`
	PasswordHash string    `db:"password_hash"`
	CreatedAt    time.Time `db:"created_at"`
	SessionEpoch int       `db:"session_epoch"` // sessions of an older epoch are signed out
	// EmailVerifiedAt is when the owner proved the address is theirs; nil
	// until then, and an RSVP holds a seat only for a verified address.
	EmailVerifiedAt *time.Time `db:"email_verified_at"`
	// Two-factor sign-in: the authenticator's secret and when it was turned on.
	TOTPSecret    *string    `db:"totp_secret"`
	TOTPEnabledAt *time.Time `db:"totp_enabled_at"`
	// PriceGroup is the group the guest's stays are priced for (students,
	// members...), where the tariff has it; nil for none.
	PriceGroup *string `db:"price_group"`
}

// Verified reports whether the account's email address is confirmed.
func (u User) Verified() bool { return u.EmailVerifiedAt != nil }

// NewUser is what it takes to create an account.
type NewUser struct {
	Email    string
	Name     string
	Password string
	Role     Role
	// Unverified leaves the email to be confirmed by its owner (sign-up);
	// accounts made by an admin or the demo are taken as verified.
	Unverified bool
}

// NormalizeEmail is the form emails are stored and compared in.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

const userColumns = `id, email, name, role, password_hash, created_at, session_epoch, email_verified_at, totp_secret, totp_enabled_at, price_group`

// userColumnList is userColumns of users g, for prefixed.
var userColumnList = func() []string {
	cs := strings.Split(userColumns, ", ")
	for i, c := range cs {
		cs[i] = "g." + c
	}
	return cs
}()

// CreateUser creates an account; ErrDuplicateEmail if the email is taken.
func (s *Store) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	if nu.Role == "" {
		nu.Role = RoleAttendee
	}
	now := s.Now()
	hash, err := bcrypt.GenerateFromPassword([]byte(nu.Password), s.cost())
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	var u User
	err = s.DB.GetContext(ctx, &u,
		`INSERT INTO users (email, name, password_hash, role, created_at, updated_at, email_verified_at)
		VALUES ($1, $2, $3, $4, $5, $5, CASE WHEN $6 THEN NULL ELSE $5::timestamptz END) RETURNING `+userColumns,
		NormalizeEmail(nu.Email), strings.TrimSpace(nu.Name), string(hash), nu.Role, now, nu.Unverified)
	if isUniqueViolation(err, "users_email_key") {
		return User{}, ErrDuplicateEmail
	}
	return u, err
}

// UserByID returns the user with id, or ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	var u User
	err := s.DB.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	return u, err
}

// UserByEmail returns the user with email, or ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := s.DB.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE email = $1`, NormalizeEmail(email))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	return u, err
}

// Users lists every account, newest first.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	var us []User
	err := s.DB.SelectContext(ctx, &us, `SELECT `+userColumns+` FROM users ORDER BY created_at DESC, id DESC`)
	return us, err
}

// SetRole changes a user's role and records who did it.
func (s *Store) SetRole(ctx context.Context, actorID, userID int64, role Role) error {
	now := s.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var old Role
		err := tx.GetContext(ctx, &old, `SELECT role FROM users WHERE id = $1 FOR UPDATE`, userID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil || old == role {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = $2, updated_at = $3 WHERE id = $1`, userID, role, now); err != nil {
			return err
		}
		return audit(ctx, tx, now, actorID, "user.role", fmt.Sprintf("user:%d", userID), map[string]Role{"from": old, "to": role})
	})
}

// dummyHashes are compared against when the email is unknown, one per
// bcrypt cost, so a wrong email costs what a wrong password does.
var dummyHashes sync.Map // cost → []byte

func (s *Store) dummyHash() []byte {
	if h, ok := dummyHashes.Load(s.cost()); ok {
		return h.([]byte)
	}
	h, _ := bcrypt.GenerateFromPassword([]byte("clockroom-timing-equaliser"), s.cost())
	dummyHashes.Store(s.cost(), h)
	return h
}

// Authenticate checks an email and password from the network ip is in.
// Sign-in is limited per account and network, and per network; an attempt
// over those limits is a *ThrottledError before the password is looked at.
// Guesses at one account from many networks make its password alone stop
// working (ErrPasswordSuspended), never the account: the owner still signs
// in by emailed link. A wrong email and a wrong password both give
// ErrInvalidCredentials, in the same time.
func (s *Store) Authenticate(ctx context.Context, email, password, ip string) (User, error) {
	now := s.Now()
	email, ip = NormalizeEmail(email), NetworkOf(ip)
	if err := s.claimAttempt(ctx, email, ip, now); err != nil {
		return User{}, err
	}
	u, err := s.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, ErrNotFound):
		_ = bcrypt.CompareHashAndPassword(s.dummyHash(), []byte(password))
	case err != nil:
		return User{}, err
	case bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) == nil:
		// Signed in: this address's failures on the account are forgiven.
		_, err := s.DB.ExecContext(ctx, `DELETE FROM login_failures WHERE email = $1 AND ip = $2`, email, ip)
		return u, err
	}
	return User{}, ErrInvalidCredentials // counted as a failure already
}

// claimAttempt counts an attempt as a failure before the password is
// checked, if the limits allow it. Counting and deciding happen under locks
// on the account and the network (taken in that order), so parallel guesses
// cannot slip past a limit; the slow password check runs after they are let
// go.
func (s *Store) claimAttempt(ctx context.Context, email, ip string, now time.Time) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('login-account:' || $1, 0)),
			pg_advisory_xact_lock(hashtextextended('login:' || $2, 0))`, email, ip); err != nil {
			return err
		}
		var c struct {
			ByAccount     int        `db:"by_account"`
			ByIP          int        `db:"by_ip"`
			Everywhere    int        `db:"everywhere"`
			OldestAccount *time.Time `db:"oldest_account"`
			OldestIP      *time.Time `db:"oldest_ip"`
		}
		if err := tx.GetContext(ctx, &c, `
			SELECT count(*) FILTER (WHERE email = $1 AND ip = $2 AND failed_at > $3) AS by_account,
			       count(*) FILTER (WHERE ip = $2 AND failed_at > $3) AS by_ip,
			       count(*) FILTER (WHERE email = $1 AND failed_at > $4) AS everywhere,
			       min(failed_at) FILTER (WHERE email = $1 AND ip = $2 AND failed_at > $3) AS oldest_account,
			       min(failed_at) FILTER (WHERE ip = $2 AND failed_at > $3) AS oldest_ip
			FROM login_failures WHERE (ip = $2 AND failed_at > $3) OR (email = $1 AND failed_at > $4)`,
			email, ip, now.Add(-LoginWindow), now.Add(-AccountGuessWindow)); err != nil {
			return err
		}
		switch {
		case c.Everywhere >= MaxFailuresPerAccount:
			return ErrPasswordSuspended
		case c.ByAccount >= MaxFailuresPerEmail:
			return &ThrottledError{RetryAfter: c.OldestAccount.Add(LoginWindow).Sub(now)}
		case c.ByIP >= MaxFailuresPerIP:
			return &ThrottledError{RetryAfter: c.OldestIP.Add(LoginWindow).Sub(now)}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO login_failures (email, ip, failed_at) VALUES ($1, $2, $3)`, email, ip, now)
		return err
	})
}

// Prune deletes expired sessions and sign-in failures older than the login
// window. Safe to run on several instances at once.
func (s *Store) Prune(ctx context.Context) error {
	now := s.Now()
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM sessions WHERE expiry < $1`, now); err != nil {
		return err
	}
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM rate_events WHERE at < $1`, now.Add(-24*time.Hour)); err != nil {
		return err
	}
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM account_links WHERE expires_at < $1`, now.Add(-24*time.Hour)); err != nil {
		return err
	}
	_, err := s.DB.ExecContext(ctx, `DELETE FROM login_failures WHERE failed_at < $1`, now.Add(-AccountGuessWindow))
	return err
}

// ForgetFailures clears an account's failed sign-ins from every network,
// once its owner proved the mailbox (an emailed sign-in link or a reset):
// the password works again.
func forgetFailures(ctx context.Context, tx sqlx.ExtContext, email string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE email = $1`, NormalizeEmail(email))
	return err
}

// MaxPasswordChecks is how many times within LoginWindow an account's
// current password may be asked for where it confirms a change (a new
// password or email, deleting the account): a stolen session cannot guess
// it there without limit.
const MaxPasswordChecks = 5

// ErrTooManyPasswordChecks refuses a current-password check over
// MaxPasswordChecks.
var ErrTooManyPasswordChecks = newError(KindConflict, "too many current-password checks")

// checkPassword checks u's current password where it confirms a change,
// within MaxPasswordChecks: ErrWrongPassword or ErrTooManyPasswordChecks.
func (s *Store) checkPassword(ctx context.Context, u User, password string, now time.Time) error {
	ok, err := s.At(now).Allow(ctx, "password-check", strconv.FormatInt(u.ID, 10), MaxPasswordChecks, LoginWindow)
	switch {
	case err != nil:
		return err
	case !ok:
		return ErrTooManyPasswordChecks
	case bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil:
		return ErrWrongPassword
	}
	return nil
}

func (s *Store) cost() int {
	if s.BcryptCost == 0 {
		return DefaultBcryptCost
	}
	return s.BcryptCost
}

// jsonDetail is v as JSON for a jsonb column: a string, since a []byte
// argument travels as binary (see Open).
func jsonDetail(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// IsHost reports whether the user may host nights (host, staff or admin).
func (u User) IsHost() bool { return u.Role.AtLeast(RoleHost) }

// IsStaff reports whether the user is venue staff or admin.
func (u User) IsStaff() bool { return u.Role.AtLeast(RoleStaff) }

// IsAdmin reports whether the user owns the venue.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin }
