package handlers

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
	"github.com/clockroom/clockroom/models"
)

// The tariff editor's form: a tariff as a venue owner types it, no JSON.
// Its field names are the tariff file's JSON paths ("steps[1].from_minute",
// "windows[0].start"), so an engine's field error lands on the input it
// names; money is typed in major units ("2.50"), a multiplier as "1.5", a
// discount as "20" (per cent). Rows left empty are dropped, so the rows
// shown again after a refusal are numbered as the engine numbered them.

// tariffForm is the editor's form as typed.
type tariffForm struct {
	Name, Grace, TimeStep, DayStart string
	FirstMinutes, FirstPrice        string
	Steps                           []stepRow
	Windows                         []windowRow
	Minimum, StayCap                string
	DayWeekday, DayWeekend, DayPer  string
	WeekendDays                     []dayBox
	Passes                          []passRow
	Groups                          []groupRow
	// The calculator: a stay from Arrive to Leave (local "2026-12-08T17:40")
	// for a Group.
	Arrive, Leave, Group string
}

// row is what every row of a list has: its field path ("steps[1]"), its
// number for people, and its errors.
type row struct {
	Prefix string
	Noun   string // what the row is: "step", "window", "pass", "group"
	N      int
	Blank  bool // the empty row offered for a new entry
	Remove bool
	Errs   fieldErrors
}

// rateFields is a rate as typed: Kind "minute" or "block" ("none": no
// rate, which only an Optional rate offers: a pass's extension).
type rateFields struct {
	Prefix, Kind, Price, BlockMinutes string
	Optional                          bool
	Errs                              fieldErrors
}

type stepRow struct {
	row
	From string
	Rate rateFields
}

type windowRow struct {
	row
	Name, Start, End string
	Days             []dayBox
	Mode             string // "steps" or "multiplier"
	Steps            []stepRow
	Multiplier, Cap  string
}

type passRow struct {
	row
	Name, Kind, Price      string
	Covers                 string // "minutes", "window" or "business_day"
	Minutes, From          string
	WindowStart, WindowEnd string
	WindowDays             []dayBox
	Extension              rateFields
}

type groupRow struct {
	row
	Name, PercentOff string
	Own              string // a group's own tariff as JSON, kept as it is (edited as JSON)
}

// dayBox is one weekday's checkbox.
type dayBox struct {
	Value, Label string
	Checked      bool
}

var weekdays = []struct {
	value, label string
	day          time.Weekday
}{{"mon", "Mon", time.Monday}, {"tue", "Tue", time.Tuesday}, {"wed", "Wed", time.Wednesday}, {"thu", "Thu", time.Thursday},
	{"fri", "Fri", time.Friday}, {"sat", "Sat", time.Saturday}, {"sun", "Sun", time.Sunday}}

// weekend is the days a day cap's weekend value applies on unless told.
var weekend = tariff.DaysOf(time.Saturday, time.Sunday)

// dayBoxes shows a set of days; the empty set as unset.
func dayBoxes(d, unset tariff.Days) []dayBox {
	if d == 0 {
		d = unset
	}
	out := make([]dayBox, len(weekdays))
	for i, w := range weekdays {
		out[i] = dayBox{Value: w.value, Label: w.label, Checked: d&(1<<w.day) != 0}
	}
	return out
}

// checkedBoxes reads the days ticked.
func checkedBoxes(values []string) []dayBox {
	out := dayBoxes(tariff.EveryDay, 0)
	for i := range out {
		out[i].Checked = slices.Contains(values, out[i].Value)
	}
	return out
}

// maxFormRows bounds the row numbers read from a form.
const maxFormRows = 1000

