package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// WalkInRequest admits a guest without an RSVP.
type WalkInRequest struct {
	EventID  int64
	Name     string
	Email    string
	ActorID  int64
	Device   string
	Override string    // staff's reason for admitting over the room's limit; "" for none
	venueID  int64     // the night's venue, once read
	now      time.Time // when it reached the store, by its clock
}

// WalkIn admits a guest without an RSVP while the room has a place that is
// not held for a ticket holder (*RoomFullError otherwise); staff may
// override with a reason, which is audited. check_room checks the room again
// at commit, so the limit holds however many doors admit at once.
func (s *Store) WalkIn(ctx context.Context, req WalkInRequest) (Visit, error) {
	req.now = s.Now()
	for attempt := 1; ; attempt++ {
		v, err := s.walkIn(ctx, &req)
		if !isRoomFull(err) {
			return v, err
		}
		if attempt == roomRetries {
			// Others keep taking the last place first: say so.
			inside, limit, err := roomCount(ctx, s.DB, req.venueID)
			if err != nil {
				return Visit{}, err
			}
			return Visit{}, &RoomFullError{Inside: inside, Capacity: limit}
		}
	}
}

func (s *Store) walkIn(ctx context.Context, req *WalkInRequest) (Visit, error) {
	var v Visit
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		e, err := eventByID(ctx, tx, req.EventID, false)
		if err != nil {
			return err
		}
		req.venueID = e.VenueID
		if e.Status != EventPublished || req.now.Before(e.StartsAt.Add(-DoorOpensBefore)) || !req.now.Before(e.EndsAt) {
			return &RSVPClosedError{Why: ClosedDoor, Event: e}
		}
		inside, limit, err := roomCount(ctx, tx, e.VenueID)
		if err != nil {
			return err
		}
		held, until, err := heldSeats(ctx, tx, e.VenueID, req.now)
		if err != nil {
			return err
		}
		over := inside+held >= limit
		switch {
		case over && req.Override == "":
			return &RoomFullError{Inside: inside, Capacity: limit, Held: held, HeldUntil: until}
		case over:
			err = overLimit(ctx, tx)
		default:
			err = keepSeats(ctx, tx, held)
		}
		if err != nil {
			return err
		}
		v.ID, _, err = insertVisit(ctx, tx, newVisit{EventID: e.ID, WalkInName: strings.TrimSpace(req.Name), WalkInEmail: NormalizeEmail(req.Email),
			At: req.now, ActorID: req.ActorID, Device: req.Device}, req.now)
		if err != nil {
			return err
		}
		detail := map[string]any{"name": req.Name, "device": req.Device}
		if over {
			detail["over_limit"], detail["reason"], detail["held"] = fmt.Sprintf("%d/%d", inside+1, limit), req.Override, held
		}
		if err := audit(ctx, tx, req.now, req.ActorID, "door.walk_in", fmt.Sprintf("visit:%d", v.ID), detail); err != nil {
			return err
		}
		v, err = visitWhere(ctx, tx, `v.id = $1`, v.ID)
		return err
	})
	return v, err
}
