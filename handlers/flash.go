package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// Flash messages travel in a short-lived signed cookie, not the session, so
// a visitor who is not signed in never costs a stored session row: anyone
// can make requests, and only signing in creates something worth keeping.

const flashCookie = "clockroom_flash"

// flash keeps a one-time message for the next page the user sees.
func (a *App) flash(c echo.Context, msg string) {
	v := base64.RawURLEncoding.EncodeToString([]byte(msg))
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: v + "." + a.flashMAC(v), Path: "/", MaxAge: 120,
		HttpOnly: true, Secure: a.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode})
}

// popFlash returns the message a previous response left, once: the cookie
// is cleared as it is read. A cookie that does not verify is ignored.
func (a *App) popFlash(c echo.Context) string {
	ck, err := c.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: a.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode})
	v, mac, ok := strings.Cut(ck.Value, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(a.flashMAC(v))) {
		return ""
	}
	msg, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return ""
	}
	return string(msg)
}

func (a *App) flashMAC(v string) string {
	m := hmac.New(sha256.New, []byte("clockroom flash\x00"+a.cfg.SecretKey))
	m.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
