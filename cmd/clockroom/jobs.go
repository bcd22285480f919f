package main

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/clockroom/clockroom/internal/billing"
	"github.com/clockroom/clockroom/internal/mail"
	"github.com/clockroom/clockroom/models"
)

// startJobs runs the server's periodic work until ctx ends. Every job is safe
// with several instances running at once: each is a single statement or
// claims its rows with SKIP LOCKED.
func startJobs(ctx context.Context, in *infra, store *models.Store, engine *billing.Service) (*jobGroup, error) {
	g := &jobGroup{}
	var send func(context.Context, models.Message) error
	switch {
	case in.cfg.SMTPURL != "":
		sender, err := mail.New(in.cfg.SMTPURL, in.cfg.MailFrom)
		if err != nil {
			return nil, err
		}
		send = sender.Send
	case in.cfg.Dev():
		// The developer's terminal is the mailbox: emailed links work, and
		// /admin/outbox never shows one.
		in.log.Info("no SMTP_URL: each message is printed here with its links as it is sent (development), and listed at /admin/outbox")
		send = func(ctx context.Context, m models.Message) error {
			in.log.InfoContext(ctx, "mail", "to", m.ToEmail, "subject", m.Subject, "links", strings.Join(linkInMail.FindAllString(m.Body, -1), " "))
			return nil
		}
	default:
		in.log.Warn("no SMTP_URL: messages are kept unsent; /admin/outbox lists them with their links hidden")
	}
	g.every(ctx, 10*time.Minute, func() {
		logFailure(ctx, in, "prune expired sessions and sign-in failures", store.Prune(ctx))
	})
	g.every(ctx, time.Minute, func() {
		_, err := store.QueueReminders(ctx)
		logFailure(ctx, in, "queue reminders", err)
		_, err = store.QueueFeedbackRequests(ctx)
		logFailure(ctx, in, "queue feedback requests", err)
	})
	g.every(ctx, 10*time.Minute, func() {
		n, err := store.MakeSeriesNights(ctx)
		logFailure(ctx, in, "make the nights of series", err)
		if n > 0 {
			in.log.Info("opened new nights of series", "count", n)
		}
	})
	g.every(ctx, 30*time.Second, func() {
		n, err := store.ReleaseSeats(ctx)
		logFailure(ctx, in, "release held seats", err)
		if n > 0 {
			in.log.Info("gave unclaimed seats to the waitlist", "count", n)
		}
	})
	g.every(ctx, time.Minute, func() {
		n, err := store.KeepNightFigures(ctx)
		logFailure(ctx, in, "keep the figures of nights that have ended", err)
		if n > 0 {
			in.log.Info("kept the figures of nights for the reports", "nights", n)
		}
	})
	g.every(ctx, time.Minute, func() {
		n, err := store.CloseForgottenVisits(ctx, in.cfg.AutoCheckoutAfter)
		logFailure(ctx, in, "close forgotten visits", err)
		if n > 0 {
			in.log.Info("checked out forgotten visits; they are flagged for staff review", "count", n)
		}
	})
	g.every(ctx, time.Minute, func() {
		n, err := engine.Reconcile(ctx)
		logFailure(ctx, in, "reconcile pending card payments", err)
		if n > 0 {
			in.log.Info("settled pending card payments", "count", n)
		}
	})
	if send != nil {
		g.every(ctx, 15*time.Second, func() {
			n, err := store.DeliverPending(ctx, 50, send)
			logFailure(ctx, in, "deliver messages", err)
			if n > 0 {
				in.log.Info("delivered messages", "count", n)
			}
		})
	}
	return g, nil
}

// linkInMail finds the links in a message, all a developer needs of it to
// go on (sign in, reset, confirm, pay) when mail is printed, not sent.
var linkInMail = regexp.MustCompile(`https?://\S+`)

// jobGroup tracks the periodic jobs, so shutdown can wait for the ones at
// work before the database closes.
type jobGroup struct{ wg sync.WaitGroup }

// every runs fn on its own goroutine, tracked by the group.
func (g *jobGroup) every(ctx context.Context, interval time.Duration, fn func()) {
	g.wg.Add(1)
	go func() { defer g.wg.Done(); every(ctx, interval, fn) }()
}

// wait waits for every job to stop, or for ctx to end.
func (g *jobGroup) wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func logFailure(ctx context.Context, in *infra, what string, err error) {
	if err != nil && ctx.Err() == nil {
		in.log.Warn(what, "error", err)
	}
}

// every runs fn now and then once per interval until ctx ends.
func every(ctx context.Context, interval time.Duration, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fn()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
