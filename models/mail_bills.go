package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/clockroom/clockroom/internal/tariff"
)

// Message kinds about money.
const (
	MsgBillDue = "bill_due"       // a guest left with a bill to pay
	MsgReceipt = "receipt"        // a payment went through
	MsgRefund  = "refund_receipt" // money was handed back
)

// billFacts is what a bill's emails say, read in the caller's transaction.
type billFacts struct {
	Visit
	Email    string `db:"email"`
	TicketID []byte `db:"ticket_id"`
	Title    string `db:"title"`
	Venue    string `db:"venue"`
}

// billFactsOf reads a closed visit's facts; ok is false when there is
// nobody to write to (a walk-in who left no email) or it is not closed.
func billFactsOf(ctx context.Context, tx sqlx.QueryerContext, visitID int64) (billFacts, bool, error) {
	var f billFacts
	err := sqlx.GetContext(ctx, tx, &f, `
		SELECT `+visitColumns+`, COALESCE(u.email, v.walk_in_email, '') AS email,
		       r.ticket_id, e.title, ve.name AS venue
		FROM visits v
		JOIN events e ON e.id = v.event_id
		JOIN venues ve ON ve.id = e.venue_id
		LEFT JOIN rsvps r ON r.id = v.rsvp_id
		LEFT JOIN users u ON u.id = r.user_id
		WHERE v.id = $1`, visitID)
	return f, err == nil && f.Email != "" && f.CheckedOutAt != nil && f.Amount != nil, err
}

// stay says the stay and its bill in words: "Thu 3 Dec, 18:02–19:47, 105
// minutes: £8.40 (the daily cap)".
func (s *Store) stay(ctx context.Context, tx sqlx.QueryerContext, f billFacts) string {
	b := storedBill(f.Visit)
	loc := s.loc(ctx, tx)
	rule := map[string]string{AppliedGrace: " (free: a stay within the grace period)", AppliedMinimum: " (the minimum charge)", AppliedCap: " (the daily cap)"}[b.Applied]
	return fmt.Sprintf("%s–%s, %d minutes: %s%s", f.CheckedInAt.In(loc).Format("Mon 2 Jan, 15:04"), f.CheckedOutAt.In(loc).Format("15:04"),
		b.Minutes, FormatMoney(*f.Amount, f.Currency), rule)
}

// stayLines writes a kept bill's lines for an email, a line each, then the
// total (the night's, with what this stay adds when the guest was in
// earlier that night); "" for a bill kept before the engine kept its lines.
func stayLines(f billFacts) string {
	b := storedBill(f.Visit)
	if b.Explained == nil || len(b.Explained.Lines) == 0 {
		return ""
	}
	fm, err := tariff.NewFormatter(f.Currency, "en")
	if err != nil {
		return ""
	}
	var sb strings.Builder
	for _, l := range b.Explained.Lines {
		sb.WriteString("  " + fm.Line(l) + "\n")
	}
	if b.Night != b.Amount {
		sb.WriteString("  Total tonight " + fm.Money(b.Night) + " · this stay " + fm.Money(b.Amount) + "\n")
	} else {
		sb.WriteString("  Total " + fm.Money(b.Night) + "\n")
	}
	return sb.String()
}

// mailBillDue tells a guest who left without paying what they owe and where
// to pay it (their ticket's Pay now), once per visit.
func (s *Store) mailBillDue(ctx context.Context, tx *sqlx.Tx, now time.Time, visitID int64) error {
	f, ok, err := billFactsOf(ctx, tx, visitID)
	if err != nil || !ok || f.TicketID == nil || *f.Amount == 0 {
		return err
	}
	stay := s.stay(ctx, tx, f)
	if lines := stayLines(f); lines != "" {
		stay += "\n\n" + strings.TrimSuffix(lines, "\n")
	}
	key := fmt.Sprintf("bill:%d", visitID)
	return queue(ctx, tx, now, Message{Kind: MsgBillDue, DedupeKey: &key, ToEmail: f.Email, ToName: f.GuestName,
		Subject: fmt.Sprintf("Your bill for %s: %s", f.Title, FormatMoney(*f.Amount, f.Currency)),
		Body: fmt.Sprintf("Hello %s,\n\nThank you for coming to %s at %s.\n\nYour stay: %s\n\n"+
			"Pay now on your ticket, by card: %s\nOr pay at the counter on your next visit.\n",
			f.GuestName, f.Title, f.Venue, stay, s.ticketURL(f.TicketID))})
}

// mailReceipt sends the receipt for a payment that went through, once.
func (s *Store) mailReceipt(ctx context.Context, tx *sqlx.Tx, now time.Time, p Payment) error {
	if p.Method == PayWaived {
		return nil // nothing was paid
	}
	f, ok, err := billFactsOf(ctx, tx, p.VisitID)
	if err != nil || !ok {
		return err
	}
	stay := s.stay(ctx, tx, f)
	if lines := stayLines(f); lines != "" {
		stay += "\n\n" + lines
	}
	key := fmt.Sprintf("receipt:%d", p.ID)
	return queue(ctx, tx, now, Message{Kind: MsgReceipt, DedupeKey: &key, ToEmail: f.Email, ToName: f.GuestName,
		Subject: fmt.Sprintf("Receipt: %s for %s", FormatMoney(p.Amount, p.Currency), f.Title),
		Body: fmt.Sprintf("Hello %s,\n\nThank you for your visit to %s at %s.\n\nYour stay: %s\nPaid: %s, %s, on %s.\nReceipt number: %d\n",
			f.GuestName, f.Title, f.Venue, stay, FormatMoney(p.Amount, p.Currency), paidWith(p.Method),
			now.In(s.loc(ctx, tx)).Format("Mon 2 Jan 2006, 15:04"), p.ID)})
}

// mailRefund tells the guest money was handed back; key makes it once per
// refund.
func (s *Store) mailRefund(ctx context.Context, tx *sqlx.Tx, now time.Time, p Payment, amount int64, key string) error {
	f, ok, err := billFactsOf(ctx, tx, p.VisitID)
	if err != nil || !ok {
		return err
	}
	stay := s.stay(ctx, tx, f)
	when := "It is yours now."
	if p.Method == PayCardOnFile || p.Method == PayByPhone || p.Method == PayTerminal {
		when = "Card refunds usually reach your account within 5 to 10 days."
	}
	key = "refund:" + key
	return queue(ctx, tx, now, Message{Kind: MsgRefund, DedupeKey: &key, ToEmail: f.Email, ToName: f.GuestName,
		Subject: fmt.Sprintf("Refund: %s for %s", FormatMoney(amount, p.Currency), f.Title),
		Body: fmt.Sprintf("Hello %s,\n\n%s refunded %s of your %s payment for %s (%s, receipt number %d).\n%s\n\nYour stay: %s\n",
			f.GuestName, f.Venue, FormatMoney(amount, p.Currency), FormatMoney(p.Amount, p.Currency), f.Title,
			paidWith(p.Method), p.ID, when, stay)})
}

func paidWith(method string) string {
	return (map[string]string{PayCardOnFile: "by your card on file", PayByPhone: "by card", PayCash: "in cash",
		PayTerminal: "by card at the counter"}[method])
}
