package models_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
	"github.com/clockroom/clockroom/models"
)

// banked is a venue whose simple price is 4p a minute, no minimum, and a
// member with a ticket to its night.
type banked struct {
	fixture
	member models.User
}

func newBanked(t *testing.T) banked {
	t.Helper()
	f := newFixture(t, 50)
	f.s.DB.MustExec(`UPDATE venues SET per_minute = 4, minimum_charge = NULL, daily_cap = NULL, grace_minutes = 0`)
	m, err := f.s.CreateUser(context.Background(), models.NewUser{Email: "regular@example.com", Name: "Regular", Password: "password123"})
	if err != nil {
		t.Fatal(err)
	}
	return banked{fixture: f, member: m}
}

// stayOpen opens a stay of the member at event from `in` (a ticket and a
// visit, written directly: the door's scan path is tested elsewhere).
func (b banked) stayOpen(t *testing.T, event int64, in time.Time) int64 {
	t.Helper()
	var visit int64
	err := b.s.DB.Get(&visit, `
		WITH r AS (
			INSERT INTO rsvps (event_id, user_id, ticket_id, status, confirmed_at)
			VALUES ($1::bigint, $2, decode(md5(random()::text || $1::bigint::text), 'hex'), 'confirmed', $3) RETURNING id
		)
		INSERT INTO visits (event_id, rsvp_id, checked_in_at, created_at, per_minute, grace_minutes, currency)
		SELECT $1::bigint, r.id, $3, $3, 4, 0, 'GBP' FROM r RETURNING id`, event, b.member.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	return visit
}

func (b banked) adjust(t *testing.T, minutes int, expires *time.Time) {
	t.Helper()
	if err := b.s.At(t0).AdjustTime(context.Background(), b.member.ID, minutes, expires, "welcome card", b.host.ID); err != nil {
		t.Fatal(err)
	}
}

func (b banked) left(t *testing.T, at time.Time) int {
	t.Helper()
	w, err := b.s.At(at).Wallet(context.Background(), b.member.ID)
	if err != nil {
		t.Fatal(err)
	}
	return w.Minutes
}

func sumLines(b models.Bill) int64 {
	var n int64
	for _, l := range b.Explained.Lines {
		n += l.Amount
	}
	return n
}

// The case: a member with 2 hours left who stays 3 hours at 4p a
// minute pays £2.40, and their bank ends at 0.
func TestTimeBankCoversTheFirstTwoHours(t *testing.T) {
	b := newBanked(t)
	b.adjust(t, 120, nil)
	in := t0.Add(time.Hour)
	visit := b.stayOpen(t, b.event, in)
	_, bill, _, err := b.s.At(in.Add(3*time.Hour)).CheckOut(context.Background(), visit, b.host.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if bill.Amount != 240 || bill.Minutes != 180 || bill.Explained.Total != 240 || sumLines(bill) != 240 {
		t.Fatalf("bill: %+v %+v", bill, bill.Explained)
	}
	last := bill.Explained.Lines[len(bill.Explained.Lines)-1]
	if last.Kind != models.LineTimeBank || last.Amount != -480 || last.Label != "2 h from your time bank" {
		t.Fatalf("time bank line: %+v", last)
	}
	if n := b.left(t, in.Add(4*time.Hour)); n != 0 {
		t.Fatalf("bank after: %d, want 0", n)
	}
	// What was stored is what was charged, explained the same way.
	v, err := b.s.VisitByID(context.Background(), visit)
	if err != nil || *v.Amount != 240 {
		t.Fatalf("stored: %+v %v", v, err)
	}
}

// A stay shorter than the bank costs nothing and leaves the rest; time that
// expired first is drawn first, and expired time is never drawn.
func TestTimeBankShortStayLeavesTheRest(t *testing.T) {
	b := newBanked(t)
	soon, later, gone := t0.Add(10*24*time.Hour), t0.Add(100*24*time.Hour), t0.Add(30*time.Minute)
	b.adjust(t, 90, &later)
	b.adjust(t, 30, &soon)
	b.adjust(t, 500, &gone) // expired before the stay ends
	in := t0.Add(time.Hour)
	visit := b.stayOpen(t, b.event, in)
	_, bill, _, err := b.s.At(in.Add(45*time.Minute)).CheckOut(context.Background(), visit, b.host.ID, "")
	if err != nil || bill.Amount != 0 || sumLines(bill) != 0 {
		t.Fatalf("bill: %+v %v", bill, err)
	}
	if n := b.left(t, in.Add(2*time.Hour)); n != 75 {
		t.Fatalf("bank after 45 min of 120: %d", n)
	}
	w, _ := b.s.At(in.Add(2*time.Hour)).Wallet(context.Background(), b.member.ID)
	// newest first: the draws (30 from the soonest to expire, then 15), then the three adjustments
	if len(w.Entries) != 5 || w.Entries[0].Minutes != -15 || w.Entries[1].Minutes != -30 ||
		w.Entries[0].Source != fmt.Sprintf("visit:%d", visit) || w.Entries[0].Kind != models.WalletStay {
		t.Fatalf("entries: %+v", w.Entries)
	}
}

// A walk-in has no wallet: their stay draws nothing.
func TestTimeBankWalkInDrawsNothing(t *testing.T) {
	b := newBanked(t)
	b.adjust(t, 120, nil)
	at := t0.Add(24*time.Hour + 10*time.Minute) // the night is open
	v, err := b.s.At(at).WalkIn(context.Background(), models.WalkInRequest{EventID: b.event, Name: "Walker", ActorID: b.host.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, bill, _, err := b.s.At(at.Add(time.Hour)).CheckOut(context.Background(), v.ID, b.host.ID, "")
	if err != nil || bill.Amount == 0 {
		t.Fatalf("walk-in's bill: %+v %v", bill, err)
	}
	if n := b.left(t, at.Add(2*time.Hour)); n != 120 {
		t.Fatalf("bank: %d", n)
	}
}

// A staff adjustment needs a reason, is audited, and never takes the bank
// below zero.
func TestWalletAdjustmentNeverBelowZero(t *testing.T) {
	ctx := context.Background()
	b := newBanked(t)
	if err := b.s.At(t0).AdjustTime(ctx, b.member.ID, 60, nil, "  ", b.host.ID); models.KindOf(err) != models.KindInvalid {
		t.Fatalf("no reason: %v", err)
	}
	b.adjust(t, 60, nil)
	err := b.s.At(t0).AdjustTime(ctx, b.member.ID, -61, nil, "typo", b.host.ID)
	if msg, ok := models.Refused(err); !ok || msg == "" {
		t.Fatalf("below zero: %v", err)
	}
	if err := b.s.At(t0).AdjustTime(ctx, b.member.ID, -60, nil, "typo", b.host.ID); err != nil {
		t.Fatal(err)
	}
	if n := b.left(t, t0); n != 0 {
		t.Fatalf("left: %d", n)
	}
	var audited int
	b.s.DB.Get(&audited, `SELECT count(*) FROM audit_log WHERE action = 'wallet.adjust' AND subject = $1`, fmt.Sprintf("user:%d", b.member.ID))
	if audited != 2 {
		t.Fatalf("audited %d adjustments, want 2", audited)
	}
	if _, err := b.s.Wallet(ctx, 999999); err != models.ErrNotFound {
		t.Fatalf("no such member: %v", err)
	}
}

// 50 stays of one member checked out at once, 30 minutes each at 4p, on a
// bank of 10 hours: the first 20 are covered, 30 are charged, the bank ends
// at exactly 0 and no credit is drawn beyond what it added.
func TestTimeBankConcurrentDraws(t *testing.T) {
	ctx := context.Background()
	b := newBanked(t)
	b.adjust(t, 600, nil)
	var venue int64
	if err := b.s.DB.Get(&venue, `SELECT venue_id FROM events WHERE id = $1`, b.event); err != nil {
		t.Fatal(err)
	}
	const n = 50
	in := t0.Add(30 * 24 * time.Hour)
	visits := make([]int64, n)
	for i := range visits {
		starts := in.Add(time.Duration(i) * 24 * time.Hour)
		ev, err := b.s.At(t0).CreateEvent(ctx, models.NewEvent{VenueID: venue, HostID: b.host.ID, Status: models.EventPublished,
			EventInput: models.EventInput{Title: fmt.Sprintf("Night %d", i), StartsAt: starts, EndsAt: starts.Add(3 * time.Hour), Capacity: 10}})
		if err != nil {
			t.Fatal(err)
		}
		visits[i] = b.stayOpen(t, ev, starts)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, v := range visits {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := in.Add(time.Duration(i)*24*time.Hour + 30*time.Minute)
			_, _, _, err := b.s.At(out).CheckOut(ctx, v, b.host.ID, "")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if left := b.left(t, in.Add(60*24*time.Hour)); left != 0 {
		t.Fatalf("bank left %d, want 0", left)
	}
	var drawn, charged, covered, overdrawn int64
	b.s.DB.Get(&drawn, `SELECT -sum(minutes) FROM wallet_entries WHERE kind = 'stay'`)
	b.s.DB.Get(&charged, `SELECT sum(amount) FROM visits WHERE rsvp_id IS NOT NULL`)
	b.s.DB.Get(&covered, `SELECT count(*) FROM visits WHERE banked_minutes = 30 AND amount = 0`)
	b.s.DB.Get(&overdrawn, `SELECT count(*) FROM wallet_entries c WHERE c.minutes > 0
		AND c.minutes + (SELECT COALESCE(sum(d.minutes), 0) FROM wallet_entries d WHERE d.draws_from = c.id) < 0`)
	if drawn != 600 || charged != 30*30*4 || covered != 20 || overdrawn != 0 {
		t.Fatalf("drawn %d (want 600), charged %d (want 3600), covered %d (want 20), overdrawn %d", drawn, charged, covered, overdrawn)
	}
}

// A member back the same night: the bank's minutes of the first stay are
// counted as billed, so the second stay is charged only its own minutes
// beyond what is left in the bank.
func TestTimeBankAcrossAResumedNight(t *testing.T) {
	ctx := context.Background()
	p := newPriced(t, tariff.Tariff{Name: "Standard", Steps: []tariff.Step{{Rate: pence(4)}}})
	u, _ := p.s.CreateUser(ctx, models.NewUser{Email: "regular@example.com", Name: "Regular", Password: "password123"})
	if err := p.s.At(p.day(9, 0)).AdjustTime(ctx, u.ID, 60, nil, "welcome card", p.actor.ID); err != nil {
		t.Fatal(err)
	}
	r, err := p.s.At(p.day(12, 0)).Reserve(ctx, p.event, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	scan := p.scanner(t, r)
	scan(models.ScanIn, p.day(17, 0), "regular-in-1")
	if out := scan(models.ScanOut, p.day(17, 40), "regular-out-1"); out.Visit.Amount != 0 {
		t.Fatalf("first stay, 40 min from the bank: %+v", out.Visit)
	}
	scan(models.ScanIn, p.day(17, 50), "regular-in-2")
	// 40 min more: 20 from what is left in the bank, 20 × 4p charged.
	if out := scan(models.ScanOut, p.day(18, 30), "regular-out-2"); out.Visit.Amount != 80 {
		t.Fatalf("second stay: %+v", out.Visit)
	}
	if w, _ := p.s.At(p.day(19, 0)).Wallet(ctx, u.ID); w.Minutes != 0 {
		t.Fatalf("bank after the night: %d min", w.Minutes)
	}
}
