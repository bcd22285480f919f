package models

import (
	"slices"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// MaxSeriesNights is how many nights of one series may be to come at once
// (not yet ended, skipped ones included). A rule that keeps to its limits
// (at most one night a day) fills SeriesHorizon with 57 at most, so the cap
// only stops what got past them; it also bounds every expansion of a rule.
const MaxSeriesNights = 60

// The ways a series' rule can break the limits that keep a series from
// flooding the listing, the calendars and its followers' mail.
var (
	// ErrBadRule refuses a repeat rule that is not an RFC 5545 RRULE (or
	// uses a part a series does not take, like BYEASTER).
	ErrBadRule = newError(KindInvalid, "not a repeat rule")
	// ErrRuleTooOften refuses a rule that repeats more often than daily
	// (HOURLY, MINUTELY, SECONDLY).
	ErrRuleTooOften = newError(KindInvalid, "a series repeats at most daily")
	// ErrRuleOverlap refuses a rule (or a length) by which a night would
	// start before the one before it ends.
	ErrRuleOverlap = newError(KindInvalid, "two nights of the series would overlap")
	// ErrRuleTwiceADay refuses a rule that gives a day more than one night.
	ErrRuleTwiceADay = newError(KindInvalid, "the rule gives a day more than one night")
	// ErrRuleFirst refuses a rule of which the first night is not an
	// occurrence (RFC 5545 wants DTSTART to be the first).
	ErrRuleFirst = newError(KindInvalid, "the first night is not one of the rule's")
)

// ruleParts are the parts of an RRULE a series takes.
var ruleParts = []string{"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYSETPOS",
	"BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND"}

// ruleCheckSpan is how far past its first night a rule's gaps are checked:
// a year holds every change of clocks, the one thing that can shorten the
// gap between two nights a day apart.
const ruleCheckSpan = 366 * 24 * time.Hour

// CheckSeriesRule is the one gate for a series' rule, with first the first
// night's start in the venue's time and minutes each night's length: it
// repeats at most daily, gives a day at most one night, never lets a night
// overlap the next, and has first as its first occurrence. It returns the
// rule without a BYHOUR, BYMINUTE or BYSECOND that only repeats first's
// time (the nights' time is first's, so an edit of it moves every night).
func CheckSeriesRule(rule string, first time.Time, minutes int) (string, error) {
	return checkRule(rule, first, minutes, true)
}

// checkRule is CheckSeriesRule; a rule kept from before the checks need
// not start at first (strict false), as long as it keeps the limits.
func checkRule(rule string, first time.Time, minutes int, strict bool) (string, error) {
	opt, err := rrule.StrToROptionInLocation("RRULE:"+rule, first.Location())
	if err != nil || !knownParts(rule) {
		return "", ErrBadRule
	}
	if opt.Freq > rrule.DAILY {
		return "", ErrRuleTooOften
	}
	if _, err := rrule.NewRRule(*opt); err != nil || !partsFit(opt) { // out of bounds, like BYHOUR=25
		return "", ErrBadRule
	}
	times := timesOfDay(opt, first)
	if len(times) > 1 {
		if minGap(times) < time.Duration(minutes)*time.Minute {
			return "", ErrRuleOverlap
		}
		return "", ErrRuleTwiceADay
	}
	if times[0] == clock(first) {
		rule = withoutParts(rule, "BYHOUR", "BYMINUTE", "BYSECOND")
		opt.Byhour, opt.Byminute, opt.Bysecond = nil, nil, nil
	} else if strict {
		return "", ErrRuleFirst
	}
	// Most rules that miss their first night miss its day: no walk needed.
	if strict && (!dayOfRule(opt, first) || !isFirst(*opt, first)) {
		return "", ErrRuleFirst
	}
	opt.Dtstart = first
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return "", ErrBadRule
	}
	// A bounded walk: at most a year of nights, one a day.
	next, length := r.Iterator(), time.Duration(minutes)*time.Minute
	var prev time.Time
	for i := 0; i < 400; i++ {
		at, ok := next()
		switch {
		case !ok || at.Sub(first) > ruleCheckSpan:
			return rule, nil
		case i > 0 && sameDay(prev, at):
			return "", ErrRuleTwiceADay
		case i > 0 && at.Sub(prev) < length:
			return "", ErrRuleOverlap
		}
		prev = at
	}
	return rule, nil
}

// partsFit reports whether the rule's parts fit its frequency as RFC 5545
// says (BYWEEKNO only yearly, no BYYEARDAY more often than yearly, no
// BYMONTHDAY weekly, no BYDAY=+2MO more often than monthly), and BYSETPOS
// only monthly or yearly (a daily or weekly one picks among a night or a
// few, and most often gives none).
func partsFit(opt *rrule.ROption) bool {
	yearly, monthly := opt.Freq == rrule.YEARLY, opt.Freq <= rrule.MONTHLY
	nth := slices.ContainsFunc(opt.Byweekday, func(w rrule.Weekday) bool { return w.N() != 0 })
	return (yearly || len(opt.Byweekno) == 0) && (yearly || len(opt.Byyearday) == 0) &&
		(opt.Freq != rrule.WEEKLY || len(opt.Bymonthday) == 0) && (monthly || !nth && len(opt.Bysetpos) == 0)
}

