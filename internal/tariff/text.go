package tariff

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bojanz/currency"
)

// Formatter writes bills and quotes for people: money in the venue's
// currency by the locale's CLDR rules (minor units from ISO 4217: JPY 0,
// GBP 2), times of day as the lines carry them (the stay's Location).
type Formatter struct {
	code  string
	money *currency.Formatter
}

// NewFormatter formats amounts in currency code (ISO 4217) for locale (a
// BCP 47 tag such as "en-GB", "fr", "ja"; unknown ones fall back to CLDR's
// parents and to English).
func NewFormatter(code, locale string) (*Formatter, error) {
	if !currency.IsValid(code) {
		return nil, fmt.Errorf("tariff: %q is not an ISO 4217 currency", code)
	}
	return &Formatter{code: code, money: currency.NewFormatter(currency.NewLocale(locale))}, nil
}

// Money writes an amount in minor units: £1.20, ¥1,100, 15,00 €.
func (f *Formatter) Money(minor int64) string {
	a, err := currency.NewAmountFromInt64(minor, f.code)
	if err != nil {
		return strconv.FormatInt(minor, 10) + " " + f.code
	}
	return f.money.Format(a)
}

// price writes a rate's price: pence below a pound as "6p" (as British
// price lists do), anything else as money.
func (f *Formatter) price(minor int64) string {
	if f.code == "GBP" && minor >= 0 && minor < 100 {
		return strconv.FormatInt(minor, 10) + "p"
	}
	return f.Money(minor)
}

// Rate writes a rate for people: "8p a minute", "¥100 a started 10 min",
// with a multiplier "5p a minute × 1.5".
func (f *Formatter) Rate(r Rate, multiplierBP int64) string {
	s := f.price(r.PerMinute) + " a minute"
	switch {
	case r.IsBlock():
		s = fmt.Sprintf("%s a started %d min", f.price(r.BlockPrice), r.BlockMinutes)
	case r.PerMinute == 0:
		s = "free"
	}
	if multiplierBP != 0 && multiplierBP != BasisPoints {
		s += " × " + ratio(multiplierBP)
	}
	return s
}

// ratio writes basis points as a decimal multiplier: 15000 is "1.5".
func ratio(bp int64) string {
	s := strconv.FormatInt(bp/BasisPoints, 10)
	if frac := bp % BasisPoints; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%04d", frac), "0")
	}
	return s
}

// percent writes basis points as a percentage: 2000 is "20%".
func percent(bp int64) string {
	s := strconv.FormatInt(bp/100, 10)
	if frac := bp % 100; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%02d", frac), "0")
	}
	return s + "%"
}

func clock(t time.Time) string { return t.Format("15:04") }

func fromTo(from, to time.Time) string { return clock(from) + "–" + clock(to) }

// Line writes one line: "17:40–18:00 · 20 min × 6p = £1.20".
func (f *Formatter) Line(l Line) string {
	var what string
	switch l.Kind {
	case LineGrace:
		what = fmt.Sprintf("%s · %d min within grace", fromTo(l.From, l.To), l.Minutes)
	case LineTime, LineExtension:
		what = fromTo(l.From, l.To) + " · "
		if l.Kind == LineExtension {
			what += "after the " + l.Label + " · "
		}
		switch {
		case l.Rate.IsBlock():
			what += fmt.Sprintf("%d min · %d × %d min × %s", l.Minutes, l.Blocks, l.Rate.BlockMinutes, f.price(l.Rate.BlockPrice))
		default:
			what += fmt.Sprintf("%d min × %s", l.Minutes, f.price(l.Rate.PerMinute))
		}
		if l.MultiplierBP != 0 {
			what += " × " + ratio(l.MultiplierBP)
		}
	case LineFirst:
		what = fromTo(l.From, l.To) + " · first period, due in full"
	case LinePass:
		what = fromTo(l.From, l.To) + " · " + l.Label
		if l.Saved > 0 {
			what += " (saves " + f.Money(l.Saved) + ")"
		}
	case LineCap:
		name := capName(l)
		what = fmt.Sprintf("%s%s of %s", strings.ToUpper(name[:1]), name[1:], f.Money(l.Cap))
		switch l.CapKind {
		case CapWindow:
			what += " (" + fromTo(l.From, l.To) + ")"
		case CapDay:
			what += " (" + l.From.Format("Mon 2 Jan") + ")"
		}
	case LineMinimum:
		what = "Up to the minimum charge"
	case LineGroup:
		what = fmt.Sprintf("%s −%s", l.Label, percent(l.PercentOffBP))
	default:
		what = l.Label
	}
	return what + " = " + f.Money(l.Amount)
}

