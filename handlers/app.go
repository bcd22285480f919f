// Package handlers is Clockroom's HTTP layer: routes, middleware, forms and
// pages. Business rules live in models; handlers parse, validate, call one
// model method and render.
package handlers

import (
	"html/template"
	"log/slog"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/internal/billing"
	"github.com/clockroom/clockroom/internal/config"
	"github.com/clockroom/clockroom/internal/stripeapi"
	"github.com/clockroom/clockroom/models"
)

// App holds what every handler needs. Handlers are its methods.
type App struct {
	cfg      config.Config
	store    *models.Store
	log      *slog.Logger
	sessions *scs.SessionManager
	known    *knownSessions // which session cookies name sessions that exist
	billing  *billing.Service
	// rehearsal is the test checkout standing in for Stripe's pages, in
	// test mode with the local emulator; nil otherwise. Its routes are
	// mounted only where the configuration allows it (Config.TestCheckout):
	// development, or production with REHEARSAL_CHECKOUT=true.
	rehearsal *stripeapi.Rehearsal
	pages     map[string]*template.Template
	echo      *echo.Echo
	listing   *listingCache
}

// Deps are what New needs from main.
type Deps struct {
	Config  config.Config
	Store   *models.Store
	Log     *slog.Logger
	Billing *billing.Service // the payment engine, over Stripe, stripe-mock or a test fake
	// Rehearsal serves the test checkout pages when the engine's gateway is
	// the local emulator wrapped in it; nil when the real Stripe is used.
	Rehearsal *stripeapi.Rehearsal
}

// New builds the app: parses every template (a missing or broken one fails
// here, not in a request), sets up sessions and the routes.
func New(d Deps) (*App, error) {
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	a := &App{cfg: d.Config, store: d.Store, log: d.Log, pages: pages, billing: d.Billing, rehearsal: d.Rehearsal, listing: newListingCache()}
	a.sessions = scs.New()
	// No cleanup goroutine (its start and stop race); models.Store.Prune
	// removes expired sessions from the server's periodic jobs instead.
	a.sessions.Store = postgresstore.NewWithCleanupInterval(d.Store.DB.DB, 0)
	// A sign-in lasts 30 days. No idle timeout: scs enforces one by writing
	// the session back on every request, a database write (and fsync) per
	// page view and per door scan.
	a.sessions.Lifetime = 30 * 24 * time.Hour
	a.sessions.Cookie.Name = "clockroom_session"
	a.sessions.Cookie.HttpOnly = true
	a.sessions.Cookie.SameSite = 2 // http.SameSiteLaxMode
	a.sessions.Cookie.Secure = d.Config.SecureCookies()
	a.known = newKnownSessions(a.sessions.Cookie.Name, d.Store.SessionExists, sessionLookups, laneWait)
	a.echo = a.routes()
	return a, nil
}

// now is the time by the app's one clock, the store's.
func (a *App) now() time.Time { return a.store.Now() }

// ListingWatcher is the listing cache, for models.WatchListing to keep
// fresh. Until a watcher runs, the listing is not cached.
func (a *App) ListingWatcher() models.ListingWatcher { return a.listing }

// Handler is the app's HTTP handler.
func (a *App) Handler() *echo.Echo { return a.echo }
