package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/clockroom/clockroom/internal/tariff"
	"github.com/clockroom/clockroom/models"
)

// problem is one thing wrong in the tariff editor: the field (its form
// name, "steps[1].price"; "form" for the whole form), where that is for
// people ("Rate step 2 · price"), and what is wrong. Path is the tariff
// file's name for the field, when the engine named it.
type problem struct {
	Field, Where, Message, Path string
}

// formProblems gathers the editor's problems in the order found, the
// first per field.
type formProblems struct {
	byField fieldErrors
	list    []problem
}

func (p *formProblems) add(field, msg string) { p.addAt(field, msg, "") }

func (p *formProblems) addAt(field, msg, path string) {
	if p.byField == nil {
		p.byField = fieldErrors{}
	}
	if _, seen := p.byField[field]; seen {
		return
	}
	p.byField[field] = msg
	p.list = append(p.list, problem{Field: field, Where: fieldWhere(field), Message: msg, Path: path})
}

func (p *formProblems) ok() bool { return len(p.list) == 0 }

// engine notes the engine's refusals of a tariff under the form's fields.
func (p *formProblems) engine(errs tariff.Errors) {
	for _, fe := range errs {
		field, msg := formField(fe.Field), sentence(fe.Message)
		if own, sub, ok := strings.Cut(fe.Field, ".tariff."); ok && strings.HasPrefix(fe.Field, "groups[") {
			field, msg = own, "Its own tariff, "+sub+": "+fe.Message+"."
		}
		p.addAt(field, msg, fe.Field)
	}
}

// validate notes whatever the engine refuses in t.
func (p *formProblems) validate(t tariff.Tariff) {
	var errs tariff.Errors
	if errors.As(t.Validate(), &errs) {
		p.engine(errs)
	}
}

// formField is the form's name for a field of the tariff file.
func formField(path string) string {
	for _, r := range [][2]string{{".per_minute", ".price"}, {".block_price", ".price"}, {".multiplier_bp", ".multiplier"}, {".percent_off_bp", ".percent_off"}} {
		if p, ok := strings.CutSuffix(path, r[0]); ok {
			return p + r[1]
		}
	}
	if path == "currency" || path == "version" {
		return "form"
	}
	return path
}

