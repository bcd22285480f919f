package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/teambition/rrule-go"

	"github.com/clockroom/clockroom/models"
)

// A series' rule repeats at most daily, gives a day one night, never lets a
// night overlap the next (across a change of clocks too), starts at its
// first night, and takes only the parts of an RRULE a series needs.
func TestSeriesRuleLimits(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/London")
	tue19 := time.Date(2027, 1, 5, 19, 0, 0, 0, loc)
	tue18 := time.Date(2027, 1, 5, 18, 0, 0, 0, loc)
	for _, c := range []struct {
		rule    string
		first   time.Time
		minutes int
		want    error
		kept    string // the rule as stored, when taken
	}{
		{"FREQ=SECONDLY", tue19, 120, models.ErrRuleTooOften, ""},
		{"FREQ=MINUTELY;INTERVAL=1440", tue19, 120, models.ErrRuleTooOften, ""},
		{"FREQ=HOURLY;INTERVAL=24", tue19, 120, models.ErrRuleTooOften, ""},
		{"FREQ=DAILY;BYHOUR=18,19", tue18, 120, models.ErrRuleOverlap, ""},
		{"FREQ=DAILY;BYMINUTE=0,30", tue19, 60, models.ErrRuleOverlap, ""},
		{"FREQ=DAILY;BYHOUR=23,0", tue19, 120, models.ErrRuleOverlap, ""}, // across midnight
		{"FREQ=DAILY;BYHOUR=10,19", tue19, 120, models.ErrRuleTwiceADay, ""},
		{"FREQ=WEEKLY;BYDAY=TU;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,10,20,30,40,50", tue19, 5, models.ErrRuleTwiceADay, ""},
		{"FREQ=DAILY", tue19, 1440, models.ErrRuleOverlap, ""}, // 28 March 2027 has 23 hours
		{"FREQ=DAILY", tue19, 1380, nil, "FREQ=DAILY"},
		{"FREQ=DAILY;COUNT=100000000", tue19, 120, nil, "FREQ=DAILY;COUNT=100000000"},
		{"FREQ=DAILY;UNTIL=99991231T000000Z", tue19, 120, nil, "FREQ=DAILY;UNTIL=99991231T000000Z"},
		{"FREQ=WEEKLY;BYDAY=TU;BYHOUR=19;BYMINUTE=0", tue19, 120, nil, "FREQ=WEEKLY;BYDAY=TU"},
		{"FREQ=WEEKLY;BYDAY=TU;BYHOUR=18", tue19, 120, models.ErrRuleFirst, ""},
		{"FREQ=WEEKLY;BYDAY=MO", tue19, 120, models.ErrRuleFirst, ""},
		{"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", tue19, 120, models.ErrRuleFirst, ""},
		{"FREQ=DAILY;BYEASTER=0", tue19, 120, models.ErrBadRule, ""},
		{"FREQ=DAILY;BYHOUR=25", tue19, 120, models.ErrBadRule, ""},
		{"FREQ=DAILY;FREQ=WEEKLY", tue19, 120, models.ErrBadRule, ""},
		{"FREQ=DAILY;INTERVAL=-1", tue19, 120, models.ErrBadRule, ""},
	} {
		kept, err := models.CheckSeriesRule(c.rule, c.first, c.minutes)
		if !errors.Is(err, c.want) || (c.want == nil && kept != c.kept) {
			t.Errorf("%s for %d minutes: %q, %v; want %q, %v", c.rule, c.minutes, kept, err, c.kept, c.want)
		}
		if err != nil && models.KindOf(err) != models.KindInvalid {
			t.Errorf("%s: an error of kind %v", c.rule, models.KindOf(err))
		}
	}
}

// A rule is walked one occurrence at a time and the walk stops at the cap
// or the window's end, however far its COUNT or UNTIL reach; a rule more
// often than daily is not walked at all.
func TestSeriesOccurrencesBounded(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/London")
	first := time.Date(2027, 1, 5, 19, 0, 0, 0, loc)
	for _, rule := range []string{"FREQ=DAILY;COUNT=100000000", "FREQ=DAILY;UNTIL=99991231T000000Z", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU"} {
		sr := models.Series{Rule: rule, FirstStart: first}
		began := time.Now()
		starts, err := sr.Occurrences(first, first.AddDate(100, 0, 0), loc)
		if err != nil || len(starts) != models.MaxSeriesNights || time.Since(began) > time.Second {
			t.Errorf("%s over a century: %d starts in %v (%v)", rule, len(starts), time.Since(began), err)
		}
	}
	for _, rule := range []string{"FREQ=SECONDLY", "FREQ=MINUTELY", "FREQ=HOURLY"} {
		sr := models.Series{Rule: rule, FirstStart: first}
		if starts, err := sr.Occurrences(first, first.Add(models.SeriesHorizon), loc); !errors.Is(err, models.ErrRuleTooOften) || len(starts) != 0 {
			t.Errorf("%s: %d starts, %v", rule, len(starts), err)
		}
	}
}

