package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// venue creates the install's venue.
func (ta *testApp) venue(t testing.TB) models.Venue { return ta.venueWith(t, 60) }

// venueWith creates the venue with a room limit and the demo tariff: 8p a
// minute, 5 minutes' grace, at least £3, at most £24 a day.
func (ta *testApp) venueWith(t testing.TB, room int) models.Venue {
	t.Helper()
	minimum, daily := int64(300), int64(2400)
	v, err := ta.store.CreateVenue(t.Context(), models.Venue{Name: "Test Café", TimeZone: "Europe/London", Currency: "GBP", RoomCapacity: room,
		Tariff: models.Tariff{PerMinute: 8, MinimumCharge: &minimum, DailyCap: &daily, GraceMinutes: 5}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// event creates a published event hosted by host that starts tomorrow.
func (ta *testApp) event(t testing.TB, v models.Venue, host models.User, title string, capacity int) models.Event {
	t.Helper()
	start := time.Now().Add(24 * time.Hour).Truncate(time.Minute)
	id, err := ta.store.CreateEvent(t.Context(), models.NewEvent{VenueID: v.ID, HostID: host.ID, Status: models.EventPublished,
		EventInput: models.EventInput{Title: title, Description: "About " + title, StartsAt: start, EndsAt: start.Add(2 * time.Hour), Capacity: capacity}})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := ta.store.EventByID(t.Context(), id)
	return e
}

// signedIn creates a user with role and returns a signed-in client.
func (ta *testApp) signedIn(t testing.TB, email string, role models.Role) (*client, models.User) {
	t.Helper()
	u := ta.user(t, email, role)
	c := ta.client(t)
	c.login(email)
	return c, u
}

// rsvp posts an RSVP and returns the ticket path it redirects to.
func (c *client) rsvp(eventID int64) string {
	c.t.Helper()
	res := c.post(fmt.Sprintf("/events/%d/rsvp", eventID), nil)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/tickets/") {
		c.t.Fatalf("RSVP: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	return res.Header.Get("Location")
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}
