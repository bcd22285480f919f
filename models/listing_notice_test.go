package models_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/clockroom/clockroom/internal/testkit/testdb"
	"github.com/clockroom/clockroom/models"
)

// With a notifier, an RSVP's commit carries no listing notice (NOTIFY would
// lock the whole database through the commit's flush); the notifier sends
// one after it. Notices arrive in commit order, so a probe notice sent after
// the RSVP shows that none came from its commit.
func TestRSVPsLeaveTheListingNoticeToTheNotifier(t *testing.T) {
	url := testdb.NewURL(t, true)
	db, err := models.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &models.Store{DB: db, Tickets: models.NewTicketSigner(strings.Repeat("k", 40))}
	ctx := context.Background()
	v, _ := s.CreateVenue(ctx, models.Venue{Name: "Café", TimeZone: "Europe/London", Currency: "GBP", RoomCapacity: 100})
	host, _ := s.CreateUser(ctx, models.NewUser{Email: "host@example.com", Name: "Host", Password: "password123", Role: models.RoleHost})
	guest, _ := s.CreateUser(ctx, models.NewUser{Email: "guest@example.com", Name: "Guest", Password: "password123"})
	night, err := s.At(t0).CreateEvent(ctx, models.NewEvent{VenueID: v.ID, HostID: host.ID, Status: models.EventPublished,
		EventInput: models.EventInput{Title: "Night", StartsAt: t0.Add(24 * time.Hour), EndsAt: t0.Add(27 * time.Hour), Capacity: 5}})
	if err != nil {
		t.Fatal(err)
	}

	l := pq.NewListener(url, 10*time.Millisecond, time.Second, nil)
	t.Cleanup(func() { l.Close() })
	for _, ch := range []string{models.ListingChannel, "probe"} {
		if err := l.Listen(ch); err != nil {
			t.Fatal(err)
		}
	}
	next := func() string {
		t.Helper()
		select {
		case n := <-l.Notify:
			return n.Channel
		case <-time.After(10 * time.Second):
			t.Fatal("no notice within 10s")
			return ""
		}
	}

	s.Listing = models.NewListingNotifier(db, models.ListingNoticeWindow, t.Logf)
	if _, err := s.At(t0).Reserve(ctx, night, guest.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`SELECT pg_notify('probe', '')`); err != nil {
		t.Fatal(err)
	}
	if ch := next(); ch != "probe" {
		t.Fatalf("the RSVP's own commit announced it (%s before the probe)", ch)
	}
	// The notifier, running, announces it.
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); s.Listing.Run(run) }()
	t.Cleanup(func() { stop(); <-done })
	if ch := next(); ch != models.ListingChannel {
		t.Fatalf("got a notice on %q, want the listing's", ch)
	}
	// Without a notifier, the commit announces it as every other change does.
	s.Listing = nil
	if _, _, err := s.At(t0).CancelRSVP(ctx, mustRSVP(t, s, night, guest.ID), guest.ID); err != nil {
		t.Fatal(err)
	}
	if ch := next(); ch != models.ListingChannel {
		t.Fatalf("got a notice on %q, want the listing's", ch)
	}
}

func mustRSVP(t *testing.T, s *models.Store, event, user int64) int64 {
	t.Helper()
	var id int64
	if err := s.DB.Get(&id, `SELECT id FROM rsvps WHERE event_id = $1 AND user_id = $2`, event, user); err != nil {
		t.Fatal(err)
	}
	return id
}
