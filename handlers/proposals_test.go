package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/clockroom/clockroom/models"
)

// Proposals: bad input is refused by its field and stores nothing; a
// member sees and changes only their own; only staff answer.
func TestProposalsGuards(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	mia, miaUser := ta.signedIn(t, "mia@example.com", models.RoleAttendee)
	bob, _ := ta.signedIn(t, "bob@example.com", models.RoleAttendee)
	host, _ := ta.signedIn(t, "host@example.com", models.RoleHost)

	res := mia.post("/proposals/new", url.Values{"title": {"Tea"}, "description": {"Tea tasting."}, "preferred_dates": {"Sundays"}, "size": {"6000"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Say how many people, from 1 to 60")
	if ps, _ := ta.store.ProposalsBy(t.Context(), miaUser.ID); len(ps) != 0 {
		t.Fatal("a refused proposal was stored")
	}
	res = mia.post("/proposals/new", url.Values{"title": {"Tea"}, "description": {"Tea tasting."}, "preferred_dates": {"Sundays"}, "size": {"10"}})
	wantStatus(t, res, http.StatusSeeOther)
	ps, _ := ta.store.ProposalsBy(t.Context(), miaUser.ID)
	if len(ps) != 1 || ps[0].Status != models.ProposalPending {
		t.Fatalf("Mia's proposals: %+v", ps)
	}
	edit := fmt.Sprintf("/proposals/%d/edit", ps[0].ID)
	wantStatus(t, bob.get(edit), http.StatusNotFound)
	wantStatus(t, bob.post(edit, url.Values{"title": {"Mine now"}, "description": {"x"}, "preferred_dates": {"x"}, "size": {"2"}}), http.StatusNotFound)
	wantStatus(t, mia.get(edit), http.StatusOK)
	for _, c := range []*client{mia, host} {
		wantStatus(t, c.get("/staff/proposals"), http.StatusForbidden)
		wantStatus(t, c.post(fmt.Sprintf("/staff/proposals/%d/answer", ps[0].ID), url.Values{"action": {"decline"}, "message": {"no"}}), http.StatusForbidden)
	}
	if p, _ := ta.store.ProposalByID(t.Context(), ps[0].ID); p.Status != models.ProposalPending || p.Title != "Tea" {
		t.Fatalf("after others tried: %+v", p)
	}
}
