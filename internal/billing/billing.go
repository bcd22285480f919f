// Package billing is Clockroom's payment engine: it drives each payment
// through Stripe. Handlers and jobs make one call each; Stripe is reached
// only through Gateway (internal/stripeapi implements it), and every call
// follows the same three steps: commit and claim the row that describes it,
// call Stripe with a key derived from that row and a timeout, record what
// Stripe said, mapped to our statuses by one table (StatusFor).
//
// Where a payment may move is not this package's: models holds the one
// table of (status, event) → status (models.NextPaymentStatus) and the one
// writer every status change goes through. A move it refuses (an answer or
// webhook that came after the payment settled) is logged here and treated as
// nothing to do.
//
// Stripe never sits on the room's critical path: the door's exit scan
// answers from the database and its charge runs in the background; staff
// requests give up their lane before they wait; every call has a total
// timeout (STRIPE_TIMEOUT). A call that times out or meets a network error or
// a 5xx leaves the payment pending and unclaimed for Reconcile, which claims
// rows (SKIP LOCKED and a lease) so instances never send one twice, looks up
// what was sent before, and re-sends only with the row's own key.
package billing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/clockroom/clockroom/models"
)

// The engine's refusals, each with its kind and the sentence people read
// (models.Refused); a page that knows more (what happens next to a charge
// Stripe did not answer) says that instead.
var (
	ErrUnavailable = models.NewRefusal(models.KindUnavailable, "Stripe did not answer. Please try again in a minute.")
	ErrBusy        = models.NewRefusal(models.KindConflict, "This payment is being sent to Stripe right now: this page shows the result when Stripe answers.")
	ErrNoCard      = models.NewRefusal(models.KindConflict, "This guest has no card on file. Take payment another way.")
	ErrPaidAfter   = models.NewRefusal(models.KindConflict, "Stripe had taken this payment after all: it is recorded as paid.")
	ErrRepeated    = models.NewRefusal(models.KindConflict, "That refund was already sent to Stripe.")
)

// Service is the payment engine. It is safe for concurrent use.
type Service struct {
	store   *models.Store
	gw      Gateway
	log     *slog.Logger
	timeout time.Duration
	now     func() time.Time // the store's clock
	baseURL string

	// Copies made by At share these with the engine they came from, so
	// Wait waits for their background calls too and the bound is one.
	wg    *sync.WaitGroup
	calls chan struct{} // background Stripe calls in flight
}

// Options tune a Service.
type Options struct {
	Timeout time.Duration // total per Stripe call; 0 means 10 s
	BaseURL string        // absolute links on Stripe's hosted pages
}

// New returns the payment engine over store and gw.
func New(store *models.Store, gw Gateway, log *slog.Logger, o Options) *Service {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	return &Service{store: store, gw: gw, log: log, timeout: o.Timeout, now: store.Now, baseURL: o.BaseURL,
		wg: new(sync.WaitGroup), calls: make(chan struct{}, 16)}
}

// At is the engine working at time t: its store is the store's At(t), and
// what it writes and which rows it finds due are as of t. For tests that run
// the reconciler later than now.
func (s *Service) At(t time.Time) *Service {
	store := s.store.At(t)
	return &Service{store: store, gw: s.gw, log: s.log, timeout: s.timeout, now: store.Now, baseURL: s.baseURL,
		wg: s.wg, calls: s.calls}
}

// Gateway is the Stripe adapter the service talks to.
func (s *Service) Gateway() Gateway { return s.gw }

// lease is how long a claim lasts: longer than any one call, so a live
// claimer always records its answer first.
func (s *Service) lease() time.Duration { return 2*s.timeout + 30*time.Second }

// call runs one Stripe call with the total timeout, detached from the
// caller's cancellation: the row is committed, so the call and its
// bookkeeping finish even if the person leaves the page.
func (s *Service) call(ctx context.Context, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	return fn(ctx)
}

