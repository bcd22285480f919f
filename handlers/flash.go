package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Flash messages travel in a short-lived signed cookie, not the session, so
// a visitor who is not signed in never costs a stored session row: anyone
// can make requests, and only signing in creates something worth keeping.
// The signature covers the message and when it expires, so a cookie kept
// and sent again works only for flashLife; and a request that carries one
// never gets or leaves the listing page kept for everyone (anyonesListing).

const (
	flashCookie = "clockroom_flash"
	flashLife   = 2 * time.Minute
)

// flash keeps a one-time message for the next page the user sees.
func (a *App) flash(c echo.Context, msg string) {
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: a.flashValue(msg), Path: "/", MaxAge: int(flashLife.Seconds()),
		HttpOnly: true, Secure: a.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode})
}

// flashValue is the flash cookie's value for msg: the message, when it
// expires, and a signature of both.
func (a *App) flashValue(msg string) string {
	v := base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." + strconv.FormatInt(a.now().Add(flashLife).Unix(), 10)
	return v + "." + a.flashMAC(v)
}

// popFlash returns the message a previous response left, once: the cookie
// is cleared as it is read. A cookie that does not verify, or has expired,
// is ignored.
func (a *App) popFlash(c echo.Context) string {
	ck, err := c.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: a.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode})
	i := strings.LastIndexByte(ck.Value, '.')
	if i < 0 || !hmac.Equal([]byte(ck.Value[i+1:]), []byte(a.flashMAC(ck.Value[:i]))) {
		return ""
	}
	text, expires, _ := strings.Cut(ck.Value[:i], ".")
	if exp, err := strconv.ParseInt(expires, 10, 64); err != nil || a.now().Unix() > exp {
		return ""
	}
	msg, err := base64.RawURLEncoding.DecodeString(text)
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
