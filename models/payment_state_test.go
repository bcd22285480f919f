package models_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// Every (status, event) pair, the not-yet-written status included, either
// moves where this grid says or is refused with a *TransitionError of kind
// conflict. The grid is written out by hand, apart from the table it checks.
func TestNextPaymentStatusForEveryPair(t *testing.T) {
	const (
		none = models.PaymentNone
		pend = models.PaymentPending
		auth = models.PaymentAuthorized
		succ = models.PaymentSucceeded
		fail = models.PaymentFailed
		refd = models.PaymentRefunded
		part = models.PaymentPartiallyRefunded
		canc = models.PaymentCanceled
		no   = models.PaymentStatus("refused")
	)
	events := []models.PaymentEvent{models.EventRecorded, models.EventStarted, models.EventStripeAuthorized, models.EventHoldFailed,
		models.EventStripeSucceeded, models.EventStripeFailed, models.EventStripeCanceled, models.EventAbandoned,
		models.EventRefundedPart, models.EventRefundedAll}
	want := map[models.PaymentStatus][]models.PaymentStatus{
		//    recorded started s-authorized hold-failed s-succeeded s-failed s-canceled abandoned refunded-part refunded-all
		none: {succ, pend, no, no, no, no, no, no, no, no},
		pend: {no, no, auth, fail, succ, fail, canc, canc, no, no},
		auth: {no, no, auth, no, succ, fail, canc, no, no, no},
		succ: {no, no, no, no, succ, no, no, no, part, refd},
		fail: {no, no, no, no, succ, fail, canc, no, no, no},
		refd: {no, no, no, no, refd, no, no, no, no, no},
		part: {no, no, no, no, part, no, no, no, part, refd},
		canc: {no, no, no, no, succ, fail, canc, no, no, no},
	}
	if !slices.Equal(events, models.PaymentEvents) {
		t.Fatalf("the grid's events %v are not the model's %v: add the new one's column", events, models.PaymentEvents)
	}
	if len(want) != len(models.PaymentStatuses)+1 {
		t.Fatalf("the grid has %d rows for %d statuses and none: add the new one's row", len(want), len(models.PaymentStatuses))
	}
	for _, from := range append([]models.PaymentStatus{none}, models.PaymentStatuses...) {
		row, ok := want[from]
		if !ok || len(row) != len(events) {
			t.Fatalf("the grid's row for %q is missing or short", from)
		}
		for i, ev := range events {
			got, err := models.NextPaymentStatus(from, ev)
			if row[i] == no {
				var te *models.TransitionError
				if !errors.As(err, &te) || te.From != from || te.Event != ev || !errors.Is(err, models.ErrIllegalTransition) ||
					models.KindOf(err) != models.KindConflict {
					t.Errorf("(%q, %s) = %q, %v; want a refusal of kind conflict", from, ev, got, err)
				}
				continue
			}
			if err != nil || got != row[i] {
				t.Errorf("(%q, %s) = %q, %v; want %q", from, ev, got, err, row[i])
			}
		}
	}
}

// The statuses the model knows are the ones the schema allows, and the live
// ones are those the one-live-payment-per-visit index counts.
func TestPaymentStatusesMatchTheSchema(t *testing.T) {
	s := newStore(t)
	quoted := regexp.MustCompile(`'([a-z_]+)'`)
	values := func(q string) []models.PaymentStatus {
		var def string
		if err := s.DB.Get(&def, q); err != nil {
			t.Fatal(err)
		}
		var ss []models.PaymentStatus
		for _, m := range quoted.FindAllStringSubmatch(def, -1) {
			ss = append(ss, models.PaymentStatus(m[1]))
		}
		slices.Sort(ss)
		return ss
	}
	check := values(`SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
		WHERE c.conrelid = 'payments'::regclass AND c.contype = 'c' AND pg_get_constraintdef(c.oid) LIKE '%status%'`)
	all := slices.Sorted(slices.Values(models.PaymentStatuses))
	if !slices.Equal(check, all) {
		t.Fatalf("the schema allows %v, the model knows %v", check, all)
	}
	live := values(`SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i WHERE i.indexrelid = 'payments_one_live_per_visit'::regclass`)
	var wantLive []models.PaymentStatus
	for _, st := range all {
		if st.Live() {
			wantLive = append(wantLive, st)
		}
	}
	if !slices.Equal(live, wantLive) {
		t.Fatalf("the index counts %v as live, the model %v", live, wantLive)
	}
}

