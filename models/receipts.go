package models

import (
	"context"
	"time"
)

// VisitDetail is a visit with everything its receipt shows.
type VisitDetail struct {
	Visit
	Event    Event
	Venue    Venue
	Tariff   Tariff
	Bill     Bill // the final bill when closed, the running one while inside, in the visit's Currency
	Payments []Payment
}

// VisitDetail returns a visit, its event, tariff, bill and payments.
func (s *Store) VisitDetail(ctx context.Context, id int64) (VisitDetail, error) {
	now := s.Now()
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
	d.Tariff = v.Tariff // the price the stay was admitted under
	if v.CheckedOutAt != nil {
		d.Bill = storedBill(v)
	} else {
		p, err := priceOf(ctx, s.DB, v)
		if err != nil {
			return d, err
		}
		if d.Bill, err = p.BillAt(v, now); err != nil {
			return d, err
		}
	}
	d.Payments, err = s.VisitPayments(ctx, id)
	return d, err
}

// PastBill is one of a guest's visits with what it cost and how it was paid.
type PastBill struct {
	VisitID       int64          `db:"id"`
	EventTitle    string         `db:"title"`
	CheckedInAt   time.Time      `db:"checked_in_at"`
	CheckedOutAt  *time.Time     `db:"checked_out_at"`
	Minutes       *int           `db:"billed_minutes"`
	Amount        *int64         `db:"amount"`
	Currency      string         `db:"currency"`
	PaymentMethod *string        `db:"method"`
	PaymentStatus *PaymentStatus `db:"status"`
}

// UserBills lists a guest's visits, newest first, with their live payment.
func (s *Store) UserBills(ctx context.Context, userID int64) ([]PastBill, error) {
	var bs []PastBill
	err := s.DB.SelectContext(ctx, &bs, `
		SELECT v.id, e.title, v.checked_in_at, v.checked_out_at, v.billed_minutes, v.amount, v.currency, p.method, p.status
		FROM visits v
		JOIN rsvps r ON r.id = v.rsvp_id
		JOIN events e ON e.id = v.event_id
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