// dayOfRule reports whether day passes the rule's filters of days (month,
// day of the month, weekday, day of the year): what a day must, to be one
// of the rule's.
func dayOfRule(opt *rrule.ROption, day time.Time) bool {
	in := func(vs []int, pos, neg int) bool {
		return len(vs) == 0 || slices.Contains(vs, pos) || slices.Contains(vs, neg)
	}
	monthLen := time.Date(day.Year(), day.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	yearLen := time.Date(day.Year(), 12, 31, 0, 0, 0, 0, time.UTC).YearDay()
	weekday := (int(day.Weekday()) + 6) % 7 // Monday is 0, as rrule counts
	return in(opt.Bymonth, int(day.Month()), int(day.Month())) &&
		in(opt.Bymonthday, day.Day(), day.Day()-monthLen-1) &&
		in(opt.Byyearday, day.YearDay(), day.YearDay()-yearLen-1) &&
		(len(opt.Byweekday) == 0 || slices.ContainsFunc(opt.Byweekday, func(w rrule.Weekday) bool { return w.Day() == weekday }))
}

// isFirst reports whether first is the rule's first night. A walk that
// finds none goes on to the year 9999 (seconds of work for a daily rule), so
// first is looked for in the 9600s instead: the calendar repeats every 400
// years (146097 days, whole weeks), so first moved on by 400-year steps
// has the same weekday, day of the year and leap years about it, and is the
// rule's first night there when it is here; there the walk is over within
// 400 years.
func isFirst(opt rrule.ROption, first time.Time) bool {
	years := max(0, (rrule.MAXYEAR-first.Year())/400*400)
	moved := func(t time.Time) time.Time { // on a clock with no changes
		t = t.In(first.Location())
		return time.Date(t.Year()+years, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	}
	opt.Dtstart = moved(first)
	if !opt.Until.IsZero() {
		opt.Until = moved(opt.Until)
	}
	r, err := rrule.NewRRule(opt)
	if err != nil {
		return false
	}
	at, ok := r.Iterator()()
	return ok && at.Equal(opt.Dtstart)
}

// knownParts reports whether every part of rule is one a series takes,
// each at most once.
func knownParts(rule string) bool {
	seen := map[string]bool{}
	for part := range strings.SplitSeq(rule, ";") {
		key, _, _ := strings.Cut(part, "=")
		if seen[key] || !slices.Contains(ruleParts, key) {
			return false
		}
		seen[key] = true
	}
	return true
}

// withoutParts is rule without the parts named keys.
func withoutParts(rule string, keys ...string) string {
	var kept []string
	for part := range strings.SplitSeq(rule, ";") {
		if key, _, _ := strings.Cut(part, "="); !slices.Contains(keys, key) {
			kept = append(kept, part)
		}
	}
	return strings.Join(kept, ";")
}

// timesOfDay are the distinct clock times a day of the rule has, as time
// since midnight, sorted: BYHOUR × BYMINUTE × BYSECOND, first's for a part
// the rule leaves out.
func timesOfDay(opt *rrule.ROption, first time.Time) []time.Duration {
	or := func(vs []int, v int) []int {
		if len(vs) == 0 {
			return []int{v}
		}
		return vs
	}
	var ts []time.Duration
	for _, h := range or(opt.Byhour, first.Hour()) {
		for _, m := range or(opt.Byminute, first.Minute()) {
			for _, s := range or(opt.Bysecond, first.Second()) {
				ts = append(ts, time.Duration(h)*time.Hour+time.Duration(m)*time.Minute+time.Duration(s)*time.Second)
			}
		}
	}
	slices.Sort(ts)
	return slices.Compact(ts)
}

// minGap is the shortest time between two of a day's clock times, across
// midnight too.
func minGap(ts []time.Duration) time.Duration {
	gap := ts[0] + 24*time.Hour - ts[len(ts)-1]
	for i := 1; i < len(ts); i++ {
		gap = min(gap, ts[i]-ts[i-1])
	}
	return gap
}

func clock(t time.Time) time.Duration {
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
}

// nightSpan is when a night of a series is.
type nightSpan struct {
	StartsAt time.Time `db:"starts_at"`
	EndsAt   time.Time `db:"ends_at"`
}

// clashes reports whether a night from start to end would overlap one of
// nights, or fall on the day (in loc) of one.
func clashes(nights []nightSpan, start, end time.Time, loc *time.Location) bool {
	for _, n := range nights {
		if start.Before(n.EndsAt) && n.StartsAt.Before(end) || sameDay(start.In(loc), n.StartsAt) {
			return true
		}
	}
	return false
}

// sameDay reports whether a and b fall on one day of a's calendar.
func sameDay(a, b time.Time) bool {
	y1, m1, d1 := a.Date()
	y2, m2, d2 := b.In(a.Location()).Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}
