package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"

	"github.com/clockroom/clockroom/internal/tariff"
)

// Passes bought for a night and the group a stay is priced for: both
// change what the engine charges at check-out, so both are written here,
// checked against the tariff that prices the stay, and audited.

// Why a pass or a group is refused.
var (
	ErrNoSuchPass   = newError(KindInvalid, "the tariff sells no such pass")
	ErrPassBought   = newError(KindConflict, "the pass was bought already")
	ErrVisitClosed  = newError(KindConflict, "the stay is over")
	ErrNeedsReason  = newError(KindInvalid, "a reason is needed")
	ErrNotThisNight = newError(KindNotFound, "no such stay or ticket")
	ErrGroupPass    = newError(KindConflict, "the group's prices do not sell a pass already bought")
)

// PassPurchase is a pass bought for a guest's night: for their ticket
// (RSVPID) or, for a walk-in, their stay (VisitID).
type PassPurchase struct {
	RSVPID, VisitID int64
	Pass            string
	ActorID         int64
}

// BuyPass puts a pass on a guest's bill for the night, bought now, by the
// store's clock. The tariff that prices the stay must sell it: the stay's
// own (frozen at admission) once the guest is inside, else the night's.
// A pass bought mid-stay covers what the meter counted before it; at
// check-out the bill is the cheapest of the meter and every pass.
func (s *Store) BuyPass(ctx context.Context, b PassPurchase) error {
	now := s.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		t, group, visitID, rsvpID, err := passTariff(ctx, tx, b, " FOR UPDATE")
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(t.Sells(group), func(p tariff.Pass) bool { return p.Name == b.Pass }) {
			return ErrNoSuchPass
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO pass_purchases (rsvp_id, visit_id, pass, bought_at, bought_by)
			VALUES (NULLIF($1::bigint, 0), NULLIF($2::bigint, 0), $3, $4, NULLIF($5::bigint, 0))
			ON CONFLICT DO NOTHING`, rsvpID, visitID, b.Pass, now, b.ActorID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrPassBought
		}
		subject := fmt.Sprintf("rsvp:%d", rsvpID)
		if rsvpID == 0 {
			subject = fmt.Sprintf("visit:%d", visitID)
		}
		return audit(ctx, tx, now, b.ActorID, "pass.buy", subject, map[string]string{"pass": b.Pass})
	})
}

// PassOffer is what passes a guest's night can have: those the tariff
// that prices it sells, and those already bought.
type PassOffer struct {
	Passes   []tariff.Pass
	Groups   []string // the groups the tariff prices
	Bought   []tariff.Purchase
	Currency string
}

// Has reports whether the pass of that name was bought.
func (o PassOffer) Has(name string) bool {
	return slices.ContainsFunc(o.Bought, func(p tariff.Purchase) bool { return p.Pass == name })
}

// PassesFor is the pass offer of a ticket holder's night (RSVPID) or a
// walk-in's stay (VisitID).
func (s *Store) PassesFor(ctx context.Context, b PassPurchase) (PassOffer, error) {
	t, group, visitID, rsvpID, err := passTariff(ctx, s.DB, b, "")
	if errors.Is(err, ErrVisitClosed) {
		return PassOffer{}, nil // a stay that is over buys nothing more
	}
	if err != nil {
		return PassOffer{}, err
	}
	o := PassOffer{Passes: t.Sells(group), Currency: t.Currency}
	for _, g := range t.Groups {
		o.Groups = append(o.Groups, g.Name)
	}
	err = s.DB.SelectContext(ctx, &o.Bought, `
		SELECT pass AS "pass", bought_at AS "at" FROM pass_purchases
		WHERE (rsvp_id = NULLIF($1::bigint, 0)) OR (visit_id = NULLIF($2::bigint, 0)) ORDER BY bought_at, id`, rsvpID, visitID)
	return o, err
}

// passTariff is the tariff a purchase is checked against, the group the
// guest is priced for, and where the purchase is kept: a ticket holder's
// RSVP, or a walk-in's visit. With lock, the stay it changes is locked, so
// a check-out prices the pass or refuses it, never misses it: the open
// visit for a ticket holder inside (a check-out locks it too), else the RSVP.
func passTariff(ctx context.Context, q sqlx.QueryerContext, b PassPurchase, lock string) (t *tariff.Tariff, group string, visitID, rsvpID int64, err error) {
	var v Visit
	if b.VisitID != 0 {
		if v, err = visitWhere(ctx, q, `v.id = $1`+lock, b.VisitID); err != nil {
			return nil, "", 0, 0, err
		}
		if v.CheckedOutAt != nil {
			return nil, "", 0, 0, ErrVisitClosed
		}
		if v.RSVPID != nil {
			rsvpID = *v.RSVPID
		} else {
			visitID = v.ID
		}
	} else {
		var eventID int64
		err = sqlx.GetContext(ctx, q, &eventID, `SELECT event_id FROM rsvps WHERE id = $1`+lock, b.RSVPID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, "", 0, 0, ErrNotThisNight
		}
		if err != nil {
			return nil, "", 0, 0, err
		}
		rsvpID = b.RSVPID
		// The night's latest stay fixed its price and group (an open one,
		// locked); before the first, the night's price prices it.
		v, err = visitWhere(ctx, q, `v.rsvp_id = $1 ORDER BY v.checked_out_at IS NULL DESC, v.id DESC LIMIT 1`+lock, b.RSVPID)
		if errors.Is(err, ErrNotFound) {
			p, err := eventPrice(ctx, q, eventID)
			return p.Tariff, "", 0, rsvpID, err
		}
		if err != nil {
			return nil, "", 0, 0, err
		}
	}
	if t, err = tariffOfVisit(ctx, q, v); err != nil {
		return nil, "", 0, 0, err
	}
	if v.PriceGroup != nil && t.HasGroup(*v.PriceGroup) {
		group = *v.PriceGroup
	}
	return t, group, visitID, rsvpID, nil
}

// SetVisitGroup prices an open stay for a group (student, member, ...;
// "" for none): staff choose it from the door or on the visit page, with a
// reason, audited. The tariff must price the group, and sell the passes
// already bought for the night to guests of that group.
func (s *Store) SetVisitGroup(ctx context.Context, visitID int64, group, reason string, actorID int64) error {
	now := s.Now()
	if reason == "" {
		return ErrNeedsReason
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		v, err := visitWhere(ctx, tx, `v.id = $1 FOR UPDATE`, visitID)
		if err != nil {
			return err
		}
		if v.CheckedOutAt != nil {
			return ErrVisitClosed
		}
		t, err := tariffOfVisit(ctx, tx, v)
		if err != nil {
			return err
		}
		if group != "" && !t.HasGroup(group) {
			return ErrNoSuchGroup
		}
		var bought []string
		if err := tx.SelectContext(ctx, &bought, `SELECT pass FROM pass_purchases WHERE visit_id = $1 OR rsvp_id = $2`, v.ID, v.RSVPID); err != nil {
			return err
		}
		for _, name := range bought {
			if !slices.ContainsFunc(t.Sells(group), func(p tariff.Pass) bool { return p.Name == name }) {
				return ErrGroupPass
			}
		}
		// The open stay only: a closed one keeps the bill it was given. The
		// night is one bill, so the group prices all of tonight's time when
		// this stay closes (less what the earlier stays were billed), and a
		// stay after it keeps the group.
		if _, err := tx.ExecContext(ctx, `UPDATE visits SET price_group = NULLIF($2, '') WHERE id = $1`, v.ID, group); err != nil {
			return err
		}
		was := ""
		if v.PriceGroup != nil {
			was = *v.PriceGroup
		}
		return audit(ctx, tx, now, actorID, "visit.group", fmt.Sprintf("visit:%d", v.ID),
			map[string]string{"from": was, "to": group, "reason": reason})
	})
}

// SetUserGroup is the group a guest's stays are priced for unless staff
// choose another at the door ("" for none), audited with a reason.
func (s *Store) SetUserGroup(ctx context.Context, userID int64, group, reason string, actorID int64) error {
	now := s.Now()
	if reason == "" {
		return ErrNeedsReason
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET price_group = NULLIF($2, '') WHERE id = $1`, userID, group)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return audit(ctx, tx, now, actorID, "user.group", fmt.Sprintf("user:%d", userID), map[string]string{"to": group, "reason": reason})
	})
}
