package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/clockroom/clockroom/internal/tariff"
)

// A member's time bank is a ledger (wallet_entries): entries that add time
// (purchases, refunds put back, staff adjustments up), each with its own
// expiry, and entries that take time away, each drawn from one entry that
// added it. What is left is what the unexpired entries added less what was
// drawn from them; time is always drawn oldest-expiring first, under the
// member's row lock, so the bank never goes below zero.

// Wallet entry kinds.
const (
	WalletPurchase   = "purchase"
	WalletStay       = "stay"
	WalletRefund     = "refund"
	WalletExpiry     = "expiry"
	WalletAdjustment = "adjustment"
)

// LineTimeBank is the line of an explained bill that says what the member's
// time bank covered (negative, so the lines still sum to the total).
const LineTimeBank tariff.LineKind = "time_bank"

// Wallet is a member's time bank and money balance as of now.
type Wallet struct {
	UserID   int64
	Minutes  int    // unexpired time left
	Balance  int64  // money balance, minor units of Currency
	Currency string // the venue's
	Entries  []WalletEntry
}

// WalletEntry is one line of a member's ledger.
type WalletEntry struct {
	ID        int64      `db:"id"`
	Kind      string     `db:"kind"`
	Minutes   int        `db:"minutes"`
	Amount    int64      `db:"amount"`
	Currency  *string    `db:"currency"`
	Source    string     `db:"source"`
	DrawsFrom *int64     `db:"draws_from"`
	ExpiresAt *time.Time `db:"expires_at"`
	CreatedAt time.Time  `db:"created_at"`
	ActorID   *int64     `db:"actor_id"`
	Reason    *string    `db:"reason"`
}

// walletEntriesShown bounds the ledger a wallet lists.
const walletEntriesShown = 200

// Wallet returns a member's time left now and their ledger, newest first.
func (s *Store) Wallet(ctx context.Context, userID int64) (Wallet, error) {
	now := s.Now()
	w := Wallet{UserID: userID}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var exists bool
		if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)`, userID); err != nil {
			return err
		}
		if !exists {
			return ErrNotFound
		}
		credits, err := timeLeft(ctx, tx, userID, now)
		if err != nil {
			return err
		}
		for _, c := range credits {
			w.Minutes += c.Left
		}
		if err := tx.GetContext(ctx, &w.Currency, `SELECT currency FROM venues ORDER BY id LIMIT 1`); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := tx.GetContext(ctx, &w.Balance, `SELECT COALESCE(sum(amount), 0) FROM wallet_entries WHERE user_id = $1`, userID); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &w.Entries, `
			SELECT id, kind, minutes, amount, currency, source, draws_from, expires_at, created_at, actor_id, reason
			FROM wallet_entries WHERE user_id = $1 ORDER BY id DESC LIMIT $2`, userID, walletEntriesShown)
	})
	return w, err
}

// AdjustTime is a staff adjustment of a member's time bank, with a reason,
// audited. Time added may expire; time taken away is drawn oldest-expiring
// first and never takes the bank below zero.
func (s *Store) AdjustTime(ctx context.Context, userID int64, minutes int, expiresAt *time.Time, reason string, actorID int64) error {
	now := s.Now()
	reason = strings.TrimSpace(reason)
	switch {
	case minutes == 0:
		return newError(KindInvalid, "an adjustment adds or takes away some time")
	case reason == "" || len(reason) > 500:
		return newError(KindInvalid, "an adjustment needs a reason (up to 500 characters)")
	case expiresAt != nil && (minutes < 0 || !expiresAt.After(now)):
		return newError(KindInvalid, "only time added expires, and later than now")
	}
	source := fmt.Sprintf("adjustment by user:%d", actorID)
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockWallet(ctx, tx, userID); err != nil {
			return err
		}
		if minutes > 0 {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO wallet_entries (user_id, kind, minutes, source, expires_at, created_at, actor_id, reason)
				VALUES ($1, 'adjustment', $2, $3, $4, $5, NULLIF($6, 0), $7)`, userID, minutes, source, expiresAt, now, actorID, reason); err != nil {
				return err
			}
		} else {
			credits, err := timeLeft(ctx, tx, userID, now)
			if err != nil {
				return err
			}
			if left := sumLeft(credits); left < -minutes {
				return NewRefusal(KindConflict, fmt.Sprintf("The time bank has %s left: an adjustment cannot take it below zero.", bankMinutes(left)))
			}
			if err := drawTime(ctx, tx, credits, -minutes, walletDraw{UserID: userID, Kind: WalletAdjustment, Source: source,
				ActorID: actorID, Reason: reason, At: now}); err != nil {
				return err
			}
		}
		return audit(ctx, tx, now, actorID, "wallet.adjust", fmt.Sprintf("user:%d", userID),
			map[string]any{"minutes": minutes, "expires_at": expiresAt, "reason": reason})
	})
}

