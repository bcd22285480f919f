package tariff

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Price is the one function that prices a stay. It is pure: the same
// tariff and stay give the same bill, with no clock, I/O or global state.
//
// The time spent inside (real elapsed time, all visits together) is cut
// into billing units of TimeStep from arrival, the last one started
// rounded up. Each unit is priced by what holds at its start: the first
// period, a pass's cover, a pass's extension, or the meter's step (by time
// already spent) in the window open then. Runs of units priced alike are
// one line, priced at once, never minute by minute: the stay is cut only
// where something changes (a step, a window's edge, a business day, a
// visit, a pass's cover). Window caps, day caps, the minimum and the stay
// caps follow, in that order, each as a line of its own.
//
// The bill is the cheapest of the meter and every pass, offered from
// arrival or bought at its purchase time (a pass bought mid-stay covers
// from arrival: it absorbs what the meter had counted). A group's discount
// comes last. Price never panics, whatever the tariff; on a tariff that
// fails Validate its figures mean nothing.
func (t *Tariff) Price(s Stay) (Bill, error) {
	tt, pct, err := t.forGroup(s.Group)
	if err != nil {
		return Bill{}, err
	}
	for _, pu := range s.Purchases {
		if _, ok := tt.pass(pu.Pass); !ok {
			return Bill{}, ErrUnknownPass
		}
	}
	var p pricer
	p.setup(tt, s)
	b := p.best(s)
	b.Tariff, b.Version, b.Group = tt.Name, tt.Version, s.Group
	if pct > 0 && b.Total > 0 {
		keep := scaleBP(b.Total, BasisPoints-min(pct, BasisPoints))
		off := b.Total - keep
		b.Lines = append(b.Lines, Line{Kind: LineGroup, Label: s.Group, Amount: -off, Saved: off, PercentOffBP: pct})
		b.Total = keep
	}
	return b, nil
}

// forGroup is the tariff that prices a group, and the group's discount.
func (t *Tariff) forGroup(name string) (*Tariff, int64, error) {
	if name == "" {
		return t, 0, nil
	}
	g, ok := t.group(name)
	if !ok {
		return nil, 0, ErrUnknownGroup
	}
	if g.Tariff != nil {
		return g.Tariff, 0, nil
	}
	return t, max(g.PercentOffBP, 0), nil
}

// occ is one occurrence of a window within the stay: units [s, e).
type occ struct {
	win        int
	start, end time.Time
	s, e       int64
	sum, saved int64 // what the option being priced charged in it
}

// bday is one business day within the stay, from unit s.
type bday struct {
	start time.Time
	s     int64
	cap   int64
	sum   int64 // what the option being priced charged in it
}

// pricer holds what every option of one stay shares: the timeline, the
// billing units, the windows' occurrences, the business days and the
// units where something changes.
type pricer struct {
	t       *Tariff
	loc     *time.Location
	tl      timeline
	step    time.Duration
	stepMin int64
	n       int64 // billed units
	fpU     int64 // units of the first period
	dayCaps bool
	// beforeStayCaps is the last option's total before the stay caps.
	beforeStayCaps int64
	occs           []occ
	days           []bday
	pts            []int64 // sorted units in (0, n) where a line may change
	occBuf         [12]occ
	dayBuf         [4]bday
	ptBuf          [40]int64
}

// unit is how many billing units d starts: ⌈d / step⌉.
func (p *pricer) unit(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d-1)/p.step) + 1
}

// minutes is n minutes as a duration, bounded far beyond any stay.
func minutes(n int) time.Duration {
	return time.Duration(min(max(n, 0), 1<<32)) * time.Minute
}

func (p *pricer) setup(t *Tariff, s Stay) {
	p.t, p.loc = t, s.Location
	if p.loc == nil {
		p.loc = time.UTC
	}
	p.tl.build(s.Intervals)
	p.step = t.step()
	p.stepMin = int64(p.step / time.Minute)
	p.occs, p.days, p.pts = p.occBuf[:0], p.dayBuf[:0], p.ptBuf[:0]
	if p.tl.spent <= minutes(t.GraceMinutes) {
		return // n = 0: free
	}
	p.n = p.unit(p.tl.spent)
	if fp := t.FirstPeriod; fp != nil {
		p.fpU = p.unit(minutes(fp.Minutes))
	}
	from, to := p.tl.arrival(), p.tl.wallAtEnd(p.units(p.n))
	if len(t.Windows) > 0 {
		p.windows(from, to)
		slices.SortStableFunc(p.occs, func(a, b occ) int { return cmp.Compare(a.s, b.s) })
	}
	if dc := t.Caps.Day; dc != nil && dc.Per != PerStarted24h {
		p.businessDays(from, to)
	}
	p.points()
}

