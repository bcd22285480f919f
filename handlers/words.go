package handlers

import (
	"fmt"
	"time"

	"github.com/clockroom/clockroom/models"
)

// The words people read for the models' refusals. The models say what went
// wrong as a value; how to say it, and in which time zone, is decided here.

// closedWords says why e takes no RSVPs (or walk-ins) now.
func closedWords(why models.Closed, e models.Event, loc *time.Location) string {
	switch why {
	case models.ClosedCancelled:
		return "This night has been cancelled."
	case models.ClosedUnpublished:
		return "This night is not open for RSVPs yet."
	case models.ClosedOver:
		return "This night is over."
	case models.ClosedNotYet:
		if e.RSVPOpensAt != nil {
			return "RSVPs open " + e.RSVPOpensAt.In(loc).Format("Mon 2 Jan, 15:04") + "."
		}
		return "RSVPs are not open yet."
	case models.ClosedRSVPs:
		return "RSVPs for this night have closed."
	case models.ClosedDoor:
		return "The door is not open for this night."
	}
	return ""
}

// scanTimeWords says what is wrong with a queued scan's time.
func scanTimeWords(why models.ScanTimeProblem) string {
	switch why {
	case models.ScanInFuture:
		return "The scan's time is in the future: check the door device's clock."
	case models.ScanBeforeDoor:
		return "The scan's time is before the door opened."
	case models.ScanBeforeCheckIn:
		return "The exit scan's time is before the guest checked in."
	}
	return "The scan's time is not possible."
}

// roomFullWords refuses a walk-in over the room's limit.
func roomFullWords(full *models.RoomFullError, staff bool) string {
	msg := fmt.Sprintf("The room is full: %d inside, and the limit is %d.", full.Inside, full.Capacity)
	if staff {
		msg += " Staff can admit anyway with a reason."
	}
	return msg
}

// throttledWords asks someone locked out of signing in to wait.
func throttledWords(t *models.ThrottledError) string {
	return fmt.Sprintf("Too many failed attempts. Try again in %d minutes.", int(t.RetryAfter.Minutes())+1)
}
