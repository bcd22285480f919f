package tariff

import (
	"cmp"
	"slices"
	"time"
)

// charge is how a unit is priced: by what (kind), at which step of whose
// steps (src: a window's index, -1 for the tariff's own), with which
// multiplier; and where it falls (window occurrence, business day, visit)
// for caps and for the explanation.
type charge struct {
	kind           LineKind
	src, step      int
	mult           int64
	occ, day, span int
}

// sameLine reports whether a unit priced as d continues a line priced as c.
func (c charge) sameLine(d charge) bool {
	if c.kind == LineFirst || c.kind == LinePass {
		return c.kind == d.kind
	}
	return c == d
}

// sameRun reports whether blocks counted under c go on under d: the same
// rate of the same steps, whatever the window's multiplier or the day.
func (c charge) sameRun(d charge) bool {
	return c.kind == d.kind && c.src == d.src && c.step == d.step
}

// seg is a line being gathered: units [a, b), blocks counted from anchor.
type seg struct {
	c            charge
	a, b, anchor int64
}

// chargeAt is how unit u is priced under option o.
func (p *pricer) chargeAt(o *option, u int64) charge {
	c := charge{kind: LineTime, src: -1, step: -1, mult: BasisPoints, occ: p.occAt(u), day: p.dayAt(u), span: p.spanAt(u)}
	switch {
	case u >= o.cs && u < o.ce:
		c.kind = LinePass
		return c
	case u < p.fpU && u < o.cs:
		c.kind = LineFirst
		return c
	case u >= o.ce && p.t.Passes[o.pass].Extension != nil:
		c.kind = LineExtension
		return c
	}
	steps := p.t.Steps
	if c.occ >= 0 {
		w := &p.t.Windows[p.occs[c.occ].win]
		switch {
		case len(w.Steps) > 0:
			c.src, steps = p.occs[c.occ].win, w.Steps
		case w.MultiplierBP > 0:
			c.mult = w.MultiplierBP
		}
	}
	for i := range steps {
		if p.unit(minutes(steps[i].FromMinute)) <= u {
			c.step = i
		}
	}
	return c
}

// occAt is the window occurrence holding unit u, or -1. Occurrences are
// sorted by their first unit and (windows may not overlap) disjoint.
func (p *pricer) occAt(u int64) int {
	i, _ := slices.BinarySearchFunc(p.occs, u, func(o occ, u int64) int { return cmp.Compare(o.s, u+1) })
	if i--; i >= 0 && u < p.occs[i].e {
		return i
	}
	return -1
}

// dayAt is the business day holding unit u, or -1 with no day caps.
func (p *pricer) dayAt(u int64) int {
	i, _ := slices.BinarySearchFunc(p.days, u, func(d bday, u int64) int { return cmp.Compare(d.s, u+1) })
	return i - 1
}

// spanAt is the visit holding unit u.
func (p *pricer) spanAt(u int64) int {
	i, _ := slices.BinarySearchFunc(p.tl.spans, u, func(s span, u int64) int { return cmp.Compare(p.unit(s.at), u+1) })
	return max(i-1, 0)
}

// price prices option o: the total, and its lines appended to out unless
// out is nil. The total is the lines' sum.
func (p *pricer) price(o *option, out *[]Line) int64 {
	for i := range p.occs {
		p.occs[i].sum, p.occs[i].saved = 0, 0
	}
	for i := range p.days {
		p.days[i].sum = 0
	}
	var total int64
	var cur seg
	open := false
	for u, i := int64(0), 0; u < p.n; {
		for i < len(p.pts) && p.pts[i] <= u {
			i++
		}
		next := p.n
		if i < len(p.pts) {
			next = p.pts[i]
		}
		if o.cs > u && o.cs < next {
			next = o.cs
		}
		if o.ce > u && o.ce < next {
			next = o.ce
		}
		c := p.chargeAt(o, u)
		switch {
		case open && cur.c.sameLine(c):
			cur.b = next
		default:
			anchor := u
			if open && cur.c.sameRun(c) {
				anchor = cur.anchor
			}
			if open {
				total = addSat(total, p.close(&cur, o, out))
			}
			cur, open = seg{c: c, a: u, b: next, anchor: anchor}, true
		}
		u = next
	}
	if open {
		total = addSat(total, p.close(&cur, o, out))
	}
	if o.pass >= 0 && !o.shown {
		// the stay ended before the pass's cover began: its price is due
		total = addSat(total, p.close(&seg{c: charge{kind: LinePass}, a: p.n, b: p.n}, o, out))
	}
	return p.caps(total, out)
}

