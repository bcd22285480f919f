package billing

import (
	"context"

	"github.com/clockroom/clockroom/models"
)

// The door's admissions and exits, and staff's check-outs, have one owner:
// these methods commit through the store, then start in the background
// whatever the commit created for Stripe (a hold at admission, a charge or
// the capture of a hold at exit), and say where the bill stands. Stripe is
// never on the door's path: the answer comes from the database alone.

// Scan admits or checks out a ticket holder (models.Store.Scan). An exit's
// answer carries where its bill stands: paid, pending (a card is being
// charged) or unpaid; an exit scan of a guest already out, where it stands
// now.
func (s *Service) Scan(ctx context.Context, req models.ScanRequest) (models.ScanResponse, error) {
	resp, err := s.store.Scan(ctx, req)
	if err != nil {
		return resp, err
	}
	switch {
	case resp.Exited:
		st, err := s.afterExit(ctx, resp.Visit.ID, resp.Charge)
		if err != nil {
			return resp, err
		}
		resp.Payment = &st
	case resp.AlreadyOut && resp.Visit != nil:
		st, err := s.store.BillState(ctx, resp.Visit.ID)
		if err != nil {
			return resp, err
		}
		resp.Payment = &st
	}
	s.afterAdmit(resp.Hold)
	return resp, nil
}

// CheckOut closes a visit at staff's hand (models.Store.CheckOut) and says
// where its bill stands, as an exit scan does.
func (s *Service) CheckOut(ctx context.Context, visitID, actorID int64, device string) (models.Visit, models.Bill, models.PaymentState, error) {
	v, b, pay, err := s.store.CheckOut(ctx, visitID, actorID, device)
	if err != nil {
		return v, b, models.PaymentState{}, err
	}
	st, err := s.afterExit(ctx, v.ID, pay)
	return v, b, st, err
}
