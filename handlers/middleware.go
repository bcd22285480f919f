package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/clockroom/clockroom/models"
)

const (
	ctxUser       = "user"
	ctxSession    = "session" // set when the request carries an scs session
	sessionUserID = "user_id"
	sessionSeen   = "seen"  // when the session was last used, to the seenEvery
	sessionEpoch  = "epoch" // the account's session epoch at sign-in
)

// accessLog writes one structured line per request.
func (a *App) accessLog() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogMethod: true, LogURI: true, LogLatency: true, LogRequestID: true,
		LogRemoteIP: true, LogError: true, HandleError: true,
		Skipper: func(c echo.Context) bool { return c.Path() == "/static/*" || c.Path() == "/healthz" },
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("id", v.RequestID), slog.String("method", v.Method), slog.String("uri", redactURI(v.URI)),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency), slog.String("ip", v.RemoteIP),
			}
			if v.Error != nil && v.Status >= 500 {
				attrs = append(attrs, slog.String("route", c.Path()), slog.String("error", v.Error.Error()))
			}
			a.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}

// secretPaths are the paths whose next segment is a credential: a ticket
// code (as a paper ticket is one) or an emailed link's token.
const secretPaths = `/(tickets|reset|signin|verify|email|test-checkout|feedback|give-away)/`

var (
	// secretInPath finds a credential in a request path, so logs never
	// hold one.
	secretInPath = regexp.MustCompile(`^` + secretPaths + `[^/?#]+`)
	// secretInText finds one in a link in a message, so the outbox never
	// shows one.
	secretInText = regexp.MustCompile(secretPaths + `[A-Za-z0-9_~.%-]+`)
)

// redactURI is uri with any credential in its path replaced.
func redactURI(uri string) string { return secretInPath.ReplaceAllString(uri, "/$1/[redacted]") }

// recoverPanics turns a panic into a 500 error for the error handler, and
// logs the stack once.
func (a *App) recoverPanics() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				r := recover()
				if r == nil || r == http.ErrAbortHandler {
					if r != nil {
						panic(r)
					}
					return
				}
				stack := make([]byte, 8<<10)
				stack = stack[:runtime.Stack(stack, false)]
				a.log.Error("panic", "id", requestID(c), "panic", fmt.Sprint(r), "stack", string(stack))
				err = fmt.Errorf("panic: %v", r)
			}()
			return next(c)
		}
	}
}

// secureHeaders sets the browser security headers on every response.
func (a *App) secureHeaders() echo.MiddlewareFunc {
	cfg := middleware.SecureConfig{
		XSSProtection:      "0",
		ContentTypeNosniff: "nosniff",
		XFrameOptions:      "DENY",
		ReferrerPolicy:     "same-origin",
		// The door's QR decoder runs in a worker made from a blob.
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
	}
	secure := middleware.SecureWithConfig(cfg)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		h := secure(next)
		return func(c echo.Context) error {
			// Echo sends HSTS only for TLS it sees itself or a proxy's
			// X-Forwarded-Proto; an https BASE_URL says it is always https.
			if a.cfg.SecureCookies() {
				c.Response().Header().Set(echo.HeaderStrictTransportSecurity, "max-age=31536000; includeSubDomains")
			}
			return h(c)
		}
	}
}

// loadSession loads the scs session for the request and saves it just before
// the response is written, whether the handler succeeded or returned an error
// that the error handler renders: exactly one session cookie either way.
// (echo.WrapMiddleware(scs.LoadAndSave) writes two when a handler fails.)
// A cookie that names no session (knownSessions, already asked by the
// lanes) gets a new empty session without being looked up again.
func (a *App) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		token, err := a.known.token(c)
		if err != nil {
			return err
		}
		ctx, err := a.sessions.Load(r.Context(), token)
		if err != nil {
			return fmt.Errorf("load session: %w", err)
		}
		c.SetRequest(r.WithContext(ctx))
		c.Set(ctxSession, true)
		res := c.Response()
		res.Header().Add("Vary", "Cookie")
		res.Before(func() {
			switch a.sessions.Status(ctx) {
			case scs.Modified:
				token, expiry, err := a.sessions.Commit(ctx)
				if err != nil {
					a.log.Error("save session", "id", requestID(c), "error", err)
					return
				}
				a.sessions.WriteSessionCookie(ctx, res, token, expiry)
			case scs.Destroyed:
				a.sessions.WriteSessionCookie(ctx, res, "", time.Time{})
			}
		})
		return next(c)
	}
}

