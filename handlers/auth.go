package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// signupForm is what the sign-up form posts.
type signupForm struct {
	Name     string `form:"name"`
	Email    string `form:"email"`
	Password string `form:"password"`
	Next     string `form:"next"`
}

// loginForm is what the sign-in form posts.
type loginForm struct {
	Email    string `form:"email"`
	Password string `form:"password"`
	Next     string `form:"next"`
}

// signupPage shows the sign-up form.
func (a *App) signupPage(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	return a.render(c, http.StatusOK, "signup", page{Title: "Sign up", Form: signupForm{Next: c.QueryParam("next")}})
}

// signup creates an attendee account and signs the new user in.
func (a *App) signup(c echo.Context) error {
	var f signupForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	f.Name, f.Email = strings.TrimSpace(f.Name), models.NormalizeEmail(f.Email)
	errs := fieldErrors{}
	errs.check(notBlank(f.Name), "name", "Enter your name.")
	errs.check(oneLine(f.Name), "name", "Write your name on one line, without special characters.")
	errs.check(maxChars(f.Name, models.MaxNameLength), "name", "Keep your name under 100 characters.")
	errs.check(notBlank(f.Email), "email", "Enter your email address.")
	errs.check(len(f.Email) <= models.MaxEmailLength && validEmail(f.Email), "email", "Enter an email address like name@example.com.")
	problem := passwordProblem(f.Password, f.Email, f.Name)
	errs.check(problem == "", "password", problem)
	if !errs.valid() {
		return a.signupInvalid(c, f, errs)
	}
	ok, err := a.within(c, limit{"signup-network", clientNetwork(c), signupsPerNetworkHour, time.Hour},
		limit{"signup-network-day", clientNetwork(c), signupsPerNetworkDay, 24 * time.Hour})
	if err != nil {
		return err
	}
	if !ok {
		return a.render(c, http.StatusTooManyRequests, "signup", page{Title: "Sign up", Form: signupForm{Name: f.Name, Email: f.Email, Next: f.Next},
			Errors: fieldErrors{"form": "Too many accounts were made from this network in the last hour. Please try again later."}})
	}
	u, err := a.store.CreateUser(c.Request().Context(), models.NewUser{Email: f.Email, Name: f.Name, Password: f.Password, Unverified: true})
	if errors.Is(err, models.ErrDuplicateEmail) {
		return a.signupInvalid(c, f, fieldErrors{"email": "An account with this email already exists. Sign in instead."})
	}
	if err != nil {
		return err
	}
	night := nightIn(f.Next) // signed up on the way to an RSVP: confirming completes it
	if err := a.sendVerification(c, u, night); err != nil {
		return err
	}
	return a.enter(c, u, verifyPage(night), "Welcome to Clockroom, "+u.Name+". One more step: confirm your email with the link we just sent to "+u.Email+".")
}

func (a *App) signupInvalid(c echo.Context, f signupForm, errs fieldErrors) error {
	f.Password = ""
	return a.render(c, http.StatusUnprocessableEntity, "signup", page{Title: "Sign up", Form: f, Errors: errs})
}

// loginPage shows the sign-in form.
func (a *App) loginPage(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next"), "/"))
	}
	return a.render(c, http.StatusOK, "login", page{Title: "Sign in", Form: loginForm{Next: c.QueryParam("next")}})
}

// login signs a user in. A wrong email and a wrong password get the same
// message; too many failures for the account or the address get 429.
func (a *App) login(c echo.Context) error {
	var f loginForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	f.Email = models.NormalizeEmail(f.Email)
	errs := fieldErrors{}
	errs.check(notBlank(f.Email), "email", "Enter your email address.")
	errs.check(f.Password != "", "password", "Enter your password.")
	if !errs.valid() {
		return a.loginInvalid(c, http.StatusUnprocessableEntity, f, errs)
	}
	u, err := a.store.Authenticate(c.Request().Context(), f.Email, f.Password, c.RealIP())
	var throttled *models.ThrottledError
	switch {
	case errors.As(err, &throttled):
		return a.loginInvalid(c, http.StatusTooManyRequests, f, fieldErrors{"form": throttledWords(throttled)})
	case errors.Is(err, models.ErrPasswordSuspended):
		return a.loginInvalid(c, http.StatusTooManyRequests, f, fieldErrors{"form": "So many wrong passwords were tried on this account " +
			"that its password alone does not sign in for now. Sign in with a link by email instead: it works as soon as you open it."})
	case errors.Is(err, models.ErrInvalidCredentials):
		if err := a.noticeGuessing(c, f.Email); err != nil {
			return err
		}
		return a.loginInvalid(c, http.StatusUnprocessableEntity, f, fieldErrors{"form": "Email or password is wrong."})
	case err != nil:
		return err
	}
	return a.enter(c, u, f.Next, "Signed in as "+u.Name+".")
}

