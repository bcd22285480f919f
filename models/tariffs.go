package models

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/clockroom/clockroom/internal/tariff"
)

// A venue keeps named tariffs (Standard, Students, Members...), each save a
// new version; the venue's standard tariff prices new stays. A version is
// never changed once written, so a stay is priced to the end by the version
// it was admitted under.

// TariffVersion is one saved version of a tariff.
type TariffVersion struct {
	ID        int64     `db:"id"`
	Name      string    `db:"name"`
	Version   int       `db:"version"`
	Body      []byte    `db:"body"`
	CreatedAt time.Time `db:"created_at"`
	Retired   bool      `db:"retired"`
	Standard  bool      `db:"standard"` // the venue's standard tariff
	Tariff    *tariff.Tariff
}

// TariffError refuses a tariff that breaks the engine's rules: each
// problem names its field (tariff.FieldError), so a form shows it there.
type TariffError struct{ Problems tariff.Errors }

func (e *TariffError) Error() string { return "tariff refused: " + e.Problems.Error() }

// ErrTariffCurrency refuses a tariff stated in another currency than the venue's.
var ErrTariffCurrency = newError(KindInvalid, "the tariff's currency is not the venue's")

const tariffVersionColumns = `t.id, t.name, t.version, t.body, t.created_at, t.retired,
	COALESCE(t.name = v.tariff_name, false) AS standard`

// Tariffs lists the newest version of each of the venue's tariffs, the
// standard one first, then by name; retired ones too when all is set.
func (s *Store) Tariffs(ctx context.Context, all bool) ([]TariffVersion, error) {
	var ts []TariffVersion
	err := s.DB.SelectContext(ctx, &ts, `
		SELECT DISTINCT ON (t.name) `+tariffVersionColumns+`
		FROM tariffs t JOIN venues v ON v.id = t.venue_id
		WHERE v.id = (SELECT id FROM venues ORDER BY id LIMIT 1)
		ORDER BY t.name, t.version DESC`)
	if err != nil {
		return nil, err
	}
	out := ts[:0]
	for _, t := range ts {
		if t.Retired && !all {
			continue
		}
		if t.Tariff, err = parsedTariff(t.Body); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	// the standard tariff first
	for i := range out {
		if out[i].Standard && i > 0 {
			std := out[i]
			copy(out[1:i+1], out[:i])
			out[0] = std
		}
	}
	return out, nil
}

// TariffByName is the newest version of a tariff, or ErrNotFound.
func (s *Store) TariffByName(ctx context.Context, name string) (TariffVersion, error) {
	var t TariffVersion
	err := s.DB.GetContext(ctx, &t, `
		SELECT `+tariffVersionColumns+`
		FROM tariffs t JOIN venues v ON v.id = t.venue_id
		WHERE v.id = (SELECT id FROM venues ORDER BY id LIMIT 1) AND t.name = $1
		ORDER BY t.version DESC LIMIT 1`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, err
	}
	t.Tariff, err = parsedTariff(t.Body)
	return t, err
}

// SaveTariff writes t as the next version of the tariff of its name (the
// first, for a new name), in the venue's currency. A tariff the engine
// refuses is a *TariffError; one that says nothing new is not written, and
// its newest version is returned.
func (s *Store) SaveTariff(ctx context.Context, t tariff.Tariff, actorID int64) (TariffVersion, error) {
	return s.SaveTariffOver(ctx, t, -1, actorID)
}

// ErrTariffChanged refuses a save made over a version that is no longer
// the newest (or a new tariff whose name was taken meanwhile): someone else
// saved it first, and their changes would be lost.
var ErrTariffChanged = newError(KindConflict, "the tariff was saved by someone else meanwhile")

// SaveTariffOver is SaveTariff for an editor that loaded version base of
// the tariff (0: a new tariff; -1: whatever is newest): it refuses with
// ErrTariffChanged when another save came in between.
func (s *Store) SaveTariffOver(ctx context.Context, t tariff.Tariff, base int, actorID int64) (TariffVersion, error) {
	now := s.Now()
	var saved TariffVersion
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		saved, _, err = saveTariff(ctx, tx, t, base, actorID, now)
		return err
	})
	return saved, err
}

