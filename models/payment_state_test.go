package models_test

import (
	"errors"
	"regexp"
	"slices"
	"testing"

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
