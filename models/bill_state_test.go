package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// Where a bill stands has one answer, whoever asks: the bill's own state,
// the bills still to collect and the night's report agree for a bill paid
// in cash, one whose pay-by-phone page is waiting on Stripe, and one
// nobody has collected.
func TestEveryReaderAgreesWhereABillStands(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	e := f.tonight(t, 5, 60)
	f.s.DB.MustExec(`UPDATE venues SET per_minute = 8, minimum_charge = 0, grace_minutes = 0`) // an hour costs £4.80
	in := e.StartsAt.Add(time.Minute)
	want := map[int64]models.BillStatus{}
	guests := f.guests(t, 3)
	for i, how := range []string{models.PayCash, models.PayByPhone, ""} {
		r := reserveAt(t, f.s, e, guests[i])
		for _, sc := range []struct {
			dir string
			at  time.Time
		}{{models.ScanIn, in}, {models.ScanOut, in.Add(time.Hour)}} {
			if _, err := f.s.At(sc.at).Scan(ctx, models.ScanRequest{EventID: e.ID, TicketID: r.TicketID, Direction: sc.dir, Key: fmt.Sprintf("state-%d-%s", i, sc.dir)}); err != nil {
				t.Fatal(err)
			}
		}
		var visit int64
		f.s.DB.Get(&visit, `SELECT id FROM visits WHERE rsvp_id = $1`, r.ID)
		want[visit] = models.BillUnpaid
		if how != "" {
			p, err := f.s.CreatePayment(ctx, models.NewPayment{VisitID: visit, Method: how})
			if err != nil {
				t.Fatal(err)
			}
			want[visit] = map[models.PaymentStatus]models.BillStatus{models.PaymentSucceeded: models.BillPaid, models.PaymentPending: models.BillPending}[p.Status]
		}
	}
	owed, err := f.s.OwedBills(ctx, e.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[int64]models.BillStatus{}
	for _, b := range owed {
		listed[b.ID] = b.State
	}
	night, err := f.s.NightVisits(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	unpaid := map[int64]bool{}
	for _, v := range night {
		unpaid[v.ID] = v.Unpaid
	}
	for visit, w := range want {
		st, err := f.s.BillState(ctx, visit)
		if err != nil || st.Status != w {
			t.Errorf("visit %d: BillState says %q (%v), want %q", visit, st.Status, err, w)
		}
		if got, ok := listed[visit]; (w == models.BillPaid) == ok || (ok && got != w) {
			t.Errorf("visit %d: bills to collect say %q (listed %v), want %q", visit, got, ok, w)
		}
		if unpaid[visit] != (w != models.BillPaid) {
			t.Errorf("visit %d: the night's report says unpaid %v, want %q", visit, unpaid[visit], w)
		}
	}
}