// saveTariff is SaveTariff in the caller's transaction; changed is false
// when the newest version already says the same.
func saveTariff(ctx context.Context, tx *sqlx.Tx, t tariff.Tariff, base int, actorID int64, now time.Time) (saved TariffVersion, changed bool, err error) {
	var venue struct {
		ID       int64  `db:"id"`
		Currency string `db:"currency"`
	}
	// The venue's row is locked so that two saves of one name take turns
	// for the next version number.
	if err := tx.GetContext(ctx, &venue, `SELECT id, currency FROM venues ORDER BY id LIMIT 1 FOR UPDATE`); err != nil {
		return saved, false, err
	}
	switch {
	case t.Currency == "":
		t.Currency = venue.Currency
	case t.Currency != venue.Currency:
		return saved, false, ErrTariffCurrency
	}
	if err := t.Validate(); err != nil {
		var problems tariff.Errors
		if errors.As(err, &problems) {
			return saved, false, &TariffError{Problems: problems}
		}
		return saved, false, err
	}
	var last struct {
		Version int    `db:"version"`
		Body    []byte `db:"body"`
	}
	err = tx.GetContext(ctx, &last, `SELECT version, body FROM tariffs WHERE venue_id = $1 AND name = $2 ORDER BY version DESC LIMIT 1`, venue.ID, t.Name)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return saved, false, err
	}
	if base >= 0 && last.Version != base {
		return saved, false, ErrTariffChanged
	}
	t.Version = last.Version + 1
	body, err := json.Marshal(t)
	if err != nil {
		return saved, false, err
	}
	if last.Version > 0 && sameTariff(last.Body, body, last.Version) {
		err = tx.GetContext(ctx, &saved, `SELECT `+tariffVersionColumns+` FROM tariffs t JOIN venues v ON v.id = t.venue_id
			WHERE t.venue_id = $1 AND t.name = $2 AND t.version = $3`, venue.ID, t.Name, last.Version)
		if err == nil {
			saved.Tariff, err = parsedTariff(saved.Body)
		}
		return saved, false, err
	}
	err = tx.GetContext(ctx, &saved, `
		WITH t AS (
			INSERT INTO tariffs (venue_id, name, version, body, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0)) RETURNING *)
		SELECT `+tariffVersionColumns+` FROM t JOIN venues v ON v.id = t.venue_id`,
		venue.ID, t.Name, t.Version, string(body), now, actorID)
	if err != nil {
		return saved, false, err
	}
	if saved.Tariff, err = parsedTariff(saved.Body); err != nil {
		return saved, false, err
	}
	return saved, true, audit(ctx, tx, now, actorID, "tariff.save", fmt.Sprintf("tariff:%d", saved.ID),
		map[string]any{"name": t.Name, "version": t.Version})
}

