package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Scan directions.
const (
	ScanIn  = "in"
	ScanOut = "out"
)

// Scan results, as the door page and the scan API report them.
const (
	ResultAdmitted      = "admitted"
	ResultAlreadyInside = "already_inside"
	ResultCheckedOut    = "checked_out"
	ResultNotFound      = "not_found"
	ResultWrongEvent    = "wrong_event"
	ResultCancelled     = "cancelled"
	ResultWaitlisted    = "waitlisted"
	ResultNotOpen       = "not_open"
	ResultNotInside     = "not_inside"
	ResultRoomFull      = "room_full"
)

// Door timing.
const (
	DoorOpensBefore = time.Hour        // the door opens this long before the event starts
	DoorClosesAfter = time.Hour        // queued exits are taken this long after the event ends
	MaxClockSkew    = 2 * time.Minute  // a device clock may run this far ahead
	ReviewAfter     = 15 * time.Minute // a queued scan older than this is flagged for staff
)

// A door device's clock decides a queued scan's time, and so a bill: the
// server takes it only inside the night's door window, refuses it more than
// MaxClockSkew ahead of its own clock and reads it as now when a little
// ahead, and flags the visit for review when it is more than ReviewAfter
// behind. So a device can move a bill by at most ReviewAfter of the
// server's clock without a person looking, and a flagged visit is never
// charged to a saved card until staff click on Bills to collect.

// ScanTimeError refuses a queued scan whose time is out of bounds.
type ScanTimeError struct {
	Why ScanTimeProblem
	Who *Attendee // the ticket's holder, when the scan got as far as the ticket
}

func (e *ScanTimeError) Error() string { return "scan time: " + string(e.Why) }

// ScanTimeProblem is what is wrong with a queued scan's time.
type ScanTimeProblem string

// What can be wrong with a queued scan's time.
const (
	ScanInFuture      ScanTimeProblem = "in_future"
	ScanBeforeDoor    ScanTimeProblem = "before_door"
	ScanBeforeCheckIn ScanTimeProblem = "before_check_in"
	ScanAfterDoor     ScanTimeProblem = "after_door"
	// An entry queued offline that reaches the server after the guest's
	// exit: the stays would overlap, so staff look at it instead.
	ScanBeforeLastExit ScanTimeProblem = "before_last_exit"
)

// RoomFullError refuses a walk-in when the room is at its safe limit, or
// when what is left of it is held for ticket holders.
type RoomFullError struct {
	Inside, Capacity int
	Held             int       // seats held for confirmed guests not yet here
	HeldUntil        time.Time // when the first of those holds ends
}

func (e *RoomFullError) Error() string {
	return fmt.Sprintf("room full: %d inside, limit %d, %d held", e.Inside, e.Capacity, e.Held)
}

// ScanRequest is one scan at the door.
type ScanRequest struct {
	EventID   int64
	Event     *Event // the night, when the caller has just read it; nil: Scan reads it
	TicketID  []byte // nil when the code did not verify
	Direction string
	// At is when a queued scan was made, by the device's clock. A live
	// scan is timed by the store's clock once it holds its ticket, so two
	// scans of one ticket never make overlapping stays, whichever reached
	// the server first.
	At              time.Time
	Queued          bool   // At came from the device
	Key             string // the device's idempotency key
	Device          string
	ActorID         int64
	AdmitWaitlisted bool   // staff chose "admit anyway"
	Override        string // staff's reason to admit over the room's limit; "" for none
	// RSVPID is the guest the door found by name, when there is no
	// TicketID: an RSVP of this night only, so a host names none of
	// another night's guests by their id. It goes through every rule a
	// ticket does (the room's limit, the waitlist, the key).
	RSVPID int64
	// roomFull makes the scan answer that the room is full rather than
	// admit: set on the last try when others keep filling it first.
	roomFull bool
	// now is when the scan reached the store, by its clock.
	now time.Time
}

