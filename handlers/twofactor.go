package handlers

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/clockroom/clockroom/models"
)

// Two-factor sign-in: any account may turn it on at /me/2fa; staff and
// admins must (in production), since they move money and set prices, roles
// and the venue. Every way into an account passes it (enter), and a session
// records that it did (sessionFactor).

const (
	session2FAUser   = "2fa_user"   // passed the first proof, owes the second factor
	session2FANext   = "2fa_next"   // where to go once signed in
	session2FASaid   = "2fa_said"   // what to say then
	sessionFactor    = "factor"     // the account whose second factor this session passed
	sessionTOTPSetup = "totp_setup" // the secret being set up, until proved
)

// twoFactorPage asks for the authenticator's code after the password.
func (a *App) twoFactorPage(c echo.Context) error {
	if a.sessions.GetInt64(c.Request().Context(), session2FAUser) == 0 {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	return a.render(c, http.StatusOK, "two_factor", page{Title: "Two-factor sign-in"})
}

// twoFactor checks the code (or a recovery code) and signs in.
func (a *App) twoFactor(c echo.Context) error {
	ctx := c.Request().Context()
	id := a.sessions.GetInt64(ctx, session2FAUser)
	if id == 0 {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	u, err := a.store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	ok, err := a.store.Allow(ctx, "2fa", strconv.FormatInt(id, 10), 10, 15*time.Minute)
	if err != nil {
		return err
	}
	if !ok {
		return a.render(c, http.StatusTooManyRequests, "two_factor", page{Title: "Two-factor sign-in", Errors: fieldErrors{"code": "Too many wrong codes. Wait 15 minutes and try again."}})
	}
	if err := a.store.CheckSecondFactor(ctx, u, c.FormValue("code")); errors.Is(err, models.ErrBadCode) {
		return a.render(c, http.StatusUnprocessableEntity, "two_factor", page{Title: "Two-factor sign-in",
			Errors: fieldErrors{"code": "That code is not right. Enter the 6 digits your authenticator app shows now, or one of your recovery codes."}})
	} else if err != nil {
		return err
	}
	next, said := a.sessions.PopString(ctx, session2FANext), a.sessions.PopString(ctx, session2FASaid)
	a.sessions.Remove(ctx, session2FAUser)
	if err := a.signIn(c, u, true); err != nil {
		return err
	}
	if said == "" {
		said = "Signed in as " + u.Name + "."
	}
	return a.seeOther(c, safeNext(next, "/"), said)
}

// setupTwoFactorPage shows a new authenticator secret as a QR code, or says
// two-factor sign-in is on.
func (a *App) setupTwoFactorPage(c echo.Context) error {
	u := currentUser(c)
	if u.TwoFactorOn() {
		return a.render(c, http.StatusOK, "two_factor_setup", page{Title: "Two-factor sign-in", Data: map[string]any{"On": true}})
	}
	key, err := models.NewTOTP(*u, "Clockroom")
	if err != nil {
		return err
	}
	a.sessions.Put(c.Request().Context(), sessionTOTPSetup, key.Secret())
	png, err := qrcode.Encode(key.URL(), qrcode.Medium, 256)
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "two_factor_setup", page{Title: "Two-factor sign-in", Data: map[string]any{
		"QR":     template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), //nolint:gosec // our own PNG
		"Secret": key.Secret(),
	}})
}

// setupTwoFactor turns it on once the person types a code from their app,
// and shows the recovery codes once.
func (a *App) setupTwoFactor(c echo.Context) error {
	ctx := c.Request().Context()
	secret := a.sessions.GetString(ctx, sessionTOTPSetup)
	if secret == "" {
		return a.seeOther(c, "/me/2fa", "Scan the new code and try again.")
	}
	codes, err := a.store.EnableTOTP(ctx, currentUser(c).ID, secret, c.FormValue("code"))
	if errors.Is(err, models.ErrBadCode) {
		return a.seeOther(c, "/me/2fa", "That code is not right: enter the 6 digits your app shows for Clockroom now. Scan the new QR code first.")
	}
	if err != nil {
		return err
	}
	a.sessions.Remove(ctx, sessionTOTPSetup)
	// This session proved the factor; the account's other sessions did not,
	// and are signed out at their next request (loadUser).
	a.sessions.Put(ctx, sessionFactor, currentUser(c).ID)
	return a.render(c, http.StatusOK, "two_factor_setup", page{Title: "Two-factor sign-in", Data: map[string]any{"On": true, "Codes": codes}})
}

// requireTwoFactor guards the routes that move money or run the venue
// (/staff, /admin, /debug): in production the session must have passed the
// account's second factor; an account without one is sent to set it up.
// (loadUser has already signed out any session of an account with
// two-factor sign-in on that did not pass it; this says so again where it
// matters most.)
func (a *App) requireTwoFactor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := currentUser(c)
		if u == nil || a.cfg.Dev() || (u.TwoFactorOn() && a.passedFactor(c, *u)) {
			return next(c)
		}
		return a.seeOther(c, "/me/2fa", "Staff and admins sign in with two factors. Set up your authenticator app to go on.")
	}
}