// sameTariff reports whether a stored version (at version) says what body
// (the next version) says, but for its number.
func sameTariff(stored, body []byte, version int) bool {
	var a, b tariff.Tariff
	if json.Unmarshal(stored, &a) != nil || json.Unmarshal(body, &b) != nil {
		return false
	}
	a.Version, b.Version = 0, 0
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// SetStandardTariff makes the named tariff the venue's standard one: its
// newest version prices stays admitted from now on ("" goes back to the
// venue's simple price).
func (s *Store) SetStandardTariff(ctx context.Context, name string, actorID int64) error {
	now := s.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockVenue(ctx, tx); err != nil { // against a retirement at once
			return err
		}
		if name != "" {
			var retired bool
			err := tx.GetContext(ctx, &retired, `SELECT retired FROM tariffs WHERE name = $1 ORDER BY version DESC LIMIT 1`, name)
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			if err != nil {
				return err
			}
			if retired {
				return ErrTariffRetired
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE venues SET tariff_name = NULLIF($1, '') WHERE id = (SELECT id FROM venues ORDER BY id LIMIT 1)`, name); err != nil {
			return err
		}
		return audit(ctx, tx, now, actorID, "tariff.standard", "venue", map[string]string{"name": name})
	})
}

// ErrTariffRetired refuses to make a retired tariff the standard one, or
// to retire the standard one.
var ErrTariffRetired = newError(KindConflict, "the tariff is retired")

// RetireTariff stops offering a tariff (on = false offers it again). Stays
// admitted under it keep it. The standard tariff cannot be retired.
func (s *Store) RetireTariff(ctx context.Context, name string, on bool, actorID int64) error {
	now := s.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockVenue(ctx, tx); err != nil { // against a change of standard at once
			return err
		}
		var standard bool
		if err := tx.GetContext(ctx, &standard, `SELECT COALESCE(tariff_name = $1, false) FROM venues ORDER BY id LIMIT 1`, name); err != nil {
			return err
		}
		if standard && on {
			return ErrTariffRetired
		}
		res, err := tx.ExecContext(ctx, `UPDATE tariffs SET retired = $2 WHERE name = $1`, name, on)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return audit(ctx, tx, now, actorID, "tariff.retire", "tariff:"+name, map[string]bool{"retired": on})
	})
}

// ExportTariffs writes the venue's tariffs (newest versions, retired ones
// left out) as the engine's documented file, for version control.
func (s *Store) ExportTariffs(ctx context.Context) ([]byte, error) {
	ts, err := s.Tariffs(ctx, false)
	if err != nil {
		return nil, err
	}
	list := make([]tariff.Tariff, len(ts))
	for i, t := range ts {
		list[i] = *t.Tariff
	}
	return tariff.Marshal(list...)
}

// ImportTariffs reads a tariffs file and saves each tariff in it as a new
// version, in one transaction: all of them or, when one is refused, none.
// It returns how many changed. A file that cannot be read is
// tariff.ErrFormat (wrapped); a refused tariff a *TariffError naming it.
func (s *Store) ImportTariffs(ctx context.Context, data []byte, actorID int64) (int, error) {
	now := s.Now()
	list, err := tariff.Unmarshal(data)
	if err != nil {
		return 0, err
	}
	changed := 0
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, t := range list {
			_, ch, err := saveTariff(ctx, tx, t, -1, actorID, now)
			var te *TariffError
			if errors.As(err, &te) {
				for i := range te.Problems {
					te.Problems[i].Field = t.Name + ": " + te.Problems[i].Field
				}
			}
			if err != nil {
				return err
			}
			if ch {
				changed++
			}
		}
		return nil
	})
	return changed, err
}

// QuoteStay prices a stay that has not happened, from arrive to leave, by
// the named tariff (the standard one when name is "", or the venue's simple
// price when no tariff is standard), for a group: what the counter answers "what would two hours cost?"
// and the tariff editor's calculator shows. It is the same engine and
// explanation as a real check-out.
func (s *Store) QuoteStay(ctx context.Context, name, group string, arrive, leave time.Time) (tariff.Bill, error) {
	var t *tariff.Tariff
	if name == "" {
		var standard *string
		if err := s.DB.GetContext(ctx, &standard, `SELECT tariff_name FROM venues ORDER BY id LIMIT 1`); err != nil {
			return tariff.Bill{}, err
		}
		if standard != nil {
			name = *standard
		}
	}
	loc, err := venueLocation(ctx, s.DB)
	if err != nil {
		return tariff.Bill{}, err
	}
	if name == "" { // the venue's simple price
		v, err := s.Venue(ctx)
		if err != nil {
			return tariff.Bill{}, err
		}
		ft := tariff.FromSimple("Standard", tariff.Simple(v.Tariff))
		ft.Currency = v.Currency
		t = &ft
	} else {
		tv, err := s.TariffByName(ctx, name)
		if err != nil {
			return tariff.Bill{}, err
		}
		t = tv.Tariff
	}
	b, err := t.Price(tariff.Stay{Intervals: []tariff.Interval{{In: arrive, Out: leave}}, Location: loc, Group: group})
	if errors.Is(err, tariff.ErrUnknownGroup) {
		return b, ErrNoSuchGroup
	}
	return b, err
}

// ErrNoSuchGroup refuses a group the tariff does not price.
var ErrNoSuchGroup = newError(KindInvalid, "the tariff has no such group")

// PriceGroups lists the groups the standard tariff prices (students,
// members...): the groups a guest's usual group can be, since that tariff
// prices new stays. None when no tariff is standard.
func (s *Store) PriceGroups(ctx context.Context) ([]string, error) {
	ts, err := s.Tariffs(ctx, false)
	if err != nil {
		return nil, err
	}
	var groups []string
	for _, t := range ts {
		if t.Standard {
			for _, g := range t.Tariff.Groups {
				groups = append(groups, g.Name)
			}
		}
	}
	return groups, nil
}

// lockVenue takes the venue's row lock, so that changes to which tariff is
// standard and which are offered take turns.
func lockVenue(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT id FROM venues ORDER BY id LIMIT 1 FOR UPDATE`)
	return err
}