// lockWallet takes the member's row lock, which every change to their
// wallet holds, so concurrent draws see each other's. NO KEY UPDATE: the
// member's RSVPs, whose foreign keys share the row, still go through.
func lockWallet(ctx context.Context, tx *sqlx.Tx, userID int64) error {
	var id int64
	err := tx.GetContext(ctx, &id, `SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// credit is an entry that added time, with what is left on it.
type credit struct {
	ID   int64 `db:"id"`
	Left int   `db:"left_minutes"`
}

// timeLeft lists the member's entries with time left unexpired at `at`, in
// the order time is drawn: oldest-expiring first, then never-expiring, each
// by age.
func timeLeft(ctx context.Context, q sqlx.QueryerContext, userID int64, at time.Time) ([]credit, error) {
	var cs []credit
	err := sqlx.SelectContext(ctx, q, &cs, `
		SELECT id, left_minutes FROM (
			SELECT e.id, e.expires_at,
			       e.minutes + COALESCE((SELECT sum(d.minutes) FROM wallet_entries d WHERE d.draws_from = e.id), 0) AS left_minutes
			FROM wallet_entries e
			WHERE e.user_id = $1 AND e.minutes > 0 AND (e.expires_at IS NULL OR e.expires_at > $2)
		) c WHERE left_minutes > 0
		ORDER BY expires_at NULLS LAST, id`, userID, at)
	return cs, err
}

func sumLeft(cs []credit) int {
	n := 0
	for _, c := range cs {
		n += c.Left
	}
	return n
}

// walletDraw says who takes time from a bank, and why.
type walletDraw struct {
	UserID  int64
	Kind    string
	Source  string
	ActorID int64
	Reason  string
	At      time.Time
}

// drawTime takes minutes from the credits in their order, one negative
// entry per credit drawn on. The caller holds the wallet's lock and has
// checked the credits hold enough.
func drawTime(ctx context.Context, tx *sqlx.Tx, credits []credit, minutes int, d walletDraw) error {
	for _, c := range credits {
		if minutes == 0 {
			break
		}
		take := min(c.Left, minutes)
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO wallet_entries (user_id, kind, minutes, source, draws_from, created_at, actor_id, reason)
			VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, 0), NULLIF($8, ''))`,
			d.UserID, d.Kind, -take, d.Source, c.ID, d.At, d.ActorID, d.Reason); err != nil {
			return err
		}
		minutes -= take
	}
	if minutes > 0 {
		return fmt.Errorf("drawing %d minutes more than the time bank holds", minutes)
	}
	return nil
}

// drawForStay lets a ticket holder's time bank pay for a closing stay: the
// minutes it covers (at most what is left, at most the stay's billed
// minutes) are the first of the stay, drawn oldest-expiring first, and
// only the rest is charged: the bill of the whole stay less the bill of its
// covered minutes, both by the stay's own pricing (no second minimum). It
// returns the bill to charge and what the bank covered. The caller holds
// the visit's lock; this takes the member's.
func drawForStay(ctx context.Context, tx *sqlx.Tx, v Visit, p Pricing, b Bill, at time.Time) (Bill, int, int64, error) {
	if v.RSVPID == nil || b.Minutes == 0 || b.Amount == 0 {
		return b, 0, 0, nil
	}
	// Most guests never kept time: one indexed look, no lock, on the door's
	// exit. A guest who did is locked (NO KEY UPDATE: their RSVPs' foreign
	// keys still pass), so their stays closing at once take turns at the
	// bank, and what is left is read under the lock.
	var holder struct {
		UserID int64 `db:"user_id"`
		Kept   bool  `db:"kept"`
	}
	if err := tx.GetContext(ctx, &holder, `
		SELECT r.user_id, EXISTS (SELECT 1 FROM wallet_entries e WHERE e.user_id = r.user_id) AS kept
		FROM rsvps r WHERE r.id = $1`, *v.RSVPID); err != nil || !holder.Kept {
		return b, 0, 0, err
	}
	userID := holder.UserID
	if err := lockWallet(ctx, tx, userID); err != nil {
		return b, 0, 0, err
	}
	credits, err := timeLeft(ctx, tx, userID, at)
	if err != nil {
		return b, 0, 0, err
	}
	covered := min(sumLeft(credits), b.Minutes)
	if covered == 0 {
		return b, 0, 0, nil
	}
	coveredOut := at
	if covered < b.Minutes {
		coveredOut = minTime(v.CheckedInAt.Add(time.Duration(covered)*time.Minute), at)
	}
	cb, err := p.BillAt(v, coveredOut)
	if err != nil {
		return b, 0, 0, err
	}
	value := min(cb.Amount, b.Amount)
	if value <= 0 { // the covered minutes cost nothing (grace): keep the time
		return b, 0, 0, nil
	}
	if err := drawTime(ctx, tx, credits, covered, walletDraw{UserID: userID, Kind: WalletStay, Source: fmt.Sprintf("visit:%d", v.ID), At: at}); err != nil {
		return b, 0, 0, err
	}
	e := *b.Explained
	e.Lines = append(append([]tariff.Line(nil), e.Lines...),
		tariff.Line{Kind: LineTimeBank, Label: bankMinutes(covered) + " from your time bank", Minutes: covered, Amount: -value})
	e.Total -= value
	b.Explained, b.Amount, b.Night = &e, b.Amount-value, b.Night-value
	return b, covered, value, nil
}

// bankMinutes says a number of minutes as people read it: "2 h", "1 h 30 min", "45 min".
func bankMinutes(m int) string {
	switch h, r := m/60, m%60; {
	case h == 0:
		return fmt.Sprintf("%d min", r)
	case r == 0:
		return fmt.Sprintf("%d h", h)
	default:
		return fmt.Sprintf("%d h %d min", h, r)
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
