package models

import (
	"context"
	"time"
)

// NightReport is one night's numbers for staff.
type NightReport struct {
	EventID       int64     `db:"event_id"`
	Title         string    `db:"title"`
	StartsAt      time.Time `db:"starts_at"`
	Currency      string    `db:"currency"`
	RSVPs         int       `db:"rsvps"` // confirmed RSVPs
	Attended      int       `db:"attended"`
	NoShows       int       `db:"no_shows"`
	WalkIns       int       `db:"walk_ins"`
	Minutes       int64     `db:"minutes"`
	AverageStay   float64   `db:"average_stay"` // minutes, over closed visits
	Card          int64     `db:"card"`         // card on file and pay by phone, net of refunds
	Cash          int64     `db:"cash"`
	Terminal      int64     `db:"terminal"`
	Waived        int64     `db:"waived"`
	Refunds       int64     `db:"refunds"`
	Outstanding   int64     `db:"outstanding"` // billed on closed visits with no live payment
	NeedingReview int       `db:"needing_review"`
}

// Revenue is what the night took, net of refunds.
func (r NightReport) Revenue() int64 { return r.Card + r.Cash + r.Terminal }

// Reports returns a report per night that started before now, latest first.
func (s *Store) Reports(ctx context.Context, now time.Time, limit int) ([]NightReport, error) {
	var rs []NightReport
	err := s.DB.SelectContext(ctx, &rs, `
		WITH paid AS (
		    SELECT v.event_id, p.method, p.amount, p.refunded_amount, p.status
		    FROM payments p JOIN visits v ON v.id = p.visit_id
		    WHERE p.status IN ('succeeded', 'refunded', 'partially_refunded')
		)
		SELECT e.id AS event_id, e.title, e.starts_at, ve.currency,
		       e.confirmed_count AS rsvps,
		       (SELECT count(DISTINCT v.rsvp_id) FROM visits v WHERE v.event_id = e.id AND v.rsvp_id IS NOT NULL) AS attended,
		       (SELECT count(*) FROM rsvps r WHERE r.event_id = e.id AND r.status = 'confirmed'
		          AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.rsvp_id = r.id)) AS no_shows,
		       (SELECT count(*) FROM visits v WHERE v.event_id = e.id AND v.rsvp_id IS NULL) AS walk_ins,
		       COALESCE((SELECT sum(v.billed_minutes) FROM visits v WHERE v.event_id = e.id), 0) AS minutes,
		       COALESCE((SELECT avg(extract(epoch FROM v.checked_out_at - v.checked_in_at) / 60) FROM visits v
		                 WHERE v.event_id = e.id AND v.checked_out_at IS NOT NULL), 0) AS average_stay,
		       COALESCE((SELECT sum(amount - refunded_amount) FROM paid WHERE paid.event_id = e.id AND method IN ('card_on_file', 'pay_by_phone')), 0) AS card,
		       COALESCE((SELECT sum(amount - refunded_amount) FROM paid WHERE paid.event_id = e.id AND method = 'cash'), 0) AS cash,
		       COALESCE((SELECT sum(amount - refunded_amount) FROM paid WHERE paid.event_id = e.id AND method = 'terminal'), 0) AS terminal,
		       COALESCE((SELECT sum(amount) FROM paid WHERE paid.event_id = e.id AND method = 'waived'), 0) AS waived,
		       COALESCE((SELECT sum(refunded_amount) FROM paid WHERE paid.event_id = e.id), 0) AS refunds,
		       COALESCE((SELECT sum(v.amount) FROM visits v WHERE v.event_id = e.id AND v.checked_out_at IS NOT NULL AND v.amount > 0
		                   AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.visit_id = v.id AND p.status IN ('succeeded', 'refunded', 'partially_refunded'))), 0) AS outstanding,
		       (SELECT count(*) FROM visits v WHERE v.event_id = e.id AND v.needs_review) AS needing_review
		FROM events e JOIN venues ve ON ve.id = e.venue_id
		WHERE e.starts_at <= $1 AND e.status <> 'draft'
		ORDER BY e.starts_at DESC LIMIT $2`, now, limit)
	return rs, err
}
