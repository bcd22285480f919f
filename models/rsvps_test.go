package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// fixture is a venue, a host and a published event of the given capacity
// that starts a day after t0.
type fixture struct {
	s     *models.Store
	host  models.User
	event int64
}

func newFixture(t *testing.T, capacity int) fixture {
	t.Helper()
	s := newStore(t)
	s.Tickets = models.NewTicketSigner(strings.Repeat("k", 40))
	s.BaseURL = "http://clockroom.test"
	ctx := context.Background()
	v, err := s.CreateVenue(ctx, models.Venue{Name: "Café", TimeZone: "Europe/London", Currency: "GBP", RoomCapacity: 100})
	if err != nil {
		t.Fatal(err)
	}
	host, _ := s.CreateUser(ctx, models.NewUser{Email: "host@example.com", Name: "Host", Password: "password123", Role: models.RoleHost})
	id, err := s.At(t0).CreateEvent(ctx, models.NewEvent{VenueID: v.ID, HostID: host.ID, Status: models.EventPublished,
		EventInput: models.EventInput{Title: "Night", StartsAt: t0.Add(24 * time.Hour), EndsAt: t0.Add(27 * time.Hour), Capacity: capacity}})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{s: s, host: host, event: id}
}

func (f fixture) guests(t *testing.T, n int) []models.User {
	t.Helper()
	us := make([]models.User, n)
	for i := range us {
		u, err := f.s.CreateUser(context.Background(), models.NewUser{Email: fmt.Sprintf("g%d@example.com", i), Name: fmt.Sprintf("Guest %d", i), Password: "password123"})
		if err != nil {
			t.Fatal(err)
		}
		us[i] = u
	}
	return us
}

