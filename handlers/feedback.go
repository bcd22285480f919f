package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// feedbackPage is the data of a ticket's feedback page.
type feedbackPage struct {
	Ticket models.Ticket
	Token  string           // the feedback link's own token, never the ticket code
	Open   bool             // the night is over and the guest came
	Given  *models.Feedback // what they said, once they have
	Rating int              // the rating tapped in the email, 1 to 5; 0 for none
}

// feedbackForm is GET /feedback/{token}: the token emailed to the guest
// alone is the credential, so a guest needs no sign-in, and the host, who
// sees ticket codes at the door, cannot answer for a guest. The rating
// tapped in the email is chosen, not saved: mail scanners open links too.
func (a *App) feedbackForm(c echo.Context) error {
	p, err := a.feedbackData(c)
	if err != nil {
		return err
	}
	if r, err := strconv.Atoi(c.QueryParam("rating")); err == nil && r >= 1 && r <= 5 {
		p.Rating = r
	}
	return a.render(c, http.StatusOK, "feedback", page{Title: "How was " + p.Ticket.Event.Title + "?", Data: p})
}

func (a *App) feedbackData(c echo.Context) (feedbackPage, error) {
	t, token, err := a.guestLinkFromPath(c, models.LinkFeedback)
	if err != nil {
		return feedbackPage{}, err
	}
	p := feedbackPage{Ticket: t, Token: token}
	ctx := c.Request().Context()
	if p.Open, err = a.store.CanGiveFeedback(ctx, t); err != nil {
		return p, err
	}
	p.Given, err = a.store.FeedbackFor(ctx, t.ID)
	return p, err
}

// giveFeedback is POST /feedback/{token}: one answer per RSVP.
func (a *App) giveFeedback(c echo.Context) error {
	rating, _ := strconv.Atoi(c.FormValue("rating"))
	comment := strings.TrimSpace(c.FormValue("comment"))
	errs := fieldErrors{}
	errs.check(rating >= 1 && rating <= 5, "rating", "Choose from one to five stars.")
	errs.check(maxChars(comment, models.MaxFeedbackComment), "comment", "Keep the comment under 2,000 characters.")
	if !errs.valid() {
		p, err := a.feedbackData(c)
		if err != nil {
			return err
		}
		p.Rating = rating
		return a.render(c, http.StatusUnprocessableEntity, "feedback", page{Title: "How was " + p.Ticket.Event.Title + "?", Data: p,
			Errors: errs, Form: map[string]string{"comment": comment}})
	}
	t, token, err := a.guestLinkFromPath(c, models.LinkFeedback)
	if err != nil {
		return err
	}
	back := "/feedback/" + token
	err = a.store.GiveFeedback(c.Request().Context(), t, rating, comment)
	switch {
	case errors.Is(err, models.ErrFeedbackGiven):
		return a.seeOther(c, back, "You have told us already: thank you.")
	case errors.Is(err, models.ErrFeedbackNotOpen):
		return a.seeOther(c, back, "Feedback opens after the night, for guests who came.")
	case err != nil:
		return err
	}
	return a.seeOther(c, back, "Thank you: the host will read it.")
}
