package handlers

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/testkit/testdb"
	"github.com/clockroom/clockroom/models"
)

// Two server instances on one database; 300 people press RSVP at once on
// both (600 requests) for 40 seats. Then 10 confirmed guests cancel at once.
func TestRSVPRaceAcrossTwoInstances(t *testing.T) {
	const people, seats, cancels = 300, 40, 10
	db := testdb.New(t)
	a := newTestAppOn(t, db, nil)
	b := newTestAppOn(t, db, nil)
	v := a.venue(t)
	host := a.user(t, "host@example.com", models.RoleHost)
	e := a.event(t, v, host, "Hot night", seats)

	// Sign everyone in through instance A; sessions live in the database, so
	// the same cookie works on B.
	clients := make([]*client, people)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range people {
		a.user(t, fmt.Sprintf("p%03d@example.com", i), models.RoleAttendee)
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c := a.client(t)
			c.login(fmt.Sprintf("p%03d@example.com", i))
			clients[i] = c
		})
	}
	wg.Wait()

	locations := make([][2]string, people)
	failures := make(chan string, 2*people)
	start := make(chan struct{})
	for i, c := range clients {
		for j, base := range []string{a.srv.URL, b.srv.URL} {
			wg.Go(func() {
				<-start
				loc, err := postOnce(c, base, fmt.Sprintf("/events/%d/rsvp", e.ID))
				if err != nil {
					failures <- err.Error()
					return
				}
				locations[i][j] = loc
			})
		}
	}
	close(start)
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Fatal(f)
	}
	for i, l := range locations {
		if l[0] != l[1] {
			t.Fatalf("person %d got two different tickets: %s and %s", i, l[0], l[1])
		}
	}

	guests, err := a.store.GuestList(t.Context(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	confirmed, positions := 0, []int{}
	seen := map[string]bool{}
	for _, g := range guests {
		if seen[g.Email] {
			t.Fatalf("duplicate RSVP for %s", g.Email)
		}
		seen[g.Email] = true
		switch g.Status {
		case models.RSVPConfirmed:
			confirmed++
		case models.RSVPWaitlisted:
			positions = append(positions, g.WaitlistPosition)
		}
	}
	if len(guests) != people || confirmed != seats || len(positions) != people-seats {
		t.Fatalf("%d RSVPs: %d confirmed, %d waitlisted; want %d, %d, %d", len(guests), confirmed, len(positions), people, seats, people-seats)
	}
	wantPositions(t, positions, people-seats)
	ev, _ := a.store.EventByID(t.Context(), e.ID)
	if ev.ConfirmedCount != seats || ev.WaitlistCount != people-seats {
		t.Fatalf("counters %d/%d", ev.ConfirmedCount, ev.WaitlistCount)
	}

	// The first ten waitlisted, in order, are the ones who must be promoted.
	var nextInLine []string
	var toCancel []int
	for _, g := range guests {
		if g.Status == models.RSVPWaitlisted && g.WaitlistPosition <= cancels {
			nextInLine = append(nextInLine, g.Email)
		}
	}
	for i := range clients {
		if len(toCancel) < cancels && slices.ContainsFunc(guests, func(g models.Guest) bool {
			return g.Email == fmt.Sprintf("p%03d@example.com", i) && g.Status == models.RSVPConfirmed
		}) {
			toCancel = append(toCancel, i)
		}
	}
	start = make(chan struct{})
	errs := make(chan error, 2*cancels)
	for k, i := range toCancel {
		base := []string{a.srv.URL, b.srv.URL}[k%2]
		wg.Go(func() {
			<-start
			if _, err := postOnce(clients[i], base, locations[i][0]+"/cancel"); err != nil {
				errs <- err
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	after, _ := a.store.GuestList(t.Context(), e.ID)
	var promoted []string
	positions = positions[:0]
	confirmed = 0
	for _, g := range after {
		switch g.Status {
		case models.RSVPConfirmed:
			confirmed++
			if slices.Contains(nextInLine, g.Email) {
				promoted = append(promoted, g.Email)
			}
		case models.RSVPWaitlisted:
			positions = append(positions, g.WaitlistPosition)
		}
	}
	slices.Sort(promoted)
	slices.Sort(nextInLine)
	if confirmed != seats || !slices.Equal(promoted, nextInLine) {
		t.Fatalf("after %d cancels: %d confirmed; promoted %v, want the first %d in line %v", cancels, confirmed, promoted, cancels, nextInLine)
	}
	wantPositions(t, positions, people-seats-cancels)
}

// postOnce posts a CSRF-protected form as c's user to another instance and
// returns where it redirected.
func postOnce(c *client, base, path string) (string, error) {
	jar := c.http.Jar.(*cookiejar.Jar)
	hc := &http.Client{Jar: jar, Timeout: 60 * time.Second, CheckRedirect: c.http.CheckRedirect}
	res, err := hc.PostForm(base+path, url.Values{"_csrf": {c.csrf}})
	if err != nil {
		return "", err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("POST %s on %s: status %d", path, base, res.StatusCode)
	}
	return res.Header.Get("Location"), nil
}

func wantPositions(t testing.TB, positions []int, n int) {
	t.Helper()
	slices.Sort(positions)
	if len(positions) != n {
		t.Fatalf("%d waitlist positions, want %d", len(positions), n)
	}
	for i, p := range positions {
		if p != i+1 {
			t.Fatalf("waitlist positions are not 1..%d: position %d is %d", n, i+1, p)
		}
	}
}
