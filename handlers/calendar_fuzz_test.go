package handlers

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/clockroom/clockroom/models"
)

// The calendar encodes any title, description and venue name people can
// type (a textarea sends CRLF), and what it writes reads back.
func FuzzEncodeICS(f *testing.F) {
	for _, seed := range []string{"Tea\r\nand talk", "line\rbreak", "tab\there", "nul\x00byte", "bell\a", "emoji 🕰️", "semi;colon,comma\\", "\xff\xfe", strings.Repeat("long ", 40)} {
		f.Add(seed, seed)
	}
	f.Fuzz(func(t *testing.T, title, description string) {
		checkICS(t, title, description)
	})
}

// A deterministic sweep of random text, so make test covers more than the
// fuzz seeds.
func TestEncodeICSRandomText(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		b := make([]rune, r.IntN(120))
		for i := range b {
			if r.IntN(4) == 0 {
				b[i] = rune(r.IntN(0x20)) // control characters, CR and LF among them
			} else {
				b[i] = rune(r.IntN(0x3000))
			}
		}
		checkICS(t, string(b), string(b[:len(b)/2])+"\r\n"+string(b[len(b)/2:]))
	}
}

func checkICS(t *testing.T, title, description string) {
	t.Helper()
	start := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	e := models.Event{ID: 1, Title: title, Description: description, HostName: "Host", StartsAt: start, EndsAt: start.Add(2 * time.Hour), Status: models.EventPublished}
	body, err := encodeICS([]models.Event{e}, "Café "+title, "http://localhost:8080", "localhost", start)
	if err != nil {
		t.Fatalf("encode %q: %v", title, err)
	}
	cal, err := ical.NewDecoder(strings.NewReader(string(body))).Decode()
	if err != nil {
		t.Fatalf("the calendar for %q does not read back: %v\n%s", title, err, body)
	}
	if evs := cal.Events(); len(evs) != 1 {
		t.Fatalf("%d events read back", len(evs))
	}
}

// A description typed in the browser's textarea (CRLF line breaks) is served
// in the night's calendar file and the feed.
func TestCalendarServesMultiLineDescriptions(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	e := ta.event(t, v, host, "Tea", 10)
	ta.store.DB.MustExec(`UPDATE events SET description = $2 WHERE id = $1`, e.ID, "First line.\r\n\r\nSecond; with, commas.\x07")
	c := ta.client(t)
	for _, path := range []string{fmt.Sprintf("/events/%d.ics", e.ID), "/events.ics"} {
		res := c.get(path)
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, `First line.\n\nSecond\; with\, commas.`)
	}
}
