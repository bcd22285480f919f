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

// Emailed links: reset a forgotten password, or sign in without one. The
// answer never says whether an account exists, and sending is limited per
// address and per account so the form cannot be used to flood a mailbox.

type linkForm struct {
	Email   string `form:"email"`
	Purpose string `form:"purpose"`
}

// Limits on emailed links and sign-ups. A night's guests may all sign up on
// the café's Wi-Fi (one address) within minutes, so sign-ups per network are
// many, yet a script cannot make thousands a day from one; and however many
// accounts or networks ask, one mailbox gets only a few emails an hour that a
// visitor asked for (links, confirmations, email changes).
const (
	linksPerNetwork       = 10  // an hour, from one network
	mailsPerAddress       = 5   // an hour, to one mailbox, asked for by anyone
	emailChangesPerUser   = 3   // an hour, by one account
	verificationsPerUser  = 5   // an hour, for one account
	signupsPerNetworkHour = 100 // from one network
	signupsPerNetworkDay  = 300
)

// mailTo is the limit on visitor-requested emails to address.
func mailTo(address string) limit {
	return limit{"mail-to", models.NormalizeEmail(address), mailsPerAddress, time.Hour}
}

// emailLinkPage asks for the email to send a link to.
func (a *App) emailLinkPage(c echo.Context) error {
	return a.render(c, http.StatusOK, "email_link", page{Title: "Email me a link", Form: linkForm{Purpose: c.QueryParam("purpose")}})
}

// emailLink sends a reset or sign-in link, if there is such an account.
func (a *App) emailLink(c echo.Context) error {
	var f linkForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	f.Email = models.NormalizeEmail(f.Email)
	errs := fieldErrors{}
	errs.check(f.Purpose == models.LinkReset || f.Purpose == models.LinkSignIn, "form", "Choose what the link should do.")
	errs.check(validEmail(f.Email), "email", "Enter the email address of your account, like name@example.com.")
	if !errs.valid() {
		return a.render(c, http.StatusUnprocessableEntity, "email_link", page{Title: "Email me a link", Form: f, Errors: errs})
	}
	ok, err := a.within(c, limit{"link-network", clientNetwork(c), linksPerNetwork, time.Hour}, mailTo(f.Email))
	if err != nil {
		return err
	}
	if !ok {
		return a.render(c, http.StatusTooManyRequests, "email_link", page{Title: "Email me a link", Form: f,
			Errors: fieldErrors{"form": "Too many links asked for just now. Wait an hour, or use the last link we sent."}})
	}
	if _, err := a.store.SendLink(c.Request().Context(), f.Email, f.Purpose); err != nil {
		return err
	}
	return a.seeOther(c, "/login", "If "+f.Email+" has an account, a link is on its way. It works once, for 30 minutes.")
}

// resetPage asks for a new password, for a link that still works.
func (a *App) resetPage(c echo.Context) error {
	if err := a.store.CheckLink(c.Request().Context(), c.Param("token"), models.LinkReset); err != nil {
		return linkGone(err)
	}
	return a.render(c, http.StatusOK, "reset", page{Title: "Choose a new password"})
}

// reset sets the new password, ends every other session of the account and
// signs the person in (after the second factor, if it is on: a reset leaves
// it on).
func (a *App) reset(c echo.Context) error {
	password := c.FormValue("password")
	if problem := passwordProblem(password, "", ""); problem != "" {
		return a.render(c, http.StatusUnprocessableEntity, "reset", page{Title: "Choose a new password", Errors: fieldErrors{"password": problem}})
	}
	u, err := a.store.ResetPassword(c.Request().Context(), c.Param("token"), password)
	if err != nil {
		return linkGone(err)
	}
	return a.enter(c, u, "/", "Your password is changed, and you are signed in. Any other session of your account has ended.")
}

// signInLinkPage asks the person to confirm: opening the link alone signs
// nobody in, since mail scanners open links too.
func (a *App) signInLinkPage(c echo.Context) error {
	if err := a.store.CheckLink(c.Request().Context(), c.Param("token"), models.LinkSignIn); err != nil {
		return linkGone(err)
	}
	return a.render(c, http.StatusOK, "signin_link", page{Title: "Sign in"})
}

// signInByLink spends the link and signs its account in (after the second
// factor, if it is on).
func (a *App) signInByLink(c echo.Context) error {
	u, err := a.store.UseLink(c.Request().Context(), c.Param("token"), models.LinkSignIn)
	if err != nil {
		return linkGone(err)
	}
	return a.enter(c, u, "/", "Signed in as "+u.Name+".")
}

