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

// The morning after a night, each guest who came is asked once, however
// many instances run the job; guests who did not come are not asked; each
// answers once, and the host sees the average and the comments.
func TestFeedbackTheMorningAfter(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	e, _ := f.s.EventByID(ctx, f.event) // starts a day after t0, ends three hours later
	gs := f.guests(t, 3)
	var tickets []models.Ticket
	for i, g := range gs {
		r := f.reserve(t, g)
		tk, _ := f.s.TicketByID(ctx, r.TicketID)
		tickets = append(tickets, tk)
		if i < 2 { // the third never came
			if _, err := f.s.At(e.StartsAt.Add(time.Minute)).Scan(ctx, models.ScanRequest{EventID: f.event, TicketID: r.TicketID, Direction: models.ScanIn, Key: fmt.Sprintf("feedback-in-%d", i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.s.At(e.StartsAt.Add(time.Hour)).GiveFeedback(ctx, tickets[0], 5, ""); !errors.Is(err, models.ErrFeedbackNotOpen) {
		t.Fatalf("feedback during the night: %v", err)
	}
	loc, _ := time.LoadLocation("Europe/London")
	y, m, d := e.EndsAt.In(loc).Date()
	morning := time.Date(y, m, d+1, 9, 0, 0, 0, loc)
	if n, err := f.s.At(morning.Add(-time.Minute)).QueueFeedbackRequests(ctx); n != 0 || err != nil {
		t.Fatalf("asked %d before the morning after (%v)", n, err)
	}
	other := &models.Store{DB: f.s.DB, Tickets: f.s.Tickets}
	var wg sync.WaitGroup
	for _, s := range []*models.Store{f.s, other, f.s, other} {
		wg.Go(func() {
			if _, err := s.At(morning).QueueFeedbackRequests(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var asked []string
	f.s.DB.Select(&asked, `SELECT to_email FROM outbox WHERE kind = 'feedback' ORDER BY to_email`)
	if fmt.Sprint(asked) != fmt.Sprint([]string{gs[0].Email, gs[1].Email}) {
		t.Fatalf("asked %v, want the two who came, once each", asked)
	}
	ms, _ := f.s.MessagesTo(ctx, gs[0].Email)
	var body string
	for _, msg := range ms {
		if msg.Kind == models.MsgFeedback {
			body = msg.Body
		}
	}
	link := "/feedback/" + f.s.Tickets.GuestToken(models.LinkFeedback, tickets[0].ID)
	if !strings.Contains(body, link+"?rating=5") || !strings.Contains(body, link+"?rating=1") || strings.Contains(body, "/tickets/") {
		t.Fatalf("the request has no one-tap ratings by its own token:\n%s", body)
	}
	if err := f.s.At(morning).GiveFeedback(ctx, tickets[2], 1, ""); !errors.Is(err, models.ErrFeedbackNotOpen) {
		t.Fatalf("feedback from a guest who never came: %v", err)
	}
	if err := f.s.At(morning).GiveFeedback(ctx, tickets[0], 5, "Wonderful host."); err != nil {
		t.Fatal(err)
	}
	if err := f.s.At(morning).GiveFeedback(ctx, tickets[0], 1, "changed my mind"); !errors.Is(err, models.ErrFeedbackGiven) {
		t.Fatalf("a second answer: %v", err)
	}
	if err := f.s.At(morning).GiveFeedback(ctx, tickets[1], 4, ""); err != nil {
		t.Fatal(err)
	}
	nf, err := f.s.FeedbackOn(ctx, f.event)
	if err != nil || nf.Count != 2 || nf.Average != 4.5 || len(nf.Comments) != 1 || nf.Comments[0].Comment != "Wonderful host." || nf.Ratings != [5]int{0, 0, 0, 1, 1} {
		t.Fatalf("the night's feedback: %+v %v", nf, err)
	}
	hr, err := f.s.RatingsOfHost(ctx, f.host.ID)
	if err != nil || hr.Count != 2 || hr.Average.Float64 != 4.5 || hr.ByNight[f.event] != 4.5 {
		t.Fatalf("the host's ratings: %+v %v", hr, err)
	}
	if came, err := f.s.Attendance(ctx, []int64{f.event}); err != nil || came[f.event] != 2 {
		t.Fatalf("attendance %v %v, want the two who came", came, err)
	}
	if n, _ := f.s.At(morning.Add(time.Hour)).QueueFeedbackRequests(ctx); n != 0 {
		t.Fatal("asked again")
	}
}