// closedVisit is a guest's 30-minute stay at 8p a minute, checked out, on
// a store whose clock reads an hour into the night.
func closedVisit(t *testing.T) (*models.Store, int64) {
	t.Helper()
	f := newFixture(t, 10)
	ctx := t.Context()
	f.s.DB.MustExec(`UPDATE venues SET per_minute = 8`)
	e, err := f.s.EventByID(ctx, f.event)
	if err != nil {
		t.Fatal(err)
	}
	now := e.StartsAt.Add(time.Hour)
	f.s.SetClock(func() time.Time { return now })
	r := f.reserve(t, f.guests(t, 1)[0])
	var visit int64
	for _, sc := range []struct {
		dir string
		at  time.Duration
	}{{models.ScanIn, time.Minute}, {models.ScanOut, 31 * time.Minute}} {
		resp, err := f.s.At(e.StartsAt.Add(sc.at)).Scan(ctx, models.ScanRequest{EventID: f.event, TicketID: r.TicketID, Direction: sc.dir, Key: "scan-key-" + sc.dir})
		if err != nil || resp.Visit == nil {
			t.Fatalf("scan %s: %+v %v", sc.dir, resp, err)
		}
		visit = resp.Visit.ID
	}
	if v, _ := f.s.VisitByID(ctx, visit); v.Amount == nil || *v.Amount != 240 {
		t.Fatalf("the stay costs %v, want 240", v.Amount)
	}
	return f.s, visit
}

// paymentRow is every column of a payment, as the database holds it.
func paymentRow(t *testing.T, s *models.Store, id int64) string {
	t.Helper()
	var row string
	if err := s.DB.Get(&row, `SELECT to_jsonb(p)::text FROM payments p WHERE p.id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return row
}

// A move the table refuses, sent through the one writer, is refused with a
// *TransitionError and changes nothing in the database, however much the
// write would have set; a move it allows goes through the same writer.
func TestTheWriterRefusesAnIllegalMoveAndChangesNothing(t *testing.T) {
	s, visit := closedVisit(t)
	ctx := t.Context()
	p, err := s.CreatePayment(ctx, models.NewPayment{VisitID: visit, Method: models.PayCash})
	if err != nil || p.Status != models.PaymentSucceeded {
		t.Fatalf("cash: %+v %v", p, err)
	}
	before := paymentRow(t, s, p.ID)
	one := int64(1)
	everything := models.PaymentChange{ReleaseClaim: true, PaymentIntent: "pi_x", Reason: "why", ClearReason: true, Attention: true, Refunded: &one}
	refused := 0
	for _, ev := range models.PaymentEvents {
		if _, err := models.NextPaymentStatus(models.PaymentSucceeded, ev); err == nil {
			continue
		}
		refused++
		to, err := models.MovePayment(ctx, s, p.ID, ev, everything)
		var te *models.TransitionError
		if !errors.As(err, &te) || te.PaymentID != p.ID || te.From != models.PaymentSucceeded || te.Event != ev || to != models.PaymentSucceeded {
			t.Errorf("%s on a paid payment: %q, %v; want refused", ev, to, err)
		}
		if after := paymentRow(t, s, p.ID); after != before {
			t.Fatalf("%s was refused but changed the row:\n%s\n%s", ev, before, after)
		}
	}
	if refused < 6 {
		t.Fatalf("only %d events refused from succeeded", refused)
	}
	// Staff abandoning it meet the same refusal, in their words, and
	// nothing is audited.
	if _, err := s.AbandonPayment(ctx, p.ID, 0, "staff"); !errors.Is(err, models.ErrNotPending) || !errors.Is(err, models.ErrIllegalTransition) {
		t.Fatalf("abandoning a paid payment: %v", err)
	}
	var audits int
	s.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'payment.abandon'`)
	if after := paymentRow(t, s, p.ID); after != before || audits != 0 {
		t.Fatalf("a refused abandon changed the row or audited (%d):\n%s\n%s", audits, before, after)
	}
	// The same writer takes a move the table allows.
	hundred := int64(100)
	if to, err := models.MovePayment(ctx, s, p.ID, models.EventRefundedPart, models.PaymentChange{Refunded: &hundred}); err != nil || to != models.PaymentPartiallyRefunded {
		t.Fatalf("a part refund: %q, %v", to, err)
	}
	if q, _ := s.PaymentByID(ctx, p.ID); q.Status != models.PaymentPartiallyRefunded || q.RefundedAmount != 100 {
		t.Fatalf("after a part refund: %+v", q)
	}
}

