package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// doorSearchTerm is what the door's name search probe types: part of a
// name, in the wrong case, that matches a few of tonight's guests (Guest 42
// and Guest 420 to 429 among 1,000).
const doorSearchTerm = "guest 42"

// guestList fetches the guest list page of tonight's night as door staff
// would: every RSVP with its first check-in.
func (b *bench) guestList(ctx context.Context, rec *recorder, as *identity) {
	timed(rec, func() (int, error) {
		status, _, err := b.http.do(ctx, http.MethodGet, "/host/events/"+strconv.FormatInt(b.f.tonight, 10)+"/guests", "", "", as)
		return status, err
	})
}

// doorSearch runs the door's name search on tonight's night and checks that
// it found exactly the guests whose names hold the term.
func (b *bench) doorSearch(ctx context.Context, rec *recorder, as *identity) {
	want := b.searchMatches()
	timed(rec, func() (int, error) {
		status, body, err := b.http.do(ctx, http.MethodGet, "/api/v1/events/"+strconv.FormatInt(b.f.tonight, 10)+"/guests?q="+url.QueryEscape(doorSearchTerm), "", "", as)
		if err != nil || status != http.StatusOK {
			return status, err
		}
		var found []json.RawMessage
		if err := json.Unmarshal([]byte(body), &found); err != nil {
			return status, fmt.Errorf("door search answered %q: %w", body, err)
		}
		if len(found) != want {
			return status, fmt.Errorf("door search for %q found %d guests, want %d", doorSearchTerm, len(found), want)
		}
		return status, nil
	})
}

// yearReport fetches the staff reports page for the year to today: every
// night of it, its charts and the community's figures.
func (b *bench) yearReport(ctx context.Context, rec *recorder, as *identity) {
	to := time.Now()
	path := "/staff/reports?from=" + to.AddDate(-1, 0, 0).Format(time.DateOnly) + "&to=" + to.Format(time.DateOnly)
	timed(rec, func() (int, error) {
		status, _, err := b.http.do(ctx, http.MethodGet, path, "", "", as)
		return status, err
	})
}

// searchMatches is how many of tonight's guests the door search term
// matches: the fixtures name attendee i "Guest i", and all hold a ticket.
func (b *bench) searchMatches() int {
	n := 0
	for i := 1; i <= len(b.f.users); i++ {
		if strings.Contains("guest "+strconv.Itoa(i), doorSearchTerm) {
			n++
		}
	}
	return n
}

// tonightSize counts the RSVPs and visits of tonight's night, the night the
// guest list and door search probes read.
func (b *bench) tonightSize(ctx context.Context) (rsvps, visits int64, err error) {
	var n struct {
		RSVPs  int64 `db:"rsvps"`
		Visits int64 `db:"visits"`
	}
	err = b.db.GetContext(ctx, &n, `SELECT (SELECT count(*) FROM rsvps WHERE event_id = $1) AS rsvps,
		(SELECT count(*) FROM visits WHERE event_id = $1) AS visits`, b.f.tonight)
	return n.RSVPs, n.Visits, err
}