// changePassword sets a new password for the signed-in account, given the
// current one; every other session of the account ends.
func (a *App) changePassword(c echo.Context) error {
	current, password := c.FormValue("current_password"), c.FormValue("password")
	u := currentUser(c)
	if problem := passwordProblem(password, u.Email, u.Name); problem != "" {
		return a.seeOther(c, "/me/tickets#account", problem)
	}
	nu, err := a.store.ChangePassword(c.Request().Context(), u.ID, current, password)
	switch {
	case errors.Is(err, models.ErrWrongPassword):
		return a.seeOther(c, "/me/tickets#account", "Your current password is not right, so nothing changed.")
	case errors.Is(err, models.ErrTooManyPasswordChecks):
		return a.seeOther(c, "/me/tickets#account", tooManyPasswordChecks)
	case err != nil:
		return err
	}
	if err := a.signIn(c, nu, a.passedFactor(c, *u)); err != nil {
		return err
	}
	return a.seeOther(c, "/me/tickets#account", "Password changed. You are still signed in here; every other session of your account has ended.")
}

// deleteAccount deletes the signed-in guest's account, given its password,
// and signs out. Bills and payments stay, held by "Deleted account".
func (a *App) deleteAccount(c echo.Context) error {
	ctx := c.Request().Context()
	err := a.store.DeleteAccount(ctx, currentUser(c).ID, c.FormValue("password"))
	switch {
	case errors.Is(err, models.ErrWrongPassword):
		return a.seeOther(c, "/me/tickets#account", "That password is not right, so your account is still here.")
	case errors.Is(err, models.ErrTooManyPasswordChecks):
		return a.seeOther(c, "/me/tickets#account", tooManyPasswordChecks)
	case errors.Is(err, models.ErrNotSelfService):
		return a.seeOther(c, "/me/tickets#account", "This account hosts nights or works at the venue: ask an admin to hand its work over and delete it.")
	case errors.Is(err, models.ErrInside):
		return a.seeOther(c, "/me/tickets#account", "You are inside the room now: check out first, then delete your account.")
	case err != nil:
		return err
	}
	if err := a.signOut(c); err != nil {
		return err
	}
	return a.seeOther(c, "/", "Your account is deleted. Bills and payments stay on record without your name, as the law on business records requires.")
}

// nightIn is the night a "next" path leads to (/events/12), if any.
func nightIn(next string) *int64 {
	raw, ok := strings.CutPrefix(safeNext(next, ""), "/events/")
	if !ok {
		return nil
	}
	id, err := parseID(raw)
	if err != nil {
		return nil
	}
	return &id
}

// verifyPage is where a guest waits for their confirmation link.
func verifyPage(night *int64) string {
	if night == nil {
		return "/verify"
	}
	return fmt.Sprintf("/verify?event=%d", *night)
}

// verifyWait tells a signed-in guest to confirm their email, and offers to
// send the link again.
func (a *App) verifyWait(c echo.Context) error {
	u := currentUser(c)
	if u.Verified() {
		return c.Redirect(http.StatusSeeOther, "/me/tickets")
	}
	return a.render(c, http.StatusOK, "verify", page{Title: "Confirm your email", Data: map[string]any{"Email": u.Email, "Event": c.QueryParam("event")}})
}

// resendVerification sends the confirmation link again, a few times an hour.
func (a *App) resendVerification(c echo.Context) error {
	u := currentUser(c)
	night := nightIn("/events/" + c.FormValue("event"))
	if err := a.sendVerification(c, *u, night); err != nil {
		return err
	}
	return a.seeOther(c, verifyPage(night), "Sent again to "+u.Email+". It can take a minute; look in the spam folder too.")
}

// sendVerification sends u a confirmation link unless too many went out in
// the last hour, for the account or to its mailbox (then the last one still
// works).
func (a *App) sendVerification(c echo.Context, u models.User, night *int64) error {
	ok, err := a.within(c, limit{"verify-account", strconv.FormatInt(u.ID, 10), verificationsPerUser, time.Hour}, mailTo(u.Email))
	if err != nil || !ok {
		return err
	}
	return a.store.SendVerification(c.Request().Context(), u, night)
}

// verifyLinkPage asks for a click before confirming (mail scanners open
// links too, and confirming may book a seat).
func (a *App) verifyLinkPage(c echo.Context) error {
	if err := a.store.CheckLink(c.Request().Context(), c.Param("token"), models.LinkVerify); err != nil {
		return linkGone(err)
	}
	return a.render(c, http.StatusOK, "verify_link", page{Title: "Confirm your email"})
}