// close prices a gathered line, counts it towards its window's and day's
// caps, and writes it out.
func (p *pricer) close(g *seg, o *option, out *[]Line) int64 {
	l := Line{Kind: g.c.kind, Minutes: int((g.b - g.a) * p.stepMin)}
	occ, day := g.c.occ, g.c.day
	switch g.c.kind {
	case LinePass:
		ps := &p.t.Passes[o.pass]
		l.Label, l.Amount = ps.Name, max(ps.Price, 0)
		o.shown = true
	case LineFirst:
		l.Label, l.Amount = "First period", max(p.t.FirstPeriod.Price, 0)
		occ, day = p.occAt(g.a), p.dayAt(g.a)
	default:
		l.Label = "Meter"
		if occ >= 0 {
			l.Label = p.t.Windows[p.occs[occ].win].Name
		}
		l.Rate = p.rateOf(g.c, o)
		if g.c.kind == LineExtension {
			l.Label = p.t.Passes[o.pass].Name
		}
		if g.c.mult != BasisPoints {
			l.MultiplierBP = g.c.mult
		}
		l.Amount, l.Blocks = p.amount(l.Rate, g)
	}
	if g.c.kind != LinePass {
		net := l.Amount
		if occ >= 0 {
			oc := &p.occs[occ]
			if cp := p.t.Windows[oc.win].Cap; cp != nil {
				net = min(net, max(*cp-oc.sum, 0))
			}
			oc.sum = addSat(oc.sum, l.Amount)
			oc.saved += l.Amount - net
		}
		if day >= 0 {
			p.days[day].sum = addSat(p.days[day].sum, net)
		}
	}
	if out != nil {
		l.From = p.tl.wallAt(p.units(g.a)).In(p.loc)
		l.To = p.tl.wallAtEnd(p.units(g.b)).In(p.loc)
		*out = append(*out, l)
	}
	return l.Amount
}

// rateOf is the rate a time or extension line is priced at.
func (p *pricer) rateOf(c charge, o *option) Rate {
	switch {
	case c.kind == LineExtension:
		return *p.t.Passes[o.pass].Extension
	case c.step < 0:
		return Rate{}
	case c.src >= 0:
		return p.t.Windows[c.src].Steps[c.step].Rate
	}
	return p.t.Steps[c.step].Rate
}

// amount prices units [a, b) at rate r with the line's multiplier, once:
// by the minute, or by the blocks started in the line, counted from the
// start of the run of units at this rate.
func (p *pricer) amount(r Rate, g *seg) (amount, blocks int64) {
	if r.IsBlock() {
		length := int64(minutes(r.BlockMinutes))
		from, to := int64(p.units(g.a-g.anchor)), int64(p.units(g.b-g.anchor))
		blocks = ceilDiv(to, length) - ceilDiv(from, length)
		amount = mulSat(blocks, r.BlockPrice)
	} else {
		amount = mulSat((g.b-g.a)*p.stepMin, r.PerMinute)
	}
	if g.c.mult != BasisPoints {
		amount = scaleBP(amount, g.c.mult)
	}
	return amount, blocks
}

// caps applies the window and day caps gathered by the lines, then the
// minimum, then the stay caps, each a line; it returns the total.
func (p *pricer) caps(total int64, out *[]Line) int64 {
	emit := func(l Line) {
		total += l.Amount
		if out != nil {
			*out = append(*out, l)
		}
	}
	for i := range p.occs {
		if oc := &p.occs[i]; oc.saved > 0 {
			w := &p.t.Windows[oc.win]
			emit(Line{Kind: LineCap, CapKind: CapWindow, Label: w.Name, From: oc.start.In(p.loc), To: oc.end.In(p.loc),
				Cap: *w.Cap, Amount: -oc.saved, Saved: oc.saved})
		}
	}
	for i := range p.days {
		if d := &p.days[i]; d.sum > d.cap {
			_, end := p.t.businessDay(d.start, p.loc)
			emit(Line{Kind: LineCap, CapKind: CapDay, Label: "Day cap", From: d.start.In(p.loc), To: end.In(p.loc),
				Cap: d.cap, Amount: -(d.sum - d.cap), Saved: d.sum - d.cap})
		}
	}
	if m := p.t.MinimumCharge; total < m {
		emit(Line{Kind: LineMinimum, Label: "Minimum charge", Amount: m - total})
	}
	p.beforeStayCaps = total
	if c := p.t.Caps.Stay; c != nil && total > max(*c, 0) {
		saved := total - max(*c, 0)
		emit(Line{Kind: LineCap, CapKind: CapStay, Label: "Stay cap", Cap: *c, Amount: -saved, Saved: saved})
	}
	if dc := p.t.Caps.Day; dc != nil && dc.Per == PerStarted24h {
		if c := p.cap24h(dc); total > c {
			emit(Line{Kind: LineCap, CapKind: Cap24h, Label: "Daily cap", Cap: c, Amount: -(total - c), Saved: total - c})
		}
	}
	return total
}

// cap24h is the stay's cap under a started_24h day cap: the day's value
// for every started 24 hours of time spent, by the weekday each began on.
func (p *pricer) cap24h(dc *DayCap) int64 {
	periods := ceilDiv(int64(p.tl.spent), int64(24*time.Hour))
	if dc.Weekend == nil || *dc.Weekend == dc.Weekday {
		return mulSat(max(dc.Weekday, 0), periods)
	}
	var c int64
	for k := range periods {
		w := p.tl.wallAt(time.Duration(k) * 24 * time.Hour).In(p.loc)
		c = addSat(c, max(dc.value(w.Weekday()), 0))
	}
	return c
}