// csrf requires the token from the _csrf form field (or the X-CSRF-Token
// header, for the JSON API) on every unsafe request; a token in the query
// string does not count (it leaks into logs and Referer headers). Over
// https the cookie is __Host- prefixed: this host only, path /, Secure.
func (a *App) csrf() echo.MiddlewareFunc {
	check := middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf,header:X-CSRF-Token",
		CookieName:     a.csrfCookie(),
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   a.cfg.SecureCookies(),
		CookieSameSite: http.SameSiteLaxMode,
		ErrorHandler: func(err error, c echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden, "This form has expired or did not come from Clockroom. Go back, reload the page and try again.")
		},
	})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		h := check(next)
		return func(c echo.Context) error {
			// Echo's form lookup reads the query string too: drop it there.
			if r := c.Request(); r.URL.Query().Has("_csrf") {
				q := r.URL.Query()
				q.Del("_csrf")
				r.URL.RawQuery = q.Encode()
			}
			return h(c)
		}
	}
}

// csrfCookie is the CSRF cookie's name.
func (a *App) csrfCookie() string {
	if a.cfg.SecureCookies() {
		return "__Host-clockroom_csrf"
	}
	return "clockroom_csrf"
}

// rotateCSRF drops the CSRF token when who is signed in changes, so a token
// seen before sign-in (by someone at the same browser, say) is not the one
// that guards the account: the next page gets a fresh one.
func (a *App) rotateCSRF(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: a.csrfCookie(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: a.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode})
}

// loadUser puts the signed-in user, if any, on the context.
func (a *App) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		id := a.sessions.GetInt64(ctx, sessionUserID)
		if id == 0 {
			return next(c)
		}
		u, err := a.store.UserByID(ctx, id)
		if errors.Is(err, models.ErrNotFound) {
			a.sessions.Remove(ctx, sessionUserID) // the account is gone
			return next(c)
		}
		if err != nil {
			return err
		}
		if a.sessions.GetInt(ctx, sessionEpoch) != u.SessionEpoch || (u.TwoFactorOn() && !a.passedFactor(c, u)) {
			// Signed out everywhere, or the password changed, since; or
			// two-factor sign-in is on and this session never passed it
			// (signed in before it was turned on): one gate for every way
			// in, whatever signIn's callers do.
			if err := a.endSession(c); err != nil {
				return err
			}
			return next(c)
		}
		if u.IsStaff() && !a.stillActive(c) {
			// Staff and admins move money: an idle session of theirs ends.
			if err := a.endSession(c); err != nil {
				return err
			}
			a.flash(c, "You were signed out after 12 hours without using Clockroom. Sign in again to go on.")
			return next(c)
		}
		c.Set(ctxUser, &u)
		return next(c)
	}
}

// Staff and admin sessions end after StaffIdleLimit without a request. The
// last request's time is kept in the session but written at most every
// seenEvery, so a busy door does not rewrite its session row on each scan.
const (
	StaffIdleLimit = 12 * time.Hour
	seenEvery      = 5 * time.Minute
)

// stillActive reports whether the session was used within the idle limit,
// and notes this use when the last note is old enough.
func (a *App) stillActive(c echo.Context) bool {
	ctx, now := c.Request().Context(), a.now()
	seen := time.Unix(a.sessions.GetInt64(ctx, sessionSeen), 0)
	if a.sessions.Exists(ctx, sessionSeen) && now.Sub(seen) > StaffIdleLimit {
		return false
	}
	if now.Sub(seen) >= seenEvery {
		a.sessions.Put(ctx, sessionSeen, now.Unix())
	}
	return true
}

// requireRole lets through only signed-in users with at least role. Others
// are sent to sign in (pages) or get 401 (API); the wrong role gets 403.
func (a *App) requireRole(role models.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := currentUser(c)
			switch {
			case u == nil && answersJSON(c):
				return echo.NewHTTPError(http.StatusUnauthorized, "Sign in first.")
			case u == nil:
				return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
			case !u.Role.AtLeast(role):
				return echo.NewHTTPError(http.StatusForbidden, "Your account cannot open this page.")
			}
			return next(c)
		}
	}
}

// currentUser is the signed-in user, or nil.
func currentUser(c echo.Context) *models.User {
	u, _ := c.Get(ctxUser).(*models.User)
	return u
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}