// verifyEmail confirms the address, completes the RSVP the sign-up was for,
// and signs its owner in (after the second factor, if it is on) unless they
// are signed in here already.
func (a *App) verifyEmail(c echo.Context) error {
	ctx := c.Request().Context()
	u, night, err := a.store.VerifyEmail(ctx, c.Param("token"))
	if err != nil {
		return linkGone(err)
	}
	next, msg := "/", "Your email is confirmed. Find a night and RSVP."
	if night != nil {
		next, msg = a.confirmedRSVP(c, u, *night)
	}
	if me := currentUser(c); me != nil && me.ID == u.ID {
		return a.seeOther(c, next, msg)
	}
	return a.enter(c, u, next, msg)
}

// confirmedRSVP completes the RSVP to night a sign-up was for, now its
// email is confirmed, and says where to go and what to say.
func (a *App) confirmedRSVP(c echo.Context, u models.User, night int64) (next, msg string) {
	r, err := a.store.Reserve(c.Request().Context(), night, u.ID)
	if err != nil {
		return fmt.Sprintf("/events/%d", night), "Your email is confirmed. RSVP from the night's page."
	}
	msg = "Your email is confirmed, and you're in! Show this ticket's QR code at the door."
	if r.Status == models.RSVPWaitlisted {
		msg = "Your email is confirmed. The night is full, so you are on the waitlist: if a seat frees up it is yours, and we will email you."
	}
	return "/tickets/" + a.store.Tickets.Code(r.TicketID), msg
}

// changeEmail sends a confirmation link to the new address.
func (a *App) changeEmail(c echo.Context) error {
	u := currentUser(c)
	email := models.NormalizeEmail(c.FormValue("email"))
	if !validEmail(email) || len(email) > models.MaxEmailLength {
		return a.seeOther(c, "/me/tickets#account", "Enter the new address like name@example.com.")
	}
	ok, err := a.within(c, limit{"email-change", strconv.FormatInt(u.ID, 10), emailChangesPerUser, time.Hour}, mailTo(email))
	if err != nil {
		return err
	}
	if !ok {
		return a.seeOther(c, "/me/tickets#account", "Too many links asked for just now. Wait an hour, or use the last one we sent.")
	}
	err = a.store.SendEmailChange(c.Request().Context(), *u, c.FormValue("password"), email)
	switch {
	case errors.Is(err, models.ErrWrongPassword):
		return a.seeOther(c, "/me/tickets#account", "Your password is not right, so nothing changed.")
	case errors.Is(err, models.ErrTooManyPasswordChecks):
		return a.seeOther(c, "/me/tickets#account", tooManyPasswordChecks)
	case errors.Is(err, models.ErrDuplicateEmail):
		return a.seeOther(c, "/me/tickets#account", "Another account uses that address already.")
	case err != nil:
		return err
	}
	return a.seeOther(c, "/me/tickets#account", "We sent a link to "+email+". Your email changes when you open it.")
}

// emailLinkConfirmPage asks for a click before moving the account.
func (a *App) emailLinkConfirmPage(c echo.Context) error {
	if err := a.store.CheckLink(c.Request().Context(), c.Param("token"), models.LinkEmail); err != nil {
		return linkGone(err)
	}
	return a.render(c, http.StatusOK, "email_confirm", page{Title: "Confirm your new email"})
}

// confirmEmailChange moves the account to the address the link went to.
func (a *App) confirmEmailChange(c echo.Context) error {
	u, err := a.store.ChangeEmail(c.Request().Context(), c.Param("token"))
	switch {
	case errors.Is(err, models.ErrDuplicateEmail):
		return echo.NewHTTPError(http.StatusConflict, "Another account took that address in the meantime, so your email stays as it was.")
	case err != nil:
		return linkGone(err)
	}
	return a.seeOther(c, "/", "Your account's email is now "+u.Email+".")
}

// signOutEverywhere ends every session of the signed-in account, this one too.
func (a *App) signOutEverywhere(c echo.Context) error {
	ctx := c.Request().Context()
	if err := a.store.SignOutEverywhere(ctx, currentUser(c).ID); err != nil {
		return err
	}
	if err := a.signOut(c); err != nil {
		return err
	}
	return a.seeOther(c, "/login", "Signed out on every device. Sign in again here to go on.")
}

// tooManyPasswordChecks answers a current-password check over its limit.
const tooManyPasswordChecks = "Your password was asked for too many times in the last 15 minutes, so nothing changed. Wait a quarter of an hour and try again."

func linkGone(err error) error {
	if errors.Is(err, models.ErrLinkUsed) {
		return echo.NewHTTPError(http.StatusNotFound, "This link has been used or has expired. Ask for a new one from the sign-in page.")
	}
	return err
}