// ScanResponse is what the door shows. It is stored with the scan, so a
// replay of the same key returns it unchanged.
type ScanResponse struct {
	Result         string     `json:"result"`
	Message        string     `json:"message"`
	Attendee       *Attendee  `json:"attendee,omitempty"`
	Visit          *VisitInfo `json:"visit,omitempty"`
	RightEvent     *EventRef  `json:"right_event,omitempty"`
	CanAdmitAnyway bool       `json:"can_admit_anyway,omitempty"`
	Replayed       bool       `json:"replayed,omitempty"`
	// Charge is the card payment this exit created, to send to Stripe
	// after commit; never stored with the scan, so a replay charges nothing.
	Charge *Payment `json:"-"`
	// Hold is the hold this admission created, to authorise after commit.
	Hold *Payment `json:"-"`
	// Exited is set when this scan closed the visit (not a repeat).
	Exited bool `json:"-"`
	// Payment is where an exit's bill stands when the door is answered.
	Payment *PaymentState `json:"payment,omitempty"`
	// AlreadyOut marks an exit scan of a guest who had already left.
	AlreadyOut bool `json:"already_checked_out,omitempty"`
	// Resumed marks an entry that continues the guest's bill from an
	// earlier stay that night; Outstanding is what of it is still unpaid.
	Resumed     bool          `json:"resumed,omitempty"`
	Outstanding *PaymentState `json:"outstanding,omitempty"`
	// Took is where the scan's time went in the database, for the door's
	// Server-Timing header; never stored.
	Took ScanTimes `json:"-"`
}

// ScanTimes splits a scan's time in the database: its statements, from
// BEGIN to the last one, and its COMMIT (the room's check, the WAL flush),
// over Tries attempts.
type ScanTimes struct {
	Work, Commit time.Duration
	Tries        int
}

// PaymentState is where an exit's bill stands: paid (nothing owed, or
// settled), pending (a card is being charged) or unpaid (collect it).
type PaymentState struct {
	Status   BillStatus `json:"status" db:"status"`
	Amount   int64      `json:"amount" db:"amount"`
	Currency string     `json:"currency" db:"currency"`
}

// Attendee is the guest a scan is about.
type Attendee struct {
	Name             string `json:"name"`
	Status           string `json:"status"`
	WaitlistPosition int    `json:"waitlist_position,omitempty"`
}

// VisitInfo is a visit as the door reports it.
type VisitInfo struct {
	ID           int64      `json:"id"`
	CheckedInAt  time.Time  `json:"checked_in_at"`
	CheckedOutAt *time.Time `json:"checked_out_at,omitempty"`
	Minutes      int        `json:"minutes"`
	Amount       int64      `json:"amount"`
	AmountText   string     `json:"amount_text,omitempty"`
	Currency     string     `json:"currency,omitempty"`
	Applied      string     `json:"applied,omitempty"`
}

// EventRef names another event.
type EventRef struct {
	ID       int64     `json:"id"`
	Title    string    `json:"title"`
	StartsAt time.Time `json:"starts_at"`
}

// Scan admits or checks out the ticket holder. Scans of one ticket take
// turns on its RSVP row, and a repeat of the same Key returns the first
// answer, so double scans, retries and offline replays never make a second
// visit.
func (s *Store) Scan(ctx context.Context, req ScanRequest) (ScanResponse, error) {
	// The room's count is checked without a lock, and the database checks
	// it again at commit (see check_room): when another admission took the
	// last place meanwhile, the scan runs again and sees the room as it is.
	var took ScanTimes
	req.now = s.Now()
	if !req.Queued {
		req.At = req.now // until it holds its ticket (scan)
	}
	for attempt := 1; ; attempt++ {
		req.roomFull = attempt == roomRetries
		resp, err := s.scanOnce(ctx, req, &took)
		if !isRoomFull(err) || attempt == roomRetries {
			resp.Took = took
			return resp, err
		}
	}
}

// roomRetries is how many times an admission is tried when others keep
// taking the room's last place first; the last try answers that it is full.
const roomRetries = 4

// isRoomFull reports whether err is the database refusing an admission
// over the room's limit (check_room, at commit).
func isRoomFull(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "CR001"
}

