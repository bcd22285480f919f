package tariff

import (
	"errors"
	"time"
)

// Interval is one visit of the room: from In to Out. An Out before In
// counts as no time (a skewed clock).
type Interval struct {
	In, Out time.Time
}

// Purchase is a pass bought explicitly at At (at the counter or on the
// ticket, before or during the stay).
type Purchase struct {
	Pass string
	At   time.Time
}

// Stay is what Price prices: a guest's visits of one night, priced as one
// bill (one grace, one minimum, one cap; steps count the time already
// spent across the visits; the gaps between them are not charged).
type Stay struct {
	Intervals []Interval
	// Location is the venue's time zone: windows and business days are
	// local there (nil: UTC). Durations are always real elapsed time.
	Location  *time.Location
	Group     string // "" for none
	Purchases []Purchase
}

// Why Price refuses a stay: its group is not one of the tariff's, or a
// purchase names a pass the tariff (the group's own, when it has one) does
// not sell.
var (
	ErrUnknownGroup = errors.New("tariff: no such group")
	ErrUnknownPass  = errors.New("tariff: no such pass")
)

// span is one visit on both axes: wall-clock in and out, and the time
// already spent (inside) when it began.
type span struct {
	in, out time.Time
	at      time.Duration
}

// timeline maps between wall-clock instants and time spent inside. Time
// beyond the last exit runs on as if the guest stayed (the step rounding
// up a started step bills time past the exit).
type timeline struct {
	spans []span
	buf   [4]span
	spent time.Duration
}

// build sorts and merges the visits, counted to the microsecond (what
// PostgreSQL stores, as models.ComputeBill does), and drops empty ones.
func (tl *timeline) build(ivs []Interval) {
	tl.spans = tl.buf[:0]
	for _, iv := range ivs {
		in, out := iv.In.Truncate(time.Microsecond), iv.Out.Truncate(time.Microsecond)
		if !out.After(in) {
			continue
		}
		tl.insert(span{in: in, out: out})
	}
	tl.spent = 0
	for i := range tl.spans {
		tl.spans[i].at = tl.spent
		tl.spent += tl.spans[i].out.Sub(tl.spans[i].in)
	}
}

// insert adds a visit in order of arrival, merging overlaps.
func (tl *timeline) insert(s span) {
	i := len(tl.spans)
	for i > 0 && tl.spans[i-1].in.After(s.in) {
		i--
	}
	tl.spans = append(tl.spans, span{})
	copy(tl.spans[i+1:], tl.spans[i:])
	tl.spans[i] = s
	// merge neighbours that overlap or touch
	out := tl.spans[:0]
	for _, x := range tl.spans {
		if n := len(out); n > 0 && !x.in.After(out[n-1].out) {
			if x.out.After(out[n-1].out) {
				out[n-1].out = x.out
			}
			continue
		}
		out = append(out, x)
	}
	tl.spans = out
}

// arrival is the first entry.
func (tl *timeline) arrival() time.Time { return tl.spans[0].in }

// wallAt is the instant at which s of time had been spent, taking the
// start of a visit (not the end of the one before) at a gap.
func (tl *timeline) wallAt(s time.Duration) time.Time {
	for i := range tl.spans {
		sp := &tl.spans[i]
		if s < sp.at+sp.out.Sub(sp.in) {
			return sp.in.Add(max(s-sp.at, 0))
		}
	}
	last := &tl.spans[len(tl.spans)-1]
	return last.out.Add(s - tl.spent)
}

// wallAtEnd is like wallAt but takes the end of a visit at a gap: where a
// line ending at s stops.
func (tl *timeline) wallAtEnd(s time.Duration) time.Time {
	for i := range tl.spans {
		sp := &tl.spans[i]
		if s <= sp.at+sp.out.Sub(sp.in) {
			return sp.in.Add(max(s-sp.at, 0))
		}
	}
	last := &tl.spans[len(tl.spans)-1]
	return last.out.Add(s - tl.spent)
}

// spentAt is the time spent inside by instant w (running on past the last
// exit; 0 before arrival).
func (tl *timeline) spentAt(w time.Time) time.Duration {
	last := &tl.spans[len(tl.spans)-1]
	if !w.Before(last.out) {
		return tl.spent + w.Sub(last.out)
	}
	for i := range tl.spans {
		sp := &tl.spans[i]
		if w.Before(sp.out) {
			return sp.at + max(w.Sub(sp.in), 0)
		}
	}
	return tl.spent
}
