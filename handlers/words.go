package handlers

import (
	"fmt"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
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

// scanWords is what the door says about a scan. loc is asked for only by
// the answers that name a time, so most scans read no venue.
func scanWords(r models.ScanResponse, loc func() *time.Location) string {
	name := ""
	if r.Attendee != nil {
		name = r.Attendee.Name
	}
	switch r.Result {
	case models.ResultNotFound:
		return "Not a valid ticket."
	case models.ResultWrongEvent:
		if r.RightEvent != nil {
			return "This ticket is for " + r.RightEvent.Title + "."
		}
		return "This ticket is for another night."
	case models.ResultAlreadyInside:
		if r.Visit != nil {
			return "Already inside since " + r.Visit.CheckedInAt.In(loc()).Format("15:04") + "."
		}
		return "Already inside."
	case models.ResultCancelled:
		if r.At != nil {
			return "Seat released at " + r.At.In(loc()).Format("15:04") +
				": not here by then, so it went to the waitlist. Admit as a walk-in if there is room."
		}
		return "This ticket was cancelled."
	case models.ResultNotOpen:
		if r.At != nil {
			return "The door opens at " + r.At.In(loc()).Format("Mon 2 Jan 15:04") + "."
		}
		return "This night is over."
	case models.ResultWaitlisted:
		msg := fmt.Sprintf("On the waitlist (#%d), not confirmed.", r.Attendee.WaitlistPosition)
		if r.Room != nil && r.Room.Held > 0 {
			msg += fmt.Sprintf(" The free places are held for %d ticket holders still to come.", r.Room.Held)
		}
		return msg
	case models.ResultRoomFull:
		if r.Room != nil {
			return fmt.Sprintf("The room is full: %d inside, and the limit is %d.", r.Room.Inside, r.Room.Limit)
		}
		return "The room is full."
	case models.ResultAdmitted:
		if !r.Resumed {
			return "Welcome, " + name + "!"
		}
		msg := "Welcome back, " + name + ": your time continues from earlier tonight."
		if o := r.Outstanding; o != nil && o.Amount > 0 {
			msg += " " + models.FormatMoney(o.Amount, o.Currency) + " from earlier is still to pay."
		}
		return msg
	case models.ResultNotInside:
		return "Not checked in: nothing to check out."
	case models.ResultCheckedOut:
		v := r.Visit
		switch {
		case v == nil:
			return "Checked out."
		case r.AlreadyOut && v.CheckedOutAt != nil:
			return "Already checked out at " + v.CheckedOutAt.In(loc()).Format("15:04") + "."
		case v.Applied == models.AppliedGrace:
			return fmt.Sprintf("Goodbye, %s: a short stay within the grace period, free.", name)
		case v.Resumed:
			return fmt.Sprintf("Goodbye, %s: %s%s.", name, addedWords(*v), nightStanding(r))
		}
		msg := fmt.Sprintf("Goodbye, %s: %d minutes, %s.", name, v.Minutes, models.FormatMoney(v.Amount, v.Currency))
		if r.Exited && r.Payment != nil && r.Payment.Status == models.BillPending {
			msg += " Charging the card on file."
		}
		return msg
	}
	return ""
}

// addedWords says what a resumed stay added to the night and the night's
// total: "6 min more · £0.00 more · tonight £3.00".
func addedWords(v models.VisitInfo) string {
	f, err := tariff.NewFormatter(v.Currency, "en")
	if err != nil {
		return fmt.Sprintf("%d min more · %s more · tonight %s", v.Minutes,
			models.FormatMoney(v.Amount, v.Currency), models.FormatMoney(v.Night, v.Currency))
	}
	return f.Added(tariff.Added{Minutes: v.Minutes, Amount: v.Amount, Night: tariff.Bill{Total: v.Night}})
}

// nightStanding says where a resumed stay's night stands at its exit, from
// this stay's payment and what the earlier stays still owe: ", paid", ", £3.00
// to pay", ", being charged to the card on file". Nothing when the answer
// is a replay that carries no payment.
func nightStanding(r models.ScanResponse) string {
	v, p := r.Visit, r.Payment
	owed := int64(0)
	if o := r.Outstanding; o != nil {
		owed += o.Amount
	}
	if p != nil && p.Status == models.BillUnpaid {
		owed += p.Amount
	}
	charging := p != nil && p.Status == models.BillPending
	switch {
	case owed > 0 && charging:
		return ", " + money(owed, v.Currency) + " to pay; the card on file is being charged for this stay"
	case owed > 0:
		return ", " + money(owed, v.Currency) + " to pay"
	case charging:
		return ", being charged to the card on file"
	case p == nil:
		return ""
	case v.Night == 0:
		return ", nothing to pay"
	}
	return ", paid"
}

// money writes an amount with the tariff engine's formatter (the venue's
// currency by CLDR), or as models does when the currency is not one it knows.
func money(minor int64, currency string) string {
	if f, err := tariff.NewFormatter(currency, "en"); err == nil {
		return f.Money(minor)
	}
	return models.FormatMoney(minor, currency)
}
