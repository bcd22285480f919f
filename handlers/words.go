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
	case models.ScanAfterDoor:
		return "The scan's time is after the door closed for this night."
	case models.ScanBeforeLastExit:
		return "This entry was scanned offline before the guest's last exit: they were already let in. Check their stays."
	}
	return "The scan's time is not possible."
}

// roomFullWords refuses a walk-in over the room's limit.
func roomFullWords(full *models.RoomFullError, staff bool, loc *time.Location) string {
	msg := fmt.Sprintf("The room is full: %d inside, and the limit is %d.", full.Inside, full.Capacity)
	if full.Held > 0 && full.Inside < full.Capacity {
		msg = fmt.Sprintf("No place for walk-ins: %d inside, and %d seats are held for ticket holders until %s.",
			full.Inside, full.Held, full.HeldUntil.In(loc).Format("15:04"))
	}
	if staff {
		msg += " Staff can admit anyway with a reason."
	}
	return msg
}

// priceWords refuses a night's own price that breaks the venue's rules.
func priceWords(why models.PriceProblem, field string, v models.Venue) string {
	switch {
	case why == models.PriceNeedsCap:
		return "A night with its own price needs a daily cap, so no guest's bill runs without a limit."
	case field == "per_minute" && v.MaxPerMinute != nil:
		return "The venue allows at most " + models.FormatMoney(*v.MaxPerMinute, v.Currency) + " a minute."
	case field == "daily_cap" && v.MaxDailyCap != nil:
		return "The venue allows a daily cap of at most " + models.FormatMoney(*v.MaxDailyCap, v.Currency) + "."
	}
	return "The venue does not allow this price."
}

// throttledWords asks someone locked out of signing in to wait.
func throttledWords(t *models.ThrottledError) string {
	return fmt.Sprintf("Too many failed attempts. Try again in %d minutes.", int(t.RetryAfter.Minutes())+1)
}