func (f fixture) reserve(t *testing.T, u models.User) models.RSVP {
	t.Helper()
	r, err := f.s.At(t0).Reserve(context.Background(), f.event, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReserveFillsThenWaitlistsAndIsIdempotent(t *testing.T) {
	f := newFixture(t, 2)
	gs := f.guests(t, 4)
	want := []struct {
		status string
		pos    int
	}{{"confirmed", 0}, {"confirmed", 0}, {"waitlisted", 1}, {"waitlisted", 2}}
	for i, g := range gs {
		r := f.reserve(t, g)
		if r.Status != want[i].status || r.WaitlistPosition != want[i].pos {
			t.Fatalf("guest %d: %s #%d, want %s #%d", i, r.Status, r.WaitlistPosition, want[i].status, want[i].pos)
		}
		again := f.reserve(t, g)
		if again.ID != r.ID || string(again.TicketID) != string(r.TicketID) {
			t.Fatal("a repeated RSVP must return the same ticket")
		}
	}
	e, _ := f.s.EventByID(context.Background(), f.event)
	if e.ConfirmedCount != 2 || e.WaitlistCount != 2 {
		t.Fatalf("counters %d/%d", e.ConfirmedCount, e.WaitlistCount)
	}
	msgs, _ := f.s.MessagesTo(context.Background(), gs[2].Email)
	if len(msgs) != 1 || msgs[0].Kind != models.MsgWaitlisted || !strings.Contains(msgs[0].Subject, "#1") {
		t.Fatalf("waitlist message: %+v", msgs)
	}
}

func TestCancelPromotesTheFirstWaitlistedAndKeepsPositions(t *testing.T) {
	f := newFixture(t, 1)
	gs := f.guests(t, 4)
	rs := make([]models.RSVP, len(gs))
	for i, g := range gs {
		rs[i] = f.reserve(t, g)
	}
	ctx := context.Background()
	// The second in the queue leaves: the third moves up to #2.
	if _, _, err := f.s.At(t0).CancelRSVP(ctx, rs[2].ID, gs[2].ID); err != nil {
		t.Fatal(err)
	}
	if r, _ := f.s.RSVPFor(ctx, f.event, gs[3].ID); r.WaitlistPosition != 2 {
		t.Fatalf("position after someone ahead left: %d", r.WaitlistPosition)
	}
	cancelled, promoted, err := f.s.At(t0).CancelRSVP(ctx, rs[0].ID, gs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if cancelled.Status != models.RSVPCancelled || promoted == nil || promoted.UserID != gs[1].ID || promoted.Status != models.RSVPConfirmed {
		t.Fatalf("cancel: %+v promoted %+v", cancelled, promoted)
	}
	if r, _ := f.s.RSVPFor(ctx, f.event, gs[3].ID); r.WaitlistPosition != 1 {
		t.Fatalf("last in line should now be #1, is #%d", r.WaitlistPosition)
	}
	msgs, _ := f.s.MessagesTo(ctx, gs[1].Email)
	if last := msgs[len(msgs)-1]; last.Kind != models.MsgPromoted || !strings.Contains(last.Body, "http://clockroom.test/tickets/") {
		t.Fatalf("promotion message: %+v", last)
	}
	// Cancelling again changes nothing and promotes nobody.
	again, p2, err := f.s.At(t0).CancelRSVP(ctx, rs[0].ID, gs[0].ID)
	if err != nil || again.Status != models.RSVPCancelled || p2 != nil {
		t.Fatalf("second cancel: %+v %+v %v", again, p2, err)
	}
	e, _ := f.s.EventByID(ctx, f.event)
	if e.ConfirmedCount != 1 || e.WaitlistCount != 1 {
		t.Fatalf("counters %d/%d", e.ConfirmedCount, e.WaitlistCount)
	}
	// Coming back after cancelling: back of the queue, same ticket row.
	back := f.reserve(t, gs[0])
	if back.ID != rs[0].ID || back.Status != models.RSVPWaitlisted || back.WaitlistPosition != 2 {
		t.Fatalf("re-RSVP: %+v", back)
	}
}

func TestCapacityChanges(t *testing.T) {
	f := newFixture(t, 2)
	gs := f.guests(t, 5)
	for _, g := range gs {
		f.reserve(t, g)
	}
	ctx := context.Background()
	e, _ := f.s.EventByID(ctx, f.event)
	in := models.EventInput{Title: e.Title, StartsAt: e.StartsAt, EndsAt: e.EndsAt, Capacity: 1}
	var below *models.CapacityBelowConfirmedError
	if _, err := f.s.At(t0).UpdateEvent(ctx, f.event, f.host.ID, in); !errors.As(err, &below) || below.Confirmed != 2 {
		t.Fatalf("lowering below confirmed: %v", err)
	}
	in.Capacity = 4
	promoted, err := f.s.At(t0).UpdateEvent(ctx, f.event, f.host.ID, in)
	if err != nil || len(promoted) != 2 || promoted[0].UserID != gs[2].ID || promoted[1].UserID != gs[3].ID {
		t.Fatalf("raising capacity promotes in order: %+v %v", promoted, err)
	}
	if r, _ := f.s.RSVPFor(ctx, f.event, gs[4].ID); r.WaitlistPosition != 1 {
		t.Fatalf("the rest of the queue moves up: #%d", r.WaitlistPosition)
	}
}

func TestRSVPWindow(t *testing.T) {
	f := newFixture(t, 5)
	gs := f.guests(t, 2)
	g, late := gs[0], gs[1]
	ctx := context.Background()
	e, _ := f.s.EventByID(ctx, f.event)
	opens, closes := t0.Add(time.Hour), t0.Add(2*time.Hour)
	in := models.EventInput{Title: e.Title, StartsAt: e.StartsAt, EndsAt: e.EndsAt, Capacity: 5, RSVPOpensAt: &opens, RSVPClosesAt: &closes}
	if _, err := f.s.At(t0).UpdateEvent(ctx, f.event, f.host.ID, in); err != nil {
		t.Fatal(err)
	}
	var closed *models.RSVPClosedError
	for _, at := range []time.Time{t0, closes, e.EndsAt} {
		if _, err := f.s.At(at).Reserve(ctx, f.event, g.ID); !errors.As(err, &closed) {
			t.Fatalf("RSVP at %v must be refused: %v", at, err)
		}
	}
	if _, err := f.s.At(opens).Reserve(ctx, f.event, g.ID); err != nil {
		t.Fatalf("inside the window: %v", err)
	}
	// Without a window, late-comers can RSVP on the night until it ends.
	in.RSVPOpensAt, in.RSVPClosesAt = nil, nil
	f.s.At(t0).UpdateEvent(ctx, f.event, f.host.ID, in)
	if _, err := f.s.At(e.StartsAt.Add(time.Hour)).Reserve(ctx, f.event, late.ID); err != nil {
		t.Fatalf("on the night: %v", err)
	}
	if _, err := f.s.At(t0).Reserve(ctx, 999999, late.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("unknown event: %v", err)
	}
}

func TestDraftAndCancelledEventsRefuseRSVPs(t *testing.T) {
	f := newFixture(t, 3)
	gs := f.guests(t, 3)
	ctx := context.Background()
	s := f.s.At(t0)
	f.reserve(t, gs[0])
	f.reserve(t, gs[1])
	told, err := s.CancelEvent(ctx, f.event, f.host.ID)
	if err != nil || told != 2 {
		t.Fatalf("cancel event told %d, %v", told, err)
	}
	if again, _ := s.CancelEvent(ctx, f.event, f.host.ID); again != 0 {
		t.Fatal("cancelling twice must not tell guests twice")
	}
	var closed *models.RSVPClosedError
	if _, err := s.Reserve(ctx, f.event, gs[2].ID); !errors.As(err, &closed) || closed.Why != models.ClosedCancelled {
		t.Fatalf("RSVP to a cancelled night: %v", err)
	}
	for _, g := range gs[:2] {
		r, _ := f.s.RSVPFor(ctx, f.event, g.ID)
		msgs, _ := f.s.MessagesTo(ctx, g.Email)
		if r.Status != models.RSVPCancelled || msgs[len(msgs)-1].Kind != models.MsgEventCancelled {
			t.Fatalf("guest %s: %s, last message %s", g.Email, r.Status, msgs[len(msgs)-1].Kind)
		}
	}
	e, _ := f.s.EventByID(ctx, f.event)
	if e.ConfirmedCount != 0 || e.Status != models.EventCancelled {
		t.Fatalf("event after cancel: %+v", e)
	}
	// A draft refuses RSVPs until published.
	draft, _ := s.CreateEvent(ctx, models.NewEvent{VenueID: e.VenueID, HostID: f.host.ID,
		EventInput: models.EventInput{Title: "Draft", StartsAt: e.StartsAt, EndsAt: e.EndsAt, Capacity: 2}})
	if _, err := s.Reserve(ctx, draft, gs[2].ID); !errors.As(err, &closed) {
		t.Fatalf("RSVP to a draft: %v", err)
	}
	if err := s.PublishEvent(ctx, draft, f.host.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reserve(ctx, draft, gs[2].ID); err != nil {
		t.Fatalf("after publishing: %v", err)
	}
}

func TestRemindersAreQueuedOnce(t *testing.T) {
	f := newFixture(t, 3)
	gs := f.guests(t, 2)
	ctx := context.Background()
	if _, err := f.s.At(t0.Add(-48*time.Hour)).Reserve(ctx, f.event, gs[0].ID); err != nil {
		t.Fatal(err)
	}
	f.reserve(t, gs[1])                // RSVPed within the day before: no reminder
	dayBefore := t0.Add(2 * time.Hour) // the event starts at t0+24h
	for range 3 {
		if _, err := f.s.At(dayBefore).QueueReminders(ctx); err != nil {
			t.Fatal(err)
		}
	}
	msgs, _ := f.s.MessagesTo(ctx, gs[0].Email)
	reminders := 0
	for _, m := range msgs {
		if m.Kind == models.MsgReminder {
			reminders++
		}
	}
	if reminders != 1 {
		t.Fatalf("%d reminders, want 1", reminders)
	}
	if late, _ := f.s.MessagesTo(ctx, gs[1].Email); len(late) != 1 {
		t.Fatalf("a fresh RSVP gets no reminder: %d messages", len(late))
	}
}

func TestDeliverPendingRetriesAndNeverResends(t *testing.T) {
	f := newFixture(t, 3)
	gs := f.guests(t, 2)
	f.reserve(t, gs[0])
	f.reserve(t, gs[1])
	ctx := context.Background()
	tried := 0
	failing := func(context.Context, models.Message) error {
		tried++
		return errors.New("dial tcp: connection refused")
	}
	if n, err := f.s.At(t0).DeliverPending(ctx, 10, failing); err != nil || n != 0 || tried != 2 {
		t.Fatalf("failing send: sent %d, tried %d, %v", n, tried, err)
	}
	var delivered []string
	ok := func(_ context.Context, m models.Message) error { delivered = append(delivered, m.ToEmail); return nil }
	if n, _ := f.s.At(t0.Add(time.Second)).DeliverPending(ctx, 10, ok); n != 0 || len(delivered) != 0 {
		t.Fatal("a failed message must wait for its retry time")
	}
	if n, err := f.s.At(t0.Add(time.Hour)).DeliverPending(ctx, 10, ok); err != nil || n != 2 || len(delivered) != 2 {
		t.Fatalf("retry: %d %v", n, err)
	}
	if n, _ := f.s.At(t0.Add(2*time.Hour)).DeliverPending(ctx, 10, ok); n != 0 || len(delivered) != 2 {
		t.Fatalf("a sent message must never be sent again: %v", delivered)
	}
	out, _ := f.s.Outbox(ctx, 10)
	for _, m := range out {
		if m.SentAt == nil || m.Attempts != 2 || m.LastError != nil {
			t.Fatalf("message %d: sent %v attempts %d", m.ID, m.SentAt, m.Attempts)
		}
	}
}

// A message is queued at the caller's time, not the database's: one queued
// at a later hour is due then, and not a minute before.
func TestOutboxUsesTheCallersClock(t *testing.T) {
	f := newFixture(t, 3)
	g := f.guests(t, 1)[0]
	later := t0.Add(12 * time.Hour)
	if _, err := f.s.At(later).Reserve(context.Background(), f.event, g.ID); err != nil {
		t.Fatal(err)
	}
	var created time.Time
	if err := f.s.DB.Get(&created, `SELECT created_at FROM outbox`); err != nil || !created.Equal(later) {
		t.Fatalf("queued at %v, want %v (%v)", created, later, err)
	}
	send := func(context.Context, models.Message) error { return nil }
	if n, _ := f.s.At(later.Add(-time.Minute)).DeliverPending(context.Background(), 10, send); n != 0 {
		t.Fatal("a message was sent before it was queued")
	}
	if n, _ := f.s.At(later).DeliverPending(context.Background(), 10, send); n != 1 {
		t.Fatal("the message was not due at its own time")
	}
}

// The mail server is talked to with no transaction open, and each message is
// marked sent as soon as it is: an instance killed mid-batch can re-send at
// most the one message it was sending.
func TestDeliverPendingSendsOutsideTransactions(t *testing.T) {
	f := newFixture(t, 10)
	for _, g := range f.guests(t, 5) {
		f.reserve(t, g)
	}
	ctx := context.Background()
	var problems []string
	send := func(_ context.Context, m models.Message) error {
		var open, unsent int
		f.s.DB.Get(&open, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`)
		f.s.DB.Get(&unsent, `SELECT count(*) FROM outbox WHERE sent_at IS NULL AND id < $1`, m.ID)
		if open != 0 || unsent != 0 {
			problems = append(problems, fmt.Sprintf("message %d: %d transactions open, %d earlier unsent", m.ID, open, unsent))
		}
		return nil
	}
	if n, err := f.s.At(t0).DeliverPending(ctx, 10, send); err != nil || n != 5 {
		t.Fatalf("sent %d: %v", n, err)
	}
	if len(problems) > 0 {
		t.Fatal(strings.Join(problems, "; "))
	}
	// Claimed by one instance, a message is not taken by another until its
	// lease runs out.
	late, err := f.s.CreateUser(ctx, models.NewUser{Email: "late@example.com", Name: "Late", Password: "password123"})
	if err != nil {
		t.Fatal(err)
	}
	f.reserve(t, late)
	var claimed []int64
	grab := func(_ context.Context, m models.Message) error {
		claimed = append(claimed, m.ID)
		n, _ := f.s.At(t0.Add(time.Minute)).DeliverPending(ctx, 10, func(context.Context, models.Message) error {
			t.Error("a second instance took a message being sent")
			return nil
		})
		if n != 0 {
			t.Errorf("second instance sent %d", n)
		}
		return nil
	}
	if n, _ := f.s.At(t0).DeliverPending(ctx, 10, grab); n != 1 || len(claimed) != 1 {
		t.Fatalf("claimed %v", claimed)
	}
}

func TestUserTicketsUpcomingFirst(t *testing.T) {
	f := newFixture(t, 3)
	g := f.guests(t, 1)[0]
	f.reserve(t, g)
	ts, err := f.s.At(t0).UserTickets(context.Background(), g.ID)
	if err != nil || len(ts) != 1 || ts[0].Event.Title != "Night" || ts[0].Event.HostName != "Host" || ts[0].Status != models.RSVPConfirmed {
		t.Fatalf("tickets: %+v %v", ts, err)
	}
}

// The second reminder goes the venue's hours before, once per guest on any
// number of instances, with the give-away link; a guest who gives the seat
// up, a night cancelled and a night moved drop the reminders not yet sent,
// and a moved night's go again with the new time.
func TestLateRemindersAndWhatDropsThem(t *testing.T) {
	f := newFixture(t, 5)
	ctx := context.Background()
	gs := f.guests(t, 3)
	var rs []models.RSVP
	for _, g := range gs {
		r, err := f.s.At(t0.Add(-48*time.Hour)).Reserve(ctx, f.event, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	e, _ := f.s.EventByID(ctx, f.event)
	kinds := func(email string) (day, late int, body string) {
		ms, _ := f.s.MessagesTo(ctx, email)
		for _, m := range ms {
			switch {
			case m.Kind == models.MsgReminder && strings.HasPrefix(*m.DedupeKey, "reminder-late:"):
				late++
				body = m.Body
			case m.Kind == models.MsgReminder:
				day++
			}
		}
		return day, late, body
	}
	twoHoursBefore := e.StartsAt.Add(-2*time.Hour + time.Minute)
	other := &models.Store{DB: f.s.DB, Tickets: f.s.Tickets}
	var wg sync.WaitGroup
	for _, s := range []*models.Store{f.s, other, f.s, other} {
		wg.Go(func() {
			if _, err := s.At(twoHoursBefore).QueueReminders(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	day, late, body := kinds(gs[0].Email)
	if day != 1 || late != 1 || !strings.Contains(body, "/give-away/"+f.s.Tickets.GuestToken(models.LinkGiveAway, rs[0].ID)+"\n") {
		t.Fatalf("reminders of a guest: %d the day before, %d late (want one each with the give-away link):\n%s", day, late, body)
	}
	// Guest 1 gives the seat up before the late reminder is sent: it is dropped.
	var unsent int
	f.s.DB.Get(&unsent, `SELECT count(*) FROM outbox WHERE dedupe_key LIKE 'reminder%:' || $1 AND sent_at IS NULL`, rs[1].ID)
	if unsent != 2 {
		t.Fatalf("%d unsent reminders for guest 1, want 2", unsent)
	}
	if _, _, err := f.s.At(twoHoursBefore).CancelRSVP(ctx, rs[1].ID, 0); err != nil {
		t.Fatal(err)
	}
	if day, late, _ := kinds(gs[1].Email); day != 0 || late != 0 {
		t.Fatalf("a seat given up keeps %d and %d reminders", day, late)
	}
	// The night moves an hour later: the reminders not sent go, and are
	// queued again with the new time.
	in := models.EventInput{Title: e.Title, Description: e.Description, StartsAt: e.StartsAt.Add(time.Hour), EndsAt: e.EndsAt.Add(time.Hour), Capacity: e.Capacity}
	if _, err := f.s.At(twoHoursBefore).UpdateEvent(ctx, f.event, f.host.ID, in); err != nil {
		t.Fatal(err)
	}
	if day, late, _ := kinds(gs[0].Email); day != 0 || late != 0 {
		t.Fatalf("a moved night keeps %d and %d old reminders", day, late)
	}
	if _, err := f.s.At(e.StartsAt.Add(-time.Hour)).QueueReminders(ctx); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/London")
	if day, late, body := kinds(gs[0].Email); day != 1 || late != 1 || !strings.Contains(body, in.StartsAt.In(loc).Format("15:04")) {
		t.Fatalf("after the move: %d, %d, with the new time? %s", day, late, body)
	}
	// Cancelled: nothing unsent is left.
	if _, err := f.s.At(e.StartsAt.Add(-time.Hour)).CancelEvent(ctx, f.event, f.host.ID); err != nil {
		t.Fatal(err)
	}
	f.s.DB.Get(&unsent, `SELECT count(*) FROM outbox WHERE kind = 'reminder' AND sent_at IS NULL`)
	if unsent != 0 {
		t.Fatalf("%d reminders left to send for a cancelled night", unsent)
	}
}

// One person's RSVPs sent at once (a double tap, two tabs) make one RSVP and
// move the counter once, the first time and again after a cancellation;
// each of them answers with that one ticket.
func TestOnePersonsRacingRSVPsMakeOne(t *testing.T) {
	f := newFixture(t, 10)
	if err := f.s.Prepare(context.Background()); err != nil { // as a server's store is
		t.Fatal(err)
	}
	g := f.guests(t, 1)[0]
	ctx := context.Background()
	race := func() models.RSVP {
		t.Helper()
		var wg sync.WaitGroup
		got := make([]models.RSVP, 20)
		for i := range got {
			wg.Go(func() {
				r, err := f.s.At(t0).Reserve(ctx, f.event, g.ID)
				if err != nil {
					t.Error(err)
				}
				got[i] = r
			})
		}
		wg.Wait()
		for _, r := range got[1:] {
			if r.ID != got[0].ID || string(r.TicketID) != string(got[0].TicketID) || r.Status != models.RSVPConfirmed {
				t.Fatalf("answers differ: %+v and %+v", got[0], r)
			}
		}
		e, _ := f.s.EventByID(ctx, f.event)
		msgs, _ := f.s.MessagesTo(ctx, g.Email)
		if e.ConfirmedCount != 1 || e.WaitlistCount != 0 {
			t.Fatalf("counters %d/%d after racing RSVPs (messages %d)", e.ConfirmedCount, e.WaitlistCount, len(msgs))
		}
		return got[0]
	}
	first := race()
	if msgs, _ := f.s.MessagesTo(ctx, g.Email); len(msgs) != 1 {
		t.Fatalf("%d confirmations for one RSVP", len(msgs))
	}
	if _, _, err := f.s.At(t0).CancelRSVP(ctx, first.ID, g.ID); err != nil {
		t.Fatal(err)
	}
	if again := race(); again.ID != first.ID {
		t.Fatalf("coming back made a new RSVP row %d, want %d", again.ID, first.ID)
	}
}

// The waitlist's email is written before its place is known and completed
// under the night's lock: a title with a percent sign survives it.
func TestWaitlistEmailNamesThePlace(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	if _, err := f.s.DB.Exec(`UPDATE events SET title = '100% talk: 50%s off' WHERE id = $1`, f.event); err != nil {
		t.Fatal(err)
	}
	gs := f.guests(t, 3)
	for _, g := range gs {
		f.reserve(t, g)
	}
	msgs, _ := f.s.MessagesTo(ctx, gs[2].Email)
	if len(msgs) != 1 || msgs[0].Subject != "You are #2 on the waitlist: 100% talk: 50%s off" ||
		!strings.Contains(msgs[0].Body, "100% talk: 50%s off on ") || !strings.Contains(msgs[0].Body, "you are number 2 on the waitlist") {
		t.Fatalf("waitlist email: %+v", msgs)
	}
	if msgs, _ := f.s.MessagesTo(ctx, gs[0].Email); len(msgs) != 1 || msgs[0].Subject != "You're in: 100% talk: 50%s off" {
		t.Fatalf("confirmation: %+v", msgs)
	}
}
