package models_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// A member's proposal, accepted by two staff at once on two instances,
// makes one draft night hosted by the member, who becomes a host and is
// told once; a closed proposal can no longer change.
func TestAcceptProposalOnce(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	member := f.guests(t, 1)[0]
	staff, _ := f.s.CreateUser(ctx, models.NewUser{Email: "staff@example.com", Name: "Staff", Password: "password123", Role: models.RoleStaff})
	in := models.ProposalInput{Title: "Stoic breakfast", Description: "Reading Seneca over toast.", PreferredDates: "Saturday mornings", Size: 14}
	id, err := f.s.At(t0).Propose(ctx, member.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.At(t0).ReviseProposal(ctx, id, staff.ID, in); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("someone else revising a member's proposal: %v", err)
	}
	var venue int64
	f.s.DB.Get(&venue, `SELECT id FROM venues`)
	start := t0.Add(7 * 24 * time.Hour)
	other := &models.Store{DB: f.s.DB}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var nights []int64
	var closed int
	for i, s := range []*models.Store{f.s, other, f.s, other} {
		wg.Go(func() {
			e, err := s.At(t0).AcceptProposal(ctx, id, staff.ID, models.Acceptance{VenueID: venue, StartsAt: start.Add(time.Duration(i) * time.Hour), EndsAt: start.Add(5 * time.Hour), Capacity: 14})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				nights = append(nights, e)
			case errors.Is(err, models.ErrProposalClosed):
				closed++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(nights) != 1 || closed != 3 {
		t.Fatalf("%d nights made, %d refused, want one and three", len(nights), closed)
	}
	e, err := f.s.EventByID(ctx, nights[0])
	if err != nil || e.HostID != member.ID || e.Status != models.EventDraft || e.Title != "Stoic breakfast" || e.Capacity != 14 {
		t.Fatalf("the night made: %+v %v", e, err)
	}
	u, _ := f.s.UserByID(ctx, member.ID)
	if u.Role != models.RoleHost {
		t.Fatalf("the member's role: %s, want host", u.Role)
	}
	ms, _ := f.s.MessagesTo(ctx, member.Email)
	accepted := 0
	for _, m := range ms {
		if m.Kind == models.MsgProposalAccepted {
			accepted++
		}
	}
	if accepted != 1 {
		t.Fatalf("%d acceptance emails, want one", accepted)
	}
	if err := f.s.At(t0).ReviseProposal(ctx, id, member.ID, in); !errors.Is(err, models.ErrProposalClosed) {
		t.Fatalf("revising an accepted proposal: %v", err)
	}
	if err := f.s.At(t0).AnswerProposal(ctx, id, staff.ID, models.ProposalDeclined, "no"); !errors.Is(err, models.ErrProposalClosed) {
		t.Fatalf("declining an accepted proposal: %v", err)
	}
}

// Asked for changes, the member revises and the proposal is pending again;
// declined, it is closed, and both answers reach the member by email.
func TestAnswerProposal(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	s := f.s.At(t0)
	member := f.guests(t, 1)[0]
	in := models.ProposalInput{Title: "Knitting and philosophy", Description: "Purl and ponder.", PreferredDates: "Any Monday", Size: 8}
	id, _ := s.Propose(ctx, member.ID, in)
	if err := s.AnswerProposal(ctx, id, 0, "maybe", "hm"); err == nil {
		t.Fatal("an answer that is neither changes nor declined was taken")
	}
	if err := s.AnswerProposal(ctx, id, 0, models.ProposalChanges, "Could it be on a Tuesday?"); err != nil {
		t.Fatal(err)
	}
	p, _ := f.s.ProposalByID(ctx, id)
	if p.Status != models.ProposalChanges || p.StaffMessage == nil || *p.StaffMessage != "Could it be on a Tuesday?" {
		t.Fatalf("after asking for changes: %+v", p)
	}
	in.PreferredDates = "Tuesdays"
	if err := s.ReviseProposal(ctx, id, member.ID, in); err != nil {
		t.Fatal(err)
	}
	if p, _ = f.s.ProposalByID(ctx, id); p.Status != models.ProposalPending || p.PreferredDates != "Tuesdays" {
		t.Fatalf("after the member's changes: %+v", p)
	}
	if err := s.AnswerProposal(ctx, id, 0, models.ProposalDeclined, "The room is booked on Tuesdays."); err != nil {
		t.Fatal(err)
	}
	if open, _ := f.s.OpenProposals(ctx); len(open) != 0 {
		t.Fatalf("a declined proposal is still open: %+v", open)
	}
	ms, _ := f.s.MessagesTo(ctx, member.Email)
	var bodies []string
	for _, m := range ms {
		bodies = append(bodies, m.Kind+": "+m.Body)
	}
	all := strings.Join(bodies, "\n")
	if !strings.Contains(all, "proposal_changes: ") || !strings.Contains(all, "Could it be on a Tuesday?") ||
		!strings.Contains(all, "proposal_declined: ") || !strings.Contains(all, "The room is booked on Tuesdays.") {
		t.Fatalf("the member's emails:\n%s", all)
	}
}
