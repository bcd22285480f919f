package payments

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/clockroom/clockroom/models"
)

// Reconcile settles card payments left pending (Stripe did not answer, or
// the server stopped between committing the row and calling Stripe). A
// payment with no PaymentIntent yet is charged again with its own
// idempotency key, so Stripe charges at most once; one with a PaymentIntent
// is looked up. Safe on several instances: the keys make repeats harmless.
// It returns how many payments it settled.
func Reconcile(ctx context.Context, store *models.Store, gw Gateway, now time.Time) (int, error) {
	pending, err := store.PendingCardPayments(ctx, now.Add(-30*time.Second))
	if err != nil {
		return 0, err
	}
	settled := 0
	var errs []error
	for _, p := range pending {
		var res Result
		if p.PaymentIntent != nil {
			res, err = gw.PaymentIntent(ctx, *p.PaymentIntent)
		} else {
			var card models.SavedCard
			if card, err = store.VisitGuestCard(ctx, p.VisitID); err == nil && card.HasCard() {
				res, err = gw.ChargeSaved(ctx, Charge{Amount: p.Amount, Currency: p.Currency, CustomerID: *card.Customer,
					PaymentMethod: *card.PaymentMethod, Description: "Clockroom visit", Reference: strconv.FormatInt(p.ID, 10), Key: p.Key()})
			} else if err == nil {
				res = Result{Status: StatusFailed, FailureReason: "The guest's card was removed."}
			}
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if res.Status == StatusProcessing {
			continue
		}
		if _, err := store.ApplyCharge(ctx, p.ID, models.ChargeOutcome{PaymentIntent: res.PaymentIntent, Status: res.Status, FailureReason: res.FailureReason}); err != nil {
			errs = append(errs, err)
			continue
		}
		settled++
	}
	if n, err := store.CancelStalePhonePayments(ctx, now.Add(-10*time.Minute)); err != nil {
		errs = append(errs, err)
	} else {
		settled += n
	}
	phones, err := store.PendingPhonePayments(ctx, now.Add(-3*time.Minute))
	if err != nil {
		return settled, errors.Join(append(errs, err)...)
	}
	for _, p := range phones {
		res, err := gw.CheckoutSession(ctx, *p.CheckoutSession)
		if err == nil && res.Status != StatusProcessing {
			status := map[string]string{StatusSucceeded: models.PaymentSucceeded, StatusCanceled: models.PaymentCanceled}[res.Status]
			if err = store.SettleFromLookup(ctx, p, status, res.PaymentIntent, res.Amount, res.Currency, res.FailureReason); err == nil {
				settled++
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}

	holds, err := store.PendingHolds(ctx, now.Add(-30*time.Second))
	if err != nil {
		return settled, errors.Join(append(errs, err)...)
	}
	for _, h := range holds {
		card, err := store.VisitGuestCard(ctx, h.VisitID)
		if err != nil || !card.HasCard() {
			continue
		}
		res, err := gw.Hold(ctx, Charge{Amount: h.Amount, Currency: h.Currency, CustomerID: *card.Customer, PaymentMethod: *card.PaymentMethod,
			Description: "Clockroom: hold at check-in", Reference: strconv.FormatInt(h.ID, 10), Key: h.HoldKey()})
		if err == nil {
			err = store.ApplyHold(ctx, h.ID, models.ChargeOutcome{PaymentIntent: res.PaymentIntent, Status: res.Status, FailureReason: res.FailureReason})
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		settled++
	}

	refunds, err := store.PendingRefunds(ctx, now.Add(-30*time.Second))
	if err != nil {
		return settled, errors.Join(append(errs, err)...)
	}
	for _, r := range refunds {
		if err := gw.Refund(ctx, r.PaymentIntent, r.Amount, r.Key()); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := store.MarkRefundSent(ctx, r.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		settled++
	}

	captures, err := store.PendingCaptures(ctx, now.Add(-30*time.Second))
	if err != nil {
		return settled, errors.Join(append(errs, err)...)
	}
	for _, p := range captures {
		var res Result
		if p.Amount == 0 {
			err = gw.CancelHold(ctx, *p.PaymentIntent, p.ReleaseKey())
			res = Result{PaymentIntent: *p.PaymentIntent, Status: StatusCanceled, FailureReason: "Nothing to pay: the hold was released."}
		} else {
			res, err = gw.Capture(ctx, *p.PaymentIntent, p.Amount, p.CaptureKey())
		}
		if err == nil {
			_, err = store.ApplyCharge(ctx, p.ID, models.ChargeOutcome{PaymentIntent: res.PaymentIntent, Status: res.Status, FailureReason: res.FailureReason})
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		settled++
	}
	return settled, errors.Join(errs...)
}
