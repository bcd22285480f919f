package handlers

import (
	"errors"
	"net/http"
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

// Limits on emailed links and sign-ups.
const (
	linksPerAddress   = 10 // an hour, from one address
	linksPerAccount   = 3  // an hour, to one account
	signupsPerAddress = 5  // an hour, from one address
)

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
	ctx, now := c.Request().Context(), a.now()
	for _, limit := range []struct {
		kind, key string
		max       int
	}{{"link-address", c.RealIP(), linksPerAddress}, {"link-account", f.Email, linksPerAccount}} {
		ok, err := a.store.Allow(ctx, limit.kind, limit.key, limit.max, time.Hour, now)
		if err != nil {
			return err
		}
		if !ok {
			return a.render(c, http.StatusTooManyRequests, "email_link", page{Title: "Email me a link", Form: f,
				Errors: fieldErrors{"form": "Too many links asked for just now. Wait an hour, or use the last link we sent."}})
		}
	}
	if _, err := a.store.SendLink(ctx, f.Email, f.Purpose, now); err != nil {
		return err
	}
	return a.seeOther(c, "/login", "If "+f.Email+" has an account, a link is on its way. It works once, for 30 minutes.")
}

// resetPage asks for a new password, for a link that still works.
func (a *App) resetPage(c echo.Context) error {
	if err := a.store.CheckLink(c.Request().Context(), c.Param("token"), models.LinkReset, a.now()); err != nil {
		return linkGone(err)
	}
	return a.render(c, http.StatusOK, "reset", page{Title: "Choose a new password"})
}

// reset sets the new password, ends every other session of the account and
// signs the person in.
func (a *App) reset(c echo.Context) error {
	password := c.FormValue("password")
	errs := fieldErrors{}
	errs.check(len(password) >= models.MinPasswordLength, "password", "Use at least 10 characters for your password.")
	errs.check(len(password) <= models.MaxPasswordBytes, "password", "Use at most 72 characters for your password.")
	if errs.valid() {
		errs.check(!guessable(password, "", ""), "password", "This password is one of the most common ones, or close to one. Choose something longer or less usual.")
	}
	if !errs.valid() {
		return a.render(c, http.StatusUnprocessableEntity, "reset", page{Title: "Choose a new password", Errors: errs})
	}
	u, err := a.store.ResetPassword(c.Request().Context(), c.Param("token"), password, a.now())
	if err != nil {
		return linkGone(err)
	}
	if err := a.signIn(c, u); err != nil {
		return err
	}
	return a.seeOther(c, "/", "Your password is changed, and you are signed in. Any other session of your account has ended.")
}

// signInLinkPage asks the person to confirm: opening the link alone signs
// nobody in, since mail scanners open links too.
func (a *App) signInLinkPage(c echo.Context) error {
	if err := a.store.CheckLink(c.Request().Context(), c.Param("token"), models.LinkSignIn, a.now()); err != nil {
		return linkGone(err)
	}
	return a.render(c, http.StatusOK, "signin_link", page{Title: "Sign in"})
}

// signInByLink spends the link and signs its account in.
func (a *App) signInByLink(c echo.Context) error {
	u, err := a.store.UseLink(c.Request().Context(), c.Param("token"), models.LinkSignIn, a.now())
	if err != nil {
		return linkGone(err)
	}
	if err := a.signIn(c, u); err != nil {
		return err
	}
	return a.seeOther(c, "/", "Signed in as "+u.Name+".")
}

// changePassword sets a new password for the signed-in account, given the
// current one; every other session of the account ends.
func (a *App) changePassword(c echo.Context) error {
	current, password := c.FormValue("current_password"), c.FormValue("password")
	u := currentUser(c)
	msg := ""
	switch {
	case len(password) < models.MinPasswordLength:
		msg = "Use at least 10 characters for your new password."
	case len(password) > models.MaxPasswordBytes:
		msg = "Use at most 72 characters for your new password."
	case guessable(password, u.Email, u.Name):
		msg = "The new password is one of the most common ones, or close to one. Choose something longer or less usual."
	}
	if msg != "" {
		return a.seeOther(c, "/me/tickets#account", msg)
	}
	nu, err := a.store.ChangePassword(c.Request().Context(), u.ID, current, password, a.now())
	if errors.Is(err, models.ErrWrongPassword) {
		return a.seeOther(c, "/me/tickets#account", "Your current password is not right, so nothing changed.")
	}
	if err != nil {
		return err
	}
	if err := a.signIn(c, nu); err != nil {
		return err
	}
	return a.seeOther(c, "/me/tickets#account", "Password changed. You are still signed in here; every other session of your account has ended.")
}

// deleteAccount deletes the signed-in guest's account, given its password,
// and signs out. Bills and payments stay, held by "Deleted account".
func (a *App) deleteAccount(c echo.Context) error {
	ctx := c.Request().Context()
	err := a.store.DeleteAccount(ctx, currentUser(c).ID, c.FormValue("password"), a.now())
	switch {
	case errors.Is(err, models.ErrWrongPassword):
		return a.seeOther(c, "/me/tickets#account", "That password is not right, so your account is still here.")
	case errors.Is(err, models.ErrNotSelfService):
		return a.seeOther(c, "/me/tickets#account", "This account hosts nights or works at the venue: ask an admin to hand its work over and delete it.")
	case errors.Is(err, models.ErrInside):
		return a.seeOther(c, "/me/tickets#account", "You are inside the room now: check out first, then delete your account.")
	case err != nil:
		return err
	}
	if err := a.sessions.RenewToken(ctx); err != nil {
		return err
	}
	a.sessions.Remove(ctx, sessionUserID)
	a.rotateCSRF(c)
	return a.seeOther(c, "/", "Your account is deleted. Bills and payments stay on record without your name, as the law on business records requires.")
}

// signOutEverywhere ends every session of the signed-in account, this one too.
func (a *App) signOutEverywhere(c echo.Context) error {
	ctx := c.Request().Context()
	if err := a.store.SignOutEverywhere(ctx, currentUser(c).ID, a.now()); err != nil {
		return err
	}
	if err := a.sessions.RenewToken(ctx); err != nil {
		return err
	}
	a.sessions.Remove(ctx, sessionUserID)
	a.rotateCSRF(c)
	return a.seeOther(c, "/login", "Signed out on every device. Sign in again here to go on.")
}

func linkGone(err error) error {
	if errors.Is(err, models.ErrLinkUsed) {
		return echo.NewHTTPError(http.StatusNotFound, "This link has been used or has expired. Ask for a new one from the sign-in page.")
	}
	return err
}
