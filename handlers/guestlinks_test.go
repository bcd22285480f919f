package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// reserveAt RSVPs u to e as of at and returns the RSVP.
func (ta *testApp) reserveAt(t testing.TB, e models.Event, u models.User, at time.Time) models.RSVP {
	t.Helper()
	r, err := ta.store.At(at).Reserve(t.Context(), e.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// emailedLink is the last link to path (such as "/feedback/") in the last
// message of kind to email.
func (ta *testApp) emailedLink(t testing.TB, email, kind, path string) string {
	t.Helper()
	ms, err := ta.store.MessagesTo(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Kind != kind {
			continue
		}
		links := regexp.MustCompile(`http\S+`+regexp.QuoteMeta(path)+`[^\s?]+`).FindAllString(ms[i].Body, -1)
		if len(links) == 0 {
			t.Fatalf("no %s link in the %s email:\n%s", path, kind, ms[i].Body)
		}
		u, _ := url.Parse(links[len(links)-1])
		return u.Path
	}
	t.Fatalf("no %s email to %s", kind, email)
	return ""
}

// The feedback form opens only with the token of the feedback email: the
// ticket code, which the host sees at the door, is refused and changes
// nothing, and so is the give-away token. With the emailed token the guest
// answers once, and opening the link changes nothing.
func TestFeedbackOnlyByTheEmailedToken(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	e := ta.startedAgo(t, v, host, 10, 5*time.Hour)
	r := ta.reserveAt(t, e, ta.user(t, "ada@example.com", models.RoleAttendee), e.StartsAt.Add(-time.Hour))
	in := e.StartsAt.Add(time.Minute)
	if _, err := ta.store.At(in).Scan(t.Context(), models.ScanRequest{EventID: e.ID, TicketID: r.TicketID, Direction: models.ScanIn, Key: "feedback-token"}); err != nil {
		t.Fatal(err)
	}
	if n, err := ta.store.At(time.Now().Add(36 * time.Hour)).QueueFeedbackRequests(t.Context()); err != nil || n != 1 {
		t.Fatalf("feedback requests: %d %v", n, err)
	}
	link := ta.emailedLink(t, "ada@example.com", models.MsgFeedback, "/feedback/")
	code := ta.store.Tickets.Code(r.TicketID)
	if strings.Contains(link, code) {
		t.Fatalf("the feedback link holds the ticket code: %s", link)
	}

	c := ta.client(t)
	c.get("/login") // a CSRF token, as a browser would have
	giveAway := "/give-away/" + ta.store.Tickets.GuestToken(models.LinkGiveAway, r.ID)
	for _, path := range []string{"/tickets/" + code + "/feedback", "/feedback/" + code, strings.Replace(giveAway, "/give-away/", "/feedback/", 1)} {
		if res := c.get(path); res.StatusCode != http.StatusNotFound || strings.Contains(res.body, `name="rating"`) {
			t.Fatalf("GET %s: %d, want the form refused\n%s", path, res.StatusCode, res.body)
		}
		if res := c.post(path, url.Values{"rating": {"1"}, "comment": {"written by the host"}}); res.StatusCode < 400 {
			t.Fatalf("POST %s: %d, want it refused", path, res.StatusCode)
		}
	}
	if f, _ := ta.store.FeedbackFor(t.Context(), r.ID); f != nil {
		t.Fatalf("feedback stored without the emailed token: %+v", f)
	}

	page := c.get(link + "?rating=4")
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, `action="`+link+`"`)
	if f, _ := ta.store.FeedbackFor(t.Context(), r.ID); f != nil {
		t.Fatal("opening the link stored an answer")
	}
	res := c.post(link, url.Values{"rating": {"4"}, "comment": {"Lovely."}})
	wantStatus(t, res, http.StatusSeeOther)
	wantBody(t, c.get(res.Header.Get("Location")), "Thank you: the host will read it.", "4 of 5")
	res = c.post(link, url.Values{"rating": {"1"}})
	wantBody(t, c.get(res.Header.Get("Location")), "You have told us already")
	if f, _ := ta.store.FeedbackFor(t.Context(), r.ID); f == nil || f.Rating != 4 || f.Comment != "Lovely." {
		t.Fatalf("the answer kept: %+v", f)
	}
	if logs := ta.logs.String(); strings.Contains(logs, strings.TrimPrefix(link, "/feedback/")) || !strings.Contains(logs, "/feedback/[redacted]") {
		t.Fatalf("the access log holds the feedback token:\n%s", logs)
	}
}

// The reminder's give-away link works only with its own token: the ticket
// code is refused and frees no seat, and so is the feedback token. Opening
// the emailed link changes nothing; its button, with no sign-in, gives the
// seat to the first person on the waitlist.
func TestGiveAwayOnlyByTheEmailedToken(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	start := time.Now().Add(3 * time.Hour)
	id, err := ta.store.At(time.Now().Add(-48*time.Hour)).CreateEvent(t.Context(), models.NewEvent{VenueID: v.ID, HostID: host.ID, Status: models.EventPublished,
		EventInput: models.EventInput{Title: "Small night", StartsAt: start, EndsAt: start.Add(2 * time.Hour), Capacity: 1}})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := ta.store.EventByID(t.Context(), id)
	ada := ta.reserveAt(t, e, ta.user(t, "ada@example.com", models.RoleAttendee), time.Now().Add(-24*time.Hour))
	ta.reserveAt(t, e, ta.user(t, "bob@example.com", models.RoleAttendee), time.Now().Add(-24*time.Hour)) // waitlisted
	if _, err := ta.store.QueueReminders(t.Context()); err != nil {
		t.Fatal(err)
	}
	link := ta.emailedLink(t, "ada@example.com", models.MsgReminder, "/give-away/")
	code := ta.store.Tickets.Code(ada.TicketID)
	if strings.Contains(link, code) {
		t.Fatalf("the give-away link holds the ticket code: %s", link)
	}
	seats := func() (int, int) {
		e, _ := ta.store.EventByID(t.Context(), id)
		return e.ConfirmedCount, e.WaitlistCount
	}

	c := ta.client(t)
	c.get("/login")
	feedback := "/feedback/" + ta.store.Tickets.GuestToken(models.LinkFeedback, ada.ID)
	for _, path := range []string{"/tickets/" + code + "/give-away", "/give-away/" + code, strings.Replace(feedback, "/feedback/", "/give-away/", 1)} {
		if res := c.get(path); res.StatusCode != http.StatusNotFound || strings.Contains(res.body, `id="give-away"`) {
			t.Fatalf("GET %s: %d, want the form refused\n%s", path, res.StatusCode, res.body)
		}
		if res := c.post(path, nil); res.StatusCode < 400 {
			t.Fatalf("POST %s: %d, want it refused", path, res.StatusCode)
		}
	}
	if yes, wait := seats(); yes != 1 || wait != 1 {
		t.Fatalf("a refused give-away changed the seats: %d confirmed, %d waiting", yes, wait)
	}

	page := c.get(link)
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, "I can't come: give my seat away", `action="`+link+`"`)
	if strings.Contains(page.body, code) {
		t.Fatal("the give-away page shows the ticket code")
	}
	if yes, wait := seats(); yes != 1 || wait != 1 {
		t.Fatal("opening the link changed the seats")
	}
	res := c.post(link, nil)
	wantStatus(t, res, http.StatusSeeOther)
	wantBody(t, c.get(res.Header.Get("Location")), "your seat has gone to the next person on the waitlist", "This ticket was already given up.")
	if r, _ := ta.store.RSVPFor(t.Context(), id, mustUser(t, ta, "bob@example.com").ID); r.Status != models.RSVPConfirmed {
		t.Fatalf("Bob after Ada gave her seat away: %s", r.Status)
	}
	res = c.post(link, nil)
	wantBody(t, c.get(res.Header.Get("Location")), "This ticket was already given up.")
}