// guessingNotice is how many failures on one account, from anywhere within
// models.AccountGuessWindow, make its owner get a sign-in link by email (at
// most one an hour), before its password alone stops working at
// models.MaxFailuresPerAccount.
const guessingNotice = 10

// noticeGuessing emails an account's owner when wrong passwords pile up on
// it, instead of locking it.
func (a *App) noticeGuessing(c echo.Context, email string) error {
	ctx := c.Request().Context()
	n, err := a.store.AccountFailures(ctx, email)
	if err != nil || n < guessingNotice {
		return err
	}
	if ok, err := a.store.Allow(ctx, "guessing-notice", email, 1, time.Hour); err != nil || !ok {
		return err
	}
	return a.store.SendGuessingNotice(ctx, email)
}

func (a *App) loginInvalid(c echo.Context, status int, f loginForm, errs fieldErrors) error {
	f.Password = ""
	return a.render(c, status, "login", page{Title: "Sign in", Form: f, Errors: errs})
}

// logout ends the session.
func (a *App) logout(c echo.Context) error {
	if currentUser(c) == nil {
		return c.Redirect(http.StatusSeeOther, "/") // nobody to sign out, and nothing to store
	}
	if err := a.signOut(c); err != nil {
		return err
	}
	return a.seeOther(c, "/", "You are signed out.")
}

// signOut ends the session's sign-in, at the person's request: the session
// ends (endSession) and the CSRF token is renewed too.
func (a *App) signOut(c echo.Context) error {
	if err := a.endSession(c); err != nil {
		return err
	}
	a.rotateCSRF(c)
	return nil
}

// endSession forgets who is signed in: a new token (against fixation), no
// user, no second-factor or idle bookkeeping. The page being answered keeps
// its CSRF token, so its forms still work.
func (a *App) endSession(c echo.Context) error {
	ctx := c.Request().Context()
	if err := a.sessions.RenewToken(ctx); err != nil {
		return err
	}
	for _, k := range []string{sessionUserID, sessionEpoch, sessionSeen, sessionFactor, session2FAUser, session2FANext, session2FASaid, sessionTOTPSetup} {
		a.sessions.Remove(ctx, k)
	}
	return nil
}

// enter is the one way into an account, whatever proved the person first:
// a password, an emailed sign-in link, a reset, an email confirmation or a
// new sign-up. An account with two-factor sign-in on is not signed in yet:
// the session remembers who owes the code, where to go and what to say
// then, and the person is sent to /login/2fa. Otherwise they are signed in
// and sent to next with msg.
func (a *App) enter(c echo.Context, u models.User, next, msg string) error {
	if !u.TwoFactorOn() {
		if err := a.signIn(c, u, false); err != nil {
			return err
		}
		return a.seeOther(c, safeNext(next, "/"), msg)
	}
	if err := a.endSession(c); err != nil { // whoever was signed in here is not any more
		return err
	}
	ctx := c.Request().Context()
	a.sessions.Put(ctx, session2FAUser, u.ID)
	a.sessions.Put(ctx, session2FANext, next)
	a.sessions.Put(ctx, session2FASaid, msg)
	return c.Redirect(http.StatusSeeOther, "/login/2fa")
}

// signIn renews the session token (against session fixation) and remembers
// the user, and whether this session passed the account's second factor
// (loadUser signs out a session of an account with two-factor sign-in on
// that did not). Only enter, the second-factor step and a change made by
// the signed-in person call it.
func (a *App) signIn(c echo.Context, u models.User, passedFactor bool) error {
	ctx := c.Request().Context()
	if err := a.sessions.RenewToken(ctx); err != nil {
		return err
	}
	a.sessions.Put(ctx, sessionUserID, u.ID)
	a.sessions.Put(ctx, sessionEpoch, u.SessionEpoch)
	a.sessions.Put(ctx, sessionSeen, a.now().Unix())
	if passedFactor {
		a.sessions.Put(ctx, sessionFactor, u.ID)
	} else {
		a.sessions.Remove(ctx, sessionFactor)
	}
	a.rotateCSRF(c)
	return nil
}

// passedFactor reports whether this session passed u's second factor.
func (a *App) passedFactor(c echo.Context, u models.User) bool {
	return a.sessions.GetInt64(c.Request().Context(), sessionFactor) == u.ID
}

// limit is a number of actions of kind by key allowed within window.
type limit struct {
	kind, key string
	max       int
	window    time.Duration
}

// within counts one action against each limit in turn and reports whether
// all allowed it.
func (a *App) within(c echo.Context, limits ...limit) (bool, error) {
	for _, l := range limits {
		ok, err := a.store.Allow(c.Request().Context(), l.kind, l.key, l.max, l.window)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// clientNetwork is the network a request came from, as limits count it: an
// IPv4 address, or an IPv6 /64.
func clientNetwork(c echo.Context) string { return models.NetworkOf(c.RealIP()) }