func (s *Store) scanOnce(ctx context.Context, req ScanRequest, took *ScanTimes) (ScanResponse, error) {
	var resp ScanResponse
	req.At = req.At.Truncate(time.Microsecond) // as PostgreSQL stores it
	began := time.Now()
	worked := began
	defer func() {
		took.Tries++
		took.Work += worked.Sub(began)
		took.Commit += time.Since(worked)
	}()
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		defer func() { worked = time.Now() }()
		// Not locked: scans of different tickets run side by side. Scans of
		// one ticket queue on its RSVP row instead (see scan).
		var e Event
		var err error
		if req.Event != nil && req.Event.ID == req.EventID {
			e = *req.Event
		} else if e, err = eventByID(ctx, tx, req.EventID, false); err != nil {
			return err
		}
		if resp, err = storedScan(ctx, tx, req); !errors.Is(err, sql.ErrNoRows) {
			return err // a replay (err nil), or a failure
		}
		if err := checkScanTime(&req, e); err != nil {
			return err
		}
		var visitID, rsvpID *int64
		resp, visitID, rsvpID, err = s.scan(ctx, tx, req, e)
		if err != nil {
			return err
		}
		body, _ := json.Marshal(resp)
		res, err := tx.ExecContext(ctx, `
			INSERT INTO door_scans (key, event_id, direction, result, visit_id, rsvp_id, scanned_at, device, actor_id, response, received_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULLIF($9, 0), $10, $11)
			ON CONFLICT (event_id, (COALESCE(actor_id, 0)), key) DO NOTHING`,
			req.Key, req.EventID, req.Direction, resp.Result, visitID, rsvpID, req.At, req.Device, req.ActorID, string(body), req.now) // JSON as a string: see Open
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errScanRaced
		}
		return nil
	})
	if errors.Is(err, errScanRaced) {
		// The same key, sent twice at once, was stored first by the other
		// request: this one's work is rolled back, and it answers as that did.
		return storedScan(ctx, s.DB, req)
	}
	return resp, err
}

// errScanRaced rolls back a scan whose key another request stored first.
var errScanRaced = errors.New("scan key stored by a concurrent request")

// storedScan is the answer stored with a scan's key, marked as a replay, or
// sql.ErrNoRows for a key not seen before. A key belongs to the night and
// the person who sent it: anyone else's key of the same text is theirs.
func storedScan(ctx context.Context, q sqlx.QueryerContext, req ScanRequest) (ScanResponse, error) {
	var stored []byte
	if err := sqlx.GetContext(ctx, q, &stored, `SELECT response FROM door_scans
		WHERE event_id = $1 AND COALESCE(actor_id, 0) = $2 AND key = $3`, req.EventID, req.ActorID, req.Key); err != nil {
		return ScanResponse{}, err
	}
	resp := ScanResponse{Replayed: true}
	return resp, json.Unmarshal(stored, &resp)
}

// stays is what a ticket's closed stays came to.
type stays struct {
	Stays   int       `db:"stays"`
	US      int64     `db:"us"`
	Minutes int       `db:"minutes"`
	Amount  int64     `db:"amount"`
	LastOut time.Time `db:"last_out"`
	Owed    int64     `db:"owed"` // of Amount, what is not paid yet
}

// earlierStays sums the closed stays of an RSVP (one night's); the caller
// holds the RSVP's lock, so none is open.
func earlierStays(ctx context.Context, tx *sqlx.Tx, rsvpID int64) (stays, error) {
	var st stays
	err := tx.GetContext(ctx, &st, `
		SELECT count(*) AS stays,
		       COALESCE(sum((extract(epoch FROM v.checked_out_at - v.checked_in_at) * 1000000)::bigint), 0) AS us,
		       COALESCE(sum(v.billed_minutes), 0) AS minutes, COALESCE(sum(v.amount), 0) AS amount,
		       COALESCE(max(v.checked_out_at), 'epoch') AS last_out,
		       COALESCE(sum(v.amount) FILTER (WHERE `+owedWhere+`), 0) AS owed
		FROM visits v WHERE v.rsvp_id = $1 AND v.checked_out_at IS NOT NULL`, rsvpID)
	return st, err
}

