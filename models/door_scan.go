package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

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
// holds the RSVP's lock, so none is open. What the time bank covered counts
// as billed, so a later stay never charges those minutes again.
func earlierStays(ctx context.Context, tx *sqlx.Tx, rsvpID int64) (stays, error) {
	var st stays
	err := tx.GetContext(ctx, &st, `
		SELECT count(*) AS stays,
		       COALESCE(sum((extract(epoch FROM v.checked_out_at - v.checked_in_at) * 1000000)::bigint), 0) AS us,
		       COALESCE(sum(v.billed_minutes), 0) AS minutes, COALESCE(sum(v.amount + v.banked_amount), 0) AS amount,
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
		return ScanResponse{Result: ResultNotFound}, nil, nil, nil
	}
	var h ticketHolder
	// Locking the ticket's RSVP row makes scans of one ticket (two devices,
	// a retry, by code and by name) take turns, so each sees what the last
	// one did.
	err := tx.GetContext(ctx, &h, `SELECT `+rsvpColumns+`, u.name FROM rsvps r JOIN users u ON u.id = r.user_id WHERE `+where+` FOR UPDATE OF r`, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return ScanResponse{Result: ResultNotFound}, nil, nil, nil
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
		return ScanResponse{Result: ResultWrongEvent, Attendee: who, RightEvent: &EventRef{ID: right.ID, Title: right.Title, StartsAt: right.StartsAt}}, nil, &h.ID, nil
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
		return ScanResponse{Result: ResultAlreadyInside, Attendee: who, Visit: visitInfo(open, nil, "")}, &open.ID, &h.ID, nil
	case !errors.Is(err, ErrNotFound):
		return ScanResponse{}, nil, nil, err
	}
	switch {
	case h.ReleasedAt != nil && h.Status == RSVPCancelled && e.Status != EventCancelled:
		return ScanResponse{Result: ResultCancelled, Attendee: who, At: h.ReleasedAt}, nil, &h.ID, nil
	case h.Status == RSVPCancelled || e.Status == EventCancelled:
		return ScanResponse{Result: ResultCancelled, Attendee: who}, nil, &h.ID, nil
	case req.At.Before(e.StartsAt.Add(-DoorOpensBefore)):
		opens := e.StartsAt.Add(-DoorOpensBefore)
		return ScanResponse{Result: ResultNotOpen, Attendee: who, At: &opens}, nil, &h.ID, nil
	case !req.At.Before(e.EndsAt):
		return ScanResponse{Result: ResultNotOpen, Attendee: who}, nil, &h.ID, nil
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
			resp := ScanResponse{Result: ResultWaitlisted, Attendee: who, CanAdmitAnyway: room}
			if !full && !room {
				resp.Room = &RoomCount{Inside: inside, Limit: limit, Held: held}
			}
			return resp, nil, &h.ID, nil
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
				Room: &RoomCount{Inside: inside, Limit: limit}}, nil, &h.ID, nil
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
	nv := newVisit{EventID: e.ID, RSVPID: h.ID, ActorID: req.ActorID, Device: req.Device, NeedsReview: req.stale()}
	if earlier.Stays > 0 {
		// Back the same night: the stay resumes the night's bill, at the
		// price of the first admission, from no earlier than the last exit.
		// An entry queued offline before that exit cannot follow it: staff
		// look at it (the guest was let in twice, or a device's clock is off).
		if req.Queued && req.At.Before(earlier.LastOut) {
			return ScanResponse{}, nil, nil, &ScanTimeError{Why: ScanBeforeLastExit, Who: who}
		}
		req.At = maxTime(req.At, earlier.LastOut)
		nv.Earlier = &earlier
	}
	nv.At = req.At
	var v Visit
	v.ID, v.Currency, err = insertVisit(ctx, tx, nv, req.now)
	if err != nil {
		return ScanResponse{}, nil, nil, err
	}
	v.CheckedInAt = req.At
	hold, err := placeHoldRow(ctx, tx, v.ID, h.ID, e.ID, v.Currency, req.ActorID, req.now)
	if err != nil {
		return ScanResponse{}, nil, nil, err
	}
	resp := ScanResponse{Result: ResultAdmitted, Attendee: who, Visit: visitInfo(v, nil, ""), Hold: hold}
	if earlier.Stays > 0 {
		resp.Resumed = true
		if earlier.Owed > 0 { // the night's bill, in the currency its first stay was priced in
			resp.Outstanding = &PaymentState{Status: BillUnpaid, Amount: earlier.Owed, Currency: v.Currency}
		}
	}
	return resp, &v.ID, &h.ID, nil
}

func (s *Store) scanOut(ctx context.Context, tx *sqlx.Tx, req ScanRequest, h ticketHolder, who *Attendee) (ScanResponse, *int64, *int64, error) {
	open, err := visitWhere(ctx, tx, `v.rsvp_id = $1 AND v.checked_out_at IS NULL FOR UPDATE`, h.ID)
	if errors.Is(err, ErrNotFound) {
		last, err := visitWhere(ctx, tx, `v.rsvp_id = $1 ORDER BY v.checked_in_at DESC LIMIT 1`, h.ID)
		if errors.Is(err, ErrNotFound) {
			return ScanResponse{Result: ResultNotInside, Attendee: who}, nil, &h.ID, nil
		}
		if err != nil {
			return ScanResponse{}, nil, nil, err
		}
		b := storedBill(last)
		return ScanResponse{Result: ResultCheckedOut, Attendee: who, Visit: visitInfo(last, &b, last.Currency), AlreadyOut: true}, &last.ID, &h.ID, nil
	}
	if err != nil {
		return ScanResponse{}, nil, nil, err
	}
	if req.Queued && req.At.Before(open.CheckedInAt) {
		return ScanResponse{}, nil, nil, &ScanTimeError{Why: ScanBeforeCheckIn, Who: who}
	}
	var earlier stays // what the night's earlier stays still owe, for the exit's words
	if open.Resumed {
		if earlier, err = earlierStays(ctx, tx, h.ID); err != nil {
			return ScanResponse{}, nil, nil, err
		}
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
	resp := ScanResponse{Result: ResultCheckedOut, Attendee: who, Visit: visitInfo(closed, &b, closed.Currency), Charge: pay, Exited: true}
	if earlier.Owed > 0 {
		resp.Outstanding = &PaymentState{Status: BillUnpaid, Amount: earlier.Owed, Currency: closed.Currency}
	}
	return resp, &closed.ID, &h.ID, nil
}

func visitInfo(v Visit, b *Bill, currency string) *VisitInfo {
	vi := &VisitInfo{ID: v.ID, CheckedInAt: v.CheckedInAt, CheckedOutAt: v.CheckedOutAt}
	if b != nil {
		vi.Minutes, vi.Amount, vi.Applied, vi.Currency = b.Minutes, b.Amount, b.Applied, currency
		vi.AmountText = FormatMoney(b.Amount, currency)
		vi.Resumed, vi.Night = v.Resumed, b.Night
	}
	return vi
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