// rowIndexes lists the row numbers under prefix that the form holds
// ("steps[0].price", "steps[3].price": 0 and 3), in order.
func rowIndexes(v url.Values, prefix string) []int {
	seen := map[int]bool{}
	for k := range v {
		rest, ok := strings.CutPrefix(k, prefix+"[")
		if !ok {
			continue
		}
		n, _, ok := strings.Cut(rest, "]")
		if i, err := strconv.Atoi(n); ok && err == nil && i >= 0 && i < maxFormRows {
			seen[i] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// readTariffForm reads the editor's form, dropping empty rows and rows
// marked to be removed.
func readTariffForm(v url.Values) tariffForm {
	f := tariffForm{Name: v.Get("name"), Grace: v.Get("grace_minutes"), TimeStep: v.Get("time_step_minutes"), DayStart: v.Get("day_start"),
		FirstMinutes: v.Get("first_period.minutes"), FirstPrice: v.Get("first_period.price"),
		Minimum: v.Get("minimum_charge"), StayCap: v.Get("caps.stay"),
		DayWeekday: v.Get("caps.day.weekday"), DayWeekend: v.Get("caps.day.weekend"), DayPer: v.Get("caps.day.per"),
		WeekendDays: checkedBoxes(v["caps.day.weekend_days"]),
		Arrive:      v.Get("arrive"), Leave: v.Get("leave"), Group: v.Get("group")}
	f.Steps = readSteps(v, "steps")
	for _, i := range rowIndexes(v, "windows") {
		p := fmt.Sprintf("windows[%d]", i)
		w := windowRow{row: readRow(v, p), Name: v.Get(p + ".name"), Start: v.Get(p + ".start"), End: v.Get(p + ".end"),
			Days: checkedBoxes(v[p+".days"]), Mode: v.Get(p + ".mode"), Steps: readSteps(v, p+".steps"),
			Multiplier: v.Get(p + ".multiplier"), Cap: v.Get(p + ".cap")}
		if keep(w.row, w.Name, w.Start, w.End, w.Multiplier, w.Cap) || (!w.Remove && len(w.Steps) > 0) {
			f.Windows = append(f.Windows, w)
		}
	}
	for _, i := range rowIndexes(v, "passes") {
		p := fmt.Sprintf("passes[%d]", i)
		ps := passRow{row: readRow(v, p), Name: v.Get(p + ".name"), Kind: v.Get(p + ".kind"), Price: v.Get(p + ".price"),
			Covers: v.Get(p + ".covers"), Minutes: v.Get(p + ".covers.minutes"), From: v.Get(p + ".covers.from"),
			WindowStart: v.Get(p + ".covers.window.start"), WindowEnd: v.Get(p + ".covers.window.end"),
			WindowDays: checkedBoxes(v[p+".covers.window.days"]), Extension: readRate(v, p+".extension")}
		if keep(ps.row, ps.Name, ps.Price, ps.Minutes, ps.WindowStart, ps.WindowEnd, ps.Extension.Price, ps.Extension.BlockMinutes) {
			f.Passes = append(f.Passes, ps)
		}
	}
	for _, i := range rowIndexes(v, "groups") {
		p := fmt.Sprintf("groups[%d]", i)
		g := groupRow{row: readRow(v, p), Name: v.Get(p + ".name"), PercentOff: v.Get(p + ".percent_off"), Own: v.Get(p + ".tariff")}
		if keep(g.row, g.Name, g.PercentOff, g.Own) {
			f.Groups = append(f.Groups, g)
		}
	}
	return f
}

func readRow(v url.Values, prefix string) row { return row{Remove: v.Get(prefix+".remove") != ""} }

func readRate(v url.Values, prefix string) rateFields {
	return rateFields{Kind: v.Get(prefix + ".rate"), Price: v.Get(prefix + ".price"), BlockMinutes: v.Get(prefix + ".block_minutes")}
}

func readSteps(v url.Values, prefix string) []stepRow {
	var out []stepRow
	for _, i := range rowIndexes(v, prefix) {
		p := fmt.Sprintf("%s[%d]", prefix, i)
		s := stepRow{row: readRow(v, p), From: v.Get(p + ".from_minute"), Rate: readRate(v, p)}
		if keep(s.row, s.From, s.Rate.Price, s.Rate.BlockMinutes) {
			out = append(out, s)
		}
	}
	return out
}

// keep reports whether a row stays: something typed in it, not removed.
func keep(r row, typed ...string) bool {
	return !r.Remove && slices.ContainsFunc(typed, notBlank)
}

// formOf shows a saved tariff in the form, money in currency.
func formOf(t *tariff.Tariff, currency string) tariffForm {
	money := func(n int64) string { return models.MajorUnits(n, currency) }
	opt := func(p *int64) string {
		if p == nil {
			return ""
		}
		return money(*p)
	}
	f := tariffForm{Name: t.Name, Grace: strconv.Itoa(t.GraceMinutes), TimeStep: strconv.Itoa(max(t.TimeStep, 1)), DayStart: t.DayStart.String(),
		Minimum: optional(t.MinimumCharge, money), StayCap: opt(t.Caps.Stay), DayPer: string(tariff.PerBusinessDay), WeekendDays: dayBoxes(0, weekend)}
	if fp := t.FirstPeriod; fp != nil {
		f.FirstMinutes, f.FirstPrice = strconv.Itoa(fp.Minutes), money(fp.Price)
	}
	f.Steps = stepRows(t.Steps, currency)
	for _, w := range t.Windows {
		wr := windowRow{Name: w.Name, Start: w.Start.String(), End: w.End.String(), Days: dayBoxes(w.Days, tariff.EveryDay),
			Mode: "steps", Steps: stepRows(w.Steps, currency), Cap: opt(w.Cap)}
		if len(w.Steps) == 0 {
			wr.Mode, wr.Multiplier = "multiplier", decimalText(w.MultiplierBP, tariff.BasisPoints)
		}
		f.Windows = append(f.Windows, wr)
	}
	if dc := t.Caps.Day; dc != nil {
		f.DayWeekday, f.DayWeekend, f.WeekendDays = money(dc.Weekday), opt(dc.Weekend), dayBoxes(dc.WeekendDays, weekend)
		if dc.Per != "" {
			f.DayPer = string(dc.Per)
		}
	}
	for _, p := range t.Passes {
		f.Passes = append(f.Passes, passRowOf(p, currency))
	}
	for _, g := range t.Groups {
		gr := groupRow{Name: g.Name, PercentOff: optional(g.PercentOffBP, func(bp int64) string { return decimalText(bp, 100) })}
		if g.Tariff != nil {
			own, _ := json.Marshal(g.Tariff)
			gr.Own = string(own)
		}
		f.Groups = append(f.Groups, gr)
	}
	return f
}

// optional writes n, or nothing for zero.
func optional(n int64, write func(int64) string) string {
	if n == 0 {
		return ""
	}
	return write(n)
}

func passRowOf(p tariff.Pass, currency string) passRow {
	pr := passRow{Name: p.Name, Kind: string(p.Kind), Price: models.MajorUnits(p.Price, currency), From: tariff.FromArrival,
		WindowDays: dayBoxes(0, tariff.EveryDay), Extension: rateFields{Kind: "none"}}
	switch c := p.Covers; {
	case c.Window != nil:
		pr.Covers, pr.WindowStart, pr.WindowEnd, pr.WindowDays = "window", c.Window.Start.String(), c.Window.End.String(), dayBoxes(c.Window.Days, tariff.EveryDay)
	case c.BusinessDay:
		pr.Covers = "business_day"
	default:
		pr.Covers, pr.Minutes = "minutes", strconv.Itoa(c.Minutes)
		if c.From != "" {
			pr.From = c.From
		}
	}
	if p.Extension != nil {
		pr.Extension = rateFieldsOf(*p.Extension, currency)
	}
	return pr
}

func stepRows(steps []tariff.Step, currency string) []stepRow {
	out := make([]stepRow, len(steps))
	for i, s := range steps {
		out[i] = stepRow{From: strconv.Itoa(s.FromMinute), Rate: rateFieldsOf(s.Rate, currency)}
	}
	return out
}

func rateFieldsOf(r tariff.Rate, currency string) rateFields {
	if r.IsBlock() {
		return rateFields{Kind: "block", Price: models.MajorUnits(r.BlockPrice, currency), BlockMinutes: strconv.Itoa(r.BlockMinutes)}
	}
	return rateFields{Kind: "minute", Price: models.MajorUnits(r.PerMinute, currency)}
}

// decimalText writes n/scale without trailing zeros: 15000/10000 is "1.5".
func decimalText(n, scale int64) string {
	s := strconv.FormatInt(n/scale, 10)
	if frac := n % scale; frac != 0 {
		width := len(strconv.FormatInt(scale, 10)) - 1
		s += "." + strings.TrimRight(fmt.Sprintf("%0*d", width, frac), "0")
	}
	return s
}

// view is the form as the page shows it: each row numbered, with the
// errors, and one empty row at the end of every list (the way to add one
// without JavaScript).
func (f tariffForm) view(errs fieldErrors) tariffForm {
	f.Steps = viewSteps(f.Steps, "steps", errs)
	f.Windows = append(slices.Clone(f.Windows), windowRow{row: row{Blank: true}, Days: dayBoxes(0, tariff.EveryDay), Mode: "steps"})
	for i := range f.Windows {
		w := &f.Windows[i]
		w.row = w.row.at(fmt.Sprintf("windows[%d]", i), "window", i, errs)
		w.Steps = viewSteps(w.Steps, w.Prefix+".steps", errs)
	}
	f.Passes = append(slices.Clone(f.Passes), passRow{row: row{Blank: true}, Kind: string(tariff.DayPass), Covers: "business_day",
		From: tariff.FromArrival, WindowDays: dayBoxes(0, tariff.EveryDay), Extension: rateFields{Kind: "none"}})
	for i := range f.Passes {
		p := &f.Passes[i]
		p.row = p.row.at(fmt.Sprintf("passes[%d]", i), "pass", i, errs)
		p.Extension.Prefix, p.Extension.Errs, p.Extension.Optional = p.Prefix+".extension", errs, true
	}
	f.Groups = append(slices.Clone(f.Groups), groupRow{row: row{Blank: true}})
	for i := range f.Groups {
		f.Groups[i].row = f.Groups[i].row.at(fmt.Sprintf("groups[%d]", i), "group", i, errs)
	}
	return f
}

func viewSteps(steps []stepRow, prefix string, errs fieldErrors) []stepRow {
	steps = append(slices.Clone(steps), stepRow{row: row{Blank: true}, Rate: rateFields{Kind: "minute"}})
	for i := range steps {
		steps[i].row = steps[i].row.at(fmt.Sprintf("%s[%d]", prefix, i), "step", i, errs)
		steps[i].Rate.Prefix, steps[i].Rate.Errs = steps[i].Prefix, errs
	}
	return steps
}

func (r row) at(prefix, noun string, i int, errs fieldErrors) row {
	r.Prefix, r.Noun, r.N, r.Errs = prefix, noun, i+1, errs
	return r
}

// groupNames are the groups typed, for the calculator's choice.
func (f tariffForm) groupNames() []string {
	var out []string
	for _, g := range f.Groups {
		if name := strings.TrimSpace(g.Name); name != "" {
			out = append(out, name)
		}
	}
	return out
}

// withStay sets the calculator's stay, unless one was typed: today from
// 17:40 to 18:25 at the venue.
func (f tariffForm) withStay(today time.Time) tariffForm {
	if f.Arrive == "" && f.Leave == "" {
		y, m, d := today.Date()
		f.Arrive = time.Date(y, m, d, 17, 40, 0, 0, today.Location()).Format(localMinute)
		f.Leave = time.Date(y, m, d, 18, 25, 0, 0, today.Location()).Format(localMinute)
	}
	return f
}