// units is n billing units as time spent.
func (p *pricer) units(n int64) time.Duration { return time.Duration(n) * p.step }

// on is the range's occurrence that starts on the local date y-m-d.
func (r TimeRange) on(y int, m time.Month, d int, loc *time.Location) (start, end time.Time) {
	start = time.Date(y, m, d, int(r.Start)/60, int(r.Start)%60, 0, 0, loc)
	if r.End <= r.Start {
		d++
	}
	return start, time.Date(y, m, d, int(r.End)/60, int(r.End)%60, 0, 0, loc)
}

// next is the range's first occurrence that ends after w.
func (r TimeRange) next(w time.Time, loc *time.Location) (start, end time.Time) {
	y, m, d := w.In(loc).Date()
	for k := -1; k <= 8; k++ {
		if !r.Days.Has(weekday(y, m, d+k)) {
			continue
		}
		if start, end = r.on(y, m, d+k, loc); end.After(w) {
			return start, end
		}
	}
	return w, w
}

// weekday of a local date (normalised like time.Date).
func weekday(y int, m time.Month, d int) time.Weekday {
	return time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()
}

// dateSpan is how many local dates after from's the date of to is.
func dateSpan(from, to time.Time, loc *time.Location) int {
	y1, m1, d1 := from.In(loc).Date()
	y2, m2, d2 := to.In(loc).Date()
	return int(time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC).Sub(time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
}

// windows finds the occurrences of the tariff's windows in [from, to).
func (p *pricer) windows(from, to time.Time) {
	y, m, d := from.In(p.loc).Date()
	last := dateSpan(from, to, p.loc)
	for k := -1; k <= last; k++ {
		wd := weekday(y, m, d+k)
		for i := range p.t.Windows {
			w := &p.t.Windows[i]
			if !w.Days.Has(wd) {
				continue
			}
			start, end := w.on(y, m, d+k, p.loc)
			if !end.After(from) || !start.Before(to) {
				continue
			}
			o := occ{win: i, start: start, end: end,
				s: min(p.unit(p.tl.spentAt(start)), p.n), e: min(p.unit(p.tl.spentAt(end)), p.n)}
			if o.s < o.e {
				p.occs = append(p.occs, o)
			}
		}
	}
}

// businessDay is the business day holding w: its start and end.
func (t *Tariff) businessDay(w time.Time, loc *time.Location) (start, end time.Time) {
	y, m, d := w.In(loc).Date()
	h, mi := int(t.DayStart)/60, int(t.DayStart)%60
	if start = time.Date(y, m, d, h, mi, 0, 0, loc); start.After(w) {
		d--
		start = time.Date(y, m, d, h, mi, 0, 0, loc)
	}
	return start, time.Date(y, m, d+1, h, mi, 0, 0, loc)
}

// businessDays lists the business days in [from, to) with their caps.
func (p *pricer) businessDays(from, to time.Time) {
	start, _ := p.t.businessDay(from, p.loc)
	y, m, d := start.In(p.loc).Date()
	h, mi := int(p.t.DayStart)/60, int(p.t.DayStart)%60
	for k := 0; ; k++ {
		s := int64(0)
		if k > 0 {
			if start = time.Date(y, m, d+k, h, mi, 0, 0, p.loc); !start.Before(to) {
				return
			}
			s = min(p.unit(p.tl.spentAt(start)), p.n)
		}
		p.days = append(p.days, bday{start: start, s: s, cap: max(p.t.Caps.Day.value(weekday(y, m, d+k)), 0)})
	}
}

// value is the cap on a day that falls on wd.
func (c *DayCap) value(wd time.Weekday) int64 {
	weekend := c.WeekendDays
	if weekend == 0 {
		weekend = DaysOf(time.Saturday, time.Sunday)
	}
	if c.Weekend != nil && weekend&(1<<wd) != 0 {
		return *c.Weekend
	}
	return c.Weekday
}

// points gathers the units where a line may change.
func (p *pricer) points() {
	add := func(u int64) {
		if u > 0 && u < p.n {
			p.pts = append(p.pts, u)
		}
	}
	add(p.fpU)
	for _, st := range p.t.Steps {
		add(p.unit(minutes(st.FromMinute)))
	}
	for _, w := range p.t.Windows {
		for _, st := range w.Steps {
			add(p.unit(minutes(st.FromMinute)))
		}
	}
	for _, o := range p.occs {
		add(o.s)
		add(o.e)
	}
	for _, d := range p.days {
		add(d.s)
	}
	for _, sp := range p.tl.spans {
		add(p.unit(sp.at))
	}
	slices.Sort(p.pts)
	p.pts = slices.Compact(p.pts)
}

// option is one way to price the stay: the meter (pass < 0) or a pass,
// covering units [cs, ce).
type option struct {
	pass   int
	bought bool
	cs, ce int64
	shown  bool // its pass line is written
}

// meter is the option with no pass.
var meter = option{pass: -1, cs: math.MaxInt64, ce: math.MaxInt64}

// cover is the option of pass i, offered from arrival or bought at at.
func (p *pricer) cover(i int, bought bool, at time.Time) option {
	ps := &p.t.Passes[i]
	o := option{pass: i, bought: bought}
	from := p.tl.arrival()
	if bought && at.After(from) {
		from = at
	}
	switch c := ps.Covers; {
	case c.Window != nil:
		start, end := c.Window.next(from, p.loc)
		o.cs, o.ce = p.unit(p.tl.spentAt(start)), p.unit(p.tl.spentAt(end))
	case c.BusinessDay:
		_, end := p.t.businessDay(from, p.loc)
		o.ce = p.unit(p.tl.spentAt(end))
	default:
		start := time.Duration(0)
		if c.From == FromPurchase {
			start = p.tl.spentAt(from)
		}
		o.ce = p.unit(start + minutes(c.Minutes))
	}
	if bought {
		o.cs = 0 // absorbs what the meter counted before the purchase
	}
	o.ce = max(o.ce, o.cs)
	return o
}

// option k of the stay: the meter, each pass offered, each pass bought.
func (p *pricer) option(k int, s Stay) option {
	switch {
	case k == 0:
		return meter
	case k <= len(p.t.Passes):
		return p.cover(k-1, false, time.Time{})
	}
	pu := s.Purchases[k-1-len(p.t.Passes)]
	i, _ := p.t.pass(pu.Pass)
	return p.cover(i, true, pu.At)
}

// best prices every option and explains the cheapest.
func (p *pricer) best(s Stay) Bill {
	b := Bill{Spent: p.tl.spent, Minutes: int(p.n * p.stepMin)}
	if p.n == 0 {
		if p.tl.spent > 0 && p.t.GraceMinutes > 0 {
			b.Lines = []Line{{Kind: LineGrace, Label: "Grace", From: p.tl.arrival().In(p.loc),
				To: p.tl.spans[len(p.tl.spans)-1].out.In(p.loc), Minutes: int(ceilDiv(int64(p.tl.spent), int64(time.Minute)))}}
		}
		return b
	}
	count := 1 + len(p.t.Passes) + len(s.Purchases)
	b.Options = make([]OptionTotal, 0, count)
	bestK, bestTotal := 0, int64(0)
	for k := range count {
		o := p.option(k, s)
		total := p.price(&o, nil)
		ot := OptionTotal{Bought: o.bought, Total: total}
		if o.pass >= 0 {
			ot.Pass = p.t.Passes[o.pass].Name
		}
		b.Options = append(b.Options, ot)
		if k == 0 || total < bestTotal {
			bestK, bestTotal = k, total
		}
	}
	o := p.option(bestK, s)
	b.Lines = make([]Line, 0, len(p.pts)+len(p.occs)+len(p.days)+6)
	b.Total = p.price(&o, &b.Lines)
	if o.pass >= 0 {
		b.Option = p.t.Passes[o.pass].Name
		for i := range b.Lines {
			if b.Lines[i].Kind == LinePass {
				b.Lines[i].Saved = b.Options[0].Total - b.Total
			}
		}
	}
	return b
}
