package models

import (
	"context"
	"database/sql"
	"time"

	"github.com/lib/pq"
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

// Reports returns a report per night that started in [from, to), latest
// first, at most limit.
func (s *Store) Reports(ctx context.Context, from, to time.Time, limit int) ([]NightReport, error) {
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
		WHERE e.starts_at >= $1 AND e.starts_at < $2 AND e.status <> 'draft'
		ORDER BY e.starts_at DESC LIMIT $3`, from, to, limit)
	return rs, err
}

// NightVisit is one stay of a night, as its report lists it.
type NightVisit struct {
	ID           int64      `db:"id"`
	Guest        string     `db:"guest"`
	WalkIn       bool       `db:"walk_in"`
	CheckedInAt  time.Time  `db:"checked_in_at"`
	CheckedOutAt *time.Time `db:"checked_out_at"`
	Minutes      int        `db:"minutes"`
	Amount       int64      `db:"amount"`
	Method       *string    `db:"method"` // the live payment's, if any
	Unpaid       bool       `db:"unpaid"` // closed, billed, and no live payment
	NeedsReview  bool       `db:"needs_review"`
}

// NightVisits lists a night's stays, in the order guests came.
func (s *Store) NightVisits(ctx context.Context, eventID int64) ([]NightVisit, error) {
	var vs []NightVisit
	err := s.DB.SelectContext(ctx, &vs, `
		SELECT v.id, COALESCE(u.name, v.walk_in_name, '') AS guest, v.rsvp_id IS NULL AS walk_in,
		       v.checked_in_at, v.checked_out_at, COALESCE(v.billed_minutes, 0) AS minutes, COALESCE(v.amount, 0) AS amount,
		       (SELECT p.method FROM payments p WHERE p.visit_id = v.id AND p.status IN ('succeeded', 'refunded', 'partially_refunded')
		        ORDER BY p.id DESC LIMIT 1) AS method,
		       (v.checked_out_at IS NOT NULL AND COALESCE(v.amount, 0) > 0 AND NOT EXISTS (
		           SELECT 1 FROM payments p WHERE p.visit_id = v.id AND p.status IN ('succeeded', 'refunded', 'partially_refunded'))) AS unpaid,
		       v.needs_review
		FROM visits v LEFT JOIN rsvps r ON r.id = v.rsvp_id LEFT JOIN users u ON u.id = r.user_id
		WHERE v.event_id = $1 ORDER BY v.checked_in_at, v.id`, eventID)
	return vs, err
}

// Count is a labelled number, one bar of a chart.
type Count struct {
	Key   int   `db:"key"`
	Value int64 `db:"value"`
}

// ReportShape is the shape of a range of nights: when guests arrive, how
// long they stay, and how they pay.
type ReportShape struct {
	// Arrivals per quarter hour from an hour before the start (Key -4) to
	// three hours after (Key 11): entries of ticket holders and walk-ins.
	Arrivals []Count
	// Stays per half hour of length (Key 0: under 30 min, …, Key 6: three
	// hours or more), closed stays only.
	Stays []Count
	// Revenue by payment method, net of refunds (the key is its index in
	// PaymentMethods), in minor units.
	Revenue []Count
}

// PaymentMethods orders the methods of ReportShape.Revenue.
var PaymentMethods = []string{PayCardOnFile, PayByPhone, PayCash, PayTerminal}

// Shape measures the nights that started in [from, to).
func (s *Store) Shape(ctx context.Context, from, to time.Time) (ReportShape, error) {
	var sh ReportShape
	err := s.DB.SelectContext(ctx, &sh.Arrivals, `
		SELECT GREATEST(-4, LEAST(11, floor(extract(epoch FROM v.checked_in_at - e.starts_at) / 900)::integer)) AS key, count(*) AS value
		FROM events e JOIN visits v ON v.event_id = e.id
		WHERE e.starts_at >= $1 AND e.starts_at < $2 AND NOT v.resumed
		GROUP BY 1 ORDER BY 1`, from, to)
	if err != nil {
		return sh, err
	}
	if err := s.DB.SelectContext(ctx, &sh.Stays, `
		SELECT LEAST(6, floor(extract(epoch FROM v.checked_out_at - v.checked_in_at) / 1800)::integer) AS key, count(*) AS value
		FROM events e JOIN visits v ON v.event_id = e.id
		WHERE e.starts_at >= $1 AND e.starts_at < $2 AND v.checked_out_at IS NOT NULL
		GROUP BY 1 ORDER BY 1`, from, to); err != nil {
		return sh, err
	}
	err = s.DB.SelectContext(ctx, &sh.Revenue, `
		SELECT array_position($3::text[], p.method) - 1 AS key, sum(p.amount - p.refunded_amount) AS value
		FROM events e JOIN visits v ON v.event_id = e.id JOIN payments p ON p.visit_id = v.id
		WHERE e.starts_at >= $1 AND e.starts_at < $2 AND p.status IN ('succeeded', 'refunded', 'partially_refunded')
		  AND p.method = ANY ($3::text[])
		GROUP BY 1 ORDER BY 1`, from, to, pq.Array(PaymentMethods))
	return sh, err
}

// Community is how the venue's community is doing over a range of nights.
type Community struct {
	Came     int `db:"came"`     // members who came to a night of the range
	Returned int `db:"returned"` // of them, who came again within ReturnWithin
	// FirstTime counts, per night of the range (by event id), the guests
	// who came for the first time ever.
	FirstTime   map[int64]int
	ActiveHosts int             `db:"active_hosts"` // hosts of a night of the range
	Rating      sql.NullFloat64 `db:"rating"`       // the average rating of its nights
	Ratings     int             `db:"ratings"`
	// NewMembers counts the accounts made each month, the last six months
	// to the range's end, oldest first.
	NewMembers []MonthCount
}

// MonthCount is a number for a month.
type MonthCount struct {
	Month time.Time `db:"month"`
	Count int       `db:"count"`
}

// ReturnWithin is how soon a guest must come again to count as returning.
const ReturnWithin = 60 * 24 * time.Hour

// ReturningRate is the share of the range's guests who came again.
func (c Community) ReturningRate() float64 {
	if c.Came == 0 {
		return 0
	}
	return float64(c.Returned) / float64(c.Came)
}

// CommunityFigures measures the nights that started in [from, to), months
// in loc.
func (s *Store) CommunityFigures(ctx context.Context, from, to time.Time, loc *time.Location) (Community, error) {
	var c Community
	err := s.DB.GetContext(ctx, &c, `
		WITH came AS (
		    SELECT r.user_id, min(v.checked_in_at) AS first_in
		    FROM events e JOIN visits v ON v.event_id = e.id JOIN rsvps r ON r.id = v.rsvp_id
		    WHERE e.starts_at >= $1 AND e.starts_at < $2 GROUP BY r.user_id)
		SELECT (SELECT count(*) FROM came) AS came,
		       (SELECT count(*) FROM came c WHERE EXISTS (
		           SELECT 1 FROM rsvps r2 JOIN visits v2 ON v2.rsvp_id = r2.id JOIN events e2 ON e2.id = v2.event_id
		           WHERE r2.user_id = c.user_id AND e2.starts_at > c.first_in + interval '12 hours'
		             AND v2.checked_in_at <= c.first_in + $3 * interval '1 second')) AS returned,
		       (SELECT count(DISTINCT host_id) FROM events WHERE starts_at >= $1 AND starts_at < $2 AND status = 'published') AS active_hosts,
		       (SELECT avg(f.rating) FROM feedback f JOIN events e ON e.id = f.event_id WHERE e.starts_at >= $1 AND e.starts_at < $2) AS rating,
		       (SELECT count(*) FROM feedback f JOIN events e ON e.id = f.event_id WHERE e.starts_at >= $1 AND e.starts_at < $2) AS ratings`,
		from, to, ReturnWithin.Seconds())
	if err != nil {
		return c, err
	}
	var ids []struct {
		Event int64 `db:"event_id"`
		N     int   `db:"n"`
	}
	if err := s.DB.SelectContext(ctx, &ids, `
		SELECT e.id AS event_id, count(DISTINCT r.user_id) AS n
		FROM events e JOIN visits v ON v.event_id = e.id JOIN rsvps r ON r.id = v.rsvp_id
		WHERE e.starts_at >= $1 AND e.starts_at < $2
		  AND NOT EXISTS (SELECT 1 FROM rsvps r0 JOIN visits v0 ON v0.rsvp_id = r0.id
		                  WHERE r0.user_id = r.user_id AND v0.checked_in_at < e.starts_at - interval '12 hours')
		GROUP BY e.id`, from, to); err != nil {
		return c, err
	}
	c.FirstTime = map[int64]int{}
	for _, r := range ids {
		c.FirstTime[r.Event] = r.N
	}
	y, m, _ := to.In(loc).Date()
	since := time.Date(y, m, 1, 0, 0, 0, 0, loc).AddDate(0, -5, 0)
	err = s.DB.SelectContext(ctx, &c.NewMembers, `
		SELECT m AT TIME ZONE $3 AS month,
		       (SELECT count(*) FROM users u WHERE u.created_at >= m AT TIME ZONE $3 AND u.created_at < (m + interval '1 month') AT TIME ZONE $3) AS count
		FROM generate_series($1::timestamptz AT TIME ZONE $3, $2::timestamptz AT TIME ZONE $3, interval '1 month') AS m -- months of the venue's calendar
		ORDER BY 1`, since, since.AddDate(0, 5, 0), loc.String())
	return c, err
}
