package models_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// tonight is a published night of the fixture's venue that started ten
// minutes ago (relative to the real clock), with the given capacity, and
// the venue's room limit set to room.
func (f fixture) tonight(t *testing.T, capacity, room int) models.Event {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	var venue int64
	f.s.DB.Get(&venue, `SELECT venue_id FROM events WHERE id = $1`, f.event)
	f.s.DB.MustExec(`UPDATE venues SET room_capacity = $1`, room)
	id, err := f.s.At(now.Add(-time.Hour)).CreateEvent(ctx, models.NewEvent{VenueID: venue, HostID: f.host.ID, Status: models.EventPublished,
		EventInput: models.EventInput{Title: "Tonight", StartsAt: now.Add(-10 * time.Minute), EndsAt: now.Add(3 * time.Hour), Capacity: capacity}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := f.s.EventByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func reserveAt(t *testing.T, s *models.Store, e models.Event, u models.User) models.RSVP {
	t.Helper()
	r, err := s.At(e.StartsAt.Add(-2*time.Hour)).Reserve(context.Background(), e.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// openVisits is how many are inside.
func openVisits(t *testing.T, s *models.Store) int {
	t.Helper()
	var open int
	if err := s.DB.Get(&open, `SELECT count(*) FROM visits WHERE checked_out_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	return open
}

// Walk-ins may not take the seats of confirmed guests still to come until
// the release time; then the free places are theirs.
func TestWalkInsLeaveTheHeldSeats(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	e := f.tonight(t, 5, 8)
	var rs []models.RSVP
	for _, g := range f.guests(t, 5) {
		rs = append(rs, reserveAt(t, f.s, e, g))
	}
	now := e.StartsAt.Add(5 * time.Minute)
	for i, r := range rs[:2] {
		if resp, err := f.s.At(now).Scan(ctx, models.ScanRequest{EventID: e.ID, TicketID: r.TicketID, Direction: models.ScanIn, Key: fmt.Sprintf("held-in-%d", i)}); err != nil || resp.Result != models.ResultAdmitted {
			t.Fatalf("admit %d: %+v %v", i, resp, err)
		}
	}
	// 8 places: 2 inside, 3 held, so 3 walk-ins.
	walkIn := func(i int, at time.Time, override string) error {
		_, err := f.s.At(at).WalkIn(ctx, models.WalkInRequest{EventID: e.ID, Name: fmt.Sprintf("Walk-in %d", i), Override: override})
		return err
	}
	for i := range 3 {
		if err := walkIn(i, now, ""); err != nil {
			t.Fatalf("walk-in %d: %v", i, err)
		}
	}
	err := walkIn(3, now, "")
	var full *models.RoomFullError
	if !errors.As(err, &full) || full.Held != 3 || full.Inside != 5 || !full.HeldUntil.Equal(e.StartsAt.Add(models.DefaultHoldMinutes*time.Minute)) {
		t.Fatalf("a walk-in into a held seat: %v %+v", err, full)
	}
	st, err := f.s.At(now).DoorStats(ctx, e.ID)
	if err != nil || st.Held != 3 || st.FreeForWalkIns != 0 || st.NotYetArrived != 3 || st.InsideNow != 5 {
		t.Fatalf("door stats before the release: %+v %v", st, err)
	}
	// A confirmed guest still gets in: the seat was theirs.
	if resp, _ := f.s.At(now).Scan(ctx, models.ScanRequest{EventID: e.ID, TicketID: rs[2].TicketID, Direction: models.ScanIn, Key: "held-in-2"}); resp.Result != models.ResultAdmitted {
		t.Fatalf("a ticket holder into their held seat: %+v", resp)
	}
	// After the release time the two unclaimed seats are free for walk-ins.
	later := e.StartsAt.Add(21 * time.Minute)
	for i := 4; i < 6; i++ {
		if err := walkIn(i, later, ""); err != nil {
			t.Fatalf("walk-in %d after the release: %v", i, err)
		}
	}
	if err := walkIn(6, later, ""); !errors.As(err, &full) || full.Held != 0 {
		t.Fatalf("a walk-in into a full room: %v", err)
	}
	if err := walkIn(7, later, "fire marshal agreed"); err != nil {
		t.Fatalf("staff override: %v", err)
	}
	if n := openVisits(t, f.s); n != 9 {
		t.Fatalf("%d inside, want 8 and one staff override", n)
	}
}

// At the release time the seats of confirmed guests who have not come go to
// the waitlist, once, however many instances run the job; the guests
// promoted are told the night has started.
func TestReleaseSeatsGoToTheWaitlistOnce(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	e := f.tonight(t, 3, 60)
	gs := f.guests(t, 5)
	var rs []models.RSVP
	for _, g := range gs {
		rs = append(rs, reserveAt(t, f.s, e, g))
	}
	now := e.StartsAt.Add(5 * time.Minute)
	if resp, err := f.s.At(now).Scan(ctx, models.ScanRequest{EventID: e.ID, TicketID: rs[0].TicketID, Direction: models.ScanIn, Key: "release-in-0"}); err != nil || resp.Result != models.ResultAdmitted {
		t.Fatalf("admit: %+v %v", resp, err)
	}
	if n, err := f.s.At(e.StartsAt.Add(19 * time.Minute)).ReleaseSeats(ctx); n != 0 || err != nil {
		t.Fatalf("released %d before the release time (%v)", n, err)
	}
	at := e.StartsAt.Add(20 * time.Minute)
	other := &models.Store{DB: f.s.DB, Tickets: f.s.Tickets}
	var wg sync.WaitGroup
	var mu sync.Mutex
	given := 0
	for _, s := range []*models.Store{f.s, other, f.s, other} {
		wg.Go(func() {
			n, err := s.At(at).ReleaseSeats(ctx)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			given += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if given != 2 {
		t.Fatalf("%d seats given to the waitlist, want 2 (two waiting, two not here)", given)
	}
	got := map[string]string{}
	for i, r := range rs {
		x, err := f.s.TicketByID(ctx, r.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		got[fmt.Sprint(i)] = x.Status
		if i == 1 || i == 2 {
			if x.ReleasedAt == nil || !x.ReleasedAt.Equal(at) {
				t.Fatalf("guest %d's released seat: %+v", i, x.RSVP)
			}
		}
	}
	want := map[string]string{"0": "confirmed", "1": "cancelled", "2": "cancelled", "3": "confirmed", "4": "confirmed"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after the release: %v, want %v", got, want)
	}
	mailed := func(email, kind, subject string) bool {
		ms, _ := f.s.MessagesTo(ctx, email)
		for _, m := range ms {
			if m.Kind == kind && strings.Contains(m.Subject, subject) {
				return true
			}
		}
		return false
	}
	if !mailed(gs[3].Email, models.MsgPromoted, "The night has started") || !mailed(gs[4].Email, models.MsgPromoted, "The night has started") {
		t.Fatal("the promoted guests are not told the night has started")
	}
	if !mailed(gs[1].Email, models.MsgSeatReleased, "released") || !mailed(gs[2].Email, models.MsgSeatReleased, "released") {
		t.Fatal("the released guests are not told")
	}
	// The released ticket is told at the door why.
	resp, err := f.s.At(at).Scan(ctx, models.ScanRequest{EventID: e.ID, TicketID: rs[1].TicketID, Direction: models.ScanIn, Key: "release-in-1"})
	if err != nil || resp.Result != models.ResultCancelled || resp.At == nil || resp.At.After(at) {
		t.Fatalf("a released ticket at the door: %+v %v", resp, err)
	}
	if n, _ := f.s.At(at.Add(time.Minute)).ReleaseSeats(ctx); n != 0 {
		t.Fatal("a night is released once")
	}
}

// A ticket's short code finds it at its night; wrong codes from one door
// session are limited, even when the next one is right.
func TestShortCodes(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	r := f.reserve(t, f.guests(t, 1)[0])
	if len(r.ShortCode) != 6 {
		t.Fatalf("short code %q", r.ShortCode)
	}
	for _, typed := range []string{r.ShortCode, strings.ToLower(r.ShortCode), r.ShortCode[:3] + " " + r.ShortCode[3:], r.ShortCode[:3] + "-" + r.ShortCode[3:]} {
		if c, ok := models.ShortCode(typed); !ok || c != r.ShortCode {
			t.Fatalf("ShortCode(%q) = %q %v", typed, c, ok)
		}
	}
	for _, bad := range []string{"", "ABCDE", "ABCDEFG", "ABCDE0", "ABCDEI", "ABCDEO"} {
		if _, ok := models.ShortCode(bad); ok {
			t.Fatalf("ShortCode(%q) must refuse it", bad)
		}
	}
	now := time.Now()
	id, err := f.s.At(now).TicketByShortCode(ctx, f.event, r.ShortCode, "door-a")
	if err != nil || string(id) != string(r.TicketID) {
		t.Fatalf("lookup: %v", err)
	}
	wrong := "222222"
	if wrong == r.ShortCode {
		wrong = "333333"
	}
	for i := range models.ShortCodeMisses {
		if _, err := f.s.At(now).TicketByShortCode(ctx, f.event, wrong, "door-a"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("miss %d: %v", i, err)
		}
	}
	if _, err := f.s.At(now).TicketByShortCode(ctx, f.event, r.ShortCode, "door-a"); !errors.Is(err, models.ErrTooManyMisses) {
		t.Fatalf("after %d misses: %v", models.ShortCodeMisses, err)
	}
	if _, err := f.s.At(now).TicketByShortCode(ctx, f.event, r.ShortCode, "door-b"); err != nil {
		t.Fatalf("another door session: %v", err)
	}
	if _, err := f.s.At(now.Add(models.ShortCodeWindow+time.Second)).TicketByShortCode(ctx, f.event, r.ShortCode, "door-a"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// An entry queued offline that reaches the server after the guest's exit
// is refused as a conflict, not opened as a second stay.
func TestQueuedEntryAfterTheExitIsAConflict(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	e := f.tonight(t, 5, 60)
	r := reserveAt(t, f.s, e, f.guests(t, 1)[0])
	in, out, now := e.StartsAt.Add(time.Minute), e.StartsAt.Add(40*time.Minute), e.StartsAt.Add(50*time.Minute)
	for _, sc := range []struct {
		dir, key string
		at       time.Time
	}{{models.ScanIn, "conflict-in", in}, {models.ScanOut, "conflict-out", out}} {
		if _, err := f.s.At(sc.at).Scan(ctx, models.ScanRequest{EventID: e.ID, TicketID: r.TicketID, Direction: sc.dir, Key: sc.key}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.s.At(now).Scan(ctx, models.ScanRequest{EventID: e.ID, TicketID: r.TicketID, Direction: models.ScanIn,
		At: e.StartsAt.Add(20 * time.Minute), Queued: true, Key: "conflict-offline"})
	var late *models.ScanTimeError
	if !errors.As(err, &late) || late.Why != models.ScanBeforeLastExit {
		t.Fatalf("an offline entry from before the exit: %v", err)
	}
	if n := openVisits(t, f.s); n != 0 {
		t.Fatalf("%d open visits, want none", n)
	}
}

// Entry and exit scans of one ticket racing on two instances, timed by the
// server as it processes each: no two stays of the ticket overlap.
func TestStaysOfOneTicketNeverOverlap(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	e := f.tonight(t, 5, 60)
	r := reserveAt(t, f.s, e, f.guests(t, 1)[0])
	other := &models.Store{DB: f.s.DB, Tickets: f.s.Tickets}
	var wg sync.WaitGroup
	for i := range 200 {
		s := f.s
		if i%2 == 1 {
			s = other
		}
		dir := models.ScanIn
		if i%4 >= 2 {
			dir = models.ScanOut
		}
		wg.Go(func() {
			// The wall clock: each scan is timed as it holds its ticket.
			if _, err := s.Scan(ctx, models.ScanRequest{EventID: e.ID, TicketID: r.TicketID, Direction: dir, Key: fmt.Sprintf("overlap-%03d", i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var stays []struct {
		In  time.Time  `db:"checked_in_at"`
		Out *time.Time `db:"checked_out_at"`
	}
	if err := f.s.DB.Select(&stays, `SELECT checked_in_at, checked_out_at FROM visits WHERE rsvp_id = $1`, r.ID); err != nil {
		t.Fatal(err)
	}
	sort.Slice(stays, func(i, j int) bool { return stays[i].In.Before(stays[j].In) })
	if len(stays) < 2 {
		t.Fatalf("only %d stays from 200 racing scans", len(stays))
	}
	for i, st := range stays {
		if st.Out == nil {
			if i != len(stays)-1 {
				t.Fatalf("stay %d of %d is open", i, len(stays))
			}
			continue
		}
		if st.Out.Before(st.In) {
			t.Fatalf("stay %d ends before it starts: %v → %v", i, st.In, *st.Out)
		}
		if i+1 < len(stays) && stays[i+1].In.Before(*st.Out) {
			t.Fatalf("stays %d and %d overlap by %v", i, i+1, st.Out.Sub(stays[i+1].In))
		}
	}
	if n := openVisits(t, f.s); n > 1 {
		t.Fatalf("%d open visits of one ticket", n)
	}
}