// checkScanTime bounds a queued scan's time: inside the night's door
// window and not in the future. A device clock a little ahead is read as
// now, so no stored time is ever later than the server's clock.
func checkScanTime(req *ScanRequest, e Event) error {
	if !req.Queued {
		return nil
	}
	switch {
	case req.At.After(req.now.Add(MaxClockSkew)):
		return &ScanTimeError{Why: ScanInFuture}
	case req.At.Before(e.StartsAt.Add(-DoorOpensBefore)):
		return &ScanTimeError{Why: ScanBeforeDoor}
	case req.At.After(e.EndsAt.Add(DoorClosesAfter)):
		return &ScanTimeError{Why: ScanAfterDoor}
	case req.At.After(req.now):
		req.At = req.now
	}
	return nil
}

// stale reports whether a queued scan is old enough for staff to look at
// the times it set.
func (req ScanRequest) stale() bool { return req.Queued && req.now.Sub(req.At) > ReviewAfter }

type ticketHolder struct {
	RSVP
	Name string `db:"name"`
}

func (s *Store) scan(ctx context.Context, tx *sqlx.Tx, req ScanRequest, e Event) (ScanResponse, *int64, *int64, error) {
	where, args := `r.ticket_id = $1`, []any{req.TicketID}
	switch {
	case req.TicketID != nil:
	case req.RSVPID > 0:
		where, args = `r.id = $1 AND r.event_id = $2`, []any{req.RSVPID, e.ID}
	default:
		return ScanResponse{Result: ResultNotFound, Message: "Not a valid ticket."}, nil, nil, nil
	}
	var h ticketHolder
	// Locking the ticket's RSVP row makes scans of one ticket (two devices,
	// a retry, by code and by name) take turns, so each sees what the last
	// one did.
	err := tx.GetContext(ctx, &h, `SELECT `+rsvpColumns+`, u.name FROM rsvps r JOIN users u ON u.id = r.user_id WHERE `+where+` FOR UPDATE OF r`, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return ScanResponse{Result: ResultNotFound, Message: "Not a valid ticket."}, nil, nil, nil
	}
	if err != nil {
		return ScanResponse{}, nil, nil, err
	}
	if !req.Queued {
		// The ticket is ours now: what happens to it happens at this time.
		req.At = s.Now().Truncate(time.Microsecond)
	}
	who := &Attendee{Name: h.Name, Status: h.Status, WaitlistPosition: h.WaitlistPosition}
	if h.EventID != e.ID {
		right, err := eventByID(ctx, tx, h.EventID, false)
		if err != nil {
			return ScanResponse{}, nil, nil, err
		}
		return ScanResponse{Result: ResultWrongEvent, Attendee: who, RightEvent: &EventRef{ID: right.ID, Title: right.Title, StartsAt: right.StartsAt},
			Message: "This ticket is for " + right.Title + "."}, nil, &h.ID, nil
	}
	if req.Direction == ScanOut {
		return s.scanOut(ctx, tx, req, h, who)
	}
	return s.scanIn(ctx, tx, req, e, h, who)
}

