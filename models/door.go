package models

import (
	"fmt"
	"time"
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
	Result string `json:"result"`
	// Message is what the door says, worded by the handlers from the
	// fields below (the models say what happened, not how to say it).
	// Scans stored before that carry their own.
	Message        string     `json:"message"`
	Attendee       *Attendee  `json:"attendee,omitempty"`
	Visit          *VisitInfo `json:"visit,omitempty"`
	RightEvent     *EventRef  `json:"right_event,omitempty"`
	CanAdmitAnyway bool       `json:"can_admit_anyway,omitempty"`
	// At is the time a refusal names: when a released seat went to the
	// waitlist (cancelled), or when the door opens (not_open; a not_open
	// with no At is a night that is over).
	At *time.Time `json:"at,omitempty"`
	// Room is the room's count behind a room_full, or behind a waitlisted
	// guest who cannot be admitted because the free places are held.
	Room     *RoomCount `json:"room,omitempty"`
	Replayed bool       `json:"replayed,omitempty"`
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
	// earlier stay that night; Outstanding is what of it is still unpaid
	// (on a resumed stay's exit too: what the earlier stays still owe).
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

// RoomCount is the room as a scan found it: the guests inside, its limit,
// and the seats held for ticket holders still to come.
type RoomCount struct {
	Inside int `json:"inside"`
	Limit  int `json:"limit"`
	Held   int `json:"held,omitempty"`
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
	// Resumed marks a stay that continued the guest's earlier stays that
	// night: Minutes and Amount are what it added, Night the night's bill
	// so far, this stay included.
	Resumed bool  `json:"resumed,omitempty"`
	Night   int64 `json:"night,omitempty"`
}

// EventRef names another event.
type EventRef struct {
	ID       int64     `json:"id"`
	Title    string    `json:"title"`
	StartsAt time.Time `json:"starts_at"`
}
