package handlers

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// Feedback by the ticket's link: a rating out of range is refused by its
// field and stores nothing; during the night the page says it is not open.
func TestFeedbackRefusals(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	now := time.Now()
	c := ta.client(t)
	during := ta.tonight(t, v, host, 10)
	code := ta.ticket(t, during, ta.user(t, "bob@example.com", models.RoleAttendee))
	wantBody(t, c.get("/tickets/"+code+"/feedback"), "Feedback opens after the night")

	over := ta.startedAgo(t, v, host, 10, 5*time.Hour)
	ada := ta.user(t, "ada@example.com", models.RoleAttendee)
	r, err := ta.store.Reserve(t.Context(), over.ID, ada.ID, over.StartsAt.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	in := over.StartsAt.Add(time.Minute)
	if _, err := ta.store.Scan(t.Context(), models.ScanRequest{EventID: over.ID, TicketID: r.TicketID, Direction: models.ScanIn, At: in, Now: in, Key: "feedback-refusals"}); err != nil {
		t.Fatal(err)
	}
	path := "/tickets/" + ta.store.Tickets.Code(r.TicketID) + "/feedback"
	c.get(path)
	res := c.post(path, url.Values{"rating": {"9"}, "comment": {"ten out of five"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Choose from one to five stars.", "ten out of five")
	if f, _ := ta.store.FeedbackFor(t.Context(), r.ID); f != nil {
		t.Fatalf("a refused rating was stored: %+v", f)
	}
	wantStatus(t, c.post(path, url.Values{"rating": {"3"}}), http.StatusSeeOther)
	if f, _ := ta.store.FeedbackFor(t.Context(), r.ID); f == nil || f.Rating != 3 || !f.CreatedAt.After(now.Add(-time.Minute)) {
		t.Fatalf("the rating stored: %+v", f)
	}
}

// The reminder's give-away link: opening it changes nothing; its one button,
// with no sign-in, frees the seat for the first person on the waitlist.
func TestGiveAwayFromTheReminder(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	start := time.Now().Add(3 * time.Hour)
	id, err := ta.store.CreateEvent(t.Context(), models.NewEvent{VenueID: v.ID, HostID: host.ID, Now: time.Now(), Status: models.EventPublished,
		EventInput: models.EventInput{Title: "Small night", StartsAt: start, EndsAt: start.Add(2 * time.Hour), Capacity: 1}})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := ta.store.EventByID(t.Context(), id)
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	ta.ticket(t, e, ta.user(t, "bob@example.com", models.RoleAttendee)) // waitlisted
	c := ta.client(t)
	page := c.get("/tickets/" + ada + "/give-away")
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, "I can't come: give my seat away")
	if e, _ = ta.store.EventByID(t.Context(), id); e.ConfirmedCount != 1 || e.WaitlistCount != 1 {
		t.Fatal("opening the link changed the seats")
	}
	res := c.post("/tickets/"+ada+"/give-away", nil)
	wantStatus(t, res, http.StatusSeeOther)
	wantBody(t, c.get(res.Header.Get("Location")), "your seat has gone to the next person on the waitlist")
	bob, _ := ta.store.UserByEmail(t.Context(), "bob@example.com")
	if r, _ := ta.store.RSVPFor(t.Context(), id, bob.ID); r.Status != models.RSVPConfirmed {
		t.Fatalf("Bob after Ada gave her seat away: %s", r.Status)
	}
	wantBody(t, c.get("/tickets/"+ada+"/give-away"), "This ticket was already given up.")
}
