package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// proposalForm is what a member posts to propose a night.
type proposalForm struct {
	Title          string `form:"title"`
	Description    string `form:"description"`
	PreferredDates string `form:"preferred_dates"`
	Size           string `form:"size"`
}

func (f proposalForm) validate(room int) (models.ProposalInput, fieldErrors) {
	errs := fieldErrors{}
	in := models.ProposalInput{Title: strings.TrimSpace(f.Title), Description: strings.TrimSpace(f.Description),
		PreferredDates: strings.TrimSpace(f.PreferredDates)}
	errs.check(in.Title != "", "title", "Give the night a title.")
	errs.check(oneLine(in.Title), "title", "Write the title on one line, without special characters.")
	errs.check(maxChars(in.Title, models.MaxTitleLength), "title", fmt.Sprintf("Keep the title under %d characters.", models.MaxTitleLength))
	errs.check(in.Description != "", "description", "Say what the night is about: the topic, the format, who it is for.")
	errs.check(maxChars(in.Description, models.MaxDescriptionLength), "description", fmt.Sprintf("Keep the description under %d characters.", models.MaxDescriptionLength))
	errs.check(in.PreferredDates != "", "preferred_dates", "Say when you could host, like “Tuesday evenings in January”.")
	errs.check(maxChars(in.PreferredDates, models.MaxPreferredDates), "preferred_dates", fmt.Sprintf("Keep this under %d characters.", models.MaxPreferredDates))
	n, err := strconv.Atoi(strings.TrimSpace(f.Size))
	errs.check(err == nil && n >= 1 && n <= room, "size", fmt.Sprintf("Say how many people, from 1 to %d (the room's limit).", room))
	in.Size = n
	return in, errs
}

// proposalPage is the data of the proposal form.
type proposalPage struct {
	Proposal *models.Proposal // nil for a new one
	Room     int
}

// newProposalPage is GET /proposals/new: the form to offer to host.
func (a *App) newProposalPage(c echo.Context) error {
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "proposal_form", page{Title: "Propose a night", Form: proposalForm{Size: "12"}, Data: proposalPage{Room: venue.RoomCapacity}})
}

// readProposal binds and checks the proposal form. When it is wrong, it
// has shown the form again (title, for p: nil for a new one) and ok is false.
func (a *App) readProposal(c echo.Context, title string, p *models.Proposal) (in models.ProposalInput, ok bool, err error) {
	var f proposalForm
	if err := c.Bind(&f); err != nil {
		return in, false, echo.NewHTTPError(http.StatusBadRequest)
	}
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return in, false, err
	}
	in, errs := f.validate(venue.RoomCapacity)
	if !errs.valid() {
		return in, false, a.render(c, http.StatusUnprocessableEntity, "proposal_form", page{Title: title, Form: f, Errors: errs,
			Data: proposalPage{Proposal: p, Room: venue.RoomCapacity}})
	}
	return in, true, nil
}

// propose is POST /proposals/new.
func (a *App) propose(c echo.Context) error {
	in, ok, err := a.readProposal(c, "Propose a night", nil)
	if !ok {
		return err
	}
	u := currentUser(c)
	if !u.Verified() { // as for a seat: a throwaway address does not get a night
		if err := a.sendVerification(c, *u, nil); err != nil {
			return err
		}
		return a.seeOther(c, verifyPage(nil), "Confirm your email to propose a night: we sent a link to "+u.Email+". Then send your proposal again.")
	}
	if _, err := a.store.Propose(c.Request().Context(), u.ID, in); err != nil {
		return err
	}
	return a.seeOther(c, "/me/proposals", "Thank you: your proposal is with staff, who will answer by email.")
}

// ownProposal is the signed-in member's proposal of the path, or 404.
func (a *App) ownProposal(c echo.Context) (models.Proposal, error) {
	id, err := pathID(c)
	if err != nil {
		return models.Proposal{}, err
	}
	p, err := a.store.ProposalByID(c.Request().Context(), id)
	if err == nil && p.UserID != currentUser(c).ID {
		err = models.ErrNotFound // someone else's: as if it did not exist
	}
	return p, err
}

// editProposalPage is GET /proposals/{id}/edit: change an open proposal.
func (a *App) editProposalPage(c echo.Context) error {
	p, err := a.ownProposal(c)
	if err != nil {
		return err
	}
	if !p.Open() {
		return a.seeOther(c, "/me/proposals", "That proposal has been answered: it can no longer change.")
	}
	venue, err := a.venue(c.Request().Context())
	if err != nil {
		return err
	}
	f := proposalForm{Title: p.Title, Description: p.Description, PreferredDates: p.PreferredDates, Size: strconv.Itoa(p.Size)}
	return a.render(c, http.StatusOK, "proposal_form", page{Title: "Change your proposal", Form: f, Data: proposalPage{Proposal: &p, Room: venue.RoomCapacity}})
}

