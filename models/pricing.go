package models

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/clockroom/clockroom/internal/tariff"
)

// A stay is priced in one place: by the tariff engine (internal/tariff),
// under the tariff the stay was admitted with, for the guest's group, with
// the guest's other visits of the night and the passes bought for it. The
// door, the live page, the ticket, the visit page, receipts and reports all
// take their figures from here (priceOf and Pricing.BillAt) or from what
// it stored when the stay closed.

// Pricing is everything a stay's price depends on besides its own times.
type Pricing struct {
	Tariff    *tariff.Tariff
	Location  *time.Location
	Group     string
	Earlier   []tariff.Interval // the guest's closed visits of the night, before this one
	Purchases []tariff.Purchase
}

// BillAt is the stay's bill if it ends at out: the night's bill, all its
// visits priced together and explained line by line, less what the night's
// earlier stays were billed (kept with the stay when it began). So what a
// guest is billed over a night always adds up to the night's bill; when
// the night comes to less than was billed already (a pass bought later
// covers the earlier time too), the stay owes nothing and the difference is
// its Credit.
func (p Pricing) BillAt(v Visit, out time.Time) (Bill, error) {
	out = out.Truncate(time.Microsecond)
	ivs := append(append(make([]tariff.Interval, 0, len(p.Earlier)+1), p.Earlier...), tariff.Interval{In: v.CheckedInAt, Out: out})
	night, err := p.Tariff.Price(tariff.Stay{Intervals: ivs, Location: p.Location, Group: p.Group, Purchases: p.Purchases})
	if err != nil {
		return Bill{}, fmt.Errorf("pricing visit %d: %w", v.ID, err)
	}
	return Bill{
		Minutes: max(night.Minutes-v.EarlierMinutes, 0), Amount: max(night.Total-v.EarlierAmount, 0),
		Duration: max(out.Sub(v.CheckedInAt.Truncate(time.Microsecond)), 0),
		Night:    night.Total, Credit: max(v.EarlierAmount-night.Total, 0), Explained: &night, Applied: appliedOf(night),
	}, nil
}

// Quote is the live quote of an open stay at now: what it costs so far, the
// next change of price, and a pass that would save money.
func (p Pricing) Quote(v Visit, now time.Time) (tariff.Quote, error) {
	ivs := append(append(make([]tariff.Interval, 0, len(p.Earlier)+1), p.Earlier...), tariff.Interval{In: v.CheckedInAt, Out: now})
	return p.Tariff.Quote(tariff.Stay{Intervals: ivs, Location: p.Location, Group: p.Group, Purchases: p.Purchases}, now)
}

// appliedOf names the rule that set a bill, for the short notes beside an
// amount ("(daily cap)"): grace, the minimum or a cap.
func appliedOf(b tariff.Bill) string {
	applied := ""
	for _, l := range b.Lines {
		switch l.Kind {
		case tariff.LineGrace:
			return AppliedGrace
		case tariff.LineMinimum:
			applied = AppliedMinimum
		case tariff.LineCap:
			if applied == "" {
				applied = AppliedCap
			}
		}
	}
	return applied
}

// priceOf loads what prices visit v: its frozen tariff (a version of the
// venue's, or the simple price it was admitted under), the venue's zone,
// the night's other closed visits of the same guest and the passes bought
// for the night.
func priceOf(ctx context.Context, q sqlx.QueryerContext, v Visit) (Pricing, error) {
	ps, err := pricesOf(ctx, q, []Visit{v})
	if err != nil {
		return Pricing{}, err
	}
	return ps[0], nil
}