// Stripe's answers and webhooks that come late are refused by the table,
// reported as such, and leave a settled payment as it was: the claim is
// given back, the webhook is recorded as applied (so Stripe is not asked
// again and the reconciler does not retry it), and a replay is nothing at
// all. Refund totals only rise to the running total Stripe reports.
func TestLateStripeAnswersNeverUndoASettledPayment(t *testing.T) {
	s, visit := closedVisit(t)
	ctx := t.Context()
	p, err := s.CreatePayment(ctx, models.NewPayment{VisitID: visit, Method: models.PayCardOnFile})
	if err != nil || p.Status != models.PaymentPending {
		t.Fatalf("card: %+v %v", p, err)
	}
	if _, ok, err := s.ClaimPayment(ctx, p.ID, time.Minute); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	paid, err := s.RecordOutcome(ctx, p.ID, models.Outcome{Status: models.PaymentSucceeded, PaymentIntent: "pi_1", Amount: 240, Currency: "GBP"})
	if err != nil || paid.Status != models.PaymentSucceeded {
		t.Fatalf("success: %+v %v", paid, err)
	}
	if again, err := s.RecordOutcome(ctx, p.ID, models.Outcome{Status: models.PaymentSucceeded, PaymentIntent: "pi_1"}); err != nil || again.Status != models.PaymentSucceeded {
		t.Fatalf("a repeat is no refusal: %+v %v", again, err)
	}
	// Our own late answer: refused, the claim given back, nothing else.
	s.DB.MustExec(`UPDATE payments SET claimed_until = $2 WHERE id = $1`, p.ID, s.Now().Add(time.Minute))
	late, err := s.RecordOutcome(ctx, p.ID, models.Outcome{Status: models.PaymentFailed, FailureReason: "declined"})
	var te *models.TransitionError
	if !errors.As(err, &te) || te.From != models.PaymentSucceeded || te.Event != models.EventStripeFailed {
		t.Fatalf("a late failure: %v", err)
	}
	var claimed bool
	s.DB.Get(&claimed, `SELECT claimed_until IS NOT NULL FROM payments WHERE id = $1`, p.ID)
	if late.Status != models.PaymentSucceeded || late.FailureReason != nil || late.NeedsAttention || claimed {
		t.Fatalf("after a late failure: %+v, claimed %v", late, claimed)
	}
	// A late webhook: refused, recorded and applied; its replay is nothing.
	before := paymentRow(t, s, p.ID)
	failed := models.StripeEvent{ID: "evt_late", Type: "payment_intent.payment_failed", Status: models.PaymentFailed, PaymentIntent: "pi_1", FailureReason: "declined"}
	fresh, err := s.ProcessStripeEvent(ctx, failed)
	if !fresh || !errors.Is(err, models.ErrIllegalTransition) {
		t.Fatalf("a late webhook: fresh %v, %v", fresh, err)
	}
	var applied bool
	if err := s.DB.Get(&applied, `SELECT applied_at IS NOT NULL FROM stripe_events WHERE id = 'evt_late'`); err != nil || !applied {
		t.Fatalf("the late webhook is not recorded as applied: %v %v", applied, err)
	}
	if fresh, err := s.ProcessStripeEvent(ctx, failed); fresh || err != nil {
		t.Fatalf("a replay: fresh %v, %v", fresh, err)
	}
	if after := paymentRow(t, s, p.ID); after != before {
		t.Fatalf("a late webhook changed the payment:\n%s\n%s", before, after)
	}
	// Refunds: the running total rises, never falls, and ends the payment.
	for i, c := range []struct {
		total, want int64
		status      models.PaymentStatus
	}{{100, 100, models.PaymentPartiallyRefunded}, {50, 100, models.PaymentPartiallyRefunded}, {180, 180, models.PaymentPartiallyRefunded},
		{500, 240, models.PaymentRefunded}, {200, 240, models.PaymentRefunded}} {
		e := models.StripeEvent{ID: "evt_refund_" + string(rune('a'+i)), Type: "charge.refunded", PaymentIntent: "pi_1", AmountRefunded: c.total}
		if _, err := s.ProcessStripeEvent(ctx, e); err != nil {
			t.Fatalf("refund to %d: %v", c.total, err)
		}
		if q, _ := s.PaymentByID(ctx, p.ID); q.RefundedAmount != c.want || q.Status != c.status {
			t.Fatalf("after Stripe's total %d: %s %d, want %s %d", c.total, q.Status, q.RefundedAmount, c.status, c.want)
		}
	}
}

// The SQL that sets payments.status is written in one place, the writer,
// and no other statement in models, internal, handlers or cmd sets a
// payment's status; payments are inserted in one place too.
func TestOneWriterOfPaymentStatus(t *testing.T) {
	needle := "UPDATE payments " + "SET status" // split, so this file is no match
	update := regexp.MustCompile(`(?is)UPDATE\s+payments\b(.*?)\bWHERE\b`)
	setsStatus := regexp.MustCompile(`(?i)(^|[\s,])status\s*=`)
	insert := "INSERT INTO " + "payments"
	var places, writers, inserts []string
	for _, dir := range []string{".", "../internal", "../handlers", "../cmd"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			text := string(src)
			if (dir == "." || dir == "../internal") && strings.Contains(text, needle) {
				places = append(places, path)
			}
			if strings.HasSuffix(path, "_test.go") {
				return nil // tests set up rows as they need
			}
			for _, m := range update.FindAllStringSubmatch(text, -1) {
				if setsStatus.MatchString(m[1]) {
					writers = append(writers, path)
				}
			}
			if strings.Contains(text, insert) {
				inserts = append(inserts, path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(places, []string{"payment_state.go"}) || !slices.Equal(writers, []string{"payment_state.go"}) {
		t.Fatalf("payments.status is written in %v (by %q in %v), want the writer in payment_state.go only", writers, needle, places)
	}
	if !slices.Equal(inserts, []string{"payment_state.go"}) {
		t.Fatalf("payments are inserted in %v, want payment_state.go only", inserts)
	}
}
