package handlers

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// Feedback by the emailed link: a rating out of range is refused by its
// field and stores nothing; during the night the page says it is not open.
func TestFeedbackRefusals(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	now := time.Now()
	c := ta.client(t)
	during := ta.tonight(t, v, host, 10)
	bob := ta.reserveAt(t, during, ta.user(t, "bob@example.com", models.RoleAttendee), time.Now())
	wantBody(t, c.get("/feedback/"+ta.store.Tickets.GuestToken(models.LinkFeedback, bob.ID)), "Feedback opens after the night")

	over := ta.startedAgo(t, v, host, 10, 5*time.Hour)
	ada := ta.user(t, "ada@example.com", models.RoleAttendee)
	r, err := ta.store.At(over.StartsAt.Add(-time.Hour)).Reserve(t.Context(), over.ID, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	in := over.StartsAt.Add(time.Minute)
	if _, err := ta.store.At(in).Scan(t.Context(), models.ScanRequest{EventID: over.ID, TicketID: r.TicketID, Direction: models.ScanIn, Key: "feedback-refusals"}); err != nil {
		t.Fatal(err)
	}
	path := "/feedback/" + ta.store.Tickets.GuestToken(models.LinkFeedback, r.ID)
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
