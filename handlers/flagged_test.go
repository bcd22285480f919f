package handlers

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/stripeapi"
	"github.com/clockroom/clockroom/models"
)

// wantNoCharge runs the background payments and the reconciler, and fails
// if any card was charged or any hold captured.
func wantNoCharge(t *testing.T, ta *testApp, at time.Time) {
	t.Helper()
	ta.settle(t)
	if _, err := ta.engine.At(at).Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	ta.settle(t)
	if ta.fake.ChargesMade() != 0 || ta.fake.Captured != 0 {
		t.Fatalf("a visit flagged for review was charged: %d charges, %d captured", ta.fake.ChargesMade(), ta.fake.Captured)
	}
}

// wantStaffCharge checks the flagged bill waits on Bills to collect, with
// why, then has staff click Charge card there: the card is charged once,
// for the bill.
func wantStaffCharge(t *testing.T, ta *testApp, staff *client, visit int64, why string) {
	t.Helper()
	wantBody(t, staff.get("/staff/bills"), fmt.Sprintf(`id="bill-%d"`, visit), "To review: "+why, "Charge card")
	res := staff.post(fmt.Sprintf("/staff/visits/%d/charge", visit), form("method", "card_on_file", "next", "/staff/bills"))
	wantStatus(t, res, http.StatusSeeOther)
	ta.settle(t)
	v, _ := ta.store.VisitByID(t.Context(), visit)
	ps, _ := ta.store.VisitPayments(t.Context(), visit)
	if ta.fake.ChargesMade() != 1 || len(ps) == 0 || ps[len(ps)-1].Status != models.PaymentSucceeded || ps[len(ps)-1].Amount != *v.Amount {
		t.Fatalf("after the staff click: %d charges, payments %+v, bill %d", ta.fake.ChargesMade(), ps, *v.Amount)
	}
	var approved int
	ta.store.DB.Get(&approved, `SELECT count(*) FROM payments WHERE visit_id = $1 AND approved_at IS NOT NULL`, visit)
	if approved != 1 {
		t.Fatalf("%d approved payments, want the one staff clicked", approved)
	}
	if !v.NeedsReview {
		t.Fatal("charging the bill cleared the visit's flag")
	}
}

// An exit from a door device's offline queue, synced more than 15 minutes
// late, flags the visit: the guest's saved card is not charged by the exit
// or the reconciler, and the bill waits for a staff click.
func TestFlaggedExitFromTheDoorQueueWaitsForAStaffClick(t *testing.T) {
	ta, staff, e := billingSetup(t)
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	visit, code := admitted(t, ta, e, "ada@example.com", now.Add(-60*time.Minute))
	saveTestCard(t, ta, "ada@example.com", stripeapi.FakeCardOK)
	st, body := staff.apiPost(scanPath(e), map[string]string{"code": code, "direction": "out", "key": "offline-exit-1",
		"scanned_at": now.Add(-20 * time.Minute).Format(time.RFC3339)})
	wantResult(t, st, body, "checked_out")
	if pay := body["payment"].(map[string]any); pay["status"] != "unpaid" || pay["amount"] != float64(320) {
		t.Fatalf("the door says %v; want £3.20 unpaid, left for staff", pay)
	}
	if v, _ := ta.store.VisitByID(t.Context(), visit); !v.NeedsReview {
		t.Fatal("a scan synced 20 minutes late did not flag the visit")
	}
	wantNoCharge(t, ta, now.Add(5*time.Minute))
	wantStaffCharge(t, ta, staff, visit, "times synced late from a door device")
}

// An entry synced late flags the visit; checking the guest out from the
// live page keeps the flag, and charges nothing by itself.
func TestStaffCheckoutOfAFlaggedVisitChargesNothing(t *testing.T) {
	ta, staff, e := billingSetup(t)
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	code := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	saveTestCard(t, ta, "ada@example.com", stripeapi.FakeCardOK)
	st, body := staff.apiPost(scanPath(e), map[string]string{"code": code, "key": "offline-entry-1",
		"scanned_at": now.Add(-50 * time.Minute).Format(time.RFC3339)})
	wantResult(t, st, body, "admitted")
	visit := int64(body["visit"].(map[string]any)["id"].(float64))
	res := staff.post(fmt.Sprintf("/staff/visits/%d/checkout", visit), nil)
	wantStatus(t, res, http.StatusSeeOther)
	v, _ := ta.store.VisitByID(t.Context(), visit)
	if v.CheckedOutAt == nil || !v.NeedsReview {
		t.Fatalf("after staff check-out: out %v, flagged %v; want closed and still flagged", v.CheckedOutAt, v.NeedsReview)
	}
	wantNoCharge(t, ta, now.Add(5*time.Minute))
	wantStaffCharge(t, ta, staff, visit, "times synced late from a door device")
}

// The closing job checks forgotten guests out and flags them: a guest with
// a saved card (and no hold) is not charged by the job or the reconciler.
func TestClosingJobChargesNoForgottenGuest(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit, _ := admitted(t, ta, e, "ada@example.com", time.Now().Add(-10*time.Minute))
	saveTestCard(t, ta, "ada@example.com", stripeapi.FakeCardOK)
	after := e.EndsAt.Add(31 * time.Minute)
	if n, err := ta.store.At(after).CloseForgottenVisits(t.Context(), 30*time.Minute); err != nil || n != 1 {
		t.Fatalf("auto check-out: %d %v", n, err)
	}
	wantNoCharge(t, ta, after.Add(time.Minute))
	wantStaffCharge(t, ta, staff, visit, "checked out automatically at closing")
}

// A card charge of a flagged visit written before staff clicked (as one
// made by the exit before this rule) is not sent by the reconciler; a staff
// click sends it, and from then on the reconciler may finish it.
func TestReconcilerSendsNoUnapprovedChargeOfAFlaggedVisit(t *testing.T) {
	ta, staff, e := billingSetup(t)
	visit := closedVisit(t, ta, e, "ada@example.com", stripeapi.FakeCardOK)
	ta.store.DB.MustExec(`UPDATE visits SET needs_review = true WHERE id = $1`, visit)
	ta.store.DB.MustExec(`INSERT INTO payments (visit_id, method, amount, currency, status, created_at, updated_at)
		VALUES ($1, 'card_on_file', 480, 'GBP', 'pending', now() - interval '1 hour', now() - interval '1 hour')`, visit)
	wantNoCharge(t, ta, time.Now())
	ta.fake.FailNext(1) // the click meets no answer: the reconciler finishes it
	staff.post(fmt.Sprintf("/staff/visits/%d/charge", visit), form("method", "card_on_file"))
	if _, err := ta.engine.At(time.Now().Add(time.Minute)).Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st, _ := ta.store.BillState(t.Context(), visit); st.Status != "paid" || ta.fake.ChargesMade() != 1 {
		t.Fatalf("after a staff click and the reconciler: %+v, %d charges", st, ta.fake.ChargesMade())
	}
}