// sentence makes one of the engine's messages ("must not be negative") a
// sentence.
func sentence(msg string) string {
	r, n := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// fieldPart is one part of a field's path: a name and maybe a row number.
var fieldPart = regexp.MustCompile(`^([a-z_]+)(?:\[(\d+)\])?$`)

// fieldWords are the editor's words for the parts of a field's path.
var fieldWords = map[string]string{
	"form": "The tariff", "name": "name", "grace_minutes": "Grace", "time_step_minutes": "Time step", "day_start": "Day start",
	"first_period": "First period", "minutes": "minutes", "price": "price", "steps": "rate step", "from_minute": "from minute",
	"block_minutes": "block length", "rate": "charged", "windows": "Window", "days": "days", "start": "start", "end": "end",
	"multiplier": "multiplier", "cap": "cap", "minimum_charge": "Minimum charge", "caps": "Caps", "stay": "a stay",
	"day": "a day", "weekday": "weekdays", "weekend": "weekends", "weekend_days": "weekend days", "per": "counted",
	"passes": "Pass", "kind": "kind", "covers": "covers", "from": "counted from", "window": "window", "extension": "after it",
	"groups": "Group", "percent_off": "percentage off", "tariff": "own tariff",
	"arrive": "Arrival", "leave": "Departure", "group": "Group", "json": "JSON",
}

// fieldWhere says where a field is for people: "steps[1].price" is "Rate
// step 2 · price".
func fieldWhere(field string) string {
	parts := strings.Split(field, ".")
	for i, part := range parts {
		m := fieldPart.FindStringSubmatch(part)
		if m == nil {
			continue
		}
		words, ok := fieldWords[m[1]]
		if !ok {
			words = strings.ReplaceAll(m[1], "_", " ")
		}
		if m[2] != "" {
			n, _ := strconv.Atoi(m[2])
			words += " " + strconv.Itoa(n+1)
		}
		parts[i] = words
	}
	s := strings.Join(parts, " · ")
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// formReader reads the figures of the editor's form, noting each one that
// is not a figure under its field.
type formReader struct {
	currency string
	p        *formProblems
}

// tariff reads the form as a tariff in currency.
func (f tariffForm) tariff(currency string, p *formProblems) tariff.Tariff {
	r := formReader{currency: currency, p: p}
	t := tariff.Tariff{Name: strings.TrimSpace(f.Name), GraceMinutes: r.minutes("grace_minutes", f.Grace, false),
		DayStart: r.clock("day_start", f.DayStart, false), Steps: r.steps("steps", f.Steps)}
	t.TimeStep = r.minutes("time_step_minutes", f.TimeStep, false)
	if notBlank(f.FirstMinutes) || notBlank(f.FirstPrice) {
		t.FirstPeriod = &tariff.FirstPeriod{Minutes: r.minutes("first_period.minutes", f.FirstMinutes, true),
			Price: r.money("first_period.price", f.FirstPrice, tariff.MaxAmount)}
	}
	for i, w := range f.Windows {
		t.Windows = append(t.Windows, r.window(fmt.Sprintf("windows[%d]", i), w))
	}
	if m := r.optMoney("minimum_charge", f.Minimum); m != nil {
		t.MinimumCharge = *m
	}
	t.Caps.Stay = r.optMoney("caps.stay", f.StayCap)
	if notBlank(f.DayWeekday) || notBlank(f.DayWeekend) {
		t.Caps.Day = &tariff.DayCap{Weekday: r.money("caps.day.weekday", f.DayWeekday, tariff.MaxAmount), Weekend: r.optMoney("caps.day.weekend", f.DayWeekend),
			WeekendDays: r.days("caps.day.weekend_days", f.WeekendDays, weekend), Per: tariff.DayBasis(f.DayPer)}
	}
	for i, ps := range f.Passes {
		t.Passes = append(t.Passes, r.pass(fmt.Sprintf("passes[%d]", i), ps))
	}
	for i, g := range f.Groups {
		t.Groups = append(t.Groups, r.group(fmt.Sprintf("groups[%d]", i), g))
	}
	return t
}

func (r formReader) steps(prefix string, rows []stepRow) []tariff.Step {
	var out []tariff.Step
	for i, s := range rows {
		p := fmt.Sprintf("%s[%d]", prefix, i)
		out = append(out, tariff.Step{FromMinute: r.minutes(p+".from_minute", s.From, false), Rate: r.rate(p, s.Rate)})
	}
	return out
}

func (r formReader) rate(prefix string, f rateFields) tariff.Rate {
	if f.Kind == "block" {
		return tariff.Rate{BlockPrice: r.money(prefix+".price", f.Price, tariff.MaxAmount), BlockMinutes: r.minutes(prefix+".block_minutes", f.BlockMinutes, true)}
	}
	return tariff.Rate{PerMinute: r.money(prefix+".price", f.Price, tariff.MaxPerMinute)}
}

func (r formReader) window(prefix string, w windowRow) tariff.Window {
	tw := tariff.Window{Name: strings.TrimSpace(w.Name), TimeRange: r.timeRange(prefix, "", w.Days, w.Start, w.End), Cap: r.optMoney(prefix+".cap", w.Cap)}
	switch {
	case w.Mode == "multiplier":
		tw.MultiplierBP = r.decimal(prefix+".multiplier", w.Multiplier, tariff.BasisPoints, "Enter a multiplier like 1.5.")
	case len(w.Steps) == 0:
		r.p.add(prefix+".steps[0].price", "Give the window its own rate, or choose a multiplier.")
	default:
		tw.Steps = r.steps(prefix+".steps", w.Steps)
	}
	return tw
}

// timeRange reads days, start and end under prefix (and infix: ".covers.window").
func (r formReader) timeRange(prefix, infix string, days []dayBox, start, end string) tariff.TimeRange {
	p := prefix + infix
	return tariff.TimeRange{Days: r.days(p+".days", days, tariff.EveryDay), Start: r.clock(p+".start", start, true), End: r.clock(p+".end", end, true)}
}

func (r formReader) pass(prefix string, ps passRow) tariff.Pass {
	tp := tariff.Pass{Name: strings.TrimSpace(ps.Name), Kind: tariff.PassKind(ps.Kind), Price: r.money(prefix+".price", ps.Price, tariff.MaxAmount)}
	switch ps.Covers {
	case "window":
		tr := r.timeRange(prefix, ".covers.window", ps.WindowDays, ps.WindowStart, ps.WindowEnd)
		tp.Covers.Window = &tr
	case "business_day":
		tp.Covers.BusinessDay = true
	default:
		tp.Covers.Minutes, tp.Covers.From = r.minutes(prefix+".covers.minutes", ps.Minutes, true), ps.From
	}
	if ps.Extension.Kind == "minute" || ps.Extension.Kind == "block" {
		ext := r.rate(prefix+".extension", ps.Extension)
		tp.Extension = &ext
	}
	return tp
}

func (r formReader) group(prefix string, g groupRow) tariff.Group {
	tg := tariff.Group{Name: strings.TrimSpace(g.Name)}
	if strings.TrimSpace(g.Own) != "" {
		own, err := decodeTariff(g.Own)
		if err != nil {
			r.p.add(prefix, "Its own tariff could not be read: "+err.Error()+". Change it with Edit as JSON.")
		}
		tg.Tariff = own
		return tg
	}
	if strings.TrimSpace(g.PercentOff) == "" {
		r.p.add(prefix+".percent_off", "Enter the percentage off, like 20.")
	}
	tg.PercentOffBP = r.decimal(prefix+".percent_off", g.PercentOff, 100, "Enter a percentage like 20 or 12.5.")
	return tg
}

// minutes reads whole minutes; empty is 0 unless required.
func (r formReader) minutes(field, s string, required bool) int {
	s = strings.TrimSpace(s)
	if s == "" && !required {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		r.p.add(field, "Enter whole minutes, like 60.")
		return 0
	}
	return n
}

// money reads an amount typed in the venue's currency ("2.50").
func (r formReader) money(field, s string, most int64) int64 {
	n, err := models.ParseMoney(s, r.currency, most)
	switch {
	case errors.Is(err, models.ErrTooMuch):
		r.p.add(field, "That is more than a tariff may state: at most "+models.FormatMoney(most, r.currency)+".")
	case err != nil:
		r.p.add(field, "Enter an amount like "+models.MajorUnits(250, r.currency)+" (0 for free).")
	}
	return n
}

// optMoney reads an amount that may be left empty (nil).
func (r formReader) optMoney(field, s string) *int64 {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	n := r.money(field, s, tariff.MaxAmount)
	return &n
}

// clock reads a local time of day, "18:00"; empty is midnight unless required.
func (r formReader) clock(field, s string, required bool) tariff.Clock {
	s = strings.TrimSpace(s)
	if s == "" && !required {
		return 0
	}
	for _, layout := range []string{"15:04", "15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return tariff.At(t.Hour(), t.Minute())
		}
	}
	r.p.add(field, "Enter a time of day like 18:00.")
	return 0
}

// days reads the days ticked: every day is the empty set (as is unset,
// for a weekend's Saturday and Sunday); none ticked is refused.
func (r formReader) days(field string, boxes []dayBox, unset tariff.Days) tariff.Days {
	var d tariff.Days
	for i, b := range boxes {
		if b.Checked {
			d |= tariff.DaysOf(weekdays[i].day)
		}
	}
	switch d {
	case 0:
		r.p.add(field, "Tick at least one day.")
	case unset:
		return 0
	}
	return d
}

// decimal reads a figure like "1.5" or "12.5" as whole parts of scale (a
// power of ten): 1.5 at 10000 is 15000.
func (r formReader) decimal(field, s string, scale int64, msg string) int64 {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	whole, frac, _ := strings.Cut(s, ".")
	width := len(strconv.FormatInt(scale, 10)) - 1
	if whole == "" || len(whole) > 9 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" || len(frac) > width {
		r.p.add(field, msg)
		return 0
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac+strings.Repeat("0", width-len(frac)), 10, 64)
	return w*scale + f
}

// decodeTariff reads one tariff as JSON, strictly: an unknown field, a
// wrong type or trailing data is an error.
func decodeTariff(s string) (*tariff.Tariff, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	var t tariff.Tariff
	if err := dec.Decode(&t); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("there is more after the tariff's closing brace")
	}
	return &t, nil
}

// tariffJSON writes a tariff for the Edit as JSON box.
func tariffJSON(t tariff.Tariff) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(t); err != nil {
		return "{}"
	}
	return buf.String()
}
