package handlers

import (
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// TestScanWords: every answer the door gives is worded here, in the venue's
// time zone, from what the scan found.
func TestScanWords(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	at := time.Date(2026, 7, 1, 18, 5, 0, 0, time.UTC) // 19:05 in London
	out := at.Add(90 * time.Minute)
	ann := &models.Attendee{Name: "Ann", WaitlistPosition: 3}
	cases := []struct {
		name string
		r    models.ScanResponse
		want string
	}{
		{"not found", models.ScanResponse{Result: models.ResultNotFound}, "Not a valid ticket."},
		{"wrong night", models.ScanResponse{Result: models.ResultWrongEvent, Attendee: ann, RightEvent: &models.EventRef{Title: "Chess"}}, "This ticket is for Chess."},
		{"inside", models.ScanResponse{Result: models.ResultAlreadyInside, Attendee: ann, Visit: &models.VisitInfo{CheckedInAt: at}}, "Already inside since 19:05."},
		{"released", models.ScanResponse{Result: models.ResultCancelled, Attendee: ann, At: &at}, "Seat released at 19:05: not here by then"},
		{"cancelled", models.ScanResponse{Result: models.ResultCancelled, Attendee: ann}, "This ticket was cancelled."},
		{"door opens", models.ScanResponse{Result: models.ResultNotOpen, Attendee: ann, At: &at}, "The door opens at Wed 1 Jul 19:05."},
		{"over", models.ScanResponse{Result: models.ResultNotOpen, Attendee: ann}, "This night is over."},
		{"waitlisted", models.ScanResponse{Result: models.ResultWaitlisted, Attendee: ann}, "On the waitlist (#3), not confirmed."},
		{"waitlisted, places held", models.ScanResponse{Result: models.ResultWaitlisted, Attendee: ann, Room: &models.RoomCount{Inside: 5, Limit: 8, Held: 3}},
			"On the waitlist (#3), not confirmed. The free places are held for 3 ticket holders still to come."},
		{"room full", models.ScanResponse{Result: models.ResultRoomFull, Attendee: ann, Room: &models.RoomCount{Inside: 8, Limit: 8}}, "The room is full: 8 inside, and the limit is 8."},
		{"welcome", models.ScanResponse{Result: models.ResultAdmitted, Attendee: ann}, "Welcome, Ann!"},
		{"welcome back, owing", models.ScanResponse{Result: models.ResultAdmitted, Attendee: ann, Resumed: true,
			Outstanding: &models.PaymentState{Status: models.BillUnpaid, Amount: 250, Currency: "GBP"}},
			"Welcome back, Ann: your time continues from earlier tonight. £2.50 from earlier is still to pay."},
		{"not inside", models.ScanResponse{Result: models.ResultNotInside, Attendee: ann}, "Not checked in: nothing to check out."},
		{"goodbye", models.ScanResponse{Result: models.ResultCheckedOut, Attendee: ann, Exited: true,
			Visit:   &models.VisitInfo{Minutes: 90, Amount: 900, Currency: "GBP"},
			Payment: &models.PaymentState{Status: models.BillPending, Amount: 900, Currency: "GBP"}},
			"Goodbye, Ann: 90 minutes, £9.00. Charging the card on file."},
		{"goodbye again, paid", models.ScanResponse{Result: models.ResultCheckedOut, Attendee: ann, Exited: true,
			Visit:   &models.VisitInfo{Resumed: true, Minutes: 6, Amount: 0, Night: 300, Applied: models.AppliedMinimum, Currency: "GBP"},
			Payment: &models.PaymentState{Status: models.BillPaid, Amount: 0, Currency: "GBP"}},
			"Goodbye, Ann: 6 min more · £0.00 more · tonight £3.00, paid."},
		{"goodbye again, earlier stay unpaid", models.ScanResponse{Result: models.ResultCheckedOut, Attendee: ann, Exited: true,
			Visit:       &models.VisitInfo{Resumed: true, Minutes: 6, Amount: 0, Night: 300, Applied: models.AppliedMinimum, Currency: "GBP"},
			Payment:     &models.PaymentState{Status: models.BillPaid, Amount: 0, Currency: "GBP"},
			Outstanding: &models.PaymentState{Status: models.BillUnpaid, Amount: 300, Currency: "GBP"}},
			"Goodbye, Ann: 6 min more · £0.00 more · tonight £3.00, £3.00 to pay."},
		{"goodbye again, unpaid", models.ScanResponse{Result: models.ResultCheckedOut, Attendee: ann, Exited: true,
			Visit:   &models.VisitInfo{Resumed: true, Minutes: 30, Amount: 180, Night: 480, Currency: "GBP"},
			Payment: &models.PaymentState{Status: models.BillUnpaid, Amount: 180, Currency: "GBP"}},
			"Goodbye, Ann: 30 min more · £1.80 more · tonight £4.80, £1.80 to pay."},
		{"goodbye again, charging", models.ScanResponse{Result: models.ResultCheckedOut, Attendee: ann, Exited: true,
			Visit:   &models.VisitInfo{Resumed: true, Minutes: 30, Amount: 180, Night: 480, Currency: "GBP"},
			Payment: &models.PaymentState{Status: models.BillPending, Amount: 180, Currency: "GBP"}},
			"Goodbye, Ann: 30 min more · £1.80 more · tonight £4.80, being charged to the card on file."},
		{"goodbye again, replayed", models.ScanResponse{Result: models.ResultCheckedOut, Attendee: ann, Replayed: true,
			Visit: &models.VisitInfo{Resumed: true, Minutes: 6, Night: 300, Currency: "JPY"}},
			"Goodbye, Ann: 6 min more · ¥0 more · tonight ¥300."},
		{"grace", models.ScanResponse{Result: models.ResultCheckedOut, Attendee: ann, Exited: true, Visit: &models.VisitInfo{Applied: models.AppliedGrace, Currency: "GBP"}},
			"Goodbye, Ann: a short stay within the grace period, free."},
		{"already out", models.ScanResponse{Result: models.ResultCheckedOut, Attendee: ann, AlreadyOut: true, Visit: &models.VisitInfo{CheckedInAt: at, CheckedOutAt: &out}},
			"Already checked out at 20:35."},
	}
	asked := 0
	loc := func() *time.Location { asked++; return london }
	for _, tc := range cases {
		if got := scanWords(tc.r, loc); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if asked != 4 {
		t.Errorf("the venue's zone was read %d times, want 4: only for answers that name a time", asked)
	}
}