// background runs fn off the request, bounded, and tracked by Wait.
func (s *Service) background(what string, fn func(context.Context) error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.calls <- struct{}{}
		defer func() { <-s.calls }()
		if err := fn(context.Background()); err != nil && !errors.Is(err, ErrBusy) {
			s.log.Warn(what+": left for the reconciler", "error", err)
		}
	}()
}

// Wait waits for background calls to finish, or for ctx to end: shutdown
// calls it before closing the database.
func (s *Service) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// send makes the Stripe call op for the claimed payment p and records what
// Stripe said. A permanent refusal fails the payment with Stripe's message;
// no answer gives the claim back and returns ErrUnavailable.
func (s *Service) send(ctx context.Context, p models.Payment, op func(context.Context) (Result, error)) (models.Payment, error) {
	var res Result
	err := s.call(ctx, func(ctx context.Context) (err error) { res, err = op(ctx); return err })
	var perm *PermanentError
	switch {
	case errors.As(err, &perm):
		return s.record(context.WithoutCancel(ctx), p.ID, models.Outcome{Status: models.PaymentFailed, FailureReason: perm.Message})
	case err != nil:
		if rerr := s.store.ReleasePayment(context.WithoutCancel(ctx), p.ID); rerr != nil {
			return p, rerr
		}
		return p, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return s.record(context.WithoutCancel(ctx), p.ID, outcome(res))
}

// record applies what Stripe answered about payment id (see
// models.Store.RecordOutcome).
func (s *Service) record(ctx context.Context, id int64, o models.Outcome) (models.Payment, error) {
	p, err := s.store.RecordOutcome(ctx, id, o)
	return p, s.nothingToDo(err, slog.LevelWarn, "stripe answered after the payment had moved", "payment", id, "stripe_status", o.Status)
}

// nothingToDo logs a move the payment table refused and drops it: an answer
// or event that came late or out of order, after the payment settled. The
// payment stays where it is, and nothing is left to retry (an error would
// make Stripe deliver a webhook again for days). Other errors are returned.
func (s *Service) nothingToDo(err error, level slog.Level, msg string, args ...any) error {
	if !errors.Is(err, models.ErrIllegalTransition) {
		return err
	}
	s.log.Log(context.Background(), level, msg+": nothing to do", append(args, "refused", err.Error())...)
	return nil
}

func reference(p models.Payment) string { return strconv.FormatInt(p.ID, 10) }

// chargeSaved is the off-session charge of p on the guest's saved card.
func (s *Service) chargeSaved(ctx context.Context, p models.Payment) (models.Payment, error) {
	card, err := s.store.VisitGuestCard(ctx, p.VisitID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return p, err
	}
	if !card.HasCard() {
		return s.record(ctx, p.ID, models.Outcome{Status: models.PaymentFailed, FailureReason: "The guest's card was removed."})
	}
	return s.send(ctx, p, func(ctx context.Context) (Result, error) {
		return s.gw.ChargeSaved(ctx, Charge{Amount: p.Amount, Currency: p.Currency, CustomerID: *card.Customer, PaymentMethod: *card.PaymentMethod,
			Description: "Clockroom visit", Reference: reference(p), Key: p.Key()})
	})
}

// settle sends the payment an exit created, once claimed: an authorised
// hold is captured for the bill (or released when nothing is owed), anything
// else is charged to the saved card.
func (s *Service) settle(ctx context.Context, p models.Payment) (models.Payment, error) {
	p, ok, err := s.store.ClaimPayment(ctx, p.ID, s.lease())
	if err != nil {
		return p, err
	}
	if !ok {
		return p, ErrBusy
	}
	if p.Status == models.PaymentAuthorized && p.PaymentIntent != nil {
		return s.captureOrRelease(ctx, p)
	}
	return s.chargeSaved(ctx, p)
}

// captureOrRelease takes the bill from the claimed, authorised hold p, or
// releases the hold when nothing is owed.
func (s *Service) captureOrRelease(ctx context.Context, p models.Payment) (models.Payment, error) {
	pi := *p.PaymentIntent
	return s.send(ctx, p, func(ctx context.Context) (Result, error) {
		if p.Amount == 0 {
			why := "Nothing to pay: the hold was released."
			if p.FailureReason != nil && *p.FailureReason != "" {
				why = *p.FailureReason // released for another reason, set at check-out
			}
			err := s.gw.CancelHold(ctx, pi, p.ReleaseKey())
			return Result{PaymentIntent: pi, Status: StripeCanceled, FailureReason: why}, err
		}
		return s.gw.Capture(ctx, pi, p.Amount, p.CaptureKey())
	})
}

// afterExit says where the closed visit's bill stands as its exit
// committed it (models.Store.BillState: paid, pending while a card is being
// charged or a hold captured, unpaid when staff must collect), then starts
// in the background the payment the exit created (nil: none), whatever the
// answer.
func (s *Service) afterExit(ctx context.Context, visitID int64, pay *models.Payment) (models.PaymentState, error) {
	st, err := s.store.BillState(ctx, visitID)
	if pay != nil { // a charge, or a hold to capture or release
		p := *pay
		s.background("payment at exit", func(ctx context.Context) error { _, err := s.settle(ctx, p); return err })
	}
	return st, err
}

// afterAdmit places, in the background, the hold an admission created (nil:
// none). A failed hold leaves the guest inside and flags the visit.
func (s *Service) afterAdmit(hold *models.Payment) {
	if hold == nil {
		return
	}
	h := *hold
	s.background("hold at check-in", func(ctx context.Context) error { return s.placeHold(ctx, h) })
}

func (s *Service) placeHold(ctx context.Context, h models.Payment) error {
	h, ok, err := s.store.ClaimPayment(ctx, h.ID, s.lease())
	if err != nil || !ok {
		return err
	}
	return s.placeHoldClaimed(ctx, h)
}

// placeHoldClaimed authorises the claimed hold h on the guest's saved card.
func (s *Service) placeHoldClaimed(ctx context.Context, h models.Payment) error {
	card, err := s.store.VisitGuestCard(ctx, h.VisitID)
	if err != nil || !card.HasCard() {
		_, rerr := s.record(ctx, h.ID, models.Outcome{Status: models.PaymentFailed, FailureReason: "the guest has no card on file"})
		return errors.Join(err, rerr)
	}
	_, err = s.send(ctx, h, func(ctx context.Context) (Result, error) {
		return s.gw.Hold(ctx, Charge{Amount: h.Amount, Currency: h.Currency, CustomerID: *card.Customer, PaymentMethod: *card.PaymentMethod,
			Description: "Clockroom: hold at check-in", Reference: reference(h), Key: h.HoldKey()})
	})
	return err
}

// ChargeVisit takes a closed visit's bill through Stripe, as staff asked:
// the guest's saved card (the payment the exit created, or a new one), or a
// pay-by-phone page. The row is committed and claimed before the call.
func (s *Service) ChargeVisit(ctx context.Context, visitID int64, method string, actorID int64) (models.Payment, error) {
	if method == models.PayCardOnFile {
		card, err := s.store.VisitGuestCard(ctx, visitID)
		if errors.Is(err, models.ErrNotFound) || (err == nil && !card.HasCard()) {
			return models.Payment{}, ErrNoCard
		} else if err != nil {
			return models.Payment{}, err
		}
	}
	// A staff click: the one way a visit flagged for review is charged.
	p, err := s.store.PendingCharge(ctx, visitID) // created at the exit, not yet through
	switch {
	case method != models.PayCardOnFile || errors.Is(err, models.ErrNotFound):
		p, err = s.store.CreatePayment(ctx, models.NewPayment{VisitID: visitID, Method: method, ActorID: actorID,
			Approved: method == models.PayCardOnFile})
	case err == nil:
		err = s.store.ApprovePayment(ctx, p.ID, actorID)
	}
	if err != nil {
		return p, err
	}
	if method == models.PayByPhone {
		return s.startPhonePayment(ctx, p)
	}
	return s.settle(ctx, p)
}

// PayNow returns the page where a guest pays what a visit owes by card: the
// one already open for it (staff may have shown its QR), else a new one. It
// is the same payment as pay-by-phone, started by the guest.
func (s *Service) PayNow(ctx context.Context, visitID, actorID int64) (string, error) {
	url, err := s.store.OpenPhonePage(ctx, visitID)
	if !errors.Is(err, models.ErrNotFound) {
		return url, err
	}
	p, err := s.ChargeVisit(ctx, visitID, models.PayByPhone, actorID)
	if err != nil {
		return "", err
	}
	return s.store.CheckoutURL(ctx, p.ID)
}

func (s *Service) startPhonePayment(ctx context.Context, p models.Payment) (models.Payment, error) {
	p, ok, err := s.store.ClaimPayment(ctx, p.ID, s.lease())
	if err != nil || !ok {
		return p, errors.Join(err, ErrBusy)
	}
	d, err := s.store.VisitDetail(ctx, p.VisitID)
	if err != nil {
		return p, err
	}
	success, cancel, err := s.returnURLs(ctx, p)
	if err != nil {
		return p, err
	}
	var page Hosted
	err = s.call(ctx, func(ctx context.Context) (err error) {
		page, err = s.gw.PaymentSession(ctx, Session{Amount: p.Amount, Currency: p.Currency,
			Description: "Your time at " + d.Venue.Name + ": " + d.Event.Title, SuccessURL: success, CancelURL: cancel,
			Reference: reference(p), Key: p.Key()})
		return err
	})
	ctx = context.WithoutCancel(ctx)
	if err != nil {
		// The page does not exist: give the payment up so staff can try again.
		_, rerr := s.record(ctx, p.ID, models.Outcome{Status: models.PaymentCanceled, FailureReason: "Stripe could not start the payment page."})
		return p, errors.Join(fmt.Errorf("%w: %v", ErrUnavailable, err), rerr)
	}
	if err := s.store.SetCheckoutSession(ctx, p.ID, page.ID, page.URL); err != nil {
		return p, err
	}
	return s.store.PaymentByID(ctx, p.ID)
}

// returnURLs are where Stripe's page sends the guest when they have paid
// and when they go back: their ticket, which reads what became of payment p
// (paid, or still being confirmed) or says nothing was charged. A walk-in
// has no ticket: the thank-you page, and the listing.
func (s *Service) returnURLs(ctx context.Context, p models.Payment) (success, cancel string, err error) {
	code, err := s.store.VisitTicketCode(ctx, p.VisitID)
	if err != nil || code == "" {
		return s.baseURL + "/paid", s.baseURL + "/", err
	}
	ticket, id := s.baseURL+"/tickets/"+code, strconv.FormatInt(p.ID, 10)
	return ticket + "?paid=" + id, ticket + "?cancelled=" + id, nil
}

// Refund asks Stripe to refund part of a card payment. The refund row is
// committed and claimed first and its key derived from it, so a retry or a
// double click refunds once; the payment's refunded total moves when Stripe's
// charge.refunded webhook says so. A repeated requestKey is the same refund.
func (s *Service) Refund(ctx context.Context, paymentID, amount, actorID int64, note, requestKey string) (models.Refund, error) {
	r, err := s.store.RequestRefund(ctx, paymentID, amount, actorID, note, requestKey)
	if err != nil {
		return r, err
	}
	if r.Status != "pending" {
		return r, ErrRepeated
	}
	claimed, err := s.store.ClaimRefunds(ctx, r.ID, s.lease())
	if err != nil {
		return r, err
	}
	if len(claimed) == 0 {
		return r, ErrBusy
	}
	return s.sendRefund(ctx, claimed[0])
}

func (s *Service) sendRefund(ctx context.Context, r models.Refund) (models.Refund, error) {
	err := s.call(ctx, func(ctx context.Context) error { return s.gw.Refund(ctx, r.PaymentIntent, r.Amount, r.Key()) })
	ctx = context.WithoutCancel(ctx)
	var perm *PermanentError
	switch {
	case errors.As(err, &perm):
		r.Status = "failed"
		return r, s.store.FinishRefund(ctx, r.ID, perm.Message)
	case err != nil:
		return r, errors.Join(fmt.Errorf("%w: %v", ErrUnavailable, err), s.store.ReleaseRefund(ctx, r.ID))
	}
	r.Status = "sent"
	return r, s.store.FinishRefund(ctx, r.ID, "")
}

// Abandon gives up on a payment still waiting on Stripe, so staff can take
// cash, the terminal or waive: a pay-by-phone page is expired at Stripe
// first, and a charge is looked up and abandoned only if Stripe has no
// success (ErrPaidAfter when it has: the payment is recorded as paid).
func (s *Service) Abandon(ctx context.Context, paymentID, actorID int64) (models.Payment, error) {
	p, ok, err := s.store.ClaimPayment(ctx, paymentID, s.lease())
	if err != nil {
		return p, err
	}
	if !ok {
		if p, err = s.store.PaymentByID(ctx, paymentID); err != nil {
			return p, err
		}
		if p.Status != models.PaymentPending {
			return p, models.ErrNotPending
		}
		return p, ErrBusy
	}
	res, found, err := s.lookup(ctx, p, true)
	if err != nil {
		return p, errors.Join(fmt.Errorf("%w: %v", ErrUnavailable, err), s.store.ReleasePayment(context.WithoutCancel(ctx), p.ID))
	}
	if found && StatusFor(res.Status) == models.PaymentSucceeded {
		p, err = s.record(context.WithoutCancel(ctx), p.ID, outcome(res))
		return p, errors.Join(ErrPaidAfter, err)
	}
	return s.store.AbandonPayment(context.WithoutCancel(ctx), p.ID, actorID, "Abandoned by staff: Stripe had taken nothing.")
}

// lookup asks Stripe where a payment stands without sending it: its page
// (expired first when expire is set), its PaymentIntent, or the charge made
// under its reference. found is false when Stripe holds nothing for it.
func (s *Service) lookup(ctx context.Context, p models.Payment, expire bool) (res Result, found bool, err error) {
	err = s.call(ctx, func(ctx context.Context) error {
		switch {
		case p.CheckoutSession != nil && expire:
			res, err = s.gw.ExpireSession(ctx, *p.CheckoutSession)
			found = err == nil
		case p.CheckoutSession != nil:
			res, err = s.gw.CheckoutSession(ctx, *p.CheckoutSession)
			found = err == nil
		case p.PaymentIntent != nil:
			res, err = s.gw.PaymentIntent(ctx, *p.PaymentIntent)
			found = err == nil
		case p.Method == models.PayCardOnFile:
			res, found, err = s.gw.FindCharge(ctx, reference(p))
		}
		return err
	})
	return res, found, err
}

// SetupCard starts the hosted page where a guest saves a card for
// pay-as-you-leave and returns its address. The Stripe customer is created
// once per user; the card is stored when Stripe's webhook confirms it.
func (s *Service) SetupCard(ctx context.Context, u models.User, currency, key string) (string, error) {
	card, err := s.store.CardFor(ctx, u.ID)
	if err != nil {
		return "", err
	}
	existing := ""
	if card.Customer != nil {
		existing = *card.Customer
	}
	var page Hosted
	err = s.call(ctx, func(ctx context.Context) error {
		customer, err := s.gw.EnsureCustomer(ctx, Customer{Existing: existing, UserID: u.ID, Email: u.Email, Name: u.Name,
			Key: fmt.Sprintf("clockroom-customer-%d", u.ID)})
		if err == nil && existing == "" {
			err = s.store.SetStripeCustomer(ctx, u.ID, customer)
		}
		if err != nil {
			return err
		}
		page, err = s.gw.SetupSession(ctx, Session{CustomerID: customer, Currency: currency,
			SuccessURL: s.baseURL + "/me/tickets?card=saved", CancelURL: s.baseURL + "/me/tickets",
			Reference: strconv.FormatInt(u.ID, 10), Key: fmt.Sprintf("clockroom-setup-%d-%s", u.ID, key)})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return page.URL, nil
}