func (s *Store) scanIn(ctx context.Context, tx *sqlx.Tx, req ScanRequest, e Event, h ticketHolder, who *Attendee) (ScanResponse, *int64, *int64, error) {
	open, err := visitWhere(ctx, tx, `v.rsvp_id = $1 AND v.checked_out_at IS NULL`, h.ID)
	switch {
	case err == nil:
		return ScanResponse{Result: ResultAlreadyInside, Attendee: who, Visit: visitInfo(open, nil, ""),
			Message: "Already inside since " + open.CheckedInAt.In(s.loc(ctx, tx)).Format("15:04") + "."}, &open.ID, &h.ID, nil
	case !errors.Is(err, ErrNotFound):
		return ScanResponse{}, nil, nil, err
	}
	switch {
	case h.ReleasedAt != nil && h.Status == RSVPCancelled && e.Status != EventCancelled:
		return ScanResponse{Result: ResultCancelled, Attendee: who, Message: "Seat released at " + h.ReleasedAt.In(s.loc(ctx, tx)).Format("15:04") +
			": not here by then, so it went to the waitlist. Admit as a walk-in if there is room."}, nil, &h.ID, nil
	case h.Status == RSVPCancelled || e.Status == EventCancelled:
		return ScanResponse{Result: ResultCancelled, Attendee: who, Message: "This ticket was cancelled."}, nil, &h.ID, nil
	case req.At.Before(e.StartsAt.Add(-DoorOpensBefore)):
		return ScanResponse{Result: ResultNotOpen, Attendee: who, Message: "The door opens at " + e.StartsAt.Add(-DoorOpensBefore).In(s.loc(ctx, tx)).Format("Mon 2 Jan 15:04") + "."}, nil, &h.ID, nil
	case !req.At.Before(e.EndsAt):
		return ScanResponse{Result: ResultNotOpen, Attendee: who, Message: "This night is over."}, nil, &h.ID, nil
	}
	// The room's limit holds for every admission, ticket holders and
	// resumed stays included. The count is read without a lock; check_room
	// checks it again at commit, under the venue's room lock held for just that.
	inside, limit, err := roomCount(ctx, tx, e.VenueID)
	if err != nil {
		return ScanResponse{}, nil, nil, err
	}
	full := inside >= limit || req.roomFull
	if h.Status == RSVPWaitlisted {
		// A waitlisted guest has no seat held: staff may admit one into the
		// room's free places, not into the seats held for ticket holders.
		held, _, err := heldSeats(ctx, tx, e.VenueID, req.now)
		if err != nil {
			return ScanResponse{}, nil, nil, err
		}
		room := !full && inside+held < limit
		if !req.AdmitWaitlisted || !room {
			msg := fmt.Sprintf("On the waitlist (#%d), not confirmed.", h.WaitlistPosition)
			if !full && !room {
				msg += fmt.Sprintf(" The free places are held for %d ticket holders still to come.", held)
			}
			return ScanResponse{Result: ResultWaitlisted, Attendee: who, CanAdmitAnyway: room, Message: msg}, nil, &h.ID, nil
		}
		if err := keepSeats(ctx, tx, held); err != nil {
			return ScanResponse{}, nil, nil, err
		}
		if err := audit(ctx, tx, req.now, req.ActorID, "door.admit_waitlisted", fmt.Sprintf("rsvp:%d", h.ID), map[string]string{"device": req.Device}); err != nil {
			return ScanResponse{}, nil, nil, err
		}
	} else if full {
		if req.Override == "" {
			return ScanResponse{Result: ResultRoomFull, Attendee: who, CanAdmitAnyway: true,
				Message: fmt.Sprintf("The room is full: %d inside, and the limit is %d.", inside, limit)}, nil, &h.ID, nil
		}
		if err := overLimit(ctx, tx); err != nil {
			return ScanResponse{}, nil, nil, err
		}
		if err := audit(ctx, tx, req.now, req.ActorID, "door.admit_over_limit", fmt.Sprintf("rsvp:%d", h.ID),
			map[string]any{"reason": req.Override, "inside": inside, "limit": limit, "device": req.Device}); err != nil {
			return ScanResponse{}, nil, nil, err
		}
	}
	earlier, err := earlierStays(ctx, tx, h.ID)
	if err != nil {
		return ScanResponse{}, nil, nil, err
	}
	var v Visit
	if earlier.Stays == 0 {
		err = tx.QueryRowxContext(ctx, `
			INSERT INTO visits (event_id, rsvp_id, checked_in_at, checked_in_by, checked_in_device, created_at, needs_review,
			                    per_minute, minimum_charge, daily_cap, grace_minutes, currency)
			SELECT $1, $2, $3, NULLIF($4, 0), $5, $6, $7, t.per_minute, t.minimum_charge, t.daily_cap, t.grace_minutes, t.currency
			FROM (`+tariffOfEvent+`) t RETURNING id, currency`, e.ID, h.ID, req.At, req.ActorID, req.Device, req.now, req.stale()).Scan(&v.ID, &v.Currency)
	} else {
		// Back the same night: the stay resumes the night's bill, at the
		// price of the first admission, from no earlier than the last exit.
		// An entry queued offline before that exit cannot follow it: staff
		// look at it (the guest was let in twice, or a device's clock is off).
		if req.Queued && req.At.Before(earlier.LastOut) {
			return ScanResponse{}, nil, nil, &ScanTimeError{Why: ScanBeforeLastExit, Who: who}
		}
		req.At = maxTime(req.At, earlier.LastOut)
		err = tx.QueryRowxContext(ctx, `
			INSERT INTO visits (event_id, rsvp_id, checked_in_at, checked_in_by, checked_in_device, created_at, needs_review,
			                    per_minute, minimum_charge, daily_cap, grace_minutes, currency, resumed, earlier_us, earlier_minutes, earlier_amount)
			SELECT $1, $2, $3, NULLIF($4, 0), $5, $6, $7, f.per_minute, f.minimum_charge, f.daily_cap, f.grace_minutes, f.currency, true, $8, $9, $10
			FROM visits f WHERE f.rsvp_id = $2 ORDER BY f.id LIMIT 1 RETURNING id, currency`,
			e.ID, h.ID, req.At, req.ActorID, req.Device, req.now, req.stale(), earlier.US, earlier.Minutes, earlier.Amount).Scan(&v.ID, &v.Currency)
	}
	if err != nil {
		return ScanResponse{}, nil, nil, err
	}
	v.CheckedInAt = req.At
	hold, err := placeHoldRow(ctx, tx, v.ID, h.ID, e.ID, v.Currency, req.ActorID, req.now)
	if err != nil {
		return ScanResponse{}, nil, nil, err
	}
	resp := ScanResponse{Result: ResultAdmitted, Attendee: who, Visit: visitInfo(v, nil, ""), Message: "Welcome, " + h.Name + "!", Hold: hold}
	if earlier.Stays > 0 {
		resp.Resumed = true
		resp.Message = "Welcome back, " + h.Name + ": your time continues from earlier tonight."
		if earlier.Owed > 0 { // the night's bill, in the currency its first stay was priced in
			resp.Outstanding = &PaymentState{Status: BillUnpaid, Amount: earlier.Owed, Currency: v.Currency}
			resp.Message += " " + FormatMoney(earlier.Owed, v.Currency) + " from earlier is still to pay."
		}
	}
	return resp, &v.ID, &h.ID, nil
}

