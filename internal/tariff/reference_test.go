package tariff_test

import (
	"math"
	"time"
)

// The first tariff's formula, as DESIGN.md states it and as Clockroom
// priced stays before the engine: kept here, in the tests only, as the
// oracle FromSimple must agree with on every stay (legacy_test.go).

// refTariff is the first tariff shape: a rate a minute, an optional
// minimum, an optional daily cap and a grace period.
type refTariff struct {
	PerMinute     int64
	MinimumCharge *int64
	DailyCap      *int64
	GraceMinutes  int
}

type refBill struct {
	Minutes int
	Amount  int64
}

// refComputeBill: 0 within grace; else minutes = ceil(d / 1 min) and
// amount = min(max(minutes × per_minute, minimum), cap × started 24 hours).
func refComputeBill(t refTariff, in, out time.Time) refBill {
	d := max(out.Truncate(time.Microsecond).Sub(in.Truncate(time.Microsecond)), 0)
	var b refBill
	if d <= time.Duration(t.GraceMinutes)*time.Minute {
		return b
	}
	b.Minutes = int((d + time.Minute - 1) / time.Minute)
	b.Amount = refMul(int64(b.Minutes), t.PerMinute)
	if t.MinimumCharge != nil && b.Amount < *t.MinimumCharge {
		b.Amount = *t.MinimumCharge
	}
	if t.DailyCap != nil {
		days := int64((d + 24*time.Hour - 1) / (24 * time.Hour))
		if capped := refMul(*t.DailyCap, days); b.Amount > capped {
			b.Amount = capped
		}
	}
	return b
}

// refEarlier is what a guest's earlier stays of the night came to.
type refEarlier struct {
	Duration time.Duration
	Minutes  int
	Amount   int64
}

// refStayBill is the bill of a stay continuing earlier ones: the night's
// bill for all the time inside together, less what the earlier stays were
// billed.
func refStayBill(t refTariff, earlier refEarlier, in, out time.Time) refBill {
	if earlier == (refEarlier{}) {
		return refComputeBill(t, in, out)
	}
	out = out.Truncate(time.Microsecond)
	d := max(out.Sub(in.Truncate(time.Microsecond)), 0)
	night := refComputeBill(t, out.Add(-(earlier.Duration + d)), out)
	return refBill{Minutes: max(night.Minutes-earlier.Minutes, 0), Amount: max(night.Amount-earlier.Amount, 0)}
}

func refMul(a, b int64) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}