// reviseProposal is POST /proposals/{id}/edit.
func (a *App) reviseProposal(c echo.Context) error {
	p, err := a.ownProposal(c)
	if err != nil {
		return err
	}
	in, ok, err := a.readProposal(c, "Change your proposal", &p)
	if !ok {
		return err
	}
	err = a.store.ReviseProposal(c.Request().Context(), p.ID, currentUser(c).ID, in)
	if errors.Is(err, models.ErrProposalClosed) {
		return a.seeOther(c, "/me/proposals", "That proposal has been answered meanwhile: it can no longer change.")
	}
	if err != nil {
		return err
	}
	return a.seeOther(c, "/me/proposals", "Changed: your proposal is with staff again.")
}

// myProposals is GET /me/proposals: the member's proposals and answers.
func (a *App) myProposals(c echo.Context) error {
	ps, err := a.store.ProposalsBy(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "my_proposals", page{Title: "My proposals", Data: ps})
}

// staffProposalsPage is the data of /staff/proposals.
type staffProposalsPage struct {
	Proposals []models.Proposal
	Venue     models.Venue
	Start     string // a suggested start for the accept form: a week on, 19:00
	End       string
}

// staffProposals is GET /staff/proposals: the proposals to answer.
func (a *App) staffProposals(c echo.Context) error {
	ctx := c.Request().Context()
	ps, err := a.store.OpenProposals(ctx)
	if err != nil {
		return err
	}
	venue, err := a.venue(ctx)
	if err != nil {
		return err
	}
	start := nextWeekAt19(a.now(), venue.Location())
	return a.render(c, http.StatusOK, "staff_proposals", page{Title: "Proposals", Data: staffProposalsPage{Proposals: ps, Venue: venue,
		Start: start.Format(formTimeLayout), End: start.Add(2 * time.Hour).Format(formTimeLayout)}})
}

// acceptForm is staff's date and size for an accepted proposal.
type acceptForm struct {
	StartsAt string `form:"starts_at"`
	EndsAt   string `form:"ends_at"`
	Capacity string `form:"capacity"`
}

// acceptProposal is POST /staff/proposals/{id}/accept: the member hosts a
// draft night at the time staff set.
func (a *App) acceptProposal(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var f acceptForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	ctx := c.Request().Context()
	venue, err := a.venue(ctx)
	if err != nil {
		return err
	}
	// The night's own rules say what a time and a size may be.
	in, errs := eventForm{Title: "proposal", StartsAt: f.StartsAt, EndsAt: f.EndsAt, Capacity: f.Capacity}.validate(
		eventRules{Loc: venue.Location(), RoomCapacity: venue.RoomCapacity, Now: a.now(), IsNew: true, Currency: venue.Currency, Venue: venue})
	if !errs.valid() {
		for _, field := range []string{"starts_at", "ends_at", "capacity"} {
			if msg := errs[field]; msg != "" {
				return a.seeOther(c, fmt.Sprintf("/staff/proposals#proposal-%d", id), "Not accepted: "+msg)
			}
		}
	}
	eventID, err := a.store.AcceptProposal(ctx, id, currentUser(c).ID, models.Acceptance{VenueID: venue.ID, StartsAt: in.StartsAt, EndsAt: in.EndsAt, Capacity: in.Capacity})
	if errors.Is(err, models.ErrProposalClosed) {
		return a.seeOther(c, "/staff/proposals", "That proposal was answered meanwhile.")
	}
	if err != nil {
		return err
	}
	return a.seeOther(c, fmt.Sprintf("/events/%d", eventID), "Accepted: the member hosts this night and has been told by email. It is a draft until they (or you) publish it.")
}

// answerProposal is POST /staff/proposals/{id}/answer: ask for changes, or
// decline, with a message to the member.
func (a *App) answerProposal(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	action, message := c.FormValue("action"), strings.TrimSpace(c.FormValue("message"))
	status := map[string]string{"changes": models.ProposalChanges, "decline": models.ProposalDeclined}[action]
	switch {
	case status == "":
		return echo.NewHTTPError(http.StatusBadRequest, "Choose to ask for changes or to decline.")
	case message == "" || !maxChars(message, 2000):
		return a.seeOther(c, fmt.Sprintf("/staff/proposals#proposal-%d", id), "Write the member a message (up to 2,000 characters): it goes in the email.")
	}
	err = a.store.AnswerProposal(c.Request().Context(), id, currentUser(c).ID, status, message)
	if errors.Is(err, models.ErrProposalClosed) {
		return a.seeOther(c, "/staff/proposals", "That proposal was answered meanwhile.")
	}
	if err != nil {
		return err
	}
	if status == models.ProposalDeclined {
		return a.seeOther(c, "/staff/proposals", "Declined: the member has your message by email.")
	}
	return a.seeOther(c, "/staff/proposals", "Asked for changes: the member has your message by email.")
}
