package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/clockroom/clockroom/models"
)

// routes is the whole HTTP surface of Clockroom, with its middleware.
func (a *App) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = a.handleError
	e.IPExtractor = echo.ExtractIPDirect()
	if a.cfg.TrustProxyHeaders {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}

	e.Use(middleware.RequestID())
	e.Use(a.accessLog())
	e.Use(a.recoverPanics())
	e.Use(a.secureHeaders())
	e.Use(middleware.BodyLimit("1M"))

	e.GET("/healthz", a.healthz)
	e.GET("/livez", a.livez)
	e.POST("/webhooks/stripe", a.stripeWebhook) // signed by Stripe, no session or CSRF
	e.GET("/static/*", a.staticFiles())
	e.GET("/door-sw.js", a.doorServiceWorker)
	e.GET("/favicon.ico", func(c echo.Context) error {
		return c.Redirect(http.StatusMovedPermanently, "/static/img/favicon.svg")
	})

	// Everything below has its body first (or a 408), then waits for its
	// lane, then has a session, a CSRF token and the signed-in user.
	// A request that leaves its lane to wait on Stripe (leaveLane) has time
	// for two calls and its answer.
	lane := lanes(laneConfig{general: generalLane, door: doorLane, anonymous: anonymousLane,
		wait: laneWait, write: laneWrite, outside: laneWrite + 2*a.cfg.StripeTimeout}, a.known)
	chain := []echo.MiddlewareFunc{readBodies(bodyWait), lane, a.loadSession, a.csrf(), a.loadUser}
	s := e.Group("", chain...)
	// The listing, to an anonymous visitor, is served from memory before
	// all of that, which has nothing to do for them (listingPage).
	e.GET("/", a.home, append([]echo.MiddlewareFunc{a.listingPage}, chain...)...)
	s.GET("/signup", a.signupPage)
	s.POST("/signup", a.signup)
	s.GET("/login", a.loginPage)
	s.POST("/login", a.login)
	s.POST("/logout", a.logout)
	s.GET("/login/email", a.emailLinkPage)
	s.POST("/login/email", a.emailLink)
	s.GET("/reset/:token", a.resetPage)
	s.POST("/reset/:token", a.reset)
	s.GET("/signin/:token", a.signInLinkPage)
	s.POST("/signin/:token", a.signInByLink)
	s.POST("/me/sign-out-everywhere", a.signOutEverywhere, a.requireRole(models.RoleAttendee))
	s.POST("/me/password", a.changePassword, a.requireRole(models.RoleAttendee))
	s.POST("/me/email", a.changeEmail, a.requireRole(models.RoleAttendee))
	s.GET("/email/:token", a.emailLinkConfirmPage)
	s.POST("/email/:token", a.confirmEmailChange)
	s.POST("/me/delete", a.deleteAccount, a.requireRole(models.RoleAttendee))
	s.GET("/login/2fa", a.twoFactorPage)
	s.POST("/login/2fa", a.twoFactor)
	s.GET("/me/2fa", a.setupTwoFactorPage, a.requireRole(models.RoleAttendee))
	s.POST("/me/2fa", a.setupTwoFactor, a.requireRole(models.RoleAttendee))
	s.GET("/verify", a.verifyWait, a.requireRole(models.RoleAttendee))
	s.POST("/verify", a.resendVerification, a.requireRole(models.RoleAttendee))
	s.GET("/verify/:token", a.verifyLinkPage)
	s.POST("/verify/:token", a.verifyEmail)

	s.GET("/events.ics", a.calendarFeed)
	s.GET("/events/:id", a.eventPage) // also /events/{id}.ics
	s.POST("/events/:id/rsvp", a.rsvp)
	s.GET("/series/:id", a.seriesShow) // also /series/{id}.ics
	s.POST("/series/:id/follow", a.followSeries, a.requireRole(models.RoleAttendee))
	s.GET("/tickets/:code", a.ticketPage)
	s.GET("/tickets/:code/qr.png", a.ticketQR)
	s.GET("/tickets/:code/give-away", a.retiredGuestLink)
	s.GET("/tickets/:code/feedback", a.retiredGuestLink)
	s.GET("/give-away/:token", a.giveAwayPage)
	s.POST("/give-away/:token", a.giveAway)
	s.GET("/feedback/:token", a.feedbackForm)
	s.POST("/feedback/:token", a.giveFeedback)
	s.POST("/tickets/:code/cancel", a.cancelTicket, a.requireRole(models.RoleAttendee))
	s.POST("/tickets/:code/pay", a.payTicket)
	s.POST("/tickets/:code/passes", a.buyPassOnTicket, a.requireRole(models.RoleAttendee))
	s.GET("/me/tickets", a.myTickets, a.requireRole(models.RoleAttendee))
	s.GET("/me/proposals", a.myProposals, a.requireRole(models.RoleAttendee))
	s.GET("/proposals/new", a.newProposalPage, a.requireRole(models.RoleAttendee))
	s.POST("/proposals/new", a.propose, a.requireRole(models.RoleAttendee))
	s.GET("/proposals/:id/edit", a.editProposalPage, a.requireRole(models.RoleAttendee))
	s.POST("/proposals/:id/edit", a.reviseProposal, a.requireRole(models.RoleAttendee))
	s.POST("/me/card", a.saveCard, a.requireRole(models.RoleAttendee))
	s.GET("/paid", a.paid)
	if a.rehearsal != nil && a.cfg.TestCheckout() { // its Pay button settles bills with no money
		s.GET("/test-checkout/:id", a.testCheckout)
		s.POST("/test-checkout/:id", a.testCheckoutAnswer)
	}

	host := s.Group("/host", a.requireRole(models.RoleHost))
	host.GET("/events", a.hostEvents)
	host.GET("/events/new", a.newEventPage)
	host.POST("/events/new", a.createEvent)
	host.GET("/events/:id/edit", a.editEventPage)
	host.POST("/events/:id/edit", a.updateEvent)
	host.POST("/events/:id/publish", a.publishEvent)
	host.POST("/events/:id/cancel", a.cancelEvent)
	host.GET("/events/:id/guests", a.guestList)
	host.GET("/events/:id/guests.csv", a.guestListCSV)
	host.POST("/events/:id/guests/:rsvp/cancel", a.cancelGuest)
	host.GET("/events/:id/door", a.doorPage)
	host.GET("/series/new", a.newSeriesPage)
	host.POST("/series/new", a.createSeries)
	host.POST("/series/:id/edit", a.updateSeries)
	host.POST("/series/:id/end", a.endSeries)

	staff := s.Group("/staff", a.requireRole(models.RoleStaff), a.requireTwoFactor)
	staff.GET("/live", a.staffLive)
	staff.GET("/bills", a.staffBills)
	staff.GET("/bills.csv", a.staffBillsCSV)
	staff.POST("/visits/:id/checkout", a.checkoutVisit)
	staff.GET("/visits/:id", a.visitPage)
	staff.POST("/visits/:id/payments", a.recordPayment)
	staff.POST("/visits/:id/passes", a.buyPassAtCounter)
	staff.POST("/visits/:id/group", a.setVisitGroup)
	staff.POST("/visits/:id/charge", a.chargeVisit)
	staff.POST("/payments/:id/refund", a.refundPayment)
	staff.POST("/payments/:id/abandon", a.abandonPayment)
	staff.GET("/payments/:id/qr.png", a.paymentQR)
	staff.GET("/proposals", a.staffProposals)
	staff.POST("/proposals/:id/accept", a.acceptProposal)
	staff.POST("/proposals/:id/answer", a.answerProposal)
	staff.GET("/reports", a.staffReports)
	staff.GET("/reports.csv", a.staffReportsCSV)
	staff.GET("/reports/nights/:id", a.staffNightReport)
	staff.GET("/reports/community.csv", a.staffCommunityCSV)
	staff.GET("/quote", a.staffQuote) // JSON

	// A member's own wallet: any signed-in user, never another's.
	s.GET("/api/v1/me/wallet", a.myWallet, a.requireRole(models.RoleAttendee))

	// The door's JSON API: the same session, CSRF token in X-CSRF-Token.
	api := s.Group("/api/v1", a.requireRole(models.RoleHost))
	api.POST("/events/:id/scan", a.scan)
	api.GET("/events/:id/stats", a.doorStats)
	api.GET("/events/:id/guests", a.searchGuests)
	api.POST("/events/:id/walkins", a.walkIn)

	admin := s.Group("/admin", a.requireRole(models.RoleAdmin), a.requireTwoFactor)
	admin.GET("", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/admin/users") })
	admin.GET("/users", a.adminUsers)
	admin.POST("/users/:id/role", a.adminSetRole)
	admin.POST("/users/:id/group", a.adminSetGroup)
	admin.GET("/outbox", a.adminOutbox)
	admin.GET("/venue", a.adminVenue)
	debugRoutes(s.Group("/debug", a.requireRole(models.RoleAdmin), a.requireTwoFactor))
	admin.POST("/venue", a.updateVenue)
	admin.GET("/tariffs", a.adminTariffs)
	admin.GET("/tariffs/export", a.exportTariffs)
	admin.POST("/tariffs/import", a.importTariffs)
	admin.POST("/tariffs/preview", a.previewTariff) // JSON
	admin.GET("/tariffs/new", a.tariffEditPage)
	admin.POST("/tariffs/new", a.saveTariff)
	admin.GET("/tariffs/:name/edit", a.tariffEditPage)
	admin.POST("/tariffs/:name/edit", a.saveTariff)
	admin.POST("/tariffs/:name/standard", a.makeTariffStandard)
	admin.POST("/tariffs/standard/none", a.useSimplePrice)
	admin.POST("/tariffs/:name/retire", a.retireTariff)

	return e
}

// isAPI reports whether the request is for the JSON API.
func isAPI(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/") }

// jsonRoutes answer JSON outside /api/: their refusals (signed out, a
// role short, an expired CSRF token) are JSON too.
var jsonRoutes = map[string]bool{"/staff/quote": true, "/admin/tariffs/preview": true}

// answersJSON reports whether the request's answers, refusals included,
// are JSON.
func answersJSON(c echo.Context) bool { return isAPI(c) || jsonRoutes[c.Path()] }
