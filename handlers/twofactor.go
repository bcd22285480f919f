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

// Two-factor sign-in: any account may turn it on at /me/2fa; admins must
// (in production), since they set prices, roles and the venue.

const (
	session2FAUser   = "2fa_user"   // passed the password, owes the second factor
	session2FANext   = "2fa_next"   // where to go once signed in
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
	ok, err := a.store.Allow(ctx, "2fa", strconv.FormatInt(id, 10), 10, 15*time.Minute, a.now())
	if err != nil {
		return err
	}
	if !ok {
		return a.render(c, http.StatusTooManyRequests, "two_factor", page{Title: "Two-factor sign-in", Errors: fieldErrors{"code": "Too many wrong codes. Wait 15 minutes and try again."}})
	}
	if err := a.store.CheckSecondFactor(ctx, u, c.FormValue("code"), a.now()); errors.Is(err, models.ErrBadCode) {
		return a.render(c, http.StatusUnprocessableEntity, "two_factor", page{Title: "Two-factor sign-in",
			Errors: fieldErrors{"code": "That code is not right. Enter the 6 digits your authenticator app shows now, or one of your recovery codes."}})
	} else if err != nil {
		return err
	}
	next := a.sessions.PopString(ctx, session2FANext)
	a.sessions.Remove(ctx, session2FAUser)
	if err := a.signIn(c, u); err != nil {
		return err
	}
	return a.seeOther(c, safeNext(next, "/"), "Signed in as "+u.Name+".")
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
	codes, err := a.store.EnableTOTP(ctx, currentUser(c).ID, secret, c.FormValue("code"), a.now())
	if errors.Is(err, models.ErrBadCode) {
		return a.seeOther(c, "/me/2fa", "That code is not right: enter the 6 digits your app shows for Clockroom now. Scan the new QR code first.")
	}
	if err != nil {
		return err
	}
	a.sessions.Remove(ctx, sessionTOTPSetup)
	return a.render(c, http.StatusOK, "two_factor_setup", page{Title: "Two-factor sign-in", Data: map[string]any{"On": true, "Codes": codes}})
}

// requireTwoFactor sends an admin without two-factor sign-in to set it up,
// in production.
func (a *App) requireTwoFactor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if u := currentUser(c); u != nil && !a.cfg.Dev() && !u.TwoFactorOn() {
			return a.seeOther(c, "/me/2fa", "Admins sign in with two factors. Set up your authenticator app to go on.")
		}
		return next(c)
	}
}