func (s *Store) scanOut(ctx context.Context, tx *sqlx.Tx, req ScanRequest, h ticketHolder, who *Attendee) (ScanResponse, *int64, *int64, error) {
	open, err := visitWhere(ctx, tx, `v.rsvp_id = $1 AND v.checked_out_at IS NULL FOR UPDATE`, h.ID)
	if errors.Is(err, ErrNotFound) {
		last, err := visitWhere(ctx, tx, `v.rsvp_id = $1 ORDER BY v.checked_in_at DESC LIMIT 1`, h.ID)
		if errors.Is(err, ErrNotFound) {
			return ScanResponse{Result: ResultNotInside, Attendee: who, Message: "Not checked in: nothing to check out."}, nil, &h.ID, nil
		}
		if err != nil {
			return ScanResponse{}, nil, nil, err
		}
		b := storedBill(last)
		return ScanResponse{Result: ResultCheckedOut, Attendee: who, Visit: visitInfo(last, &b, last.Currency), AlreadyOut: true,
			Message: "Already checked out at " + last.CheckedOutAt.In(s.loc(ctx, tx)).Format("15:04") + "."}, &last.ID, &h.ID, nil
	}
	if err != nil {
		return ScanResponse{}, nil, nil, err
	}
	if req.Queued && req.At.Before(open.CheckedInAt) {
		return ScanResponse{}, nil, nil, &ScanTimeError{Why: ScanBeforeCheckIn, Who: who}
	}
	at := maxTime(req.At, open.CheckedInAt)
	closed, b, err := closeVisit(ctx, tx, open, at, req.ActorID, EndedByScan, req.Device, open.NeedsReview || req.stale())
	if err != nil {
		return ScanResponse{}, nil, nil, err
	}
	pay, err := s.payAsYouLeave(ctx, tx, closed, req.ActorID, req.now)
	if err != nil {
		return ScanResponse{}, nil, nil, err
	}
	msg := fmt.Sprintf("Goodbye, %s: %d minutes, %s.", h.Name, b.Minutes, FormatMoney(b.Amount, closed.Currency))
	if b.Applied == AppliedGrace {
		msg = fmt.Sprintf("Goodbye, %s: a short stay within the grace period, free.", h.Name)
	}
	return ScanResponse{Result: ResultCheckedOut, Attendee: who, Visit: visitInfo(closed, &b, closed.Currency), Message: msg, Charge: pay, Exited: true}, &closed.ID, &h.ID, nil
}

