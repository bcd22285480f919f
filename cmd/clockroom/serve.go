package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/clockroom/clockroom/handlers"
	"github.com/clockroom/clockroom/internal/billing"
	"github.com/clockroom/clockroom/internal/stripeapi"
	"github.com/clockroom/clockroom/models"
)

// serve runs the web server until ctx is cancelled, then lets in-flight
// requests finish before it stops.
func serve(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	in, err := setup(ctx, getenv, stdout, true)
	if err != nil {
		return err
	}
	defer in.close()
	store := in.store()
	if err := store.Prepare(ctx); err != nil {
		return err
	}
	// RSVPs leave the listing's change notice to this, sent after they
	// commit: one for the RSVPs of each moment instead of one in each.
	store.Listing = models.NewListingNotifier(in.db, models.ListingNoticeWindow, func(msg string, args ...any) { in.log.Warn(msg, args...) })
	noticeCtx, stopNotices := context.WithCancel(context.Background())
	noticesDone := make(chan struct{})
	go func() { defer close(noticesDone); store.Listing.Run(noticeCtx) }()
	defer func() { stopNotices(); <-noticesDone }() // after the requests, before the database closes
	if in.cfg.SeedDemo {
		if err := loadDemo(ctx, in, store); err != nil {
			return err
		}
	}
	var gw billing.Gateway = in.gateway()
	var rehearsal *stripeapi.Rehearsal
	switch {
	case in.cfg.TestCheckout():
		// No Stripe account: the emulator's sessions get Clockroom's test
		// checkout pages, whose events are signed with a secret made here.
		// (Each instance keeps its own pages: a rehearsal is for one.)
		if in.cfg.StripeWebhookSecret == "" {
			in.cfg.StripeWebhookSecret = devWebhookSecret()
		}
		rehearsal = stripeapi.NewRehearsal(gw, in.cfg.BaseURL.String(), in.cfg.StripeWebhookSecret)
		gw = rehearsal
		if !in.cfg.Dev() {
			in.log.Warn("REHEARSAL_CHECKOUT=true: the TEST checkout is mounted at /test-checkout/; anyone sent to pay can press Pay and settle a bill with no money. Use it for rehearsals only, never where guests pay.")
		}
	case in.cfg.StripeTestMode():
		in.log.Info("Stripe emulator without the TEST checkout: card pages are the emulator's and settle nothing (set REHEARSAL_CHECKOUT=true to rehearse payments)")
	}
	engine := billing.New(store, gw, in.log, billing.Options{Timeout: in.cfg.StripeTimeout, BaseURL: in.cfg.BaseURL.String()})
	app, err := handlers.New(handlers.Deps{Config: in.cfg, Store: store, Log: in.log, Billing: engine, Rehearsal: rehearsal})
	if err != nil {
		return err
	}
	jobs, err := startJobs(ctx, in, store, engine)
	if err != nil {
		return err
	}
	// On the way out, after requests: let jobs and background Stripe calls
	// record what they started, for a bounded time, before the database closes.
	defer func() {
		waitCtx, cancel := context.WithTimeout(context.Background(), 2*in.cfg.StripeTimeout)
		defer cancel()
		if jobs.wait(waitCtx) != nil || engine.Wait(waitCtx) != nil {
			in.log.Warn("stopped before background work finished; the reconciler picks it up")
		}
	}()
	watchCtx, stopWatching := context.WithCancel(ctx)
	watching := watchListing(watchCtx, in, app.ListingWatcher())
	defer func() { stopWatching(); <-watching }()

	ln, err := net.Listen("tcp", in.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on ADDR %s: %w", in.cfg.Addr, err)
	}
	// WriteTimeout runs from a request's headers and bounds what no lane
	// bounds: static files, health checks, webhooks, the kept listing. A
	// request that takes a lane slot gets its own write deadline there
	// instead (20 s from its slot, or time for Stripe once it leaves the
	// slot to wait on it: handlers' laneWrite), so a client that stops
	// reading cannot keep a slot for long.
	srv := &http.Server{
		Handler:           app.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	announce(in, ln.Addr().(*net.TCPAddr), stdout)

	select {
	case err := <-errc:
		return fmt.Errorf("server stopped: %w", err)
	case <-ctx.Done():
	}
	in.log.Info("shutting down: finishing requests in flight")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	in.log.Info("stopped")
	return nil
}

// loadDemo loads demo data on first start and, in development, keeps a demo
// night under way so the door and billing can be tried at once.
func loadDemo(ctx context.Context, in *infra, store *models.Store) error {
	loaded, err := store.SeedDemo(ctx, in.cfg.DemoPassword)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	if loaded {
		in.log.Info("loaded demo data")
	}
	if in.cfg.Dev() {
		return store.EnsureOpenNowEvent(ctx)
	}
	return nil
}

// devWebhookSecret is a fresh signing secret for the test checkout's
// webhooks, for this run only.
func devWebhookSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "whsec_dev_" + hex.EncodeToString(b)
}

// announce says where the server is and, with demo data, how to sign in.
func announce(in *infra, addr *net.TCPAddr, w io.Writer) {
	url := in.cfg.BaseURL.String()
	if in.cfg.Dev() {
		url = fmt.Sprintf("http://localhost:%d", addr.Port)
	}
	in.log.Info("Clockroom is running", "url", url, "addr", addr.String(), "env", in.cfg.Env)
	fmt.Fprintf(w, "\n  Clockroom is running at %s\n", url)
	switch {
	case in.cfg.TestCheckout() && !in.cfg.Dev():
		fmt.Fprintln(w, "  WARNING: REHEARSAL_CHECKOUT=true: card pages are Clockroom's TEST checkout, whose Pay button settles bills with no money")
	case in.cfg.TestCheckout():
		fmt.Fprintln(w, "  Stripe: local stripe-mock (test mode — no real charges); card pages are Clockroom's TEST checkout")
	case in.cfg.StripeTestMode():
		fmt.Fprintln(w, "  Stripe: an emulator (test mode — no real charges); no TEST checkout (REHEARSAL_CHECKOUT is not set)")
	}
	if in.cfg.SeedDemo {
		fmt.Fprintf(w, "  Demo sign-ins (password %q):\n", in.cfg.DemoPassword)
		for _, a := range models.DemoAccounts {
			fmt.Fprintf(w, "    %-22s %s\n", a.Email, a.Role)
		}
	}
	fmt.Fprintln(w, "  Press Ctrl-C to stop.")
	fmt.Fprintln(w)
}

// watchListing keeps the listing cache in step with the database, for every
// instance, until ctx ends; the returned channel closes when it has stopped.
func watchListing(ctx context.Context, in *infra, w models.ListingWatcher) <-chan struct{} {
	done := make(chan struct{})
	logf := func(msg string, args ...any) { in.log.Warn(msg, args...) }
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if err := models.WatchListing(ctx, in.dbURL, w, logf); err != nil {
				in.log.Warn("listing notices: cannot listen, the listing is not cached meanwhile", "error", err)
				select {
				case <-ctx.Done():
				case <-time.After(5 * time.Second):
				}
			}
		}
	}()
	return done
}