// capName names a cap line's cap for people.
func capName(l Line) string {
	switch l.CapKind {
	case CapWindow:
		return l.Label + " cap"
	case CapDay:
		return "day cap"
	case CapStay:
		return "stay cap"
	}
	return "daily cap"
}

// Bill writes an explained bill, a line each, then the total.
func (f *Formatter) Bill(b Bill) string {
	var sb strings.Builder
	for _, l := range b.Lines {
		sb.WriteString(f.Line(l))
		sb.WriteByte('\n')
	}
	sb.WriteString("Total " + f.Money(b.Total))
	return sb.String()
}

// Change writes a coming change seen at now: "from 18:00, 8p a minute",
// "the day cap of £15.00 is reached at 14:30" (with the weekday when it is
// not now's date: "at Wed 12:37").
func (f *Formatter) Change(c Change, now time.Time) string {
	at := clock(c.At)
	if y, m, d := c.At.Date(); !now.IsZero() {
		if ny, nm, nd := now.In(c.At.Location()).Date(); y != ny || m != nm || d != nd {
			at = c.At.Format("Mon 15:04")
		}
	}
	switch c.Kind {
	case ChangeGraceEnd:
		return "free until " + at
	case ChangePassStart:
		return fmt.Sprintf("from %s, the %s covers you", at, c.Label)
	case ChangePassEnd:
		return fmt.Sprintf("the %s ends at %s, then %s", c.Label, at, f.Rate(c.Rate, c.MultiplierBP))
	case ChangeCap:
		return fmt.Sprintf("the %s of %s is reached at %s", capName(Line{CapKind: c.CapKind, Label: c.Label}), f.Money(c.Cap), at)
	}
	return fmt.Sprintf("from %s, %s", at, f.Rate(c.Rate, c.MultiplierBP))
}

// Quote writes a live quote: "£3.20 so far · from 18:00, 8p a minute · a
// Day pass would save you £3.00".
func (f *Formatter) Quote(q Quote) string {
	parts := []string{f.Money(q.Bill.Total) + " so far"}
	for _, c := range q.Next {
		parts = append(parts, f.Change(c, q.Now))
	}
	if q.Saving != nil {
		parts = append(parts, fmt.Sprintf("a %s would save you %s", q.Saving.Pass, f.Money(q.Saving.Saves)))
	}
	return strings.Join(parts, " · ")
}

// Added writes what a visit added to the night: "6 min more · £0.00 more ·
// tonight £3.00".
func (f *Formatter) Added(a Added) string {
	return fmt.Sprintf("%d min more · %s more · tonight %s", a.Minutes, f.Money(a.Amount), f.Money(a.Night.Total))
}

