package models

import (
	"math"
	"time"
)

// Bill is what a stay costs, with how the amount came about.
type Bill struct {
	Minutes  int    // billed minutes: started minutes of the stay, 0 within grace
	Rate     int64  // per minute, minor units
	Gross    int64  // Minutes × Rate
	Amount   int64  // what is owed, minor units
	Applied  string // "", "grace", "minimum" or "cap": the rule that set Amount
	Duration time.Duration
}

// Bill rules, named in Bill.Applied.
const (
	AppliedGrace   = "grace"
	AppliedMinimum = "minimum"
	AppliedCap     = "cap"
)

// ComputeBill is the one place a stay's price is computed; every screen,
// receipt and Stripe amount uses it. It is pure: same tariff and times, same
// bill.
//
// A stay of duration d costs nothing when d <= grace. Otherwise minutes =
// ceil(d / 1 minute) and amount = min(max(minutes × per_minute, minimum),
// cap), where the daily cap applies once per started 24 hours of the stay.
// Durations are real elapsed time, so a stay across midnight or a daylight-
// saving change costs exactly the minutes spent. Times count to the
// microsecond, the precision PostgreSQL stores, so a bill computed from a
// clock reading and one from the stored row always agree.
func ComputeBill(t Tariff, in, out time.Time) Bill {
	d := max(out.Truncate(time.Microsecond).Sub(in.Truncate(time.Microsecond)), 0)
	b := Bill{Rate: t.PerMinute, Duration: d}
	if d <= time.Duration(t.GraceMinutes)*time.Minute {
		if d > 0 && t.GraceMinutes > 0 {
			b.Applied = AppliedGrace
		}
		return b
	}
	b.Minutes = int((d + time.Minute - 1) / time.Minute)
	b.Gross = mulCapped(int64(b.Minutes), t.PerMinute)
	b.Amount = b.Gross
	if t.MinimumCharge != nil && b.Amount < *t.MinimumCharge {
		b.Amount, b.Applied = *t.MinimumCharge, AppliedMinimum
	}
	if t.DailyCap != nil {
		days := int64((d + 24*time.Hour - 1) / (24 * time.Hour))
		if capped := mulCapped(*t.DailyCap, days); b.Amount > capped {
			b.Amount, b.Applied = capped, AppliedCap
		}
	}
	return b
}

// Earlier is what a guest's earlier stays at the same night came to: their
// time inside together, and the minutes and amount they were billed.
type Earlier struct {
	Duration time.Duration
	Minutes  int
	Amount   int64
}

// StayBill is the bill of one stay that continues earlier stays of the same
// guest at the same night: ComputeBill for all their time inside together,
// less what the earlier stays were billed. A night has one grace period,
// one minimum and one daily cap, however often the guest goes out and back.
// With no earlier stays it is ComputeBill.
func StayBill(t Tariff, earlier Earlier, in, out time.Time) Bill {
	if earlier == (Earlier{}) {
		return ComputeBill(t, in, out)
	}
	out = out.Truncate(time.Microsecond)
	d := max(out.Sub(in.Truncate(time.Microsecond)), 0)
	night := ComputeBill(t, out.Add(-(earlier.Duration + d)), out)
	b := Bill{Rate: t.PerMinute, Duration: d, Applied: night.Applied,
		Minutes: max(night.Minutes-earlier.Minutes, 0), Amount: max(night.Amount-earlier.Amount, 0)}
	b.Gross = mulCapped(int64(b.Minutes), t.PerMinute)
	return b
}

// mulCapped multiplies two non-negative amounts, giving the largest int64
// instead of wrapping round: no tariff, however wrong, makes a bill
// negative or small. (Inputs are bounded too, see MaxPerMinute.)
func mulCapped(a, b int64) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}