// pricesOf is priceOf for many visits, in one query whatever their number
// (a check-out's transaction asks the database once more, not four times).
func pricesOf(ctx context.Context, q sqlx.QueryerContext, vs []Visit) ([]Pricing, error) {
	ps := make([]Pricing, len(vs))
	if len(vs) == 0 {
		return ps, nil
	}
	ids := make([]int64, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	var rows []struct {
		ID      int64  `db:"id"`
		Zone    string `db:"zone"`
		Body    []byte `db:"body"`
		Bought  []byte `db:"bought"`
		Earlier []byte `db:"earlier"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT v.id, (SELECT time_zone FROM venues ORDER BY id LIMIT 1) AS zone,
		       (SELECT t.body FROM tariffs t WHERE t.id = v.tariff_id) AS body,
		       (SELECT COALESCE(json_agg(json_build_object('Pass', p.pass, 'At', p.bought_at) ORDER BY p.bought_at, p.id), '[]')
		        FROM pass_purchases p WHERE p.visit_id = v.id OR p.rsvp_id = v.rsvp_id) AS bought,
		       CASE WHEN v.resumed THEN
		         (SELECT COALESCE(json_agg(json_build_object('In', o.checked_in_at, 'Out', o.checked_out_at) ORDER BY o.checked_in_at), '[]')
		          FROM visits o WHERE o.rsvp_id = v.rsvp_id AND o.id <> v.id AND o.checked_out_at IS NOT NULL AND o.checked_in_at <= v.checked_in_at)
		       ELSE '[]' END AS earlier
		FROM visits v WHERE v.id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, err
	}
	byID := make(map[int64]int, len(rows))
	for i, r := range rows {
		byID[r.ID] = i
	}
	for i, v := range vs {
		k, ok := byID[v.ID]
		if !ok {
			return nil, fmt.Errorf("pricing visit %d: %w", v.ID, ErrNotFound)
		}
		r, p := rows[k], &ps[i]
		p.Location = Venue{TimeZone: r.Zone}.Location()
		var err error
		if v.TariffID != nil {
			p.Tariff, err = parsedTariff(r.Body)
		} else {
			p.Tariff, err = tariffOfVisit(ctx, q, v)
		}
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(r.Earlier, &p.Earlier); err != nil {
			return nil, err
		}
		// A guest's usual group prices them only where the tariff has it,
		// and a pass bought counts where the tariff that prices the stay
		// sells it (a pass bought for a night whose price has no such pass,
		// or for a group with a tariff of its own, is left out, never an
		// error that would stop the stay being priced).
		if g := v.PriceGroup; g != nil && p.Tariff.HasGroup(*g) {
			p.Group = *g
		}
		var bought []tariff.Purchase
		if err := json.Unmarshal(r.Bought, &bought); err != nil {
			return nil, err
		}
		sells := p.Tariff.Sells(p.Group)
		for _, b := range bought {
			if slices.ContainsFunc(sells, func(ps tariff.Pass) bool { return ps.Name == b.Pass }) {
				p.Purchases = append(p.Purchases, b)
			}
		}
	}
	return ps, nil
}

// tariffOfVisit is the tariff a visit was admitted under.
func tariffOfVisit(ctx context.Context, q sqlx.QueryerContext, v Visit) (*tariff.Tariff, error) {
	if v.TariffID == nil {
		t := tariff.FromSimple("Standard", tariff.Simple(v.Tariff))
		t.Currency = v.Currency
		return &t, nil
	}
	return tariffVersion(ctx, q, *v.TariffID)
}

// tariffVersion reads one version of a tariff, by id. A version never
// changes once written (the tariffs_frozen trigger); its parsed form is
// kept by its text, so each is parsed once whichever database it is read
// from.
func tariffVersion(ctx context.Context, q sqlx.QueryerContext, id int64) (*tariff.Tariff, error) {
	var body []byte
	if err := sqlx.GetContext(ctx, q, &body, `SELECT body FROM tariffs WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("tariff %d: %w", id, err)
	}
	return parsedTariff(body)
}

var (
	parsedMu      sync.Mutex
	parsedTariffs = map[string]*tariff.Tariff{}
)

// parsedTariff is a tariff's body read into the engine's terms, kept for
// the next stay priced by the same version (never changed: treat as read-only).
func parsedTariff(body []byte) (*tariff.Tariff, error) {
	parsedMu.Lock()
	defer parsedMu.Unlock()
	if t, ok := parsedTariffs[string(body)]; ok {
		return t, nil
	}
	var t tariff.Tariff
	if err := json.Unmarshal(body, &t); err != nil {
		return nil, fmt.Errorf("reading a stored tariff: %w", err)
	}
	if len(parsedTariffs) >= 1000 { // a venue has a few; tests make many
		clear(parsedTariffs)
	}
	parsedTariffs[string(body)] = &t
	return &t, nil
}

// venueLocation is the venue's time zone.
func venueLocation(ctx context.Context, q sqlx.QueryerContext) (*time.Location, error) {
	var tz string
	if err := sqlx.GetContext(ctx, q, &tz, `SELECT time_zone FROM venues ORDER BY id LIMIT 1`); err != nil {
		return nil, err
	}
	return Venue{TimeZone: tz}.Location(), nil
}