// Describe writes a tariff as a price list, a clause each, in the order a
// guest meets them: "First 5 minutes free", "6p a minute", "Mon–Fri
// 18:00–23:00 (Evening): 8p a minute", "At most £15.00 a day", "Day pass:
// £15.00".
func (f *Formatter) Describe(t *Tariff) []string {
	var out []string
	if t.GraceMinutes > 0 {
		out = append(out, plural(t.GraceMinutes, "First minute free", fmt.Sprintf("First %d minutes free", t.GraceMinutes)))
	}
	if fp := t.FirstPeriod; fp != nil {
		out = append(out, fmt.Sprintf("First %s: %s, due in full", length(fp.Minutes), f.Money(fp.Price)))
	}
	out = append(out, f.steps(t.Steps))
	for _, w := range t.Windows {
		what := f.steps(w.Steps)
		if len(w.Steps) == 0 {
			what = "the usual rate × " + ratio(w.MultiplierBP)
		}
		if w.Cap != nil {
			what += ", at most " + f.Money(*w.Cap)
		}
		name := ""
		if w.Name != "" {
			name = " (" + w.Name + ")"
		}
		out = append(out, fmt.Sprintf("%s %s–%s%s: %s", days(w.Days), w.Start, w.End, name, what))
	}
	if step := t.TimeStep; step > 1 {
		out = append(out, fmt.Sprintf("Billed in started %d-minute steps", step))
	}
	if t.MinimumCharge > 0 {
		out = append(out, "At least "+f.Money(t.MinimumCharge)+" a stay")
	}
	if c := t.Caps.Day; c != nil {
		s := "At most " + f.Money(c.Weekday) + " a day"
		if c.Per == PerStarted24h {
			s = "At most " + f.Money(c.Weekday) + " for each started 24 hours"
		}
		if c.Weekend != nil && *c.Weekend != c.Weekday {
			s += " (" + f.Money(*c.Weekend) + " at weekends)"
		}
		out = append(out, s)
	}
	if c := t.Caps.Stay; c != nil {
		out = append(out, "At most "+f.Money(*c)+" a stay")
	}
	for _, p := range t.Passes {
		s := fmt.Sprintf("%s: %s", p.Name, f.Money(p.Price))
		switch c := p.Covers; {
		case c.Minutes > 0:
			s += ", covers " + length(c.Minutes)
		case c.Window != nil:
			s += fmt.Sprintf(", covers %s–%s", c.Window.Start, c.Window.End)
		case c.BusinessDay:
			s += ", covers the day"
		}
		if p.Extension != nil {
			s += ", then " + f.Rate(*p.Extension, 0)
		}
		out = append(out, s)
	}
	for _, g := range t.Groups {
		if g.Tariff != nil {
			out = append(out, g.Name+": prices of their own")
		} else if g.PercentOffBP > 0 {
			out = append(out, g.Name+": "+percent(g.PercentOffBP)+" off")
		}
	}
	return out
}

// steps writes a run of rate steps: "6p a minute" or "6p a minute for the
// first 60 min, then 4p a minute".
func (f *Formatter) steps(steps []Step) string {
	if len(steps) == 0 {
		return "free"
	}
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = f.Rate(s.Rate, 0)
		if i+1 < len(steps) {
			if i == 0 && s.FromMinute == 0 {
				parts[i] += " for the first " + length(steps[i+1].FromMinute)
			} else {
				parts[i] += " until " + length(steps[i+1].FromMinute) + " in"
			}
		}
		if i > 0 {
			parts[i] = "then " + parts[i]
		}
	}
	return strings.Join(parts, ", ")
}

// length writes a length: "45 min", "1 h", "1 h 30 min".
func length(n int) string {
	switch h, m := n/60, n%60; {
	case h == 0:
		return fmt.Sprintf("%d min", m)
	case m == 0:
		return fmt.Sprintf("%d h", h)
	default:
		return fmt.Sprintf("%d h %d min", h, m)
	}
}

// days writes a set of weekdays: "Every day", "Mon–Fri", "Sat, Sun".
func days(d Days) string {
	if d == 0 || d == EveryDay {
		return "Every day"
	}
	var names []string
	for _, n := range dayNames {
		if d&(1<<n.day) != 0 {
			names = append(names, strings.ToUpper(n.name[:1])+n.name[1:])
		}
	}
	if d == DaysOf(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday) {
		return "Mon–Fri"
	}
	return strings.Join(names, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
