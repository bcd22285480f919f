package tariff

import (
	"slices"
	"time"
)

// QuoteHorizon is how far ahead a quote looks for the next change.
const QuoteHorizon = 24 * time.Hour

// ChangeKind says what changes in a quote's Change.
type ChangeKind string

// The changes a quote announces.
const (
	ChangeGraceEnd  ChangeKind = "grace_end"  // the stay stops being free
	ChangeRate      ChangeKind = "rate"       // the rate changes (a step, a window, the first period's end)
	ChangePassStart ChangeKind = "pass_start" // the best option's pass cover begins
	ChangePassEnd   ChangeKind = "pass_end"   // it ends: its extension (or the meter) follows
	ChangeCap       ChangeKind = "cap"        // a cap is reached: the price stops rising
)

// Change is a coming change to what an open stay costs, from At (local).
type Change struct {
	At   time.Time  `json:"at"`
	Kind ChangeKind `json:"kind"`
	// Label names the window, pass or cap.
	Label string `json:"label,omitempty"`
	// Rate and MultiplierBP are the rate from At (rate and pass changes).
	Rate         Rate  `json:"rate,omitzero"`
	MultiplierBP int64 `json:"multiplier_bp,omitempty"`
	// Cap and CapKind say which cap is reached (cap changes).
	Cap     int64  `json:"cap,omitempty"`
	CapKind string `json:"cap_kind,omitempty"`
}

// Saving is a pass that beats the meter so far: the best price already
// takes it, and the guest may like to know.
type Saving struct {
	Pass  string `json:"pass"`
	Saves int64  `json:"saves"`
}

// Quote is what an open stay costs at Now, what changes next, and the pass
// that saves money.
type Quote struct {
	Now    time.Time `json:"now"`
	Bill   Bill      `json:"bill"`
	Next   []Change  `json:"next"` // in order of time, within QuoteHorizon
	Saving *Saving   `json:"saving,omitempty"`
}

// Quote prices a stay whose last visit (by arrival) is still open, as if
// the guest left at now, and looks ahead: the next change to the rate (or
// to the best option's pass cover), when grace ends, and when the next cap
// is reached (found by bisecting departures, never minute by minute).
func (t *Tariff) Quote(s Stay, now time.Time) (Quote, error) {
	open := openAt(s, now)
	b, err := t.Price(open)
	if err != nil {
		return Quote{}, err
	}
	q := Quote{Now: now, Bill: b}
	k := cheapest(b.Options, 0)
	if len(b.Options) > 1 {
		if pass := cheapest(b.Options, 1); b.Options[pass].Total < b.Options[0].Total {
			q.Saving = &Saving{Pass: b.Options[pass].Pass, Saves: b.Options[0].Total - b.Options[pass].Total}
		}
	}
	tt, _, _ := t.forGroup(s.Group)
	loc := open.Location
	if loc == nil {
		loc = time.UTC
	}
	var p pricer
	p.setup(tt, open)
	if len(p.tl.spans) == 0 {
		return q, nil
	}
	if p.n == 0 && tt.GraceMinutes > 0 {
		q.Next = append(q.Next, Change{Kind: ChangeGraceEnd, At: p.tl.wallAt(minutes(tt.GraceMinutes)).In(loc)})
	}
	ext := openAt(s, now.Add(QuoteHorizon))
	var xp pricer
	xp.setup(tt, ext)
	if xp.n > 0 {
		if c, ok := xp.nextRate(k, ext, p.tl.spent); ok {
			q.Next = append(q.Next, c)
		}
		if c, ok := tt.nextCap(k, ext, &p, &xp); ok {
			q.Next = append(q.Next, c)
		}
	}
	for i := range q.Next {
		q.Next[i].At = q.Next[i].At.In(loc)
	}
	slices.SortStableFunc(q.Next, func(a, b Change) int { return a.At.Compare(b.At) })
	return q, nil
}

// openAt is the stay with its last visit ending at now.
func openAt(s Stay, now time.Time) Stay {
	if len(s.Intervals) == 0 {
		return s
	}
	last := 0
	for i, iv := range s.Intervals {
		if iv.In.After(s.Intervals[last].In) {
			last = i
		}
	}
	ivs := slices.Clone(s.Intervals)
	ivs[last].Out = now
	s.Intervals = ivs
	return s
}

