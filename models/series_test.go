package models_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// A weekly series makes its nights eight weeks ahead, at 19:00 the venue's
// time across a change of clocks, once however many instances run the job;
// followers hear of each new night once; a skipped night is not made again;
// editing the series edits the nights to come; an ended series makes no more.
func TestWeeklySeries(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Europe/London")
	var venue int64
	f.s.DB.Get(&venue, `SELECT id FROM venues`)
	now := time.Now()
	f.s.SetClock(func() time.Time { return now })
	y, m, d := now.In(loc).AddDate(0, 0, 1).Date()
	first := time.Date(y, m, d, 19, 0, 0, 0, loc)
	rule, pattern, err := models.SeriesRule("weekly", first, "")
	if err != nil || pattern != "Every "+first.Weekday().String()+" at 19:00" {
		t.Fatalf("rule %q, %q, %v", rule, pattern, err)
	}
	id, err := f.s.CreateSeries(ctx, models.NewSeries{VenueID: venue, HostID: f.host.ID, Title: "How To Be Human", Description: "Talk.",
		Rule: rule, Pattern: pattern, FirstStart: first, Minutes: 120, Capacity: 20})
	if err != nil {
		t.Fatal(err)
	}
	fan := f.guests(t, 1)[0]
	if err := f.s.Follow(ctx, id, fan.ID, true); err != nil {
		t.Fatal(err)
	}
	other := &models.Store{DB: f.s.DB}
	var wg sync.WaitGroup
	for _, s := range []*models.Store{f.s, other, f.s, other} {
		wg.Go(func() {
			if _, err := s.At(now).MakeSeriesNights(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	nights, _ := f.s.SeriesNights(ctx, id)
	if len(nights) != 8 {
		t.Fatalf("%d nights made, want 8 (eight weeks ahead)", len(nights))
	}
	for i, e := range nights {
		if local := e.StartsAt.In(loc); local.Hour() != 19 || local.Minute() != 0 || local.Weekday() != first.Weekday() ||
			e.Status != models.EventPublished || e.Capacity != 20 || e.EndsAt.Sub(e.StartsAt) != 2*time.Hour {
			t.Fatalf("night %d: %v (%s, %d seats)", i, local, e.Status, e.Capacity)
		}
	}
	var told int
	f.s.DB.Get(&told, `SELECT count(*) FROM outbox WHERE kind = $1 AND to_email = $2`, models.MsgNewNight, fan.Email)
	if told != 8 {
		t.Fatalf("the follower got %d emails for 8 new nights", told)
	}

	// Skip the third; a week later the job makes the ninth, not the third again.
	if _, err := f.s.CancelEvent(ctx, nights[2].ID, f.host.ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.s.MakeSeriesNights(ctx); n != 0 {
		t.Fatalf("made %d nights again", n)
	}
	if n, _ := f.s.At(now.Add(7 * 24 * time.Hour)).MakeSeriesNights(ctx); n != 1 {
		t.Fatalf("a week on: %d new nights, want 1", n)
	}

	// Edit all future nights: the title and seats change on every night to come.
	if n, err := f.s.UpdateSeries(ctx, id, f.host.ID, models.SeriesChange{Title: "How To Be Human (again)", Description: "Talk more.", Capacity: 25}); err != nil || n != 8 {
		t.Fatalf("updated %d nights (%v), want the 8 not cancelled", n, err)
	}
	nights, _ = f.s.SeriesNights(ctx, id)
	for _, e := range nights {
		if e.Status != models.EventCancelled && (e.Title != "How To Be Human (again)" || e.Capacity != 25) {
			t.Fatalf("a night after the edit: %q, %d seats", e.Title, e.Capacity)
		}
	}

	// Move every night to come to 20:30 for 90 minutes: each keeps its day,
	// the skipped one stays skipped, and the job makes none of them again.
	before := len(nights)
	half := 20*time.Hour + 30*time.Minute
	if n, err := f.s.UpdateSeries(ctx, id, f.host.ID, models.SeriesChange{Title: "How To Be Human (again)", Description: "Talk more.",
		Capacity: 25, At: &half, Minutes: 90}); err != nil || n != 8 {
		t.Fatalf("moved %d nights (%v), want the 8 not cancelled", n, err)
	}
	moved, _ := f.s.SeriesNights(ctx, id)
	if len(moved) != before {
		t.Fatalf("%d nights after the move, %d before", len(moved), before)
	}
	for i, e := range moved {
		local := e.StartsAt.In(loc)
		if (i == 2) != (e.Status == models.EventCancelled) {
			t.Fatalf("night %d after the move: %s", i, e.Status)
		}
		if i != 2 && (local.Hour() != 20 || local.Minute() != 30 || local.Weekday() != first.Weekday() || e.EndsAt.Sub(e.StartsAt) != 90*time.Minute) {
			t.Fatalf("night %d after the move: %v for %v (%s)", i, local, e.EndsAt.Sub(e.StartsAt), e.Status)
		}
	}
	for _, at := range []time.Time{now, now.Add(7 * 24 * time.Hour)} {
		if n, err := f.s.At(at).MakeSeriesNights(ctx); err != nil || n != 0 {
			t.Fatalf("after the move the job made %d nights (%v)", n, err)
		}
	}
	if sr, _ := f.s.SeriesByID(ctx, id); sr.Pattern != "Every "+first.Weekday().String()+" at 20:30" || sr.Minutes != 90 {
		t.Fatalf("the series after the move: %q, %d minutes", sr.Pattern, sr.Minutes)
	}
	if n, _ := f.s.At(now.Add(14 * 24 * time.Hour)).MakeSeriesNights(ctx); n != 1 {
		t.Fatalf("two weeks on: %d new nights, want 1", n)
	}
	if last, _ := f.s.SeriesNights(ctx, id); last[len(last)-1].StartsAt.In(loc).Hour() != 20 {
		t.Fatalf("the next new night starts at %v", last[len(last)-1].StartsAt.In(loc))
	}

	if err := f.s.EndSeries(ctx, id, f.host.ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.s.At(now.Add(30 * 24 * time.Hour)).MakeSeriesNights(ctx); n != 0 {
		t.Fatalf("an ended series made %d nights", n)
	}
}

func TestSeriesRules(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/London")
	for _, c := range []struct {
		repeat, custom string
		first          time.Time
		rule, pattern  string
	}{
		{"fortnightly", "", time.Date(2027, 1, 5, 19, 0, 0, 0, loc), "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "Every other Tuesday at 19:00"},
		{"monthly", "", time.Date(2027, 1, 1, 18, 30, 0, 0, loc), "FREQ=MONTHLY;BYDAY=+1FR", "The first Friday of every month at 18:30"},
		{"monthly", "", time.Date(2027, 1, 26, 19, 0, 0, 0, loc), "FREQ=MONTHLY;BYDAY=-1TU", "The last Tuesday of every month at 19:00"},
		{"custom", "rrule:freq=monthly;bymonthday=15", time.Date(2027, 1, 15, 19, 0, 0, 0, loc), "FREQ=MONTHLY;BYMONTHDAY=15", "By the rule FREQ=MONTHLY;BYMONTHDAY=15, at 19:00"},
	} {
		rule, pattern, err := models.SeriesRule(c.repeat, c.first, c.custom)
		if err != nil || rule != c.rule || pattern != c.pattern {
			t.Errorf("%s %q: %q %q %v", c.repeat, c.custom, rule, pattern, err)
		}
	}
	// Across the change to summer time (28 March 2027), still 19:00 in London.
	spring := models.Series{Rule: "FREQ=WEEKLY;BYDAY=TU", FirstStart: time.Date(2027, 3, 16, 19, 0, 0, 0, loc)}
	starts, err := spring.Occurrences(spring.FirstStart, spring.FirstStart.Add(27*24*time.Hour), loc)
	if err != nil || len(starts) != 4 {
		t.Fatalf("%d occurrences, %v", len(starts), err)
	}
	for _, at := range starts {
		if l := at.In(loc); l.Hour() != 19 || l.Weekday() != time.Tuesday {
			t.Fatalf("an occurrence at %v", l)
		}
	}
	if starts[0].UTC().Hour() != 19 || starts[3].UTC().Hour() != 18 {
		t.Fatalf("the clocks did not change under it: %v, %v", starts[0].UTC(), starts[3].UTC())
	}
	for _, bad := range []string{"", "every tuesday", "FREQ=WEEKLY\nDTSTART:20270101", "FREQ=SOMETIMES"} {
		if _, _, err := models.SeriesRule("custom", time.Now(), bad); err == nil {
			t.Errorf("the rule %q was taken", bad)
		}
	}
}