// seriesCounts are how many series there are, and nights of series.
func seriesCounts(t *testing.T, f fixture) (series, nights int) {
	t.Helper()
	if err := f.s.DB.QueryRow(`SELECT (SELECT count(*) FROM series), (SELECT count(*) FROM events WHERE series_id IS NOT NULL)`).Scan(&series, &nights); err != nil {
		t.Fatal(err)
	}
	return series, nights
}

// tomorrowAt is tomorrow at hour, London time.
func tomorrowAt(hour int) time.Time {
	loc, _ := time.LoadLocation("Europe/London")
	y, m, d := time.Now().In(loc).AddDate(0, 0, 1).Date()
	return time.Date(y, m, d, hour, 0, 0, 0, loc)
}

// startSeries starts a series of rule from first, or fails the test.
func startSeries(t *testing.T, f fixture, rule string, first time.Time, minutes int) int64 {
	t.Helper()
	var venue int64
	f.s.DB.Get(&venue, `SELECT id FROM venues`)
	id, err := f.s.CreateSeries(context.Background(), models.NewSeries{VenueID: venue, HostID: f.host.ID, Title: "Talk", Rule: rule,
		Pattern: rule, FirstStart: first, Minutes: minutes, Capacity: 10})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// A rule that would make nights by the second, minute or hour, or two
// overlapping nights a day, is refused when a series starts, and nothing
// is written.
func TestCreateSeriesRefusesFloods(t *testing.T) {
	f := newFixture(t, 10)
	var venue int64
	f.s.DB.Get(&venue, `SELECT id FROM venues`)
	for _, c := range []struct {
		rule string
		want error
	}{
		{"FREQ=HOURLY", models.ErrRuleTooOften},
		{"FREQ=MINUTELY", models.ErrRuleTooOften},
		{"FREQ=SECONDLY", models.ErrRuleTooOften},
		{"FREQ=DAILY;BYHOUR=18,19", models.ErrRuleOverlap},
	} {
		_, err := f.s.CreateSeries(context.Background(), models.NewSeries{VenueID: venue, HostID: f.host.ID, Title: "Flood", Rule: c.rule,
			Pattern: c.rule, FirstStart: tomorrowAt(18), Minutes: 120, Capacity: 10})
		if !errors.Is(err, c.want) {
			t.Fatalf("%s: %v, want %v", c.rule, err, c.want)
		}
		if series, nights := seriesCounts(t, f); series != 0 || nights != 0 {
			t.Fatalf("%s refused, yet %d series and %d nights", c.rule, series, nights)
		}
	}
}

// A series never has more than MaxSeriesNights nights to come, and the job
// never makes a night that overlaps another of the series, however the
// series' nights came to be.
func TestSeriesNightsCapped(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	now := time.Now()
	id := startSeries(t, f, "FREQ=DAILY", tomorrowAt(19), 120)
	// Nights that got in another way (made before the cap, say), far
	// beyond the horizon: three short of the cap.
	f.s.DB.MustExec(`
		INSERT INTO events (venue_id, host_id, title, description, starts_at, ends_at, capacity, status, published_at,
		                    created_at, updated_at, hold_minutes, series_id, occurrence)
		SELECT venue_id, host_id, title, '', t, t + interval '2 hours', 10, 'published', $2, $2, $2, 30, id, t
		FROM series, generate_series($3::timestamptz, $3::timestamptz + ($4 - 1) * interval '1 day', interval '1 day') t
		WHERE id = $1`, id, now, now.Add(200*24*time.Hour), models.MaxSeriesNights-3)
	if n, err := f.s.At(now).MakeSeriesNights(ctx); err != nil || n != 3 {
		t.Fatalf("made %d nights (%v), want the 3 the cap leaves room for", n, err)
	}
	var open int
	f.s.DB.Get(&open, `SELECT count(*) FROM events WHERE series_id = $1 AND ends_at > $2`, id, now)
	if open != models.MaxSeriesNights {
		t.Fatalf("%d nights to come, want %d", open, models.MaxSeriesNights)
	}
	if n, _ := f.s.At(now).MakeSeriesNights(ctx); n != 0 {
		t.Fatalf("a full series got %d more nights", n)
	}

	// A daily series alone: one night a day, none overlapping. A night
	// moved by hand into the next day's keeps that one from being made.
	f2 := newFixture(t, 10)
	daily := startSeries(t, f2, "FREQ=DAILY", tomorrowAt(19), 120)
	if n, err := f2.s.At(now).MakeSeriesNights(ctx); err != nil || n < 55 || n > 57 {
		t.Fatalf("a daily series made %d nights (%v)", n, err)
	}
	nights, _ := f2.s.At(now).SeriesNights(ctx, daily)
	for i := 1; i < len(nights); i++ {
		if nights[i].StartsAt.Before(nights[i-1].EndsAt) || nights[i].StartsAt.Sub(nights[i-1].StartsAt) < 23*time.Hour {
			t.Fatalf("nights %d and %d: %v, %v", i-1, i, nights[i-1].StartsAt, nights[i].StartsAt)
		}
	}
	last := nights[len(nights)-1]
	f2.s.DB.MustExec(`UPDATE events SET starts_at = starts_at + interval '20 hours', ends_at = starts_at + interval '26 hours' WHERE id = $1`, last.ID)
	if n, err := f2.s.At(now.Add(24 * time.Hour)).MakeSeriesNights(ctx); err != nil || n != 0 {
		t.Fatalf("a day on, %d nights made (%v); the next would overlap the moved one", n, err)
	}
}

// A rule kept from before the limits (inserted as it was) makes no nights:
// the job reports it and goes on with the other series.
func TestSeriesJobRefusesRulesFromBefore(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	now := time.Now()
	good := startSeries(t, f, "FREQ=WEEKLY", tomorrowAt(19), 120)
	var bad []int64
	for _, rule := range []string{"FREQ=HOURLY", "FREQ=DAILY;BYHOUR=18,19"} {
		var id int64
		if err := f.s.DB.Get(&id, `
			INSERT INTO series (venue_id, host_id, title, description, rule, pattern, first_start, minutes, capacity, status, created_at, updated_at)
			SELECT venue_id, host_id, 'Old', '', $1, $1, $2, 120, 10, 'active', $3, $3 FROM series WHERE id = $4 RETURNING id`,
			rule, tomorrowAt(18), now, good); err != nil {
			t.Fatal(err)
		}
		bad = append(bad, id)
	}
	n, err := f.s.At(now).MakeSeriesNights(ctx)
	if n != 8 || !errors.Is(err, models.ErrRuleTooOften) || !errors.Is(err, models.ErrRuleOverlap) {
		t.Fatalf("made %d nights, %v; want the weekly series' 8 and both old rules refused", n, err)
	}
	for _, id := range bad {
		if nights, _ := f.s.At(now).SeriesNights(ctx, id); len(nights) != 0 || !strings.Contains(err.Error(), fmt.Sprintf("series %d:", id)) {
			t.Fatalf("series %d: %d nights, %v", id, len(nights), err)
		}
	}
}

// Nights made so long that they would overlap the next are refused by an
// edit of the series, which then changes nothing: a daily night of 24 hours
// overlaps the next where the clocks go forward.
func TestUpdateSeriesRefusesOverlap(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	now := time.Now()
	id := startSeries(t, f, "FREQ=DAILY", tomorrowAt(19), 120)
	if _, err := f.s.At(now).MakeSeriesNights(ctx); err != nil {
		t.Fatal(err)
	}
	before, _ := f.s.At(now).SeriesNights(ctx, id)
	_, err := f.s.At(now).UpdateSeries(ctx, id, f.host.ID, models.SeriesChange{Title: "Talk", Capacity: 10, Minutes: 24 * 60})
	if !errors.Is(err, models.ErrRuleOverlap) {
		t.Fatalf("24-hour nights a day apart: %v", err)
	}
	sr, _ := f.s.SeriesByID(ctx, id)
	nights, _ := f.s.At(now).SeriesNights(ctx, id)
	if sr.Minutes != 120 || len(nights) != len(before) || nights[0].EndsAt.Sub(nights[0].StartsAt) != 2*time.Hour {
		t.Fatalf("after a refused edit: %d minutes, %d nights, the first %v long", sr.Minutes, len(nights), nights[0].EndsAt.Sub(nights[0].StartsAt))
	}
}

// Whether a first night is its rule's first is decided as a walk from it
// decides, for days all over the calendar (the check itself looks for it
// in another century with the same calendar).
func TestSeriesRuleFirstNight(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/London")
	rules := []string{"FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=+2WE",
		"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
		"FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO", "FREQ=DAILY;INTERVAL=3;BYDAY=SA,SU", "FREQ=MONTHLY;BYDAY=+5TU", "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270301T000000Z"}
	for _, rule := range rules {
		for day := time.Date(2027, 12, 20, 19, 30, 0, 0, loc); day.Year() < 2029; day = day.AddDate(0, 0, 1) {
			opt, _ := rrule.StrToROptionInLocation("RRULE:"+rule, loc)
			opt.Dtstart = day
			r, _ := rrule.NewRRule(*opt)
			at, ok := r.Iterator()()
			want := ok && at.Equal(day)
			_, err := models.CheckSeriesRule(rule, day, 120)
			if got := err == nil; got != want || err != nil && !errors.Is(err, models.ErrRuleFirst) {
				t.Fatalf("%s from %v: %v, want first night %v", rule, day, err, want)
			}
		}
	}
}
