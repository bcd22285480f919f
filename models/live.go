package models

import (
	"context"
	"time"
)

// Inside is a guest in the room now, with what they owe so far.
type Inside struct {
	Visit
	EventTitle string `db:"event_title"`
	HoldFailed bool   `db:"hold_failed"` // the hold at check-in did not go through
	Bill       Bill   `db:"-"`
	Currency   string `db:"-"`
	CapLeft    *int64 `db:"-"` // how much more until the daily cap, when there is one
}

// InsideNow lists everyone inside the venue, longest stay first, each with
// the bill they would get if they left at now.
func (s *Store) InsideNow(ctx context.Context, now time.Time) ([]Inside, error) {
	var rows []Inside
	if err := s.DB.SelectContext(ctx, &rows, `
		SELECT `+visitColumns+`, e.title AS event_title,
		       EXISTS (SELECT 1 FROM payments p WHERE p.visit_id = v.id AND p.is_hold AND p.status = 'failed') AS hold_failed
		FROM visits v JOIN events e ON e.id = v.event_id
		WHERE v.checked_out_at IS NULL
		ORDER BY v.checked_in_at, v.id`); err != nil {
		return nil, err
	}
	tariffs := map[int64]Tariff{}
	currencies := map[int64]string{}
	for i := range rows {
		id := rows[i].EventID
		if _, ok := tariffs[id]; !ok {
			t, c, err := eventTariff(ctx, s.DB, id)
			if err != nil {
				return nil, err
			}
			tariffs[id], currencies[id] = t, c
		}
		rows[i].Bill, rows[i].CapLeft = meter(tariffs[id], rows[i].CheckedInAt, now)
		rows[i].Currency = currencies[id]
	}
	return rows, nil
}

// meter is a running bill: what leaving at now would cost, and how far that
// is from the daily cap.
func meter(t Tariff, in, now time.Time) (Bill, *int64) {
	b := ComputeBill(t, in, now)
	if t.DailyCap == nil {
		return b, nil
	}
	left := max(*t.DailyCap-b.Amount, 0)
	return b, &left
}

// OpenVisitFor returns the holder's open visit for an RSVP, or ErrNotFound,
// with the running bill, for the ticket page.
func (s *Store) OpenVisitFor(ctx context.Context, rsvpID int64, now time.Time) (Inside, error) {
	var in Inside
	v, err := visitWhere(ctx, s.DB, `v.rsvp_id = $1 AND v.checked_out_at IS NULL`, rsvpID)
	if err != nil {
		return in, err
	}
	t, currency, err := eventTariff(ctx, s.DB, v.EventID)
	if err != nil {
		return in, err
	}
	in.Visit, in.Currency = v, currency
	in.Bill, in.CapLeft = meter(t, v.CheckedInAt, now)
	return in, nil
}

// VisitDetail is a visit with everything its receipt shows.
type VisitDetail struct {
	Visit
	Event    Event
	Venue    Venue
	Tariff   Tariff
	Bill     Bill // the final bill when closed, the running one while inside
	Currency string
	Payments []Payment
}

// VisitDetail returns a visit, its event, tariff, bill and payments.
func (s *Store) VisitDetail(ctx context.Context, id int64, now time.Time) (VisitDetail, error) {
	var d VisitDetail
	v, err := s.VisitByID(ctx, id)
	if err != nil {
		return d, err
	}
	d.Visit = v
	if d.Event, err = s.EventByID(ctx, v.EventID); err != nil {
		return d, err
	}
	if d.Venue, err = s.Venue(ctx); err != nil {
		return d, err
	}
	if d.Tariff, d.Currency, err = eventTariff(ctx, s.DB, v.EventID); err != nil {
		return d, err
	}
	if v.CheckedOutAt != nil {
		d.Bill = storedBill(d.Tariff, v)
	} else {
		d.Bill = ComputeBill(d.Tariff, v.CheckedInAt, now)
	}
	d.Payments, err = s.VisitPayments(ctx, id)
	return d, err
}

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

// PastBill is one of a guest's visits with what it cost and how it was paid.
type PastBill struct {
	VisitID       int64      `db:"id"`
	EventTitle    string     `db:"title"`
	CheckedInAt   time.Time  `db:"checked_in_at"`
	CheckedOutAt  *time.Time `db:"checked_out_at"`
	Minutes       *int       `db:"billed_minutes"`
	Amount        *int64     `db:"amount"`
	Currency      string     `db:"currency"`
	PaymentMethod *string    `db:"method"`
	PaymentStatus *string    `db:"status"`
}

// UserBills lists a guest's visits, newest first, with their live payment.
func (s *Store) UserBills(ctx context.Context, userID int64) ([]PastBill, error) {
	var bs []PastBill
	err := s.DB.SelectContext(ctx, &bs, `
		SELECT v.id, e.title, v.checked_in_at, v.checked_out_at, v.billed_minutes, v.amount, ve.currency, p.method, p.status
		FROM visits v
		JOIN rsvps r ON r.id = v.rsvp_id
		JOIN events e ON e.id = v.event_id
		JOIN venues ve ON ve.id = e.venue_id
		LEFT JOIN LATERAL (SELECT method, status FROM payments WHERE visit_id = v.id ORDER BY id DESC LIMIT 1) p ON true
		WHERE r.user_id = $1
		ORDER BY v.checked_in_at DESC LIMIT 100`, userID)
	return bs, err
}

// PaidHow says how the bill was settled, for the guest: "paid by card".
func (b PastBill) PaidHow() string {
	if b.PaymentStatus == nil {
		if b.Amount != nil && *b.Amount == 0 {
			return "free"
		}
		return "not paid yet"
	}
	switch *b.PaymentStatus {
	case PaymentPending, PaymentAuthorized:
		return "payment in progress"
	case PaymentFailed, PaymentCanceled:
		return "payment did not go through"
	case PaymentRefunded:
		return "refunded"
	}
	return map[string]string{PayCardOnFile: "paid by card", PayByPhone: "paid by phone", PayCash: "paid in cash",
		PayTerminal: "paid by card", PayWaived: "waived"}[*b.PaymentMethod]
}