func visitInfo(v Visit, b *Bill, currency string) *VisitInfo {
	vi := &VisitInfo{ID: v.ID, CheckedInAt: v.CheckedInAt, CheckedOutAt: v.CheckedOutAt}
	if b != nil {
		vi.Minutes, vi.Amount, vi.Applied, vi.Currency = b.Minutes, b.Amount, b.Applied, currency
		vi.AmountText = FormatMoney(b.Amount, currency)
	}
	return vi
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// roomCount is how many people are inside the venue now, and its limit.
func roomCount(ctx context.Context, q sqlx.QueryerContext, venueID int64) (inside, limit int, err error) {
	err = q.QueryRowxContext(ctx, `
		SELECT (SELECT count(*) FROM visits v JOIN events e ON e.id = v.event_id
		        WHERE e.venue_id = ve.id AND v.checked_out_at IS NULL), ve.room_capacity
		FROM venues ve WHERE ve.id = $1`, venueID).Scan(&inside, &limit)
	return inside, limit, err
}

// heldSeats counts the venue's seats held for confirmed guests not yet
// here: of every night whose door is open and whose release time is still
// to come. until is the earliest of those release times.
func heldSeats(ctx context.Context, q sqlx.QueryerContext, venueID int64, now time.Time) (held int, until time.Time, err error) {
	var first *time.Time
	err = q.QueryRowxContext(ctx, `
		SELECT count(*), min(e.starts_at + e.hold_minutes * interval '1 minute')
		FROM events e JOIN rsvps r ON r.event_id = e.id AND r.status = 'confirmed'
		WHERE e.venue_id = $1 AND e.status = 'published'
		  AND e.starts_at <= $2::timestamptz + $3 * interval '1 second' AND e.starts_at > $2::timestamptz - interval '1 day'
		  AND $2::timestamptz < e.starts_at + e.hold_minutes * interval '1 minute'
		  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.rsvp_id = r.id)`,
		venueID, now, DoorOpensBefore.Seconds()).Scan(&held, &first)
	if first != nil {
		until = *first
	}
	return held, until, err
}

// keepSeats tells check_room to keep n places free for ticket holders when
// this transaction admits someone.
func keepSeats(ctx context.Context, tx *sqlx.Tx, n int) error {
	if n == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT set_config('clockroom.seats_kept', $1, true)`, fmt.Sprint(n))
	return err
}

// overLimit tells check_room that staff chose to admit over the limit.
func overLimit(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT set_config('clockroom.over_limit', 'on', true)`)
	return err
}

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
		err = tx.GetContext(ctx, &v.ID, `
			INSERT INTO visits (event_id, walk_in_name, walk_in_email, checked_in_at, checked_in_by, checked_in_device, created_at,
			                    per_minute, minimum_charge, daily_cap, grace_minutes, currency)
			SELECT $1, $2, NULLIF($3, ''), $4, NULLIF($5, 0), $6, $4, t.per_minute, t.minimum_charge, t.daily_cap, t.grace_minutes, t.currency
			FROM (`+tariffOfEvent+`) t RETURNING id`,
			e.ID, strings.TrimSpace(req.Name), NormalizeEmail(req.Email), req.now, req.ActorID, req.Device)
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

