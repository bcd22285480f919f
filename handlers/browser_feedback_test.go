package handlers

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
	"github.com/clockroom/clockroom/models"
)

// The morning after, a guest taps four stars in the feedback email on a
// phone, adds a word, and sends it without signing in; the host then reads
// it on the night's page and in My nights.
func TestBrowserFeedbackFromTheEmail(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	e := ta.startedAgo(t, v, host, 10, 5*time.Hour) // four hours long: over an hour ago
	ada := ta.user(t, "ada@example.com", models.RoleAttendee)
	r, err := ta.store.At(e.StartsAt.Add(-time.Hour)).Reserve(t.Context(), e.ID, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	in := e.StartsAt.Add(10 * time.Minute)
	if _, err := ta.store.At(in).Scan(t.Context(), models.ScanRequest{EventID: e.ID, TicketID: r.TicketID, Direction: models.ScanIn, Key: "feedback-ada"}); err != nil {
		t.Fatal(err)
	}
	token := ta.store.Tickets.GuestToken(models.LinkFeedback, r.ID)
	nextMorning := time.Now().Add(36 * time.Hour)
	if n, err := ta.store.At(nextMorning).QueueFeedbackRequests(t.Context()); err != nil || n != 1 {
		t.Fatalf("feedback requests: %d %v", n, err)
	}
	ms, _ := ta.store.MessagesTo(t.Context(), "ada@example.com")
	link := regexp.MustCompile(`http\S+/feedback/\S+\?rating=4`).FindString(ms[len(ms)-1].Body)
	if !strings.Contains(link, "/feedback/"+token+"?") {
		t.Fatalf("no four-star link in the email:\n%s", ms[len(ms)-1].Body)
	}

	ctx := browsertest.NewAt(t, browsertest.Phone)
	do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
	text := func(sel string) string { t.Helper(); return browsertest.Text(t, ctx, sel) }
	do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("f-comment")))
	if !evalJS[bool](t, ctx, `document.querySelector('input[name=rating][value="4"]').checked`) {
		t.Fatal("the four stars tapped in the email are not chosen")
	}
	browsertest.Screenshot(t, ctx, "feedback-form")
	browsertest.FitsWidth(t, ctx)
	do(chromedp.SendKeys(chromedp.ID("f-comment"), "Lovely crowd; the room got warm."),
		browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action^="/feedback/"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("feedback-given")))
	if got := text(".flash"); !strings.Contains(got, "Thank you") {
		t.Fatalf("after sending: %q", got)
	}
	if got := text("#feedback-given"); !strings.Contains(got, "4 of 5") || !strings.Contains(got, "the room got warm") {
		t.Fatalf("what the page says was given: %q", got)
	}
	browsertest.Screenshot(t, ctx, "feedback-given")
	// Tapping another rating in the email later changes nothing.
	do(chromedp.Navigate(strings.Replace(link, "rating=4", "rating=1", 1)), chromedp.WaitVisible(chromedp.ID("feedback-given")))

	// The host reads it.
	signIn(t, ctx, ta.srv.URL, host.Email, "/events/"+itoa(e.ID), "#feedback-average")
	if got := text("#feedback-average"); got != "4.0 of 5 from 1 guest" {
		t.Fatalf("the night's average: %q", got)
	}
	if got := text(".feedback-comments"); !strings.Contains(got, "Lovely crowd; the room got warm.") {
		t.Fatalf("the comments: %q", got)
	}
	browsertest.Screenshot(t, ctx, "night-feedback")
	browsertest.FitsWidth(t, ctx)
	do(chromedp.Navigate(ta.srv.URL+"/host/events"), chromedp.WaitVisible(chromedp.ID("host-rating")))
	if got := text("#host-rating"); !strings.Contains(got, "4.0 of 5 on average (1 rating)") {
		t.Fatalf("the host's average: %q", got)
	}
}
