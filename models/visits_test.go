package models_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// Two instances run the forgotten check-out job at the same moment: every
// open visit is closed once, at the event's end plus the delay, and flagged.
func TestCloseForgottenVisitsOnTwoInstances(t *testing.T) {
	f := newFixture(t, 100)
	ctx := context.Background()
	e, _ := f.s.EventByID(ctx, f.event)
	gs := f.guests(t, 60)
	for i, g := range gs {
		r := f.reserve(t, g)
		resp, err := f.s.At(e.StartsAt.Add(time.Duration(i)*time.Minute)).Scan(ctx, models.ScanRequest{EventID: f.event, TicketID: r.TicketID, Direction: models.ScanIn, Key: fmt.Sprintf("scan-key-%03d", i)})
		if err != nil || resp.Result != models.ResultAdmitted {
			t.Fatalf("admit %d: %v %v", i, resp, err)
		}
	}
	// One guest left properly.
	if _, err := f.s.At(e.StartsAt.Add(30*time.Minute)).Scan(ctx, models.ScanRequest{EventID: f.event, TicketID: f.reserve(t, gs[0]).TicketID, Direction: models.ScanOut, Key: "scan-key-exit"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.s.At(e.EndsAt.Add(10*time.Minute)).CloseForgottenVisits(ctx, 30*time.Minute); n != 0 {
		t.Fatal("visits must stay open until the delay has passed")
	}
	other := &models.Store{DB: f.s.DB} // a second instance
	later := e.EndsAt.Add(31 * time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for _, s := range []*models.Store{f.s, other, f.s, other} {
		wg.Go(func() {
			n, err := s.At(later).CloseForgottenVisits(ctx, 30*time.Minute)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != 59 {
		t.Fatalf("closed %d visits in all, want each of the 59 open ones once", total)
	}
	var rows []struct {
		Out    time.Time `db:"checked_out_at"`
		Review bool      `db:"needs_review"`
		How    string    `db:"ended_how"`
		Amount int64     `db:"amount"`
	}
	f.s.DB.Select(&rows, `SELECT checked_out_at, needs_review, ended_how, amount FROM visits WHERE ended_how = 'automatic'`)
	for _, r := range rows {
		if !r.Out.Equal(e.EndsAt.Add(30*time.Minute)) || !r.Review {
			t.Fatalf("auto check-out %+v, want at %v and flagged", r, e.EndsAt.Add(30*time.Minute))
		}
	}
	var audits int
	f.s.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'visit.auto_checkout'`)
	if len(rows) != 59 || audits != 59 {
		t.Fatalf("%d automatic check-outs, %d audit rows", len(rows), audits)
	}
}

// A guest's entry scan and their cancel race for every seat, from two
// instances: each seat ends either used (guest inside, RSVP confirmed) or
// given up (RSVP cancelled, nobody inside), never both.
func TestCancelAndEntryRaceForTheSeat(t *testing.T) {
	f := newFixture(t, 100)
	ctx := context.Background()
	e, _ := f.s.EventByID(ctx, f.event)
	other := &models.Store{DB: f.s.DB, Tickets: f.s.Tickets} // a second instance
	at := e.StartsAt.Add(10 * time.Minute)
	gs := f.guests(t, 40)
	var wg sync.WaitGroup
	for i, g := range gs {
		r := f.reserve(t, g)
		wg.Go(func() {
			if _, err := f.s.At(at).Scan(ctx, models.ScanRequest{EventID: f.event, TicketID: r.TicketID, Direction: models.ScanIn, Key: fmt.Sprintf("race-key-%03d", i)}); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if _, _, err := other.At(at).CancelRSVP(ctx, r.ID, g.ID); err != nil && !errors.Is(err, models.ErrInside) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var seats []struct {
		Status string `db:"status"`
		Inside bool   `db:"inside"`
	}
	if err := f.s.DB.Select(&seats, `SELECT r.status, EXISTS (SELECT 1 FROM visits v WHERE v.rsvp_id = r.id AND v.checked_out_at IS NULL) AS inside
		FROM rsvps r WHERE r.event_id = $1`, f.event); err != nil {
		t.Fatal(err)
	}
	used, given := 0, 0
	for _, s := range seats {
		switch {
		case s.Inside && s.Status == models.RSVPConfirmed:
			used++
		case !s.Inside && s.Status == models.RSVPCancelled:
			given++
		default:
			t.Fatalf("a seat is %s with its holder inside=%v", s.Status, s.Inside)
		}
	}
	if used+given != len(gs) || used == 0 {
		t.Fatalf("%d seats used, %d given up, of %d", used, given, len(gs))
	}
	e, _ = f.s.EventByID(ctx, f.event)
	if e.ConfirmedCount != used {
		t.Fatalf("confirmed count %d, want %d", e.ConfirmedCount, used)
	}
}

// A scan a door device queued is taken only inside the night's door window:
// not before the door opened, not after it closed, not in the future.
func TestQueuedScanTimesStayInsideTheDoorWindow(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	e, _ := f.s.EventByID(ctx, f.event)
	r := f.reserve(t, f.guests(t, 1)[0])
	later := e.EndsAt.Add(3 * time.Hour) // the device syncs long after the night
	for i, c := range []struct {
		at   time.Time
		want models.ScanTimeProblem
	}{
		{e.StartsAt.Add(-2 * time.Hour), models.ScanBeforeDoor},
		{e.EndsAt.Add(models.DoorClosesAfter + time.Minute), models.ScanAfterDoor},
		{later.Add(models.MaxClockSkew + time.Minute), models.ScanInFuture},
	} {
		_, err := f.s.At(later).Scan(ctx, models.ScanRequest{EventID: f.event, TicketID: r.TicketID, Direction: models.ScanIn,
			At: c.at, Queued: true, Key: fmt.Sprintf("window-key-%d", i)})
		var bad *models.ScanTimeError
		if !errors.As(err, &bad) || bad.Why != c.want {
			t.Errorf("a scan at %v: %v, want %s", c.at, err, c.want)
		}
	}
	resp, err := f.s.At(later).Scan(ctx, models.ScanRequest{EventID: f.event, TicketID: r.TicketID, Direction: models.ScanIn,
		At: e.StartsAt.Add(time.Minute), Queued: true, Key: "window-key-ok"})
	if err != nil || resp.Result != models.ResultAdmitted {
		t.Fatalf("a scan inside the window: %+v %v", resp, err)
	}
	if v, _ := f.s.VisitByID(ctx, resp.Visit.ID); !v.NeedsReview {
		t.Fatal("a scan synced hours late is not flagged for review")
	}
}

// Confirmed guests scanned in all at once, on two instances, never fill the
// room past its limit.
func TestRoomLimitHoldsUnderConcurrentEntries(t *testing.T) {
	f := newFixture(t, 40)
	ctx := context.Background()
	f.s.DB.MustExec(`UPDATE venues SET room_capacity = 7`)
	e, _ := f.s.EventByID(ctx, f.event)
	other := &models.Store{DB: f.s.DB, Tickets: f.s.Tickets}
	at := e.StartsAt.Add(5 * time.Minute)
	var wg sync.WaitGroup
	for i, g := range f.guests(t, 30) {
		r := f.reserve(t, g)
		s := f.s
		if i%2 == 1 {
			s = other
		}
		wg.Go(func() {
			resp, err := s.At(at).Scan(ctx, models.ScanRequest{EventID: f.event, TicketID: r.TicketID, Direction: models.ScanIn, Key: fmt.Sprintf("limit-key-%03d", i)})
			if err != nil || (resp.Result != models.ResultAdmitted && resp.Result != models.ResultRoomFull) {
				t.Errorf("scan %d: %+v %v", i, resp, err)
			}
		})
	}
	wg.Wait()
	var inside int
	f.s.DB.Get(&inside, `SELECT count(*) FROM visits WHERE checked_out_at IS NULL`)
	if inside != 7 {
		t.Fatalf("%d inside a room for 7", inside)
	}
}