// DoorStats is the room count the door shows.
type DoorStats struct {
	InsideNow     int `json:"inside_now" db:"inside_now"` // everyone inside the venue
	RoomCapacity  int `json:"room_capacity" db:"room_capacity"`
	EventInside   int `json:"event_inside" db:"event_inside"`
	Confirmed     int `json:"confirmed" db:"confirmed"`
	Arrived       int `json:"arrived" db:"arrived"` // confirmed guests who have checked in at least once
	NotYetArrived int `json:"not_yet_arrived" db:"not_yet_arrived"`
	WalkIns       int `json:"walk_ins" db:"walk_ins"`
	Waitlisted    int `json:"waitlisted" db:"waitlisted"`
	// Held is how many places in the room are kept for confirmed guests
	// not yet here (of every night at the venue), until HeldUntil.
	Held      int        `json:"held"`
	HeldUntil *time.Time `json:"held_until,omitempty"`
	// FreeForWalkIns is what a walk-in may take: the room less those
	// inside and the held seats.
	FreeForWalkIns int `json:"free_for_walk_ins"`
}

// DoorStats counts who is inside and who is still to come.
func (s *Store) DoorStats(ctx context.Context, eventID int64, now time.Time) (DoorStats, error) {
	var st DoorStats
	var venueID int64
	err := s.DB.QueryRowxContext(ctx, `
		SELECT ve.id,
		  (SELECT count(*) FROM visits v JOIN events x ON x.id = v.event_id WHERE x.venue_id = ve.id AND v.checked_out_at IS NULL) AS inside_now,
		  ve.room_capacity,
		  (SELECT count(*) FROM visits v WHERE v.event_id = e.id AND v.checked_out_at IS NULL) AS event_inside,
		  e.confirmed_count AS confirmed,
		  (SELECT count(DISTINCT v.rsvp_id) FROM visits v JOIN rsvps r ON r.id = v.rsvp_id WHERE v.event_id = e.id AND r.status = 'confirmed') AS arrived,
		  (SELECT count(*) FROM visits v WHERE v.event_id = e.id AND v.rsvp_id IS NULL) AS walk_ins,
		  e.waitlist_count AS waitlisted
		FROM events e JOIN venues ve ON ve.id = e.venue_id WHERE e.id = $1`, eventID).
		Scan(&venueID, &st.InsideNow, &st.RoomCapacity, &st.EventInside, &st.Confirmed, &st.Arrived, &st.WalkIns, &st.Waitlisted)
	if errors.Is(err, sql.ErrNoRows) {
		return st, ErrNotFound
	}
	if err != nil {
		return st, err
	}
	st.NotYetArrived = max(st.Confirmed-st.Arrived, 0)
	held, until, err := heldSeats(ctx, s.DB, venueID, now)
	if held > 0 {
		st.Held, st.HeldUntil = held, &until
	}
	st.FreeForWalkIns = max(st.RoomCapacity-st.InsideNow-st.Held, 0)
	return st, err
}

// DoorGuest is a guest found by name at the door.
type DoorGuest struct {
	Guest
	Inside bool `db:"inside"`
}

// SearchGuests finds up to 20 of an event's guests whose name or email
// contains q, for the door's name search.
func (s *Store) SearchGuests(ctx context.Context, eventID int64, q string) ([]DoorGuest, error) {
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.TrimSpace(q)) + "%"
	var gs []DoorGuest
	err := s.DB.SelectContext(ctx, &gs, `
		SELECT r.id, u.name, u.email, r.status, r.created_at,
		       `+waitlistPosition+`,
		       (SELECT min(v.checked_in_at) FROM visits v WHERE v.rsvp_id = r.id) AS checked_in_at,
		       EXISTS (SELECT 1 FROM visits v WHERE v.rsvp_id = r.id AND v.checked_out_at IS NULL) AS inside
		FROM rsvps r JOIN users u ON u.id = r.user_id
		WHERE r.event_id = $1 AND (u.name ILIKE $2 OR u.email ILIKE $2)
		ORDER BY u.name, r.id LIMIT 20`, eventID, like)
	return gs, err
}
