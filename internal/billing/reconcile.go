package billing

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/clockroom/clockroom/models"
)

// keyLifetime is how long Stripe remembers an idempotency key. A payment
// first sent longer ago than this is looked up, never re-sent on its key
// alone.
const keyLifetime = 23 * time.Hour

// Reconcile settles what was left waiting on Stripe: charges, holds and
// captures nobody confirmed (Stripe did not answer, or the server stopped
// between the commit and the call), pay-by-phone pages whose webhook was
// lost, refunds not yet accepted, and webhooks kept until their payment
// appeared. It claims every row before calling Stripe, so several instances
// share the work and never send one row twice. It returns how many it
// settled. It works at the engine's clock (its store's; see At): rows
// waiting since before then are due.
func (s *Service) Reconcile(ctx context.Context) (int, error) {
	now := s.now()
	done := 0
	var errs []error
	count := func(n int, err error) {
		done += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	count(s.reconcile(ctx, models.DueCharges, func(ctx context.Context, p models.Payment) error { return s.reconcileCharge(ctx, p, now) }))
	count(s.reconcile(ctx, models.DuePhone, s.reconcilePhone))
	count(s.reconcile(ctx, models.DueHolds, func(ctx context.Context, p models.Payment) error {
		return s.placeHoldClaimed(ctx, p)
	}))
	count(s.reconcile(ctx, models.DueCaptures, func(ctx context.Context, p models.Payment) error {
		_, err := s.captureOrRelease(ctx, p)
		return err
	}))
	refunds, err := s.store.ClaimRefunds(ctx, 0, s.lease())
	count(0, err)
	for _, r := range refunds {
		_, err := s.sendRefund(ctx, r)
		count(1, err)
	}
	n, err := s.store.ApplyKeptEvents(ctx)
	count(n, s.nothingToDo(err, slog.LevelInfo, "kept stripe webhooks came after their payment had moved"))
	return done, errors.Join(errs...)
}

// reconcile claims the due payments of one kind and works on each.
func (s *Service) reconcile(ctx context.Context, kind models.Due, work func(context.Context, models.Payment) error) (int, error) {
	ps, err := s.store.ClaimDue(ctx, kind, s.lease(), 50)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, p := range ps {
		if err := work(ctx, p); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// reconcileCharge looks a card charge up when Stripe may have it (its
// PaymentIntent is known, or its key may be forgotten) and otherwise sends it
// again with the row's key, which Stripe answers without charging twice.
func (s *Service) reconcileCharge(ctx context.Context, p models.Payment, now time.Time) error {
	sent, err := s.store.SentAt(ctx, p.ID)
	if err != nil {
		return err
	}
	old := sent != nil && now.Sub(*sent) > keyLifetime
	if p.PaymentIntent != nil || old {
		res, found, err := s.lookup(ctx, p, false)
		if err != nil {
			return errors.Join(err, s.store.ReleasePayment(ctx, p.ID))
		}
		if found {
			_, err = s.record(ctx, p.ID, outcome(res))
			return err
		}
	}
	_, err = s.chargeSaved(ctx, p)
	return err
}

// reconcilePhone looks a pay-by-phone page up, or gives up on a page that
// was never created.
func (s *Service) reconcilePhone(ctx context.Context, p models.Payment) error {
	if p.CheckoutSession == nil {
		return s.nothingToDo(s.store.CancelUnstartedPhonePayment(ctx, p.ID), slog.LevelWarn,
			"a pay-by-phone payment with no page moved before it was given up", "payment", p.ID)
	}
	res, _, err := s.lookup(ctx, p, false)
	if err != nil {
		return errors.Join(err, s.store.ReleasePayment(ctx, p.ID))
	}
	_, err = s.record(ctx, p.ID, outcome(res))
	return err
}