// cheapest is the index of the cheapest option from the from'th on, the
// first of equals (as Price chooses).
func cheapest(opts []OptionTotal, from int) int {
	best := from
	for i := from; i < len(opts); i++ {
		if opts[i].Total < opts[best].Total {
			best = i
		}
	}
	return best
}

// nextRate walks the units after spent for the first one priced otherwise
// under option k.
func (p *pricer) nextRate(k int, s Stay, spent time.Duration) (Change, bool) {
	o := p.option(k, s)
	u := int64(spent / p.step)
	if u >= p.n {
		return Change{}, false
	}
	cur := p.chargeAt(&o, u)
	curRate := p.rateOf(cur, &o)
	for u < p.n {
		i, _ := slices.BinarySearch(p.pts, u+1)
		next := p.n
		if i < len(p.pts) {
			next = p.pts[i]
		}
		for _, x := range [2]int64{o.cs, o.ce} {
			if x > u && x < next {
				next = x
			}
		}
		if next >= p.n {
			return Change{}, false
		}
		c := p.chargeAt(&o, next)
		if r := p.rateOf(c, &o); c.kind != cur.kind || r != curRate || c.mult != cur.mult {
			ch := Change{At: p.tl.wallAt(p.units(next)), Kind: ChangeRate, Rate: r}
			if c.kind != LinePass && c.kind != LineFirst && c.mult != BasisPoints {
				ch.MultiplierBP = c.mult
			}
			switch {
			case c.kind == LinePass:
				ch.Kind, ch.Label, ch.Rate = ChangePassStart, p.t.Passes[o.pass].Name, Rate{}
			case cur.kind == LinePass:
				ch.Kind, ch.Label = ChangePassEnd, p.t.Passes[o.pass].Name
			case c.occ >= 0:
				ch.Label = p.t.Windows[p.occs[c.occ].win].Name
			}
			return ch, true
		}
		u = next
	}
	return Change{}, false
}

// capHit is a cap that binds: the charges it bounds have reached it.
type capHit struct {
	kind  string
	label string
	from  time.Time
	value int64
}

// hits lists the caps that bind under option o, priced already.
func (p *pricer) hits(total int64) []capHit {
	var hs []capHit
	for _, oc := range p.occs {
		if c := p.t.Windows[oc.win].Cap; c != nil && oc.sum >= *c {
			hs = append(hs, capHit{CapWindow, p.t.Windows[oc.win].Name, oc.start, *c})
		}
	}
	for _, d := range p.days {
		if d.sum >= d.cap {
			hs = append(hs, capHit{CapDay, "Day cap", d.start, d.cap})
		}
	}
	if c := p.t.Caps.Stay; c != nil && p.beforeStayCaps >= *c {
		hs = append(hs, capHit{kind: CapStay, label: "Stay cap", value: *c})
	}
	if dc := p.t.Caps.Day; dc != nil && dc.Per == PerStarted24h && total > 0 {
		if c := p.cap24h(dc); total >= c {
			hs = append(hs, capHit{kind: Cap24h, label: "Daily cap", value: c})
		}
	}
	return hs
}

// nextCap bisects the departures within the horizon for the first at which
// a cap binds that does not bind now.
func (t *Tariff) nextCap(k int, ext Stay, now, xp *pricer) (Change, bool) {
	at := func(n int64) []capHit {
		var p pricer
		p.setup(t, truncate(ext, xp, xp.units(n)))
		if p.n == 0 {
			return nil
		}
		o := p.option(k, ext)
		return p.hits(p.price(&o, nil))
	}
	lo := now.unit(now.tl.spent)
	base := at(lo)
	hi := xp.n
	if len(at(hi)) <= len(base) {
		return Change{}, false
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if len(at(mid)) > len(base) {
			hi = mid
		} else {
			lo = mid
		}
	}
	for _, h := range at(hi) {
		if !slices.Contains(base, h) {
			return Change{At: xp.tl.wallAtEnd(xp.units(hi)), Kind: ChangeCap, Label: h.label, Cap: h.value, CapKind: h.kind}, true
		}
	}
	return Change{}, false
}

// truncate is the stay cut to spent of time inside (on xp's timeline).
func truncate(s Stay, xp *pricer, spent time.Duration) Stay {
	end := xp.tl.wallAtEnd(spent)
	ivs := make([]Interval, 0, len(s.Intervals))
	for _, iv := range s.Intervals {
		if iv.In.Before(end) {
			ivs = append(ivs, Interval{In: iv.In, Out: minTime(iv.Out, end)})
		}
	}
	s.Intervals = ivs
	return s
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
