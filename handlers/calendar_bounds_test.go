package handlers

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// The calendar feed holds at most feedMaxEvents nights, of a window that
// ends feedAhead from now; a series' calendar at most MaxSeriesNights, even
// of a series that got more nights before the cap.
func TestCalendarFeedBounded(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	now := time.Now()
	ta.store.DB.MustExec(`
		INSERT INTO events (venue_id, host_id, title, description, starts_at, ends_at, capacity, status, published_at, created_at, updated_at, hold_minutes)
		SELECT $1, $2, 'Night ' || i, '', $3::timestamptz + i * interval '1 hour', $3::timestamptz + i * interval '1 hour' + interval '30 minutes',
		       10, 'published', $3, $3, $3, 30
		FROM generate_series(1, $4) i`, v.ID, host.ID, now, feedMaxEvents+5)
	far := ta.event(t, v, host, "Two years on", 10)
	ta.store.DB.MustExec(`UPDATE events SET starts_at = $2, ends_at = $3 WHERE id = $1`, far.ID, now.AddDate(2, 0, 0), now.AddDate(2, 0, 0).Add(time.Hour))

	c := ta.client(t)
	res := c.get("/events.ics")
	wantStatus(t, res, http.StatusOK)
	if n := strings.Count(res.body, "BEGIN:VEVENT"); n != feedMaxEvents {
		t.Fatalf("the feed holds %d nights, want %d", n, feedMaxEvents)
	}
	if strings.Contains(res.body, "Two years on") || strings.Contains(res.body, "Night "+itoa(feedMaxEvents+1)+"\r\n") {
		t.Fatal("the feed holds a night past its bounds")
	}

	// A series from before the cap, with 70 nights to come.
	var series int64
	if err := ta.store.DB.Get(&series, `
		INSERT INTO series (venue_id, host_id, title, description, rule, pattern, first_start, minutes, capacity, status, created_at, updated_at)
		VALUES ($1, $2, 'Old', '', 'FREQ=HOURLY', 'Hourly', $3, 30, 10, 'active', $3, $3) RETURNING id`, v.ID, host.ID, now); err != nil {
		t.Fatal(err)
	}
	ta.store.DB.MustExec(`
		INSERT INTO events (venue_id, host_id, title, description, starts_at, ends_at, capacity, status, published_at, created_at, updated_at,
		                    hold_minutes, series_id, occurrence)
		SELECT $1, $2, 'Old', '', $3::timestamptz + i * interval '1 hour', $3::timestamptz + i * interval '1 hour' + interval '30 minutes',
		       10, 'published', $3, $3, $3, 30, $4, $3::timestamptz + i * interval '1 hour'
		FROM generate_series(1, 70) i`, v.ID, host.ID, now, series)
	res = c.get("/series/" + itoa(series) + ".ics")
	wantStatus(t, res, http.StatusOK)
	if n := strings.Count(res.body, "BEGIN:VEVENT"); n != models.MaxSeriesNights {
		t.Fatalf("the series' calendar holds %d nights, want %d", n, models.MaxSeriesNights)
	}
}
